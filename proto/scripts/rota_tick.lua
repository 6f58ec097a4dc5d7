-- rota_tick: starts or ends a shift when the rota says the user's state changed.
--
-- Only the edge acts: an expert who goes on duty by hand outside the rota stays on
-- until the next shift ends; one who goes off by hand during a shift stays off until
-- the next shift starts. Several workers may tick at once: the stored edge makes the
-- change happen once. Ending a shift hands back every claim (see duty_set).
--
-- ARGV: 1 user  2 "1" if on shift now, "0" if not  3 tickets to nudge per pool
-- Returns {"same"} | {"started", nudged} | {"ended", handed_back} | {"skip", why}

local user, on = ARGV[1], ARGV[2] == '1'
local was = redis.call('HGET', K.KEY_ROTA_ONSHIFT, user)
if was == ARGV[2] then
    return {'same'}
end
redis.call('HSET', K.KEY_ROTA_ONSHIFT, user, ARGV[2])
if was == false and not on then
    return {'same'} -- first look at a user off shift: nothing to end
end
local u = redis.call('HMGET', key(K.KEY_USER, user), 'role', 'categories', 'languages', 'disabled')
if not u[1] or u[4] == '1' or (u[1] ~= 'expert' and u[1] ~= 'supervisor') then
    return {'skip', 'not an active expert'}
end
local handed, nudged = duty_set(user, on, u[2] or '', u[3] or '', on and 'shift_start' or 'shift_end',
    tonumber(ARGV[3]))
if on then
    return {'started', nudged}
end
return {'ended', handed}
