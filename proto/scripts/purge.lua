-- purge: forget tickets answered or withdrawn longer than the retention ago: the
-- ticket, its conversation, notes and audit trail. Per-day figures stay (they hold
-- no ticket). A follow-up after an answer takes a ticket off the list, so a
-- conversation still going is never purged.
--
-- ARGV: 1 retention ms  2 most tickets per call
-- Returns {purged, left} (left: how many more are due; call again)

local cutoff = now_ms() - tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', K.KEY_DONE, '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
    redis.call('DEL', key(K.KEY_TICKET, id), key(K.KEY_MSGS, id), key(K.KEY_NOTES, id),
        key(K.KEY_AUDIT, id))
    redis.call('ZREM', K.KEY_DONE, id)
    redis.call('ZREM', K.KEY_SCHEDULE, id)
end
redis.call('HINCRBY', K.KEY_STATS, 'purged', #ids)
if #ids > 0 then redis.call('SET', K.KEY_ERASE_PENDING, now_ms(), 'NX') end -- eraser
return {#ids, redis.call('ZCOUNT', K.KEY_DONE, '-inf', cutoff)}
