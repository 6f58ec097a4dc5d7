#!/usr/bin/env bash
# Stops what deploy/start.sh started: the front end and worker first (they finish
# what is in flight on SIGTERM), then Redis, which writes its AOF before it exits.
# After deploy/start.sh --ha: the sentinels before the Redis instances (a sentinel
# that saw the primary stop would fail over), then the replica, then the primary.
set -uo pipefail
cd "$(dirname "$0")/.."
quiet=${1:-}

stop_pid() { # pidfile
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$f"
}
stop_pid var/run/web.pid
stop_pid var/run/worker.pid
for f in var/run/sentinel-*.pid; do stop_pid "$f"; done
stop_pid var/run/redis-replica.pid
stop_pid var/run/redis.pid
[ "$quiet" = "--quiet" ] || echo "answer24: stopped"
