-- followup: the citizen writes again.
--
-- Appended in any open state; after an answer it reopens the ticket: back to the
-- queue with a fresh window, a new intake entry that prefers the same expert, and a
-- new first deadline step.
--
-- KEYS: 1 ticket  2 msgs  3 audit  4 intake  5 schedule  6 stats
-- ARGV: 1 states that accept a follow-up (",queued,...,")  2 states it reopens from
--       3 sealed text  4 most follow-ups allowed  5 first ladder step in permille (-1: none)
--       6 the code hash the caller verified (the ticket must still carry it)
--       7 the channel that wakes the deadline engines  8 the ticket id
-- Returns {"ok", state, due} | {"missing"} | {"state", state} | {"too_many"}

local st = redis.call('HMGET', KEYS[1], 'state', 'followups', 'window', 'owner', 'category',
    'language', 'crisis', 'green', 'due', 'code')
local state = st[1]
if not state or st[10] ~= ARGV[6] then
    return {'missing'}
end
if not string.find(ARGV[1], ',' .. state .. ',', 1, true) then
    return {'state', state}
end
if tonumber(st[2]) >= tonumber(ARGV[4]) then
    return {'too_many'}
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[8]

redis.call('RPUSH', KEYS[2], 'c:' .. now .. ':' .. ARGV[3])
redis.call('HINCRBY', KEYS[1], 'followups', 1)
redis.call('RPUSH', KEYS[3], now .. ' citizen followup ' .. state .. ' ' .. state)

local due = tonumber(st[9])
if string.find(ARGV[2], ',' .. state .. ',', 1, true) then
    local window = tonumber(st[3])
    due = now + window
    local step_at = due
    if st[7] == '1' then
        step_at = now
    elseif tonumber(ARGV[5]) >= 0 then
        step_at = now + math.floor(window * tonumber(ARGV[5]) / 1000)
    end
    redis.call('HSET', KEYS[1], 'state', 'queued', 'due', due, 'step', 0, 'step_at', step_at,
        'reopened', now)
    redis.call('HINCRBY', KEYS[1], 'attempt', 1)
    if st[7] == '1' then
        redis.call('HSET', KEYS[1], 'crisis_alert', 'pending')
    end
    redis.call('ZADD', KEYS[5], step_at, id)
    redis.call('PUBLISH', ARGV[7], step_at)
    redis.call('XADD', KEYS[4], '*', 'ticket', id, 'category', st[5], 'language', st[6],
        'crisis', st[7], 'green', st[8], 'prefer', st[4] or '')
    redis.call('RPUSH', KEYS[3], now .. ' citizen reopen ' .. state .. ' queued')
    redis.call('HINCRBY', KEYS[6], 'open', 1)
    redis.call('HINCRBY', KEYS[6], 'reopened', 1)
    state = 'queued'
end
return {'ok', state, due}
