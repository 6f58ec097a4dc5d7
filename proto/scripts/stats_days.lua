-- stats_days: the per-day figures of a range of UTC days, for /api/v1/stats and
-- `answer24ctl stats`.
--
-- ARGV: 1 first day number  2 last day number (days since the epoch, at most 400 days)
-- Returns {{day, {field, value, ...}, {seconds, ...}}, ...} for days that have figures

local first, last = tonumber(ARGV[1]), tonumber(ARGV[2])
if last - first > 400 then
    return redis.error_reply('ERR at most 400 days at once')
end
local out = {}
for d = first, last do
    local fields = redis.call('HGETALL', key(K.KEY_DAY, d))
    if #fields > 0 then
        out[#out + 1] = {d, fields, redis.call('LRANGE', key(K.KEY_DAY_TIMES, d), 0, -1)}
    end
end
return out
