#!/usr/bin/env bash
# intake.sh: the intake benchmark. How many questions a second one answer24-web takes
# in (POST /api/v1/questions, 201 with the ticket), against the ceiling of this machine.
#
# Three runs, each against freshly started processes on 127.0.0.1 only:
#   baseline          tests/bench/baseline.c: libh2o answering 201 with a body as long
#                     as the real answer, no Redis (the ceiling)
#   answer24 always   answer24-web + a private redis-server, AOF appendfsync always
#   answer24 everysec the same with appendfsync everysec
# Each run warms up, then runs `wrk -t2 -c64 -d15s --latency -s tests/bench/post.lua`.
# After each answer24 run it checks that Redis counted as many new tickets
# (a24:stats "submitted") as wrk got 201s, and reports Redis memory and AOF bytes per
# ticket. Every run also reports the CPU its server, Redis and wrk used, and what the
# rest of the machine used meanwhile: over 15% of a core flags the run NOISY (on a
# shared 2-core machine, someone's build halves the figures).
#
#   tests/bench/intake.sh                 the whole benchmark (about 70 seconds)
#   A24_BENCH_DURATION=5s A24_BENCH_WARMUP=1s tests/bench/intake.sh   quicker, noisier
#   A24_BENCH_QUIET_WAIT=600 tests/bench/intake.sh   each run first waits (at most 600 s)
#                                         until the machine is idle (shared machines)
#
# Not part of the test suite. Builds a Release answer24-web into build-bench/ (never
# build/ or build-test/), installs wrk if it is missing (apt-get, as root), and leaves
# nothing behind: every process it started is stopped by its pid and the temporary
# directory is removed, also on failure or Ctrl-C. Exits non-zero if a run saw a
# non-201, a socket error, a ticket count mismatch, a crash or an unclean stop.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=$ROOT/build-bench
DURATION=${A24_BENCH_DURATION:-15s}
WARMUP=${A24_BENCH_WARMUP:-2s}
QUIET_WAIT=${A24_BENCH_QUIET_WAIT:-0} # seconds a run may wait for an idle machine
THREADS=2
CONNECTIONS=64
LUA=tests/bench/post.lua

# Only what this script sets may configure the server.
for v in $(compgen -e); do
    [[ $v == ANSWER24_* ]] && unset "$v"
done

say() { printf '%s\n' "$*" >&2; }
die() { say "intake.sh: $*"; exit 1; }

# ------------------------------------------------------------------ tools

if ! command -v wrk >/dev/null; then
    [ "$(id -u)" = 0 ] || die "wrk is missing; install it (apt-get install -y wrk) or run as root"
    say "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null ||
        { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; }
fi
for tool in redis-server redis-cli curl python3 cmake cc pkg-config; do
    command -v "$tool" >/dev/null || die "$tool is missing (deploy/install-deps.sh --test installs it)"
done

# ------------------------------------------------------------------ build

say "building answer24-web (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DA24_TESTS=OFF >/dev/null ||
    die "cmake could not configure $BUILD"
cmake --build "$BUILD" -j"$(nproc)" --target answer24-web >/dev/null ||
    die "answer24-web does not build (errors above)"
say "building the baseline server"
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
cc -Wall -Wextra -Werror -O2 -o "$BUILD/baseline" tests/bench/baseline.c \
    $(pkg-config --cflags --libs libh2o libuv) || die "the baseline server does not build"

# ------------------------------------------------------------------ processes and cleanup

TMP=$(mktemp -d /tmp/a24-bench.XXXXXX)
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

# Sets CHILD_SECS to the CPU seconds of this shell's reaped children (wrk, curl...).
# Never call it in $(...): `times` in a subshell starts from zero.
children_secs() {
    times >"$TMP/times"
    CHILD_SECS=$(tail -1 "$TMP/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%.2f", n }')
}

now_secs() { date +%s.%N; }

# a/b as a whole percentage.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b * 100 : 0) }'; }

# Starts redis-server with AOF on (appendfsync $2) in $1/redis; sets REDIS_PORT, REDIS_PID.
start_redis() {
    local dir=$1 fsync=$2
    mkdir -p "$dir/redis"
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly yes \
        --appendfsync "$fsync" --maxmemory-policy noeviction --dir "$dir/redis" \
        --logfile "$dir/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_for 100 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping ||
        die "redis-server did not start: $(tail -5 "$dir/redis.log")"
}

rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# A field of INFO (e.g. used_memory), or 0.
redis_info() { rcli INFO all | tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }

submitted() { local n; n=$(rcli HGET a24:stats submitted); echo "${n:-0}"; }

http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")" = 200 ]; }

# Starts answer24-web against REDIS_PORT, its files in $1; sets WEB_PORT, WEB_PID.
start_web() {
    local dir=$1
    WEB_PORT=$(free_port)
    ANSWER24_HTTP_LISTEN=127.0.0.1:$WEB_PORT \
    ANSWER24_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0 \
    ANSWER24_SECRETS_KEY_FILE=$dir/secret.key \
    ANSWER24_LIMITS_SUBMISSIONS_PER_HOUR=0 \
    ANSWER24_LIMITS_INTAKE_PER_MINUTE=0 \
    ANSWER24_LOG_LEVEL=warn \
        "$BUILD/bin/answer24-web" </dev/null >"$dir/web.log" 2>&1 &
    WEB_PID=$!
    PIDS+=("$WEB_PID")
    if ! wait_for 100 http_ok "http://127.0.0.1:$WEB_PORT/healthz" ||
        ! wait_for 100 http_ok "http://127.0.0.1:$WEB_PORT/readyz"; then
        die "answer24-web did not become ready: $(tail -5 "$dir/web.log")"
    fi
}

# One question by curl: prints "<status> <body bytes>".
probe() {
    curl -s -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 5 \
        -H 'Content-Type: application/json' \
        --data '{"text":"For about 3 weeks I have been waking up at 4am and cannot fall asleep again. During the day I am tired, I forget small things at work and I snap at people I love. I live alone in a small flat, my family is far away, and most of my week is spent at work or on the train. What could I try on my own first, and when should I see a doctor about it? (0-0)","category":"sleep","language":"en","green_channel":false}' \
        "$1/api/v1/questions"
}

# wrk with the benchmark's shape against $2 for $3, output in $1.
run_wrk() {
    timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency -s "$LUA" "$2" >"$1" 2>&1 ||
        die "wrk failed: $(tail -5 "$1")"
    grep -q '^BENCH ' "$1" || die "wrk printed no BENCH line: $(tail -5 "$1")"
}

# A key of the BENCH line of $1.
field() { grep '^BENCH ' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# ------------------------------------------------------------------ runs

FAILED=0
NOISY=0
declare -A R # results: R[<run>,<what>]

# Records the BENCH figures of run $1 from wrk output $2.
record() {
    local run=$1 out=$2 k
    for k in rps p50_us p99_us max_us requests created non201 non201_detail connect read write \
             timeout body_min body_max body_mean; do
        R[$run,$k]=$(field "$out" "$k")
    done
    R[$run,sockerr]=$((R[$run,connect] + R[$run,read] + R[$run,write] + R[$run,timeout]))
    if [ "${R[$run,non201]}" != 0 ] || [ "${R[$run,sockerr]}" != 0 ]; then
        say "!! $run: ${R[$run,non201]} non-201 (${R[$run,non201_detail]}), ${R[$run,sockerr]} socket errors"
        FAILED=1
    fi
}

# Waits, at most QUIET_WAIT seconds, until the machine is idle: under 10% of a core busy
# over one second, before our servers take any load.
wait_quiet() {
    local deadline b0 b1
    deadline=$(( $(date +%s) + QUIET_WAIT ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        b0=$(busy_secs)
        sleep 1
        b1=$(busy_secs)
        awk -v a="$b0" -v b="$b1" 'BEGIN { exit !(b - a < 0.10) }' && return
    done
    [ "$QUIET_WAIT" = 0 ] || say "$1: the machine did not become idle within ${QUIET_WAIT}s"
}

# The measured wrk run $1 against $2, with the CPU each part used meanwhile, as a
# percentage of one core: the server ($3), Redis ($4, may be empty), wrk, and everything
# else on the machine (other people's builds and tests make a run worthless).
measure() {
    local run=$1 url=$2 server=$3 redis=$4 dir=$TMP/$1
    local t0 s0 r0 k0 b0 t1 s1 r1 k1 b1 wall
    children_secs
    k0=$CHILD_SECS t0=$(now_secs) s0=$(cpu_secs "$server") r0=$(cpu_secs "$redis") b0=$(busy_secs)
    say "$run: measuring ($DURATION)"
    run_wrk "$dir/wrk.txt" "$url" "$DURATION"
    t1=$(now_secs) s1=$(cpu_secs "$server") r1=$(cpu_secs "$redis") b1=$(busy_secs)
    children_secs
    k1=$CHILD_SECS
    record "$run" "$dir/wrk.txt"
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    R[$run,cpu_server]=$(pct "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')" "$wall")
    R[$run,cpu_redis]=$(pct "$(awk -v a="$r0" -v b="$r1" 'BEGIN { print b - a }')" "$wall")
    # CPU per request hardly depends on how much of the machine the run got: the figure
    # to compare when the machine is shared.
    R[$run,us_server]=$(awk -v a="$s0" -v b="$s1" -v n="${R[$run,requests]}" 'BEGIN { printf "%.0f", (n > 0 ? (b - a) / n * 1e6 : 0) }')
    R[$run,us_redis]=$(awk -v a="$r0" -v b="$r1" -v n="${R[$run,requests]}" 'BEGIN { printf "%.0f", (n > 0 ? (b - a) / n * 1e6 : 0) }')
    R[$run,cpu_wrk]=$(pct "$(awk -v a="$k0" -v b="$k1" 'BEGIN { print b - a }')" "$wall")
    R[$run,cpu_other]=$(pct "$(awk -v b="$b1" -v a="$b0" -v s="$s1" -v t="$s0" -v r="$r1" -v q="$r0" -v k="$k1" -v j="$k0" \
        'BEGIN { x = (b - a) - (s - t) - (r - q) - (k - j); print (x > 0 ? x : 0) }')" "$wall")
    if [ "${R[$run,cpu_other]}" -gt 15 ]; then
        say "!! $run: other processes used ${R[$run,cpu_other]}% of a core during the run; its figures are unreliable"
        NOISY=1
    fi
}

# answer24-web against a fresh Redis with appendfsync $2; run name $1.
bench_answer24() {
    local run=$1 fsync=$2 dir=$TMP/$1
    mkdir -p "$dir"
    wait_quiet "$run"
    start_redis "$dir" "$fsync"
    start_web "$dir"
    local url=http://127.0.0.1:$WEB_PORT
    local status bytes
    read -r status bytes < <(probe "$url")
    [ "$status" = 201 ] || die "$run: the probe question got $status: $(tail -5 "$dir/web.log")"
    R[$run,probe_bytes]=$bytes

    say "$run: warming up ($WARMUP)"
    run_wrk "$dir/warmup.txt" "$url" "$WARMUP"
    if [ "$(field "$dir/warmup.txt" non201)" != 0 ]; then
        say "!! $run: the warm-up saw non-201: $(field "$dir/warmup.txt" non201_detail)"
        FAILED=1
    fi
    sleep 0.5
    local sub0 mem0 aof0
    sub0=$(submitted)
    mem0=$(redis_info used_memory)
    aof0=$(du -sb "$dir/redis" | cut -f1)
    measure "$run" "$url" "$WEB_PID" "$REDIS_PID"
    sleep 0.5 # operations in flight when wrk stopped finish
    local sub1 mem1
    sub1=$(submitted)
    mem1=$(redis_info used_memory)
    R[$run,tickets]=$((sub1 - sub0))
    R[$run,mem_per]=$(( R[$run,tickets] > 0 ? (mem1 - mem0) / R[$run,tickets] : 0 ))
    R[$run,aof_per]=$(( R[$run,tickets] > 0 ? ($(du -sb "$dir/redis" | cut -f1) - aof0) / R[$run,tickets] : 0 ))
    R[$run,aof_rewrites]=$(redis_info aof_rewrites)
    # A 201 without a stored ticket breaks the contract. More tickets than 201s is
    # expected by at most the connections in flight when wrk stopped (their answers
    # were never read).
    local extra=$(( R[$run,tickets] - R[$run,created] ))
    if [ "$extra" -lt 0 ] || [ "$extra" -gt "$CONNECTIONS" ]; then
        say "!! $run: Redis counted ${R[$run,tickets]} tickets for ${R[$run,created]} 201s"
        FAILED=1
    fi

    kill -0 "$WEB_PID" 2>/dev/null || { say "!! $run: answer24-web died during the run"; FAILED=1; }
    stop_pid "$WEB_PID"
    R[$run,web_exit]=$STOPPED
    [ "${R[$run,web_exit]}" = 0 ] || { say "!! $run: answer24-web stopped with ${R[$run,web_exit]}"; FAILED=1; }
    # Any log line at all is worth a look at level warn (the successful path logs nothing).
    R[$run,log_lines]=$(wc -l <"$dir/web.log")
    if [ "${R[$run,log_lines]}" != 0 ]; then
        say "!! $run: answer24-web logged ${R[$run,log_lines]} lines; the first ones:"
        head -5 "$dir/web.log" | cut -c1-300 >&2
    fi
    stop_pid "$REDIS_PID"
    R[$run,redis_exit]=$STOPPED
    grep -E '# WARNING|Background AOF rewrite' "$dir/redis.log" | sed "s/^/   $run redis: /" | cut -c1-200 >&2 || true
}

# The baseline server with a body of $2 bytes; run name $1.
bench_baseline() {
    local run=$1 bytes=$2 dir=$TMP/$1 port pid
    mkdir -p "$dir"
    wait_quiet "$run"
    port=$(free_port)
    "$BUILD/baseline" "127.0.0.1:$port" "$bytes" </dev/null >"$dir/baseline.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    local url=http://127.0.0.1:$port
    wait_for 100 curl -s -f -o /dev/null -X POST --data '{}' "$url/api/v1/questions" ||
        die "the baseline server did not start: $(cat "$dir/baseline.log")"
    local status bytes
    read -r status bytes < <(probe "$url")
    [ "$status" = 201 ] || die "$run: the probe got $status"
    R[$run,probe_bytes]=$bytes
    say "$run: warming up ($WARMUP)"
    run_wrk "$dir/warmup.txt" "$url" "$WARMUP"
    measure "$run" "$url" "$pid" ""
    stop_pid "$pid"
    R[$run,web_exit]=$STOPPED
    [ "$STOPPED" = 0 ] || { say "!! $run: the baseline server stopped with $STOPPED"; FAILED=1; }
}

say "temporary files in $TMP"
# The answer24 runs go first: the first one measures the real answer's mean length,
# which the baseline then answers with.
bench_answer24 always always
bench_answer24 everysec everysec
bench_baseline baseline "${R[always,body_mean]}"

# ------------------------------------------------------------------ report

ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }

echo
echo "intake benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s $LUA"
echo
echo "| server | req/s | p50 | p99 | 201s (wrk) | non-201 / socket errors | tickets in Redis | Redis B/ticket | AOF B/ticket | CPU µs/request server / redis | CPU % server / redis / wrk / other |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for run in baseline always everysec; do
    case $run in
    baseline) name="baseline (libh2o, no Redis)" tickets=- mem=- aof=- redis=- us_redis=- ;;
    *) name="answer24-web, appendfsync $run" tickets=${R[$run,tickets]} mem=${R[$run,mem_per]}
       aof=${R[$run,aof_per]} redis=${R[$run,cpu_redis]} us_redis=${R[$run,us_redis]} ;;
    esac
    echo "| $name | ${R[$run,rps]} | $(ms "${R[$run,p50_us]}") | $(ms "${R[$run,p99_us]}") | ${R[$run,created]} | ${R[$run,non201]} / ${R[$run,sockerr]} | $tickets | $mem | $aof | ${R[$run,us_server]} / $us_redis | ${R[$run,cpu_server]} / $redis / ${R[$run,cpu_wrk]} / ${R[$run,cpu_other]} |"
done
echo
for run in baseline always everysec; do
    echo "$run: answer bodies ${R[$run,body_min]}-${R[$run,body_max]} bytes (mean ${R[$run,body_mean]}), max latency $(ms "${R[$run,max_us]}"), server exit status ${R[$run,web_exit]}${R[$run,log_lines]:+, ${R[$run,log_lines]} server log lines}${R[$run,aof_rewrites]:+, AOF rewrites ${R[$run,aof_rewrites]}}"
done
[ "$NOISY" = 0 ] || echo "NOISY: other processes loaded the machine during a run (the last CPU figure); measure again on a quiet machine"
if [ "$FAILED" != 0 ]; then
    echo "SUSPICIOUS: see the lines marked !! above"
    exit 1
fi
