#!/usr/bin/env python3
"""Check and time whole compiled samoyeds.moe layers (Mixtral, DeepSeek-MoE,
Qwen2-MoE presets, bf16) on the GPU.

On the development machine (no GPU, no torch): generate and compile the
presets into build-device/moe/ and copy the runtime into build-device/lib:

    python3 test/Integration/GPU/moe_check.py --gen [--build build] [--out build-device]

On the GPU machine (torch + CUDA), from the repository root with build-device/:

    python3 test/Integration/GPU/moe_check.py [--dir build-device] [--presets mixtral,deepseek,qwen]
        [--tokens 1,16,512,4096] [--skip-perf] [--budget-gib 40] [--seed N] [--json FILE]

For every preset: random weights (std 0.02; tokens ~ N(0, 1) like normalised
hidden states), pruned and packed with samoyeds.format, called through
samoyeds.runtime.CompiledMoE. For every T the output is poisoned (NaN)
first and compared with a float32 torch reference of the same pruned layer
(routing computed in float32 from the same bf16 inputs): relative error
<= 1e-2 over the tokens whose top-k selection margin is >= 1e-3 (near-ties
may route differently), no NaN anywhere. Timing (CUDA events, median):
the compiled layer against (a) the HF-style torch loop over experts with the
same pruned weights held dense in bf16 and (b) the fastest dense grouped
baseline available (torch._grouped_mm, else gather + per-expert cuBLAS).
Also: packed vs dense expert-weight bytes, the largest T whose activations +
weights fit a memory budget (dense vs packed, analytic estimate), and bad
inputs (wrong dtype / shape / device, non-contiguous, weights packed for
another format -> exceptions; T = 0 -> an empty result). The markdown tables
come last, then "N passed, M failed".
"""
import argparse
import json
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "python"))

from samoyeds.format import Format  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))  # timing.py
import timing  # noqa: E402
from samoyeds.mlirgen import MoEConfig  # noqa: E402

PRESETS = ("mixtral", "deepseek", "qwen")
TOKENS = (1, 16, 512, 4096)
TOL = 1e-2
MARGIN = 1e-3
results = []  # (name, ok, detail)


PROFILE = False  # --profile: print the per-kernel time of the compiled layer


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}", flush=True)
    return bool(ok)


def cfg_to_json(cfg):
    import dataclasses
    d = dataclasses.asdict(cfg)
    d["fmt13"], d["fmt2"] = str(cfg.fmt13), str(cfg.fmt2)
    return d


def cfg_from_json(d):
    d = dict(d)
    d["fmt13"], d["fmt2"] = Format.parse(d["fmt13"]), Format.parse(d["fmt2"])
    return MoEConfig(**d)


# ----------------------------------------------------------------------------
# --gen (development machine)
# ----------------------------------------------------------------------------


def gen(args):
    from samoyeds.compiler import compile_layer
    build, out = os.path.abspath(args.build), os.path.abspath(args.out)
    lib = os.path.join(out, "lib")
    os.makedirs(lib, exist_ok=True)
    for name in ("libsamoyeds_runtime.so", "libsamoyeds_format_c.so"):
        src, dst = os.path.join(build, "lib", name), os.path.join(lib, name)
        if os.path.exists(src) and (not os.path.exists(dst)
                                    or os.path.getmtime(src) > os.path.getmtime(dst)):
            shutil.copy2(src, dst)
    compiler = os.path.join(build, "bin", "samoyeds-compile")
    moe_dir = os.path.join(out, "moe")
    index, failed = {}, 0
    for name in args.presets.split(","):
        cfg = MoEConfig.preset(name, dtype="bf16")
        t0 = time.time()
        try:
            art = compile_layer(cfg, moe_dir, chip=args.chip, runtime_dir=lib, compiler=compiler,
                                force=args.force, pipeline_options=args.pipeline_options)
        except Exception as ex:  # report every preset, then fail
            print(f"moe_check --gen: {name}: {ex}", file=sys.stderr)
            failed += 1
            continue
        index[name] = dict(config=cfg_to_json(cfg), so=os.path.basename(art.so),
                           entry=art.entry, name=art.name, chip=args.chip,
                           cubins=[os.path.basename(c) for c in art.cubin])
        print(f"{name}: {cfg.describe()}\n  -> {art.so} ({'cached' if art.cached else 'compiled'}"
              f" in {time.time() - t0:.1f} s, {len(art.cubin)} kernel module(s))")
    with open(os.path.join(moe_dir, "presets.json"), "w") as f:
        json.dump(index, f, indent=1)
    print(f"moe_check --gen: {len(index)} of {len(index) + failed} presets in {moe_dir}")
    return 1 if failed else 0


# ----------------------------------------------------------------------------
# Device mode
# ----------------------------------------------------------------------------


def bench(fn, iters=30, warmup=5):
    """Median of CUDA-event times in microseconds (benchmarks/timing.py)."""
    return timing.bench(fn, iters, warmup)[0]


def shared_expert(x, s13, s2, sg):
    """The shared expert of both baselines: silu(gate) * up, down, times
    sigmoid(x . shared_gate) when given; None without shared experts."""
    import torch
    import torch.nn.functional as F
    if s13 is None:
        return None
    gu = F.linear(x, s13)
    s = s13.shape[0] // 2
    ys = F.linear(F.silu(gu[:, :s]) * gu[:, s:], s2)
    if sg is not None:
        ys = torch.sigmoid(F.linear(x, sg[None, :])) * ys
    return ys


def hf_loop(cfg, x, gate, w13, w2, s13=None, s2=None, sg=None, bias=None):
    """The HF transformers way (MixtralSparseMoeBlock / Qwen2MoeSparseMoeBlock
    experts loop) with dense bf16 weights: router in float32, one_hot mask,
    per hit expert: index its tokens, silu(x W1^T) * (x W3^T) W2^T, scale,
    index_add_."""
    import torch
    import torch.nn.functional as F
    from samoyeds.torch_ref import route_torch
    # Router logits in float32 from the bf16 inputs (as the compiled layer and
    # the reference): the same routing everywhere (HF itself rounds the
    # logits to the model dtype first, which moves near-ties).
    logits = F.linear(x.float(), gate.float())
    weights, ids, _ = route_torch(logits, cfg, bias)
    weights = weights.to(x.dtype)
    y = torch.zeros_like(x)
    mask = F.one_hot(ids, num_classes=cfg.experts).permute(2, 1, 0)
    hit = torch.greater(mask.sum(dim=(-1, -2)), 0).nonzero()
    inter = cfg.ffn
    for e in hit:
        e = int(e[0])
        slot, tok = torch.where(mask[e])
        cur = x[tok]
        gu = F.linear(cur, w13[e])
        h = F.silu(gu[:, :inter]) * gu[:, inter:]
        out = F.linear(h, w2[e]) * weights[tok, slot, None]
        y.index_add_(0, tok, out.to(y.dtype))
    ys = shared_expert(x, s13, s2, sg)
    return y if ys is None else y + ys


class Grouped:
    """Dense grouped baseline: tokens sorted by expert (a gathered copy),
    torch._grouped_mm over all experts (else one cuBLAS mm per expert), the
    routing weight, index_add_ back; shared experts as dense mm."""

    def __init__(self, cfg, w13, w2):
        import torch
        self.cfg = cfg
        self.w13t = w13.transpose(1, 2)     # E x H x 2I, column-major views
        self.w2t = w2.transpose(1, 2)       # E x I x H
        self.w13, self.w2 = w13, w2
        self.kind = "torch._grouped_mm" if hasattr(torch, "_grouped_mm") else "per-expert mm"

    def __call__(self, x, gate, s13=None, s2=None, sg=None, bias=None):
        import torch
        import torch.nn.functional as F
        from samoyeds.torch_ref import route_torch
        cfg = self.cfg
        weights, ids, _ = route_torch(F.linear(x.float(), gate.float()), cfg, bias)
        flat = ids.reshape(-1)
        order = torch.argsort(flat, stable=True)
        tok = order // cfg.top_k
        xs = x[tok]
        # Counts by scatter_add_, not torch.bincount (whose CUDA version reads the
        # input's min and max back to the host): no synchronisation, so the
        # _grouped_mm path can be captured in a CUDA graph
        # (benchmarks/decode_bench.py); the same counts.
        counts = torch.zeros(cfg.experts, dtype=torch.int64, device=flat.device)
        counts.scatter_add_(0, flat, torch.ones_like(flat))
        inter = cfg.ffn
        if self.kind == "torch._grouped_mm":
            offs = torch.cumsum(counts, 0, dtype=torch.int32)
            gu = torch._grouped_mm(xs, self.w13t, offs=offs)
            h = F.silu(gu[:, :inter]) * gu[:, inter:]
            rows = torch._grouped_mm(h, self.w2t, offs=offs)
        else:
            rows = torch.empty((xs.shape[0], cfg.hidden), dtype=x.dtype, device=x.device)
            start = 0
            for e, c in enumerate(counts.tolist()):
                if c:
                    gu = xs[start:start + c] @ self.w13t[e]
                    rows[start:start + c] = (F.silu(gu[:, :inter]) * gu[:, inter:]) @ self.w2t[e]
                start += c
        rows = rows * weights.reshape(-1)[order].to(x.dtype)[:, None]
        y = torch.zeros_like(x)
        y.index_add_(0, tok, rows)
        ys = shared_expert(x, s13, s2, sg)
        return y if ys is None else y + ys


def activation_bytes(cfg, packed):
    """Analytic estimate of (fixed, per-token) activation bytes of one layer
    call: the compiled layer's decomposition (logits f32, routing, the
    tile-padded dispatch list, H in bf16 for every list entry, the W2 rows in
    f32, the f32 combine, shared H and rows) vs the dense grouped baseline
    (logits, routing, the gathered tokens, gate|up and H in bf16, the rows)."""
    h, i, e, k, s = cfg.hidden, cfg.ffn, cfg.experts, cfg.top_k, cfg.shared_ffn
    if packed:
        per = 2 * h + 2 * h + 4 * e + 8 * k + 4 * k + 2 * k * i + 4 * k * h + 4 * h
        if s:
            per += 2 * s + 4 * h
        fixed = e * (cfg.tile - 1) * (4 + 2 * i + 4 * h)
    else:
        per = 2 * h + 2 * h + 4 * e + 8 * k + 8 * k + 2 * k * h + 4 * k * i + 2 * k * i + 2 * k * h
        if s:
            per += 4 * s + 2 * s + 2 * h
        fixed = 0
    return fixed, per


def rel_err(out, ref):
    return ((out.float() - ref).norm() / ref.norm().clamp_min(1e-30)).item()


class Layer:
    """One preset on the GPU: random weights, packed; dense pruned copies."""

    def __init__(self, name, cfg, so, gen_cpu, args):
        import torch
        from samoyeds.format import pack_torch
        from samoyeds.runtime import CompiledMoE
        from samoyeds.torch_ref import unpack_torch
        self.name, self.cfg = name, cfg
        dev = torch.device("cuda")
        bf = torch.bfloat16
        t0 = time.time()
        self.layer = CompiledMoE(cfg, so, device=dev)
        h, e = cfg.hidden, cfg.experts

        def rnd(*shape, std=0.02):
            return (torch.randn(*shape, generator=gen_cpu) * std).to(bf)

        self.gate = rnd(e, h).to(dev)
        self.bias = (torch.rand(e, generator=gen_cpu) * 0.01).to(dev) \
            if cfg.correction_bias else None
        self.sg = rnd(h).to(dev) if cfg.shared_gate else None
        self.packed, self.dense = {}, {}
        for wname, shape in cfg.weight_shapes().items():
            w = rnd(*shape)
            p = pack_torch(w, cfg.weight_format(wname), backend=args.pack_backend)
            del w
            self.packed[wname] = p.to_torch(dev)
            self.dense[wname] = unpack_torch(self.packed[wname], bf)   # pruned, dense bf16
        torch.cuda.synchronize()
        self.setup_s = time.time() - t0

    def kw(self):
        return dict(bias=self.bias, s13=self.packed.get("s13"), s2=self.packed.get("s2"),
                    sg=self.sg)

    def reference(self, x):
        import torch
        from samoyeds.torch_ref import moe_torch
        d = self.dense
        return moe_torch(self.cfg, x, self.gate, d["w13"], d["w2"], bias=self.bias,
                         s13=d.get("s13"), s2=d.get("s2"), sg=self.sg,
                         compute_dtype=torch.float32)

    def expert_bytes(self):
        dense = sum(t.numel() * 2 for t in self.dense.values())
        packed = sum(p.nbytes() for p in self.packed.values())
        return dense, packed


def check_tokens(L, t, gen_cpu, margin):
    import torch
    cfg = L.cfg
    x = torch.randn(t, cfg.hidden, generator=gen_cpu).to(torch.bfloat16).cuda()
    out = torch.full((t, cfg.hidden), float("nan"), dtype=torch.bfloat16, device="cuda")
    L.layer(x, L.gate, L.packed["w13"], L.packed["w2"], out=out, **L.kw())
    torch.cuda.synchronize()
    ref, info = L.reference(x)
    keep = info["margin"] >= margin
    n_keep = int(keep.sum().item())
    nan_ok = not bool(out.isnan().any().item())
    e = rel_err(out[keep], ref[keep]) if n_keep else 0.0
    return x, out, ref, keep, check(
        f"{L.name} T={t}", nan_ok and e <= TOL,
        f"rel_err={e:.2e} compared={n_keep}/{t} (near-ties excluded: {t - n_keep}) "
        f"no_nan={nan_ok}")


def perf(L, t, x, ref, keep):
    import torch
    cfg, d = L.cfg, L.dense
    row = dict(preset=L.name, T=t)
    prepared = L.layer.prepare(x, L.gate, L.packed["w13"], L.packed["w2"], **L.kw())
    L.layer.blocking = False
    if PROFILE:  # per-kernel device time of the compiled layer (3 calls)
        from torch.profiler import ProfilerActivity, profile
        prepared()
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(3):
                prepared()
            torch.cuda.synchronize()
        print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=20,
                                        max_name_column_width=60))
    try:
        row["ours"] = bench(prepared)
        row["ours_call"] = bench(lambda: L.layer(x, L.gate, L.packed["w13"], L.packed["w2"],
                                                 **L.kw()))
        L.layer.synchronize()
    finally:
        L.layer.blocking = True
    hf = lambda: hf_loop(cfg, x, L.gate, d["w13"], d["w2"], d.get("s13"), d.get("s2"), L.sg,
                         L.bias)
    row["hf_err"] = rel_err(hf()[keep], ref[keep]) if bool(keep.any()) else 0.0
    row["hf"] = bench(hf, iters=10 if t >= 512 else 30)
    g = Grouped(cfg, d["w13"], d["w2"])
    gfn = lambda: g(x, L.gate, d.get("s13"), d.get("s2"), L.sg, L.bias)
    try:
        row["grouped_err"] = rel_err(gfn()[keep], ref[keep]) if bool(keep.any()) else 0.0
    except Exception as ex:  # _grouped_mm missing a case: fall back, say so
        print(f"note: torch._grouped_mm failed ({type(ex).__name__}: {str(ex)[:120]}); "
              "using per-expert mm")
        g.kind = "per-expert mm"
        row["grouped_err"] = rel_err(gfn()[keep], ref[keep]) if bool(keep.any()) else 0.0
    row["grouped"] = bench(gfn)
    row["grouped_kind"] = g.kind
    torch.cuda.synchronize()
    check(f"{L.name} T={t} baselines agree with the reference",
          row["hf_err"] <= 2 * TOL and row["grouped_err"] <= 2 * TOL,
          f"hf_err={row['hf_err']:.2e} grouped_err={row['grouped_err']:.2e}")
    return row


def bad_inputs(L):
    import torch
    from samoyeds.format import PackedTensors, storage_shapes
    from samoyeds.runtime import DTypeError, InputError
    cfg = L.cfg
    h = cfg.hidden
    x = torch.randn(8, h, dtype=torch.bfloat16, device="cuda")
    w13, w2 = L.packed["w13"], L.packed["w2"]

    def expect(name, exc, text, fn):
        try:
            fn()
        except exc as ex:
            return check(f"{L.name} bad input: {name}", text in str(ex), f"-> {ex}")
        except Exception as ex:
            return check(f"{L.name} bad input: {name}", False,
                         f"raised {type(ex).__name__}: {ex}")
        return check(f"{L.name} bad input: {name}", False, "no exception")

    call = lambda **kw: L.layer(**{**dict(x=x, gate=L.gate, w13=w13, w2=w2, **L.kw()), **kw})
    expect("wrong dtype", DTypeError, "x must be bfloat16, got float16",
           lambda: call(x=x.half()))
    expect("wrong shape", InputError, f"x must be ?x{h}, got 8x{h // 2}",
           lambda: call(x=x[:, :h // 2].contiguous()))
    expect("CPU tensor", InputError, "x must be a CUDA tensor", lambda: call(x=x.cpu()))
    wide = torch.randn(8, 2 * h, dtype=torch.bfloat16, device="cuda")
    expect("non-contiguous", InputError, "must be contiguous", lambda: call(x=wide[:, ::2]))
    expect("gate on CPU", InputError, "gate is on cpu", lambda: call(gate=L.gate.cpu()))
    # Contiguous but one element off a 16-byte boundary: the kernels' 16-byte
    # loads would fault (a sticky CUDA error), so it is refused first.
    flat = torch.randn(8 * h + 1, dtype=torch.bfloat16, device="cuda")
    expect("misaligned x", InputError, "not a multiple of 16 bytes",
           lambda: call(x=flat[1:].view(8, h)))
    other = Format(1, 2, 64) if cfg.fmt13 != Format(1, 2, 64) else Format(1, 2, 128)
    shape = cfg.weight_shapes()["w13"]
    vs, ms, rs = storage_shapes(other, shape)    # the checks run before any use
    p_other = PackedTensors(other, shape, "bf16",
                            torch.zeros(vs, dtype=torch.bfloat16, device="cuda"),
                            torch.full(ms, 0x4444, dtype=torch.int16, device="cuda"),
                            torch.zeros(rs, dtype=torch.int8, device="cuda"))
    expect("weights packed for another format", InputError,
           f"weights packed for another format: w13 is packed {other}",
           lambda: call(w13=p_other))
    expect("w2 in place of w13", InputError, "w13 must be packed", lambda: call(w13=w2))
    y = call(x=x[:0])
    check(f"{L.name} T=0 returns an empty result", tuple(y.shape) == (0, h)
          and y.dtype == torch.bfloat16 and y.is_cuda, f"shape={tuple(y.shape)}")
    # The layer still works after the rejected calls.
    y = call()
    torch.cuda.synchronize()
    check(f"{L.name} usable after rejected calls", not bool(y.isnan().any().item()))


def device(args):
    import torch
    global PROFILE
    PROFILE = args.profile
    os.environ.setdefault("SAMOYEDS_LIB_DIR", os.path.join(os.path.abspath(args.dir), "lib"))
    with open(os.path.join(args.dir, "moe", "presets.json")) as f:
        index = json.load(f)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}  seed {seed}")
    gen_cpu = torch.Generator().manual_seed(seed)
    tokens = [int(t) for t in args.tokens.split(",")]
    rows, mem = [], []
    budget = int(args.budget_gib * 2 ** 30)
    for name in args.presets.split(","):
        if name not in index:
            check(f"{name} compiled", False, f"not in {args.dir}/moe/presets.json (run --gen)")
            continue
        ent = index[name]
        cfg = cfg_from_json(ent["config"])
        so = os.path.join(args.dir, "moe", ent["so"])
        try:
            L = Layer(name, cfg, so, gen_cpu, args)
        except Exception as ex:
            check(f"{name} load", False, f"{type(ex).__name__}: {ex}")
            continue
        print(f"{name}: {cfg.describe()} (set-up {L.setup_s:.1f} s)", flush=True)
        for t in tokens:
            x, out, ref, keep, ok = check_tokens(L, t, gen_cpu, args.margin)
            if not args.skip_perf:
                try:
                    r = perf(L, t, x, ref, keep)
                    r["rel_err"] = rel_err(out[keep], ref[keep]) if bool(keep.any()) else 0.0
                    rows.append(r)
                except Exception as ex:
                    check(f"{name} T={t} perf", False, f"{type(ex).__name__}: {ex}")
            del x, out, ref, keep
        bad_inputs(L)
        dense_b, packed_b = L.expert_bytes()
        fd, pd = activation_bytes(cfg, packed=False)
        fp, pp = activation_bytes(cfg, packed=True)
        other = L.gate.numel() * 2
        max_dense = max(0, (budget - dense_b - other - fd) // pd)
        max_packed = max(0, (budget - packed_b - other - fp) // pp)
        mem.append(dict(preset=name, dense=dense_b, packed=packed_b, max_dense=max_dense,
                        max_packed=max_packed))
        del L
        torch.cuda.empty_cache()

    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(results=results, perf=rows, memory=mem, seed=seed,
                           device=torch.cuda.get_device_name()), f, indent=1)
    passed = sum(ok for _, ok, _ in results)
    failed = len(results) - passed
    print()
    if mem:
        print(f"Expert weights (routed + shared) and the largest T within {args.budget_gib:g} GiB "
              "(weights + activations, analytic estimate):\n")
        print("| preset | dense bf16 (MiB) | packed (MiB) | packed / dense | max T dense "
              "| max T packed |")
        print("|---|---|---|---|---|---|")
        for m in mem:
            print(f"| {m['preset']} | {m['dense'] / 2**20:.0f} | {m['packed'] / 2**20:.0f} "
                  f"| {m['packed'] / m['dense']:.3f} | {m['max_dense']} | {m['max_packed']} |")
        print()
    if rows:
        print("| preset | T | ours (us) | ours, checked call (us) | HF loop (us) | grouped (us) "
              "| grouped kind | HF / ours | grouped / ours | rel err |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['preset']} | {r['T']} | {r['ours']:.1f} | {r['ours_call']:.1f} "
                  f"| {r['hf']:.1f} | {r['grouped']:.1f} | {r['grouped_kind']} "
                  f"| {r['hf'] / r['ours']:.2f} | {r['grouped'] / r['ours']:.2f} "
                  f"| {r['rel_err']:.1e} |")
        print()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gen", action="store_true", help="compile the presets (no GPU needed)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("--force", action="store_true", help="--gen: recompile cached layers")
    ap.add_argument("--pipeline-options", default="",
                    help="--gen: options of samoyeds-gpu-pipeline, e.g. 'split-k=8' (A/B variants "
                         "of the layers into another --out)")
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--tokens", default=",".join(map(str, TOKENS)))
    ap.add_argument("--skip-perf", action="store_true")
    ap.add_argument("--budget-gib", type=float, default=40.0)
    ap.add_argument("--margin", type=float, default=MARGIN,
                    help="tokens whose top-k selection margin is below this are not compared")
    ap.add_argument("--pack-backend", default="numpy", choices=("numpy", "capi"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--profile", action="store_true",
                    help="print the per-kernel device time of the compiled layer")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    sys.exit(gen(args) if args.gen else device(args))


if __name__ == "__main__":
    main()
