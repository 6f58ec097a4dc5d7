-- session_create: the last step of a sign-in, after the password was verified.
--
-- The account is read again: if it was disabled, removed or given a new password
-- while the hash was being checked, no session is made. Otherwise the session hash is
-- written under the token's keyed hash, with the idle timeout as its expiry (never
-- past the absolute one), added to the account's session set (whose expired members
-- are dropped here), and the account's failure count is cleared.
--
-- KEYS: 1 session  2 the user's sessions (set)  3 user  4 failures of the account from
--       this client (the only throttle a right password clears)
-- ARGV: 1 username  2 the password hash that was verified  3 idle ms  4 absolute ms
--       5 session id  6 session key prefix
-- Returns {"gone"} | {"ok", role, display name, expires ms, absolute expiry ms}

local u = redis.call('HMGET', KEYS[3], 'pw', 'disabled', 'role', 'display_name')
if not u[1] or u[1] ~= ARGV[2] or u[2] == '1' then
    return {'gone'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle, absolute = tonumber(ARGV[3]), tonumber(ARGV[4])
local ttl = math.min(idle, absolute)
redis.call('HSET', KEYS[1], 'username', ARGV[1], 'role', u[3], 'created',
           string.format('%d', now), 'absolute_expiry', string.format('%d', now + absolute))
redis.call('PEXPIRE', KEYS[1], ttl)
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if redis.call('EXISTS', ARGV[6] .. id) == 0 then
        redis.call('SREM', KEYS[2], id)
    end
end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[2], absolute)
redis.call('DEL', KEYS[4])
return {'ok', u[3], u[4] or '', now + ttl, now + absolute}
