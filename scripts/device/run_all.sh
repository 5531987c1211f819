#!/usr/bin/env bash
# Every GPU check of the project in one command, on the GPU machine, from the
# repository root with build-device/ carried (made on the development machine by
#   bash scripts/device/prepare.sh
# ). The checks it runs live in test/Integration/GPU/ (README.md there), the
# benchmarks in benchmarks/. Logs and JSON results go to $OUT; each part's
# summary is printed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${OUT:-/tmp/samoyeds_out}"
mkdir -p "$OUT"
status=0
echo "== cuSPARSELt shim (benchmarks/cusparselt)"
bash benchmarks/cusparselt/build.sh /tmp/cslt > "$OUT/cslt_build.txt" 2>&1 || { echo "cuSPARSELt shim build failed:"; tail -5 "$OUT/cslt_build.txt"; }
export SAMOYEDS_CSLT_LIB=/tmp/cslt/libcslt_shim.so
echo "== ssmm: sanitizers, sweep, timing"
bash test/Integration/GPU/run_ssmm.sh > "$OUT/ssmm_all.txt" 2>&1 || status=1
grep -E "memcheck|racecheck|synccheck|^FAIL" "$OUT/ssmm_all.txt"; sed -n '/^| kernel/,$p' "$OUT/ssmm_all.txt" | head -100
tail -1 "$OUT/ssmm_all.txt"
echo "== routing kernels"
python3 test/Integration/GPU/routing_check.py --dir build-device --bench --json "$OUT/routing.json" \
  > "$OUT/routing_log.txt" 2>&1 || status=1
grep -E "^FAIL" "$OUT/routing_log.txt" | head; tail -12 "$OUT/routing_log.txt"
echo "== whole layers"
python3 test/Integration/GPU/moe_check.py --json "$OUT/moe.json" > "$OUT/moe_log.txt" 2>&1 || status=1
grep -E "^FAIL" "$OUT/moe_log.txt" | head; sed -n '/^Expert weights/,$p' "$OUT/moe_log.txt"
echo "== decode: whole layers in CUDA-graph replay, L2 flushed (benchmarks/decode_bench.py)"
python3 benchmarks/decode_bench.py --dir build-device --json "$OUT/decode.json" \
  > "$OUT/decode_log.txt" 2>&1 || status=1
grep -E "^FAIL" "$OUT/decode_log.txt" | sort -u | head -20; grep -E "^[0-9]+ passed" "$OUT/decode_log.txt"
grep -q "^Decode layers in CUDA-graph replay" "$OUT/decode_log.txt" \
  && sed -n '/^Decode layers in CUDA-graph replay/,$p' "$OUT/decode_log.txt" || tail -20 "$OUT/decode_log.txt"
echo "== python package on torch"
SAMOYEDS_CACHE_DIR=build-device/pytest-cache SAMOYEDS_LIB_DIR=build-device/lib \
  python3 -m pytest -q -p no:cacheprovider python/tests/test_torch.py > "$OUT/pytest_torch.txt" 2>&1 || status=1
tail -3 "$OUT/pytest_torch.txt"
echo "== torch custom op, CUDA graph capture and replay, torch.compile"
SAMOYEDS_LIB_DIR=build-device/lib python3 test/Integration/GPU/graph_check.py --cache build-device/pytest-cache \
  > "$OUT/graph_log.txt" 2>&1 || status=1
grep -E "^(ok|FAIL)" "$OUT/graph_log.txt"; tail -1 "$OUT/graph_log.txt"
echo "== SamoyedsMoE.from_hf on transformers' own MoE blocks"
python3 test/Integration/GPU/hf_check.py --dir build-device > "$OUT/hf_log.txt" 2>&1 || status=1
grep -E "^(ok|FAIL)" "$OUT/hf_log.txt"; tail -1 "$OUT/hf_log.txt"
echo "== overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
