#!/usr/bin/env bash
# deadline.sh: the deadline benchmark. How late answer24's deadline engine
# (answer24-worker --role deadline, proto/scripts/deadline_fire.lua) fires 100 000
# escalation steps due within one minute, with one engine and with two at once, how
# fast it drains a backlog, and what one scheduled ticket costs in Redis memory.
#
# Three runs, each against a fresh private redis-server on 127.0.0.1 (AOF on,
# appendfsync everysec, data in a temporary directory):
#   spread-1   100 000 queued tickets, their single escalation step (100% of the
#              window: a breach alert to on-call) due uniformly over 60 s; one engine
#   spread-2   the same with two engines at once (double firing must stay 0)
#   burst-1    the same 100 000 steps all due at once when one engine starts: how fast
#              the engine drains a backlog (its capacity, not a lateness figure)
# tests/bench/deadline_bench.py loads the tickets the way submit.lua leaves them
# (pipelined, stdlib-only RESP) and measures used_memory before and after; the engines
# (started before loading in the spread runs, after it in the burst) run until
# a24:schedule is empty (bounded), then it reads every alert hash back:
# lateness = the alert's created ms - the step's due ms (both Redis' clock).
# tests/bench/DEADLINE.md explains the figures and holds the results.
#
#   tests/bench/deadline.sh                       the whole benchmark (about 4 minutes)
#   A24_DLBENCH_COUNT=20000 A24_DLBENCH_SPREAD_MS=20000 tests/bench/deadline.sh   quicker
#   A24_DLBENCH_REDIS_ARGS='--auto-aof-rewrite-percentage 0' tests/bench/deadline.sh
#                                      extra redis-server options (here: no AOF rewrites)
#
# Not part of the test suite. Builds a Release answer24-worker into build-dlbench/ and
# leaves nothing behind: every process it started is stopped by its pid and the
# temporary directory is removed, also on failure or Ctrl-C; a run that could not end
# within A24_DLBENCH_LIMIT (300) seconds of the start is not begun. Exits non-zero if a run
# missed or doubled a step, fired one early, left the schedule non-empty, or an engine
# crashed, logged an error or did not stop cleanly.
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_prelude
BUILD=${A24_DLBENCH_BUILD:-$ROOT/build-dlbench}
COUNT=${A24_DLBENCH_COUNT:-100000}
SPREAD_MS=${A24_DLBENCH_SPREAD_MS:-60000}
LEAD_MS=${A24_DLBENCH_LEAD_MS:-15000}   # time to load before the first step is due
GRACE_MS=10000                          # how long past the last due step we wait at most
PY=tests/bench/deadline_bench.py

say() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { say "deadline.sh: $*"; exit 1; }

for tool in redis-server redis-cli python3 cmake; do
    command -v "$tool" >/dev/null || die "$tool is missing (deploy/install-deps.sh --test installs it)"
done

# ------------------------------------------------------------------ build

say "building answer24-worker (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DA24_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target answer24-worker >/dev/null
WORKER=$BUILD/bin/answer24-worker

# ------------------------------------------------------------------ processes and cleanup

start_bench a24-dlbench 20

# Starts redis-server with AOF on, appendfsync everysec, in $1/redis; sets REDIS_PORT,
# REDIS_PID. The latency monitor records every command (a fire script is one) >= 1 ms.
start_redis() {
    local dir=$1
    mkdir -p "$dir/redis"
    REDIS_PORT=$(free_port)
    local extra=()
    read -r -a extra <<<"${A24_DLBENCH_REDIS_ARGS:-}"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly yes \
        --appendfsync everysec --maxmemory-policy noeviction --dir "$dir/redis" \
        --latency-monitor-threshold 1 "${extra[@]}" \
        --logfile "$dir/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_for 100 rcli ping || die "redis-server did not start: $(tail -5 "$dir/redis.log")"
}

# Redis' clock in ms (bash arithmetic: mawk's printf %d stops at 2^31).
redis_ms() {
    local t
    mapfile -t t < <(rcli TIME)
    echo $(( t[0] * 1000 + t[1] / 1000 ))
}

# The engine's configuration: one ladder step at 100% without repeat, so each ticket
# raises exactly one alert and leaves the schedule; no webhook, so nothing is delivered.
write_config() {
    local dir=$1
    cat >"$dir/answer24.yaml" <<EOF
redis:
  url: redis://127.0.0.1:$REDIS_PORT/0
secrets:
  key_file: $dir/secret.key
deadlines:
  answer: 60s
escalation:
  - {at: 100%, notify: oncall}
alerts:
  webhooks: []
log:
  level: warn
EOF
}

# Keys $3... of the JSON object in file $2 into R[$1,<key>] (one python3 for all).
jr() {
    local run=$1 file=$2 k v
    shift 2
    while read -r k v; do
        R[$run,$k]=$v
    done < <(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    print(k, "-" if d[k] is None else d[k])' "$file" "$@")
}

# ------------------------------------------------------------------ runs

FAILED=0
NOISY=0
declare -A R # results: R[<run>,<what>]

flag() { say "!! $1: $2"; FAILED=1; }

# Starts $2 engines for run $1; sets ENGINES (their pids).
start_engines() {
    local run=$1 engines=$2 dir=$TMP/$1 k
    ENGINES=()
    for ((k = 1; k <= engines; k++)); do
        "$WORKER" --config "$dir/answer24.yaml" --role deadline </dev/null >"$dir/engine$k.log" 2>&1 &
        ENGINES+=("$!")
        PIDS+=("$!")
    done
}

# Run $1: $2 engines, steps spread over $3 ms, starting $4 ms after loading begins.
# With a spread the engines start first and wait while the tickets are loaded (so a
# slow load cannot delay their start past the first due step); for the burst (spread 0)
# they start once all the steps are already due.
bench() {
    local run=$1 engines=$2 spread=$3 lead=$4 dir=$TMP/$1 k pid
    mkdir -p "$dir"
    start_redis "$dir"
    write_config "$dir"
    if [ "$spread" -gt 0 ]; then
        start_engines "$run" "$engines"
        sleep 0.5 # connected, and the fire script cached, before memory is measured
        say "$run: $engines engine(s) started on an empty schedule"
    fi

    say "$run: loading $COUNT tickets (due over ${spread} ms, the first ${lead} ms after loading starts)"
    bounded timeout 60 python3 "$PY" load --port "$REDIS_PORT" --count "$COUNT" --lead-ms "$lead" \
        --spread-ms "$spread" --ids "$dir/ids" >"$dir/load.json" || die "$run: loading failed"
    jr "$run" "$dir/load.json" bytes_zadd bytes_full bytes_hash memory_usage_zset_per_entry \
        memory_usage_hash_avg mem_full load_ms lead_left_ms last_due hash_encoding zset_encoding
    # A step due before its ticket's hash was written would be dropped as "no ticket".
    if [ "$spread" -gt 0 ] && [ "${R[$run,lead_left_ms]}" -lt 1000 ]; then
        flag "$run" "loading took ${R[$run,load_ms]} ms: the first steps were due ${R[$run,lead_left_ms]} ms after it (raise A24_DLBENCH_LEAD_MS)"
    fi
    rcli LATENCY RESET >/dev/null
    rcli CONFIG RESETSTAT >/dev/null
    local aof0
    aof0=$(du -sb "$dir/redis" | cut -f1)

    local t0 b0 r0 start
    t0=$(now_secs) b0=$(busy_secs) r0=$(cpu_secs "$REDIS_PID")
    start=$(redis_ms)
    if [ "$spread" = 0 ]; then
        start_engines "$run" "$engines"
    fi
    local wpids=("${ENGINES[@]}")
    local until=$(( spread > 0 ? R[$run,last_due] + GRACE_MS : start + 45000 ))
    say "$run: $engines engine(s) running; waiting for the schedule to empty (at most $(( (until - start) / 1000 )) s)"
    bounded timeout $(( (until - start) / 1000 + 30 )) python3 "$PY" wait --port "$REDIS_PORT" --until-ms "$until" \
        >"$dir/wait.json" || die "$run: waiting failed"
    local t1 b1 r1 wall ecpu=0 e
    t1=$(now_secs) b1=$(busy_secs) r1=$(cpu_secs "$REDIS_PID")
    for pid in "${wpids[@]}"; do
        kill -0 "$pid" 2>/dev/null || flag "$run" "engine $pid died during the run"
        e=$(cpu_secs "$pid" 2>/dev/null || echo 0)
        ecpu=$(awk -v a="$ecpu" -v b="$e" 'BEGIN { print a + b }')
    done
    jr "$run" "$dir/wait.json" left
    [ "${R[$run,left]}" = 0 ] || flag "$run" "${R[$run,left]} entries still on the schedule after the bounded wait"

    R[$run,exits]=""
    for pid in "${wpids[@]}"; do
        stop_pid "$pid"
        R[$run,exits]+="${R[$run,exits]:+/}$STOPPED"
        [ "$STOPPED" = 0 ] || flag "$run" "engine $pid stopped with $STOPPED"
    done
    # At level warn the engine logs nothing when all is well; any line is worth a look.
    R[$run,log_lines]=0
    for ((k = 1; k <= engines; k++)); do
        local n
        n=$(wc -l <"$dir/engine$k.log")
        R[$run,log_lines]=$(( R[$run,log_lines] + n ))
        if [ "$n" != 0 ]; then
            say "!! $run: engine $k logged $n lines; the first ones:"
            head -5 "$dir/engine$k.log" | cut -c1-300 >&2
            grep -q '"level":"error"\|script_failed' "$dir/engine$k.log" && FAILED=1
        fi
    done

    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    R[$run,cpu_engines]=$(pct "$ecpu" "$wall")
    R[$run,cpu_redis]=$(pct "$(awk -v a="$r0" -v b="$r1" 'BEGIN { print b - a }')" "$wall")
    R[$run,cpu_other]=$(pct "$(awk -v b="$b1" -v a="$b0" -v r="$r1" -v q="$r0" -v e="$ecpu" \
        'BEGIN { x = (b - a) - (r - q) - e; print (x > 0 ? x : 0) }')" "$wall")
    check_noisy "${R[$run,cpu_other]}" "$run"

    # The fire scripts as Redis saw them: calls, mean time, the longest one (>= 1 ms).
    local stat
    stat=$(rcli INFO commandstats | tr -d '\r' | grep '^cmdstat_fcall:' || true)
    R[$run,calls]=$(sed -n 's/^cmdstat_fcall:calls=\([0-9]*\),.*/\1/p' <<<"$stat")
    R[$run,usec_per_call]=$(sed -n 's/.*usec_per_call=\([0-9.]*\),.*/\1/p' <<<"$stat")
    R[$run,failed_calls]=$(sed -n 's/.*,failed_calls=\([0-9]*\).*/\1/p' <<<"$stat")
    # LATENCY LATEST: event, time, latest ms, max ms. "command" is the longest fire
    # script; "fast-command" (O(1) commands) over a few ms means Redis itself was off
    # the CPU, i.e. the machine, not the engine.
    local lat
    lat=$(rcli LATENCY LATEST)
    R[$run,script_max_ms]=$(awk '$0 == "command" { f = 1; n = 0; next } f && ++n == 3 { print; exit }' <<<"$lat")
    R[$run,fast_max_ms]=$(awk '$0 == "fast-command" { f = 1; n = 0; next } f && ++n == 3 { print; exit }' <<<"$lat")
    R[$run,fast_max_ms]=${R[$run,fast_max_ms]:-"<1"}
    R[$run,fork_max_ms]=$(awk '$0 == "fork" { f = 1; n = 0; next } f && ++n == 3 { print; exit }' <<<"$lat")
    R[$run,fork_max_ms]=${R[$run,fork_max_ms]:-"<1"}
    R[$run,aof_delayed_fsync]=$(redis_info aof_delayed_fsync)
    R[$run,script_max_ms]=${R[$run,script_max_ms]:-"<1"}

    say "$run: reading the alerts back"
    local start_arg=()
    [ "$spread" -gt 0 ] || start_arg=(--start-ms "$start")
    bounded timeout 60 python3 "$PY" check --port "$REDIS_PORT" --ids "$dir/ids" "${start_arg[@]}" \
        >"$dir/check.json" || die "$run: checking failed"
    jr "$run" "$dir/check.json" fired doubled missed early stray_alerts not_stepped schedule_left \
        stats_breaches p50 p90 p99 p999 max mean throughput span_ms seconds_over_100ms seconds_total \
        worst_seconds
    [ "${R[$run,fired]}" = "$COUNT" ] || flag "$run" "fired ${R[$run,fired]} of $COUNT steps"
    [ "${R[$run,doubled]}" = 0 ] || flag "$run" "${R[$run,doubled]} steps fired twice"
    [ "${R[$run,missed]}" = 0 ] || flag "$run" "${R[$run,missed]} steps never fired"
    [ "${R[$run,early]}" = 0 ] || flag "$run" "${R[$run,early]} steps fired before they were due"
    [ "${R[$run,stray_alerts]}" = 0 ] || flag "$run" "${R[$run,stray_alerts]} alerts about unknown tickets"
    [ "${R[$run,not_stepped]}" = 0 ] || flag "$run" "${R[$run,not_stepped]} tickets not at step 1 with breached set"
    [ "${R[$run,stats_breaches]}" = "$COUNT" ] || flag "$run" "a24:stats breaches is ${R[$run,stats_breaches]}"

    # What firing added: the alert hash, its a24:alerts:open entry, its a24:alerts
    # stream entry, the audit line, the ticket's new fields.
    local mem_after
    mem_after=$(( $(redis_info used_memory) - $(redis_info mem_aof_buffer) - $(redis_info mem_clients_normal) ))
    R[$run,bytes_per_fired]=$(( (mem_after - R[$run,mem_full]) / COUNT ))
    R[$run,aof_rewrites]=$(redis_info aof_rewrites)
    # Automatic AOF rewrites (at 64 MB, as in deploy/redis.conf) compact the file: then
    # its growth says nothing about what each step appended.
    if [ "${R[$run,aof_rewrites]}" = 0 ]; then
        R[$run,aof_per_fired]=$(( ($(du -sb "$dir/redis" | cut -f1) - aof0) / COUNT ))
    else
        R[$run,aof_per_fired]="n/a (${R[$run,aof_rewrites]} automatic rewrites)"
    fi
    R[$run,alerts_stream]=$(rcli XLEN a24:alerts)

    stop_pid "$REDIS_PID"
    grep -E '# WARNING|Background AOF rewrite|fsync' "$dir/redis.log" | grep -v 'overcommit'  | sed "s/^/   $run redis: /" | cut -c1-200 >&2 || true
}

# The whole benchmark stays under A24_DLBENCH_LIMIT seconds (300): a run that could not
# finish in what is left is not started (every wait inside a run is bounded too).
LIMIT=${A24_DLBENCH_LIMIT:-300}
budget() {
    [ $((SECONDS + $2)) -le "$LIMIT" ] ||
        die "$1 would not finish within the ${LIMIT} s limit (at ${SECONDS} s; it may take $2 s)"
}

say "temporary files in $TMP"
SPREAD_RUN=$(( (LEAD_MS + SPREAD_MS + GRACE_MS) / 1000 + 15 ))
budget spread-1 $((2 * SPREAD_RUN + 60))
bench spread-1 1 "$SPREAD_MS" "$LEAD_MS"
budget spread-2 $((SPREAD_RUN + 60))
bench spread-2 2 "$SPREAD_MS" "$LEAD_MS"
budget burst-1 60
bench burst-1 1 0 0

# ------------------------------------------------------------------ report

echo
echo "deadline benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), $COUNT steps, AOF everysec${A24_DLBENCH_REDIS_ARGS:+ (redis options: $A24_DLBENCH_REDIS_ARGS)}"
echo
echo "| run | engines | steps due | fired | doubled | missed | lateness p50 | p99 | p99.9 | max | mean | steps/s | fire scripts (mean, longest) | CPU % engines / redis / other |"
echo "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|"
for run in spread-1 spread-2 burst-1; do
    case $run in
    spread-1) e=1 due="over $((SPREAD_MS / 1000)) s" ;;
    spread-2) e=2 due="over $((SPREAD_MS / 1000)) s" ;;
    burst-1) e=1 due="all at once (backlog)" ;;
    esac
    if [ "$run" = burst-1 ]; then
        lat="| - | - | - | - | - "
    else
        lat="| ${R[$run,p50]} ms | ${R[$run,p99]} ms | ${R[$run,p999]} ms | ${R[$run,max]} ms | ${R[$run,mean]} ms "
    fi
    echo "| $run | $e | $due | ${R[$run,fired]} | ${R[$run,doubled]} | ${R[$run,missed]} $lat| ${R[$run,throughput]} | ${R[$run,calls]} calls (${R[$run,usec_per_call]} µs, ${R[$run,script_max_ms]} ms) | ${R[$run,cpu_engines]} / ${R[$run,cpu_redis]} / ${R[$run,cpu_other]} |"
done
echo
echo "| Redis memory (used_memory delta, less AOF and client buffers) | bytes per ticket |"
echo "|---|--:|"
echo "| a24:schedule entry alone (ZADD only; ${R[spread-1,zset_encoding]}) | $(printf '%.0f' "${R[spread-1,bytes_zadd]}") (MEMORY USAGE: $(printf '%.0f' "${R[spread-1,memory_usage_zset_per_entry]}")) |"
echo "| ticket hash alone (${R[spread-1,hash_encoding]}, 12 fields, key included) | $(printf '%.0f' "${R[spread-1,bytes_hash]}") (MEMORY USAGE: $(printf '%.0f' "${R[spread-1,memory_usage_hash_avg]}")) |"
echo "| scheduled ticket, hash + schedule entry | $(printf '%.0f' "${R[spread-1,bytes_full]}") |"
echo "| added by firing its step (alert hash, a24:alerts:open, a24:alerts stream entry, audit line) | ${R[spread-1,bytes_per_fired]} |"
echo "| AOF bytes written per fired step (everysec) | ${R[spread-1,aof_per_fired]} |"
echo
for run in spread-1 spread-2 burst-1; do
    printf '%s: ' "$run"
    [ "$run" = burst-1 ] || printf 'lateness p90 %s ms, seconds of due time with a step over 100 ms late: %s of %s (worst: %s); ' \
        "${R[$run,p90]}" "${R[$run,seconds_over_100ms]}" "${R[$run,seconds_total]}" "${R[$run,worst_seconds]}"
    echo "last alert ${R[$run,span_ms]} ms after the first due step (burst: after the engine started); load ${R[$run,load_ms]} ms; engine exit ${R[$run,exits]}, ${R[$run,log_lines]} engine log lines; FCALL failed_calls ${R[$run,failed_calls]} (expected 0: the engine loads the function library before its first call); a24:alerts stream length ${R[$run,alerts_stream]}; AOF rewrites ${R[$run,aof_rewrites]}, delayed fsyncs ${R[$run,aof_delayed_fsync]}; longest O(1) Redis command ${R[$run,fast_max_ms]} ms (Redis off the CPU), longest fork ${R[$run,fork_max_ms]} ms"
done
verdict "a run"
