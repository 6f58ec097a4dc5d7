#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a while.
#
#   tests/fuzz/run.sh                  every target, 60 s each
#   tests/fuzz/run.sh -t 20 question   one target, 20 s
#
# Targets: question (proto/codec.c), config (proto/config.c), screening
# (proto/screening.c), request (one whole HTTP/1 request through the front end).
# The build goes to $A24_FUZZ_BUILD_DIR (default build-fuzz/). Each target starts from
# tests/fuzz/corpus/<target>/ and keeps what it learns in the build directory, not in
# the source tree; a crash leaves crash-* there and ends the run with a failure.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
seconds=60
while getopts "t:" opt; do
    case "$opt" in
        t) seconds="$OPTARG" ;;
        *) echo "usage: $0 [-t seconds] [target...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(question config screening request)

cc="$(command -v clang || command -v clang-14 || true)"
if [ -z "$cc" ]; then
    echo "fuzz: clang is not installed (deploy/install-deps.sh --test installs it)" >&2
    exit 2
fi
build="${A24_FUZZ_BUILD_DIR:-$src/build-fuzz}"
CC="$cc" cmake -S "$src" -B "$build" -DA24_FUZZ=ON -DA24_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

# Configuration from the environment would change what the config target sees.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(ANSWER24_[A-Z0-9_]*\)=.*/\1/p')
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1"

status=0
for t in "${targets[@]}"; do
    work="$build/fuzz/work-$t"
    mkdir -p "$work/corpus"
    echo "fuzz: $t for ${seconds}s"
    # -rss_limit_mb: ASan's shadow memory counts; -timeout: one input may not hang.
    if ! (cd "$work" && "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
            -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
            corpus "$src/tests/fuzz/corpus/$t" 2>"$work/log"); then
        echo "fuzz: $t FAILED; see $work/log and $work/crash-*" >&2
        tail -n 40 "$work/log" >&2
        status=1
    else
        grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$work/log" |
            sed "s/^/fuzz: $t /"
    fi
done
exit $status
