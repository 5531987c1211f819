#!/usr/bin/env python3
"""Decode-sized whole MoE layers in CUDA-graph replay, L2 flushed: the compiled
layer against torch._grouped_mm and the HF-style expert loop (issue 10, item 5).

On the GPU machine, from the repository root with build-device/ carried (made on
the development machine by `bash scripts/device/prepare.sh`, whose
`moe_check.py --gen` compiles the presets into build-device/moe):

    python3 benchmarks/decode_bench.py --dir build-device [--json FILE]

On the development machine (CPU torch, no GPU): the inputs, the reference, both
baselines (eager), the checks, the byte counts and the table for tiny versions
of the presets, no timing:

    /usr/bin/python3 benchmarks/decode_bench.py --dry-run

--profile adds, per row, the kernels of ten flushed replays of ours under
torch.profiler (CUPTI device time per launch, the flush's kernels left out) and
their sum against the replay's median; the rest of a replay is launch gaps.

Presets mixtral, deepseek, qwen (bf16, weights as test/Integration/GPU/moe_check.py
makes them: moe_check.Layer), T = 1, 4, 16, 64, 256 (--tokens). Three sides,
each captured in its own torch.cuda.CUDAGraph on one static input tensor
(three warm-up calls on a side stream first, as graph_check.py does):

  ours     the compiled layer of build-device/moe (the .so moe_check --gen
           builds), called as moe_check calls it: CompiledMoE.prepare on the
           static tensors, non-blocking, on torch's current stream (the
           capture stream).
  grouped  moe_check.Grouped, imported (torch._grouped_mm over all experts,
           tokens sorted by expert; its expert counts are a scatter_add_, so
           nothing in it synchronises the host).
  HF       moe_check.hf_loop's per-expert loop (router in float32, per hit
           expert: index its tokens, silu(x W1^T) * (x W3^T) W2^T, scale,
           index_add_). Its host-side choices (one_hot, nonzero, where: which
           experts, which tokens, each a device-to-host read that a capture
           refuses) are made once from the static input before the capture;
           the graph recomputes the router and the weights, so it is valid
           for any input with the same routing.

Checks (each printed `ok`/`FAIL`; any FAIL makes the exit status 1): once per
captured graph on the input it was captured on, the output poisoned with NaN
before the replay, against moe_check's float32 reference of the same pruned
layer (Layer.reference): no NaN, relative error <= 1e-2 (ours) or 2e-2 (the
baselines, as moe_check). Inputs are N(0, 1) tokens whose float32 top-k margin
is >= 1e-3 (--margin), so every side routes them as the reference does and all
tokens are compared. Then the graph test: new data copied into the static
input tensor and the graphs replayed again (output poisoned first): two fresh
random inputs (any routing) for ours and grouped, and one input with the
captured routing (the static input plus noise orthogonal to the gate rows,
tokens whose routing would change left as they were) for all three.

L2 flush: before every timed replay (and every warm-up replay) a 256 MiB
buffer (--flush-mib, > 4x the L2) is READ (torch.sum into one float), then the
start event is recorded, then the graph replayed, then the end event: the flush
precedes the start event in stream order, so it is outside the timed interval.
Why a read and not `.zero_()` (--flush zero): a write leaves the L2 full of
dirty lines of the flush buffer, whose write-back to HBM happens when the
replay's loads evict them, inside the timed interval (up to the L2 size, about
10 us at HBM speed, comparable to a decode layer's weight stream); a read
leaves clean lines that are dropped for free. Why not rotating weight sets:
each side would need several copies of its weights (dense bf16 for the
baselines: 2.7 GiB each for Mixtral) and one captured graph per copy; the flush
treats the three sides alike with one graph each. --flush none gives L2-warm
numbers (ours is also timed L2-warm, in the log and the JSON).

Timing: CUDA events around each replay, the (flush, start, replay, end)
sequences of --replays (>= 30, default 50) replays enqueued back to back after
--warmup replays, one synchronisation at the end; the median in microseconds.

Bytes and bandwidth: the weights the compiled layer reads for that input, from
the float32 routing of the timed input: the experts with at least one routed
(token, slot) pair, times one expert's packed W13 and W2 (values, meta, rowidx),
plus the packed shared expert (s13, s2), plus the gate (E x H) and, where the
layer has them, the shared gate vector (H) and the correction bias (E f32).
Activations (x, out: T x H each) are not counted. Achieved TB/s = bytes /
median time of ours. Copy bandwidth: the median of a 1 GiB device-to-device
copy (torch copy_) in the same run, counted as 2 GiB moved (read + write) per
copy; the table gives ours' TB/s as a fraction of it.

Output: the checks, "N passed, M failed", the copy bandwidth, then the markdown
table last. --json FILE writes rows, checks, copy bandwidth, seed, device.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration", "GPU"))

import moe_check  # noqa: E402  (the device check: Layer, Grouped, reference, check)
from samoyeds.format import ELEM_BYTES, storage_shapes  # noqa: E402
from samoyeds.mlirgen import MoEConfig  # noqa: E402

PRESETS = ("mixtral", "deepseek", "qwen")
TOKENS = (1, 4, 16, 64, 256)
TABLE_TITLE = "Decode layers in CUDA-graph replay"


# ----------------------------------------------------------------------------
# Pure helpers (no torch): expert sets, bytes, bandwidth
# ----------------------------------------------------------------------------


def _flat(ids):
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
    if isinstance(ids, (list, tuple)):
        for v in ids:
            yield from _flat(v)
    else:
        yield int(ids)


def experts_hit(ids):
    """The sorted expert indices with at least one routed (token, slot) pair;
    ids: the T x k expert ids of a routing (torch tensor, numpy array or
    nested lists)."""
    return sorted(set(_flat(ids)))


def packed_bytes(fmt, shape, dtype):
    """Bytes of one packed R x C (or E x R x C) weight: values (2 bytes each
    for bf16/f16), meta (int16), rowidx (int8); as PackedTensors.nbytes()."""
    v, m, r = storage_shapes(fmt, shape)
    prod = lambda s: math.prod(int(d) for d in s)
    return prod(v) * ELEM_BYTES[dtype] + prod(m) * 2 + prod(r)


def expert_bytes(cfg):
    """(one routed expert's packed W13 + W2 bytes, the shared expert's packed
    s13 + s2 bytes or 0)."""
    h, i, s = cfg.hidden, cfg.ffn, cfg.shared_ffn
    per = packed_bytes(cfg.fmt13, (2 * i, h), cfg.dtype) + packed_bytes(cfg.fmt2, (h, i), cfg.dtype)
    shared = 0
    if s:
        shared = (packed_bytes(cfg.fmt13, (2 * s, h), cfg.dtype)
                  + packed_bytes(cfg.fmt2, (h, s), cfg.dtype))
    return per, shared


def call_bytes(cfg, hit):
    """The weight bytes one call of the compiled layer reads: dict(experts
    (the number routed), routed, shared, router, total). hit: the experts with
    >= 1 token (a list, as experts_hit gives) or their number. router: the gate
    E x H, plus the shared gate H and the correction bias E (f32) where the
    layer has them."""
    n = hit if isinstance(hit, int) else len(hit)
    if not 0 <= n <= cfg.experts:
        raise ValueError(f"{n} experts hit, the layer has {cfg.experts}")
    per, shared = expert_bytes(cfg)
    elt = ELEM_BYTES[cfg.dtype]
    router = cfg.experts * cfg.hidden * elt
    if cfg.shared_gate:
        router += cfg.hidden * elt
    if cfg.correction_bias:
        router += 4 * cfg.experts
    routed = n * per
    return dict(experts=n, routed=routed, shared=shared, router=router,
                total=routed + shared + router)


def tb_per_s(nbytes, us):
    """Bytes moved in `us` microseconds, in TB/s (10^12 bytes per second)."""
    return nbytes / (us * 1e-6) / 1e12


def copy_tb_per_s(copy_bytes, us):
    """A device-to-device copy of `copy_bytes` reads and writes them: 2x."""
    return tb_per_s(2 * copy_bytes, us)


def tiny_config(name):
    """A small config of the preset's kind (routing, shared expert, gate) for
    --dry-run on the CPU."""
    base = MoEConfig.preset(name, dtype="bf16")
    kw = dict(hidden=256, ffn=128, experts=min(base.experts, 16))
    if base.shared_ffn:
        kw["shared_ffn"] = 256
    return base.replace(**kw)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-device"),
                    help="build-device/ with moe/presets.json and lib/ (default %(default)s)")
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--tokens", default=",".join(map(str, TOKENS)))
    ap.add_argument("--replays", type=int, default=50, help="timed replays (>= 30)")
    ap.add_argument("--warmup", type=int, default=5, help="replays before the timed ones")
    ap.add_argument("--flush", default="read", choices=("read", "zero", "none"),
                    help="L2 flush before each replay (see above; default %(default)s)")
    ap.add_argument("--flush-mib", type=int, default=256)
    ap.add_argument("--copy-mib", type=int, default=1024, help="the copy-bandwidth transfer")
    ap.add_argument("--margin", type=float, default=moe_check.MARGIN,
                    help="the least top-k selection margin of the drawn tokens")
    ap.add_argument("--pack-backend", default="numpy", choices=("numpy", "capi"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--profile", action="store_true",
                    help="also print, per row, the kernels of one flushed replay of ours "
                         "(torch.profiler, CUPTI device times) and the time between them")
    ap.add_argument("--dry-run", action="store_true",
                    help="CPU only: tiny presets, eager sides without the compiled layer, "
                         "no timing")
    args = ap.parse_args(argv)
    for name in args.presets.split(","):
        if name not in PRESETS:
            ap.error(f"unknown preset {name!r}; expected some of {','.join(PRESETS)}")
    try:
        args.token_list = [int(t) for t in args.tokens.split(",")]
    except ValueError:
        ap.error(f"--tokens must be integers separated by commas, got {args.tokens!r}")
    if any(t < 1 for t in args.token_list):
        ap.error("--tokens must be positive")
    if args.replays < 30:
        ap.error("--replays must be at least 30")
    if args.warmup < 0 or args.flush_mib < 1 or args.copy_mib < 1:
        ap.error("--warmup must be >= 0, --flush-mib and --copy-mib >= 1")
    return args


# ----------------------------------------------------------------------------
# Inputs, the HF loop in a graph
# ----------------------------------------------------------------------------


def routing(L, x):
    """(weights, ids, margin) of x in float32, as the reference routes."""
    import torch.nn.functional as F
    from samoyeds.torch_ref import route_torch
    return route_torch(F.linear(x.float(), L.gate.float()), L.cfg, L.bias)


def draw_tokens(L, t, gen, margin):
    """t x H tokens ~ N(0, 1) in the layer's dtype (as moe_check draws them)
    whose float32 top-k selection margin is at least `margin`."""
    import torch
    dev = L.gate.device
    kept, have = [], 0
    for _ in range(200):
        x = torch.randn(max(2 * t, 64), L.cfg.hidden, generator=gen).to(L.gate.dtype).to(dev)
        _, _, m = routing(L, x)
        ok = m >= margin
        kept.append(x[ok])
        have += int(ok.sum())
        if have >= t:
            return torch.cat(kept)[:t].contiguous()
    raise RuntimeError(f"could not draw {t} tokens with a top-k margin >= {margin}")


def same_routing(L, x0, gen, margin):
    """New tokens routed as x0: x0 plus N(0, 1) noise with its component in
    the span of the gate rows removed (the logits do not change but for the
    rounding to the layer's dtype); tokens whose float32 routing still
    changes or whose margin falls below `margin` keep x0's row. Returns
    (x1, the number of changed tokens)."""
    import torch
    g = L.gate.detach().double().cpu()                        # E x H
    z = torch.randn(tuple(x0.shape), generator=gen, dtype=torch.float64)
    z = z - (z @ g.t()) @ torch.linalg.solve(g @ g.t(), g)    # orthogonal to every gate row
    x1 = (x0.detach().double().cpu() + z).to(x0.dtype).to(x0.device)
    _, ids0, _ = routing(L, x0)
    _, ids1, m1 = routing(L, x1)
    good = (ids0 == ids1).all(dim=1) & (m1 >= margin)
    x1 = torch.where(good[:, None], x1, x0).contiguous()
    return x1, int(good.sum())


def hf_plan(cfg, x, gate, bias):
    """The host side of moe_check.hf_loop for input x: [(expert, token
    indices, slot indices)] of every expert with at least one token."""
    import torch
    import torch.nn.functional as F
    from samoyeds.torch_ref import route_torch
    _, ids, _ = route_torch(F.linear(x.float(), gate.float()), cfg, bias)
    mask = F.one_hot(ids, num_classes=cfg.experts).permute(2, 1, 0)
    hit = torch.greater(mask.sum(dim=(-1, -2)), 0).nonzero()
    plan = []
    for e in hit:
        e = int(e[0])
        slot, tok = torch.where(mask[e])
        plan.append((e, tok, slot))
    return plan


def hf_planned(cfg, x, gate, w13, w2, plan, s13=None, s2=None, sg=None, bias=None):
    """moe_check.hf_loop's device work with the expert and token choices of
    `plan` (hf_plan): router and routing weights recomputed from x, then per
    planned expert the same ops as hf_loop; capturable."""
    import torch
    import torch.nn.functional as F
    from samoyeds.torch_ref import route_torch
    weights, _, _ = route_torch(F.linear(x.float(), gate.float()), cfg, bias)
    weights = weights.to(x.dtype)
    y = torch.zeros_like(x)
    inter = cfg.ffn
    for e, tok, slot in plan:
        cur = x[tok]
        gu = F.linear(cur, w13[e])
        h = F.silu(gu[:, :inter]) * gu[:, inter:]
        out = F.linear(h, w2[e]) * weights[tok, slot, None]
        y.index_add_(0, tok, out.to(y.dtype))
    ys = moe_check.shared_expert(x, s13, s2, sg)
    return y if ys is None else y + ys


# ----------------------------------------------------------------------------
# Graphs and timing (CUDA)
# ----------------------------------------------------------------------------


class Flush:
    """The L2 flush before each replay: mode 'read' (sum of a `mib` MiB
    buffer into one float), 'zero' (.zero_() of it) or 'none'."""

    def __init__(self, mode, mib):
        import torch
        self.mode = mode
        self.buf = self.sink = None
        self._sum = torch.sum
        if mode != "none":
            self.buf = torch.zeros(mib * 2 ** 20 // 4, dtype=torch.float32, device="cuda")
            self.sink = torch.empty((), dtype=torch.float32, device="cuda")

    def __call__(self):
        if self.mode == "read":
            self._sum(self.buf, 0, out=self.sink)
        elif self.mode == "zero":
            self.buf.zero_()


def no_flush():
    pass


def time_replays(replay, flush, iters, warmup):
    """CUDA-event times (us) of `replay`, `flush` before each (outside the
    events); all enqueued, one synchronisation. dict(median, min, max)."""
    import torch
    for _ in range(warmup):
        flush()
        replay()
    torch.cuda.synchronize()
    evs = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
           for _ in range(iters)]
    for a, b in evs:
        flush()
        a.record()
        replay()
        b.record()
    torch.cuda.synchronize()
    ts = sorted(a.elapsed_time(b) * 1000.0 for a, b in evs)
    return dict(median=statistics.median(ts), min=ts[0], max=ts[-1])


def profile_replay(replay, flush, iters=10):
    """The kernels of `replay` (each replay flushed first) under torch.profiler:
    [(name, launches per replay, mean device us per launch)], in order of
    first appearance, and the mean device time per replay of those kernels.
    The flush's own kernels are dropped by name: the names a profile of a
    flush alone records."""
    import torch
    from torch.profiler import profile, ProfilerActivity
    for _ in range(3):
        flush()
        replay()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        flush()
        torch.cuda.synchronize()
    flush_names = {e.name for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA}
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(iters):
            flush()
            replay()
        torch.cuda.synchronize()
    order, total = {}, 0.0
    for e in prof.events():
        if e.device_type != torch.autograd.DeviceType.CUDA or e.name in flush_names:
            continue
        n, us = order.get(e.name, (0, 0.0))
        order[e.name] = (n + 1, us + e.time_range.elapsed_us())
        total += e.time_range.elapsed_us()
    rows = [(name, n / iters, us / n) for name, (n, us) in order.items()]
    return rows, total / iters


def print_profile(label, rows, total, median):
    print(f"profile {label}: kernels {total:.1f} us of a {median:.1f} us replay "
          f"(the rest is launch gaps)")
    for name, per, us in rows:
        print(f"  {us:8.1f} us x {per:4.1f}  {name[:110]}")


def copy_bandwidth(mib, iters=20):
    """(median us, TB/s read + write) of a device-to-device copy of `mib` MiB."""
    import torch
    n = mib * 2 ** 20
    bufs = [torch.ones(n, dtype=torch.uint8, device="cuda")]
    bufs.append(torch.zeros_like(bufs[0]))
    t = time_replays(lambda: bufs[1].copy_(bufs[0]), no_flush, iters, 3)["median"]
    bufs.clear()
    torch.cuda.empty_cache()
    return t, copy_tb_per_s(n, t)


class Side:
    """One side of a row: fn() computes the layer on the static input; on
    the GPU it is captured once (capture()) and run() replays the graph with
    the output poisoned first; on the CPU (dry run) run() calls fn."""

    def __init__(self, name, fn, tol, any_routing, sync=None):
        self.name, self.fn, self.tol, self.any_routing = name, fn, tol, any_routing
        self.sync = sync            # extra error check after a replay (ours)
        self.graph = self.out = None
        self.error = None

    def capture(self):
        import torch
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                self.fn()
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        if self.sync:
            self.sync()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            out = self.fn()
        torch.cuda.synchronize()
        self.graph, self.out = g, out

    def run(self, gpu):
        import torch
        if not gpu:
            return self.fn()
        self.out.fill_(float("nan"))
        self.graph.replay()
        torch.cuda.synchronize()
        if self.sync:
            self.sync()
        return self.out


def check_output(label, out, ref, tol):
    import torch
    nan = bool(torch.isnan(out).any().item())
    e = math.inf if nan else moe_check.rel_err(out, ref)
    return moe_check.check(label, not nan and e <= tol, f"rel_err={e:.2e} no_nan={not nan}"), e


# ----------------------------------------------------------------------------
# Layers
# ----------------------------------------------------------------------------


class DryLayer(moe_check.Layer):
    """moe_check.Layer's weights on the CPU without a compiled layer (the
    dry run): gate, bias, sg, packed and dense pruned weights; its
    reference() and kw() are Layer's."""

    def __init__(self, name, cfg, gen_cpu, args):  # noqa: D401 - no super().__init__: no GPU
        import torch
        from samoyeds.format import pack_torch
        from samoyeds.torch_ref import unpack_torch
        self.name, self.cfg, self.layer = name, cfg, None
        bf = torch.bfloat16
        rnd = lambda *shape, std=0.02: (torch.randn(*shape, generator=gen_cpu) * std).to(bf)
        h, e = cfg.hidden, cfg.experts
        self.gate = rnd(e, h)
        self.bias = (torch.rand(e, generator=gen_cpu) * 0.01) if cfg.correction_bias else None
        self.sg = rnd(h) if cfg.shared_gate else None
        self.packed, self.dense = {}, {}
        for wname, shape in cfg.weight_shapes().items():
            p = pack_torch(rnd(*shape), cfg.weight_format(wname), backend=args.pack_backend)
            self.packed[wname] = p.to_torch("cpu")
            self.dense[wname] = unpack_torch(self.packed[wname], bf)
        self.setup_s = 0.0


def bench_row(L, t, gen, args, flush, gpu):
    """One (preset, T): the sides, their checks, times and bytes; the row."""
    import torch
    cfg, d = L.cfg, L.dense
    name = f"{L.name} T={t}"
    row = dict(preset=L.name, T=t)
    x0 = draw_tokens(L, t, gen, args.margin)
    ref0, info0 = L.reference(x0)
    hit = experts_hit(info0["ids"])
    nb = call_bytes(cfg, hit)
    row.update(experts=nb["experts"], bytes=nb["total"])
    static_x = x0.clone()

    sides = []
    if gpu:
        out = torch.empty((t, cfg.hidden), dtype=x0.dtype, device=x0.device)
        prepared = L.layer.prepare(static_x, L.gate, L.packed["w13"], L.packed["w2"], out=out,
                                   **L.kw())
        sides.append(Side("ours", prepared, moe_check.TOL, True, sync=L.layer.synchronize))
    g = moe_check.Grouped(cfg, d["w13"], d["w2"])
    row["grouped_kind"] = g.kind
    sides.append(Side("grouped", lambda: g(static_x, L.gate, d.get("s13"), d.get("s2"), L.sg,
                                           L.bias), 2 * moe_check.TOL, True))
    plan = hf_plan(cfg, static_x, L.gate, L.bias)
    sides.append(Side("hf", lambda: hf_planned(cfg, static_x, L.gate, d["w13"], d["w2"], plan,
                                               d.get("s13"), d.get("s2"), L.sg, L.bias),
                      2 * moe_check.TOL, False))

    ok = True
    live = []
    for s in sides:
        try:
            if gpu:
                s.capture()
            y = s.run(gpu)
            good, e = check_output(f"{name} {s.name}: graph on the captured input", y, ref0,
                                   s.tol)
            row[f"{s.name}_err"] = e
            ok &= good
            live.append(s)
        except Exception as ex:  # this side fails; the others go on
            traceback.print_exc(limit=6)
            moe_check.check(f"{name} {s.name}: capture and replay", False,
                            f"{type(ex).__name__}: {ex}")
            ok = False
            s.graph = s.out = None
    if gpu:
        for s in live:
            try:
                row[s.name] = time_replays(s.graph.replay, flush, args.replays,
                                           args.warmup)["median"]
                if s.name == "ours":
                    row["ours_warm"] = time_replays(s.graph.replay, no_flush, args.replays,
                                                    args.warmup)["median"]
                    s.sync()
                if args.profile and s.name == "ours":
                    prof, total = profile_replay(s.graph.replay, flush)
                    print_profile(f"{name} {s.name}", prof, total, row[s.name])
                    row["profile"] = [dict(kernel=k, per_replay=n, us=u) for k, n, u in prof]
            except Exception as ex:
                moe_check.check(f"{name} {s.name}: timing", False, f"{type(ex).__name__}: {ex}")
                ok = False
    # The graph test: new data in the static input, the graphs replayed.
    new = [(draw_tokens(L, t, gen, args.margin), "new input")
           for _ in range(2)]
    x1, changed = same_routing(L, x0, gen, args.margin)
    new.append((x1, f"new input, captured routing ({changed}/{t} tokens changed)"))
    for i, (xi, what) in enumerate(new):
        static_x.copy_(xi)
        ref = L.reference(xi)[0]
        for s in live:
            if not s.any_routing and what == "new input":
                continue    # the HF graph holds the token lists of its capture
            try:
                good, _ = check_output(f"{name} {s.name}: replay {i + 1} on a {what}",
                                       s.run(gpu), ref, s.tol)
            except Exception as ex:
                good = moe_check.check(f"{name} {s.name}: replay {i + 1} on a {what}", False,
                                       f"{type(ex).__name__}: {ex}")
            ok &= good
    row["ok"] = bool(ok)
    if "ours" in row:
        row["tbps"] = tb_per_s(row["bytes"], row["ours"])
    for s in sides:
        s.graph = s.out = s.fn = None
    return row


def fmt_us(row, key):
    return f"{row[key]:.1f}" if key in row else "—"


def ratio(row, a, b):
    return f"{row[a] / row[b]:.2f}" if a in row and b in row else "—"


def print_table(rows, copy, args, gpu):
    flush = {"read": f"read {args.flush_mib} MiB", "zero": f"zero_() of {args.flush_mib} MiB",
             "none": "not flushed"}[args.flush]
    print(f"{TABLE_TITLE} (bf16; L2 {flush} before each replay, outside the timed interval; "
          f"median of {args.replays} replays, CUDA events):")
    if copy:
        print(f"device-to-device copy of {args.copy_mib} MiB: {copy[0]:.1f} us = "
              f"{copy[1]:.2f} TB/s (read + write)")
    elif not gpu:
        print("dry run on the CPU: tiny presets, no compiled layer, no timing")
    print()
    print("| preset | T | experts hit | weights read (MB) | ours (µs) | grouped (µs) | HF (µs) "
          "| grouped / ours | HF / ours | ours TB/s | of copy BW | checks |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        bw = f"{r['tbps']:.2f}" if "tbps" in r else "—"
        frac = f"{r['tbps'] / copy[1]:.2f}" if "tbps" in r and copy else "—"
        print(f"| {r['preset']} | {r['T']} | {r.get('experts', '—')} "
              f"| {r['bytes'] / 1e6:.1f} | {fmt_us(r, 'ours')} | {fmt_us(r, 'grouped')} "
              f"| {fmt_us(r, 'hf')} | {ratio(r, 'grouped', 'ours')} | {ratio(r, 'hf', 'ours')} "
              f"| {bw} | {frac} | {'ok' if r.get('ok') else 'FAIL'} |")


def main(argv=None):
    args = parse_args(argv)
    gpu = not args.dry_run
    moe_check.results.clear()       # the checks of this run (moe_check.check appends)
    os.environ.setdefault("SAMOYEDS_LIB_DIR", os.path.join(os.path.abspath(args.dir), "lib"))
    import torch
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    gen = torch.Generator().manual_seed(seed)
    index = {}
    if gpu:
        if not torch.cuda.is_available():
            moe_check.check("CUDA device", False, "torch.cuda.is_available() is False "
                            "(--dry-run for the CPU)")
            print("0 passed, 1 failed")
            return 1
        print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}  seed {seed}  "
              f"flush {args.flush}", flush=True)
        try:
            with open(os.path.join(args.dir, "moe", "presets.json")) as f:
                index = json.load(f)
        except OSError as ex:
            moe_check.check("presets.json", False, f"{ex} (run moe_check.py --gen)")
    else:
        print(f"dry run (CPU)  torch {torch.__version__}  seed {seed}", flush=True)
    rows, copy, flush = [], None, no_flush
    if gpu:
        try:
            copy = copy_bandwidth(args.copy_mib)
            print(f"copy {args.copy_mib} MiB: {copy[0]:.1f} us, {copy[1]:.2f} TB/s", flush=True)
        except Exception as ex:
            moe_check.check("copy bandwidth", False, f"{type(ex).__name__}: {ex}")
        flush = Flush(args.flush, args.flush_mib)
    for name in args.presets.split(","):
        try:
            if gpu:
                if name not in index:
                    moe_check.check(f"{name} compiled", False,
                                    f"not in {args.dir}/moe/presets.json (run moe_check.py --gen)")
                    continue
                ent = index[name]
                cfg = moe_check.cfg_from_json(ent["config"])
                L = moe_check.Layer(name, cfg, os.path.join(args.dir, "moe", ent["so"]), gen, args)
                L.layer.blocking = False          # enqueue only (capture needs it)
            else:
                cfg = tiny_config(name)
                L = DryLayer(name, cfg, gen, args)
            # The arithmetic of call_bytes against the packed tensors themselves.
            packed = sum(L.packed[w].nbytes() for w in ("w13", "w2"))
            per, shared = expert_bytes(cfg)
            shared_have = sum(L.packed[w].nbytes() for w in ("s13", "s2") if w in L.packed)
            moe_check.check(f"{name} packed bytes as computed",
                            packed == cfg.experts * per and shared_have == shared,
                            f"routed {packed} = {cfg.experts} x {per}, shared {shared_have} "
                            f"(computed {shared})")
        except Exception as ex:
            traceback.print_exc(limit=6)
            moe_check.check(f"{name} load", False, f"{type(ex).__name__}: {ex}")
            continue
        print(f"{name}: {cfg.describe()} (set-up {L.setup_s:.1f} s)", flush=True)
        for t in args.token_list:
            t0 = time.time()
            try:
                r = bench_row(L, t, gen, args, flush, gpu)
            except Exception as ex:
                traceback.print_exc(limit=6)
                moe_check.check(f"{name} T={t}", False, f"{type(ex).__name__}: {ex}")
                continue
            rows.append(r)
            print(f"{name} T={t}: experts {r['experts']}, {r['bytes'] / 1e6:.1f} MB; ours "
                  f"{fmt_us(r, 'ours')} us (L2 warm {fmt_us(r, 'ours_warm')}), grouped "
                  f"{fmt_us(r, 'grouped')}, HF {fmt_us(r, 'hf')} ({time.time() - t0:.1f} s)",
                  flush=True)
        if gpu:
            L.layer.blocking = True
            del L
            torch.cuda.empty_cache()
    results = moe_check.results
    passed = sum(ok for _, ok, _ in results)
    failed = len(results) - passed
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(rows=rows, results=results, seed=seed, flush=args.flush,
                           flush_mib=args.flush_mib, replays=args.replays,
                           copy=dict(mib=args.copy_mib, us=copy[0], tbps=copy[1]) if copy else None,
                           device=torch.cuda.get_device_name() if gpu else "cpu (dry run)"),
                      f, indent=1)
    print()
    if failed:
        print(f"FAILED checks ({failed}):")
        for n, ok, detail in results:
            if not ok:
                print(f"FAIL {n} {detail}")
    print(f"{passed} passed, {failed} failed")
    print()
    print_table(rows, copy, args, gpu)
    return 0 if failed == 0 and rows else 1


if __name__ == "__main__":
    sys.exit(main())
