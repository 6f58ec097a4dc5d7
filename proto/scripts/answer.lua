-- answer: the claimer sends an answer, or a supervisor approves one waiting for review.
--
-- A crisis-flagged ticket's answer waits for a supervisor (state in_review, the
-- deadline still running); approving releases it to the citizen. Releasing cancels
-- every pending deadline step, counts the answer and its time, and lets the alert
-- engine resolve the late-answer alerts.
--
-- ARGV: 1 ticket  2 user  3 states it may be answered from  4 sealed answer ("" when
--       approving the stored draft)  5 "auto" (a crisis-flagged ticket's answer waits
--       for review, decided here so that a risk raised a moment before cannot slip an
--       answer past review) | "review" (the expert asks for a second opinion) | "release"
--       6 "1" if the user must be the owner  7 histogram bounds in seconds ",900,3600,"
--       8 the event name ("answer", or "approve" for a supervisor's release)
--       9 how often the review_waiting alert repeats ms (0: never)
-- Returns {"ok", state, answered_at} | {"missing"} | {"state", state, owner} | {"forbidden"}
--         | {"author"}
--
-- The approver of an answer is never its author (the owner of an in_review ticket, who
-- wrote the draft), supervisors included. A crisis answer that nobody else could
-- approve now (its author is a supervisor, or no other supervisor is on duty) still
-- waits, and on-call is told: an alert of kind review_waiting, resolved when the
-- answer is approved or returned.

local id, user = ARGV[1], ARGV[2]
local t, refusal = ticket_for(id, ARGV[3])
if not t then
    return refusal
end
if ARGV[6] == '1' and t.owner ~= user then
    return {'forbidden'}
end
if ARGV[8] == 'approve' and t.owner == user then
    return {'author'}
end
local tk = key(K.KEY_TICKET, id)
local now = now_ms()

-- True if an active supervisor other than `author` is on duty, and `author` is not a
-- supervisor (whose answer on a crisis ticket is always worth a second pair of eyes).
local function another_reviewer(author)
    if redis.call('HGET', key(K.KEY_USER, author), 'role') == 'supervisor' then
        return false
    end
    for _, u in ipairs(redis.call('SMEMBERS', K.KEY_ONDUTY)) do
        local v = redis.call('HMGET', key(K.KEY_USER, u), 'role', 'disabled')
        if u ~= author and v[1] == 'supervisor' and v[2] ~= '1' then
            return true
        end
    end
    return false
end

local text = ARGV[4]
if text == '' then
    text = redis.call('HGET', tk, 'draft') or ''
end
local new = copy(t)
if ARGV[5] == 'review' or (ARGV[5] == 'auto' and t.crisis == '1') then
    -- The deadline keeps running; the claim's lease does not (nothing is left to lose).
    new.state = TO.submit_review
    redis.call('HSET', tk, 'state', new.state, 'draft', text, 'review_asked', now)
    redis.call('HDEL', tk, 'lease_until')
    reindex(id, t, new)
    audit(id, now, user, 'submit_review', t.state, new.state)
    live(now, 'review', new)
    if t.crisis == '1' and not another_reviewer(user) then
        local aid = alert_raise(now, new, 'review_waiting', 0, 'oncall', tonumber(ARGV[9]) or 0)
        redis.call('HSET', tk, 'review_alert', aid)
    end
    return {'ok', 'in_review', 0}
end

new.state = TO[ARGV[8]] -- answer or approve
if ARGV[8] == 'approve' then
    redis.call('HSET', tk, 'approved_by', user)
else
    new.owner = user
end
redis.call('RPUSH', key(K.KEY_MSGS, id), 'e:' .. now .. ':' .. text)
redis.call('HSET', tk, 'state', new.state, 'answered_at', now, 'owner', new.owner or t.owner)
redis.call('HDEL', tk, 'draft', 'lease_until', 'offer_until')
redis.call('ZREM', K.KEY_SCHEDULE, id)
redis.call('ZADD', K.KEY_DONE, now, id)
reindex(id, t, new)

-- Figures: counted once per answer, on the day the question was asked.
local start = tonumber(t.due) - tonumber(t.window)
local secs = math.floor((now - start) / 1000)
redis.call('HINCRBY', K.KEY_STATS, 'answered', 1)
redis.call('HINCRBY', K.KEY_STATS, 'answer_count', 1)
redis.call('HINCRBY', K.KEY_STATS, 'answer_sum', secs)
for bound in string.gmatch(ARGV[7], '(%d+)') do
    if secs <= tonumber(bound) then
        redis.call('HINCRBY', K.KEY_STATS, 'answer_le_' .. bound, 1)
        break
    end
end
local day = key(K.KEY_DAY, day_of(start))
redis.call('HINCRBY', day, 'answered', 1)
redis.call('HINCRBY', day, 'answered:' .. t.category, 1)
if now <= tonumber(t.due) then
    redis.call('HINCRBY', day, 'in_window', 1)
    redis.call('HINCRBY', day, 'in_window:' .. t.category, 1)
end
redis.call('RPUSH', key(K.KEY_DAY_TIMES, day_of(start)), secs)
window_end(t, now <= tonumber(t.due)) -- the promise figure, on the day the window ends

if redis.call('HGET', tk, 'review_alert') then
    alert_clear(now, id, 'review_waiting') -- the incident itself ends just below
    redis.call('HDEL', tk, 'review_alert')
end
audit(id, now, user, ARGV[8], t.state, new.state)
alert_ticket_done(now, id)
live(now, 'answered', new)
return {'ok', 'answered', now}
