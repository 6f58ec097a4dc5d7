-- user_list: every account, without its password hash, sorted by username.
--
-- The account keys are named from the user prefix (keys.h) and the names in the set.
--
-- KEYS: 1 users (set)
-- ARGV: 1 user key prefix
-- Returns {{username, role, categories, languages, display_name, disabled, created,
--          on_duty, on_duty_since}, ...}

local names = redis.call('SMEMBERS', KEYS[1])
table.sort(names)
local out = {}
for _, name in ipairs(names) do
    local u = redis.call('HMGET', ARGV[1] .. name, 'role', 'categories', 'languages',
                         'display_name', 'disabled', 'created', 'on_duty', 'on_duty_since')
    if u[1] then
        out[#out + 1] = {name, u[1], u[2] or '', u[3] or '', u[4] or '', u[5] or '0',
                         u[6] or '0', u[7] or '0', u[8] or '0'}
    end
end
return out
