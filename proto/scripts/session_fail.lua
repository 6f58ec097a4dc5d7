-- session_fail: count a failed sign-in against the client and the account-and-client,
-- and watch the account for a guessing storm.
--
-- Each throttle key holds the failures since its last quiet window. Past a number of
-- free failures every further one sets a delay that doubles, up to a maximum: a short
-- wait for someone who mistyped, a slow crawl for a guesser, and never a lock. No key
-- is per account alone, so guesses from elsewhere never delay the account's owner.
-- A key expires a window after its last failure (or when its delay ends, if later).
--
-- A storm is many failures on one existing account from several clients within a
-- window (ARGV 8..10). It raises one alert of kind "security" to supervisors, and no
-- other while the storm goes on: the "alerted" flag lives a storm window after the
-- last failure, so only a new storm after a quiet window alerts again. The alert is
-- resolved by the system when that flag runs out: the storm is over.
--
-- KEYS: 1 failures of the account from this client  2 failures of the client
--       3 storm: recent failures of the account (sorted set)  4 storm: clients seen
--       5 storm: alerted flag  6 the user
-- ARGV: 1 free failures of an account-and-client  2 free failures of a client
--       3 first delay ms  4 longest delay ms  5 window ms  6 username  7 client tag
--       8 storm failures  9 storm clients  10 storm window ms
-- Returns {delay of the account-and-client ms, delay of the client ms, "1" if a
--          security alert was raised now}

local now = now_ms()
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

out[3] = '0'
if redis.call('EXISTS', KEYS[6]) == 1 then
    local storm_n, storm_c, storm_w = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
    -- One member per failure (the time, the client and a counter keep them apart).
    redis.call('ZADD', KEYS[3], now, now .. ':' .. ARGV[7] .. ':' .. redis.call('ZCARD', KEYS[3]))
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - storm_w)
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(storm_n * 10) - 1) -- enough to count
    redis.call('PEXPIRE', KEYS[3], storm_w)
    redis.call('ZADD', KEYS[4], now, ARGV[7])
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - storm_w)
    redis.call('PEXPIRE', KEYS[4], storm_w)
    if redis.call('ZCARD', KEYS[3]) >= storm_n and redis.call('ZCARD', KEYS[4]) >= storm_c then
        if redis.call('SET', KEYS[5], now, 'NX', 'PX', storm_w) then
            alert_raise_about(now, 'security:' .. ARGV[6], 'security', 'supervisor',
                {reason = 'password_guessing', failures = redis.call('ZCARD', KEYS[3]),
                 clients = redis.call('ZCARD', KEYS[4]), cause_key = KEYS[5]})
            out[3] = '1'
        else
            redis.call('PEXPIRE', KEYS[5], storm_w)
        end
    end
end
return out
