"""Independent numpy reference for the samoyeds CPU execution tests.

Nothing here calls the samoyeds C++ code: the pruner/packer, the op semantics
(route, dispatch, ssmm, combine, moe) and the tolerances are re-implemented from
the op descriptions (SamoyedsOps.td) and docs/format.md, in float64.

A test builds an MLIR program with `Program`, runs it through
`samoyeds-opt --samoyeds-cpu-pipeline | mlir-runner`, parses what the program
printed and compares every printed tensor with the reference (`Checker`).

Tolerances (derived, not tuned)
-------------------------------
Inputs are chosen exactly representable in bf16 and f16: k/64 with |k| <= 127
(at most 8 significant bits), so both sides start from identical values and the
products w*x are exact in f32 (multiples of 2^-12 below 4 in magnitude). What
remains are the roundings of the MLIR code, bounded per output element by a
running error bound propagated alongside the float64 reference:
  * an f32 dot product of length K accumulated in order has
    |err| <= gamma_K * sum|w||x|, gamma_K = K u / (1 - K u) ~ K u, u = 2^-24
    (we use 2 K u);
  * silu_mul: y = silu(g) u with |silu'| <= 1.1, so
    |dy| <= 1.1 |dg| |u| + |silu(g)| |du| + |dg||du|, plus a few f32 ulps of |y|
    for exp / divide / multiply (we use 8 u |y|);
  * storing into bf16 / f16 (H of a MoE layer, an ssmm or moe result of that type)
    rounds to nearest: relative 2^-8 (bf16) / 2^-11 (f16), i.e. |err| <= u_t |y|;
    the next GEMM then sees |dH| and propagates sum |w2| |dH|;
  * the routing weights: softmax / sigmoid / renormalisation in f32 are within
    (E + 16) u relative; the scaling multiplication adds u;
  * combine adds k (or k + 1 with a shared expert) terms: k u sum |terms|.
The final tolerance is 2x the propagated bound plus 1e-6 absolute (the runner
prints 6 significant digits, i.e. relative 5e-7, also covered by the 2x).
Every comparison also checks, on a copy, that a perturbation of one element by
10x its tolerance (at least 1e-3 relative) is detected, so a check that cannot
fail is itself reported as a failure.
"""

import os
import re
import subprocess
import sys

import numpy as np

U32 = 2.0 ** -24
UNIT_ROUNDOFF = {"bf16": 2.0 ** -8, "f16": 2.0 ** -11, "f32": 2.0 ** -24}

# ---------------------------------------------------------------------------
# Exactly representable random values
# ---------------------------------------------------------------------------


def exact_values(rng, shape, kmax=127):
    """Random k/64 values, |k| <= kmax: exact in bf16, f16 and f32."""
    return rng.integers(-kmax, kmax + 1, size=shape).astype(np.float64) / 64.0


def exact_nonzero(rng, shape, kmax=127):
    """Like exact_values but never zero."""
    k = rng.integers(1, kmax + 1, size=shape) * rng.choice([-1, 1], size=shape)
    return k.astype(np.float64) / 64.0


def round_to(x, elt):
    """Round float64 values to bf16 / f16 / f32 (nearest even), as float64."""
    x = np.asarray(x, dtype=np.float64)
    if elt == "f32":
        return x.astype(np.float32).astype(np.float64)
    if elt == "f16":
        return x.astype(np.float16).astype(np.float64)
    assert elt == "bf16"
    b = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return (rounded.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


# ---------------------------------------------------------------------------
# The weight format: an independent numpy pruner / packer / unpacker
# ---------------------------------------------------------------------------


def prune_pack(w, n, m, v):
    """Prunes a dense R x C weight (docs/format.md section 3) and packs it.

    Returns (values, meta, rowidx, pruned): values (R*n/m) x (C/2) float64,
    meta (R*n/m) x (C/16) uint16, rowidx (C/v) x (R*n/m) uint8, and the pruned
    dense weight (the kept entries at their places, zeros elsewhere).
    """
    w = np.asarray(w, dtype=np.float64)
    rows, cols = w.shape
    assert rows % m == 0 and cols % v == 0 and v % 32 == 0
    groups, slices, cond = rows // m, cols // v, rows * n // m
    # Row selection per (group, slice): n largest L1 norms, ties the lower row.
    norms = np.abs(w).reshape(groups, m, slices, v).sum(axis=3)  # g, j, s
    order = np.argsort(-norms, axis=1, kind="stable")[:, :n, :]
    sel = np.sort(order, axis=1)  # g, jj, s: ascending original row
    rowidx = sel.transpose(2, 0, 1).reshape(slices, cond).astype(np.uint8)
    orig = np.arange(groups)[:, None, None] * m + sel  # g, jj, s
    # The condensed rows: slice s of condensed row g*n+jj is that slice of
    # original row orig[g, jj, s].
    cond_dense = w.reshape(rows, slices, v)[orig, np.arange(slices)[None, None, :]]
    cond_dense = cond_dense.reshape(cond, cols)
    # 2 of every 4: the two largest |x|, ties the lower column; ascending.
    grp = cond_dense.reshape(cond, cols // 4, 4)
    keep = np.sort(np.argsort(-np.abs(grp), axis=2, kind="stable")[:, :, :2], axis=2)
    values = np.take_along_axis(grp, keep, axis=2).reshape(cond, cols // 2)
    nib = keep[:, :, 0] | (keep[:, :, 1] << 2)  # cond, cols/4
    meta = (nib.reshape(cond, cols // 16, 4) << np.array([0, 4, 8, 12])).sum(axis=2)
    meta = meta.astype(np.uint16)
    pruned = unpack(values, meta, rowidx, n, m, v, rows, cols)
    return values, meta, rowidx, pruned


def unpack(values, meta, rowidx, n, m, v, rows, cols):
    """Expands packed storage to the dense weight (zeros off the pattern)."""
    cond = rows * n // m
    dense = np.zeros((rows, cols))
    q = np.arange(cols // 4)
    shift = (q % 4) * 4
    for r in range(cond):
        nib = (meta[r, q // 4].astype(np.int64) >> shift) & 0xF
        p0, p1 = nib & 3, nib >> 2
        assert np.all(p0 < p1), "malformed metadata"
        orig = (r // n) * m + rowidx[(4 * q) // v, r].astype(np.int64)
        dense[orig, 4 * q + p0] = values[r, 2 * q]
        dense[orig, 4 * q + p1] = values[r, 2 * q + 1]
    return dense


def prune_pack_experts(w, n, m, v):
    """prune_pack of every expert of an E x R x C weight, stacked."""
    parts = [prune_pack(w[e], n, m, v) for e in range(w.shape[0])]
    return tuple(np.stack([p[i] for p in parts]) for i in range(4))


def fitting_weight(rng, rows, cols, n, m, v):
    """A random weight that already fits the pattern exactly (pack is exact):
    n random rows per (group, slice) cell, 2 random positions per 4 columns,
    non-zero values (also zeros in the kept positions sometimes)."""
    w = np.zeros((rows, cols))
    for g in range(rows // m):
        for s in range(cols // v):
            sel = rng.choice(m, size=n, replace=False)
            for j in sel:
                r = g * m + j
                for q in range(s * v // 4, (s + 1) * v // 4):
                    pos = rng.choice(4, size=2, replace=False)
                    w[r, 4 * q + pos] = exact_nonzero(rng, 2)
    # A few kept positions set to zero: still fits.
    mask = rng.random(w.shape) < 0.05
    w[mask] = 0.0
    return w


# ---------------------------------------------------------------------------
# Op semantics in float64
# ---------------------------------------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def silu(x):
    return x * sigmoid(x)


def _margin(gap, diff):
    return gap if diff == 0 else min(gap, diff)


def route(logits, top_k, scoring="softmax", bias=None, renormalize=False,
          n_group=1, topk_group=1, scaling=1.0):
    """samoyeds.route. Returns (weights, indices, gap): gap is the smallest
    non-zero margin of any selection decision (group cut and expert cut); a
    test keeps it well above the f32 noise so that both sides make the same
    choices. Exact ties (margin 0, from equal logits) are decided the same way
    on both sides (lower index) and are allowed."""
    logits = np.asarray(logits, dtype=np.float64)
    t, e = logits.shape
    if scoring == "softmax":
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        s = z / z.sum(axis=1, keepdims=True)
    else:
        s = sigmoid(logits)
    q = s + bias[None, :] if bias is not None else s.copy()
    weights = np.zeros((t, top_k))
    indices = np.zeros((t, top_k), dtype=np.int64)
    gap = np.inf
    for i in range(t):
        eligible = np.ones(e, dtype=bool)
        if n_group > 1:
            gs = e // n_group
            grp = q[i].reshape(n_group, gs)
            top = -np.sort(-grp, axis=1)[:, : min(2, gs)]
            gscore = top.sum(axis=1)
            gorder = sorted(range(n_group), key=lambda g: (-gscore[g], g))
            kept = gorder[:topk_group]
            if topk_group < n_group:
                gap = _margin(gap, gscore[gorder[topk_group - 1]] - gscore[gorder[topk_group]])
            eligible[:] = False
            for g in kept:
                eligible[g * gs:(g + 1) * gs] = True
        cand = [x for x in range(e) if eligible[x]]
        order = sorted(cand, key=lambda x: (-q[i, x], x))
        for j in range(top_k):
            indices[i, j] = order[j]
        # Margins between consecutive picks and at the cut.
        for j in range(min(top_k, len(order) - 1)):
            gap = _margin(gap, q[i, order[j]] - q[i, order[j + 1]])
        w = s[i, indices[i]]
        if renormalize:
            w = w / w.sum()
        weights[i] = w * scaling
    return weights, indices, gap


def dispatch(indices, num_experts, tile):
    """samoyeds.dispatch: (list, offsets) as int64 arrays."""
    t, k = indices.shape
    flat = indices.reshape(-1)
    sentinel = t * k
    length = t * k + num_experts * (tile - 1)
    lst = np.full(length, sentinel, dtype=np.int64)
    offsets = np.zeros(num_experts + 1, dtype=np.int64)
    pos = 0
    for e in range(num_experts):
        ids = [f for f in range(t * k) if flat[f] == e]
        offsets[e] = pos
        lst[pos:pos + len(ids)] = ids
        pos += -(-len(ids) // tile) * tile
    offsets[num_experts] = pos
    return lst, offsets


def ssmm(weight, x, lst, offsets=None, scale=None, top_k=1, gather=False,
         epilogue="none", out_elt="f32", x_err=None):
    """samoyeds.ssmm with the dense (pruned) weight [E x] R x C.

    Returns (y, err): float64 result and the per-element error bound of an f32
    implementation (see the module docstring). `x_err` is an error bound of
    the input rows already present (a previous ssmm's output)."""
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim == 2:
        w = w[None]
        offsets = np.array([0, len(lst)])
    r, c = w.shape[1:]
    out_cols = r // 2 if epilogue == "silu_mul" else r
    y = np.zeros((len(lst), out_cols))
    err = np.zeros_like(y)
    if gather:
        bound = x.shape[0] * top_k
    elif scale is not None:
        bound = scale.size
    else:
        bound = None
    for e in range(w.shape[0]):
        for i in range(max(offsets[e], 0), min(offsets[e + 1], len(lst))):
            ident = lst[i]
            if bound is not None and not 0 <= ident < bound:
                continue
            row = ident // top_k if gather else i
            xi = x[row]
            a = w[e] @ xi
            a_abs = np.abs(w[e]) @ np.abs(xi)
            ea = 2 * c * U32 * a_abs
            if x_err is not None:
                ea = ea + np.abs(w[e]) @ x_err[row]
            if epilogue == "silu_mul":
                g, u, eg, eu = a[:out_cols], a[out_cols:], ea[:out_cols], ea[out_cols:]
                yi = silu(g) * u
                ei = 1.1 * eg * np.abs(u) + np.abs(silu(g)) * eu + eg * eu + 8 * U32 * np.abs(yi)
            else:
                yi, ei = a, ea
            if scale is not None:
                s = scale.reshape(-1)[ident]
                yi = yi * s
                ei = ei * abs(s) + 2 * U32 * np.abs(yi)
            if out_elt != "f32":
                ei = ei + UNIT_ROUNDOFF[out_elt] * (np.abs(yi) + ei)
            y[i], err[i] = yi, ei
    return y, err


def combine(rows, lst, weights, weighted=False, rows_err=None):
    """samoyeds.combine; returns (y, err)."""
    t, k = weights.shape
    y = np.zeros((t, rows.shape[1]))
    mag = np.zeros_like(y)
    err = np.zeros_like(y)
    terms = np.zeros(t)
    for i, ident in enumerate(lst):
        if not 0 <= ident < t * k:
            continue
        tok, j = divmod(int(ident), k)
        f = weights[tok, j] if weighted else 1.0
        y[tok] += f * rows[i]
        mag[tok] += abs(f) * np.abs(rows[i])
        if rows_err is not None:
            err[tok] += abs(f) * rows_err[i]
        terms[tok] += 1
    err += (terms[:, None] + 1) * U32 * mag
    return y, err


def moe(x, gate_w, w13, w2, top_k, scoring="softmax", bias=None,
        renormalize=False, n_group=1, topk_group=1, scaling=1.0, tile=64,
        shared=None, shared_gate=None, h_elt="bf16", out_elt="f32"):
    """samoyeds.moe with dense (pruned) expert weights; returns (y, err, gap)
    following the decomposition of SamoyedsOps.td: H is stored in h_elt."""
    t, hidden = x.shape
    e = gate_w.shape[0]
    logits = x @ gate_w.T  # exact in f32 for k/64 inputs
    wts, ids, gap = route(logits, top_k, scoring, bias, renormalize, n_group,
                          topk_group, scaling)
    w_err = (e + 16) * U32 * np.abs(wts)
    lst, offs = dispatch(ids, e, tile)
    h, h_err = ssmm(w13, x, lst, offs, None, top_k, True, "silu_mul", h_elt)
    rows, rows_err = ssmm(w2, h, lst, offs, wts, top_k, False, "none", "f32",
                          x_err=h_err)
    # The routing weight error scales the unscaled rows.
    flat_w = np.concatenate([wts.reshape(-1), [0.0]])
    flat_we = np.concatenate([w_err.reshape(-1), [0.0]])
    sel = np.where((lst >= 0) & (lst < t * top_k), lst, t * top_k)
    safe = np.where(flat_w[sel] != 0, np.abs(flat_w[sel]), 1.0)
    rows_err = rows_err + np.abs(rows) / safe[:, None] * flat_we[sel][:, None]
    y, err = combine(rows, lst, wts, False, rows_err)
    if shared is not None:
        s13, s2 = shared
        all_t = np.arange(t)
        hs, hs_err = ssmm(s13, x, all_t, None, None, 1, True, "silu_mul", h_elt)
        ys, ys_err = ssmm(s2, hs, all_t, None, None, 1, False, "none", "f32",
                          x_err=hs_err)
        if shared_gate is not None:
            gl = x @ shared_gate  # exact
            g = sigmoid(gl)[:, None]
            ys_err = ys_err * g + 8 * U32 * np.abs(ys) * g
            ys = ys * g
        err = err + ys_err + U32 * (np.abs(y) + np.abs(ys))
        y = y + ys
    if out_elt != "f32":
        err = err + UNIT_ROUNDOFF[out_elt] * (np.abs(y) + err)
    return y, err, gap


# ---------------------------------------------------------------------------
# MLIR program text
# ---------------------------------------------------------------------------

NP_BITS = {"i32": "<i4", "i16": "<i2", "i8": "i1", "f32": "<f4", "f16": "<f2"}


def tensor_type(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def memref_type(shape, elt):
    return "memref<" + "".join(f"{d}x" for d in shape) + elt + ">"


def dense_attr(arr, elt):
    """A dense elements attribute (hex, little-endian) holding `arr` exactly."""
    a = np.asarray(arr)
    if elt == "bf16":
        f = a.astype(np.float64).astype(np.float32)
        bits = f.view(np.uint32)
        assert np.all(bits & 0xFFFF == 0), "value not exactly representable in bf16"
        raw = (bits >> 16).astype("<u2").tobytes()
    elif elt in ("f16", "f32"):
        conv = a.astype(NP_BITS[elt])
        assert np.array_equal(conv.astype(np.float64), a.astype(np.float64)), \
            f"value not exactly representable in {elt}"
        raw = conv.tobytes()
    else:
        if elt == "i16" and a.dtype == np.uint16:
            a = a.view(np.int16)
        raw = a.astype(NP_BITS[elt]).tobytes()
    return f'dense<"0x{raw.hex().upper()}">'


def packed_type(shape, elt, n, m, v):
    dims = "".join(f"{d}x" for d in shape)
    return f"!samoyeds.packed<{dims}{elt}, #samoyeds.format<n = {n}, m = {m}, v = {v}>>"


def storage_types(shape, elt, n, m, v):
    """Types of the three storage tensors of a packed [E x] R x C weight."""
    lead = list(shape[:-2])
    r, c = shape[-2:]
    cond = r * n // m
    return (tensor_type(lead + [cond, c // 2], elt),
            tensor_type(lead + [cond, c // 16], "i16"),
            tensor_type(lead + [c // v, cond], "i8"))


class Function:
    """Builds the body of one func.func; values are named %vN."""

    def __init__(self, program, name, args=(), results=()):
        self.program = program
        self.name = name
        self.args = list(args)  # (type)
        self.results = list(results)
        self.lines = []
        self.counter = 0

    def arg(self, i):
        return f"%arg{i}"

    def fresh(self):
        self.counter += 1
        return f"%v{self.counter}"

    def emit(self, text):
        self.lines.append("    " + text)

    def op(self, text, nresults=1):
        names = [self.fresh() for _ in range(nresults)]
        if nresults == 1:
            self.emit(f"{names[0]} = {text}")
            return names[0]
        self.emit(f"{names[0]}:{nresults} = {text}")
        return [f"{names[0]}#{i}" for i in range(nresults)]

    def empty(self, ttype, sizes=()):
        """tensor.empty of `ttype` (the `outs` init of a samoyeds op); `sizes`
        are index values, one per dynamic dimension."""
        return self.op(f"tensor.empty({', '.join(sizes)}) : {ttype}")

    def const(self, arr, elt):
        arr = np.asarray(arr)
        t = tensor_type(arr.shape, elt)
        return self.op(f"arith.constant {dense_attr(arr, elt)} : {t}")

    def assemble(self, values, meta, rowidx, shape, elt, n, m, v):
        """samoyeds.assemble of numpy storage constants."""
        vt, mt, rt = storage_types(shape, elt, n, m, v)
        cv = self.const(values, elt)
        cm = self.const(meta, "i16")
        cr = self.const(rowidx, "i8")
        return self.op(f"samoyeds.assemble {cv}, {cm}, {cr} : {vt}, {mt}, {rt} -> "
                       f"{packed_type(shape, elt, n, m, v)}")

    def pack(self, dense, shape, elt, n, m, v):
        return self.op(f"samoyeds.pack {dense} : {tensor_type(shape, elt)} -> "
                       f"{packed_type(shape, elt, n, m, v)}")

    def to_f32(self, value, shape, elt):
        """A tensor converted elementwise to f32 (extf), through linalg."""
        if elt == "f32":
            return value
        return self._map(value, shape, elt, "f32", f"arith.extf %a : {elt} to f32")

    def to_bits(self, value, shape):
        """f32 tensor -> its i32 bit patterns (for exact printing)."""
        return self._map(value, shape, "f32", "i32", "arith.bitcast %a : f32 to i32")

    def _map(self, value, shape, src, dst, body):
        rank = len(shape)
        dims = ", ".join(f"d{i}" for i in range(rank))
        amap = f"affine_map<({dims}) -> ({dims})>"
        empty = self.op(f"tensor.empty() : {tensor_type(shape, dst)}")
        iters = ", ".join(['"parallel"'] * rank)
        res = self.fresh()
        self.emit(f"{res} = linalg.generic {{indexing_maps = [{amap}, {amap}], "
                  f"iterator_types = [{iters}]}} ins({value} : {tensor_type(shape, src)}) "
                  f"outs({empty} : {tensor_type(shape, dst)}) {{")
        self.emit(f"^bb0(%a: {src}, %o: {dst}):")
        self.emit(f"  %c = {body}")
        self.emit(f"  linalg.yield %c : {dst}")
        self.emit(f"}} -> {tensor_type(shape, dst)}")
        return res

    def print_tensor(self, value, shape, elt, exact=False):
        """Prints a tensor with printMemrefF32 (floats, 6 digits) or
        printMemrefI32 (integers, or float bit patterns when exact; i64
        values are truncated to i32 first)."""
        if elt == "i64":
            value = self._map(value, shape, "i64", "i32", "arith.trunci %a : i64 to i32")
            elt = "i32"
        if elt in ("i32",):
            pelt, fn = "i32", "printMemrefI32"
        else:
            value = self.to_f32(value, shape, elt)
            if exact:
                value = self.to_bits(value, shape)
                pelt, fn = "i32", "printMemrefI32"
            else:
                pelt, fn = "f32", "printMemrefF32"
        buf = self.op(f"bufferization.to_buffer {value} : {tensor_type(shape, pelt)} "
                      f"to {memref_type(shape, pelt)}")
        unranked = self.op(f"memref.cast {buf} : {memref_type(shape, pelt)} to "
                           f"memref<*x{pelt}>")
        self.emit(f"func.call @{fn}({unranked}) : (memref<*x{pelt}>) -> ()")

    def call(self, callee, args, arg_types, result_types):
        n = len(result_types)
        text = (f"func.call @{callee}({', '.join(args)}) : ({', '.join(arg_types)}) -> "
                f"({', '.join(result_types)})")
        if n == 0:
            self.emit(text)
            return []
        res = self.op(text, n)
        return [res] if n == 1 else res

    def ret(self, values=()):
        if values:
            self.emit(f"return {', '.join(values)} : {', '.join(self.results)}")
        else:
            self.emit("return")

    def text(self):
        args = ", ".join(f"%arg{i}: {t}" for i, t in enumerate(self.args))
        res = ""
        if self.results:
            res = " -> (" + ", ".join(self.results) + ")"
        return "\n".join([f"  func.func @{self.name}({args}){res} {{"] + self.lines + ["  }"])


class Program:
    def __init__(self):
        self.functions = []

    def function(self, name, args=(), results=()):
        f = Function(self, name, args, results)
        self.functions.append(f)
        return f

    def text(self):
        head = [
            "module {",
            "  func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}",
            "  func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}",
        ]
        return "\n".join(head + [f.text() for f in self.functions] + ["}"]) + "\n"


# ---------------------------------------------------------------------------
# Running and parsing
# ---------------------------------------------------------------------------


def parse_args(argv):
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--libs", required=True, help="mlir-runner shared libraries")
    p.add_argument("--tmp", required=True, help="path prefix for temporary files")
    p.add_argument("--opt", default="samoyeds-opt")
    p.add_argument("--runner", default="mlir-runner")
    return p.parse_args(argv)


def run(program, args):
    """Compiles and runs `program`; returns the list of printed arrays."""
    src = program.text()
    path = args.tmp + ".mlir"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(src)
    opt = subprocess.run([args.opt, "--samoyeds-cpu-pipeline", path],
                         capture_output=True, text=True)
    if opt.returncode != 0:
        sys.stderr.write(opt.stderr[-20000:])
        raise SystemExit(f"FAIL: samoyeds-opt failed on {path}")
    llvm_path = args.tmp + ".llvm.mlir"
    with open(llvm_path, "w") as f:
        f.write(opt.stdout)
    res = subprocess.run([args.runner, "-e", "main", "-entry-point-result=void",
                          "-shared-libs=" + args.libs, llvm_path],
                         capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-5000:] + res.stderr[-5000:])
        raise SystemExit(f"FAIL: mlir-runner failed on {llvm_path}")
    return parse_memrefs(res.stdout)


_HEADER = re.compile(r"Unranked Memref base@ = \S+ rank = (\d+) offset = \d+ "
                     r"sizes = \[([^\]]*)\] strides = \[[^\]]*\] data =")
_NUMBER = re.compile(r"-?nan|-?inf|[-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def parse_memrefs(text):
    out = []
    heads = list(_HEADER.finditer(text))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        sizes = [int(s) for s in h.group(2).split(",") if s.strip()]
        nums = _NUMBER.findall(text[h.end():end])
        count = int(np.prod(sizes)) if sizes else 1
        if len(nums) != count:
            raise SystemExit(f"FAIL: could not parse printed memref #{i}: "
                             f"{len(nums)} numbers for sizes {sizes}")
        out.append(np.array([float(x) for x in nums]).reshape(sizes))
    return out


def bits_to_f32(a):
    """Decodes float bit patterns printed as i32."""
    return np.asarray(a).astype(np.int64).astype(np.int32).view(np.float32).astype(np.float64)


class Checker:
    """Collects comparisons; `finish` exits non-zero when any failed."""

    def __init__(self, outputs):
        self.outputs = list(outputs)
        self.next = 0
        self.failures = 0
        self.checks = 0

    def take(self):
        if self.next >= len(self.outputs):
            raise SystemExit("FAIL: the program printed fewer tensors than expected")
        a = self.outputs[self.next]
        self.next += 1
        return a

    @staticmethod
    def _violations(got, ref, tol):
        if got.shape != ref.shape:
            return None
        bad = ~(np.abs(got - ref) <= tol)
        return bad

    def close(self, name, ref, tol, got=None, bits=False):
        """The next printed tensor equals `ref` within `tol` (elementwise)."""
        if got is None:
            got = self.take()
            if bits:
                got = bits_to_f32(got)
        ref = np.asarray(ref, dtype=np.float64)
        tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), ref.shape)
        self.checks += 1
        bad = self._violations(got, ref, tol)
        if bad is None:
            print(f"FAIL {name}: shape {got.shape}, expected {ref.shape}")
            self.failures += 1
            return
        # The comparison must be able to fail: perturb the largest-tolerance
        # element of a copy beyond its tolerance.
        if ref.size:
            idx = np.unravel_index(np.argmax(tol), ref.shape)
            pert = got.copy()
            pert[idx] += 10 * tol[idx] + 1e-3 * max(1.0, abs(ref[idx]))
            if not self._violations(pert, ref, tol).any():
                print(f"FAIL {name}: a perturbed result is not detected")
                self.failures += 1
        if bad.any():
            idx = np.argwhere(bad)
            print(f"FAIL {name}: {len(idx)} of {ref.size} elements outside the tolerance")
            for i in idx[:8]:
                i = tuple(i)
                print(f"  at {i}: got {got[i]!r}, expected {ref[i]!r}, tolerance {tol[i]!r}")
            self.failures += 1
        else:
            err = np.abs(got - ref)
            ratio = float(np.max(err / np.maximum(tol, 1e-300))) if ref.size else 0.0
            print(f"ok   {name}: max |err| {float(err.max()) if ref.size else 0.0:.3g}, "
                  f"max err/tol {ratio:.3g}")

    def equal(self, name, ref, got=None, bits=False):
        """The next printed tensor equals `ref` exactly."""
        if got is None:
            got = self.take()
            if bits:
                got = bits_to_f32(got)
        ref = np.asarray(ref, dtype=np.float64)
        self.checks += 1
        if got.shape != ref.shape:
            print(f"FAIL {name}: shape {got.shape}, expected {ref.shape}")
            self.failures += 1
            return
        bad = ~((got == ref) | (np.isnan(got) & np.isnan(ref)))
        if bad.any():
            idx = np.argwhere(bad)
            print(f"FAIL {name}: {len(idx)} of {ref.size} elements differ")
            for i in idx[:8]:
                i = tuple(i)
                print(f"  at {i}: got {got[i]!r}, expected {ref[i]!r}")
            self.failures += 1
        else:
            print(f"ok   {name}: exact")

    def finish(self):
        if self.next != len(self.outputs):
            print(f"FAIL: {len(self.outputs) - self.next} printed tensors were not checked")
            self.failures += 1
        print(f"{self.checks} checks, {self.failures} failures")
        if self.failures:
            sys.exit(1)
        print("PASS")
