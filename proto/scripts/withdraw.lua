-- withdraw: the citizen takes the question back; every text goes at once.
--
-- The question, self-check, follow-ups, answers and notes are deleted; what stays is
-- the ticket's skeleton (state, category, times) and its audit trail, without text,
-- for the figures, until retention purges it.
--
-- KEYS: 1 ticket  2 msgs  3 notes  4 audit  5 schedule  6 stats
-- ARGV: 1 states it may be withdrawn from  2 states that count as waiting for an answer
--       3 retention ms  4 the code hash the caller verified  5 the ticket id
-- Returns {"ok"} | {"missing"} | {"state", state}

local st = redis.call('HMGET', KEYS[1], 'state', 'code')
local state = st[1]
if not state or st[2] ~= ARGV[4] then
    return {'missing'}
end
if not string.find(ARGV[1], ',' .. state .. ',', 1, true) then
    return {'state', state}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[5]

redis.call('HDEL', KEYS[1], 'q', 'sc', 'answer', 'draft')
redis.call('HSET', KEYS[1], 'state', 'withdrawn', 'withdrawn_at', now)
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[5], id)
redis.call('RPUSH', KEYS[4], now .. ' citizen withdraw ' .. state .. ' withdrawn')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
if string.find(ARGV[2], ',' .. state .. ',', 1, true) then
    redis.call('HINCRBY', KEYS[6], 'open', -1)
end
redis.call('HINCRBY', KEYS[6], 'withdrawn', 1)
return {'ok'}
