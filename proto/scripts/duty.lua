-- duty: an expert goes on or off duty.
--
-- On duty puts them in the duty sets of every category and language they take and
-- asks the router to look at what waits there. Off duty (or the end of a shift) hands
-- back every ticket offered to or claimed by them: each returns to the pool and the
-- router, and the supervisors are told through the live feed. Answers waiting for
-- review stay where they are.
--
-- ARGV: 1 user  2 "on" | "off"  3 categories "a,b"  4 languages "ko,en"
--       5 why ("duty", "shift_end", "disabled")  6 tickets to nudge per pool
-- Returns {"ok", handed_back, nudged}

local user, on = ARGV[1], ARGV[2] == 'on'
local now = now_ms()
local cats, langs = {}, {}
for c in string.gmatch(ARGV[3], '[^,]+') do cats[#cats + 1] = c end
for l in string.gmatch(ARGV[4], '[^,]+') do langs[#langs + 1] = l end

local uk = key(K.KEY_USER, user)
local was_on = redis.call('HGET', uk, 'on_duty') == '1'
local handed, nudged = 0, 0
if on then
    redis.call('SADD', K.KEY_ONDUTY, user)
    for _, c in ipairs(cats) do
        for _, l in ipairs(langs) do
            redis.call('SADD', key(K.KEY_DUTY, c, l), user)
            local waiting = redis.call('ZRANGE', key(K.KEY_POOL, c, l), 0, tonumber(ARGV[6]) - 1)
            for _, id in ipairs(waiting) do
                if redis.call('HGET', key(K.KEY_TICKET, id), 'state') == 'queued' then
                    redis.call('XADD', K.KEY_INTAKE, '*', 'ticket', id, 'category', c,
                        'language', l, 'nudge', '1')
                    nudged = nudged + 1
                end
            end
        end
    end
    if not was_on then
        redis.call('HSET', uk, 'on_duty', '1', 'on_duty_since', now)
    end
else
    redis.call('SREM', K.KEY_ONDUTY, user)
    for _, c in ipairs(cats) do
        for _, l in ipairs(langs) do
            redis.call('SREM', key(K.KEY_DUTY, c, l), user)
        end
    end
    redis.call('HSET', uk, 'on_duty', '0')
    local held = redis.call('ZRANGE', key(K.KEY_OFFERS, user), 0, -1)
    for _, id in ipairs(redis.call('ZRANGE', key(K.KEY_MINE, user), 0, -1)) do
        held[#held + 1] = id
    end
    for _, id in ipairs(held) do
        local t = ticket_load(id)
        if t and t.owner == user and (t.state == 'offered' or t.state == 'claimed') then
            local new = copy(t)
            new.state, new.owner = 'queued', nil
            local tk = key(K.KEY_TICKET, id)
            redis.call('HSET', tk, 'state', 'queued', 'skip', user)
            redis.call('HDEL', tk, 'owner', 'lease_until', 'offer_until')
            redis.call('HINCRBY', tk, 'attempt', 1)
            reindex(id, t, new)
            redis.call('XADD', K.KEY_INTAKE, '*', 'ticket', id, 'category', t.category,
                'language', t.language, 'crisis', t.crisis or '0', 'green', t.green or '0')
            audit(id, now, user, 'handback_' .. ARGV[5], t.state, 'queued')
            live(now, 'handback', new, {previous = user, why = ARGV[5]})
            handed = handed + 1
        end
    end
end
redis.call('RPUSH', K.KEY_AUDIT_ADMIN, now .. ' ' .. user .. ' duty_' .. ARGV[2] .. ' ' .. user)
redis.call('XADD', K.KEY_EVENTS, 'MAXLEN', '~', 10000, '*', 'type', 'duty', 'user', user,
    'on_duty', on and '1' or '0', 'handed_back', handed, 'why', ARGV[5], 'at', now)
return {'ok', handed, nudged}
