-- withdraw: the citizen takes the question back; every text goes at once.
--
-- The question, self-check, follow-ups, answers and notes are deleted; what stays is
-- the ticket's skeleton (state, category, times) and its audit trail, without text,
-- until retention purges it (purge.lua).
--
-- KEYS: 1 ticket  2 msgs  3 notes  4 audit  5 schedule  6 stats
-- ARGV: 1 states it may be withdrawn from  2 (unused)  3 retention ms
--       4 the code hash the caller verified  5 the ticket id
-- Returns {"ok"} | {"missing"} | {"state", state}

local id = ARGV[5]
local t = ticket_load(id)
if not t or redis.call('HGET', KEYS[1], 'code') ~= ARGV[4] then
    return {'missing'}
end
if not state_in(ARGV[1], t.state) then
    return {'state', t.state}
end
local now = now_ms()
if AWAITING[t.state] and tonumber(t.due) <= now then window_end(t, false) end -- missed
local new = copy(t)
new.state = TO.withdraw
redis.call('HDEL', KEYS[1], 'q', 'sc', 'draft')
redis.call('HSET', KEYS[1], 'state', new.state, 'withdrawn_at', now)
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[5], id)
redis.call('ZADD', K.KEY_DONE, now, id)
reindex(id, t, new)
audit(id, now, 'citizen', 'withdraw', t.state, new.state)
alert_ticket_done(now, id)
live(now, 'withdrawn', new)
redis.call('HINCRBY', KEYS[6], 'withdrawn', 1)
redis.call('SET', K.KEY_ERASE_PENDING, now, 'NX') -- the texts leave the AOF files (eraser)
return {'ok'}
