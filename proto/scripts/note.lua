-- note: an internal note on a ticket; staff only, never shown to the citizen.
--
-- ARGV: 1 ticket  2 user  3 sealed note  4 "1" if the user may note any ticket
--       5 the user's categories ",a,b,"  6 the user's languages
-- Returns {"ok", at} | {"missing"} | {"forbidden"}

local id, user = ARGV[1], ARGV[2]
local t = ticket_load(id)
if not t then
    return {'missing'}
end
if ARGV[4] ~= '1' and t.owner ~= user and
    (not state_in(ARGV[5], t.category) or not state_in(ARGV[6], t.language)) then
    return {'forbidden'}
end
local now = now_ms()
redis.call('RPUSH', key(K.KEY_NOTES, id), now .. ':' .. user .. ':' .. ARGV[3])
audit(id, now, user, 'note', t.state, t.state)
live(now, 'note', t, {by = user})
return {'ok', now}
