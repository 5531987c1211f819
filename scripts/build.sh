#!/usr/bin/env bash
# Configures (once) and builds everything into ./build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SAMOYEDS_BUILD_DIR:-$ROOT/build}"
export PATH="/usr/local/cuda/bin:$PATH"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
        -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
fi
ninja -C "$BUILD" -j"$(nproc)"
