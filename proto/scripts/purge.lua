-- purge: forget tickets answered or withdrawn longer than the retention ago: the
-- ticket, its conversation, notes and audit trail; and incidents resolved longer than
-- the retention ago, with their history. Per-day figures stay (they hold no ticket).
-- A follow-up after an answer takes a ticket off the list, so a conversation still
-- going is never purged.
--
-- ARGV: 1 retention ms  2 most tickets (and most incidents) per call
-- Returns {tickets purged, left (tickets and incidents still due: call again),
--          incidents purged}

local cutoff = now_ms() - tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', K.KEY_DONE, '-inf', cutoff, 'LIMIT', 0, most)
for _, id in ipairs(ids) do
    redis.call('DEL', key(K.KEY_TICKET, id), key(K.KEY_MSGS, id), key(K.KEY_NOTES, id),
        key(K.KEY_AUDIT, id))
    redis.call('ZREM', K.KEY_DONE, id)
    redis.call('ZREM', K.KEY_SCHEDULE, id)
end
redis.call('HINCRBY', K.KEY_STATS, 'purged', #ids)
if #ids > 0 then redis.call('SET', K.KEY_ERASE_PENDING, now_ms(), 'NX') end -- eraser
local alerts = redis.call('ZRANGEBYSCORE', K.KEY_ALERTS_DONE, '-inf', cutoff, 'LIMIT', 0, most)
for _, id in ipairs(alerts) do
    redis.call('DEL', key(K.KEY_ALERT, id), key(K.KEY_ALERT_HISTORY, id))
    redis.call('ZREM', K.KEY_ALERTS_DONE, id)
end
return {#ids, redis.call('ZCOUNT', K.KEY_DONE, '-inf', cutoff) +
    redis.call('ZCOUNT', K.KEY_ALERTS_DONE, '-inf', cutoff), #alerts}
