-- session_begin: the first step of a sign-in: is it throttled, and what is the hash?
--
-- A sign-in is refused early while this client is in a delay after repeated failures,
-- either against this account (the account-and-client key) or against any account
-- (the client key). Failures of other clients never delay this one: the right
-- password from elsewhere is never refused because of someone else's guesses (a
-- guessing storm raises a security alert instead, session_fail.lua). Otherwise the
-- caller gets the stored password hash to verify off the event loop; an unknown or
-- disabled account gets "" and is checked against a dummy hash, so the two look and
-- take the same.
--
-- KEYS: 1 user  2 failures of the account from this client  3 failures of the client
-- Returns {"limited", retry after ms} | {"ok", password hash or ""}

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 2, 3 do
    local untl = tonumber(redis.call('HGET', KEYS[i], 'until') or '0')
    if untl - now > wait then
        wait = untl - now
    end
end
if wait > 0 then
    return {'limited', wait}
end
local u = redis.call('HMGET', KEYS[1], 'pw', 'disabled')
if not u[1] or u[2] == '1' then
    return {'ok', ''}
end
return {'ok', u[1]}
