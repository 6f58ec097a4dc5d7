-- followup: the citizen writes again.
--
-- Appended in any open state; after an answer it reopens the ticket: back to the
-- queue with a fresh window, a new intake entry that prefers the same expert, and a
-- new first deadline step. A follow-up the front end screened as a crisis makes the
-- ticket a crisis here, in the same step: flag and reason, the crisis window from now
-- if that is sooner, the crisis alert to on-call at once, crisis first in routing.
--
-- KEYS: 1 ticket  2 msgs  3 audit  4 intake  5 schedule  6 stats
-- ARGV: 1 states that accept a follow-up (",queued,...,")  2 states it reopens from
--       3 sealed text  4 most follow-ups allowed  5 first ladder step in permille (-1: none)
--       6 the code hash the caller verified (the ticket must still carry it)
--       7 (unused)  8 the ticket id  9 "1" if the text screened as a crisis
--       10 the screening reason  11 the crisis window ms
-- Returns {"ok", state, due, crisis (0/1)} | {"missing"} | {"state", state} | {"too_many"}

local id = ARGV[8]
local t = ticket_load(id)
if not t or redis.call('HGET', KEYS[1], 'code') ~= ARGV[6] then
    return {'missing'}
end
local state = t.state
if not state_in(ARGV[1], state) then
    return {'state', state}
end
if tonumber(t.followups or '0') >= tonumber(ARGV[4]) then
    return {'too_many'}
end

local now = now_ms()
redis.call('RPUSH', KEYS[2], 'c:' .. now .. ':' .. ARGV[3])
redis.call('HINCRBY', KEYS[1], 'followups', 1)
audit(id, now, 'citizen', 'followup', state, state)

local new = copy(t)
local becomes_crisis = ARGV[9] == '1' and t.crisis ~= '1'
local due = tonumber(t.due)
if state_in(ARGV[2], state) then
    local window = tonumber(t.window)
    due = now + window
    local step_at = due
    if t.crisis == '1' then
        step_at = now
        redis.call('HSET', KEYS[1], 'crisis_alert', 'pending')
    elseif tonumber(ARGV[5]) >= 0 then
        step_at = now + math.floor(window * tonumber(ARGV[5]) / 1000)
    end
    new.state, new.due, new.owner = TO.followup, tostring(due), nil
    redis.call('HSET', KEYS[1], 'state', new.state, 'due', due, 'step', 0, 'step_at', step_at,
        'reopened', now, 'prefer', t.owner or '')
    redis.call('HDEL', KEYS[1], 'owner', 'offer_until', 'lease_until', 'skip')
    redis.call('HINCRBY', KEYS[1], 'attempt', 1)
    redis.call('ZREM', K.KEY_DONE, id)
    schedule(id, step_at)
    audit(id, now, 'citizen', 'reopen', state, new.state)
    redis.call('HINCRBY', KEYS[6], 'reopened', 1)
    state = new.state
    if becomes_crisis then
        due = crisis_raise(t, new, now, due, tonumber(ARGV[11]), ARGV[10])
    end
    redis.call('XADD', KEYS[4], '*', 'ticket', id, 'category', t.category, 'language',
        t.language, 'crisis', new.crisis or '0', 'green', t.green or '0')
    reindex(id, t, new)
    live(now, 'reopened', new, {prefer = t.owner or ''})
elseif becomes_crisis then
    due = crisis_raise(t, new, now, due, tonumber(ARGV[11]), ARGV[10])
    reindex(id, t, new)
    if state == 'queued' then
        -- Waiting for an expert: ask the router again, now with a crisis to place.
        redis.call('XADD', KEYS[4], '*', 'ticket', id, 'category', t.category, 'language',
            t.language, 'crisis', '1', 'green', t.green or '0', 'nudge', '1')
    end
    live(now, 'risk', new, {by = 'screening'})
else
    live(now, 'followup', t)
end
if becomes_crisis then
    audit(id, now, 'citizen', 'crisis_followup', state, state)
end
return {'ok', state, due, new.crisis == '1' and 1 or 0}
