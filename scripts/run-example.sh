#!/usr/bin/env bash
# The main job: builds Samoyeds, compiles the example MoE layer
# (examples/mixtral.mlir: a Mixtral-8x7B layer, experts packed 1:2 / V=128)
# into PTX, sm_90a cubins and a host shared library with a C entry point, and
# runs a small Mixtral-style samoyeds.moe layer through samoyeds-cpu-pipeline,
# checking its output against an independent numpy reference.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SAMOYEDS_BUILD_DIR:-$ROOT/build}"
OUTDIR="${1:-$ROOT/out/mixtral}"
bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/build.sh"
export PATH="$BUILD/bin:/usr/lib/llvm-22/bin:/usr/local/cuda/bin:$PATH"
echo "== compile examples/mixtral.mlir -> $OUTDIR"
samoyeds-compile "$ROOT/examples/mixtral.mlir" -o "$OUTDIR" --chip sm_90a \
    --runtime-dir "$BUILD/lib"
ls -l "$OUTDIR"
cat "$OUTDIR"/*.manifest.json
echo "== run a Mixtral-style samoyeds.moe layer on the CPU (reference semantics)"
/usr/bin/python3 "$ROOT/examples/run_cpu_moe.py" --build "$BUILD"
