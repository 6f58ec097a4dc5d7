-- release: the claimer (or a supervisor) hands a ticket back to the pool.
--
-- ARGV: 1 ticket  2 user  3 states it may be released from  4 "1" if the user may
--       release another's claim (a supervisor)  5 event name ("release", "handback")
-- Returns {"ok"} | {"missing"} | {"state", state, owner} | {"forbidden"}

local id, user = ARGV[1], ARGV[2]
local t = ticket_load(id)
if not t then
    return {'missing'}
end
if not state_in(ARGV[3], t.state) then
    return {'state', t.state, t.owner or ''}
end
if t.owner ~= user and ARGV[4] ~= '1' then
    return {'forbidden'}
end
local now = now_ms()
local new = copy(t)
new.state, new.owner = 'queued', nil
redis.call('HSET', key(K.KEY_TICKET, id), 'state', 'queued', 'skip', t.owner or '')
redis.call('HDEL', key(K.KEY_TICKET, id), 'owner', 'lease_until', 'offer_until')
redis.call('HINCRBY', key(K.KEY_TICKET, id), 'attempt', 1)
reindex(id, t, new)
redis.call('XADD', K.KEY_INTAKE, '*', 'ticket', id, 'category', t.category, 'language',
    t.language, 'crisis', t.crisis or '0', 'green', t.green or '0')
audit(id, now, user, ARGV[5], t.state, 'queued')
live(now, ARGV[5], new, {previous = t.owner or ''})
return {'ok'}
