-- review_return: a supervisor sends an answer back to its author, with a note.
--
-- ARGV: 1 ticket  2 user  3 states it may be returned from  4 sealed note ("" for none)
-- Returns {"ok"} | {"missing"} | {"state", state, owner}

local id, user = ARGV[1], ARGV[2]
local t = ticket_load(id)
if not t then
    return {'missing'}
end
if not state_in(ARGV[3], t.state) then
    return {'state', t.state, t.owner or ''}
end
local now = now_ms()
local new = copy(t)
new.state = 'claimed'
redis.call('HSET', key(K.KEY_TICKET, id), 'state', 'claimed')
if ARGV[4] ~= '' then
    redis.call('RPUSH', key(K.KEY_NOTES, id), now .. ':' .. user .. ':' .. ARGV[4])
end
reindex(id, t, new)
audit(id, now, user, 'return', 'in_review', 'claimed')
live(now, 'returned', new)
return {'ok'}
