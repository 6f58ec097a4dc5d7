-- session_alive: which of the sessions behind open event streams are over.
--
-- A session is over when its key is gone (signed out, expired, ended by a new
-- password or by disabling the account), its absolute expiry passed, or its account
-- is disabled or removed. Read only: the session check of the next request cleans up.
-- The front end closes the streams of every session listed (sse.c), so a stream never
-- outlives its session by more than one re-check period.
--
-- ARGV: 1.. session ids
-- Returns the ids that are over (possibly none).

local now = now_ms()
local over = {}
for i = 1, #ARGV do
    local s = redis.call('HMGET', key(K.KEY_SESSION, ARGV[i]), 'username', 'absolute_expiry')
    local u = s[1] and redis.call('HMGET', key(K.KEY_USER, s[1]), 'role', 'disabled')
    if not s[1] or tonumber(s[2] or '0') <= now or not u[1] or u[2] == '1' then
        over[#over + 1] = ARGV[i]
    end
end
return over
