#!/usr/bin/env bash
# Installs the Debian packages answer24 builds, runs and tests with, if any is missing.
#
#   deploy/install-deps.sh            what the desk needs to build and run
#   deploy/install-deps.sh --test     plus what the test suite needs
#   deploy/install-deps.sh --bench    plus the benchmark's load generator
#
# Needs root (or sudo) only when something is actually missing.
set -euo pipefail

packages=(build-essential cmake pkg-config libh2o-dev libuv1-dev libhiredis-dev
          libjansson-dev libsodium-dev libyaml-dev libcurl4-openssl-dev libssl-dev
          libqrencode-dev redis-server redis-tools python3 curl ca-certificates)
for arg in "$@"; do
    case "$arg" in
        --test)
            # fonts-noto-cjk: Korean and Chinese pages render (and reflow) for real.
            packages+=(libcmocka-dev chromium fonts-noto-cjk)
            # clang with its runtime libraries: the libFuzzer targets (tests/fuzz).
            packages+=(clang libclang-rt-14-dev)
            # Node.js may come from elsewhere (with npm inside it); Debian's otherwise.
            if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
                packages+=(nodejs npm)
            fi
            ;;
        --bench) packages+=(wrk) ;;
        *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "answer24: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
