"""Shared fixtures: the package on sys.path, the build tools, skips."""

import importlib.util
import os
import sys

import pytest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
REPO = os.path.dirname(PYDIR)
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)

from samoyeds import _paths  # noqa: E402

LLVM_BIN = "/usr/lib/llvm-22/bin"
LLVM_LIB = "/usr/lib/llvm-22/lib"


def tool(name):
    return _paths.find_tool(name)


@pytest.fixture(scope="session")
def samoyeds_opt():
    p = tool("samoyeds-opt")
    if not p:
        pytest.skip(f"samoyeds-opt not built ({_paths.bin_dir()})")
    return p


@pytest.fixture(scope="session")
def capi():
    from samoyeds import capi as c
    if not c.available():
        pytest.skip("libsamoyeds_format_c.so not built")
    return c


@pytest.fixture(scope="session")
def runner():
    """(mlir-runner, comma-separated shared libraries) or skip."""
    r = os.path.join(LLVM_BIN, "mlir-runner")
    libs = [os.path.join(LLVM_LIB, "libmlir_runner_utils.so"),
            os.path.join(LLVM_LIB, "libmlir_c_runner_utils.so"),
            _paths.find_lib("libsamoyeds_cpu_runtime.so") or ""]
    if not os.path.exists(r) or not all(os.path.exists(p) for p in libs):
        pytest.skip("mlir-runner or its runtime libraries are missing")
    return r, ",".join(libs)


@pytest.fixture(scope="session")
def samoyeds_ref():
    """The independent numpy reference of the lit execution tests
    (test/Integration/CPU/helpers/samoyeds_ref.py), imported by path."""
    path = os.path.join(REPO, "test", "Integration", "CPU", "helpers", "samoyeds_ref.py")
    if not os.path.exists(path):
        pytest.skip("test/Integration/CPU/helpers/samoyeds_ref.py not found")
    spec = importlib.util.spec_from_file_location("samoyeds_ref_for_pytest", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
