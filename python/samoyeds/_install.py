"""Where an installed samoyeds package (pip install, no source tree) finds its
compiler and libraries, and what is missing when it cannot.

_paths looks in the source tree first (SAMOYEDS_BUILD_DIR, SAMOYEDS_LIB_DIR,
<repo>/build); when that has nothing, it asks this module, which searches, in
this order:

1. the bundle inside the package, samoyeds/_bundle/{bin,lib}: the tools and
   shared libraries copied from a build tree when the wheel was built with
   SAMOYEDS_BUILD_DIR set (python/setup.py; docs/integration.md section 5);
2. SAMOYEDS_PREFIX: a prefix made by `cmake --install build --prefix X`
   (X/bin/samoyeds-opt, X/lib/libsamoyeds_format_c.so, ...);
3. samoyeds-opt on PATH: its directory and ../lib.

The bundled samoyeds-opt links the system's libMLIR.so (/usr/lib/llvm-22/lib)
and so does samoyeds-compile, which also needs ptxas (CUDA) and cc; running a compiled layer needs libsamoyeds_runtime.so, a CUDA driver
and a GPU. `python -m samoyeds._install` prints which of these are present;
require() raises MissingComponentError naming the missing ones.
"""

import ctypes
import os
import shutil
import subprocess
import sys

from ._paths import SamoyedsError, first_file

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
BUNDLE_DIR = os.path.join(PACKAGE_DIR, "_bundle")
CUDA_BIN = "/usr/local/cuda/bin"


class MissingComponentError(SamoyedsError, RuntimeError):
    """A part that the requested work needs (the compiler, a library, the GPU)
    is not installed or not usable; the message names it."""


def _prefixes():
    out = [BUNDLE_DIR]
    if os.environ.get("SAMOYEDS_PREFIX"):
        out.append(os.path.abspath(os.environ["SAMOYEDS_PREFIX"]))
    opt = shutil.which("samoyeds-opt")
    if opt:
        out.append(os.path.dirname(os.path.dirname(os.path.realpath(opt))))
    uniq = []
    for p in out:
        if p not in uniq:
            uniq.append(p)
    return uniq


def bin_dirs():
    return [os.path.join(p, "bin") for p in _prefixes()]


def lib_dirs():
    return [os.path.join(p, "lib") for p in _prefixes()]


def find_tool(name):
    """The first executable <dir>/<name> of bin_dirs(), or None."""
    for d in bin_dirs():
        p = os.path.join(d, name)
        if os.path.isfile(p):
            if not os.access(p, os.X_OK):
                try:  # a wheel may drop the executable bit
                    os.chmod(p, os.stat(p).st_mode | 0o111)
                except OSError:
                    continue
            return p
    return None


def find_lib(name):
    """The first existing <dir>/<name> of this module's lib_dirs(), or None."""
    return first_file(lib_dirs(), name)


def _system_tool(name, extra):
    p = os.path.join(extra, name)
    if os.path.isfile(p) and os.access(p, os.X_OK):
        return p
    return shutil.which(name)


def _runs(path):
    try:
        r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        return str(e)
    if r.returncode != 0:
        return (r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}").splitlines()[-1]
    return None


def _gpu_problem():
    """None when a CUDA GPU answers, else why not."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return "no CUDA driver (libcuda.so.1 cannot be loaded)"
    rc = cuda.cuInit(0)
    if rc != 0:
        return f"the CUDA driver has no usable GPU (cuInit returned {rc})"
    n = ctypes.c_int(0)
    rc = cuda.cuDeviceGetCount(ctypes.byref(n))
    if rc != 0 or n.value == 0:
        return "no GPU (cuDeviceGetCount found none)"
    return None


def status():
    """{component: (path or None, problem or None)} for every part."""
    from . import _paths
    out = {}
    fmt = _paths.find_lib("libsamoyeds_format_c.so")
    out["format library (libsamoyeds_format_c.so)"] = (fmt, None if fmt else "not found")
    cpu = _paths.find_lib("libsamoyeds_cpu_runtime.so")
    out["CPU runtime (libsamoyeds_cpu_runtime.so)"] = (cpu, None if cpu else "not found")
    opt = _paths.find_tool("samoyeds-opt")
    out["compiler: samoyeds-opt"] = (opt, _runs(opt) if opt else "not found")
    comp = _paths.find_tool("samoyeds-compile")
    out["compiler: samoyeds-compile"] = (comp, None if comp else "not found")
    for name, where in (("ptxas", CUDA_BIN), ("cc", "/usr/bin")):
        p = _system_tool(name, where)
        out[f"compiler: {name}"] = (p, None if p else f"not found (in {where} or PATH)")
    rt = _paths.find_lib("libsamoyeds_runtime.so")
    out["GPU runtime (libsamoyeds_runtime.so)"] = (rt, None if rt else "not found")
    out["GPU"] = (None, _gpu_problem())
    return out


def require(compiler=False, gpu=False):
    """Raises MissingComponentError listing what `compiler` (compiling a layer)
    and `gpu` (running one) need and is missing."""
    missing = []
    for name, (_, problem) in status().items():
        need = (compiler and name.startswith("compiler:")) or \
               (gpu and (name == "GPU" or name.startswith("GPU runtime")))
        if need and problem:
            missing.append(f"{name}: {problem}")
    if missing:
        raise MissingComponentError("samoyeds is missing " + "; ".join(missing) +
                                    " (python -m samoyeds._install lists every part)")


def main():
    ok = True
    for name, (path, problem) in status().items():
        if problem:
            ok = False
            print(f"missing  {name}: {problem}")
        else:
            print(f"ok       {name}{': ' + path if path else ''}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
