-- ticket_list: one page of a staff queue, with the fields of every ticket on it, in one
-- round trip.
--
-- The queues are the urgency indexes reindex() keeps (lower score is more urgent:
-- crises, then the green channel, then by due time), so a page is already in the
-- order an expert should work. The pool view merges the pools of every category and
-- language the caller takes. Paging is by keyset: the cursor is the (score, ticket id)
-- of the last ticket shown, in the order Redis keeps equal scores (by id), so a ticket
-- that moves while someone pages never pushes another one off the page boundary.
-- Read only: never changes a key.
--
-- ARGV: 1 view: offered | pool | mine | all | review  2 user
--       3 categories ",a,b," (pool)  4 languages ",ko,en," (pool)  5 limit (>= 1)
--       6 cursor score ("" for the first page)  7 cursor ticket id
-- Returns {now, next score or "", next id or "", {field, value, ...}, ...}: one flat
--   field list per ticket (those of LIST_FIELDS it has, "id" and "score" first); "sc"
--   is the sealed self-check.

local view, user = ARGV[1], ARGV[2]
local limit = tonumber(ARGV[5])
local cs, cid = ARGV[6], ARGV[7]

local LIST_FIELDS = {'state', 'category', 'language', 'due', 'created', 'crisis',
    'risk', 'green', 'owner', 'followups', 'offer_until', 'lease_until', 'answered_at', 'sc'}

local keys = {}
if view == 'offered' then
    keys[1] = key(K.KEY_OFFERS, user)
elseif view == 'mine' then
    keys[1] = key(K.KEY_MINE, user)
elseif view == 'all' then
    keys[1] = K.KEY_OPEN
elseif view == 'review' then
    keys[1] = K.KEY_REVIEW
elseif view == 'pool' then
    for c in string.gmatch(ARGV[3], '[^,]+') do
        for l in string.gmatch(ARGV[4], '[^,]+') do
            keys[#keys + 1] = key(K.KEY_POOL, c, l)
        end
    end
else
    return redis.error_reply('ERR unknown view')
end

-- The first `n` entries of index `k` after the cursor, as {id, score} pairs.
local function after_cursor(k, n)
    local out = {}
    local rest
    if cs == '' then
        rest = redis.call('ZRANGEBYSCORE', k, '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, n)
    else
        -- Equal scores are ordered by id: those after the cursor's id come first.
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', k, cs, cs)) do
            if id > cid and #out < n then
                out[#out + 1] = {id, cs}
            end
        end
        rest = redis.call('ZRANGEBYSCORE', k, '(' .. cs, '+inf', 'WITHSCORES', 'LIMIT', 0,
            n - #out)
    end
    for i = 1, #rest, 2 do
        out[#out + 1] = {rest[i], rest[i + 1]}
    end
    return out
end

-- One more than the page from every index: if more than `limit` come back, there is a
-- next page, and the first `limit` of the merge are the page whatever the split.
local merged = {}
for _, k in ipairs(keys) do
    for _, e in ipairs(after_cursor(k, limit + 1)) do
        merged[#merged + 1] = e
    end
end
table.sort(merged, function(a, b)
    local sa, sb = tonumber(a[2]), tonumber(b[2])
    if sa ~= sb then return sa < sb end
    return a[1] < b[1]
end)

local out = {now_ms(), '', ''}
local shown = math.min(limit, #merged)
if #merged > limit then
    out[2], out[3] = merged[limit][2], merged[limit][1]
end
for i = 1, shown do
    local id, score = merged[i][1], merged[i][2]
    local v = redis.call('HMGET', key(K.KEY_TICKET, id), unpack(LIST_FIELDS))
    if v[1] then
        local row = {'id', id, 'score', score}
        for j, name in ipairs(LIST_FIELDS) do
            if v[j] then
                row[#row + 1] = name
                row[#row + 1] = v[j]
            end
        end
        out[#out + 1] = row
    end
end
return out
