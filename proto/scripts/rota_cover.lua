-- rota_cover: what coverage ahead is computed from (see proto/coverage.h): every
-- account with a rota, as it is now, in one read.
--
-- ARGV: none
-- Returns {username, rota text, role, categories csv, languages csv, disabled, ...}
-- (six strings per account; an account deleted since its rota was set is left out)

local out = {}
local rotas = redis.call('HGETALL', K.KEY_ROTA)
for i = 1, #rotas, 2 do
    local u = redis.call('HMGET', key(K.KEY_USER, rotas[i]), 'role', 'categories', 'languages',
        'disabled')
    if u[1] then
        out[#out + 1] = rotas[i]
        out[#out + 1] = rotas[i + 1]
        out[#out + 1] = u[1]
        out[#out + 1] = u[2] or ''
        out[#out + 1] = u[3] or ''
        out[#out + 1] = u[4] or '0'
    end
end
return out
