-- user_update: change fields of an existing account, end its sessions if asked, audit.
--
-- Disabling an account or setting a new password ends every session of it here, in
-- the same step, so no old token outlives the change, and takes the account off duty
-- with the usual hand-back of its offers and claims (duty_set, why "disabled" or
-- "signed_out"), so nobody offers a ticket to an account that cannot sign in. Its open
-- event streams close within seconds: every front end re-checks the sessions of its
-- streams on a timer (sse.c, session_alive.lua). The session ids come from the
-- account's session set; their keys are named from the session prefix (keys.h).
--
-- KEYS: 1 user  2 the user's sessions (set)  3 admin audit (list)
-- ARGV: 1 username  2 actor  3 event  4 "1" to end the sessions  5 session key prefix
--       6.. field, value pairs to set
-- Returns {"missing"} | {"ok", sessions ended, tickets handed back}

if redis.call('EXISTS', KEYS[1]) == 0 then
    return {'missing'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if #ARGV > 5 then
    redis.call('HSET', KEYS[1], unpack(ARGV, 6))
end
local ended = 0
if ARGV[4] == '1' then
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        ended = ended + redis.call('DEL', ARGV[5] .. id)
    end
    redis.call('DEL', KEYS[2])
end
local handed = 0
if ARGV[4] == '1' and redis.call('HGET', KEYS[1], 'on_duty') == '1' then
    local why = redis.call('HGET', KEYS[1], 'disabled') == '1' and 'disabled' or 'signed_out'
    handed = duty_set(ARGV[1], false, '', '', why, 0)
end
redis.call('RPUSH', KEYS[3], string.format('%d', now) .. ' ' .. ARGV[2] .. ' ' .. ARGV[3] .. ' ' ..
           ARGV[1])
return {'ok', ended, handed}
