-- user_add: create a staff account, unless the name is taken, and audit it.
--
-- The existence check and the write are one step, so two operators adding the same
-- name at once get one account and one refusal.
--
-- KEYS: 1 user  2 users (set)  3 admin audit (list)
-- ARGV: 1 username  2 role  3 categories  4 languages  5 display name
--       6 password hash (Argon2id string)  7 actor
-- Returns {"exists"} | {"ok", created ms}

if redis.call('EXISTS', KEYS[1]) == 1 then
    return {'exists'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = string.format('%d', now)
redis.call('HSET', KEYS[1], 'role', ARGV[2], 'categories', ARGV[3], 'languages', ARGV[4],
           'display_name', ARGV[5], 'pw', ARGV[6], 'disabled', '0', 'created', ms)
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ms .. ' ' .. ARGV[7] .. ' user_add ' .. ARGV[1])
return {'ok', now}
