-- release: the claimer (or a supervisor) hands a ticket back to the pool.
--
-- ARGV: 1 ticket  2 user  3 states it may be released from  4 "1" if the user may
--       release another's claim (a supervisor)  5 event name ("release", "handback")
-- Returns {"ok"} | {"missing"} | {"state", state, owner} | {"forbidden"}

local id, user = ARGV[1], ARGV[2]
local t, refusal = held_ticket_for(id, ARGV[3], user, ARGV[4])
if not t then
    return refusal
end
requeue(t, now_ms(), user, ARGV[5])
return {'ok'}
