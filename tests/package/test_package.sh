#!/usr/bin/env bash
# Builds the Debian package with CPack (a release build installed under /usr) and
# checks it: unpacked into a scratch root it holds the three programs, the pages and
# data, the hardened units (systemd-analyze verify) and the example configuration,
# declares its library dependencies, and its programs default to the installed files.
#
#   tests/package/test_package.sh [WORKDIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d)}
build=$work/build
root=$work/root
fail() { echo "package: FAIL: $*" >&2; exit 1; }

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DA24_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DA24_INSTALLED_PATHS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/answer24_*.deb)
echo "package: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

rm -rf "$root" && mkdir -p "$root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/answer24-web usr/bin/answer24-worker usr/bin/answer24ctl \
         usr/share/answer24/web/index.html usr/share/answer24/data/crisis_lines.json \
         lib/systemd/system/answer24-web@.service lib/systemd/system/answer24-worker@.service \
         lib/systemd/system/answer24-redis.service lib/systemd/system/answer24.target \
         etc/answer24/answer24.yaml etc/answer24/redis.conf; do
    [ -e "$root/$f" ] || fail "missing /$f"
done
echo "package: every expected file is in place"

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libh2o libuv1 libhiredis libjansson libsodium libyaml libcurl adduser; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -f "$deb" Conffiles 2>/dev/null | grep -q /etc/answer24/answer24.yaml ||
    dpkg-deb -I "$deb" conffiles | grep -q /etc/answer24/answer24.yaml || fail "no conffiles"
echo "package: dependencies declared: $depends"

help=$("$root/usr/bin/answer24-web" --help)
grep -q "/usr/share/answer24/web" <<<"$help" || fail "the front end does not default to the installed pages"
grep -q "/usr/share/answer24/data" <<<"$help" || fail "the front end does not default to the installed data"
"$root/usr/bin/answer24ctl" --help >/dev/null || fail "answer24ctl --help"
"$root/usr/bin/answer24-worker" --help >/dev/null || fail "answer24-worker --help"
echo "package: the programs run and default to the installed files"

for unit in answer24-web@.service answer24-worker@.service; do
    for key in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes "CapabilityBoundingSet=$" LimitNOFILE=; do
        grep -q "^$key" "$root/lib/systemd/system/$unit" || fail "$unit lacks $key"
    done
done
if command -v systemd-analyze >/dev/null; then
    # verify resolves ExecStart= against the real /usr/bin: point it at the unpacked tree.
    units=$work/units && rm -rf "$units" && mkdir -p "$units"
    for u in "$root"/lib/systemd/system/*; do
        sed "s#/usr/bin/answer24#$root/usr/bin/answer24#" "$u" > "$units/$(basename "$u")"
    done
    (cd "$units" && cp answer24-web@.service answer24-web@1.service &&
        cp answer24-worker@.service answer24-worker@1.service)
    out=$(cd "$units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify \
        answer24-web@1.service answer24-worker@1.service answer24-redis.service \
        answer24.target 2>&1 || true)
    if [ -n "$out" ]; then
        echo "$out" >&2
        fail "systemd-analyze verify"
    fi
    echo "package: systemd-analyze verify is clean"
fi
echo "package: OK"
