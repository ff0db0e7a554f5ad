#!/usr/bin/env bash
# Quick start (b): install dependencies, build, and run the whole test suite through ctest.
#   scripts/test.sh              Release build, unit + e2e tests
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build, unit tests
# e2e tests read MNIST from INKSTONE_DATA; when it is unset, MNIST is fetched into the user
# cache first (inkstone data download mnist) and INKSTONE_DATA points there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install_deps.sh"
if [ "${1:-}" = "--sanitize" ]; then
  dir="$root/build/sanitize"
  "$root/scripts/build.sh" "$dir" -DINKSTONE_SANITIZE=ON -DINKSTONE_BUILD_BENCH=OFF
  cd "$dir"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
  exec ctest -L unit --output-on-failure -j"$(nproc)" --timeout 900
fi
dir="$root/build/release"
"$root/scripts/build.sh" "$dir"
if [ -z "${INKSTONE_DATA:-}" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/inkstone"
  "$dir/inkstone" data download mnist
  export INKSTONE_DATA="$cache"
fi
export INKSTONE_DATA=$(cd "$INKSTONE_DATA" && pwd)
cd "$dir"
# Unit tests in parallel; e2e tests (training on real data, each using every core) one at a time.
ctest -L unit --output-on-failure -j"$(nproc)" --timeout 900
exec ctest -L e2e --output-on-failure --timeout 2400
