-- coverage_alert: raises a coverage_gap alert for a gap ahead, once per gap.
--
-- The worker's shifts role finds the gaps of the rota (proto/coverage.h) on every tick
-- and calls this for each one that starts within alerts.coverage_warning; several
-- workers may do so at once, and the marker (SET NX, kept until a day after the gap
-- ends) makes the alert happen once. It is the incident of subject
-- "coverage_gap:<language>:<category>" (alert_raise_about in _lib.lua), with no ticket,
-- `gap_start` and `gap_end` (seconds); it does not repeat, and the system resolves it
-- when the gap ends (`ends_at`).
--
-- ARGV: 1 subject "<language>:<category>"  2 gap start (s)  3 gap end (s)
--       4 notify ("oncall+supervisor")  5 how long the marker is kept (ms)
-- Returns {"raised", alert id} | {"known"}

local subject, gap_start, gap_end, notify = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not redis.call('SET', key(K.KEY_COVERAGE_RAISED, subject, gap_start), '1', 'NX', 'PX',
    ARGV[5]) then
    return {'known'}
end
local language, category = string.match(subject, '^([^:]*):(.*)$')
local id = alert_raise_about(now_ms(), 'coverage_gap:' .. subject, 'coverage_gap', notify,
    {gap_start = gap_start, gap_end = gap_end, ends_at = tonumber(gap_end) * 1000},
    {category = category, language = language})
return {'raised', id}
