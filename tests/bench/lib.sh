# Shared by the benchmark scripts (sourced, not run): process bookkeeping and CPU
# accounting. The caller keeps the pids it started in the array PIDS and stops them in
# its own cleanup trap.

# The start a benchmark script makes right after sourcing this file: strict mode, the
# repository's root as the working directory (and ROOT), and none of the ANSWER24_*
# variables it was started with, so that only what the script sets configures the
# programs it runs.
bench_prelude() {
    set -euo pipefail
    cd "$(dirname "${BASH_SOURCE[0]}")/../.."
    ROOT=$PWD
    local v
    for v in $(compgen -e); do
        if [[ $v == ANSWER24_* ]]; then
            unset "$v"
        fi
    done
}

# A port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls a command until it succeeds, for at most $1 tenths of a second.
wait_for() {
    local tries=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Drops a reaped pid from PIDS, so that cleanup never signals a recycled pid.
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    PIDS=("${keep[@]}")
}

# Sends SIGTERM to $1 and waits up to 10 s; sets STOPPED to its exit status (128+n:
# killed by signal n, e.g. 134 = SIGABRT), or "hung" when it had to be killed.
stop_pid() {
    local pid=$1 tries=100
    STOPPED=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
        tries=$((tries - 1))
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        forget "$pid"
        STOPPED=hung
        return
    fi
    wait "$pid" 2>/dev/null || STOPPED=$?
    forget "$pid"
}

# Runs a command in the background and waits for it, so that a signal (a time limit,
# Ctrl-C) reaches the trap at once instead of after the command (bash defers traps
# during a foreground job); cleanup stops it by its pid.
bounded() {
    "$@" &
    local pid=$! rc=0
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget "$pid"
    return "$rc"
}

HZ=$(getconf CLK_TCK)

# user+system CPU seconds process $1 has used so far (0 for none or a process gone).
cpu_secs() {
    [ -n "${1:-}" ] || { echo 0; return; }
    awk -v hz="$HZ" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# CPU seconds the whole machine has been busy in processes, or stolen by the hypervisor
# (all cores; interrupt time, mostly our own loopback traffic, is left out).
busy_secs() { awk -v hz="$HZ" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $9) / hz }' /proc/stat; }

# Redis' own CPU seconds so far (INFO cpu: used_cpu_sys + used_cpu_user) of the server
# on 127.0.0.1 port $1.
redis_cpu_secs() {
    redis-cli -h 127.0.0.1 -p "$1" INFO cpu | tr -d '\r' |
        awk -F: '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { n += $2 } END { printf "%.6f", n }'
}

# Stops every pid in PIDS for the caller's cleanup trap: SIGTERM first (timeout(1)
# passes it on to its command) and up to $1 tenths of a second to end, then SIGKILL
# what is left (at once, without SIGTERM, when $1 is 0); reaps them all.
stop_all() {
    local tries=$1 pid alive
    if [ "$tries" -gt 0 ]; then
        for pid in "${PIDS[@]}"; do
            kill -TERM "$pid" 2>/dev/null || true
        done
        while [ "$tries" -gt 0 ]; do
            alive=0
            for pid in "${PIDS[@]}"; do
                kill -0 "$pid" 2>/dev/null && alive=1
            done
            [ "$alive" = 1 ] || break
            tries=$((tries - 1))
            sleep 0.1
        done
    fi
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}

# Makes the private temporary directory $TMP (named after $1) and the empty list of
# pids PIDS, and cleans both up at exit (bench_cleanup: stop_all with $2 tenths of a
# second of grace, then $TMP removed); Ctrl-C and SIGTERM exit with 130. A caller with
# more to clean sets its own EXIT trap that calls bench_cleanup.
start_bench() {
    TMP=$(mktemp -d "/tmp/$1.XXXXXX")
    PIDS=()
    BENCH_GRACE=$2
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    stop_all "$BENCH_GRACE"
    rm -rf "$TMP"
}

# Sets NOISY=1 (and says so) when other processes used more than 15% of a core during
# a run: $1 is that share in percent, $2 names the run.
check_noisy() {
    if [ "$1" -gt 15 ]; then
        say "!! $2: other processes used $1% of a core during the run; its figures are unreliable"
        NOISY=1
    fi
}

# The last lines of a benchmark's report: a word when the machine was loaded (NOISY=1),
# exit 1 when anything looked wrong (FAILED=1; the lines marked !! say what).
verdict() {
    [ "$NOISY" = 0 ] || echo "NOISY: other processes loaded the machine during $1 (the last CPU figure); measure again on a quiet machine"
    if [ "$FAILED" != 0 ]; then
        echo "SUSPICIOUS: see the lines marked !! above"
        exit 1
    fi
}

# Wall-clock seconds, with nanoseconds.
now_secs() { date +%s.%N; }

# a-b, to two decimals.
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# a/b as a whole percentage.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b * 100 : 0) }'; }

# redis-cli against the run's Redis on 127.0.0.1 port $REDIS_PORT.
rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# A field of INFO (e.g. used_memory), or 0.
redis_info() { rcli INFO all | tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
