-- ticket_load: everything a citizen's request with a code needs, and whether the
-- client is past the failed-check limit.
--
-- The access code is verified by the caller in constant time. The limit counts and
-- limits failures only: the caller refuses a wrong code past it (429) but always lets
-- the right code through, so guesses from others never lock the owner out.
--
-- KEYS: 1 ticket  2 msgs  3 rate (failed code checks)
-- ARGV: 1 limit of failures in the window (0: none)  2 the window ms
-- Returns {"missing", over} | {"ok", {field, value, ...}, {msg, ...}, over}, where
-- `over` is 0, or the ms until the client's window ends when it is past the limit.

local over = 0
local limit = tonumber(ARGV[1])
if limit > 0 then
    local failed = tonumber(redis.call('GET', KEYS[3]) or '0')
    if failed >= limit then
        over = redis.call('PTTL', KEYS[3])
        if over <= 0 then over = tonumber(ARGV[2]) end
    end
end
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then
    return {'missing', over}
end
return {'ok', fields, redis.call('LRANGE', KEYS[2], 0, -1), over}
