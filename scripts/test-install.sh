#!/usr/bin/env bash
# Uses samoyeds the way other projects do, from outside the source tree:
#   1. cmake --install the build into a fresh prefix; the runtimes' headers
#      compile from its include root alone;
#   2. upstream mlir-opt-22 with the installed plugins runs a pipeline, and
#      the C API test builds and runs against the installed libSamoyedsCAPI.so;
#   3. examples/external (find_package(Samoyeds)) configures, builds and runs
#      its own opt tool against the installed tree;
#   4. pip installs python/ (offline) into a fresh venv, bundling the build's
#      compiler and libraries; import, a CPU packing round trip, the
#      installed compiler, and the report of what is missing (the GPU here).
# Needs a built tree (scripts/build.sh). Usage: scripts/test-install.sh [BUILD]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${1:-${SAMOYEDS_BUILD_DIR:-$ROOT/build}}" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/samoyeds-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"
MLIR_OPT=/usr/lib/llvm-22/bin/mlir-opt
LAYER="$ROOT/examples/external/layer.mlir"

echo "-- 1. cmake --install $BUILD --prefix $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
for f in bin/samoyeds-opt lib/SamoyedsDialectPlugin.so lib/SamoyedsPassPlugin.so \
         lib/libMLIRSamoyeds.a lib/cmake/samoyeds/SamoyedsConfig.cmake \
         lib/cmake/samoyeds/SamoyedsTargets.cmake include/samoyeds/InitSamoyeds.h \
         include/samoyeds/Dialect/Samoyeds/IR/SamoyedsOps.h.inc \
         include/samoyeds/Runtime/CUDARuntime.h include/samoyeds/Runtime/MgpuABI.h \
         include/samoyeds/Runtime/CPURuntime.h lib/libsamoyeds_cpu_runtime.so; do
  [ -e "$PREFIX/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
# The runtimes' headers compile from the installed include root alone (the
# GPU runtime's as C, with its self-test as the client).
cc -std=c99 -fsyntax-only -I"$PREFIX/include" "$ROOT/unittests/CUDARuntimeSelftest.c" \
  || { echo "FAIL: the installed samoyeds/Runtime/*.h do not compile as C"; exit 1; }
echo '#include "samoyeds/Runtime/CPURuntime.h"' | c++ -std=c++17 -fsyntax-only -x c++ \
  -I"$PREFIX/include" -I/usr/lib/llvm-22/include - \
  || { echo "FAIL: the installed samoyeds/Runtime/CPURuntime.h does not compile"; exit 1; }

echo "-- 2. upstream mlir-opt + installed plugins: raise + samoyeds-cpu-pipeline"
"$MLIR_OPT" "$LAYER" --load-dialect-plugin="$PREFIX/lib/SamoyedsDialectPlugin.so" \
  --load-pass-plugin="$PREFIX/lib/SamoyedsPassPlugin.so" \
  --pass-pipeline="builtin.module(samoyeds-raise-sparse-matmul,samoyeds-cpu-pipeline)" \
  -o "$WORK/plugin.mlir"
grep -q "llvm.func @proj" "$WORK/plugin.mlir" || { echo "FAIL: no llvm.func @proj"; exit 1; }
if grep -q "samoyeds\.\|sparse_tensor\." "$WORK/plugin.mlir"; then
  echo "FAIL: samoyeds or sparse_tensor ops left"; exit 1
fi

if [ -e "$PREFIX/lib/libSamoyedsCAPI.so" ]; then
  echo "-- 2b. the C API from the installed tree (test/CAPI/samoyeds-capi-test.c)"
  cc -I"$PREFIX/include" -I/usr/lib/llvm-22/include "$ROOT/test/CAPI/samoyeds-capi-test.c" \
    -o "$WORK/capi-test" -L"$PREFIX/lib" -lSamoyedsCAPI -Wl,-rpath,"$PREFIX/lib"
  "$WORK/capi-test" >"$WORK/capi.txt" 2>&1 || { cat "$WORK/capi.txt"; echo "FAIL: C API"; exit 1; }
  grep -q "cpu pipeline parsed: 1, ran: 1" "$WORK/capi.txt" || { echo "FAIL: C API pipeline"; exit 1; }
fi

echo "-- 3. examples/external: find_package(Samoyeds) from $PREFIX"
cmake -G Ninja -S "$ROOT/examples/external" -B "$WORK/external" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" >"$WORK/external.log" 2>&1 \
  || { cat "$WORK/external.log"; echo "FAIL: configuring examples/external"; exit 1; }
ninja -C "$WORK/external" >>"$WORK/external.log" 2>&1 \
  || { tail -40 "$WORK/external.log"; echo "FAIL: building examples/external"; exit 1; }
# (Outputs go to files: grep -q on a pipe would stop the writer early.)
"$WORK/external/my-opt" "$LAYER" --samoyeds-raise-sparse-matmul -o "$WORK/raised.mlir"
grep -q "samoyeds.ssmm" "$WORK/raised.mlir" \
  || { echo "FAIL: my-opt did not raise the sparse matmul"; exit 1; }
"$WORK/external/my-opt" "$LAYER" --samoyeds-raise-sparse-matmul --samoyeds-cpu-pipeline \
  -o "$WORK/lowered.mlir"
grep -q "llvm.call @_mlir_ciface_samoyeds_rt_pack_f32" "$WORK/lowered.mlir" \
  || { echo "FAIL: my-opt samoyeds-cpu-pipeline"; exit 1; }
# Its own binary, not samoyeds-opt: the passes come from the package.
"$WORK/external/my-opt" --help >"$WORK/help.txt"
grep -q -- "--samoyeds-gpu-pipeline" "$WORK/help.txt" \
  || { echo "FAIL: my-opt lacks samoyeds-gpu-pipeline"; exit 1; }

echo "-- 4. pip install python/ into a fresh venv (offline)"
if ! /usr/bin/python3 -m venv --help >/dev/null 2>&1 || ! /usr/bin/python3 -c "import setuptools, wheel" 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip python3-setuptools \
      python3-venv python3-wheel >/dev/null
  else
    echo "FAIL: needs Debian's python3-pip python3-setuptools python3-venv python3-wheel"; exit 1
  fi
fi
/usr/bin/python3 -m venv --system-site-packages "$WORK/venv"   # numpy from Debian
# In-tree setuptools build: copy the package so the source tree stays clean.
cp -r "$ROOT/python" "$WORK/python-src"
rm -rf "$WORK/python-src/build" "$WORK/python-src/samoyeds/_bundle" "$WORK/python-src"/*.egg-info
SAMOYEDS_BUILD_DIR="$BUILD" "$WORK/venv/bin/pip" install -q --no-build-isolation --no-index \
  "$WORK/python-src"
# From a neutral directory, without the build tree's variables: what the
# installed package finds is all it has.
(cd "$WORK" && env -u SAMOYEDS_BUILD_DIR -u SAMOYEDS_LIB_DIR -u PYTHONPATH \
  "$WORK/venv/bin/python" - "$WORK" <<'PY'
import os, subprocess, sys
import numpy as np
import samoyeds
from samoyeds import _install, _paths, capi, compiler

work = sys.argv[1]
site = os.path.dirname(samoyeds.__file__)
assert site.startswith(os.path.join(work, "venv")), f"samoyeds imported from {site}"
lib = capi.library_path()
print("format library:", lib)
assert lib and lib.startswith(site), "the format library is not the installed one"

# CPU packing round trip through the installed C library and the numpy packer.
rng = np.random.default_rng(7)
w = rng.standard_normal((64, 128)).astype(np.float32)
fmt = samoyeds.Format(1, 2, 64)
p_c = samoyeds.pack(w, fmt, backend="capi")
p_n = samoyeds.pack(w, fmt, backend="numpy")
for a, b in zip((p_c.values, p_c.meta, p_c.rowidx), (p_n.values, p_n.meta, p_n.rowidx)):
    assert np.array_equal(np.asarray(a), np.asarray(b)), "capi and numpy packs differ"
d = samoyeds.unpack(p_c.values, p_c.meta, p_c.rowidx, fmt, w.shape)
again = samoyeds.pack(d, fmt, backend="capi")
assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip((again.values, again.meta, again.rowidx), (p_c.values, p_c.meta, p_c.rowidx)))
kept = d != 0
assert np.array_equal(d[kept], w[kept]) and kept.sum() == w.size // 4, "round trip lost values"
print("pack/unpack round trip: ok (25 % kept, capi == numpy)")

# The installed compiler: found without SAMOYEDS_BUILD_DIR, and it runs.
comp = compiler.find_compiler()
opt = _paths.find_tool("samoyeds-opt")
assert comp and comp.startswith(site) and opt and opt.startswith(site), (comp, opt)
layer = os.path.join(work, "moe.mlir")
with open(layer, "w") as f:
    f.write(samoyeds.moe_mlir(samoyeds.MoEConfig(hidden=128, ffn=128, experts=4, top_k=2)))
r = subprocess.run([opt, "--samoyeds-cpu-pipeline", layer], capture_output=True, text=True)
assert r.returncode == 0 and "llvm.func @moe_layer" in r.stdout, r.stderr[-2000:]
print("installed samoyeds-opt:", opt)
# With ptxas and LLVM's tools present, the installed samoyeds-compile builds a
# whole layer (PTX, host code, .so linked to the bundled GPU runtime).
try:
    _install.require(compiler=True)
except _install.MissingComponentError as e:
    print("compile_layer skipped:", e)
else:
    art = compiler.compile_layer(samoyeds.MoEConfig(hidden=128, ffn=128, experts=4, top_k=2),
                                 out_dir=os.path.join(work, "cache"))
    assert os.path.isfile(art.so) and art.ptx, art
    print("compile_layer with the installed compiler:", os.path.basename(art.so))

# What is missing is said by name (here: no GPU).
st = _install.status()
for name, (path, problem) in st.items():
    print(("missing  " if problem else "ok       ") + name + (": " + problem if problem else ""))
gpu_problem = st["GPU"][1]
try:
    _install.require(gpu=True)
    assert gpu_problem is None
except _install.MissingComponentError as e:
    assert gpu_problem and "GPU" in str(e), e
    print("require(gpu=True):", e)
PY
) || { echo "FAIL: the installed Python package"; exit 1; }
echo "-- 5. the same package built without a build tree: it says what is missing"
"$WORK/venv/bin/pip" uninstall -q -y samoyeds
rm -rf "$WORK/python-src/build" "$WORK/python-src"/*.egg-info
env -u SAMOYEDS_BUILD_DIR "$WORK/venv/bin/pip" install -q --no-build-isolation --no-index \
  "$WORK/python-src"
(cd "$WORK" && env -u SAMOYEDS_BUILD_DIR -u SAMOYEDS_LIB_DIR -u SAMOYEDS_PREFIX -u PYTHONPATH \
  PATH=/usr/bin:/bin "$WORK/venv/bin/python" - <<'PY'
import numpy as np
import samoyeds
from samoyeds import _install
w = np.random.default_rng(1).standard_normal((8, 64)).astype(np.float32)
p = samoyeds.pack(w, samoyeds.Format(1, 2, 64))   # numpy packer: no library needed
assert samoyeds.unpack(p.values, p.meta, p.rowidx, p.fmt, w.shape).shape == w.shape
try:
    _install.require(compiler=True)
    raise SystemExit("FAIL: require(compiler=True) passed without a compiler")
except _install.MissingComponentError as e:
    msg = str(e)
    assert "samoyeds-opt: not found" in msg and "samoyeds-compile: not found" in msg, msg
    print("without a build tree:", msg)
try:
    samoyeds.compile_layer(samoyeds.MoEConfig(hidden=128, ffn=128, experts=4, top_k=2),
                           out_dir="cache-without-compiler")
    raise SystemExit("FAIL: compile_layer without a compiler")
except FileNotFoundError as e:
    assert "samoyeds-compile not found" in str(e), e
PY
) || { echo "FAIL: the package without a bundled compiler"; exit 1; }
echo "test-install: ok"
