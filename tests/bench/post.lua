-- post.lua: wrk script of the intake benchmark (tests/bench/intake.sh).
--
-- Every request POSTs a realistic question (about 450 bytes of JSON, Content-Type
-- application/json) to /api/v1/questions; the text, the category and the self-check vary
-- a little from request to request, so no two bodies are the same. No Idempotency-Key
-- is sent, so every 201 is a new ticket. Nothing in the texts is a risk phrase of
-- proto/data/risk/: the benchmark measures ordinary intake, not the crisis path.
--
-- Every response is checked: anything but 201 is counted by status. done() prints one
-- machine-readable line, "BENCH key=value ...", that intake.sh parses; wrk's own report
-- is printed above it as usual.

local threads = {}
local thread_no = 0

function setup(thread)
    thread_no = thread_no + 1
    thread:set("id", thread_no)
    table.insert(threads, thread)
end

local openings = {
    "For about %d weeks I have been waking up at 4am and cannot fall asleep again.",
    "Since the move %d months ago I feel tense most evenings and my chest feels tight.",
    "My manager changed %d times this year and I worry all the time about my job.",
    "My teenage son and I argue %d times a week now and I do not know how to reach him.",
}
local middles = {
    " During the day I am tired, I forget small things at work and I snap at people I love.",
    " I still go to work and see friends, but everything takes much more effort than before.",
    " I tried less coffee, a walk after dinner and no phone in bed, and it helped only a bit.",
}
local contexts = {
    " I am in my thirties, I live with my partner and we both work long shifts, so our evenings are short and busy.",
    " I live alone in a small flat, my family is far away, and most of my week is spent at work or on the train.",
    " We have two young children at home, money has been tight this year, and I rarely get an hour to myself.",
}
local closings = {
    " What could I try on my own first, and when should I see a doctor about it?",
    " Is this something that passes by itself, or should I look for a counsellor?",
}
local categories = {"sleep", "anxiety", "stress", "family", "depression", "other"}

local counter = 0

-- A JSON string of plain ASCII text without quotes or backslashes needs no escaping.
local function question(n)
    local text = string.format(openings[n % #openings + 1], 2 + n % 7)
        .. middles[math.floor(n / 4) % #middles + 1] .. contexts[n % #contexts + 1]
        .. closings[math.floor(n / 12) % #closings + 1]
        .. string.format(" (%d-%d)", id or 0, n)
    local selfcheck = ""
    if n % 3 == 0 then
        -- GAD-7 only: the PHQ-9's last item is the one that raises the crisis flag.
        selfcheck = string.format(',"selfcheck":{"gad7":[%d,1,2,1,0,%d,1]}', n % 4, math.floor(n / 4) % 4)
    end
    return string.format('{"text":"%s","category":"%s","language":"en","green_channel":%s%s}',
        text, categories[n % #categories + 1], n % 10 == 0 and "true" or "false", selfcheck)
end

local headers = {["Content-Type"] = "application/json"}

-- A24_BENCH_TARGET=peer: the peer server of ../shared/peer-bullmq takes POST /questions
-- with the text and the category only (it refuses any other field); the text is the same.
local peer = os.getenv("A24_BENCH_TARGET") == "peer"

local function peer_question(n)
    local body = question(n)
    local text, category = string.match(body, '^{"text":"(.-)","category":"(%a+)"')
    return string.format('{"text":"%s","category":"%s"}', text, category)
end

function request()
    counter = counter + 1
    if peer then
        return wrk.format("POST", "/questions", headers, peer_question(counter))
    end
    return wrk.format("POST", "/api/v1/questions", headers, question(counter))
end

created = 0
non201 = 0
bad = {}
body_min = -1
body_max = -1
body_sum = 0

function response(status, hdrs, body)
    if status == 201 then
        created = created + 1
    else
        non201 = non201 + 1
        bad[status] = (bad[status] or 0) + 1
    end
    local len = #body
    body_sum = body_sum + len
    if body_min < 0 or len < body_min then body_min = len end
    if len > body_max then body_max = len end
end

-- wrk copies values between Lua states; a string is the safe shape for the breakdown.
function done(summary, latency, requests)
    local c, n, lo, hi, sum = 0, 0, -1, -1, 0
    local by_status = {}
    for _, t in ipairs(threads) do
        c = c + (t:get("created") or 0)
        n = n + (t:get("non201") or 0)
        local tmin, tmax = t:get("body_min") or -1, t:get("body_max") or -1
        if tmin >= 0 and (lo < 0 or tmin < lo) then lo = tmin end
        if tmax > hi then hi = tmax end
        sum = sum + (t:get("body_sum") or 0)
        for status, count in pairs(t:get("bad") or {}) do
            by_status[status] = (by_status[status] or 0) + count
        end
    end
    local detail = {}
    for status, count in pairs(by_status) do
        table.insert(detail, status .. ":" .. count)
    end
    table.sort(detail)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.0f p50_us=%d p99_us=%d max_us=%d created=%d " ..
        "non201=%d non201_detail=%s connect=%d read=%d write=%d timeout=%d status=%d " ..
        "body_min=%d body_max=%d body_mean=%.0f\n",
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), latency.max, c, n,
        #detail > 0 and table.concat(detail, ",") or "-", e.connect, e.read, e.write,
        e.timeout, e.status, lo, hi, c + n > 0 and sum / (c + n) or 0))
end
