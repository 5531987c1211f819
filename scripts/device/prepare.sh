#!/usr/bin/env bash
# Everything the GPU run needs, in one command on the development machine:
# builds the compiler, then compiles every kernel and layer the device checks
# (test/Integration/GPU/) and the torch tests run into build-device/ (the folder
# to carry).
#     bash scripts/device/prepare.sh          # then, on the GPU machine:
#     bash scripts/device/run_all.sh
# Scripts run under /usr/bin/python3 (Debian's numpy, and python3-torch for the
# torch tests' cache); the GPU machine's own python3 runs the checks there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY=/usr/bin/python3
bash scripts/install-deps.sh
dpkg -s python3-torch >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
bash scripts/build.sh
rm -rf build-device
$PY test/Integration/GPU/gen_ssmm.py --build build --out build-device
$PY test/Integration/GPU/routing_check.py --gen
$PY test/Integration/GPU/moe_check.py --gen          # also the layers of benchmarks/decode_bench.py
$PY test/Integration/GPU/hf_check.py --gen
$PY test/Integration/GPU/precompile_torch_tests.py --build build --out build-device
du -sh build-device
