#!/usr/bin/env bash
# routing.sh: the routing benchmark. How long a question waits between being accepted
# (proto/scripts/submit.lua, the ticket's "created") and being offered to an expert
# (answer24-worker --role router, proto/scripts/route.lua: the "at" of its "offered"
# event on a24:events), at a steady 500 questions a second with 50 experts on duty.
# Both times are Redis TIME in ms, so there is no clock skew.
#
# One run against a fresh private redis-server on 127.0.0.1 (AOF on, appendfsync
# everysec, data in a temporary directory), a Release answer24-web, an answer24-worker
# --role router and (unless A24_RTBENCH_DEADLINE=0) an answer24-worker --role deadline:
#   1. 50 experts (answer24ctl user add, every category and language), signed in and
#      put on duty through the API;
#   2. tests/bench/routing_bench.py collect follows a24:events (XREAD, its own
#      connection: the stream is capped at ~10 000 entries) into a file;
#   3. routing_bench.py generate: open loop, 500 POST /api/v1/questions a second for
#      60 s, each sent at its fixed due time by whichever of 32 keep-alive connections
#      is free; the 201 latency counts from the due time (no coordinated omission);
#   4. the router drains the intake, the collector stops, routing_bench.py report
#      joins the 201s with their offers and cross-checks them with the audit trails.
#
#   tests/bench/routing.sh                                          about 2 minutes
#   A24_RTBENCH_RATE=200 A24_RTBENCH_DURATION=10 tests/bench/routing.sh   quick check
#   A24_RTBENCH_FSYNC=always tests/bench/routing.sh                 appendfsync always
#   (also A24_RTBENCH_EXPERTS=50, A24_RTBENCH_CONNS=32, A24_RTBENCH_BUILD=build-rtbench)
#
# Not part of the test suite. Builds into build-rtbench/ and leaves nothing behind:
# every process it started is stopped by its pid and the temporary directory is
# removed, also on failure, Ctrl-C or its own time limit (A24_RTBENCH_LIMIT, 290 s
# after the build). Exits 1 if anything looked wrong (marked !! on stderr): a non-201,
# a ticket never offered or offered twice, an event that disagrees with the audit
# trail, offers unevenly spread, the achieved rate more than 2% under the target, a
# process that crashed, logged at warn or above, or did not stop cleanly.
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_prelude
BUILD=${A24_RTBENCH_BUILD:-$ROOT/build-rtbench}
RATE=${A24_RTBENCH_RATE:-500}
DURATION=${A24_RTBENCH_DURATION:-60}
EXPERTS=${A24_RTBENCH_EXPERTS:-50}
CONNS=${A24_RTBENCH_CONNS:-32}
DEADLINE=${A24_RTBENCH_DEADLINE:-1}
LIMIT=${A24_RTBENCH_LIMIT:-290}
# Redis rewrites the AOF when it has grown this much (deploy/redis.conf: 64mb, which a
# run of 30 000 questions passes after about 55 s); 1gb keeps rewrites out of the run.
AOF_REWRITE_MIN=${A24_RTBENCH_AOF_REWRITE_MIN:-64mb}
FSYNC=${A24_RTBENCH_FSYNC:-everysec} # always: as deploy/redis.conf
PY=tests/bench/routing_bench.py

say() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() {
    say "routing.sh: $*"
    local log
    for log in web router deadline; do
        [ -s "${TMP:-/nonexistent}/$log.log" ] || continue
        say "the last lines of $log.log:"
        tail -5 "$TMP/$log.log" | cut -c1-300 >&2
    done
    exit 1
}

for tool in redis-server redis-cli python3 cmake curl; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done

say "building a Release answer24 into $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DA24_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 >/dev/null
WEB=$BUILD/bin/answer24-web
WORKER=$BUILD/bin/answer24-worker
CTL=$BUILD/bin/answer24ctl
SECONDS=0

# ------------------------------------------------------------------ processes and cleanup

WATCHDOG=
# SIGTERM first (timeout(1) passes it on to its command), SIGKILL what is left after 2 s.
start_bench a24-rtbench 20
cleanup() {
    [ -z "$WATCHDOG" ] || kill "$WATCHDOG" 2>/dev/null || true
    bench_cleanup
}
trap cleanup EXIT
trap 'say "!! routing.sh: stopped (time limit of $LIMIT s, or SIGTERM)"; exit 124' TERM

# The whole run is bounded: after LIMIT seconds the script stops itself (and cleans up).
# The watchdog stops its own sleep when it is stopped.
(
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$LIMIT" &
    sp=$!
    wait "$sp" && kill -TERM $$
) 2>/dev/null &
WATCHDOG=$!

FAILED=0
flag() { say "!! $1"; FAILED=1; }
declare -A R

# Keys $2... of the JSON object in file $1 into R[<key>] (one python3 for all).
jr() {
    local file=$1 k v
    shift
    while read -r k v; do
        R[$k]=$v
    done < <(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = d.get(k)
    print(k, "-" if v is None else (json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list)) else v))' "$file" "$@")
}

# ------------------------------------------------------------------ start

say "temporary files in $TMP"
mkdir -p "$TMP/redis"
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly yes \
    --appendfsync "$FSYNC" --auto-aof-rewrite-percentage 100 \
    --auto-aof-rewrite-min-size "$AOF_REWRITE_MIN" --maxmemory-policy noeviction --dir "$TMP/redis" \
    --latency-monitor-threshold 1 \
    --logfile "$TMP/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for 100 rcli ping || die "redis-server did not start: $(tail -5 "$TMP/redis.log")"

HTTP_PORT=$(free_port)
cat >"$TMP/answer24.yaml" <<EOF
http:
  listen: 127.0.0.1:$HTTP_PORT
redis:
  url: redis://127.0.0.1:$REDIS_PORT/0
secrets:
  key_file: $TMP/secret.key
limits:
  submissions_per_hour: 0
  intake_per_minute: 0
deadlines:
  offer_timeout: 1h
alerts:
  webhooks: []
log:
  level: warn
EOF

"$WEB" --config "$TMP/answer24.yaml" </dev/null >"$TMP/web.log" 2>&1 &
WEB_PID=$!
PIDS+=("$WEB_PID")
wait_for 100 curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" ||
    die "answer24-web did not become ready: $(tail -5 "$TMP/web.log")"

"$WORKER" --config "$TMP/answer24.yaml" --role router </dev/null >"$TMP/router.log" 2>&1 &
ROUTER_PID=$!
PIDS+=("$ROUTER_PID")
DEADLINE_PID=
if [ "$DEADLINE" = 1 ]; then
    "$WORKER" --config "$TMP/answer24.yaml" --role deadline </dev/null >"$TMP/deadline.log" 2>&1 &
    DEADLINE_PID=$!
    PIDS+=("$DEADLINE_PID")
fi
# The router creates its consumer group on a24:intake when it connects.
wait_for 100 sh -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT XINFO GROUPS a24:intake | grep -qx router" ||
    die "the router did not create its consumer group: $(tail -5 "$TMP/router.log")"

# ------------------------------------------------------------------ experts

say "creating $EXPERTS experts (Argon2id: four at a time)"
: >"$TMP/users"
for ((n = 1; n <= EXPERTS; n++)); do
    echo "e$n bench-password-$n" >>"$TMP/users"
done
add_expert() {
    printf '%s\n' "$2" | timeout 60 "$CTL" --config "$TMP/answer24.yaml" user add --username "$1" \
        --role expert --categories depression,anxiety,stress,sleep,family,disaster,other \
        --languages ko,zh,en --password-stdin >>"$TMP/ctl.log" 2>&1 || echo "$1" >>"$TMP/ctl.failed"
}
ADDING=()
while read -r u pw; do
    add_expert "$u" "$pw" &
    ADDING+=("$!")
    PIDS+=("$!")
    if [ "${#ADDING[@]}" -ge 4 ]; then
        wait "${ADDING[0]}" || true
        forget "${ADDING[0]}"
        ADDING=("${ADDING[@]:1}")
    fi
done <"$TMP/users"
for pid in "${ADDING[@]}"; do
    wait "$pid" || true
    forget "$pid"
done
[ ! -s "$TMP/ctl.failed" ] || die "answer24ctl user add failed for $(tr '\n' ' ' <"$TMP/ctl.failed"): $(tail -3 "$TMP/ctl.log")"

say "signing the experts in and putting them on duty"
bounded timeout 120 python3 "$PY" duty --http-port "$HTTP_PORT" --users "$TMP/users" >"$TMP/duty.json" ||
    die "sign-in or duty failed: $(cat "$TMP/duty.json")"
jr "$TMP/duty.json" sign_in_503
[ "${R[sign_in_503]}" = "[]" ] ||
    say "note: sign-ins answered 503 and were tried again: ${R[sign_in_503]} (the front end's http.request_timeout also covers the Argon2id check; see the web log's redis_timeout lines)"
ONDUTY=$(rcli SCARD a24:onduty)
[ "$ONDUTY" = "$EXPERTS" ] || die "a24:onduty holds $ONDUTY experts, not $EXPERTS"
for c in depression anxiety stress sleep family disaster other; do
    for l in ko zh en; do
        n=$(rcli SCARD "a24:duty:$c:$l")
        [ "$n" = "$EXPERTS" ] || die "a24:duty:$c:$l holds $n experts, not $EXPERTS"
    done
done

# ------------------------------------------------------------------ the run

python3 -u "$PY" collect --port "$REDIS_PORT" --out "$TMP/events" --stop "$TMP/stop" \
    >"$TMP/collect.json" 2>"$TMP/collect.err" &
COLLECT_PID=$!
PIDS+=("$COLLECT_PID")
sleep 0.5
kill -0 "$COLLECT_PID" 2>/dev/null || die "the collector died: $(cat "$TMP/collect.err")"

# Log lines from the setup (sign-ins) are reported apart from those of the run.
declare -A SETUP_LINES
for log in web router deadline; do
    SETUP_LINES[$log]=0
    [ -f "$TMP/$log.log" ] && SETUP_LINES[$log]=$(wc -l <"$TMP/$log.log")
done
rcli CONFIG RESETSTAT >/dev/null
rcli LATENCY RESET >/dev/null
say "generating $RATE questions a second for $DURATION s on $CONNS connections (open loop)"
declare -A C0 C1
t0=$(now_secs) b0=$(busy_secs)
for p in REDIS WEB ROUTER DEADLINE COLLECT; do
    pid_var=${p}_PID
    [ -z "${!pid_var}" ] || C0[$p]=$(cpu_secs "${!pid_var}")
done
bounded timeout $((DURATION + 60)) python3 "$PY" generate --http-port "$HTTP_PORT" --rate "$RATE" \
    --duration "$DURATION" --conns "$CONNS" --out "$TMP/tickets" >"$TMP/generate.json" ||
    die "the generator failed"
t1=$(now_secs) b1=$(busy_secs)
for p in REDIS WEB ROUTER DEADLINE COLLECT; do
    pid_var=${p}_PID
    [ -z "${!pid_var}" ] || C1[$p]=$(cpu_secs "${!pid_var}")
done
jr "$TMP/generate.json" scheduled created by_status errors hung_threads achieved_rate \
    achieved_rate_201 send_span_s lat_p50 lat_p99 lat_p999 lat_max svc_p50 svc_p99 svc_max \
    send_late_p50 send_late_p99 send_late_max sends_over_10ms_late cpu_s tickets_parsed \
    worst_send_seconds own_late_p99 own_late_max

say "waiting for the router to drain the intake"
bounded timeout 60 python3 "$PY" drain --port "$REDIS_PORT" --timeout 30 >"$TMP/drain.json" || die "drain failed"
jr "$TMP/drain.json" drained waited_ms
[ "${R[drained]}" = True ] || flag "the intake was not drained 30 s after the last question: $(cat "$TMP/drain.json")"
touch "$TMP/stop"
for ((k = 0; k < 300; k++)); do
    kill -0 "$COLLECT_PID" 2>/dev/null || break
    sleep 0.1
done
stop_pid "$COLLECT_PID"
[ "$STOPPED" = 0 ] || die "the collector ended with $STOPPED: $(cat "$TMP/collect.err")"
jr "$TMP/collect.json" events_by_type offered_events max_read_lag_ms xlen_at_end

say "reading the tickets back"
bounded timeout 120 python3 "$PY" report --port "$REDIS_PORT" --tickets "$TMP/tickets" --events "$TMP/events" \
    --experts "$TMP/users" >"$TMP/report.json" || die "report failed"
jr "$TMP/report.json" tickets missing_hash crisis offered never_offered never_offered_sample \
    offered_without_event offered_twice state_not_offered audit_mismatch owner_mismatch p50 p90 \
    p99 p999 max min mean over_100ms over_1s windows redis_rate created_span_ms \
    accepted_per_s_min accepted_per_s_max experts_with_offers offers_per_expert_min \
    offers_per_expert_max load_min load_max offers_to_strangers intake_groups created_first_ms \
    slow_offer_seconds low_acceptance_seconds intake_len stats alerts queued_events \
    queued_at_not_created other_ticket_events

# Redis' view: the scripts (submit, route and the rest share EVALSHA), the longest
# command, the AOF.
stat=$(rcli INFO commandstats | tr -d '\r' | grep '^cmdstat_fcall:' || true)
R[evalsha_calls]=$(sed -n 's/^cmdstat_fcall:calls=\([0-9]*\),.*/\1/p' <<<"$stat")
R[evalsha_usec]=$(sed -n 's/.*usec_per_call=\([0-9.]*\),.*/\1/p' <<<"$stat")
lat=$(rcli LATENCY LATEST)
R[cmd_max_ms]=$(awk '$0 == "command" { f = 1; n = 0; next } f && ++n == 3 { print; exit }' <<<"$lat")
R[fast_max_ms]=$(awk '$0 == "fast-command" { f = 1; n = 0; next } f && ++n == 3 { print; exit }' <<<"$lat")
R[fork_max_ms]=$(awk '$0 == "fork" { f = 1; n = 0; next } f && ++n == 3 { print; exit }' <<<"$lat")
R[latency_events]=$(awk 'NR % 4 == 1 { e = $0 } NR % 4 == 0 { printf "%s%s %s ms", (n++ ? ", " : ""), e, $0 }' <<<"$lat")
R[aof_rewrites]=$(redis_info aof_rewrites)
R[aof_delayed_fsync]=$(redis_info aof_delayed_fsync)
R[used_memory_mb]=$(awk -v b="$(redis_info used_memory)" 'BEGIN { printf "%.0f", b / 1048576 }')

# ------------------------------------------------------------------ stop and check

R[exits]=""
for p in ROUTER DEADLINE WEB; do
    pid_var=${p}_PID
    [ -n "${!pid_var}" ] || continue
    if ! kill -0 "${!pid_var}" 2>/dev/null; then
        flag "$p died during the run"
    fi
    stop_pid "${!pid_var}"
    R[exits]+="${R[exits]:+, }${p,,} $STOPPED"
    [ "$STOPPED" = 0 ] || flag "$p stopped with $STOPPED"
done
for log in web router deadline; do
    [ -f "$TMP/$log.log" ] || continue
    skip=${SETUP_LINES[$log]}
    if [ "$skip" != 0 ]; then
        say "note: $log logged $skip lines at warn or above during the setup; the first ones:"
        head -3 "$TMP/$log.log" | cut -c1-300 >&2
    fi
    n=$(( $(wc -l <"$TMP/$log.log") - skip ))
    if [ "$n" != 0 ]; then
        flag "$log logged $n lines at warn or above during or after the run; the first ones:"
        tail -n +"$((skip + 1))" "$TMP/$log.log" | head -5 | cut -c1-300 >&2
    fi
done
stop_pid "$REDIS_PID"
# When automatic AOF rewrites (at 64 MB, as in deploy/redis.conf) started, in seconds
# after the first ticket was accepted (redis.log is in local time, as is date -d).
R[rewrites_at]=$({ grep 'Background append only file rewriting started' "$TMP/redis.log" || true; } |
    while read -r _ d m y t _; do
        ms=$(date -d "$d $m $y $t" +%s%3N 2>/dev/null) || continue
        awk -v a="$ms" -v b="${R[created_first_ms]}" 'BEGIN { printf "%.1f s ", (a - b) / 1000 }'
    done)
grep -E '# WARNING|Background AOF rewrite|Asynchronous AOF fsync' "$TMP/redis.log" | grep -v overcommit |
    sed 's/^/   redis: /' | cut -c1-200 >&2 || true

wall=$(sub "$t1" "$t0")
ours=0
for p in REDIS WEB ROUTER DEADLINE COLLECT; do
    [ -n "${C1[$p]:-}" ] || continue
    R[cpu_${p,,}]=$(pct "$(sub "${C1[$p]}" "${C0[$p]}")" "$wall")
    ours=$(awk -v a="$ours" -v b="$(sub "${C1[$p]}" "${C0[$p]}")" 'BEGIN { print a + b }')
done
R[cpu_generator]=$(pct "${R[cpu_s]}" "$wall")
ours=$(awk -v a="$ours" -v b="${R[cpu_s]}" 'BEGIN { print a + b }')
R[cpu_other]=$(pct "$(awk -v b="$(sub "$b1" "$b0")" -v o="$ours" 'BEGIN { x = b - o; print (x > 0 ? x : 0) }')" "$wall")
R[cpu_deadline]=${R[cpu_deadline]:--}

# ------------------------------------------------------------------ verdicts

nonok=$(python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(sum(v for k, v in d.items() if k != "201"))' "${R[by_status]}")
[ "$nonok" = 0 ] || flag "the generator saw answers other than 201: ${R[by_status]} ${R[errors]}"
[ "${R[hung_threads]}" = 0 ] || flag "${R[hung_threads]} generator connections hung"
[ "${R[tickets_parsed]}" = "${R[created]}" ] || flag "only ${R[tickets_parsed]} of ${R[created]} 201 bodies carried a ticket id"
[ "${R[missing_hash]}" = 0 ] || flag "${R[missing_hash]} tickets answered 201 have no hash in Redis"
[ "${R[crisis]}" = 0 ] || flag "${R[crisis]} tickets were screened as a crisis (the texts hold no risk phrase)"
[ "${R[offered]}" = "${R[created]}" ] || flag "offered ${R[offered]} of ${R[created]} tickets"
[ "${R[never_offered]}" = 0 ] || flag "${R[never_offered]} tickets never offered (e.g. ${R[never_offered_sample]})"
[ "${R[offered_without_event]}" = 0 ] || flag "${R[offered_without_event]} offers in the audit trail without an event the collector saw"
[ "${R[offered_twice]}" = 0 ] || flag "${R[offered_twice]} tickets offered more than once"
[ "${R[state_not_offered]}" = 0 ] || flag "${R[state_not_offered]} tickets not in state offered at the end"
[ "${R[audit_mismatch]}" = 0 ] || flag "${R[audit_mismatch]} offered events whose at differs from the audit trail's offer"
[ "${R[queued_at_not_created]}" = 0 ] || flag "${R[queued_at_not_created]} queued events whose at differs from the ticket's created"
[ "${R[owner_mismatch]}" = 0 ] || flag "${R[owner_mismatch]} offered events whose owner differs from the ticket's"
[ "${R[offers_to_strangers]}" = "[]" ] || flag "offers to unknown users: ${R[offers_to_strangers]}"
if [ "${R[offers_per_expert_min]}" = - ] || [ $(( R[offers_per_expert_max] - R[offers_per_expert_min] )) -gt 1 ]; then
    flag "offers per expert range from ${R[offers_per_expert_min]} to ${R[offers_per_expert_max]} (round robin: at most 1 apart)"
fi
if [ "${R[load_min]}" != "${R[offers_per_expert_min]}" ] || [ "${R[load_max]}" != "${R[offers_per_expert_max]}" ]; then
    flag "a24:load (${R[load_min]}..${R[load_max]}) disagrees with the offers counted (${R[offers_per_expert_min]}..${R[offers_per_expert_max]})"
fi
awk -v a="${R[achieved_rate_201]}" -v t="$RATE" 'BEGIN { exit !(a >= 0.98 * t) }' ||
    flag "achieved ${R[achieved_rate_201]} questions/s, under 98% of $RATE"
[ "${R[sends_over_10ms_late]}" = 0 ] ||
    say "note: ${R[sends_over_10ms_late]} requests were sent more than 10 ms after their due time (max ${R[send_late_max]} ms; the 201 latency counts from the due time)"
if [ "${R[cpu_other]}" -gt 15 ]; then
    say "!! other processes used ${R[cpu_other]}% of a core during the run; the figures are unreliable"
    NOISY=1
else
    NOISY=0
fi

# ------------------------------------------------------------------ report

REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- proto service workers CMakeLists.txt 2>/dev/null || REV+=" with local changes"
echo
echo "routing benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), AOF $FSYNC (rewrite at $AOF_REWRITE_MIN); $RATE questions/s for $DURATION s, $CONNS connections, $EXPERTS experts on duty; answer24 $REV"
echo
echo "| questions (201) | achieved rate | offered | never offered | submit→offered p50 | p90 | p99 | p99.9 | max | 201 latency p50 | p99 | max | offers per expert min / max | CPU % redis / web / router / deadline / generator / other |"
echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
echo "| ${R[created]} of ${R[scheduled]} | ${R[achieved_rate_201]}/s | ${R[offered]} | ${R[never_offered]} | ${R[p50]} ms | ${R[p90]} ms | ${R[p99]} ms | ${R[p999]} ms | ${R[max]} ms | ${R[lat_p50]} ms | ${R[lat_p99]} ms | ${R[lat_max]} ms | ${R[offers_per_expert_min]} / ${R[offers_per_expert_max]} | ${R[cpu_redis]} / ${R[cpu_web]} / ${R[cpu_router]} / ${R[cpu_deadline]} / ${R[cpu_generator]} / ${R[cpu_other]} |"
echo
echo "submit→offered by 10 s of the run (by the ticket's created): ${R[windows]}"
echo "submit→offered: min ${R[min]} ms, mean ${R[mean]} ms, over 100 ms: ${R[over_100ms]}, over 1 s: ${R[over_1s]}; seconds with an offer over 100 ms: ${R[slow_offer_seconds]}; seconds with under 90% of the mean acceptance: ${R[low_acceptance_seconds]}"
echo "201 latency (from each request's due time; from its actual send: p50 ${R[svc_p50]} ms, p99 ${R[svc_p99]} ms, max ${R[svc_max]} ms); p99.9 ${R[lat_p999]} ms; sends late vs schedule p50 ${R[send_late_p50]} ms, p99 ${R[send_late_p99]} ms, max ${R[send_late_max]} ms, worst seconds ${R[worst_send_seconds]}; of that the generator's own (off the CPU with a connection free) p99 ${R[own_late_p99]} ms, max ${R[own_late_max]} ms"
echo "rate: generator ${R[achieved_rate]} requests/s over ${R[send_span_s]} s; Redis accepted $(awk -v r="${R[redis_rate]}" 'BEGIN { print r }')/s over ${R[created_span_ms]} ms of its clock, per full second ${R[accepted_per_s_min]}..${R[accepted_per_s_max]}"
echo "answers: ${R[by_status]}; offered twice ${R[offered_twice]}; offered events disagreeing with the audit trail ${R[audit_mismatch]}; queued events (submit.lua) seen for ${R[queued_events]} tickets, at ≠ created ${R[queued_at_not_created]}; other events about the tickets ${R[other_ticket_events]}; intake drained ${R[waited_ms]} ms after the last question; intake group ${R[intake_groups]}, a24:intake length ${R[intake_len]} (trimmed by the router every 10 s); a24:stats ${R[stats]}; alerts raised ${R[alerts]}"
echo "events read: ${R[events_by_type]} (collector at most ${R[max_read_lag_ms]} ms behind, ${R[cpu_collect]}% CPU; a24:events length at the end ${R[xlen_at_end]}); a24:load per expert ${R[load_min]}..${R[load_max]}"
echo "redis: ${R[evalsha_calls]} FCALL (submit, route, ...) at ${R[evalsha_usec]} µs mean; longest command ${R[cmd_max_ms]:-<1} ms, longest O(1) command ${R[fast_max_ms]:-<1} ms, longest fork ${R[fork_max_ms]:-<1} ms (LATENCY LATEST: ${R[latency_events]:-none}); AOF rewrites ${R[aof_rewrites]}${R[rewrites_at]:+ (started ${R[rewrites_at]}after the first ticket)}, delayed fsyncs ${R[aof_delayed_fsync]}; used_memory ${R[used_memory_mb]} MB; exits: ${R[exits]}"
verdict "the run"
