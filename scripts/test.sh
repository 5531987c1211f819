#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test that needs no GPU:
# the C++ unit tests (ctest) and the lit suite (check-samoyeds: dialect,
# passes, kernel IR and PTX, CPU execution against numpy references).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SAMOYEDS_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/install-deps.sh" || exit 1
bash "$ROOT/scripts/build.sh" || exit 1
status=0
echo "== unit tests (ctest)"
ctest --test-dir "$BUILD" --output-on-failure || status=1
echo "== lit (check-samoyeds)"
/usr/lib/llvm-22/bin/lit -sv "$BUILD/test" || status=1
if [ -d "$ROOT/python/tests" ]; then
  echo "== python (pytest)"
  (cd "$ROOT" && SAMOYEDS_BUILD_DIR="$BUILD" /usr/bin/python3 -m pytest -q python/tests) || status=1
fi
exit $status
