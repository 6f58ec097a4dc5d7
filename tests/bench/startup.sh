#!/usr/bin/env bash
# startup.sh: how long Redis and each answer24 program take to start with COUNT open
# tickets (default 1 000 000) in Redis (tests/bench/startup_bench.py does the work).
#
#   tests/bench/startup.sh [COUNT]
#
# Not part of the test suite. Builds Release programs into build-bench/ and removes its
# temporary directory afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=$ROOT/build-bench
COUNT=${1:-1000000}
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DA24_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 >/dev/null
TMP=$(mktemp -d /tmp/a24-startup.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 tests/bench/startup_bench.py "$BUILD/bin" "$TMP" "$COUNT"
