#!/usr/bin/env python3
"""Check and time the compiled ssmm kernels on the GPU (needs torch + CUDA).

    python3 test/Integration/GPU/ssmm_check.py [--dir build-device] [--skip-perf]
    python3 test/Integration/GPU/ssmm_check.py --single NAME   # one case, for compute-sanitizer

Every check draws fresh random inputs, poisons the output with NaN before the
run, and compares with a float32 torch reference computed from the unpacked
(pruned) weight and the gathered tokens: ||out - ref|| / ||ref|| within 1e-2
(bf16 outputs) or 2e-3 (f16), padding rows exactly zero, no NaN anywhere (for
undef_padding variants, whose padding rows are unspecified: the routed rows).
Timing: CUDA events, median of repeated runs after warm-up, all baselines in
the same process. The table is printed last.
"""
import argparse
import ctypes
import json
import math
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "python", "samoyeds"))
from memref import memref_from_tensor, pointer  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))  # timing.py
from timing import bench  # noqa: E402

DT = {"bf16": torch.bfloat16, "f16": torch.float16}
TOL = {"bf16": 1e-2, "f16": 2e-3}
TILE = 64  # the mma.sp kernels' default token tile (warps-n * warp-n); a
           # variant's "tile" (gen_ssmm.py) overrides it
results = []  # (name, ok, detail)


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}", flush=True)
    return ok


class Libs:
    def __init__(self, d):
        self.rt = ctypes.CDLL(os.path.join(d, "lib", "libsamoyeds_runtime.so"),
                              mode=ctypes.RTLD_GLOBAL)
        self.rt.samoyeds_rt_last_error.restype = ctypes.c_char_p
        self.rt.samoyeds_rt_set_stream.argtypes = [ctypes.c_void_p]
        self.fmt = ctypes.CDLL(os.path.join(d, "lib", "libsamoyeds_format_c.so"))
        self.fmt.samoyeds_format_last_error.restype = ctypes.c_char_p
        self.dir = d
        self.kernels = {}

    def kernel(self, name):
        if name not in self.kernels:
            lib = ctypes.CDLL(os.path.join(self.dir, "kernels", name + ".so"))
            self.kernels[name] = lib._mlir_ciface_ssmm
        return self.kernels[name]

    def pack(self, w, n, m, v):
        """w: float32 numpy [E x] R x C -> values f32, meta u16, rowidx u8 (C library)."""
        lead = w.shape[:-2]
        r, c = w.shape[-2:]
        cr = r * n // m
        vals = np.zeros(lead + (cr, c // 2), np.float32)
        meta = np.zeros(lead + (cr, c // 16), np.uint16)
        ridx = np.zeros(lead + (c // v, cr), np.uint8)
        P = ctypes.POINTER
        for idx in np.ndindex(*lead) if lead else [()]:
            wi = np.ascontiguousarray(w[idx])
            rc = self.fmt.samoyeds_format_pack_f32(
                ctypes.c_int64(n), ctypes.c_int64(m), ctypes.c_int64(v), ctypes.c_int64(r),
                ctypes.c_int64(c), wi.ctypes.data_as(P(ctypes.c_float)), L(wi),
                vals[idx].ctypes.data_as(P(ctypes.c_float)), L(vals[idx]),
                meta[idx].ctypes.data_as(P(ctypes.c_uint16)), L(meta[idx]),
                ridx[idx].ctypes.data_as(P(ctypes.c_uint8)), L(ridx[idx]))
            if rc != 0:
                raise RuntimeError(self.fmt.samoyeds_format_last_error().decode())
        return vals, meta, ridx

    def unpack(self, vals, meta, ridx, n, m, v, r, c):
        lead = vals.shape[:-2]
        dense = np.zeros(lead + (r, c), np.float32)
        P = ctypes.POINTER
        for idx in np.ndindex(*lead) if lead else [()]:
            vi, mi, ri = (np.ascontiguousarray(a[idx]) for a in (vals, meta, ridx))
            rc = self.fmt.samoyeds_format_unpack_f32(
                ctypes.c_int64(n), ctypes.c_int64(m), ctypes.c_int64(v), ctypes.c_int64(r),
                ctypes.c_int64(c), vi.ctypes.data_as(P(ctypes.c_float)), L(vi),
                mi.ctypes.data_as(P(ctypes.c_uint16)), L(mi),
                ri.ctypes.data_as(P(ctypes.c_uint8)), L(ri),
                dense[idx].ctypes.data_as(P(ctypes.c_float)), L(dense[idx]))
            if rc != 0:
                raise RuntimeError(self.fmt.samoyeds_format_last_error().decode())
        return dense


def L(a):
    """The length in elements that the format C API takes after a buffer."""
    return ctypes.c_int64(a.size)


class Weight:
    """A random weight packed to the variant's format, on the GPU, with its
    pruned dense form (float32) for the reference."""

    def __init__(self, libs, vd, gen):
        shape = ((vd["experts"],) if vd["experts"] else ()) + (vd["rows"], vd["cols"])
        dt = DT[vd["dtype"]]
        w = torch.randn(shape, generator=gen).to(dt).float().numpy()
        vals, meta, ridx = libs.pack(w, vd["n"], vd["m"], vd["v"])
        self.dense = torch.from_numpy(
            libs.unpack(vals, meta, ridx, vd["n"], vd["m"], vd["v"], vd["rows"], vd["cols"])
        ).cuda()
        self.values = torch.from_numpy(vals).to(dt).cuda()
        self.meta = torch.from_numpy(meta.view(np.int16)).cuda()
        self.ridx = torch.from_numpy(ridx.view(np.int8)).cuda()


def call(libs, vd, w, x, lst, out, offsets=None, scale=None):
    descs = [memref_from_tensor(t) for t in (w.values, w.meta, w.ridx, x, lst)]
    if offsets is not None:
        descs.append(memref_from_tensor(offsets))
    if scale is not None:
        descs.append(memref_from_tensor(scale))
    descs.append(memref_from_tensor(out))
    libs.kernel(vd["name"])(*[pointer(d) for d in descs])
    err = libs.rt.samoyeds_rt_clear_error()
    if err:
        raise RuntimeError(f"runtime error {err}: {libs.rt.samoyeds_rt_last_error()}")


def rel_err(out, ref):
    return (out.float() - ref).norm().item() / max(ref.norm().item(), 1e-30)


def check_plain(libs, vd, gen, t, frac, pad_extra=True):
    """2-D weight, tokens gathered through a list with sentinel padding."""
    w = Weight(libs, vd, gen)
    dt = DT[vd["dtype"]]
    x = torch.randn(t, vd["cols"], generator=gen).to(dt).cuda()
    routed = max(1, int(round(t * frac)))
    toks = torch.sort(torch.randperm(t, generator=gen)[:routed]).values
    lst = toks.to(torch.int32)
    if pad_extra:  # pad to the token tile with the sentinel T * top_k
        padn = (-len(lst)) % vd.get("tile", TILE)
        lst = torch.cat([lst, torch.full((padn,), t, dtype=torch.int32)])
    lst = lst.cuda()
    out = torch.full((len(lst), vd["rows"]), float("nan"), dtype=dt, device="cuda")
    call(libs, vd, w, x, lst, out)
    torch.cuda.synchronize()
    valid = lst < t
    ref = x[lst[valid].long()].float() @ w.dense.T
    e = rel_err(out[valid], ref)
    # undef_padding: padding rows are unspecified (left poisoned or not).
    undef = vd.get("undef", False)
    pad_ok = undef or bool((out[~valid] == 0).all().item())
    nan_ok = not bool((out[valid] if undef else out).isnan().any().item())
    return check(f"{vd['name']} T={t} routed={routed} L={len(lst)}",
                 e <= TOL[vd["dtype"]] and pad_ok and nan_ok,
                 f"rel_err={e:.2e} padding_zero={pad_ok} no_nan={nan_ok}")


def dispatch(ids, experts, tile):
    """vLLM-style: flat ids grouped by expert, each segment padded to `tile`."""
    t, k = ids.shape
    flat = ids.flatten()
    lst, offs = [], [0]
    for e in range(experts):
        sel = torch.nonzero(flat == e).flatten().tolist()
        sel += [t * k] * ((-len(sel)) % tile)
        lst += sel
        offs.append(len(lst))
    return torch.tensor(lst, dtype=torch.int32), torch.tensor(offs, dtype=torch.int32)


def check_grouped(libs, vd, gen, t, misalign=False):
    e_cnt, k, dt = vd["experts"], vd["top_k"], DT[vd["dtype"]]
    w = Weight(libs, vd, gen)
    ids = torch.stack([torch.randperm(e_cnt, generator=gen)[:k] for _ in range(t)])
    tile = vd.get("tile", TILE)
    lst, offs = dispatch(ids, e_cnt, 1 if misalign else tile)
    lst_c, offs_c = lst.cuda(), offs.cuda()
    L = len(lst)
    seg = torch.bucketize(torch.arange(L), offs[1:], right=True).clamp(max=e_cnt - 1)
    valid = lst < t * k
    outc = vd["rows"] // 2 if vd["silu"] else vd["rows"]
    odt = torch.float32 if vd["scale"] else dt
    out = torch.full((L, outc), float("nan"), dtype=odt, device="cuda")
    if vd["gather"]:
        x = torch.randn(t, vd["cols"], generator=gen).to(dt).cuda()
        rows = x[(lst[valid] // k).long().cuda()].float()
        call(libs, vd, w, x, lst_c, out, offsets=offs_c)
    else:
        x = torch.randn(L, vd["cols"], generator=gen).to(dt).cuda()
        rows = x[valid.cuda()].float()
        scale = torch.rand(t, k, generator=gen).cuda()
        call(libs, vd, w, x, lst_c, out, offsets=offs_c, scale=scale)
    torch.cuda.synchronize()
    ref = torch.einsum("lc,lrc->lr", rows, w.dense[seg[valid].cuda()])
    if vd["silu"]:
        half = vd["rows"] // 2
        ref = torch.nn.functional.silu(ref[:, :half]) * ref[:, half:]
    if vd["scale"]:
        ref = ref * scale.flatten()[lst[valid].long().cuda()][:, None]
    name = f"{vd['name']} T={t} L={L}"
    if misalign:
        # Segments not padded to the kernel tile: tiles spanning two experts
        # must come out as NaN, never as a wrong number.
        bad = out.isnan().any(dim=1)
        tiles_spanning = [i for i in range(0, L, tile)
                          if any(offs[j] > i and offs[j] < min(i + tile, int(offs[-1]))
                                 for j in range(1, e_cnt + 1))]
        flagged = all(bool(bad[i].item()) for i in tiles_spanning)
        return check(name + " misaligned segments poisoned", flagged and len(tiles_spanning) > 0,
                     f"spanning tiles={len(tiles_spanning)}")
    e = rel_err(out[valid.cuda()], ref)
    undef = vd.get("undef", False)
    pad_ok = undef or bool((out[~valid.cuda()] == 0).all().item())
    nan_ok = not bool((out[valid.cuda()] if undef else out).isnan().any().item())
    return check(name, e <= TOL[vd["dtype"]] and pad_ok and nan_ok,
                 f"rel_err={e:.2e} padding_zero={pad_ok} no_nan={nan_ok}")




_CSLT = None


def _cslt():
    """The cuSPARSELt shim (benchmarks/cusparselt/build.sh) loaded once, or a
    string saying why it is unavailable."""
    global _CSLT
    if _CSLT is None:
        path = os.environ.get("SAMOYEDS_CSLT_LIB", "/tmp/cslt/libcslt_shim.so")
        try:
            lib = ctypes.CDLL(path)
            lib.cslt_plan.restype = ctypes.c_void_p
            lib.cslt_plan.argtypes = [ctypes.c_int] * 4 + [ctypes.c_void_p] * 4 + [
                ctypes.c_char_p, ctypes.c_int]
            lib.cslt_matmul.restype = ctypes.c_int
            lib.cslt_matmul.argtypes = [ctypes.c_void_p] * 4
            lib.cslt_free.argtypes = [ctypes.c_void_p]
            _CSLT = lib
        except OSError as ex:
            _CSLT = f"cuSPARSELt shim not loaded ({path}): {ex}"[:160]
    return _CSLT


def perf(libs, vd, gen, t=4096, routed=1024):
    dt = DT[vd["dtype"]]
    w = Weight(libs, vd, gen)
    x = torch.randn(t, vd["cols"], generator=gen).to(dt).cuda()
    lst = torch.sort(torch.randperm(t, generator=gen)[:routed]).values.to(torch.int32).cuda()
    out = torch.empty(routed, vd["rows"], dtype=dt, device="cuda")
    wd = w.dense.to(dt)
    xg = x[lst.long()]
    # Correctness of this very configuration first.
    out.fill_(float("nan"))
    call(libs, vd, w, x, lst, out)
    torch.cuda.synchronize()
    e = rel_err(out, xg.float() @ w.dense.T)
    check(f"{vd['name']} perf-shape T={t} routed={routed}", e <= TOL[vd["dtype"]]
          and not out.isnan().any().item(), f"rel_err={e:.2e}")
    descs = [memref_from_tensor(tt) for tt in (w.values, w.meta, w.ridx, x, lst, out)]
    ptrs = [pointer(d) for d in descs]
    fn = libs.kernel(vd["name"])
    libs.rt.samoyeds_rt_set_stream(ctypes.c_void_p(torch.cuda.current_stream().cuda_stream))
    libs.rt.samoyeds_rt_set_blocking(0)
    ours = bench(lambda: fn(*ptrs))
    libs.rt.samoyeds_rt_set_blocking(1)
    if libs.rt.samoyeds_rt_clear_error():
        raise RuntimeError(libs.rt.samoyeds_rt_last_error())
    row = dict(name=vd["name"], dtype=vd["dtype"] + (" " + vd["options"] if vd.get("options") else ""),
               m=vd["rows"], k=vd["cols"], routed=routed,
               ours=ours[0], ours_min=ours[1], rel_err=e)
    row["cublas_gathered"] = bench(lambda: torch.mm(xg, wd.T))[0]
    row["cublas_index_select"] = bench(lambda: torch.mm(torch.index_select(x, 0, lst), wd.T))[0]
    # cuSPARSELt through the library itself: plan, compression and algorithm
    # search once, then only cusparseLtMatmul per call (benchmarks/cusparselt).
    cslt = _cslt()
    if isinstance(cslt, str):
        row["cusparselt"] = float("nan")
        row["cusparselt_note"] = cslt
    else:
        a = wd.contiguous().clone()
        c = torch.empty(vd["rows"], routed, dtype=dt, device="cuda")
        err = ctypes.create_string_buffer(256)
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        plan = cslt.cslt_plan(vd["rows"], vd["cols"], routed, 0 if vd["dtype"] == "bf16" else 1,
                              ctypes.c_void_p(a.data_ptr()), ctypes.c_void_p(xg.data_ptr()),
                              ctypes.c_void_p(c.data_ptr()), stream, err, 256)
        if not plan:
            row["cusparselt"] = float("nan")
            row["cusparselt_note"] = err.value.decode()
        else:
            run = lambda: cslt.cslt_matmul(plan, ctypes.c_void_p(xg.data_ptr()),
                                           ctypes.c_void_p(c.data_ptr()), stream)
            c.fill_(float("nan"))
            status = run()
            torch.cuda.synchronize()
            row["cusparselt_err"] = rel_err(c.T, xg.float() @ w.dense.T)
            check(f"{vd['name']} cuSPARSELt T={t} routed={routed}",
                  status == 0 and row["cusparselt_err"] <= TOL[vd["dtype"]],
                  f"status={status} rel_err={row['cusparselt_err']:.2e}")
            row["cusparselt"] = bench(run)[0]
            cslt.cslt_free(plan)
    # Dense-equivalent work of the sparse MMAs issued (k32 steps on condensed rows).
    cr = vd["rows"] * vd["n"] // vd["m"]
    row["mma_sp_tflops"] = 2 * cr * vd["cols"] * routed / (ours[0] * 1e-6) / 1e12
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--skip-perf", action="store_true")
    ap.add_argument("--perf-only", action="store_true")
    ap.add_argument("--single", default=None)
    ap.add_argument("--only", default=None,
                    help="comma-separated substrings: time only the variants whose name has one")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    libs = Libs(args.dir)
    with open(os.path.join(args.dir, "variants.json")) as f:
        vs = json.load(f)
    seed = int.from_bytes(os.urandom(4), "little")
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}  seed {seed}")
    gen = torch.Generator().manual_seed(seed)

    if args.single:
        vd = next(v for v in vs if v["name"] == args.single)
        check_plain(libs, vd, gen, 256, 0.5)
        sys.exit(0 if all(ok for _, ok, _ in results) else 1)

    for vd in ([] if args.perf_only else vs):
        if vd["role"] == "sweep":
            for t in (1, 7, 64, 65, 1000, 4096):
                for frac in (0.01, 0.25, 1.0):
                    check_plain(libs, vd, gen, t, frac)
        elif vd["role"] == "stream":
            # 1 and 2 routed pairs: the stream kernel; 3 and 40: the tiled ones.
            for t in (1, 2, 3, 40):
                check_plain(libs, vd, gen, t, 1.0)
        elif vd["role"] == "stream_grouped":
            # pairs = 2T <= 2 x 4 experts up to T = 4: the stream kernel.
            for t in (1, 2, 3, 4, 9, 33):
                check_grouped(libs, vd, gen, t)
        elif vd["role"] == "grouped":
            for t in (1, 33, 700):
                check_grouped(libs, vd, gen, t)
            if vd["gather"]:
                check_grouped(libs, vd, gen, 300, misalign=True)
    rows = []
    if not args.skip_perf:
        only = args.only.split(",") if args.only else None
        for vd in vs:
            if only and not any(o in vd["name"] for o in only):
                continue
            if vd["role"] == "perf":
                for routed in (16, 128, 1024):
                    rows.append(perf(libs, vd, gen, routed=routed))
            elif vd["role"] == "tune":
                rows.append(perf(libs, vd, gen))
            elif vd["role"] == "tune_small":
                for routed in (16, 128):
                    rows.append(perf(libs, vd, gen, routed=routed))
            elif vd["role"] == "tune_decode":
                for routed in (1, 16):
                    rows.append(perf(libs, vd, gen, routed=routed))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(results=results, perf=rows, seed=seed,
                           device=torch.cuda.get_device_name()), f, indent=1)
    passed = sum(ok for _, ok, _ in results)
    failed = len(results) - passed
    print()
    if rows:
        print("| kernel | m x k | routed | ours (us) | cuBLAS gathered (us) | index_select+mm (us) "
              "| cuSPARSELt plan reused (us) | ours / cuBLAS | ours / cuSPARSELt | mma.sp TFLOP/s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['dtype']} | {r['m']}x{r['k']} | {r['routed']} | {r['ours']:.1f} "
                  f"| {r['cublas_gathered']:.1f} | {r['cublas_index_select']:.1f} "
                  f"| {r['cusparselt']:.1f} | {r['ours'] / r['cublas_gathered']:.2f} "
                  f"| {r['ours'] / r['cusparselt']:.2f} | {r['mma_sp_tflops']:.0f} |")
        for r in rows:
            if "cusparselt_note" in r:
                print(f"note: cuSPARSELt unavailable for {r['name']}: {r['cusparselt_note']}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
