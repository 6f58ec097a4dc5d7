#!/usr/bin/env bash
# Starts the whole answer24 desk on this machine, from a fresh Debian to running:
# installs what is missing, builds, starts a private Redis (AOF, appendfsync always,
# a maxmemory with noeviction, an ACL user `answer24` with a generated password and
# the default user off) with its data under var/, the front end and a worker, creates
# the demo accounts, and prints the addresses. Run it again to restart;
# deploy/stop.sh stops it all.
#
#   A24_HTTP_PORT (8024) and A24_REDIS_PORT (6479) choose the ports,
#   A24_REDIS_MAXMEMORY (1gb) Redis' memory cap.
#
# deploy/start.sh --ha runs Redis highly available instead: a primary (A24_REDIS_PORT),
# a replica (A24_REDIS_REPLICA_PORT, 6480) and three Redis Sentinels
# (A24_SENTINEL_PORTS, "26479 26480 26481") from the templates in deploy/ha/, copied
# once into var/ha/ (Redis and Sentinel rewrite their copies at a failover), and the
# programs find the primary through the sentinels (redis.sentinels in var/answer24.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
ha=no
if [ "${1:-}" = "--ha" ]; then ha=yes; shift; fi
http_port=${A24_HTTP_PORT:-8024}
redis_port=${A24_REDIS_PORT:-6479}
redis_maxmemory=${A24_REDIS_MAXMEMORY:-1gb}
replica_port=${A24_REDIS_REPLICA_PORT:-6480}
sentinel_ports=${A24_SENTINEL_PORTS:-26479 26480 26481}

deploy/install-deps.sh
echo "answer24: building" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DA24_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

deploy/stop.sh --quiet || true
mkdir -p var/redis var/log var/run
chmod 700 var

# Redis' password for answer24, generated once and kept (0600) for every restart.
umask 077
if [ ! -s var/redis.password ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/redis.password
    echo >> var/redis.password
fi
redis_password=$(head -n1 var/redis.password)
# The ACL: the default user is off; answer24 may run everything but reconfigure,
# flush, replicate or stop Redis. The file holds the password's SHA-256, not the password.
cat > var/redis.acl <<EOA
user default off
user answer24 on #$(printf '%s' "$redis_password" | sha256sum | cut -d' ' -f1) ~* &* +@all -flushall -flushdb -config -debug -shutdown -acl -module -monitor -replicaof -slaveof -failover -swapdb -migrate
EOA
if [ "$ha" = yes ]; then # the replica's and the sentinels' users, same password
    sed "s/@HASH@/$(printf '%s' "$redis_password" | sha256sum | cut -d' ' -f1)/" \
        deploy/ha/users.acl >> var/redis.acl
fi
umask 022

config=var/answer24.yaml
if [ -f "$config" ] && ! grep -q '^  password_file:' "$config"; then
    # A configuration from before Redis had a password: sign in from now on.
    sed -i "/^redis:/a\\  password_file: ${root}/var/redis.password\\n  username: answer24" "$config"
fi
if [ ! -f "$config" ]; then
    # The webhook signing key (alerts.webhook_secret): add webhooks under alerts and
    # give this secret to their receivers (README, "Alerts and webhooks").
    webhook_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    cat > "$config" <<EOC
# The local desk's configuration, written by deploy/start.sh on first start.
# Every key is explained in deploy/answer24.example.yaml.
http:
  listen: 127.0.0.1:${http_port}
  static_dir: ${root}/service/web
redis:
  url: redis://127.0.0.1:${redis_port}/0
  password_file: ${root}/var/redis.password
  username: answer24
secrets:
  key_file: ${root}/var/secret.key
screening:
  data_dir: ${root}/proto/data
alerts:
  webhooks: []
  webhook_secret: "${webhook_secret}"
EOC
    chmod 600 "$config"
fi

# The sentinels' addresses in var/answer24.yaml with --ha, and only then.
sed -i '/^  # ha: begin/,/^  # ha: end/d' "$config"
if [ "$ha" = yes ]; then
    list=$(for p in $sentinel_ports; do printf '127.0.0.1:%s, ' "$p"; done)
    sed -i "/^redis:/a\\  # ha: begin (deploy/start.sh --ha; the url's host and port are not used)\\n  sentinels: [${list%, }]\\n  sentinel_password: ${redis_password}\\n  # ha: end" "$config"
    chmod 600 "$config"
fi

if [ "$ha" = no ]; then
    redis-server deploy/redis.conf --port "$redis_port" --dir "$root/var/redis" --daemonize yes \
        --pidfile "$root/var/run/redis.pid" --logfile "$root/var/log/redis.log" \
        --aclfile "$root/var/redis.acl" --maxmemory "$redis_maxmemory"
else
    deploy/ha/start-redis.sh "$root" "$redis_password" "$redis_port" "$replica_port" \
        "$redis_maxmemory" "$sentinel_ports"
fi
rping() { REDISCLI_AUTH=$redis_password redis-cli --user answer24 -p "$redis_port" ping 2>/dev/null | grep -q PONG; }
for _ in $(seq 50); do
    rping && break
    sleep 0.1
done
rping || { echo "answer24: Redis did not start (var/log/redis.log)" >&2; exit 1; }

# Texts are sealed under a rotated key from the first start on (answer24ctl keys rotate).
if [ ! -f var/secret.key.ring ]; then
    build/bin/answer24ctl --config "$config" keys rotate >/dev/null
fi

start() { # name, command...
    local name=$1; shift
    nohup "$@" >>"var/log/$name.log" 2>&1 &
    echo $! > "var/run/$name.pid"
}
start web build/bin/answer24-web --config "$config"
start worker build/bin/answer24-worker --config "$config"

for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:${http_port}/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:${http_port}/readyz" >/dev/null || { echo "answer24: the front end is not ready (var/log/web.log)" >&2; exit 1; }

# Demo accounts, created once (answer24ctl refuses a name that exists).
demo_accounts=""
if build/bin/answer24ctl --config "$config" user list >/dev/null 2>&1; then
    add() { # username password role [options]
        local u=$1 p=$2 r=$3; shift 3
        if printf '%s\n' "$p" | build/bin/answer24ctl --config "$config" user add --username "$u" \
            --role "$r" "$@" --password-stdin >/dev/null 2>&1; then :; fi
        demo_accounts+="    $u / $p ($r)"$'\n'
    }
    add expert demo-expert-24 expert --categories depression,anxiety,stress,sleep,family,disaster,other --languages ko,zh,en
    add supervisor demo-supervisor-24 supervisor --categories depression,anxiety,stress,sleep,family,disaster,other --languages ko,zh,en
    add oncall demo-oncall-24 oncall
    add admin demo-admin-24 admin
fi

cat <<EOM

answer24 is running.
  Citizens:        http://127.0.0.1:${http_port}/
  Expert console:  http://127.0.0.1:${http_port}/console
  On-call:         http://127.0.0.1:${http_port}/oncall
  Metrics:         http://127.0.0.1:${http_port}/metrics
  Redis:           127.0.0.1:${redis_port} (data in var/redis, AOF on, maxmemory ${redis_maxmemory},
                   user answer24, password in var/redis.password)
  Logs:            var/log/   Stop: ./deploy/stop.sh
EOM
if [ "$ha" = yes ]; then
    cat <<EOM
  High availability: replica 127.0.0.1:${replica_port} (data in var/ha/redis-${replica_port}),
                   sentinels on ${sentinel_ports} (state in var/ha/); the programs ask them
                   for the primary (now $(curl -fs "http://127.0.0.1:${http_port}/readyz" | sed -n 's/.*"primary": *"\([^"]*\)".*/\1/p'))
EOM
fi
if [ -n "$demo_accounts" ]; then
    printf '  Demo accounts (local only; change them before real use):\n%s' "$demo_accounts"
fi
