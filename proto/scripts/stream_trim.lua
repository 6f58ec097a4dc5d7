-- stream_trim: trims a stream read by a consumer group below what the group still needs.
--
-- The bound is the older of the group's last delivered entry and its oldest pending
-- one, so an entry still pending (delivered, not acknowledged) is never trimmed. The
-- trim is approximate (MINID ~): Redis removes whole nodes only, cheaply.
--
-- KEYS: 1 the stream
-- ARGV: 1 the group  2 its last-delivered-id (XINFO GROUPS)
-- Returns the number of entries removed.

local p = redis.call('XPENDING', KEYS[1], ARGV[1])
local min = ARGV[2]
if p[2] then
    local a = {string.match(p[2], '(%d+)-(%d+)')}
    local b = {string.match(min, '(%d+)-(%d+)')}
    if tonumber(a[1]) < tonumber(b[1]) or
        (a[1] == b[1] and tonumber(a[2]) < tonumber(b[2])) then
        min = p[2]
    end
end
return redis.call('XTRIM', KEYS[1], 'MINID', '~', min)
