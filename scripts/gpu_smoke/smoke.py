#!/usr/bin/env python3
"""End-to-end smoke test of MLIR host code + libsamoyeds_runtime.

    smoke.py --lib libsaxpy_smoke.so [--cubin saxpy_kernels.cubin]
             [--ptx saxpy_kernels.ptx]        # on the GPU machine, with torch
    smoke.py --lib libsaxpy_smoke.so --no-gpu # error paths only, no torch

libsaxpy_smoke.so is artifacts/saxpy_host.o (from saxpy.mlir) linked against
libsamoyeds_runtime.so. Prints one line per check and PASS/FAIL at the end;
exit code 0 on PASS.
"""

import argparse
import ctypes
import os
import sys
import time

# The memref helpers live in the Python package (a standalone module there).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "python", "samoyeds"))
from memref import make_memref, memref_from_tensor, pointer  # noqa: E402

CUDA_ERROR_INVALID_VALUE = 1
CUDA_ERROR_NOT_FOUND = 500
SAMOYEDS_RT_ERROR_INVALID_ARGUMENT = -1
SAMOYEDS_RT_ERROR_IO = -2

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""),
          flush=True)
    return ok


class Runtime:
    """ctypes bindings of the C API (resolved through the smoke library,
    whose dependency libsamoyeds_runtime.so provides them)."""

    def __init__(self, lib):
        self.lib = lib
        c = ctypes
        sig = {
            "samoyeds_rt_init": (c.c_int, []),
            "samoyeds_rt_get_device": (c.c_int, []),
            "samoyeds_rt_last_error": (c.c_char_p, []),
            "samoyeds_rt_peek_error": (c.c_int, []),
            "samoyeds_rt_clear_error": (c.c_int, []),
            "samoyeds_rt_set_stream": (None, [c.c_void_p]),
            "samoyeds_rt_get_stream": (c.c_void_p, []),
            "samoyeds_rt_set_blocking": (c.c_int, [c.c_int]),
            "samoyeds_rt_synchronize": (c.c_int, []),
            "samoyeds_rt_module_load_file": (c.c_int, [c.c_char_p, c.POINTER(c.c_void_p)]),
            "samoyeds_rt_module_unload": (c.c_int, [c.c_void_p]),
            "samoyeds_rt_get_function": (c.c_int, [c.c_void_p, c.c_char_p, c.POINTER(c.c_void_p)]),
            "samoyeds_rt_launch": (c.c_int, [c.c_void_p, c.POINTER(c.c_uint), c.POINTER(c.c_uint),
                                             c.c_uint, c.c_void_p, c.POINTER(c.c_void_p)]),
            "mgpuTensorMapEncodeTiledMemref": (c.c_void_p, [c.c_int64, c.c_void_p, c.c_int64,
                                                            c.c_int64, c.c_int64, c.c_int64,
                                                            c.c_int64, c.POINTER(c.c_int64)]),
        }
        for name, (res, args) in sig.items():
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = args
            setattr(self, name.replace("samoyeds_rt_", ""), f)

    def message(self):
        return (self.last_error() or b"").decode(errors="replace")

    def take_error(self):
        """(code, message) of the sticky error, then cleared."""
        msg = self.message()
        return self.clear_error(), msg


def bind_entry_points(lib):
    c = ctypes
    lib._mlir_ciface_saxpy.argtypes = [c.c_void_p] * 3 + [c.c_float]
    lib._mlir_ciface_saxpy.restype = None
    lib._mlir_ciface_saxpy_block.argtypes = [c.c_void_p] * 3 + [c.c_float, c.c_int64]
    lib._mlir_ciface_saxpy_block.restype = None
    lib._mlir_ciface_fill_twice.argtypes = [c.c_void_p, c.c_float]
    lib._mlir_ciface_fill_twice.restype = None


# ---------------------------------------------------------------------------
# No GPU: the library loads, the constructor's failure is reported, calls
# return with an error instead of crashing, outputs stay untouched.
# ---------------------------------------------------------------------------

def run_no_gpu(args):
    lib = ctypes.CDLL(os.path.abspath(args.lib))
    rt = Runtime(lib)
    bind_entry_points(lib)
    code, msg = rt.take_error()
    check("constructor's module load failure is recorded", code != 0, msg)
    n = 10
    x = (ctypes.c_float * n)(*range(n))
    y = (ctypes.c_float * n)(*([1.0] * n))
    out = (ctypes.c_float * n)(*([-7.0] * n))
    dx = make_memref(ctypes.addressof(x), [n], keepalive=x)
    dy = make_memref(ctypes.addressof(y), [n], keepalive=y)
    do = make_memref(ctypes.addressof(out), [n], keepalive=out)
    lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 2.0)
    code, msg = rt.take_error()
    check("entry point reports the error", code != 0, msg)
    check("message names the kernel", "saxpy" in msg, msg)
    check("output untouched", all(v == -7.0 for v in out))
    lib._mlir_ciface_fill_twice(pointer(do), 1.0)
    code, msg = rt.take_error()
    check("fill_twice reports the error", code != 0, msg)
    check("output untouched", all(v == -7.0 for v in out))
    return summarize("no-GPU error paths")


# ---------------------------------------------------------------------------
# GPU
# ---------------------------------------------------------------------------

def run_gpu(args):
    import torch

    # CUDA must be initialised by torch first: loading the library runs the
    # generated global constructor, which loads the cubin into the current
    # device's primary context (the one torch uses).
    torch.cuda.init()
    torch.zeros(1, device="cuda")
    props = torch.cuda.get_device_properties(0)
    print(f"device: {props.name} (sm_{props.major}{props.minor}), torch "
          f"{torch.__version__}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
          flush=True)

    lib = ctypes.CDLL(os.path.abspath(args.lib))
    rt = Runtime(lib)
    bind_entry_points(lib)
    code, msg = rt.take_error()
    check("library load (global ctor mgpuModuleLoad) without error", code == 0, msg)
    check("runtime bound to torch's device",
          rt.get_device() == torch.cuda.current_device(),
          f"{rt.get_device()} vs {torch.cuda.current_device()}")
    gen = torch.Generator(device="cuda")
    gen.manual_seed(1234)

    def saxpy(x, y, out, a, fn="saxpy", extra=()):
        dx, dy, do = (memref_from_tensor(t, dtype=torch.float32, rank=1)
                      for t in (x, y, out))
        rt.clear_error()
        getattr(lib, "_mlir_ciface_" + fn)(pointer(dx), pointer(dy),
                                           pointer(do), a, *extra)
        return rt.take_error()

    def reference(x, y, a):
        return (a * x.double() + y.double()).float()

    # 1. Correctness of the plain launch, several sizes (tail blocks, empty).
    for n in (1, 255, 256, 1000, 1 << 20, 1_000_003):
        x = torch.randn(n, device="cuda", generator=gen)
        y = torch.randn(n, device="cuda", generator=gen)
        out = torch.full((n,), float("nan"), device="cuda")
        a = float(torch.randn(1, generator=gen, device="cuda").item())
        code, msg = saxpy(x, y, out, a)
        torch.cuda.synchronize()
        ref = reference(x, y, a)
        err = ((out.double() - ref.double()).norm() / ref.double().norm()).item()
        check(f"saxpy n={n}", code == 0 and not out.isnan().any().item()
              and err < 1e-6, f"rc={code} rel_err={err:.2e} {msg}")
    x = torch.empty(0, device="cuda")
    code, msg = saxpy(x, x, x, 1.0)
    check("saxpy n=0 (empty grid is a no-op)", code == 0, msg)

    # 2. A launch the driver refuses: reported, output untouched; then fine.
    n = 5000
    x = torch.randn(n, device="cuda", generator=gen)
    y = torch.randn(n, device="cuda", generator=gen)
    out = torch.full((n,), float("nan"), device="cuda")
    code, msg = saxpy(x, y, out, 3.0, fn="saxpy_block", extra=(2048,))
    torch.cuda.synchronize()
    print(f"     bad launch -> {code}: {msg}")
    check("block of 2048 threads reports CUDA_ERROR_INVALID_VALUE",
          code == CUDA_ERROR_INVALID_VALUE and "cuLaunchKernel" in msg)
    check("refused launch left the output untouched", out.isnan().all().item())
    check("no error left after clear", rt.peek_error() == 0)
    code, msg = saxpy(x, y, out, 3.0, fn="saxpy_block", extra=(96,))
    torch.cuda.synchronize()
    check("saxpy_block with 96 threads after the error",
          code == 0 and torch.allclose(out, reference(x, y, 3.0), rtol=1e-6, atol=1e-6),
          msg)

    # 3. While a sticky error is set, generated code enqueues nothing.
    mod = ctypes.c_void_p()
    rc = rt.module_load_file(b"/nonexistent/kernels.cubin", ctypes.byref(mod))
    out.fill_(float("nan"))
    dx, dy, do = (memref_from_tensor(t) for t in (x, y, out))
    lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 3.0)
    torch.cuda.synchronize()
    code, msg = rt.take_error()
    check("missing cubin file -> SAMOYEDS_RT_ERROR_IO", rc == SAMOYEDS_RT_ERROR_IO
          and code == SAMOYEDS_RT_ERROR_IO and "/nonexistent" in msg, msg)
    check("launch skipped while the error was set", out.isnan().all().item())

    # 4. gpu.alloc / gpu.memset / launch / gpu.memcpy / gpu.dealloc.
    for n in (1, 777, 100_000):
        out = torch.full((n,), float("nan"), device="cuda")
        do = memref_from_tensor(out)
        rt.clear_error()
        lib._mlir_ciface_fill_twice(pointer(do), 1.25)
        code, msg = rt.take_error()
        torch.cuda.synchronize()
        check(f"fill_twice n={n} (alloc/memset/launch/memcpy/free)",
              code == 0 and (out == 2.5).all().item(), msg)

    # 5. Streams: launches go to the stream set by samoyeds_rt_set_stream.
    # The inputs are produced on a non-blocking torch stream by a long chain;
    # a launch on any other stream would race with it.
    s = torch.cuda.Stream()
    n = 1 << 22
    big = torch.randn(4096, 4096, device="cuda", generator=gen)
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        acc = big
        for _ in range(20):
            acc = torch.tanh(acc @ big) * 0.01
        x = acc.flatten()[:n].contiguous() + 1.0
        y = torch.ones(n, device="cuda")
        out = torch.full((n,), float("nan"), device="cuda")
        rt.set_stream(s.cuda_stream)
        prev = rt.set_blocking(0)
        t0 = time.perf_counter()
        code, msg = saxpy(x, y, out, 2.0)
        t_call = time.perf_counter() - t0
        ref = reference(x, y, 2.0)            # on s, after our kernel
        diff = (out - ref).abs().max()        # on s
    check("non-blocking call on a torch stream: no launch error", code == 0, msg)
    check("stream handle round-trips", rt.get_stream() == s.cuda_stream)
    rc = rt.synchronize()
    check("samoyeds_rt_synchronize", rc == 0, rt.message())
    s.synchronize()
    check("result ordered on the torch stream", diff.item() < 1e-5
          and not out.isnan().any().item(),
          f"max diff {diff.item():.2e}, call took {t_call * 1e3:.3f} ms")
    rt.set_blocking(prev)
    rt.set_stream(None)

    # 6. Hand-driven: load the cubin (and the PTX, JIT) and launch directly.
    n = 3333
    x = torch.randn(n, device="cuda", generator=gen)
    y = torch.randn(n, device="cuda", generator=gen)
    for label, path in (("cubin", args.cubin), ("ptx", args.ptx)):
        if not path:
            continue
        out = torch.full((n,), float("nan"), device="cuda")
        mod, fn = ctypes.c_void_p(), ctypes.c_void_p()
        rc = rt.module_load_file(os.fsencode(path), ctypes.byref(mod))
        check(f"hand: load {label}", rc == 0 and mod.value, rt.message())
        rc = rt.get_function(mod, b"saxpy", ctypes.byref(fn))
        check(f"hand: get_function saxpy ({label})", rc == 0 and fn.value, rt.message())
        # The kernel's parameters: each memref<?xf32> expands to
        # (allocated, aligned, offset, size, stride), then a (f32), n (i64).
        vals = []
        for t in (x, y, out):
            vals += [ctypes.c_void_p(t.data_ptr()), ctypes.c_void_p(t.data_ptr()),
                     ctypes.c_int64(0), ctypes.c_int64(n), ctypes.c_int64(1)]
        vals += [ctypes.c_float(-0.5), ctypes.c_int64(n)]
        params = (ctypes.c_void_p * len(vals))(
            *[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in vals])
        grid = (ctypes.c_uint * 3)((n + 127) // 128, 1, 1)
        block = (ctypes.c_uint * 3)(128, 1, 1)
        rc = rt.launch(fn, grid, block, 0, None, params)
        torch.cuda.synchronize()
        check(f"hand: launch ({label}, {len(vals)} params)", rc == 0 and torch.allclose(
            out, reference(x, y, -0.5), rtol=1e-6, atol=1e-6), rt.message())
        if label == "cubin":
            # Dynamic shared memory above 48 KiB: the runtime raises the
            # kernel's limit first; above the device maximum it refuses.
            out.fill_(float("nan"))
            rc = rt.launch(fn, grid, block, 100 * 1024, None, params)
            torch.cuda.synchronize()
            check("hand: launch with 100 KiB dynamic shared memory", rc == 0 and
                  torch.allclose(out, reference(x, y, -0.5), rtol=1e-6, atol=1e-6),
                  rt.message())
            rc = rt.launch(fn, grid, block, 400 * 1024, None, params)
            code, msg = rt.take_error()
            check("hand: 400 KiB dynamic shared memory is refused",
                  rc == CUDA_ERROR_INVALID_VALUE and "allows at most" in msg, msg)
        bad_block = (ctypes.c_uint * 3)(4096, 1, 1)
        rc = rt.launch(fn, grid, bad_block, 0, None, params)
        code, msg = rt.take_error()
        check(f"hand: oversized block -> {rc}", rc == CUDA_ERROR_INVALID_VALUE == code, msg)
        rc = rt.get_function(mod, b"no_such_kernel", ctypes.byref(fn))
        code, msg = rt.take_error()
        check("hand: unknown kernel -> CUDA_ERROR_NOT_FOUND",
              rc == CUDA_ERROR_NOT_FOUND and "no_such_kernel" in msg, msg)
        check(f"hand: unload {label}", rt.module_unload(mod) == 0, rt.message())
    junk = os.path.join(args.tmpdir, "junk.cubin")
    with open(junk, "wb") as f:
        f.write(b"\x7fELF this is not a cubin" + bytes(200))
    mod = ctypes.c_void_p()
    rc = rt.module_load_file(os.fsencode(junk), ctypes.byref(mod))
    code, msg = rt.take_error()
    print(f"     junk cubin -> {rc}: {msg}")
    check("hand: junk cubin is refused with a message", rc > 0 and code == rc
          and mod.value is None and "cuModuleLoadDataEx" in msg)
    junk_ptx = os.path.join(args.tmpdir, "junk.ptx")
    with open(junk_ptx, "w") as f:
        f.write(".version 8.0\n.target sm_90\n.address_size 64\n"
                ".visible .entry k() { not_an_instruction; }\n")
    rc = rt.module_load_file(os.fsencode(junk_ptx), ctypes.byref(mod))
    code, msg = rt.take_error()
    print(f"     junk PTX -> {rc}: {msg}")
    check("hand: broken PTX is refused with the JIT log", rc > 0 and "JIT log" in msg)

    # 7. TMA descriptor encoding (Hopper): a valid one, cached, and a bad one.
    t = torch.randn(128, 256, device="cuda").half()
    dt = memref_from_tensor(t)
    box = (ctypes.c_int64 * 2)(64, 64)
    rt.clear_error()
    p1 = rt.mgpuTensorMapEncodeTiledMemref(2, ctypes.addressof(dt), 6, 0, 3, 0, 0, box)
    p2 = rt.mgpuTensorMapEncodeTiledMemref(2, ctypes.addressof(dt), 6, 0, 3, 0, 0, box)
    code, msg = rt.take_error()
    check("TMA descriptor encoded (f16 128x256, box 64x64, swizzle 128B)",
          code == 0 and p1 and p1 == p2, f"{msg} {p1} {p2}")
    bad_box = (ctypes.c_int64 * 2)(64, 1024)
    p3 = rt.mgpuTensorMapEncodeTiledMemref(2, ctypes.addressof(dt), 6, 0, 3, 0, 0, bad_box)
    code, msg = rt.take_error()
    check("TMA descriptor with a 1024-wide box is refused", p3 is None and code != 0, msg)

    # 8. CUDA graph capture of a generated entry point (blocking mode on: the
    # runtime must skip the synchronize of a capturing stream).
    n = 4096
    x = torch.randn(n, device="cuda", generator=gen)
    y = torch.randn(n, device="cuda", generator=gen)
    out = torch.full((n,), float("nan"), device="cuda")
    dx, dy, do = (memref_from_tensor(v) for v in (x, y, out))
    g = torch.cuda.CUDAGraph()
    rt.clear_error()
    try:
        with torch.cuda.graph(g):
            rt.set_stream(torch.cuda.current_stream().cuda_stream)
            lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 4.0)
        rt.set_stream(None)
        code, msg = rt.take_error()
        check("graph capture of the entry point", code == 0, msg)
        check("capture did not execute the kernel", out.isnan().all().item())
        g.replay()
        torch.cuda.synchronize()
        check("graph replay computes saxpy",
              torch.allclose(out, reference(x, y, 4.0), rtol=1e-6, atol=1e-6))
        x.copy_(torch.randn(n, device="cuda", generator=gen))
        g.replay()
        torch.cuda.synchronize()
        check("graph replay on new inputs",
              torch.allclose(out, reference(x, y, 4.0), rtol=1e-6, atol=1e-6))
    except Exception as e:  # report, keep going
        rt.set_stream(None)
        code, msg = rt.take_error()
        check("graph capture of the entry point", False, f"{e!r}; runtime: {code} {msg}")

    # 9. Errors and streams are per thread.
    import threading
    seen = {}

    def other_thread():
        m = ctypes.c_void_p()
        rt.set_stream(12345)
        seen["rc"] = rt.module_load_file(b"/nonexistent/other.cubin", ctypes.byref(m))
        seen["peek"] = rt.peek_error()
        rt.clear_error()
    rt.clear_error()
    th = threading.Thread(target=other_thread)
    th.start()
    th.join()
    check("errors and streams are thread-local",
          seen.get("peek") == SAMOYEDS_RT_ERROR_IO and rt.peek_error() == 0
          and rt.get_stream() is None, str(seen))

    # 10. Library loaded before torch initialises CUDA (the constructor then
    # initialises the driver itself, on device 0's primary context), and a
    # clean exit (no error from the module unload in the global destructor).
    import subprocess
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--lib", args.lib,
                           "--load-first"], capture_output=True, text=True, timeout=120)
    print("     --load-first subprocess:\n" + "\n".join(
        "       | " + line for line in (proc.stdout + proc.stderr).splitlines()))
    check("load before torch: subprocess passes", proc.returncode == 0)
    check("clean exit: nothing reported by the global destructor",
          "[samoyeds_rt]" not in proc.stderr, proc.stderr.strip()[-300:])

    # 11. Launch overhead of the synchronous entry point (informative).
    x = torch.randn(1 << 16, device="cuda")
    y = torch.randn(1 << 16, device="cuda")
    out = torch.empty_like(x)
    dx, dy, do = (memref_from_tensor(v) for v in (x, y, out))
    for _ in range(10):
        lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 1.0)
    reps = 200
    t0 = time.perf_counter()
    for _ in range(reps):
        lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 1.0)
    t_sync = (time.perf_counter() - t0) / reps
    prev = rt.set_blocking(0)
    t0 = time.perf_counter()
    for _ in range(reps):
        lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 1.0)
    torch.cuda.synchronize()
    t_async = (time.perf_counter() - t0) / reps
    rt.set_blocking(prev)
    code, msg = rt.take_error()
    check("timing loop without errors", code == 0, msg)
    print(f"     per call (n=65536, ctypes included): blocking {t_sync * 1e6:.1f} us, "
          f"non-blocking {t_async * 1e6:.1f} us")

    torch.cuda.synchronize()
    check("context healthy at the end", True)
    return summarize(f"GPU smoke on {props.name}")


def run_load_first(args):
    lib = ctypes.CDLL(os.path.abspath(args.lib))   # before torch touches CUDA
    rt = Runtime(lib)
    bind_entry_points(lib)
    code, msg = rt.take_error()
    check("library loaded before torch: constructor loaded the module", code == 0, msg)
    import torch
    n = 10_000
    x = torch.randn(n, device="cuda")
    y = torch.randn(n, device="cuda")
    out = torch.full((n,), float("nan"), device="cuda")
    dx, dy, do = (memref_from_tensor(t) for t in (x, y, out))
    lib._mlir_ciface_saxpy(pointer(dx), pointer(dy), pointer(do), 1.5)
    code, msg = rt.take_error()
    torch.cuda.synchronize()
    check("saxpy with torch initialised after the library",
          code == 0 and torch.allclose(out, 1.5 * x + y, rtol=1e-6, atol=1e-6), msg)
    return summarize("load-first")


def summarize(what):
    failed = [n for n, ok in results if not ok]
    print(f"{what}: {len(results) - len(failed)}/{len(results)} checks passed")
    print("PASS" if not failed else "FAIL: " + "; ".join(failed), flush=True)
    return 0 if not failed else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--cubin")
    ap.add_argument("--ptx")
    ap.add_argument("--tmpdir", default="/tmp")
    ap.add_argument("--no-gpu", action="store_true")
    ap.add_argument("--load-first", action="store_true",
                    help="load the library before torch initialises CUDA")
    args = ap.parse_args()
    if args.no_gpu:
        return run_no_gpu(args)
    if args.load_first:
        return run_load_first(args)
    return run_gpu(args)


if __name__ == "__main__":
    sys.exit(main())
