-- risk: staff raise a ticket to crisis, or a supervisor lowers it, with a reason (a
-- sealed note written at the same instant as the audit line, so the staff view shows
-- the reason beside who lowered it; the audit line itself never holds a text).
-- Raising alerts on-call at once (through the schedule, now) and shortens the
-- deadline to the crisis window if that is sooner; lowering keeps the deadline.
-- Anyone who may act on the ticket may raise; only a supervisor may lower a crisis
-- (a crisis review nobody can skip), decided here, atomically with the change.
--
-- ARGV: 1 ticket  2 user  3 "raise" | "lower"  4 sealed reason  5 crisis window ms
--       6 "1" if the user is a supervisor (may act on any ticket and lower a crisis)
--       7 categories  8 languages
-- Returns {"ok", crisis, due} | {"missing"} | {"forbidden"} | {"state", state}
--         | {"lower_forbidden"}

local id, user = ARGV[1], ARGV[2]
local t = ticket_load(id)
if not t then
    return {'missing'}
end
if not AWAITING[t.state] then
    return {'state', t.state}
end
if ARGV[6] ~= '1' and t.owner ~= user and
    (not state_in(ARGV[7], t.category) or not state_in(ARGV[8], t.language)) then
    return {'forbidden'}
end
if ARGV[3] == 'lower' and ARGV[6] ~= '1' then
    return {'lower_forbidden'}
end
local tk = key(K.KEY_TICKET, id)
local now = now_ms()
local new = copy(t)
local due = tonumber(t.due)
redis.call('RPUSH', key(K.KEY_NOTES, id), now .. ':' .. user .. ':' .. ARGV[4])
if ARGV[3] == 'raise' then
    new.crisis = '1'
    if t.crisis ~= '1' then
        -- The same crisis as a screened one: window, alert, counts (_lib.lua).
        due = crisis_raise(t, new, now, due, tonumber(ARGV[5]), 'expert')
    end
else
    new.crisis = '0'
    redis.call('HSET', tk, 'crisis', '0', 'risk', 'lowered')
    -- No longer a crisis: an alert not yet raised is not, and one waiting for an
    -- expert of the crisis kind steps down (the incident keeps its history).
    if redis.call('HGET', tk, 'crisis_alert') == 'pending' then
        redis.call('HDEL', tk, 'crisis_alert')
    end
    alert_clear(now, id, 'crisis_waiting')
end
reindex(id, t, new)
audit(id, now, user, 'risk_' .. ARGV[3], t.state, t.state)
live(now, 'risk', new, {by = user})
return {'ok', new.crisis, due}
