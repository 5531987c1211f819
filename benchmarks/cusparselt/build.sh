#!/usr/bin/env bash
# Builds libcslt_shim.so on the GPU machine against the pip package
# nvidia-cusparselt-cu13 (header and libcusparseLt.so.0). Prints the library's
# path on success; exits non-zero (and the benchmark reports cuSPARSELt as
# unavailable) otherwise.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUTDIR="${1:-/tmp/cslt}"
mkdir -p "$OUTDIR"
PKG=$(python3 -c 'import nvidia.cusparselt as m, os; print(list(m.__path__)[0])')
INC=$(dirname "$(find "$PKG" -name cusparseLt.h | head -1)")
LIB=$(dirname "$(find "$PKG" -name 'libcusparseLt.so*' | head -1)")
nvcc -O2 -std=c++17 -shared -Xcompiler -fPIC -I"$INC" "$HERE/cslt_shim.cpp" \
  -L"$LIB" -l:libcusparseLt.so.0 -Xlinker -rpath="$LIB" -o "$OUTDIR/libcslt_shim.so"
echo "$OUTDIR/libcslt_shim.so"
