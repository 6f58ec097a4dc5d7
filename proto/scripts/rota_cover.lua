-- rota_cover: what coverage ahead is computed from (see proto/coverage.h), and what the
-- worker's shift tick reads (workers/shifts.c): every rota, as it is now, in one read.
--
-- ARGV: none, or "stamp" (the shift tick): the reply then ends with the Redis time of
--       the read (ms), so coverage_alert.lua can tell an older view from a newer one
-- Returns {username, rota text, role, categories csv, languages csv, disabled, ...}
-- (six strings per rota; the role is "" for an account deleted since its rota was set,
-- which covers nothing)

local out = {}
local rotas = redis.call('HGETALL', K.KEY_ROTA)
for i = 1, #rotas, 2 do
    local u = redis.call('HMGET', key(K.KEY_USER, rotas[i]), 'role', 'categories', 'languages',
        'disabled')
    out[#out + 1] = rotas[i]
    out[#out + 1] = rotas[i + 1]
    out[#out + 1] = u[1] or ''
    out[#out + 1] = u[2] or ''
    out[#out + 1] = u[3] or ''
    out[#out + 1] = u[4] or '0'
end
if ARGV[1] == 'stamp' then
    out[#out + 1] = now_ms()
end
return out
