-- ticket_load: everything a citizen's read needs, behind the code-check rate limit.
--
-- The access code is verified by the caller in constant time; this script only
-- refuses early when the client has already failed too often.
--
-- KEYS: 1 ticket  2 msgs  3 rate (failed code checks)
-- ARGV: 1 limit of failures in the window (0: none)
-- Returns {"limited", retry after ms} | {"missing"} | {"ok", {field, value, ...}, {msg, ...}}

local limit = tonumber(ARGV[1])
if limit > 0 then
    local failed = tonumber(redis.call('GET', KEYS[3]) or '0')
    if failed >= limit then
        return {'limited', redis.call('PTTL', KEYS[3])}
    end
end
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then
    return {'missing'}
end
return {'ok', fields, redis.call('LRANGE', KEYS[2], 0, -1)}
