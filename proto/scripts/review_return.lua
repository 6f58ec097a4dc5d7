-- review_return: a supervisor sends an answer back to its author, with a note.
--
-- The author gets the ticket back with a fresh lease (capped like a claim's).
--
-- ARGV: 1 ticket  2 user  3 states it may be returned from  4 sealed note ("" for none)
--       5 lease ms  6 the first on-call step in permille of the window (-1: none)
-- Returns {"ok"} | {"missing"} | {"state", state, owner}

local id, user = ARGV[1], ARGV[2]
local t, refusal = ticket_for(id, ARGV[3])
if not t then
    return refusal
end
local now = now_ms()
local new = copy(t)
new.state = TO['return']
local lease_until = lease_end(now, t, tonumber(ARGV[5]), tonumber(ARGV[6]))
redis.call('HSET', key(K.KEY_TICKET, id), 'state', new.state, 'lease_until', lease_until)
schedule_before(id, lease_until)
if ARGV[4] ~= '' then
    redis.call('RPUSH', key(K.KEY_NOTES, id), now .. ':' .. user .. ':' .. ARGV[4])
end
reindex(id, t, new)
if redis.call('HGET', key(K.KEY_TICKET, id), 'review_alert') then
    -- The answer no longer waits: the review_waiting step of the incident is done with.
    alert_clear(now, id, 'review_waiting')
    redis.call('HDEL', key(K.KEY_TICKET, id), 'review_alert')
end
audit(id, now, user, 'return', t.state, new.state)
live(now, 'returned', new)
return {'ok'}
