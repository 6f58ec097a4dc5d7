-- rate_hit: count one event against a client's window (a failed code check).
-- KEYS: 1 rate  ARGV: 1 window ms.  Returns the count in this window.
local n = redis.call('INCR', KEYS[1])
if n == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
