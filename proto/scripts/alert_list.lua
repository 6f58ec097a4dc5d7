-- alert_list: alerts for the on-call dashboard, each with all its fields.
--
-- ARGV: 1 "open" (unresolved, oldest first) | "all" (newest first)  2 limit  3 offset
-- Returns {{field, value, ...}, ...}

local limit, offset = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids
if ARGV[1] == 'open' then
    ids = redis.call('ZRANGE', K.KEY_ALERTS_OPEN, offset, offset + limit - 1)
else
    ids = {}
    local last = tonumber(redis.call('GET', K.KEY_ALERTS_SEQ) or '0') - offset
    for id = last, math.max(1, last - limit + 1), -1 do
        ids[#ids + 1] = tostring(id)
    end
end
local out = {}
for _, id in ipairs(ids) do
    local a = redis.call('HGETALL', key(K.KEY_ALERT, id))
    if #a > 0 then out[#out + 1] = a end
end
return out
