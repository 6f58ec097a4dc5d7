-- ticket_view: everything the staff view of one ticket shows, in one round trip.
--
-- Who may read is decided here, next to the data: a supervisor any ticket, an expert
-- the tickets of their categories and languages and any ticket they own (hold, or
-- answered). A ticket someone may not read is "missing" for them, so a refusal tells
-- nothing about whether it exists. The access code's hash never leaves Redis. Read only.
--
-- ARGV: 1 ticket  2 user  3 "1" if the user may read any ticket (a supervisor)
--       4 categories ",a,b,"  5 languages ",ko,en,"  6 "1" to include the audit trail
-- Returns {"missing"} | {"ok", now, {field, value, ...}, msgs, notes, audit ({} unless
--   asked)}

local id, user = ARGV[1], ARGV[2]
local tk = key(K.KEY_TICKET, id)
local flat = redis.call('HGETALL', tk)
if #flat == 0 then
    return {'missing'}
end
local fields, f = {'id', id}, {}
for i = 1, #flat, 2 do
    f[flat[i]] = flat[i + 1]
    if flat[i] ~= 'code' then
        fields[#fields + 1] = flat[i]
        fields[#fields + 1] = flat[i + 1]
    end
end
if ARGV[3] ~= '1' and f.owner ~= user and
    (not state_in(ARGV[4], f.category) or not state_in(ARGV[5], f.language)) then
    return {'missing'}
end
local audit_lines = {}
if ARGV[6] == '1' then
    audit_lines = redis.call('LRANGE', key(K.KEY_AUDIT, id), 0, -1)
end
return {'ok', now_ms(), fields, redis.call('LRANGE', key(K.KEY_MSGS, id), 0, -1),
    redis.call('LRANGE', key(K.KEY_NOTES, id), 0, -1), audit_lines}
