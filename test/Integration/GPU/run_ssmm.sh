#!/usr/bin/env bash
# On the GPU machine, from the repository root, with build-device/ carried
# (made here by: python3 test/Integration/GPU/gen_ssmm.py --build build --out build-device):
#     bash test/Integration/GPU/run_ssmm.sh
# Runs compute-sanitizer memcheck, racecheck and synccheck on one mid-size case, then the
# correctness sweep and the timing table (printed last). Logs go to $OUT.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
OUT="${OUT:-/tmp/samoyeds_out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PATH="/usr/local/cuda/bin:$PATH"
status=0
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
# The mma.sp kernel and the warp-specialised wgmma.sp kernel (its mbarrier
# ring and producer warpgroup, docs/kernel.md section 17).
for CASE in sweep_bf16_1024x1024_n1m2v128 sweep_bf16_1024x1024_n1m2v128_familywgmma_sp_schedulewarp_specialized; do
for tool in memcheck racecheck synccheck; do
  echo "== compute-sanitizer --tool $tool ($CASE, T=256)"
  # API errors are not reported: the runtime checks every driver call itself
  # (and the check reads its sticky error), and its parameter-count probe ends
  # on one out-of-range index per kernel by design (lib/Runtime/CUDA/Runtime.cpp).
  if compute-sanitizer --tool "$tool" --report-api-errors no --error-exitcode 9 python3 test/Integration/GPU/ssmm_check.py \
       --single "$CASE" > "$OUT/sanitizer_${tool}_$CASE.txt" 2>&1; then
    echo "$tool: clean"; tail -2 "$OUT/sanitizer_${tool}_$CASE.txt"
  else
    echo "$tool: FAILED"; tail -30 "$OUT/sanitizer_${tool}_$CASE.txt"; status=1
  fi
done
done
echo "== correctness sweep and timing"
python3 test/Integration/GPU/ssmm_check.py --json "$OUT/ssmm_results.json" 2>&1 | tee "$OUT/ssmm_log.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
exit $status
