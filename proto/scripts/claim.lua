-- claim: an expert takes a ticket; exactly one of any number of racing claims wins.
--
-- The lease runs claim_lease but never past the moment on-call would be alerted, so a
-- forgotten claim returns to the pool before it becomes anyone else's emergency.
--
-- ARGV: 1 ticket  2 user  3 states it may be claimed from  4 lease ms
--       5 the user's categories ",a,b,"  6 the user's languages ",ko,en,"
--       7 the first on-call step in permille of the window (-1: none)
--       8 "1" if the user may claim outside their categories (a supervisor)
--       9 "1" if the user must be on duty (experts: a claim off duty would never be
--         handed back at the end of a shift)
-- Returns {"ok", lease_until} | {"missing"} | {"state", state, owner} | {"forbidden"}
--         | {"off_duty"}

local id, user = ARGV[1], ARGV[2]
local t, refusal = ticket_for(id, ARGV[3])
if not t then
    return refusal
end
if ARGV[8] ~= '1' and (not state_in(ARGV[5], t.category) or not state_in(ARGV[6], t.language)) then
    return {'forbidden'}
end
if ARGV[9] == '1' and redis.call('SISMEMBER', K.KEY_ONDUTY, user) == 0 then
    return {'off_duty'}
end
local now = now_ms()
local lease_until = lease_end(now, t, tonumber(ARGV[4]), tonumber(ARGV[7]))

local new = copy(t)
new.state, new.owner = TO.claim, user
redis.call('HSET', key(K.KEY_TICKET, id), 'state', new.state, 'owner', user,
    'lease_until', lease_until, 'claimed_at', now)
redis.call('HDEL', key(K.KEY_TICKET, id), 'offer_until')
reindex(id, t, new)
schedule_before(id, lease_until)
audit(id, now, user, 'claim', t.state, new.state)
alert_clear(now, id, 'crisis_waiting')
live(now, 'claimed', new, {previous = t.owner or ''})
return {'ok', lease_until}
