-- stream_tails: the id of the last entry of every stream given, where a reader that
-- follows them without a group (the live-event feed) starts.
--
-- KEYS: the streams
-- Returns one id per key, in order ("0-0" for an empty or missing stream).

local out = {}
for i, k in ipairs(KEYS) do
    local e = redis.call('XREVRANGE', k, '+', '-', 'COUNT', 1)
    out[i] = e[1] and e[1][1] or '0-0'
end
return out
