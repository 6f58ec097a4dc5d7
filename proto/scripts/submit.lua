-- submit: accept a citizen's question in one atomic step.
--
-- Writes the ticket hash, its audit line, its intake stream entry and its first
-- deadline entry together, or nothing at all, and only then does the front end
-- answer 201. With an Idempotency-Key the first outcome is kept, and a retry of the
-- same body gets the same ticket back instead of a second one.
--
-- Limits: past the per-client limit a question that screened as a crisis is still
-- taken, under a small per-client crisis allowance (so one address cannot flood
-- on-call); the desk-wide intake budget per minute refuses ordinary questions only.
--
-- KEYS: 1 ticket  2 audit  3 intake  4 schedule  5 idempotency  6 rate  7 stats
--       8 the client's crisis allowance  9 the desk's intake budget
-- ARGV: 1 ticket id  2 category  3 language  4 crisis (0/1)  5 risk reason
--       6 green (0/1)  7 window ms  8 first ladder step in permille (-1: none)
--       9 code hash  10 sealed question  11 sealed self-check or ""
--       12 "1" to use the idempotency key  13 keyed body digest  14 sealed access code
--       15 idempotency ttl ms  16 rate limit (0: none)  17 rate window ms
--       18 crisis allowance past the limit (0: none)  19 intake budget (0: none)
--       20 intake budget window ms
-- Returns {"created", created, due} | {"replay", ticket, sealed code, created, due,
--          crisis} | {"conflict"} | {"limited", retry after ms}

local now = now_ms()

if ARGV[12] == '1' then
    local prev = redis.call('HMGET', KEYS[5], 'ticket', 'digest', 'code', 'created', 'due', 'crisis')
    if prev[1] then
        if prev[2] ~= ARGV[13] then
            return {'conflict'}
        end
        return {'replay', prev[1], prev[3], prev[4], prev[5], prev[6]}
    end
end

-- ms until the window of counter `k` ends, `window` if it has none.
local function retry_of(k, window)
    local ttl = redis.call('PTTL', k)
    if ttl < 0 then ttl = window end
    return ttl
end

local crisis = ARGV[4] == '1'
local limit = tonumber(ARGV[16])
local counter = nil -- the per-client counter this question is charged to
if limit > 0 then
    counter = KEYS[6]
    local used = tonumber(redis.call('GET', KEYS[6]) or '0')
    if used >= limit then
        local allowance = tonumber(ARGV[18])
        local spent = tonumber(redis.call('GET', KEYS[8]) or '0')
        if not crisis or spent >= allowance then
            return {'limited', retry_of(KEYS[6], tonumber(ARGV[17]))}
        end
        counter = KEYS[8]
    end
end
local budget = tonumber(ARGV[19])
if budget > 0 and not crisis then
    local taken = tonumber(redis.call('GET', KEYS[9]) or '0')
    if taken >= budget then
        return {'limited', retry_of(KEYS[9], tonumber(ARGV[20]))}
    end
end

if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.error_reply('ERR ticket id collision')
end

local id = ARGV[1]
local window = tonumber(ARGV[7])
local due = now + window
local step_at = due
if ARGV[4] == '1' then
    step_at = now -- a crisis alerts on-call at once
elseif tonumber(ARGV[8]) >= 0 then
    step_at = now + math.floor(window * tonumber(ARGV[8]) / 1000)
end

redis.call('HSET', KEYS[1],
    'state', 'queued', 'category', ARGV[2], 'language', ARGV[3], 'crisis', ARGV[4],
    'risk', ARGV[5], 'green', ARGV[6], 'created', now, 'due', due, 'window', window,
    'step', 0, 'step_at', step_at, 'code', ARGV[9], 'q', ARGV[10], 'attempt', 0,
    'followups', 0)
if ARGV[11] ~= '' then
    redis.call('HSET', KEYS[1], 'sc', ARGV[11])
end
if ARGV[4] == '1' then
    redis.call('HSET', KEYS[1], 'crisis_alert', 'pending')
end
audit(id, now, 'citizen', 'submit', '-', 'queued')
redis.call('XADD', KEYS[3], '*', 'ticket', id, 'category', ARGV[2], 'language', ARGV[3],
    'crisis', ARGV[4], 'green', ARGV[6])
schedule(id, step_at)
local t = {id = id, state = 'queued', category = ARGV[2], language = ARGV[3], crisis = ARGV[4],
    green = ARGV[6], due = due}
reindex(id, nil, t)
live(now, 'queued', t)

redis.call('HINCRBY', KEYS[7], 'submitted', 1)
local day = key(K.KEY_DAY, day_of(now))
redis.call('HINCRBY', day, 'submitted', 1)
redis.call('HINCRBY', day, 'submitted:' .. ARGV[2], 1)
if ARGV[4] == '1' then
    redis.call('HINCRBY', day, 'crises', 1)
    redis.call('HINCRBY', day, 'crises:' .. ARGV[2], 1)
end
if ARGV[4] == '1' then
    redis.call('HINCRBY', KEYS[7], 'crises', 1)
end

if ARGV[12] == '1' then
    redis.call('HSET', KEYS[5], 'ticket', id, 'digest', ARGV[13], 'code', ARGV[14],
        'created', now, 'due', due, 'crisis', ARGV[4])
    redis.call('PEXPIRE', KEYS[5], ARGV[15])
end
if counter then
    if redis.call('INCR', counter) == 1 then
        redis.call('PEXPIRE', counter, ARGV[17])
    end
end
if budget > 0 then
    if redis.call('INCR', KEYS[9]) == 1 then
        redis.call('PEXPIRE', KEYS[9], ARGV[20])
    end
end
return {'created', now, due}
