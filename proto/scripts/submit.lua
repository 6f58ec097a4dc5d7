-- submit: accept citizens' questions, each in one atomic step; several at once when
-- the front end took them in during the same loop pass.
--
-- Writes each ticket's hash, its audit line, its intake stream entry and its first
-- deadline entry together, or nothing at all for it, and only then does the front end
-- answer 201. With an Idempotency-Key the first outcome is kept, and a retry of the
-- same body gets the same ticket back instead of a second one.
--
-- Limits: past the per-client limit a question that screened as a crisis is still
-- taken, under a small per-client crisis allowance (so one address cannot flood
-- on-call); the desk-wide intake budget per minute refuses ordinary questions only.
--
-- The questions of one call are taken one after the other, each seeing the counters
-- and idempotency records the ones before it left: limits and replays are exactly as
-- if each had come alone. What every new ticket shares is written once per call: the
-- time, the schedule, open and pool entries (one ZADD per key), the wake-up and the
-- counters.
--
-- KEYS: 1 intake  2 schedule  3 stats  4 the desk's intake budget, then for each
--       question i (at 4 + 5 * (i - 1)): +1 ticket  +2 audit  +3 idempotency
--       +4 the client's rate counter  +5 the client's crisis allowance
-- ARGV: 1 idempotency ttl ms  2 rate limit (0: none)  3 rate window ms
--       4 crisis allowance past the limit (0: none)  5 intake budget (0: none)
--       6 intake budget window ms  7 number of questions, then for each question i
--       (at 7 + 14 * (i - 1)): +1 ticket id  +2 category  +3 language  +4 crisis (0/1)
--       +5 risk reason  +6 green (0/1)  +7 window ms  +8 first ladder step in permille
--       (-1: none)  +9 code hash  +10 sealed question  +11 sealed self-check or ""
--       +12 "1" to use the idempotency key  +13 keyed body digest  +14 sealed access code
-- Returns one reply per question, in order: {"created", created, due} | {"replay",
--          ticket, sealed code, created, due, crisis} | {"conflict"} | {"limited",
--          retry after ms} | {"collision"} (the ticket id exists: nothing written)

local now = now_ms()
local n = tonumber(ARGV[7])
-- Checked before any write: Redis keeps what a script wrote before an error, and a
-- half-written batch would leave tickets that no schedule or index knows of.
if not n or n < 1 or #KEYS ~= 4 + 5 * n or #ARGV ~= 7 + 14 * n then
    return redis.error_reply('ERR submit: keys and arguments do not match the questions')
end
for i = 0, n - 1 do
    local a = 7 + 14 * i
    if not tonumber(ARGV[a + 7]) or not tonumber(ARGV[a + 8]) then
        return redis.error_reply('ERR submit: a window or ladder step is not a number')
    end
end
local limit, rate_window = tonumber(ARGV[2]), tonumber(ARGV[3])
local allowance, budget, budget_window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

-- ms until the window of counter `k` ends, `window` if it has none.
local function retry_of(k, window)
    local ttl = redis.call('PTTL', k)
    if ttl < 0 then ttl = window end
    return ttl
end

local function charge(k, window)
    if redis.call('INCR', k) == 1 then
        redis.call('PEXPIRE', k, window)
    end
end

-- What the new tickets share, written once at the end.
local zadds = {}   -- key -> {score, member, ...}
local counts = {}  -- hash key -> {field -> increment}
local earliest = nil
local day = key(K.KEY_DAY, day_of(now))

local function zadd(k, score, member)
    local z = zadds[k]
    if not z then z = {}; zadds[k] = z end
    z[#z + 1] = score
    z[#z + 1] = member
end

local function count(k, field)
    local c = counts[k]
    if not c then c = {}; counts[k] = c end
    c[field] = (c[field] or 0) + 1
end

-- Question i: its verdict, and its writes if it is taken.
local function submit_one(i)
    local k, a = 4 + 5 * (i - 1), 7 + 14 * (i - 1)
    local id, category, language, crisis_flag = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
    local crisis = crisis_flag == '1'
    local k_ticket, k_idem, k_rate, k_allow = KEYS[k + 1], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]
    local with_idem = ARGV[a + 12] == '1'
    if with_idem then
        local prev = redis.call('HMGET', k_idem, 'ticket', 'digest', 'code', 'created', 'due',
            'crisis')
        if prev[1] then
            if prev[2] ~= ARGV[a + 13] then
                return {'conflict'}
            end
            return {'replay', prev[1], prev[3], prev[4], prev[5], prev[6]}
        end
    end
    local counter = nil -- the per-client counter this question is charged to
    if limit > 0 then
        counter = k_rate
        local used = tonumber(redis.call('GET', k_rate) or '0')
        if used >= limit then
            local spent = tonumber(redis.call('GET', k_allow) or '0')
            if not crisis or spent >= allowance then
                return {'limited', retry_of(k_rate, rate_window)}
            end
            counter = k_allow
        end
    end
    if budget > 0 and not crisis then
        local taken = tonumber(redis.call('GET', KEYS[4]) or '0')
        if taken >= budget then
            return {'limited', retry_of(KEYS[4], budget_window)}
        end
    end
    if redis.call('EXISTS', k_ticket) == 1 then
        return {'collision'}
    end

    local window = tonumber(ARGV[a + 7])
    local due = now + window
    local step_at = due
    if crisis then
        step_at = now -- a crisis alerts on-call at once
    elseif tonumber(ARGV[a + 8]) >= 0 then
        step_at = now + math.floor(window * tonumber(ARGV[a + 8]) / 1000)
    end
    local fields = {'HSET', k_ticket, 'state', 'queued', 'category', category,
        'language', language, 'crisis', crisis_flag, 'risk', ARGV[a + 5], 'green', ARGV[a + 6],
        'created', now, 'due', due, 'window', window, 'step', 0, 'step_at', step_at,
        'code', ARGV[a + 9], 'q', ARGV[a + 10], 'attempt', 0, 'followups', 0}
    if ARGV[a + 11] ~= '' then
        fields[#fields + 1] = 'sc'
        fields[#fields + 1] = ARGV[a + 11]
    end
    if crisis then
        fields[#fields + 1] = 'crisis_alert'
        fields[#fields + 1] = 'pending'
    end
    redis.call(unpack(fields))
    audit(id, now, 'citizen', 'submit', '-', 'queued')
    redis.call('XADD', KEYS[1], '*', 'ticket', id, 'category', category, 'language', language,
        'crisis', crisis_flag, 'green', ARGV[a + 6])
    zadd(KEYS[2], step_at, id)
    if not earliest or step_at < earliest then earliest = step_at end
    local t = {id = id, state = 'queued', category = category, language = language,
        crisis = crisis_flag, green = ARGV[a + 6], due = due}
    -- reindex(id, nil, t) for a new ticket: its index entries and the open count.
    for ik, score in pairs(memberships(t)) do zadd(ik, score, id) end
    if AWAITING[t.state] then count(KEYS[3], 'open') end
    live(now, 'queued', t)

    count(KEYS[3], 'submitted')
    count(day, 'submitted')
    count(day, 'submitted:' .. category)
    if crisis then
        count(day, 'crises')
        count(day, 'crises:' .. category)
        count(KEYS[3], 'crises')
    end
    if with_idem then
        redis.call('HSET', k_idem, 'ticket', id, 'digest', ARGV[a + 13], 'code', ARGV[a + 14],
            'created', now, 'due', due, 'crisis', crisis_flag)
        redis.call('PEXPIRE', k_idem, ARGV[1])
    end
    if counter then charge(counter, rate_window) end
    if budget > 0 then charge(KEYS[4], budget_window) end
    return {'created', now, due}
end

local replies = {}
for i = 1, n do
    replies[i] = submit_one(i)
end
for k, z in pairs(zadds) do
    redis.call('ZADD', k, unpack(z))
end
if earliest then
    redis.call('PUBLISH', K.CHANNEL_WAKE, earliest)
end
for k, c in pairs(counts) do
    for field, by in pairs(c) do
        redis.call('HINCRBY', k, field, by)
    end
end
return replies
