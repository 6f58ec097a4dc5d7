-- deadline_fire: take every step that is due and do it, exactly once.
--
-- One sorted set holds "the next thing to do for X at time T": X is a ticket id (its
-- next ladder step, offer timeout or claim lease), "a:<alert id>" (an incident's
-- repeat or its acknowledgement running out), "w:<alert id>" (the end of an
-- incident's webhook minute, when a change held back is sent in its latest state) or
-- "c:<alert id>" (when the cause of an incident about no ticket may be over).
-- Each ticket has one incident (see _lib.lua): the steps below change it. This script takes the due members,
-- acts, and schedules each one's next step, all atomically; so any number of engines
-- may call it at once, a killed engine loses nothing (the members stay until done),
-- and nothing fires twice. Time is Redis' own, so a step of a host clock fires
-- nothing early.
--
-- Ticket and alert hashes are named from the prefixes in ARGV (proto/keys.h is the
-- only list of key names); answer24 runs on one Redis primary, not a cluster.
--
-- KEYS: 1 schedule  2 alert stream  3 alert sequence  4 open alerts  5 stats  6 intake
-- ARGV: 1 most members to take  2 ladder "permille:notify:repeat_ms;..." (notify as
--       "oncall+supervisor")  3 crisis alert repeat ms  4 ack timeout ms
--       5 repeats before an unacknowledged alert goes up a level
--       6 ticket key prefix  7 alert key prefix  8 audit key suffix
--       9 the end of the quiet hours in ms if now is in them, else 0: a reminder to
--          experts alone waits for it (a crisis, an on-call step or a breach never
--          does), unless a more urgent step falls due first, which makes it moot
-- Returns {fired, next due ms or -1, now}

local SCHED, STREAM, SEQ, OPEN, STATS, INTAKE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now = now_ms()
local limit = tonumber(ARGV[1])
local crisis_repeat = tonumber(ARGV[3])
local ack_timeout = tonumber(ARGV[4])
local escalate_after = tonumber(ARGV[5])
local TPREFIX, APREFIX, AUDIT = ARGV[6], ARGV[7], ARGV[8]
local quiet_until = tonumber(ARGV[9] or '0')

local ladder = {}
for p, n, r in string.gmatch(ARGV[2], '(%d+):([%a+]+):(%d+)') do
    ladder[#ladder + 1] = {permille = tonumber(p), notify = n, rep = tonumber(r)}
end

local fired = 0

local function emit(id, a, event)
    alert_event(now, id, a, event)
    fired = fired + 1
end

local function raise(ticket, f, kind, level, notify, rep)
    alert_raise(now, f, kind, level, notify, rep)
    fired = fired + 1
end

-- A ticket's next step is due: offers, leases, the crisis alert, then the ladder.
local function do_ticket(id)
    local tk = TPREFIX .. id
    local f = ticket_load(id)
    if not f or not AWAITING[f.state] then
        redis.call('ZREM', SCHED, id)
        return
    end
    if redis.call('HGET', tk, 'crisis_alert') == 'pending' then
        raise(id, f, 'crisis', 0, 'oncall', crisis_repeat)
        redis.call('HSET', tk, 'crisis_alert', 'raised')
    end
    local offer_until, lease_until = tonumber(f.offer_until), tonumber(f.lease_until)
    local expired = nil
    if f.state == 'offered' and offer_until and offer_until <= now then
        expired = 'offer_timeout'
    elseif f.state == 'claimed' and lease_until and lease_until <= now then
        expired = 'lease_expiry'
    end
    if expired then
        -- Back to the pool, and to the router, which will not offer it to the same person.
        f, offer_until, lease_until = requeue(f, now, 'deadline', expired), nil, nil
    end

    local window, due = tonumber(f.window), tonumber(f.due)
    local start = due - window
    local step = tonumber(f.step) or 0
    local held = false
    while step < #ladder and start + math.floor(window * ladder[step + 1].permille / 1000) <= now do
        local s = ladder[step + 1]
        local quiet = quiet_until > now and s.notify == 'experts' and f.crisis ~= '1' and
            s.permille < 1000
        local after = ladder[step + 2]
        if quiet and after and start + math.floor(window * after.permille / 1000) <= quiet_until then
            step = step + 1 -- a more urgent step comes before the quiet ends: this one is moot
            audit(id, now, 'deadline', 'quiet_skip', f.state, f.state)
        elseif quiet then
            held = true
            break
        else
            local kind = 'late'
            if s.permille >= 1000 then
                kind = 'breach'
                redis.call('HSET', tk, 'breached', now)
                redis.call('HINCRBY', STATS, 'breaches', 1)
                redis.call('HINCRBY', key(K.KEY_DAY, day_of(due)), 'breaches', 1)
            end
            step = step + 1
            raise(id, f, kind, step, s.notify, s.rep)
        end
    end

    if due <= now then window_end(f, false) end -- missed: counted once, on its due day

    local next_at = nil
    if held then
        next_at = quiet_until
    elseif step < #ladder then
        next_at = start + math.floor(window * ladder[step + 1].permille / 1000)
    end
    if due > now and (not next_at or due < next_at) then next_at = due end -- see window_end
    -- An offer runs only while offered, a lease only while claimed (not in review).
    local timers = {}
    if f.state == 'offered' then timers[1] = offer_until end
    if f.state == 'claimed' then timers[1] = lease_until end
    for _, at in pairs(timers) do
        if at and (not next_at or at < next_at) then next_at = at end
    end
    if next_at then
        redis.call('HSET', tk, 'step', step, 'step_at', next_at)
        redis.call('ZADD', SCHED, next_at, id)
    else
        redis.call('HSET', tk, 'step', step)
        redis.call('HDEL', tk, 'step_at')
        redis.call('ZREM', SCHED, id)
    end
end

-- An incident's repeat or acknowledgement timer is due.
local function do_alert(member)
    local id = string.sub(member, 3)
    local ak = APREFIX .. id
    local a = alert_load(id)
    if not a or a.state == 'resolved' then
        redis.call('ZREM', SCHED, member)
        return
    end
    if a.ticket and a.ticket ~= '' then
        local t = ticket_load(a.ticket)
        -- Answered or withdrawn (or purged): the incident is over.
        if not t or not AWAITING[t.state] then
            alert_resolve(now, id, 'system')
            fired = fired + 1
            return
        end
        -- A waiting crisis that someone has since claimed waits no more.
        if HELD[t.state] and alert_clear(now, a.ticket, 'crisis_waiting') then
            a = alert_load(id)
            if a.state == 'resolved' then return end
        end
    end
    local rep = tonumber(a['repeat']) or 0
    a.seq = tonumber(a.seq) + 1
    if a.state == 'acked' then
        local acked_at = tonumber(a.acked_at) or now
        if acked_at + ack_timeout > now then
            redis.call('ZADD', SCHED, acked_at + ack_timeout, member)
            return
        end
        -- Acknowledged but never resolved: it comes back.
        a.state = 'open'
        redis.call('HSET', ak, 'state', 'open', 'refired_at', now, 'seq', a.seq, 'updated', now)
        redis.call('ZADD', SCHED, now + (rep > 0 and rep or ack_timeout), member)
        alert_history(id, now, 'refire', a.kind, a.level, 'system')
        emit(id, a, 'refire')
        return
    end
    if a.seq % escalate_after == 0 then
        a.level = tonumber(a.level) + 1
        a.notify = alert_escalate(a.notify)
        redis.call('HSET', ak, 'updated', now)
        alert_history(id, now, 'level_up', a.kind, a.level, 'system')
    end
    redis.call('HSET', ak, 'seq', a.seq, 'level', a.level, 'notify', a.notify)
    redis.call('ZADD', SCHED, now + (rep > 0 and rep or ack_timeout), member)
    emit(id, a, 'repeat')
end

-- An incident's webhook minute is over: send the change held back, in its latest state.
local function do_webhook(member)
    local id = string.sub(member, 3)
    redis.call('ZREM', SCHED, member)
    local a = alert_load(id)
    if not a or a.pending ~= '1' then
        return -- (a resolved incident still sends the change it held: its breach, say)
    end
    emit(id, a, 'update') -- sends now: its minute is over (or reschedules if not yet)
end

-- The cause of an incident about no ticket may be over (alert_cause_next in _lib.lua):
-- the system resolves it, or looks again when it may be.
local function do_cause(member)
    local id = string.sub(member, 3)
    local a = alert_load(id)
    local look = a and a.state ~= 'resolved' and alert_cause_next(now, a)
    if look == 0 then
        alert_resolve(now, id, 'system')
        fired = fired + 1
    elseif look then
        redis.call('ZADD', SCHED, look, member)
    else
        redis.call('ZREM', SCHED, member)
    end
end

local due = redis.call('ZRANGEBYSCORE', SCHED, '-inf', now, 'LIMIT', 0, limit)
for _, member in ipairs(due) do
    local kind = string.sub(member, 1, 2)
    if kind == 'a:' then
        do_alert(member)
    elseif kind == 'w:' then
        do_webhook(member)
    elseif kind == 'c:' then
        do_cause(member)
    else
        do_ticket(member)
    end
end

local head = redis.call('ZRANGE', SCHED, 0, 0, 'WITHSCORES')
local next_due = -1
if #head == 2 then next_due = tonumber(head[2]) end
return {fired, next_due, now}
