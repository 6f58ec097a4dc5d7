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

local handed, nudged = duty_set(ARGV[1], ARGV[2] == 'on', ARGV[3], ARGV[4], ARGV[5],
    tonumber(ARGV[6]))
return {'ok', handed, nudged}
