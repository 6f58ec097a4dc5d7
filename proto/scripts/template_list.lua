-- template_list: the answer templates of one language and category, or of either, or
-- all of them, ordered by title (then id) so a console's menu stays put. Read only.
--
-- ARGV: 1 language ("" for any)  2 category ("" for any)
-- Returns {{field, value, ...}, ...}: each template's id, language, category, title,
--   text, updated, by

local lang, cat = ARGV[1], ARGV[2]
local ids
if lang ~= '' and cat ~= '' then
    ids = redis.call('SMEMBERS', key(K.KEY_TEMPLATES_FOR, lang, cat))
else
    ids = redis.call('ZRANGE', K.KEY_TEMPLATES, 0, -1)
end
local FIELDS = {'id', 'language', 'category', 'title', 'text', 'updated', 'by'}
local rows = {}
for _, id in ipairs(ids) do
    local v = redis.call('HMGET', key(K.KEY_TEMPLATE, id), unpack(FIELDS))
    if v[1] and (lang == '' or v[2] == lang) and (cat == '' or v[3] == cat) then
        rows[#rows + 1] = v
    end
end
table.sort(rows, function(a, b)
    if a[4] ~= b[4] then return a[4] < b[4] end
    return a[1] < b[1]
end)
local out = {}
for i, v in ipairs(rows) do
    local row = {}
    for j, name in ipairs(FIELDS) do
        row[#row + 1] = name
        row[#row + 1] = v[j] or ''
    end
    out[i] = row
end
return out
