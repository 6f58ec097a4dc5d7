-- alert_list: incidents for the on-call dashboard, each with all its fields, what its
-- ticket looks like now (holder, due, crisis reason: never a text) and its history.
--
-- ARGV: 1 "open" (unresolved, oldest first) | "all" (newest first)  2 limit  3 offset
-- Returns {{field, value, ...}, ..., left}; the pseudo-fields "t_holder", "t_due",
-- "t_reason", "t_crisis", "t_state" come from the ticket, "history" is a JSON array of
-- changes. `left` (last, an integer) counts what lies past this page: open incidents,
-- or for "all" the lower ids, some of which may have been purged (so a page may hold
-- fewer than `limit` and still not be the last).

local limit, offset = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids, left
if ARGV[1] == 'open' then
    ids = redis.call('ZRANGE', K.KEY_ALERTS_OPEN, offset, offset + limit - 1)
    left = redis.call('ZCARD', K.KEY_ALERTS_OPEN) - offset - limit
else
    ids = {}
    local last = tonumber(redis.call('GET', K.KEY_ALERTS_SEQ) or '0') - offset
    for id = last, math.max(1, last - limit + 1), -1 do
        ids[#ids + 1] = tostring(id)
    end
    left = last - limit
end
local out = {}
for _, id in ipairs(ids) do
    local a = redis.call('HGETALL', key(K.KEY_ALERT, id))
    if #a > 0 then
        local ticket = nil
        for i = 1, #a, 2 do
            if a[i] == 'ticket' and a[i + 1] ~= '' then ticket = a[i + 1] end
        end
        local t = ticket and ticket_load(ticket)
        if t then
            a[#a + 1], a[#a + 2] = 't_holder', holder(t) or ''
            a[#a + 1], a[#a + 2] = 't_due', AWAITING[t.state] and t.due or ''
            a[#a + 1], a[#a + 2] = 't_reason', t.risk or ''
            a[#a + 1], a[#a + 2] = 't_crisis', t.crisis or '0'
            a[#a + 1], a[#a + 2] = 't_state', t.state or ''
        end
        local h = redis.call('LRANGE', key(K.KEY_ALERT_HISTORY, id), 0, -1)
        a[#a + 1], a[#a + 2] = 'history', '[' .. table.concat(h, ',') .. ']'
        out[#out + 1] = a
    end
end
out[#out + 1] = math.max(left, 0)
return out
