-- session_check: the staff check of every staff request, in one step.
--
-- Finds the session, refuses it past its absolute expiry, reads the account it
-- belongs to (named from the user prefix, keys.h) and refuses a disabled or removed
-- one, then slides the idle expiry (never past the absolute one). The caller gets
-- the account's current role, categories, languages and display name, so a change
-- to an account takes effect at its next request.
--
-- KEYS: 1 session
-- ARGV: 1 user key prefix  2 idle ms
-- Returns {"none"} | {"ok", username, role, categories, languages, display name,
--          expires ms}

local s = redis.call('HMGET', KEYS[1], 'username', 'absolute_expiry')
if not s[1] then
    return {'none'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local left = tonumber(s[2] or '0') - now
if left <= 0 then
    redis.call('DEL', KEYS[1])
    return {'none'}
end
local u = redis.call('HMGET', ARGV[1] .. s[1], 'role', 'categories', 'languages',
                     'display_name', 'disabled')
if not u[1] or u[5] == '1' then
    redis.call('DEL', KEYS[1])
    return {'none'}
end
local ttl = math.min(tonumber(ARGV[2]), left)
redis.call('PEXPIRE', KEYS[1], ttl)
return {'ok', s[1], u[1], u[2] or '', u[3] or '', u[4] or '', now + ttl}
