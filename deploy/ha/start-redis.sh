#!/usr/bin/env bash
# Starts the HA set for deploy/start.sh --ha: the primary and the replica, then the
# three sentinels, each from its copy in var/ha/ (made once from the templates beside
# this script; Redis and Sentinel rewrite their copies when they fail over, and those
# copies, not the templates, say who is the primary now).
#
#   start-redis.sh ROOT PASSWORD PRIMARY_PORT REPLICA_PORT MAXMEMORY "SENTINEL_PORTS"
set -euo pipefail
root=$1 password=$2 primary_port=$3 replica_port=$4 maxmemory=$5 sentinel_ports=$6
ha=$root/var/ha
mkdir -p "$ha" "$ha/redis-$replica_port" "$root/var/redis"
umask 077

copy() { # template, destination, port, data dir
    [ -f "$2" ] || sed -e "s#@ROOT@#$root#g" -e "s#@PASSWORD@#$password#g" \
        -e "s#@PRIMARY_PORT@#$primary_port#g" -e "s#@PORT@#$3#g" -e "s#@DIR@#$4#g" \
        "$root/deploy/ha/$1" > "$2"
}
copy primary.conf "$ha/redis-$primary_port.conf" "$primary_port" "$root/var/redis"
copy replica.conf "$ha/redis-$replica_port.conf" "$replica_port" "$ha/redis-$replica_port"

instance() { # port, data dir, name
    redis-server "$ha/redis-$1.conf" --port "$1" --dir "$2" --daemonize yes \
        --pidfile "$root/var/run/$3.pid" --logfile "$root/var/log/$3.log" \
        --aclfile "$root/var/redis.acl" --maxmemory "$maxmemory"
}
instance "$primary_port" "$root/var/redis" redis
instance "$replica_port" "$ha/redis-$replica_port" redis-replica

for port in $sentinel_ports; do
    copy sentinel.conf "$ha/sentinel-$port.conf" "$port" "$ha"
    redis-server "$ha/sentinel-$port.conf" --sentinel --daemonize yes \
        --pidfile "$root/var/run/sentinel-$port.pid" --logfile "$root/var/log/sentinel-$port.log"
done

# Ready when a sentinel names a primary that answers as one.
for _ in $(seq 100); do
    for port in $sentinel_ports; do
        addr=$(REDISCLI_AUTH=$password redis-cli -p "$port" sentinel get-master-addr-by-name answer24 2>/dev/null | tr '\n' ' ')
        set -- $addr
        if [ $# -eq 2 ] && REDISCLI_AUTH=$password redis-cli --user answer24 -h "$1" -p "$2" role 2>/dev/null | head -n1 | grep -q master; then
            exit 0
        fi
    done
    sleep 0.1
done
echo "answer24: the sentinels name no primary (var/log/sentinel-*.log, var/log/redis*.log)" >&2
exit 1
