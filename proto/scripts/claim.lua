-- claim: an expert takes a ticket; exactly one of any number of racing claims wins.
--
-- The lease runs claim_lease but never past the moment on-call would be alerted, so a
-- forgotten claim returns to the pool before it becomes anyone else's emergency.
--
-- ARGV: 1 ticket  2 user  3 states it may be claimed from  4 lease ms
--       5 the user's categories ",a,b,"  6 the user's languages ",ko,en,"
--       7 the first on-call step in permille of the window (-1: none)
--       8 "1" if the user may claim outside their categories (a supervisor)
-- Returns {"ok", lease_until} | {"missing"} | {"state", state, owner} | {"forbidden"}

local id, user = ARGV[1], ARGV[2]
local t = ticket_load(id)
if not t then
    return {'missing'}
end
if not state_in(ARGV[3], t.state) then
    return {'state', t.state, t.owner or ''}
end
if ARGV[8] ~= '1' and (not state_in(ARGV[5], t.category) or not state_in(ARGV[6], t.language)) then
    return {'forbidden'}
end
local now = now_ms()
local lease_until = now + tonumber(ARGV[4])
local window, due = tonumber(t.window), tonumber(t.due)
local oncall = tonumber(ARGV[7])
if oncall >= 0 then
    local cap = due - window + math.floor(window * oncall / 1000)
    if cap > now and cap < lease_until then lease_until = cap end
end
if due > now and due < lease_until then lease_until = due end

local new = copy(t)
new.state, new.owner = 'claimed', user
redis.call('HSET', key(K.KEY_TICKET, id), 'state', 'claimed', 'owner', user,
    'lease_until', lease_until, 'claimed_at', now)
redis.call('HDEL', key(K.KEY_TICKET, id), 'offer_until')
reindex(id, t, new)
local step_at = tonumber(redis.call('HGET', key(K.KEY_TICKET, id), 'step_at'))
if not step_at or lease_until < step_at then
    schedule(id, lease_until)
end
audit(id, now, user, 'claim', t.state, 'claimed')
live(now, 'claimed', new, {previous = t.owner or ''})
return {'ok', lease_until}
