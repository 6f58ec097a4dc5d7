-- redis_memory: Redis' memory against its cap, as the worker read it (INFO memory).
-- Over redis.memory_alert of maxmemory, one alert of kind redis_memory is raised per
-- crossing, in the shape alert_raise (_lib.lua) gives every alert but with no ticket
-- (ticket ''), for on-call; back under, the crossing ends, so the next one raises a
-- new alert. The alert itself stays until on-call resolves it.
--
-- ARGV: 1 'over' or 'under'  2 used bytes  3 maxmemory bytes
-- Returns {'raised', id} | {'open', id} | {'under'}

if ARGV[1] ~= 'over' then
    redis.call('DEL', K.KEY_REDIS_MEMALERT)
    return {'under'}
end
local open = redis.call('GET', K.KEY_REDIS_MEMALERT)
if open then
    return {'open', open}
end
local now = now_ms()
local id = tostring(redis.call('INCR', K.KEY_ALERTS_SEQ))
local a = {ticket = '', kind = 'redis_memory', level = 0, notify = 'oncall', created = now,
           seq = 0, category = '', language = ''}
redis.call('HSET', key(K.KEY_ALERT, id), 'id', id, 'ticket', '', 'kind', a.kind,
    'level', 0, 'step', 0, 'notify', a.notify, 'created', now, 'state', 'open', 'repeat', 0,
    'seq', 0, 'category', '', 'language', '', 'used', ARGV[2], 'maxmemory', ARGV[3])
redis.call('ZADD', K.KEY_ALERTS_OPEN, now, id)
redis.call('HINCRBY', K.KEY_STATS, 'alerts_redis_memory', 1)
redis.call('SET', K.KEY_REDIS_MEMALERT, id)
alert_event(now, id, a, 'raised')
return {'raised', id}
