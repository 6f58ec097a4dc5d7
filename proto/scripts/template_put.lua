-- template_put: a supervisor creates or replaces an answer template.
--
-- Templates are the desk's own wording for one language and category, kept unsealed
-- (no citizen text is ever in one). Replacing a template that moves to another
-- language or category moves it between the per-pair sets, so every index names only
-- templates that exist, with the pair they have. Every change is audited.
--
-- ARGV: 1 template id  2 language  3 category  4 title  5 text  6 user
-- Returns {"created" | "updated", updated ms}

local id, lang, cat, user = ARGV[1], ARGV[2], ARGV[3], ARGV[6]
local tk = key(K.KEY_TEMPLATE, id)
local now = now_ms()
local old = redis.call('HMGET', tk, 'language', 'category')
local verdict = 'created'
if old[1] then
    verdict = 'updated'
    redis.call('SREM', key(K.KEY_TEMPLATES_FOR, old[1], old[2]), id)
end
redis.call('HSET', tk, 'id', id, 'language', lang, 'category', cat, 'title', ARGV[4],
    'text', ARGV[5], 'updated', now, 'by', user)
redis.call('SADD', key(K.KEY_TEMPLATES_FOR, lang, cat), id)
redis.call('ZADD', K.KEY_TEMPLATES, now, id)
redis.call('RPUSH', K.KEY_AUDIT_ADMIN, now .. ' ' .. user .. ' template_' .. verdict .. ' ' .. id)
return {verdict, now}
