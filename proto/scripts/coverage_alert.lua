-- coverage_alert: raises a coverage_gap alert for a gap ahead, once per gap.
--
-- The worker's shifts role finds the gaps of the rota (proto/coverage.h) on every tick
-- and calls this for each one that starts within alerts.coverage_warning; several
-- workers may do so at once, and the marker (SET NX, kept until a day after the gap
-- ends) makes the alert happen once. The alert has the shape alert_raise (_lib.lua)
-- gives a ticket's alert, with no ticket ('') and the pair in `subject`
-- ("ko:depression"), `gap_start` and `gap_end` (seconds); it does not repeat.
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
local now = now_ms()
local id = tostring(redis.call('INCR', K.KEY_ALERTS_SEQ))
redis.call('HSET', key(K.KEY_ALERT, id), 'id', id, 'ticket', '', 'kind', 'coverage_gap',
    'level', 0, 'step', 0, 'notify', notify, 'created', now, 'state', 'open', 'repeat', 0,
    'seq', 0, 'category', category or '', 'language', language or '', 'subject', subject,
    'gap_start', gap_start, 'gap_end', gap_end)
redis.call('ZADD', K.KEY_ALERTS_OPEN, now, id)
redis.call('HINCRBY', K.KEY_STATS, 'alerts_coverage_gap', 1)
redis.call('RPUSH', K.KEY_AUDIT_ADMIN, now .. ' worker coverage_gap ' .. subject)
redis.call('XADD', K.KEY_ALERTS, 'MAXLEN', '~', 100000, '*', 'event', 'raised', 'id', id,
    'ticket', '', 'kind', 'coverage_gap', 'level', 0, 'notify', notify, 'created', now,
    'seq', 0, 'category', category or '', 'language', language or '', 'by', '', 'at', now,
    'subject', subject, 'gap_start', gap_start, 'gap_end', gap_end)
return {'raised', id}
