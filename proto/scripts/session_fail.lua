-- session_fail: count a failed sign-in against the account and the client.
--
-- Each key holds the failures since its last quiet window. Past a number of free
-- failures every further one sets a delay that doubles, up to a maximum: a short wait
-- for someone who mistyped, a slow crawl for a guesser, and never a permanent lock.
-- A key expires a window after its last failure (or when its delay ends, if later).
--
-- KEYS: 1 failures of the account  2 failures of the client
-- ARGV: 1 free failures of an account  2 free failures of a client  3 first delay ms
--       4 longest delay ms  5 window ms
-- Returns {delay of the account ms, delay of the client ms}

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local base, longest, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
for i = 1, 2 do
    local n = redis.call('HINCRBY', KEYS[i], 'n', 1)
    local free = tonumber(ARGV[i])
    local delay = 0
    if n >= free then
        delay = longest
        if n - free < 20 then
            delay = math.min(longest, base * 2 ^ (n - free))
        end
        redis.call('HSET', KEYS[i], 'until', string.format('%d', now + delay))
    end
    redis.call('PEXPIRE', KEYS[i], math.max(window, delay))
    out[i] = delay
end
return out
