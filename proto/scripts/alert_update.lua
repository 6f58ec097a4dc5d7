-- alert_update: a person acknowledges or resolves an alert.
--
-- Acknowledging stops the repeats and starts the acknowledgement timer (an alert
-- acknowledged but not resolved comes back after it); resolving ends the alert.
--
-- KEYS: 1 alert  2 schedule  3 open alerts  4 alert stream
-- ARGV: 1 "ack" | "resolve"  2 username  3 ack timeout ms  4 alert id
-- Returns {"ok", state} | {"missing"} | {"state", state}

local v = redis.call('HMGET', KEYS[1], 'state', 'ticket', 'kind', 'level', 'notify', 'created',
    'seq', 'category', 'language')
local state = v[1]
if not state then
    return {'missing'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, member = ARGV[4], 'a:' .. ARGV[4]
local event
if ARGV[1] == 'ack' then
    if state ~= 'open' then
        return {'state', state}
    end
    redis.call('HSET', KEYS[1], 'state', 'acked', 'acked_by', ARGV[2], 'acked_at', now)
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), member)
    event, state = 'acked', 'acked'
else
    if state == 'resolved' then
        return {'state', state}
    end
    if not redis.call('HGET', KEYS[1], 'acked_by') then
        redis.call('HSET', KEYS[1], 'acked_by', ARGV[2], 'acked_at', now)
    end
    redis.call('HSET', KEYS[1], 'state', 'resolved', 'resolved_by', ARGV[2], 'resolved_at', now)
    redis.call('ZREM', KEYS[2], member)
    redis.call('ZREM', KEYS[3], id)
    event, state = 'resolved', 'resolved'
end
redis.call('XADD', KEYS[4], '*', 'event', event, 'id', id, 'ticket', v[2], 'kind', v[3],
    'level', v[4], 'notify', v[5], 'created', v[6], 'seq', v[7], 'category', v[8] or '',
    'language', v[9] or '', 'by', ARGV[2])
return {'ok', state}
