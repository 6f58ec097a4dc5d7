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
-- Returns {"ok", state, answered_at} | {"missing"} | {"state", state, owner} | {"forbidden"}

local id, user = ARGV[1], ARGV[2]
local t, refusal = ticket_for(id, ARGV[3])
if not t then
    return refusal
end
if ARGV[6] == '1' and t.owner ~= user then
    return {'forbidden'}
end
local tk = key(K.KEY_TICKET, id)
local now = now_ms()
local text = ARGV[4]
if text == '' then
    text = redis.call('HGET', tk, 'draft') or ''
end
local new = copy(t)
if ARGV[5] == 'review' or (ARGV[5] == 'auto' and t.crisis == '1') then
    -- The deadline keeps running; the claim's lease does not (nothing is left to lose).
    new.state = 'in_review'
    redis.call('HSET', tk, 'state', 'in_review', 'draft', text, 'review_asked', now)
    redis.call('HDEL', tk, 'lease_until')
    reindex(id, t, new)
    audit(id, now, user, 'submit_review', t.state, 'in_review')
    live(now, 'review', new)
    return {'ok', 'in_review', 0}
end

new.state = 'answered'
if ARGV[8] == 'approve' then
    redis.call('HSET', tk, 'approved_by', user)
else
    new.owner = user
end
redis.call('RPUSH', key(K.KEY_MSGS, id), 'e:' .. now .. ':' .. text)
redis.call('HSET', tk, 'state', 'answered', 'answered_at', now, 'owner', new.owner or t.owner)
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

audit(id, now, user, ARGV[8], t.state, 'answered')
alert_ticket_done(now, id)
live(now, 'answered', new)
return {'ok', 'answered', now}
