#!/usr/bin/env python3
"""Check the GPU kernels of samoyeds.route, samoyeds.dispatch and samoyeds.combine.

On the development machine (no GPU needed), write the MLIR of every variant and
compile it with samoyeds-compile into <out>/routing/ (<name>.so: host code with
the embedded sm_90a cubins, plus PTX, cubin and a manifest), and copy the runtime
into <out>/lib:

    python3 test/Integration/GPU/routing_check.py --gen [--build build] [--out build-device]

On the GPU machine (torch + CUDA), from the repository root with build-device/:

    python3 test/Integration/GPU/routing_check.py [--dir build-device] [--seed N] [--bench]

Every check draws fresh random inputs, poisons the outputs (NaN / -7) before the
call, runs one compiled entry point (`_mlir_ciface_<op>`, results as trailing
out-parameters) and compares with a numpy float64 reference written here,
independently of the compiler's CPU lowering:

- route: expert indices exactly equal to the reference for every token whose
  selection decisions all have a float64 margin >= TIE_EPS (near-ties may be
  broken differently by f32 and ex2.approx: for those tokens the picks must be
  distinct, in range and their selection scores equal to the reference's
  within tolerance); weights equal to the reference weights *of the GPU's own
  picks* within tolerance.
- dispatch: list and offsets exactly equal; an expert id out of range must make
  the call report an error (a kernel trap; run in a subprocess because a trap
  leaves the CUDA context unusable).
- combine: within f32 tolerance of the float64 sum; a duplicated flat id must
  make its token's row NaN and leave the others right.
- a chain route -> dispatch -> combine on the GPU's own outputs.
- row_dot (a linalg.generic marked samoyeds.row_dot: gate logits, shared
  expert gate): init + x . w^T within f32 accumulation error of the float64
  product, at row counts that choose each of its kernels (few rows, the
  mma.sync kernel for bf16/f16 with K % 32 == 0, the warp-per-tile kernel
  otherwise), ragged column counts and a K that leaves some warps a chunk
  short.
T = 0 (empty grids) is run for every variant. "N passed, M failed" is printed last.
"""
import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

try:
    import numpy as np
except ImportError:  # --gen needs the standard library only
    np = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

TIE_EPS = 2e-5      # float64 decision margin below which a route token is a near-tie
ROUTE_TOKENS = (0, 1, 7, 512, 4096)
results = []        # (name, ok, detail)


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}", flush=True)
    return bool(ok)


# ----------------------------------------------------------------------------
# Variants and their MLIR
# ----------------------------------------------------------------------------

def variants():
    v = [
        # Mixtral: softmax, top-2, renormalised.
        dict(kind="route", name="route_softmax_e8_k2_renorm", E=8, k=2, scoring="softmax",
             renorm=True, n_group=1, topk_group=1, scaling=1.0, bias=None, lt="f32", wt="f32"),
        # DeepSeek-V3: sigmoid, correction bias, 8 groups keep 4, top-8, x2.5.
        dict(kind="route", name="route_sigmoid_bias_e64_k8_g8x4_s2p5", E=64, k=8,
             scoring="sigmoid", renorm=True, n_group=8, topk_group=4, scaling=2.5,
             bias="f32", lt="f32", wt="f32"),
        # DeepSeek-MoE: softmax top-6 without renormalisation.
        dict(kind="route", name="route_softmax_e64_k6", E=64, k=6, scoring="softmax",
             renorm=False, n_group=1, topk_group=1, scaling=1.0, bias=None, lt="f32", wt="f32"),
        # Qwen2-MoE: softmax top-4 of 60 (the warp kernel's last register part
        # empty), bf16 logits.
        dict(kind="route", name="route_softmax_e60_k4_bf16", E=60, k=4, scoring="softmax",
             renorm=False, n_group=1, topk_group=1, scaling=1.0, bias=None, lt="bf16", wt="f32"),
        # Sigmoid with a bias, no groups, more picks than lanes (two pick
        # registers of the warp kernel).
        dict(kind="route", name="route_sigmoid_bias_e40_k36", E=40, k=36, scoring="sigmoid",
             renorm=True, n_group=1, topk_group=1, scaling=1.0, bias="f32", lt="f32", wt="f32"),
        # More experts than the warp kernel keeps (256): the thread-per-token kernel.
        dict(kind="route", name="route_softmax_e300_k4", E=300, k=4, scoring="softmax",
             renorm=True, n_group=1, topk_group=1, scaling=1.0, bias=None, lt="f32", wt="f32"),
        # Conversions: bf16 logits and weights.
        dict(kind="route", name="route_softmax_e8_k2_renorm_bf16", E=8, k=2, scoring="softmax",
             renorm=True, n_group=1, topk_group=1, scaling=1.0, bias=None, lt="bf16", wt="bf16"),
        dict(kind="dispatch", name="dispatch_e8_t64_k2", E=8, tile=64, k=2),
        dict(kind="dispatch", name="dispatch_e64_t64_k8", E=64, tile=64, k=8),
        # More experts than threads per block (1024): each thread loops over experts.
        dict(kind="dispatch", name="dispatch_e1100_t16_k4", E=1100, tile=16, k=4),
        # Gate logits (out = init + x . w^T, f32). DeepSeek's gate: few rows
        # up to T = 128, the mma kernel above.
        dict(kind="row_dot", name="row_dot_k2048_n64_bf16", K=2048, N=64, dt="bf16",
             tokens=(1, 7, 128, 129, 1000, 4096)),
        # Mixtral's: few rows up to T = 1024.
        dict(kind="row_dot", name="row_dot_k4096_n8_bf16", K=4096, N=8, dt="bf16",
             tokens=(1, 1024, 1025, 4096)),
        # f16, 60 columns (the mma tile's last 4 masked), 65 chunks of 32 (the
        # 8 warps' trip counts differ: the guard).
        dict(kind="row_dot", name="row_dot_k2080_n60_f16", K=2080, N=60, dt="f16",
             tokens=(1, 77, 300, 1337)),
        # K % 32 != 0: the warp-per-tile kernel (16-byte loads).
        dict(kind="row_dot", name="row_dot_k2064_n8_bf16", K=2064, N=8, dt="bf16",
             tokens=(1, 1025, 3000)),
        # The shared expert gate: a rank-1 rhs.
        dict(kind="row_dot", name="row_dot_k2048_vec_bf16", K=2048, N=None, dt="bf16",
             tokens=(1, 2048, 2049, 4096)),
        dict(kind="combine", name="combine_h256_k2_weighted", H=256, k=2, weighted=True),
        dict(kind="combine", name="combine_h256_k2", H=256, k=2, weighted=False),
    ]
    return v


def mlir_of(v):
    if v["kind"] == "route":
        e, k = v["E"], v["k"]
        lt = f"tensor<?x{e}x{v['lt']}>"
        wt, it = f"tensor<?x{k}x{v['wt']}>", f"tensor<?x{k}xi32>"
        args = [f"%l: {lt}"]
        bias = ""
        if v["bias"]:
            bt = f"tensor<{e}x{v['bias']}>"
            args.append(f"%b: {bt}")
            bias = f" bias(%b : {bt})"
        attrs = [f"top_k = {k}", f"scoring = #samoyeds.scoring<{v['scoring']}>"]
        if v["renorm"]:
            attrs.append("renormalize")
        if v["n_group"] > 1:
            attrs += [f"n_group = {v['n_group']}", f"topk_group = {v['topk_group']}"]
        if v["scaling"] != 1.0:
            attrs.append(f"scaling_factor = {v['scaling']!r} : f32")
        return (f"func.func @route({', '.join(args)}) -> ({wt}, {it}) {{\n"
                f"  %c0 = arith.constant 0 : index\n"
                f"  %t = tensor.dim %l, %c0 : {lt}\n"
                f"  %w0 = tensor.empty(%t) : {wt}\n"
                f"  %i0 = tensor.empty(%t) : {it}\n"
                f"  %w, %i = samoyeds.route %l{bias} outs(%w0, %i0 : {wt}, {it})\n"
                f"      {{{', '.join(attrs)}}} : {lt} -> {wt}, {it}\n"
                f"  return %w, %i : {wt}, {it}\n}}\n")
    if v["kind"] == "dispatch":
        it = f"tensor<?x{v['k']}xi32>"
        ot = f"tensor<{v['E'] + 1}xi32>"
        # The list has T*k + E*(tile-1) entries (its `outs` init).
        return (f"func.func @dispatch(%ids: {it}) -> (tensor<?xi32>, {ot}) {{\n"
                f"  %c0 = arith.constant 0 : index\n"
                f"  %t = tensor.dim %ids, %c0 : {it}\n"
                f"  %k = arith.constant {v['k']} : index\n"
                f"  %pad = arith.constant {v['E'] * (v['tile'] - 1)} : index\n"
                f"  %tk = arith.muli %t, %k : index\n"
                f"  %n = arith.addi %tk, %pad : index\n"
                f"  %l0 = tensor.empty(%n) : tensor<?xi32>\n"
                f"  %o0 = tensor.empty() : {ot}\n"
                f"  %l, %o = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<?xi32>, {ot})"
                f" {{num_experts = {v['E']}, tile = {v['tile']}}}"
                f" : {it} -> tensor<?xi32>, {ot}\n"
                f"  return %l, %o : tensor<?xi32>, {ot}\n}}\n")
    if v["kind"] == "row_dot":
        k, n, dt = v["K"], v["N"], v["dt"]
        xt = f"tensor<?x{k}x{dt}>"
        if n is None:
            wt, ot = f"tensor<{k}x{dt}>", "tensor<?xf32>"
            maps = ("affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, "
                    "affine_map<(d0, d1) -> (d0)>")
            its = '"parallel", "reduction"'
        else:
            wt, ot = f"tensor<{n}x{k}x{dt}>", f"tensor<?x{n}xf32>"
            maps = ("affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, "
                    "affine_map<(d0, d1, d2) -> (d0, d1)>")
            its = '"parallel", "parallel", "reduction"'
        return (f"func.func @row_dot(%x: {xt}, %w: {wt}, %init: {ot}) -> {ot} {{\n"
                f"  %r = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{its}]}}\n"
                f"      ins(%x, %w : {xt}, {wt}) outs(%init : {ot}) attrs = {{samoyeds.row_dot}} {{\n"
                f"  ^bb0(%a: {dt}, %b: {dt}, %o: f32):\n"
                f"    %0 = arith.extf %a : {dt} to f32\n"
                f"    %1 = arith.extf %b : {dt} to f32\n"
                f"    %2 = arith.mulf %0, %1 : f32\n"
                f"    %3 = arith.addf %o, %2 : f32\n"
                f"    linalg.yield %3 : f32\n"
                f"  }} -> {ot}\n"
                f"  return %r : {ot}\n}}\n")
    rt, wt = f"tensor<?x{v['H']}xf32>", f"tensor<?x{v['k']}xf32>"
    attr = " {weighted}" if v["weighted"] else ""
    return (f"func.func @combine(%r: {rt}, %l: tensor<?xi32>, %w: {wt}) -> {rt} {{\n"
            f"  %c0 = arith.constant 0 : index\n"
            f"  %t = tensor.dim %w, %c0 : {wt}\n"
            f"  %y0 = tensor.empty(%t) : {rt}\n"
            f"  %y = samoyeds.combine %r, %l, %w outs(%y0 : {rt}){attr}"
            f" : {rt}, tensor<?xi32>, {wt} -> {rt}\n"
            f"  return %y : {rt}\n}}\n")


def gen(args):
    build, out = os.path.abspath(args.build), os.path.abspath(args.out)
    rdir = os.path.join(out, "routing")
    os.makedirs(os.path.join(rdir, "src"), exist_ok=True)
    os.makedirs(os.path.join(out, "lib"), exist_ok=True)
    shutil.copy2(os.path.join(build, "lib", "libsamoyeds_runtime.so"),
                 os.path.join(out, "lib", "libsamoyeds_runtime.so"))
    vs = variants()

    def compile_one(v):
        src = os.path.join(rdir, "src", v["name"] + ".mlir")
        with open(src, "w") as f:
            f.write(mlir_of(v))
        cmd = [os.path.join(build, "bin", "samoyeds-compile"), src, "-o", rdir,
               "--runtime-dir", os.path.join(out, "lib")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            return f"{v['name']}: {r.stderr.strip()}"
        ptx = os.path.join(rdir, v["name"] + ".samoyeds_kernels.ptx")
        if os.path.exists(ptx) and "__nv_" in open(ptx).read():
            return f"{v['name']}: the PTX calls libdevice (__nv_*)"
        return None

    with ThreadPoolExecutor(max_workers=2) as ex:
        errors = [e for e in ex.map(compile_one, vs) if e]
    for e in errors:
        print(e, file=sys.stderr)
    with open(os.path.join(rdir, "variants.json"), "w") as f:
        json.dump(vs, f, indent=1)
    print(f"routing_check --gen: {len(vs) - len(errors)} of {len(vs)} variants compiled into {rdir}")
    return 1 if errors else 0


# ----------------------------------------------------------------------------
# bf16 helpers (numpy has no bf16: bit patterns in uint16)
# ----------------------------------------------------------------------------

def to_bf16_bits(x):
    """float32 -> bf16 bits, round to nearest even (finite inputs)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def bf16_bits_to_f32(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


# ----------------------------------------------------------------------------
# The reference (numpy float64, written from SamoyedsOps.td)
# ----------------------------------------------------------------------------

def ref_route(logits, bias, v):
    """logits T x E (float64). Returns a dict: `ids` T x k, scores `s` and
    selection scores `q` (T x E), the `eligible` mask, and per token the
    smallest decision margins: `group_margin` (the kept / dropped group
    boundary) and `margin` (that and the order of the picks, k-th vs next);
    `nz_margin` is `margin` ignoring exact ties (differences of 0)."""
    l = np.asarray(logits, np.float64)
    t, e = l.shape
    k, ng, tg = v["k"], v["n_group"], v["topk_group"]
    if v["scoring"] == "softmax":
        m = l.max(axis=1, keepdims=True)
        ex = np.exp(l - m)
        s = ex / ex.sum(axis=1, keepdims=True)
    else:
        s = 1.0 / (1.0 + np.exp(-l))
    q = s + (np.asarray(bias, np.float64)[None, :] if bias is not None else 0.0)
    gmargin = np.full(t, np.inf)
    gnz = np.full(t, np.inf)
    eligible = np.ones((t, e), bool)
    if ng > 1:
        gs = e // ng
        top = -np.sort(-q.reshape(t, ng, gs), axis=2)[:, :, :min(2, gs)].sum(axis=2)
        order = np.argsort(-top, axis=1, kind="stable")   # ties: the lower group
        kept = np.zeros((t, ng), bool)
        np.put_along_axis(kept, order[:, :tg], True, axis=1)
        eligible = np.repeat(kept, gs, axis=1)
        if tg < ng:
            st = np.take_along_axis(top, order, axis=1)
            gmargin = st[:, tg - 1] - st[:, tg]
            gnz = np.where(gmargin == 0, np.inf, gmargin)
    qm = np.where(eligible, q, -np.inf)
    order = np.argsort(-qm, axis=1, kind="stable")        # q desc, expert asc
    ids = order[:, :k]
    margin, nz = gmargin.copy(), gnz.copy()
    sq = np.take_along_axis(qm, order[:, :min(k + 1, e)], axis=1)
    if sq.shape[1] > 1:
        with np.errstate(invalid="ignore"):
            d = sq[:, :-1] - sq[:, 1:]
        d = np.where(np.isnan(d), np.inf, d)                # -inf - -inf: no decision
        margin = np.minimum(margin, d.min(axis=1))
        nz = np.minimum(nz, np.where(d == 0, np.inf, d).min(axis=1))
    return dict(ids=ids, s=s, q=q, eligible=eligible, margin=margin, nz_margin=nz,
                group_margin=gmargin)


def ref_route_weights(s, ids, v):
    w = np.take_along_axis(s, ids, axis=1)
    if v["renorm"]:
        w = w / w.sum(axis=1, keepdims=True)
    return w * v["scaling"]


def ref_dispatch(ids, e, tile):
    t, k = ids.shape
    flat = ids.reshape(-1)
    lst, offs = [], [0]
    for x in range(e):
        sel = np.nonzero(flat == x)[0]
        pad = (-len(sel)) % tile
        lst.append(sel)
        lst.append(np.full(pad, t * k))
        offs.append(offs[-1] + len(sel) + pad)
    length = t * k + e * (tile - 1)
    lst.append(np.full(length - offs[-1], t * k))
    return np.concatenate(lst).astype(np.int32), np.array(offs, np.int32)


def ref_combine(rows, lst, w, weighted):
    """float64 sum over list entries of (weight) * row; NaN rows for tokens
    with a duplicated flat id. Also returns the sum of absolute terms."""
    t, k = w.shape
    h = rows.shape[1]
    lst = np.asarray(lst, np.int64)
    valid = (lst >= 0) & (lst < t * k)
    ids = lst[valid]
    terms = rows[valid].astype(np.float64)
    if weighted:
        terms = terms * w.reshape(-1)[ids].astype(np.float64)[:, None]
    out = np.zeros((t, h))
    mag = np.zeros((t, h))
    np.add.at(out, ids // k, terms)
    np.add.at(mag, ids // k, np.abs(terms))
    counts = np.bincount(ids, minlength=t * k).reshape(t, k) if t * k else np.zeros((t, k))
    dup = (counts > 1).any(axis=1)
    out[dup] = np.nan
    return out, mag, dup


# ----------------------------------------------------------------------------
# Calling the compiled functions (device: torch + the runtime)
# ----------------------------------------------------------------------------

class DeviceRunner:
    """call(variant, inputs, outputs): inputs are numpy arrays (bf16 as uint16
    bits, dtype given by `dtypes`), outputs (shape, dtype) pairs; returns numpy
    arrays. Outputs are poisoned before the call."""

    def __init__(self, d):
        import torch
        self.torch = torch
        sys.path.insert(0, os.path.join(ROOT, "python", "samoyeds"))
        from memref import memref_from_tensor, pointer
        self.desc, self.ptr = memref_from_tensor, pointer
        self.rt = ctypes.CDLL(os.path.join(d, "lib", "libsamoyeds_runtime.so"),
                              mode=ctypes.RTLD_GLOBAL)
        self.rt.samoyeds_rt_last_error.restype = ctypes.c_char_p
        self.rt.samoyeds_rt_set_stream.argtypes = [ctypes.c_void_p]
        self.dir = os.path.join(d, "routing")
        self.fns = {}

    def fn(self, v):
        if v["name"] not in self.fns:
            lib = ctypes.CDLL(os.path.join(self.dir, v["name"] + ".so"))
            self.fns[v["name"]] = getattr(lib, "_mlir_ciface_" + v["kind"])
        return self.fns[v["name"]]

    def tensor(self, a, dt):
        torch = self.torch
        if dt == "bf16":
            return torch.from_numpy(np.ascontiguousarray(a).view(np.int16)).view(
                torch.bfloat16).cuda()
        return torch.from_numpy(np.ascontiguousarray(a)).cuda()

    def call(self, v, inputs, in_dtypes, outputs):
        torch = self.torch
        ins = [self.tensor(a, dt) for a, dt in zip(inputs, in_dtypes)]
        outs = []
        for shape, dt in outputs:
            if dt == "i32":
                outs.append(torch.full(shape, -7, dtype=torch.int32, device="cuda"))
            else:
                tdt = torch.bfloat16 if dt == "bf16" else torch.float32
                outs.append(torch.full(shape, float("nan"), dtype=tdt, device="cuda"))
        descs = [self.desc(x) for x in ins + outs]
        self.rt.samoyeds_rt_clear_error()
        self.fn(v)(*[self.ptr(x) for x in descs])
        # Blocking mode (the default): the call has synchronized its stream,
        # so a failed launch or a kernel trap is in the runtime's error now.
        msg = self.rt.samoyeds_rt_last_error()
        err = self.rt.samoyeds_rt_clear_error()
        if err:
            raise RuntimeError(f"runtime error {err}: {msg.decode(errors='replace')}")
        torch.cuda.synchronize()
        res = []
        for x, (_, dt) in zip(outs, outputs):
            if dt == "bf16":
                res.append(x.cpu().view(torch.int16).numpy().view(np.uint16))
            else:
                res.append(x.cpu().numpy())
        return res


# ----------------------------------------------------------------------------
# Checks (backend-independent: `runner.call` as DeviceRunner.call)
# ----------------------------------------------------------------------------

def route_inputs(v, t, rng):
    e = v["E"]
    scale = 2.0 if v["scoring"] == "softmax" else 1.5
    logits = (rng.standard_normal((t, e)) * scale).astype(np.float32)
    if v["lt"] == "bf16":
        lbits = to_bf16_bits(logits)
        logits = bf16_bits_to_f32(lbits).reshape(t, e)
        ins, dts = [lbits.reshape(t, e)], ["bf16"]
    else:
        ins, dts = [logits], ["f32"]
    bias = None
    if v["bias"]:
        bias = (rng.standard_normal(e) * 0.05).astype(np.float32)
        ins.append(bias)
        dts.append("f32")
    return logits, bias, ins, dts


def run_route(runner, v, ins, dts, t):
    w, ids = runner.call(v, ins, dts, [((t, v["k"]), v["wt"]), ((t, v["k"]), "i32")])
    if v["wt"] == "bf16":
        w = bf16_bits_to_f32(w).reshape(t, v["k"])
    return w, ids


def check_route(runner, v, t, rng):
    name = f"{v['name']} T={t}"
    logits, bias, ins, dts = route_inputs(v, t, rng)
    try:
        w, ids = run_route(runner, v, ins, dts, t)
    except RuntimeError as ex:
        return check(name, False, str(ex))
    if t == 0:
        return check(name, w.shape == (0, v["k"]) and ids.shape == (0, v["k"]), "empty")
    e, k = v["E"], v["k"]
    r = ref_route(logits, bias, v)
    rids, q = r["ids"], r["q"]
    in_range = bool(((ids >= 0) & (ids < e)).all())
    if not in_range:
        return check(name, False, f"indices out of range: {ids[(ids < 0) | (ids >= e)][:8]}")
    gids = ids.astype(np.int64)
    distinct = all(len(set(row)) == k for row in ids.tolist())
    decisive = r["margin"] >= TIE_EPS
    n_bad = int((ids[decisive] != rids[decisive]).any(axis=1).sum())
    # Near-ties among experts (the group choice being clear): the picks'
    # selection scores equal the reference's, in order, and are eligible.
    groups_clear = r["group_margin"] >= TIE_EPS
    qi = np.take_along_axis(q, gids, axis=1)[groups_clear]
    qr = np.take_along_axis(q, rids, axis=1)[groups_clear]
    q_ok = bool(np.allclose(qi, qr, rtol=0, atol=1e-4))
    elig_ok = bool(np.take_along_axis(r["eligible"], gids, axis=1)[groups_clear].all())
    # Weights: those of the GPU's own picks (whatever a near-tie chose).
    wref = ref_route_weights(r["s"], gids, v)
    rtol = 1e-2 if v["wt"] == "bf16" else 1e-4
    w_err = float(np.max(np.abs(w - wref) / (np.abs(wref) + 1e-6))) if w.size else 0.0
    w_ok = bool(np.isfinite(w).all()) and w_err <= rtol
    enough = t < 100 or decisive.mean() > 0.8
    ok = distinct and n_bad == 0 and q_ok and elig_ok and w_ok and enough
    return check(name, ok,
                 f"decisive={int(decisive.sum())}/{t} mismatched={n_bad} distinct={distinct} "
                 f"q_ok={q_ok} eligible={elig_ok} w_relerr={w_err:.1e}")


def check_route_ties(runner, v, rng):
    """Exact ties: equal logits; the lower expert (and group) must win."""
    t, e = 64, v["E"]
    base = rng.standard_normal((t, e)).astype(np.float32)
    # Copy values across experts so many exact ties exist.
    logits = base[:, rng.integers(0, max(2, e // 4), size=e)]
    if v["lt"] == "bf16":
        lbits = to_bf16_bits(logits).reshape(t, e)
        logits = bf16_bits_to_f32(lbits).reshape(t, e)
        ins, dts = [lbits], ["bf16"]
    else:
        ins, dts = [np.ascontiguousarray(logits)], ["f32"]
    bias = None
    if v["bias"]:
        bias = np.zeros(e, np.float32)   # keep the ties exact
        ins.append(bias)
        dts.append("f32")
    name = f"{v['name']} exact ties T={t}"
    try:
        w, ids = run_route(runner, v, ins, dts, t)
    except RuntimeError as ex:
        return check(name, False, str(ex))
    r = ref_route(logits, bias, v)
    # Exactly equal logits give exactly equal f32 scores (and group sums) on
    # the GPU too, so the tie rule decides; tokens with a decision between
    # distinct values closer than TIE_EPS are skipped.
    usable = r["nz_margin"] >= TIE_EPS
    tied = usable & (r["margin"] == 0)
    same = (ids[usable] == r["ids"][usable]).all(axis=1)
    return check(name, bool(same.all()) and tied.sum() > t // 4,
                 f"usable={int(usable.sum())}/{t} decided_by_a_tie={int(tied.sum())} "
                 f"mismatched={int((~same).sum())}")


def skewed_ids(rng, t, k, e):
    p = np.exp(-np.arange(e) / max(1.0, e / 8.0))
    p /= p.sum()
    return np.stack([rng.choice(e, size=k, replace=False, p=p) for _ in range(t)]).astype(np.int32) \
        if t else np.zeros((0, k), np.int32)


def uniform_ids(rng, t, k, e):
    if t == 0:
        return np.zeros((0, k), np.int32)
    return np.argsort(rng.random((t, e)), axis=1)[:, :k].astype(np.int32)


def run_dispatch(runner, v, ids):
    t, k = ids.shape
    length = t * k + v["E"] * (v["tile"] - 1)
    return runner.call(v, [ids], ["i32"], [((length,), "i32"), ((v["E"] + 1,), "i32")])


def check_dispatch(runner, v, ids, label):
    t = ids.shape[0]
    name = f"{v['name']} {label} T={t}"
    try:
        lst, off = run_dispatch(runner, v, ids)
    except RuntimeError as ex:
        return check(name, False, str(ex))
    rl, ro = ref_dispatch(ids, v["E"], v["tile"])
    ok_l, ok_o = bool(np.array_equal(lst, rl)), bool(np.array_equal(off, ro))
    detail = f"L={len(rl)} offsets_equal={ok_o} list_equal={ok_l}"
    if not ok_l and len(lst) == len(rl):
        bad = np.nonzero(lst != rl)[0]
        detail += f" first_diff@{bad[0]} got={lst[bad[0]]} want={rl[bad[0]]} ndiff={len(bad)}"
    return check(name, ok_l and ok_o, detail)


def combine_inputs(v, rng, t, lst):
    h, k = v["H"], v["k"]
    rows = rng.standard_normal((len(lst), h)).astype(np.float32)
    w = rng.random((t, k)).astype(np.float32)
    return rows, w


def run_combine(runner, v, rows, lst, w):
    t = w.shape[0]
    return runner.call(v, [rows, np.ascontiguousarray(lst, np.int32), w], ["f32", "i32", "f32"],
                       [((t, v["H"]), "f32")])[0]


def compare_combine(name, out, rows, lst, w, weighted, expect_dup=None):
    ref, mag, dup = ref_combine(rows, lst, w, weighted)
    fin = ~dup
    err = np.abs(out[fin] - ref[fin])
    tol = 1e-5 * mag[fin] + 1e-6
    vals_ok = bool((err <= tol).all()) and bool(np.isfinite(out[fin]).all())
    nan_ok = bool(np.isnan(out[dup]).all())
    detail = f"max_err={float(err.max()) if err.size else 0.0:.1e} dup_rows={int(dup.sum())}"
    ok = vals_ok and nan_ok
    if expect_dup is not None:
        ok = ok and int(dup.sum()) == expect_dup
    return check(name, ok, detail + f" values_ok={vals_ok} dup_rows_nan={nan_ok}")


def check_combine(runner, v, t, rng, mode="plain"):
    k = v["k"]
    ids = uniform_ids(rng, t, k, 8)
    lst, _ = ref_dispatch(ids, 8, 16)
    lst = lst.copy()
    expect_dup = 0
    pads = np.nonzero(lst == t * k)[0]
    if mode == "garbage" and len(pads):
        # Padding that is not the sentinel: negative and too large ids.
        sel = rng.choice(pads, size=min(len(pads), 10), replace=False)
        lst[sel] = rng.choice([-1, -100, t * k + 5, 2**31 - 1], size=len(sel))
    if mode == "missing" and t:
        # Some flat ids absent from the list: their slot contributes nothing.
        present = np.nonzero((lst >= 0) & (lst < t * k))[0]
        lst[rng.choice(present, size=max(1, len(present) // 5), replace=False)] = t * k
    if mode == "duplicate" and t:
        # Three flat ids appear twice, one of them three times.
        present = np.nonzero((lst >= 0) & (lst < t * k))[0]
        src = rng.choice(present, size=3, replace=False)
        dst = rng.choice(pads, size=4, replace=False)
        lst[dst[:3]] = lst[src]
        lst[dst[3]] = lst[src[0]]
        expect_dup = len({int(lst[a]) // k for a in src})
    rows, w = combine_inputs(v, rng, t, lst)
    name = f"{v['name']} {mode} T={t} L={len(lst)}"
    try:
        out = run_combine(runner, v, rows, lst, w)
    except RuntimeError as ex:
        return check(name, False, str(ex))
    if t == 0:
        return check(name, out.shape == (0, v["H"]), "empty")
    return compare_combine(name, out, rows, lst, w, v["weighted"],
                           expect_dup if mode == "duplicate" else 0)


def check_chain(runner, vr, vd, vc, t, rng):
    """route -> dispatch -> combine, each on the previous GPU output."""
    name = f"chain {vr['name']} -> {vd['name']} -> {vc['name']} T={t}"
    logits, bias, ins, dts = route_inputs(vr, t, rng)
    try:
        w, ids = run_route(runner, vr, ins, dts, t)
        lst, off = run_dispatch(runner, vd, ids)
        rl, ro = ref_dispatch(ids, vd["E"], vd["tile"])
        rows = rng.standard_normal((len(lst), vc["H"])).astype(np.float32)
        out = run_combine(runner, vc, rows, lst, np.ascontiguousarray(w, np.float32))
    except RuntimeError as ex:
        return check(name, False, str(ex))
    if not (np.array_equal(lst, rl) and np.array_equal(off, ro)):
        return check(name, False, "dispatch of the routed ids differs from the reference")
    return compare_combine(name, out, rows, lst, w.astype(np.float32), vc["weighted"], 0)


def row_dot_inputs(v, t, rng):
    """x (t x K), w (N x K or K) in the variant's type (bf16 as bits), init
    (t x N or t) f32, and their float64 values."""
    k, n = v["K"], v["N"]
    wshape = (k,) if n is None else (n, k)
    x32 = rng.standard_normal((t, k)).astype(np.float32)
    w32 = (0.05 * rng.standard_normal(wshape)).astype(np.float32)
    init = rng.standard_normal((t,) if n is None else (t, n)).astype(np.float32)
    if v["dt"] == "bf16":
        xs, ws = to_bf16_bits(x32), to_bf16_bits(w32)
        x64, w64 = bf16_bits_to_f32(xs).astype(np.float64), bf16_bits_to_f32(ws).astype(np.float64)
    else:
        xs, ws = x32.astype(np.float16), w32.astype(np.float16)
        x64, w64 = xs.astype(np.float64), ws.astype(np.float64)
    return [xs, ws, init], [v["dt"], v["dt"], "f32"], x64, w64


def check_row_dot(runner, v, t, rng):
    ins, dts, x64, w64 = row_dot_inputs(v, t, rng)
    init = ins[2].astype(np.float64)
    wt = w64.T if w64.ndim == 2 else w64
    ref = init + x64 @ wt
    # f32 accumulation over K terms: a few ulps of the sum of |products|
    # (a wrong fragment layout or k permutation is off by O(|x . w|)).
    bound = 1e-5 * (np.abs(x64) @ np.abs(wt)) + 1e-6 * np.abs(init) + 1e-30
    (out,) = runner.call(v, ins, dts, [(ref.shape, "f32")])
    ok = np.isfinite(out).all() and bool((np.abs(out - ref) <= bound).all())
    worst = float(np.max(np.abs(out - ref) / bound)) if out.size and np.isfinite(out).all() else 0.0
    return check(f"{v['name']} T={t}", ok,
                 f"worst |err| / bound = {worst:.3f} finite={bool(np.isfinite(out).all())}")


def trap_case(runner, v, rng):
    """Subprocess body: an out-of-range expert id must make the call fail."""
    t, k, e = 300, v["k"], v["E"]
    ids = uniform_ids(rng, t, k, e)
    ids[123, 1 % k] = e if rng.random() < 0.5 else -1
    try:
        run_dispatch(runner, v, ids)
    except RuntimeError as ex:
        print(f"TRAP-OK {ex}", flush=True)
        os._exit(0)  # the CUDA context is unusable now: skip teardown
    print("TRAP-MISSING: the call returned without an error", flush=True)
    return 1


def run_all(runner, vs, rng, trap_cmd=None, chain=True):
    by = {v["name"]: v for v in vs}
    for v in vs:
        if v["kind"] == "route":
            for t in ROUTE_TOKENS:
                check_route(runner, v, t, rng)
            check_route_ties(runner, v, rng)
        elif v["kind"] == "dispatch":
            for t in (0, 1, 7, 512, 4096):
                check_dispatch(runner, v, uniform_ids(rng, t, v["k"], v["E"]), "uniform")
            for t in (7, 4096):
                check_dispatch(runner, v, skewed_ids(rng, t, v["k"], v["E"]), "skewed")
            if v["E"] <= 64:
                check_dispatch(runner, v, uniform_ids(rng, 20000, v["k"], v["E"]), "uniform")
        elif v["kind"] == "row_dot":
            for t in (0, *v["tokens"]):
                check_row_dot(runner, v, t, rng)
        elif v["kind"] == "combine":
            for t in (0, 1, 7, 512, 4096):
                check_combine(runner, v, t, rng)
            for mode in ("garbage", "missing", "duplicate"):
                check_combine(runner, v, 512, rng, mode)
    names = ("route_softmax_e8_k2_renorm", "dispatch_e8_t64_k2", "combine_h256_k2_weighted")
    if chain and all(n in by for n in names):
        for t in (1, 4096):
            check_chain(runner, *[by[n] for n in names], t, rng)
    if trap_cmd:
        for v in vs:
            if v["kind"] == "dispatch":
                r = subprocess.run(trap_cmd + [v["name"]], capture_output=True, text=True,
                                   timeout=300)
                tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or [""]
                check(f"{v['name']} out-of-range expert id reports an error",
                      r.returncode == 0 and "TRAP-OK" in r.stdout, tail[0][:200])


def bench(runner, vs, rng):
    """Median kernel times at T = 4096 (CUDA events, non-blocking mode)."""
    torch = runner.torch
    runner.rt.samoyeds_rt_set_stream(ctypes.c_void_p(torch.cuda.current_stream().cuda_stream))
    rows = []
    for v in vs:
        t = 4096
        if v["kind"] == "route":
            _, _, ins, dts = route_inputs(v, t, rng)
            outs = [((t, v["k"]), v["wt"]), ((t, v["k"]), "i32")]
        elif v["kind"] == "dispatch":
            ins, dts = [uniform_ids(rng, t, v["k"], v["E"])], ["i32"]
            outs = [((t * v["k"] + v["E"] * (v["tile"] - 1),), "i32"), ((v["E"] + 1,), "i32")]
        elif v["kind"] == "row_dot":
            ins, dts, _, _ = row_dot_inputs(v, t, rng)
            outs = [(ins[2].shape, "f32")]
        else:
            lst, _ = ref_dispatch(uniform_ids(rng, t, v["k"], 8), 8, 64)
            r, w = combine_inputs(v, rng, t, lst)
            ins, dts = [r, lst, w], ["f32", "i32", "f32"]
            outs = [((t, v["H"]), "f32")]
        tins = [runner.tensor(a, dt) for a, dt in zip(ins, dts)]
        touts = [torch.empty(s, dtype=torch.int32 if d == "i32" else
                             (torch.bfloat16 if d == "bf16" else torch.float32), device="cuda")
                 for s, d in outs]
        descs = [runner.desc(x) for x in tins + touts]
        ptrs = [runner.ptr(d) for d in descs]
        fn = runner.fn(v)
        runner.rt.samoyeds_rt_set_blocking(0)
        for _ in range(5):
            fn(*ptrs)
        torch.cuda.synchronize()
        times = []
        for _ in range(30):
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn(*ptrs)
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b) * 1000.0)
        runner.rt.samoyeds_rt_set_blocking(1)
        err = runner.rt.samoyeds_rt_clear_error()
        rows.append((v["name"], statistics.median(times), err))
    runner.rt.samoyeds_rt_set_stream(None)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gen", action="store_true", help="write and compile the variants")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--only", default=None, help="substring filter on variant names")
    ap.add_argument("--bench", action="store_true", help="also time each variant at T=4096")
    ap.add_argument("--trap-case", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.gen:
        sys.exit(gen(args))
    if np is None:
        sys.exit("routing_check: the checks need numpy (and torch with CUDA)")

    with open(os.path.join(args.dir, "routing", "variants.json")) as f:
        vs = json.load(f)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = np.random.default_rng(seed)
    runner = DeviceRunner(args.dir)
    if args.trap_case:
        sys.exit(trap_case(runner, next(v for v in vs if v["name"] == args.trap_case), rng))
    import torch
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}  seed {seed}")
    if args.only:
        vs = [v for v in vs if args.only in v["name"]]
    trap_cmd = [sys.executable, os.path.abspath(__file__), "--dir", args.dir,
                "--seed", str(seed), "--trap-case"]
    run_all(runner, vs, rng, trap_cmd=trap_cmd)
    timing = bench(runner, vs, rng) if args.bench else []
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(results=results, timing=timing, seed=seed,
                           device=torch.cuda.get_device_name()), f, indent=1)
    passed = sum(ok for _, ok, _ in results)
    failed = len(results) - passed
    print()
    if timing:
        print("| variant | T | median (us) |")
        print("|---|---|---|")
        for n, us, err in timing:
            print(f"| {n} | 4096 | {us:.1f}{' (error ' + str(err) + ')' if err else ''} |")
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
