#!/usr/bin/env bash
# store.sh: what Redis itself spends on tickets, under deploy/redis.conf (AOF,
# appendfsync always), through the same function library the programs load.
#
#   tests/bench/store.sh memory [COUNT] [redis-server options...]
#                                            COUNT (100000) open tickets: memory per
#                                            ticket beside its texts, and where it goes
#   tests/bench/store.sh rewrite [COUNT] [RATE] [SECONDS] [redis-server options...]
#                                            COUNT (100000) tickets stored, then RATE
#                                            (500) submissions a second for SECONDS (20),
#                                            BGREWRITEAOF after 1 s: call latency before,
#                                            during and after the rewrite
#
# Each run has its own redis-server started from deploy/redis.conf (port, directory and
# any extra options on the command line) and driven by tests/bench/store_bench.py. Not
# part of the test suite; builds answer24ctl (Release) into build-bench/ to load the
# library, and stops what it started, by pid.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=$ROOT/build-bench
say() { printf '%s\n' "$*" >&2; }
die() { say "store.sh: $*"; exit 1; }
MODE=${1:-memory}
shift || true

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DA24_TESTS=OFF >/dev/null ||
    die "cmake could not configure $BUILD"
cmake --build "$BUILD" -j2 --target answer24ctl >/dev/null || die "answer24ctl does not build"

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
start_bench a24-store 0

# Starts redis-server from deploy/redis.conf plus options "$@"; sets REDIS_PORT, REDIS_PID.
start_redis() {
    mkdir -p "$TMP/redis"
    REDIS_PORT=$(free_port)
    redis-server "$ROOT/deploy/redis.conf" --port "$REDIS_PORT" --dir "$TMP/redis" \
        --logfile "$TMP/redis.log" --daemonize no "$@" </dev/null >/dev/null 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_for 100 redis-cli -p "$REDIS_PORT" ping || die "redis-server did not start: $(tail -5 "$TMP/redis.log")"
    ANSWER24_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0 "$BUILD/bin/answer24ctl" scripts load >/dev/null ||
        die "the scripts did not load"
}

case $MODE in
memory)
    COUNT=${1:-100000}
    shift || true
    start_redis "$@"
    python3 tests/bench/store_bench.py memory "$REDIS_PORT" "$COUNT"
    ;;
rewrite)
    COUNT=${1:-100000} RATE=${2:-500} SECONDS_=${3:-20}
    shift 3 || shift $#
    start_redis "$@"
    python3 tests/bench/store_bench.py rewrite "$REDIS_PORT" "$COUNT" "$RATE" "$SECONDS_"
    grep -E 'WARNING|fsync|Background AOF' "$TMP/redis.log" | cut -c1-160 >&2 || true
    ;;
*) die "usage: store.sh memory [COUNT] | rewrite [COUNT] [RATE] [SECONDS] [redis options]" ;;
esac
stop_pid "$REDIS_PID"
