-- transfer: the claimer (or a supervisor) hands a ticket to a named expert, with a
-- note that travels with it. The target must be someone who can act on it now: an
-- expert or supervisor account, not disabled, on duty, and covering the ticket's
-- category and language; the claim (and its lease) becomes theirs. A supervisor may
-- override "off duty" and "not covering" (never "disabled") with a reason, kept as a
-- sealed note written at the same instant as the audit line "transfer_override".
--
-- ARGV: 1 ticket  2 user  3 states it may be transferred from  4 target username
--       5 sealed note  6 "1" if the user may move another's ticket (a supervisor)
--       7 lease ms  8 the first on-call step in permille (-1: none)
--       9 sealed override reason ("" for none)
-- Returns {"ok", lease_until} | {"missing"} | {"state", state, owner} | {"forbidden"}
--         | {"bad_target", why} | {"target_disabled"} | {"target_off_duty"}
--         | {"target_not_covering"} | {"override_forbidden"}

local id, user, target = ARGV[1], ARGV[2], ARGV[4]
local t, refusal = held_ticket_for(id, ARGV[3], user, ARGV[6])
if not t then
    return refusal
end
local override = ARGV[9] or ''
if override ~= '' and ARGV[6] ~= '1' then
    return {'override_forbidden'}
end
local u = redis.call('HMGET', key(K.KEY_USER, target), 'role', 'categories', 'languages', 'disabled')
if not u[1] or (u[1] ~= 'expert' and u[1] ~= 'supervisor') then
    return {'bad_target', 'not an expert'}
end
if u[4] == '1' then
    return {'target_disabled'}
end
local overridden = false
if redis.call('SISMEMBER', K.KEY_ONDUTY, target) == 0 then
    if override == '' then return {'target_off_duty'} end
    overridden = true
end
if not state_in(',' .. (u[2] or '') .. ',', t.category) or
    not state_in(',' .. (u[3] or '') .. ',', t.language) then
    if override == '' then return {'target_not_covering'} end
    overridden = true
end
local now = now_ms()
local lease_until = lease_end(now, t, tonumber(ARGV[7]), tonumber(ARGV[8]))
local new = copy(t)
new.state, new.owner = 'claimed', target
redis.call('HSET', key(K.KEY_TICKET, id), 'state', 'claimed', 'owner', target,
    'lease_until', lease_until)
redis.call('HDEL', key(K.KEY_TICKET, id), 'offer_until')
if ARGV[5] ~= '' then
    redis.call('RPUSH', key(K.KEY_NOTES, id), now .. ':' .. user .. ':' .. ARGV[5])
end
reindex(id, t, new)
schedule_before(id, lease_until)
if overridden then
    redis.call('RPUSH', key(K.KEY_NOTES, id), now .. ':' .. user .. ':' .. override)
    audit(id, now, user, 'transfer_override', t.state, 'claimed')
else
    audit(id, now, user, 'transfer', t.state, 'claimed')
end
live(now, 'transferred', new, {previous = t.owner or '', by = user})
return {'ok', lease_until}
