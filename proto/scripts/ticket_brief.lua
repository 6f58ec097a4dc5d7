-- ticket_brief: the read-only view of one ticket for on-call staff: its state, times,
-- who holds it, the crisis reason (a category of warning sign) and the audit trail.
--
-- Must never: return a text. Only the fields named here leave Redis (never the sealed
-- question, follow-ups, notes, answers, drafts or the access code's hash), and the
-- audit trail holds no text by construction (_lib.lua audit()). Read only.
--
-- ARGV: 1 ticket
-- Returns {"missing"} | {"ok", now, {field, value, ...}, audit, incident id or ""}

local id = ARGV[1]
local t = ticket_load(id)
if not t then
    return {'missing'}
end
local fields = {}
for _, name in ipairs({'state', 'category', 'language', 'crisis', 'green', 'due', 'created',
    'risk', 'answered_at', 'followups', 'attempt'}) do
    if t[name] then
        fields[#fields + 1] = name
        fields[#fields + 1] = t[name]
    end
end
fields[#fields + 1] = 'holder'
fields[#fields + 1] = holder(t) or ''
local trail = redis.call('LRANGE', key(K.KEY_AUDIT, id), 0, -1)
local incident = redis.call('HGET', K.KEY_ALERTS_SUBJECT, id) or ''
return {'ok', now_ms(), fields, trail, incident}
