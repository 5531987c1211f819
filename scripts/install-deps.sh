#!/usr/bin/env bash
# Installs what building and testing Samoyeds needs on Debian 12: LLVM/MLIR 22,
# the build tools, GoogleTest, and the Python packages the tests use (numpy,
# pytest, and Debian's CPU torch for the torch parts of the package tests).
# CUDA 13 (/usr/local/cuda: ptxas, headers, libcuda stubs) is expected to be
# there already; without it the GPU runtime and the ptxas tests are skipped.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
need=()
for p in cmake ninja-build ccache g++ libmlir-22-dev mlir-22-tools llvm-22-dev \
         llvm-22-tools libgtest-dev python3-numpy python3-pytest python3-torch; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x /usr/local/cuda/bin/ptxas ] || echo "install-deps: no CUDA toolkit at /usr/local/cuda; GPU parts are skipped" >&2
echo "install-deps: ok"
