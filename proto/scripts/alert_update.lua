-- alert_update: a person acknowledges or resolves an incident.
--
-- Acknowledging stops the repeats and starts the acknowledgement timer (an incident
-- acknowledged but not resolved comes back after it); it covers the incident's
-- current rank: only a worse step, or a first crisis, opens it again (_lib.lua).
-- Resolving ends the incident; the subject's next step opens a new one.
--
-- ARGV: 1 "ack" | "resolve"  2 username  3 ack timeout ms  4 alert id
-- Returns {"ok", state} | {"missing"} | {"state", state}

local id = ARGV[4]
local a = alert_load(id)
if not a then
    return {'missing'}
end
local ak = key(K.KEY_ALERT, id)
local now = now_ms()
local member = 'a:' .. id
if ARGV[1] == 'ack' then
    if a.state ~= 'open' then
        return {'state', a.state}
    end
    a.state = 'acked'
    redis.call('HSET', ak, 'state', 'acked', 'acked_by', ARGV[2], 'acked_at', now,
        'acked_rank', a.rank or 1, 'updated', now)
    redis.call('ZADD', K.KEY_SCHEDULE, now + tonumber(ARGV[3]), member)
    alert_history(id, now, 'acked', a.kind, a.level, ARGV[2])
    alert_event(now, id, a, 'acked', ARGV[2])
else
    if not alert_resolve(now, id, ARGV[2]) then
        return {'state', a.state}
    end
end
if a.ticket and a.ticket ~= '' then
    audit(a.ticket, now, ARGV[2], 'alert_' .. (ARGV[1] == 'ack' and 'acked' or 'resolved'), '-', '-')
end
return {'ok', ARGV[1] == 'ack' and 'acked' or 'resolved'}
