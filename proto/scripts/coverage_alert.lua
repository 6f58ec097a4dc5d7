-- coverage_alert: one shift tick's coverage ahead, in one call: raises a coverage_gap
-- alert for each gap that now starts within alerts.coverage_warning (once per gap), and
-- resolves each open one whose gap the rota no longer has.
--
-- The worker's shifts role finds the gaps of the rota (proto/coverage.h) on every tick
-- and sends every gap that starts within alerts.coverage_warning, those under way
-- included; several workers may do so at once. An alert is the incident of subject
-- "coverage_gap:<language>:<category>" (alert_raise_about in _lib.lua), with no ticket,
-- `gap_start` and `gap_end` (seconds); it does not repeat. The marker
-- a24:coverage:raised:<subject>:<start> (kept until a day after the gap ends) makes a gap
-- raise once: "1" once raised, "gone:<ms>" once a view read at <ms> found it gone.
--
-- An open incident (a24:coverage:open) stays while a sent gap of its pair overlaps its
-- gap_start..gap_end: it takes that gap's end (and its start, unless the gap is under
-- way), so a gap that shrank or grew keeps its alert. Otherwise nothing uncovered
-- overlapping it starts within the warning any more (someone got a shift over it, an
-- expert was enabled, or the gap ended): the system resolves it. What remains of a gap
-- that was only partly covered, beyond the warning, is a gap of its own, raised when
-- its start comes within the warning, as is a second gap of the pair once the first
-- one's incident is over. The system also resolves it at `ends_at`
-- (deadline_fire.lua), should no worker tick.
--
-- Several workers: every view carries the Redis time its rotas were read at. An
-- incident keeps the newest view that saw its gap (`cover_seen`); an older view never
-- resolves it, and a gap found gone is raised again only by a view read after that,
-- so a view read before a change of the rota neither resolves nor re-raises wrongly.
--
-- ARGV: 1 notify ("oncall+supervisor")  2 when the rotas were read (Redis ms, 0: unknown;
--       then nothing is resolved or raised again)  3 the look-back start (s): a gap
--       starting after it is raised, one starting at it is under way
--       4 "1" if the gaps are all there ("0": raise only)
--       5.. per gap: subject "<language>:<category>", start (s), end (s)
-- Returns {{raised alert ids}, {resolved alert ids}}

local notify, seen, from = ARGV[1], tonumber(ARGV[2]) or 0, tonumber(ARGV[3])
local complete = ARGV[4] == '1'
local now = now_ms()
local gaps, by_subject = {}, {}
for i = 5, #ARGV - 2, 3 do
    local g = {subject = ARGV[i], start = tonumber(ARGV[i + 1]), ['end'] = tonumber(ARGV[i + 2])}
    gaps[#gaps + 1] = g
    by_subject[g.subject] = by_subject[g.subject] or {}
    table.insert(by_subject[g.subject], g)
end

local function marker(subject, start)
    return key(K.KEY_COVERAGE_RAISED, subject, start)
end

-- How long a gap's marker is kept: a day after the gap ends.
local function keep(gap_end)
    return math.max(gap_end * 1000 - now, 0) + 86400000
end

-- The first sent gap of `subject` overlapping [gs, ge), or nil.
local function overlapping(subject, gs, ge)
    for _, g in ipairs(by_subject[subject] or {}) do
        if g.start < ge and g['end'] > gs then return g end
    end
    return nil
end

local raised, resolved = {}, {}

-- Open incidents first: each keeps its gap (as it is now) or is resolved.
for _, id in ipairs(redis.call('SMEMBERS', K.KEY_COVERAGE_OPEN)) do
    local a = alert_load(id)
    if not a or a.state == 'resolved' then
        redis.call('SREM', K.KEY_COVERAGE_OPEN, id)
    else
        local subject = string.sub(a.subject or '', #'coverage_gap:' + 1)
        local gs, ge = tonumber(a.gap_start) or 0, tonumber(a.gap_end) or 0
        local g = overlapping(subject, gs, ge)
        if g then
            local start = g.start > from and g.start or gs
            redis.call('SET', marker(subject, start), '1', 'PX', keep(g['end']))
            if start ~= gs or g['end'] ~= ge then
                redis.call('HSET', key(K.KEY_ALERT, id), 'gap_start', start, 'gap_end', g['end'],
                    'ends_at', g['end'] * 1000)
                redis.call('ZADD', K.KEY_SCHEDULE, g['end'] * 1000, 'c:' .. id)
            end
            if seen > (tonumber(a.cover_seen) or 0) then
                redis.call('HSET', key(K.KEY_ALERT, id), 'cover_seen', seen)
            end
        elseif complete and seen > (tonumber(a.cover_seen) or 0) then
            alert_resolve(now, id, 'system')
            redis.call('SREM', K.KEY_COVERAGE_OPEN, id)
            redis.call('SET', marker(subject, a.gap_start), 'gone:' .. seen, 'PX', keep(ge))
            resolved[#resolved + 1] = id
        end
    end
end

-- Then the gaps that start within the warning and raised nothing yet.
for _, g in ipairs(gaps) do
    local m, gone = '1', nil -- (a gap under way has no start to warn before)
    if g.start > from then
        m = redis.call('GET', marker(g.subject, g.start))
        gone = m and tonumber(string.match(m, '^gone:(%d+)$'))
    end
    -- One incident per pair: while it is open (with the gap it was raised for), a
    -- later gap of the pair waits, unmarked, to be raised once that one is over.
    if (not m or (gone and seen > gone)) and
        not alert_active('coverage_gap:' .. g.subject, 'coverage_gap') then
        redis.call('SET', marker(g.subject, g.start), '1', 'PX', keep(g['end']))
        local language, category = string.match(g.subject, '^([^:]*):(.*)$')
        local id = alert_raise_about(now, 'coverage_gap:' .. g.subject, 'coverage_gap', notify,
            {gap_start = g.start, gap_end = g['end'], ends_at = g['end'] * 1000,
             cover_seen = seen}, {category = category, language = language})
        redis.call('SADD', K.KEY_COVERAGE_OPEN, id)
        raised[#raised + 1] = id
    end
end
return {raised, resolved}
