-- _lib: what the transition scripts share. Built in front of every script, after the
-- key table K (generated from proto/keys.h), so each script stays one atomic EVAL.
--
-- A ticket's index memberships (open, pool, offers, mine, review), its expert's load
-- and the desk's open count follow from its fields alone; reindex() moves a ticket
-- from what it was to what it is, so no script keeps an index by hand and none can
-- forget one.

local function now_ms()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function key(fmt, ...)
    return string.format(fmt, ...)
end

-- True if `state` is in the comma-framed list ",a,b," the C state table produced.
local function state_in(list, state)
    return state ~= nil and string.find(list, ',' .. state .. ',', 1, true) ~= nil
end

-- AWAITING (a ticket still waits for an expert's answer), POOLED (it waits in the pool
-- to be taken) and HELD (an expert holds it) come before this file, generated from the
-- state table in proto/ticket.c, with TO, the state each event leads to (TO.claim).

local TICKET_FIELDS = {'state', 'category', 'language', 'crisis', 'green', 'due', 'owner',
    'window', 'created', 'step', 'attempt', 'offer_until', 'lease_until', 'risk',
    'followups', 'answered_at', 'skip', 'prefer', 'review_by'}

-- The ticket's fields as a table, or nil if there is no such ticket.
local function ticket_load(id)
    local v = redis.call('HMGET', key(K.KEY_TICKET, id), unpack(TICKET_FIELDS))
    if not v[1] then
        return nil
    end
    local t = {id = id}
    for i, name in ipairs(TICKET_FIELDS) do
        if v[i] then t[name] = v[i] end
    end
    return t
end

local function copy(t)
    local c = {}
    for k, v in pairs(t) do c[k] = v end
    return c
end

-- Lower is more urgent: crises first, then the green channel, then by due time.
local function urgency(t)
    local due = tonumber(t.due) or 0
    if t.crisis == '1' then return due - 20000000000000 end
    if t.green == '1' then return due - 10000000000000 end
    return due
end

local function memberships(t)
    local m = {}
    if not t or not t.state then return m end
    local u = urgency(t)
    if AWAITING[t.state] then m[K.KEY_OPEN] = u end
    if POOLED[t.state] then
        m[key(K.KEY_POOL, t.category, t.language)] = u
    end
    if t.state == 'offered' and t.owner then m[key(K.KEY_OFFERS, t.owner)] = u end
    if HELD[t.state] and t.owner then
        m[key(K.KEY_MINE, t.owner)] = u
    end
    if t.state == 'in_review' then m[K.KEY_REVIEW] = u end
    return m
end

local function holder(t)
    if t and t.owner and t.owner ~= '' and
        (t.state == 'offered' or t.state == 'claimed' or t.state == 'in_review') then
        return t.owner
    end
    return nil
end

-- Moves ticket `id` from `old` (nil: new) to `new`: indexes, loads, the open count.
local function reindex(id, old, new)
    local a, b = memberships(old), memberships(new)
    for k in pairs(a) do
        if b[k] == nil then redis.call('ZREM', k, id) end
    end
    for k, s in pairs(b) do
        if a[k] ~= s then redis.call('ZADD', k, s, id) end
    end
    local ho, hn = holder(old), holder(new)
    local co = old and old.crisis == '1' and ho
    local cn = new and new.crisis == '1' and hn
    if ho ~= hn then
        if ho then redis.call('HINCRBY', K.KEY_LOAD, ho, -1) end
        if hn then redis.call('HINCRBY', K.KEY_LOAD, hn, 1) end
    end
    if co ~= cn then
        if co then redis.call('HINCRBY', K.KEY_CRISISLOAD, co, -1) end
        if cn then redis.call('HINCRBY', K.KEY_CRISISLOAD, cn, 1) end
    end
    local wa = old and AWAITING[old.state] or false
    local wb = new and AWAITING[new.state] or false
    if wa ~= wb then
        redis.call('HINCRBY', K.KEY_STATS, 'open', wb and 1 or -1)
    end
end

-- Appends to the ticket's audit trail: who, what, from, to; never a text.
local function audit(id, now, actor, event, from, to)
    redis.call('RPUSH', key(K.KEY_AUDIT, id),
        now .. ' ' .. actor .. ' ' .. event .. ' ' .. (from or '-') .. ' ' .. (to or '-'))
end

-- A live event for the consoles (offers, claims, answers); capped, never a text.
local function live(now, kind, t, extra)
    local args = {'XADD', K.KEY_EVENTS, 'MAXLEN', '~', 10000, '*', 'type', kind,
        'ticket', t.id, 'state', t.state or '', 'owner', t.owner or '',
        'category', t.category or '', 'language', t.language or '',
        'crisis', t.crisis or '0', 'at', now}
    for k, v in pairs(extra or {}) do
        args[#args + 1] = k
        args[#args + 1] = v
    end
    redis.call(unpack(args))
end

-- Puts the ticket's next step on the schedule and wakes the engines if it is earlier.
local function schedule(id, at)
    redis.call('ZADD', K.KEY_SCHEDULE, at, id)
    redis.call('PUBLISH', K.CHANNEL_WAKE, at)
end

-- Loads ticket `id` for a move allowed from the states in `allowed`: returns the
-- ticket, or nil and the refusal to return ({"missing"} or {"state", state, owner}).
local function ticket_for(id, allowed)
    local t = ticket_load(id)
    if not t then
        return nil, {'missing'}
    end
    if not state_in(allowed, t.state) then
        return nil, {'state', t.state, t.owner or ''}
    end
    return t, nil
end

-- Sends ticket `t` back to the queue and the router (release, offer timeout, lease
-- expiry, the end of a shift), passing over the one who had it. Returns the new view.
local function requeue(t, now, actor, event)
    local tk = key(K.KEY_TICKET, t.id)
    local new = copy(t)
    new.state, new.owner = 'queued', nil
    redis.call('HSET', tk, 'state', 'queued', 'skip', t.owner or '')
    redis.call('HDEL', tk, 'owner', 'lease_until', 'offer_until')
    redis.call('HINCRBY', tk, 'attempt', 1)
    reindex(t.id, t, new)
    redis.call('XADD', K.KEY_INTAKE, '*', 'ticket', t.id, 'category', t.category, 'language',
        t.language, 'crisis', t.crisis or '0', 'green', t.green or '0')
    audit(t.id, now, actor, event, t.state, 'queued')
    live(now, event, new, {previous = t.owner or ''})
    return new
end

-- Schedules ticket `id` at `at` unless its next step comes sooner.
local function schedule_before(id, at)
    local step_at = tonumber(redis.call('HGET', key(K.KEY_TICKET, id), 'step_at'))
    local current = tonumber(redis.call('ZSCORE', K.KEY_SCHEDULE, id))
    if (not step_at or at < step_at) and (not current or at < current) then
        schedule(id, at)
    end
end

-- When a claim taken `now` on ticket `t` runs out: `lease` ms, but never past the
-- first on-call step (permille `oncall`, -1: none) while it is still ahead, so a
-- forgotten claim returns to the pool before on-call has to be woken for it.
local function lease_end(now, t, lease, oncall)
    local lease_until = now + lease
    local window, due = tonumber(t.window), tonumber(t.due)
    if oncall >= 0 then
        local cap = due - window + math.floor(window * oncall / 1000)
        if cap > now and cap < lease_until then lease_until = cap end
    end
    return lease_until
end


-- ---------------------------------------------------------------- incidents
--
-- An alert is an incident: one open alert per subject (a ticket, or "<kind>:<what>"
-- for an alert about no ticket: coverage_gap, security, redis memory), that changes
-- kind and level as steps fire and keeps every change in its history. One
-- acknowledgement covers it until something new and worse happens (a higher rank, or
-- a first crisis); lesser or equal steps after an acknowledgement are only recorded.
-- Webhooks: every stream entry says whether the notifier sends it (send=1). An
-- incident sends at most one message a minute, apart from a new crisis; a change
-- within the minute is sent, in its latest state, when the minute ends (the schedule
-- member "w:<id>"), so nothing is lost and nothing doubled.

-- Severity of the kinds of one ticket's incident, lowest first.
local ALERT_RANK = {crisis = 1, review_waiting = 2, crisis_waiting = 2, no_expert = 3, late = 4,
    breach = 5}
local WEBHOOK_GAP_MS = 60000
-- The changes people are told about; the rest (acked, resolved, noted, stepped_down)
-- are for the live feeds and the history.
local ALERT_SENT = {raised = true, escalated = true, ['repeat'] = true, refire = true,
    update = true}

local function alert_load(id)
    local h = redis.call('HGETALL', key(K.KEY_ALERT, id))
    if #h == 0 then return nil end
    local a = {}
    for i = 1, #h, 2 do a[h[i]] = h[i + 1] end
    return a
end

-- Appends a change to the incident's history (kept to its last 200 changes).
local function alert_history(id, now, event, kind, level, by)
    local hk = key(K.KEY_ALERT_HISTORY, id)
    redis.call('RPUSH', hk, cjson.encode({at = now, event = event, kind = kind,
        level = tonumber(level) or 0, by = by or ''}))
    redis.call('LTRIM', hk, -200, -1)
end

-- One alert event on the alert stream (for the notifier and the live feeds), with the
-- incident's current state. `urgent` (a new crisis) is sent at once; any other change
-- people are told about waits for the end of the incident's webhook minute.
local function alert_event(now, id, a, event, by, urgent)
    local send = '0'
    -- A resolved incident sends nothing more, but for the change it held back.
    if ALERT_SENT[event] and (a.state ~= 'resolved' or event == 'update') then
        local last = tonumber(a.sent_at or '0') or 0
        if urgent or now - last >= WEBHOOK_GAP_MS then
            send = '1'
            redis.call('HSET', key(K.KEY_ALERT, id), 'sent_at', now, 'pending', '0')
            redis.call('SET', key(K.KEY_ALERTS_SENT, a.subject or a.ticket), now, 'PX',
                WEBHOOK_GAP_MS)
            redis.call('ZREM', K.KEY_SCHEDULE, 'w:' .. id)
        else
            redis.call('HSET', key(K.KEY_ALERT, id), 'pending', '1')
            redis.call('ZADD', K.KEY_SCHEDULE, last + WEBHOOK_GAP_MS, 'w:' .. id)
        end
    end
    local t = (a.ticket and a.ticket ~= '') and ticket_load(a.ticket) or nil
    local holder_name = holder(t) or ''
    -- The crisis reason is the name of a category of warning sign; anything else stays.
    local reason = (t and t.risk) or a.reason or ''
    if #reason > 64 or not string.match(reason, '^[%w_:,%-]*$') then reason = '' end
    -- Capped far above any backlog the notifier could have (incidents themselves are
    -- kept in their hashes); only the stream's oldest, long-delivered entries go.
    redis.call('XADD', K.KEY_ALERTS, 'MAXLEN', '~', 100000, '*', 'event', event, 'id', id,
        'ticket', a.ticket or '', 'subject', a.subject or '',
        'kind', a.kind, 'level', a.level, 'notify', a.notify, 'created', a.created,
        'seq', a.seq or 0, 'category', a.category or '', 'language', a.language or '',
        'reason', reason, 'crisis', (t and t.crisis) or a.crisis or '0',
        'due', (t and AWAITING[t.state] and t.due) or '', 'holder', holder_name,
        'state', a.state or 'open', 'send', send, 'by', by or '', 'at', now)
end

-- `notify` with each audience of `more` ("oncall+supervisor") it does not have yet.
local function alert_widen(notify, more)
    for n in string.gmatch(more, '[^+]+') do
        if not string.find('+' .. notify .. '+', '+' .. n .. '+', 1, true) then
            notify = notify .. '+' .. n
        end
    end
    return notify
end

-- The next audience up: experts, then on-call, then supervisors (who stay the last).
local function alert_escalate(notify)
    local has_oncall = string.find('+' .. notify .. '+', '+oncall+', 1, true)
    return alert_widen(notify, has_oncall and 'supervisor' or 'oncall')
end

-- True if the subject's open incident has `kind` among its active steps.
local function alert_active(subject, kind)
    local id = redis.call('HGET', K.KEY_ALERTS_SUBJECT, subject)
    if not id then return false end
    local active = redis.call('HGET', key(K.KEY_ALERT, id), 'active') or ''
    return string.find(active, ',' .. kind .. ',', 1, true) ~= nil
end

-- Opens a new incident for `subject`; returns its id.
local function alert_open(now, t, subject, kind, level, notify, rep)
    local id = tostring(redis.call('INCR', K.KEY_ALERTS_SEQ))
    local a = {id = id, ticket = t.subject and '' or t.id, subject = subject, kind = kind,
        rank = ALERT_RANK[kind] or 1, level = level, step = level, notify = notify,
        created = now, updated = now, state = 'open', ['repeat'] = rep, seq = 0,
        category = t.category or '', language = t.language or '', reason = t.risk or '',
        crisis = (kind == 'crisis' or t.crisis == '1') and '1' or '0',
        active = ',' .. kind .. ',', pending = '0',
        -- A subject's new incident keeps the pace of its last message (a flapping cause).
        sent_at = tonumber(redis.call('GET', key(K.KEY_ALERTS_SENT, subject)) or '0')}
    local args = {'HSET', key(K.KEY_ALERT, id)}
    for k, v in pairs(a) do
        args[#args + 1] = k
        args[#args + 1] = v
    end
    redis.call(unpack(args))
    redis.call('HSET', K.KEY_ALERTS_SUBJECT, subject, id)
    redis.call('ZADD', K.KEY_ALERTS_OPEN, now, id)
    if rep > 0 then
        redis.call('ZADD', K.KEY_SCHEDULE, now + rep, 'a:' .. id)
    end
    alert_history(id, now, 'raised', kind, level, '')
    alert_event(now, id, a, 'raised', '', kind == 'crisis')
    return id
end

-- Raises a step about ticket `t`, or about no ticket when `t` is {subject = "<kind>:
-- <what>", category?, language?}: the single entry point for every alert. Opens the
-- subject's incident, or changes the open one (kind to the worst, level up, audience
-- widened), re-opening an acknowledged one only for something new and worse. Counted
-- and audited; returns the incident's id. `level` is the ladder step that raised it;
-- `rep` > 0 repeats the incident until acknowledged.
local function alert_raise(now, t, kind, level, notify, rep)
    local subject = t.subject or t.id
    redis.call('HINCRBY', K.KEY_STATS, 'alerts_' .. kind, 1)
    if not t.subject then
        -- An escalation is a step about a ticket's wait; a crisis alert is not one, nor
        -- is an alert about no ticket (a coverage gap, a guessing storm, Redis memory).
        if kind ~= 'crisis' then
            redis.call('HINCRBY', K.KEY_STATS, 'escalations', 1)
        end
        audit(t.id, now, 'deadline', 'alert_' .. kind, t.state, t.state)
    end
    local id = redis.call('HGET', K.KEY_ALERTS_SUBJECT, subject)
    local a = id and alert_load(id)
    if not a or a.state == 'resolved' then
        return alert_open(now, t, subject, kind, level, notify, rep)
    end
    local ak = key(K.KEY_ALERT, id)
    local rank, cur = ALERT_RANK[kind] or 1, tonumber(a.rank) or 1
    local first_crisis = kind == 'crisis' and a.crisis ~= '1'
    if not string.find(a.active, ',' .. kind .. ',', 1, true) then
        a.active = a.active .. kind .. ','
    end
    local old_level, old_notify = tonumber(a.level), a.notify
    if rank > cur then a.kind, a.rank = kind, rank end
    if level > old_level then a.level = level end
    a.notify = alert_widen(a.notify, notify)
    if kind == 'crisis' then a.crisis = '1' end
    if t.risk and t.risk ~= '' then a.reason = t.risk end
    redis.call('HSET', ak, 'kind', a.kind, 'rank', a.rank, 'level', a.level, 'notify', a.notify,
        'active', a.active, 'crisis', a.crisis, 'reason', a.reason or '', 'updated', now)
    local event, reopened = nil, false
    if a.state == 'acked' then
        local worse = first_crisis or rank > (tonumber(a.acked_rank) or cur)
        if worse then
            a.state, a.seq, reopened = 'open', 0, true
            redis.call('HSET', ak, 'state', 'open', 'seq', 0, 'reopened_at', now)
            redis.call('ZREM', K.KEY_SCHEDULE, 'a:' .. id)
            event = 'escalated'
        else
            event = 'noted'
        end
    elseif first_crisis or rank > cur or tonumber(a.level) > old_level or a.notify ~= old_notify then
        event = 'escalated'
    else
        event = 'noted'
    end
    -- An escalation repeats at the new step's pace (or keeps the incident's own, which
    -- a re-opened incident, whose acknowledgement timer was dropped, starts again).
    local every = rep > 0 and rep or (tonumber(a['repeat']) or 0)
    if event == 'escalated' and every > 0 and (rep > 0 or reopened) then
        redis.call('HSET', ak, 'repeat', every)
        redis.call('ZADD', K.KEY_SCHEDULE, now + every, 'a:' .. id)
    end
    alert_history(id, now, event, kind, level, '')
    alert_event(now, id, a, event, '', first_crisis)
    return id
end

-- The UTC day number of `ms`: per-day figures live in a24:day:<n>.
local function day_of(ms)
    return math.floor(ms / 86400000)
end

-- Resolves incident `id` as `by` (a person, or "system" when the cause went away).
local function alert_resolve(now, id, by)
    local a = alert_load(id)
    if not a or a.state == 'resolved' then
        return false
    end
    local ak = key(K.KEY_ALERT, id)
    a.state = 'resolved'
    if by ~= 'system' and not a.acked_by then
        redis.call('HSET', ak, 'acked_by', by, 'acked_at', now)
    end
    -- 'pending' stays as it is: a change held for the webhook minute still goes out.
    redis.call('HSET', ak, 'state', 'resolved', 'resolved_by', by, 'resolved_at', now,
        'updated', now)
    redis.call('ZREM', K.KEY_ALERTS_OPEN, id)
    redis.call('ZADD', K.KEY_ALERTS_DONE, now, id) -- forgotten after privacy.retention
    redis.call('ZREM', K.KEY_SCHEDULE, 'a:' .. id, 'c:' .. id)
    if a.pending ~= '1' then
        redis.call('ZREM', K.KEY_SCHEDULE, 'w:' .. id)
    end -- else a change held for the webhook minute (a breach, say) still goes out then
    if redis.call('HGET', K.KEY_ALERTS_SUBJECT, a.subject or a.ticket) == id then
        redis.call('HDEL', K.KEY_ALERTS_SUBJECT, a.subject or a.ticket)
    end
    alert_history(id, now, 'resolved', a.kind, a.level, by)
    alert_event(now, id, a, 'resolved', by)
    return true
end

-- The step `kind` of the subject's incident is over (an offer found an expert, a claim
-- took a waiting crisis, a coverage gap closed): the incident steps down to its worst
-- remaining step, or is resolved by the system when none remains.
local function alert_clear(now, subject, kind)
    local id = redis.call('HGET', K.KEY_ALERTS_SUBJECT, subject)
    local a = id and alert_load(id)
    if not a or a.state == 'resolved' or
        not string.find(a.active, ',' .. kind .. ',', 1, true) then
        return false
    end
    a.active = string.gsub(a.active, ',' .. kind .. ',', ',', 1)
    if a.active == ',' then
        return alert_resolve(now, id, 'system')
    end
    local worst, wrank = nil, 0
    for k in string.gmatch(a.active, '[^,]+') do
        if (ALERT_RANK[k] or 1) > wrank then worst, wrank = k, ALERT_RANK[k] or 1 end
    end
    a.kind, a.rank = worst, wrank
    redis.call('HSET', key(K.KEY_ALERT, id), 'active', a.active, 'kind', worst, 'rank', wrank,
        'updated', now)
    alert_history(id, now, 'stepped_down', worst, a.level, 'system')
    alert_event(now, id, a, 'stepped_down', 'system')
    return true
end

-- Ticket `ticket` was answered or withdrawn: its incident is over.
local function alert_ticket_done(now, ticket)
    local id = redis.call('HGET', K.KEY_ALERTS_SUBJECT, ticket)
    if id then alert_resolve(now, id, 'system') end
end


-- Puts `user` on or off duty (see duty.lua); returns tickets handed back and nudged.
local function duty_set(user, on, cats_csv, langs_csv, why, nudge)
    local now = now_ms()
    local cats, langs = {}, {}
    for c in string.gmatch(cats_csv, '[^,]+') do cats[#cats + 1] = c end
    for l in string.gmatch(langs_csv, '[^,]+') do langs[#langs + 1] = l end

    local uk = key(K.KEY_USER, user)
    local was_on = redis.call('HGET', uk, 'on_duty') == '1'
    local handed, nudged = 0, 0
    if on then
        redis.call('SADD', K.KEY_ONDUTY, user)
        for _, c in ipairs(cats) do
            for _, l in ipairs(langs) do
                redis.call('SADD', key(K.KEY_DUTY, c, l), user)
                redis.call('SADD', key(K.KEY_USER_DUTY, user), key(K.KEY_DUTY, c, l))
                local waiting = redis.call('ZRANGE', key(K.KEY_POOL, c, l), 0, nudge - 1)
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
        -- Every duty set they were put in, even for a category since taken from them.
        for _, set in ipairs(redis.call('SMEMBERS', key(K.KEY_USER_DUTY, user))) do
            redis.call('SREM', set, user)
        end
        redis.call('DEL', key(K.KEY_USER_DUTY, user))
        redis.call('HSET', uk, 'on_duty', '0')
        local held = redis.call('ZRANGE', key(K.KEY_OFFERS, user), 0, -1)
        for _, id in ipairs(redis.call('ZRANGE', key(K.KEY_MINE, user), 0, -1)) do
            held[#held + 1] = id
        end
        for _, id in ipairs(held) do
            local t = ticket_load(id)
            if t and t.owner == user and (t.state == 'offered' or t.state == 'claimed') then
                requeue(t, now, user, 'handback_' .. why)
                handed = handed + 1
            end
        end
    end
    redis.call('RPUSH', K.KEY_AUDIT_ADMIN, now .. ' ' .. user .. ' duty_' .. (on and 'on' or 'off') .. ' ' .. user)
    redis.call('XADD', K.KEY_EVENTS, 'MAXLEN', '~', 10000, '*', 'type', 'duty', 'user', user,
        'on_duty', on and '1' or '0', 'handed_back', handed, 'why', why, 'at', now)
    return handed, nudged
end

-- Counts ticket `t`'s answer window as ended, once per window (a follow-up opens a new
-- one with a new due time), on the UTC day of its due time: `window_ended` always,
-- `within_window` when `answered_in_time`. Called when an answer lands (in time or
-- late), when the deadline engine passes the due time of an unanswered question, and
-- when a question is withdrawn after its due time; a question withdrawn before it
-- never counts. The figure `within_window_pct` of the statistics is
-- within_window / window_ended, so the questions never answered are in it.
local function window_end(t, answered_in_time)
    local tk = key(K.KEY_TICKET, t.id)
    if not t.due or redis.call('HGET', tk, 'window_counted') == t.due then
        return
    end
    redis.call('HSET', tk, 'window_counted', t.due)
    local day = key(K.KEY_DAY, day_of(tonumber(t.due)))
    local figures = answered_in_time and {'window_ended', 'within_window'} or {'window_ended'}
    for _, f in ipairs(figures) do
        redis.call('HINCRBY', K.KEY_STATS, f, 1)
        redis.call('HINCRBY', day, f, 1)
        redis.call('HINCRBY', day, f .. ':' .. (t.category or 'other'), 1)
    end
end

-- Makes ticket `t` (being moved to `new`, due at `due`) a crisis at `now` for `reason`:
-- the deadline becomes min(due, now + crisis_ms) with the window measured from the same
-- start, the crisis alert to on-call is raised at once (deadline_fire.lua takes the
-- 'pending' mark), and the crisis is counted. Only fields change here; the caller
-- reindexes (crisis first in the pool and open lists, crisis loads) and audits.
-- Returns the new due time.
local function crisis_raise(t, new, now, due, crisis_ms, reason)
    local tk = key(K.KEY_TICKET, t.id)
    local start = due - tonumber(t.window)
    local sooner = now + crisis_ms
    if sooner < due then
        due = sooner
        redis.call('HSET', tk, 'due', due, 'window', due - start)
    end
    redis.call('HSET', tk, 'crisis', '1', 'risk', reason, 'crisis_alert', 'pending')
    schedule(t.id, now)
    new.crisis, new.due = '1', tostring(due)
    local day = key(K.KEY_DAY, day_of(now))
    redis.call('HINCRBY', day, 'crises', 1)
    redis.call('HINCRBY', day, 'crises:' .. (t.category or 'other'), 1)
    redis.call('HINCRBY', K.KEY_STATS, 'crises', 1)
    return due
end

-- An incident about no ticket may say when its cause is over: `ends_at` (ms, a coverage
-- gap's end) or `cause_key`, a key that lives as long as the cause (a guessing storm's
-- flag). The schedule member "c:<id>" looks then (deadline_fire.lua) and the system
-- resolves it, so it neither stays open for ever nor comes back after an
-- acknowledgement once nothing is wrong any more.
-- Returns when to look at incident `a`'s cause next (ms), 0 if it is over, nil if it
-- has no cause to watch.
local function alert_cause_next(now, a)
    if (a.ends_at or '') ~= '' then
        local ends = tonumber(a.ends_at)
        return ends > now and ends or 0
    end
    if (a.cause_key or '') ~= '' then
        local ttl = redis.call('PTTL', a.cause_key)
        if ttl == -2 then return 0 end -- gone
        if ttl >= 0 then return now + ttl + 1 end -- (0: it runs out this very ms)
    end
    return nil
end

-- Raises an alert about something other than a ticket (a guessing storm on a staff
-- account, a coverage gap ahead, Redis memory): the incident of `subject`
-- ("<kind>:<what>", never a text or an address) through alert_raise, with the extra
-- hash fields of `fields` for the dashboard (with `ends_at` or `cause_key`, the system
-- resolves it once its cause is over: alert_cause_next), and an admin audit line.
-- Returns its id.
local function alert_raise_about(now, subject, kind, notify, fields, t)
    t = t or {}
    t.subject = subject
    local id = alert_raise(now, t, kind, 0, notify, 0)
    local args = {'HSET', key(K.KEY_ALERT, id)}
    for k, v in pairs(fields or {}) do
        args[#args + 1] = k
        args[#args + 1] = v
    end
    if #args > 2 then redis.call(unpack(args)) end
    local look = alert_cause_next(now, alert_load(id))
    if look then redis.call('ZADD', K.KEY_SCHEDULE, math.max(look, now), 'c:' .. id) end
    redis.call('RPUSH', K.KEY_AUDIT_ADMIN, now .. ' system alert_' .. kind .. ' ' .. subject)
    return id
end

-- Loads ticket `id` for a move by `user` on a claim, allowed from the states in
-- `allowed`: the holder may make it, anyone else only when `others` is "1" (a
-- supervisor). Returns the ticket, or nil and the refusal to return ({"missing"},
-- {"state", state, owner} or {"forbidden"}).
local function held_ticket_for(id, allowed, user, others)
    local t, refusal = ticket_for(id, allowed)
    if t and t.owner ~= user and others ~= '1' then
        return nil, {'forbidden'}
    end
    return t, refusal
end
