#!/usr/bin/env bash
# Runs the whole answer24 test suite: installs what is missing, builds the sanitizer
# build (AddressSanitizer + UndefinedBehaviorSanitizer) in build-test/, and runs every
# test ctest knows: unit, integration, fault, browser, fuzz (where clang is) and
# package.
#
#   tests/run.sh                 everything
#   tests/run.sh -L unit         only one label (any ctest arguments pass through)
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh --test
if [ -f tests/browser/package.json ]; then
    (cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent; })
fi

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Sanitize >/dev/null
cmake --build build-test -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build-test
ctest --output-on-failure -j2 --timeout 600 "$@"
