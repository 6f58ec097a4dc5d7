-- session_end: a staff member signs out (DELETE /api/v1/session).
--
-- Deletes the session and drops it from the account's session set. If it was the
-- account's last live session, the account goes off duty with the usual hand-back of
-- its offers and claims (duty_set, why "signed_out"): nobody is offered a ticket while
-- no console of theirs is signed in. Open event streams of the session close within
-- seconds (sse.c re-checks the sessions of its streams with session_alive.lua).
--
-- ARGV: 1 session id
-- Returns {"none"} | {"ok", tickets handed back}

local user = redis.call('HGET', key(K.KEY_SESSION, ARGV[1]), 'username')
if not user then
    return {'none'}
end
redis.call('DEL', key(K.KEY_SESSION, ARGV[1]))
local sessions = key(K.KEY_USER_SESSIONS, user)
redis.call('SREM', sessions, ARGV[1])
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', sessions)) do
    if redis.call('EXISTS', key(K.KEY_SESSION, id)) == 1 then
        live = live + 1
    else
        redis.call('SREM', sessions, id)
    end
end
local handed = 0
if live == 0 and redis.call('HGET', key(K.KEY_USER, user), 'on_duty') == '1' then
    handed = duty_set(user, false, '', '', 'signed_out', 0)
end
return {'ok', handed}
