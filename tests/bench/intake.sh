#!/usr/bin/env bash
# intake.sh: the intake benchmark. How many questions a second answer24-web takes in
# (POST /api/v1/questions, 201 with the ticket), side by side with the peer a Node team
# would build (../shared/peer-bullmq: Fastify + BullMQ) and the ceiling of this machine.
#
# Three servers, each freshly started on 127.0.0.1 only, interleaved three times
# (answer24, peer, baseline; again; again) so that machine noise falls on all of them:
#   answer24   answer24-web (Release) + a private redis-server started from
#              deploy/redis.conf (AOF, appendfsync always)
#   peer       node server.js of the peer + a private redis-server, the same settings
#   baseline   tests/bench/baseline.c: libh2o answering 201 with a body as long as
#              answer24's real answer, no Redis (the ceiling)
# Each run warms up, then runs `wrk -t1 -c64 -d10s --latency -s tests/bench/post.lua`
# (the peer gets the same texts as {"text", "category"} on POST /questions). It prints
# questions a second, p99, the ratios answer24/peer and answer24/baseline per round, and
# the Redis CPU per ticket (INFO cpu used_cpu_sys + used_cpu_user over the measured run,
# divided by the tickets). After each answer24 run it checks that Redis counted as many
# new tickets (a24:stats "submitted") as wrk got 201s. Every run also reports the CPU
# its server, Redis and wrk used, and what the rest of the machine used meanwhile: over
# 15% of a core flags the run NOISY (on a shared 2-core machine, someone's build halves
# the figures).
#
#   tests/bench/intake.sh                 the whole benchmark (about 3 minutes)
#   A24_BENCH_ROUNDS=1 A24_BENCH_DURATION=5s tests/bench/intake.sh   quicker, noisier
#   A24_BENCH_QUIET_WAIT=600 tests/bench/intake.sh   each run first waits (at most 600 s)
#                                         until the machine is idle (shared machines)
#   A24_PEER_DIR=/path/to/peer-bullmq     where the peer is (default ../shared/peer-bullmq
#                                         beside the repository)
#   A24_BENCH_WEB_PROCS=2 tests/bench/intake.sh   two answer24-web processes on the one
#                                         port (SO_REUSEPORT), one Redis; CPU summed
#
# Not part of the test suite. Builds a Release answer24-web into build-bench/ (never
# build/ or build-test/), copies the peer into build-bench/peer and runs `npm install`
# there once (its README: npm install, not npm ci), installs wrk if it is missing
# (apt-get, as root), and leaves nothing behind: every process it started is stopped by
# its pid and the temporary directory is removed, also on failure or Ctrl-C. Exits
# non-zero if a run saw a non-201, a socket error, a ticket count mismatch, a crash or
# an unclean stop.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=$ROOT/build-bench
DURATION=${A24_BENCH_DURATION:-10s}
WARMUP=${A24_BENCH_WARMUP:-3s}
ROUNDS=${A24_BENCH_ROUNDS:-3}
QUIET_WAIT=${A24_BENCH_QUIET_WAIT:-0} # seconds a run may wait for an idle machine
WEB_PROCS=${A24_BENCH_WEB_PROCS:-1}   # answer24-web processes sharing the port
PEER_SRC=${A24_PEER_DIR:-$ROOT/../shared/peer-bullmq}
PEER=$BUILD/peer
THREADS=1
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
for tool in redis-server redis-cli curl python3 cmake cc pkg-config node npm; do
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
[ -f "$PEER_SRC/server.js" ] || die "no peer at $PEER_SRC (set A24_PEER_DIR)"
mkdir -p "$PEER"
cp "$PEER_SRC/server.js" "$PEER_SRC/package.json" "$PEER_SRC/package-lock.json" "$PEER/"
if [ ! -d "$PEER/node_modules/bullmq" ] || [ "$PEER_SRC/package.json" -nt "$PEER/node_modules" ]; then
    say "installing the peer's node modules in $PEER"
    (cd "$PEER" && npm install --no-audit --no-fund >"$PEER/npm.log" 2>&1) ||
        die "npm install failed: $(tail -5 "$PEER/npm.log")"
fi

# ------------------------------------------------------------------ processes and cleanup

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

start_bench a24-bench 0

# Sets CHILD_SECS to the CPU seconds of this shell's reaped children (wrk, curl...).
# Never call it in $(...): `times` in a subshell starts from zero.
children_secs() {
    times >"$TMP/times"
    CHILD_SECS=$(tail -1 "$TMP/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%.2f", n }')
}

# Starts redis-server from deploy/redis.conf (AOF on, appendfsync $2, default always) in
# $1/redis; sets REDIS_PORT, REDIS_PID. answer24 and the peer get the same settings.
start_redis() {
    local dir=$1 fsync=${2:-always}
    mkdir -p "$dir/redis"
    REDIS_PORT=$(free_port)
    redis-server "$ROOT/deploy/redis.conf" --port "$REDIS_PORT" --bind 127.0.0.1 \
        --appendfsync "$fsync" --dir "$dir/redis" --logfile "$dir/redis.log" --daemonize no \
        </dev/null >/dev/null 2>&1 &
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

# Starts WEB_PROCS answer24-web processes against REDIS_PORT on one port (SO_REUSEPORT),
# their files in $1 (web.log, web2.log, ...); sets WEB_PORT, WEB_PID (the first) and
# WEB_PIDS (all, space-separated).
start_web() {
    local dir=$1 i log
    WEB_PORT=$(free_port)
    WEB_PIDS=
    for i in $(seq 1 "$WEB_PROCS"); do
        log=$dir/web.log
        [ "$i" = 1 ] || log=$dir/web$i.log
        ANSWER24_HTTP_LISTEN=127.0.0.1:$WEB_PORT \
        ANSWER24_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0 \
        ANSWER24_SECRETS_KEY_FILE=$dir/secret.key \
        ANSWER24_LIMITS_SUBMISSIONS_PER_HOUR=0 \
        ANSWER24_LIMITS_INTAKE_PER_MINUTE=0 \
        ANSWER24_LOG_LEVEL=warn \
            "$BUILD/bin/answer24-web" </dev/null >"$log" 2>&1 &
        PIDS+=("$!")
        WEB_PIDS="$WEB_PIDS $!"
        [ "$i" = 1 ] && WEB_PID=$!
        # the first creates the secret key; the others start once it is ready
        if ! wait_for 100 http_ok "http://127.0.0.1:$WEB_PORT/healthz" ||
            ! wait_for 100 http_ok "http://127.0.0.1:$WEB_PORT/readyz"; then
            die "answer24-web did not become ready: $(tail -5 "$log")"
        fi
    done
    sleep 0.3
}

# CPU seconds of the processes $1 (space-separated pids) together.
cpu_sum() {
    local t=0 p
    for p in $1; do
        t=$(awk -v a="$t" -v b="$(cpu_secs "$p")" 'BEGIN { printf "%.2f", a + b }')
    done
    echo "$t"
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
    local t0 s0 r0 k0 b0 t1 s1 r1 k1 b1 wall i0=0 i1=0
    children_secs
    [ -z "$redis" ] || i0=$(redis_cpu_secs "$REDIS_PORT")
    k0=$CHILD_SECS t0=$(now_secs) s0=$(cpu_sum "$server") r0=$(cpu_secs "$redis") b0=$(busy_secs)
    say "$run: measuring ($DURATION)"
    run_wrk "$dir/wrk.txt" "$url" "$DURATION"
    t1=$(now_secs) s1=$(cpu_sum "$server") r1=$(cpu_secs "$redis") b1=$(busy_secs)
    [ -z "$redis" ] || i1=$(redis_cpu_secs "$REDIS_PORT")
    R[$run,redis_cpu]=$(awk -v a="$i0" -v b="$i1" 'BEGIN { printf "%.6f", b - a }')
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
    check_noisy "${R[$run,cpu_other]}" "$run"
}

# Redis CPU µs per ticket of run $1 ($2 tickets).
per_ticket() { awk -v s="${R[$1,redis_cpu]}" -v n="$2" 'BEGIN { printf "%.0f", (n > 0 ? s / n * 1e6 : 0) }'; }

# answer24-web against a fresh Redis with appendfsync always; run name $1.
bench_answer24() {
    local run=$1 dir=$TMP/$1
    mkdir -p "$dir"
    wait_quiet "$run"
    start_redis "$dir" always
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
    measure "$run" "$url" "$WEB_PIDS" "$REDIS_PID"
    sleep 0.5 # operations in flight when wrk stopped finish
    local sub1 mem1
    sub1=$(submitted)
    mem1=$(redis_info used_memory)
    R[$run,tickets]=$((sub1 - sub0))
    R[$run,mem_per]=$(( R[$run,tickets] > 0 ? (mem1 - mem0) / R[$run,tickets] : 0 ))
    R[$run,aof_per]=$(( R[$run,tickets] > 0 ? ($(du -sb "$dir/redis" | cut -f1) - aof0) / R[$run,tickets] : 0 ))
    R[$run,aof_rewrites]=$(redis_info aof_rewrites)
    R[$run,us_ticket]=$(per_ticket "$run" "${R[$run,tickets]}")
    # A 201 without a stored ticket breaks the contract. More tickets than 201s is
    # expected by at most the connections in flight when wrk stopped (their answers
    # were never read).
    local extra=$(( R[$run,tickets] - R[$run,created] ))
    if [ "$extra" -lt 0 ] || [ "$extra" -gt "$CONNECTIONS" ]; then
        say "!! $run: Redis counted ${R[$run,tickets]} tickets for ${R[$run,created]} 201s"
        FAILED=1
    fi

    local pid log
    R[$run,web_exit]=0
    for pid in $WEB_PIDS; do
        kill -0 "$pid" 2>/dev/null || { say "!! $run: answer24-web $pid died during the run"; FAILED=1; }
        stop_pid "$pid"
        [ "$STOPPED" = 0 ] || { R[$run,web_exit]=$STOPPED; say "!! $run: answer24-web $pid stopped with $STOPPED"; FAILED=1; }
    done
    # Any log line at all is worth a look at level warn (the successful path logs nothing),
    # but for the start-up notices about this deliberately bare configuration.
    cat "$dir"/web*.log | grep -vE '"event":"(no_trusted_proxy|no_webhooks)"' >"$dir/web.unexpected" || true
    R[$run,log_lines]=$(wc -l <"$dir/web.unexpected")
    if [ "${R[$run,log_lines]}" != 0 ]; then
        say "!! $run: answer24-web logged ${R[$run,log_lines]} lines; the first ones:"
        head -5 "$dir/web.unexpected" | cut -c1-300 >&2
        FAILED=1
    fi
    stop_pid "$REDIS_PID"
    R[$run,redis_exit]=$STOPPED
    grep -E '# WARNING|Background AOF rewrite' "$dir/redis.log" | sed "s/^/   $run redis: /" | cut -c1-200 >&2 || true
}

# The peer (node server.js) against a fresh Redis with appendfsync always; run name $1.
bench_peer() {
    local run=$1 dir=$TMP/$1 port pid
    mkdir -p "$dir"
    wait_quiet "$run"
    start_redis "$dir" always
    port=$(free_port)
    (cd "$PEER" && PORT=$port REDIS_PORT=$REDIS_PORT exec node server.js) </dev/null >"$dir/peer.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    local url=http://127.0.0.1:$port
    wait_for 150 curl -s -f -o /dev/null -H 'Content-Type: application/json' \
        --data '{"text":"probe","category":"sleep"}' "$url/questions" ||
        die "the peer did not start: $(tail -5 "$dir/peer.log")"
    say "$run: warming up ($WARMUP, the JIT)"
    A24_BENCH_TARGET=peer run_wrk "$dir/warmup.txt" "$url" "$WARMUP"
    sleep 0.5
    A24_BENCH_TARGET=peer measure "$run" "$url" "$pid" "$REDIS_PID"
    R[$run,tickets]=${R[$run,created]}
    R[$run,us_ticket]=$(per_ticket "$run" "${R[$run,created]}")
    kill -0 "$pid" 2>/dev/null || { say "!! $run: the peer died during the run"; FAILED=1; }
    stop_pid "$pid"
    R[$run,web_exit]=$STOPPED
    stop_pid "$REDIS_PID"
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
# Interleaved: answer24 first in each round, whose answers' mean length the baseline
# then answers with.
for round in $(seq 1 "$ROUNDS"); do
    bench_answer24 "answer24-$round"
    bench_peer "peer-$round"
    bench_baseline "baseline-$round" "${R[answer24-$round,body_mean]}"
done

# ------------------------------------------------------------------ report

ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo
echo "intake benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, appendfsync always, answer24-web processes: $WEB_PROCS"
echo
echo "| run | questions/s | p50 | p99 | 201s | non-201 / socket errors | Redis CPU µs/ticket | Redis B/ticket | CPU µs/request server | CPU % server / redis / wrk / other |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for round in $(seq 1 "$ROUNDS"); do
    for run in "answer24-$round" "peer-$round" "baseline-$round"; do
        case $run in
        baseline*) us=- mem=- redis=- ;;
        peer*) us=${R[$run,us_ticket]} mem=- redis=${R[$run,cpu_redis]} ;;
        *) us=${R[$run,us_ticket]} mem=${R[$run,mem_per]} redis=${R[$run,cpu_redis]} ;;
        esac
        echo "| $run | ${R[$run,rps]} | $(ms "${R[$run,p50_us]}") | $(ms "${R[$run,p99_us]}") | ${R[$run,created]} | ${R[$run,non201]} / ${R[$run,sockerr]} | $us | $mem | ${R[$run,us_server]} | ${R[$run,cpu_server]} / $redis / ${R[$run,cpu_wrk]} / ${R[$run,cpu_other]} |"
    done
done
echo
echo "| round | answer24/peer questions/s | answer24/baseline questions/s | answer24 p99 | peer p99 |"
echo "|---|--:|--:|--:|--:|"
for round in $(seq 1 "$ROUNDS"); do
    echo "| $round | $(ratio "${R[answer24-$round,rps]}" "${R[peer-$round,rps]}") | $(ratio "${R[answer24-$round,rps]}" "${R[baseline-$round,rps]}") | $(ms "${R[answer24-$round,p99_us]}") | $(ms "${R[peer-$round,p99_us]}") |"
done
echo
for round in $(seq 1 "$ROUNDS"); do
    run=answer24-$round
    echo "$run: answer bodies ${R[$run,body_min]}-${R[$run,body_max]} bytes (mean ${R[$run,body_mean]}), max latency $(ms "${R[$run,max_us]}"), ${R[$run,tickets]} tickets in Redis, AOF ${R[$run,aof_per]} B/ticket, AOF rewrites ${R[$run,aof_rewrites]}, server exit ${R[$run,web_exit]}"
done
verdict "a run"
