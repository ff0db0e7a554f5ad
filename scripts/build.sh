#!/usr/bin/env bash
# Configures and builds Inkstone: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# Default BUILD_DIR is build/release (Release, -O3, runtime AVX-512/AVX2 dispatch).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/release}
shift || true
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
