-- queue_summary: queue health without a word of any question, for supervisors and
-- on-call: how many wait, are held, are in review, are crises; how many are due within
-- four hours or overdue; open tickets by time left; experts on duty.
--
-- ARGV: 1 "due soon" horizon ms (4 h)
-- Returns {now, waiting, claimed, in_review, crises, due_soon, overdue, on_duty,
--          {bucket counts: overdue, <1h, 1-4h, 4-12h, 12-24h, >24h}}

local now = now_ms()
local soon = tonumber(ARGV[1])
local counts = {waiting = 0, claimed = 0, in_review = 0, crises = 0, due_soon = 0, overdue = 0}
local buckets = {0, 0, 0, 0, 0, 0}
local bounds = {0, 3600000, 4 * 3600000, 12 * 3600000, 24 * 3600000}
for _, id in ipairs(redis.call('ZRANGE', K.KEY_OPEN, 0, -1)) do
    local v = redis.call('HMGET', key(K.KEY_TICKET, id), 'state', 'crisis', 'due')
    if v[1] then
        if POOLED[v[1]] then
            counts.waiting = counts.waiting + 1
        elseif v[1] == 'claimed' then
            counts.claimed = counts.claimed + 1
        elseif v[1] == 'in_review' then
            counts.in_review = counts.in_review + 1
        end
        if v[2] == '1' then counts.crises = counts.crises + 1 end
        local left = tonumber(v[3]) - now
        if left < 0 then
            counts.overdue = counts.overdue + 1
        elseif left <= soon then
            counts.due_soon = counts.due_soon + 1
        end
        local b = 6
        for i, bound in ipairs(bounds) do
            if left < bound then b = i break end
        end
        buckets[b] = buckets[b] + 1
    end
end
return {now, counts.waiting, counts.claimed, counts.in_review, counts.crises, counts.due_soon,
        counts.overdue, redis.call('SCARD', K.KEY_ONDUTY), buckets}
