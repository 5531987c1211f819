#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test that needs no GPU:
# the C++ unit tests (ctest) and the lit suite (check-samoyeds: dialect,
# passes, kernel IR and PTX, CPU execution against numpy references), the
# Python tests and a bounded fuzz run (about 2.5 minutes).
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
echo "== generated docs (docs/generated/ must match the ODS they come from)"
if ninja -C "$BUILD" samoyeds-docs >/dev/null && (cd "$ROOT" && git diff --quiet -- docs/generated); then
  echo "docs/generated: up to date"
else
  echo "docs/generated is stale: run 'ninja -C build samoyeds-docs' and commit the result"
  (cd "$ROOT" && git diff --stat -- docs/generated); status=1
fi
echo "== fuzz (bounded mutation run of samoyeds-opt, test/Fuzz/README.md)"
# Deterministic by default (seed 1); a crash fails the run and its reduced
# input is saved under $BUILD/fuzz-found. SAMOYEDS_FUZZ_TIME=0 skips it.
if [ "${SAMOYEDS_FUZZ_TIME:-150}" != 0 ]; then
  /usr/bin/python3 "$ROOT/test/Fuzz/fuzz.py" --build "$BUILD" \
    --time "${SAMOYEDS_FUZZ_TIME:-150}" --seed "${SAMOYEDS_FUZZ_SEED:-1}" \
    --jobs 2 --corpus "$BUILD/fuzz-found" || status=1
fi

# ---- install: samoyeds used from outside the tree (scripts/test-install.sh) ----
# cmake --install + upstream mlir-opt with the installed plugins,
# examples/external through find_package(Samoyeds), and pip install of python/
# into a fresh venv. SAMOYEDS_TEST_INSTALL=0 skips it.
if [ "${SAMOYEDS_TEST_INSTALL:-1}" != 0 ]; then
  echo "== install (cmake package, plugins, pip package)"
  bash "$ROOT/scripts/test-install.sh" "$BUILD" || status=1
fi
# ---- end install ----
exit $status
