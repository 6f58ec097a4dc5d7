-- redis_memory: Redis' memory against its cap, as the worker read it (INFO memory).
-- Over redis.memory_alert of maxmemory, one alert of kind redis_memory is raised per
-- crossing, the incident of subject "redis_memory" (no ticket) for on-call; back under,
-- the crossing ends and the system resolves the incident (its history stays), so the
-- next crossing raises a new one.
--
-- ARGV: 1 'over' or 'under'  2 used bytes  3 maxmemory bytes
-- Returns {'raised', id} | {'open', id} | {'under'}

if ARGV[1] ~= 'over' then
    if redis.call('DEL', K.KEY_REDIS_MEMALERT) == 1 then
        alert_clear(now_ms(), 'redis_memory', 'redis_memory') -- the cause went away
    end
    return {'under'}
end
local open = redis.call('GET', K.KEY_REDIS_MEMALERT)
if open then
    return {'open', open}
end
local id = alert_raise_about(now_ms(), 'redis_memory', 'redis_memory', 'oncall',
    {used = ARGV[2], maxmemory = ARGV[3]})
redis.call('SET', K.KEY_REDIS_MEMALERT, id)
return {'raised', id}
