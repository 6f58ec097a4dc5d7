-- alert_update: a person acknowledges or resolves an alert.
--
-- Acknowledging stops the repeats and starts the acknowledgement timer (an alert
-- acknowledged but not resolved comes back after it); resolving ends the alert.
--
-- ARGV: 1 "ack" | "resolve"  2 username  3 ack timeout ms  4 alert id
-- Returns {"ok", state} | {"missing"} | {"state", state}

local ak = key(K.KEY_ALERT, ARGV[4])
local v = redis.call('HMGET', ak, 'state', 'ticket', 'kind', 'level', 'notify', 'created',
    'seq', 'category', 'language')
local state = v[1]
if not state then
    return {'missing'}
end
local now = now_ms()
local id, member = ARGV[4], 'a:' .. ARGV[4]
local event
if ARGV[1] == 'ack' then
    if state ~= 'open' then
        return {'state', state}
    end
    redis.call('HSET', ak, 'state', 'acked', 'acked_by', ARGV[2], 'acked_at', now)
    redis.call('ZADD', K.KEY_SCHEDULE, now + tonumber(ARGV[3]), member)
    event, state = 'acked', 'acked'
else
    if state == 'resolved' then
        return {'state', state}
    end
    if not redis.call('HGET', ak, 'acked_by') then
        redis.call('HSET', ak, 'acked_by', ARGV[2], 'acked_at', now)
    end
    redis.call('HSET', ak, 'state', 'resolved', 'resolved_by', ARGV[2], 'resolved_at', now)
    redis.call('ZREM', K.KEY_SCHEDULE, member)
    redis.call('ZREM', K.KEY_ALERTS_OPEN, id)
    event, state = 'resolved', 'resolved'
end
alert_event(now, id, {ticket = v[2], kind = v[3], level = v[4], notify = v[5], created = v[6],
    seq = v[7], category = v[8], language = v[9]}, event, ARGV[2])
if v[2] then
    audit(v[2], now, ARGV[2], 'alert_' .. event, '-', '-')
end
return {'ok', state}
