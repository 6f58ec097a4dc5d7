-- route: offer a queued ticket to the on-duty expert who should have it.
--
-- Candidates take the ticket's category and language and are on duty; the expert it
-- was last with is preferred on a follow-up, the one whose offer just ran out is
-- passed over (unless nobody else is there), experts at their crisis cap get no more
-- crises, and among the rest the one with the fewest open offers and claims wins,
-- the longest since their last offer on a tie (round robin). Nobody on duty raises a
-- no_expert step on the ticket's incident, once until an offer clears it; a crisis
-- that cannot be offered (everyone at the crisis cap, or nobody of its language and
-- category on duty) raises crisis_waiting, repeating like a crisis until a claim. Reading the intake is at least once; this script
-- makes the effect exactly once (only a queued ticket is offered).
--
-- ARGV: 1 ticket  2 states it may be offered from  3 offer timeout ms
--       4 most open crisis tickets per expert  5 no_expert alert repeat ms
--       6 crisis alert repeat ms (crisis_waiting repeats like a crisis)
-- Returns {"offered", user} | {"waiting"} | {"skip", state}

local id = ARGV[1]
local t = ticket_load(id)
if not t then
    return {'skip', 'missing'}
end
if not state_in(ARGV[2], t.state) then
    return {'skip', t.state}
end
local now = now_ms()
local cap = tonumber(ARGV[4])
local candidates = redis.call('SMEMBERS', key(K.KEY_DUTY, t.category, t.language))
local best, best_load, best_last, skipped = nil, nil, nil, nil
for _, u in ipairs(candidates) do
    local load = tonumber(redis.call('HGET', K.KEY_LOAD, u) or '0')
    local crisis_load = tonumber(redis.call('HGET', K.KEY_CRISISLOAD, u) or '0')
    local last = tonumber(redis.call('HGET', K.KEY_LASTOFFER, u) or '0')
    if t.crisis == '1' and crisis_load >= cap then
        -- at the crisis cap: never this one
    elseif u == t.skip and #candidates > 1 then
        skipped = u
    elseif u == t.prefer then
        best, best_load, best_last = u, -1, -1
        break
    elseif not best or load < best_load or (load == best_load and last < best_last) then
        best, best_load, best_last = u, load, last
    end
end

local tk = key(K.KEY_TICKET, id)
if not best then
    if t.crisis == '1' and not alert_active(id, 'crisis_waiting') then
        alert_raise(now, t, 'crisis_waiting', 0, 'oncall+supervisor',
            tonumber(ARGV[6] or ARGV[5]))
        audit(id, now, 'router', 'crisis_waiting', t.state, t.state)
    elseif #candidates == 0 and not alert_active(id, 'no_expert') then
        alert_raise(now, t, 'no_expert', 0, 'oncall+supervisor', tonumber(ARGV[5]))
    end
    return {'waiting'}
end

local offer_until = now + tonumber(ARGV[3])
local new = copy(t)
new.state, new.owner = TO.offer, best
redis.call('HSET', tk, 'state', new.state, 'owner', best, 'offer_until', offer_until)
redis.call('HDEL', tk, 'skip')
redis.call('HSET', K.KEY_LASTOFFER, best, now)
reindex(id, t, new)
schedule_before(id, offer_until)
alert_clear(now, id, 'no_expert')
audit(id, now, 'router', 'offer', t.state, new.state)
live(now, 'offered', new, {to = best})
return {'offered', best}
