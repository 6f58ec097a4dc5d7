-- template_delete: a supervisor removes an answer template, from its hash and every
-- index at once; audited.
--
-- ARGV: 1 template id  2 user
-- Returns {"ok"} | {"missing"}

local id, user = ARGV[1], ARGV[2]
local tk = key(K.KEY_TEMPLATE, id)
local old = redis.call('HMGET', tk, 'language', 'category')
if not old[1] then
    return {'missing'}
end
redis.call('DEL', tk)
redis.call('SREM', key(K.KEY_TEMPLATES_FOR, old[1], old[2]), id)
redis.call('ZREM', K.KEY_TEMPLATES, id)
redis.call('RPUSH', K.KEY_AUDIT_ADMIN, now_ms() .. ' ' .. user .. ' template_deleted ' .. id)
return {'ok'}
