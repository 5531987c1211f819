#!/usr/bin/env bash
# On the GPU machine (cmake, nvcc, torch; no MLIR), from the repository root:
#     bash scripts/gpu_smoke/run_on_gpu.sh
# 1. builds libsamoyeds_runtime.so (cmake; a direct g++ build if cmake fails),
# 2. runs its C self-test against the real driver,
# 3. links artifacts/saxpy_host.o (made by build.sh on the development
#    machine) with the runtime into libsaxpy_smoke.so,
# 4. runs smoke.py: the generated _mlir_ciface_* entry points called through
#    ctypes on torch CUDA tensors, the error API, streams, graph capture, and
#    hand-driven cubin/PTX loading.
# The log goes to $OUT/smoke_log.txt when $OUT is set (device tool), else to
# /tmp/gpu_smoke_out. Exit code 0 only if every stage passes.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD="${SAMOYEDS_RT_BUILD:-/tmp/rt}"
LOG_DIR="${OUT:-/tmp/gpu_smoke_out}"
mkdir -p "$LOG_DIR" "$BUILD"
exec > >(tee "$LOG_DIR/smoke_log.txt") 2>&1
export PYTHONUNBUFFERED=1
if [ -z "${CUDA_HOME:-}" ]; then
  if command -v nvcc >/dev/null; then
    CUDA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")"
  else
    CUDA_HOME=/usr/local/cuda
  fi
fi
export PATH="$CUDA_HOME/bin:$PATH"

status=0
echo "== environment ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nvcc --version | tail -1 || true
cmake --version | head -1 || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' || true

echo "== build samoyeds_runtime"
if ! { cmake -S runtime -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
         -DCUDAToolkit_ROOT="$CUDA_HOME" &&
       cmake --build "$BUILD" -j16; }; then
  echo "cmake build failed; building directly with g++"
  status=1
  g++ -std=c++17 -O2 -fPIC -shared -fvisibility=hidden \
      -Iruntime/include -Iruntime/lib -I"$CUDA_HOME/include" \
      runtime/lib/Runtime.cpp runtime/lib/MgpuWrappers.cpp \
      -Wl,--version-script=runtime/lib/exports.map \
      -L"$CUDA_HOME/lib64/stubs" -lcuda -o "$BUILD/libsamoyeds_runtime.so" || exit 1
  gcc -std=c99 -Iruntime/include runtime/test/selftest.c \
      -L"$BUILD" -lsamoyeds_runtime -Wl,-rpath,"$BUILD" \
      -o "$BUILD/samoyeds_runtime_selftest" || exit 1
fi

echo "== runtime self-test (real driver)"
"$BUILD/samoyeds_runtime_selftest" || status=1

echo "== link the generated host object with the runtime"
c++ -shared -o "$BUILD/libsaxpy_smoke.so" \
    scripts/gpu_smoke/artifacts/saxpy_host.o \
    -L"$BUILD" -lsamoyeds_runtime -Wl,-rpath,"$BUILD" -Wl,--no-undefined || exit 1

echo "== smoke.py"
python3 scripts/gpu_smoke/smoke.py --lib "$BUILD/libsaxpy_smoke.so" \
    --cubin scripts/gpu_smoke/artifacts/saxpy_kernels.cubin \
    --ptx scripts/gpu_smoke/artifacts/saxpy_kernels.ptx \
    --tmpdir "$BUILD" || status=1

echo "== overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
