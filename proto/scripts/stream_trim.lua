-- stream_trim: trims a stream read by a consumer group below what the group still needs.
--
-- The bound is the older of the group's last delivered entry and its oldest pending
-- one, so an entry still pending (delivered, not acknowledged) is never trimmed. The
-- trim is approximate (MINID ~): Redis removes whole nodes only, cheaply. The group is
-- looked up here (XINFO GROUPS), so a trim is one round trip.
--
-- KEYS: 1 the stream
-- ARGV: 1 the group
-- Returns the number of entries removed (0 without the stream or the group).

if redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end
local min = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local f = {}
    for i = 1, #g, 2 do
        f[g[i]] = g[i + 1]
    end
    if f['name'] == ARGV[1] then
        min = f['last-delivered-id']
    end
end
if not min then
    return 0
end
local p = redis.call('XPENDING', KEYS[1], ARGV[1])
if p[2] then
    local a = {string.match(p[2], '(%d+)-(%d+)')}
    local b = {string.match(min, '(%d+)-(%d+)')}
    if tonumber(a[1]) < tonumber(b[1]) or
        (a[1] == b[1] and tonumber(a[2]) < tonumber(b[2])) then
        min = p[2]
    end
end
return redis.call('XTRIM', KEYS[1], 'MINID', '~', min)
