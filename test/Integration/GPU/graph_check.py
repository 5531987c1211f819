#!/usr/bin/env python3
"""SamoyedsMoE under CUDA-graph capture and torch.compile, on the GPU machine.

    SAMOYEDS_LIB_DIR=build-device/lib python3 test/Integration/GPU/graph_check.py \
        [--cache build-device/pytest-cache] [--tokens 16] [--replays 3]

The GPU machine has no compiler: the layers come precompiled from --cache,
the ones test/Integration/GPU/precompile_torch_tests.py compiles (the Mixtral-,
Qwen2-MoE- and DeepSeek-V3-style blocks of python/tests/test_torch.py, seed 3,
bf16, Format(1, 2, 32)). For each block:

  eager     forward vs moe.reference (relative error < 2e-2, no NaN)
  graph     a CUDA graph of forward captured on a static input (warm-up on a
            side stream first), replayed on --replays fresh random inputs
            copied into the static buffer, the output poisoned with NaN
            before each replay; each replay vs moe.reference
  compile   torch.compile(moe, fullgraph=True) on new inputs (two token
            counts) vs eager (torch >= 2.4 only: the samoyeds::moe_layer op)

and, on the same block compiled with expert counts (from_hf(...,
expert_counts=True); precompiled too), the counts of the layer's own dispatch
(forward(x, return_expert_counts=True)) against the torch reference
(moe.reference_expert_counts), exactly, on tokens whose routing has a margin
of at least 1e-3 and that avoid the last expert (so it has zero tokens):

  counts          T = 14 and T = --count-tokens (default 1000: several 256-id
                  chunks of the dispatch kernels): int64, E entries, on the
                  layer's device, equal to the reference, 0 for the last
                  expert, sum T * k; y still matches moe.reference; T = 0
                  gives zeros
  counts graph    a CUDA graph of forward(x, return_expert_counts=True),
                  replayed on new inputs with the captured counts poisoned
                  (-1) first: counts equal to the reference after each replay
  counts monitor  samoyeds.balance.LoadMonitor on a model holding the layer:
                  the counts of two calls summed
  counts compile  torch.compile(fullgraph=True) of forward with counts vs
                  eager (the samoyeds::moe_layer_counts op; torch >= 2.4)

Each check prints `ok ...` or `FAIL ...` (exceptions are caught and printed;
the run goes on); the last line is `N passed, M failed`; the exit status is
1 when anything failed.
"""

import argparse
import math
import os
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BLOCKS = ("MixtralBlock", "Qwen2MoeBlock", "DeepseekV3Block")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.path.join("build-device", "pytest-cache"),
                    help="directory of the precompiled layers (default %(default)s)")
    ap.add_argument("--lib", default=os.environ.get("SAMOYEDS_LIB_DIR")
                    or os.path.join("build-device", "lib"),
                    help="SAMOYEDS_LIB_DIR: libsamoyeds_runtime.so (default %(default)s)")
    ap.add_argument("--tokens", type=int, default=16, help="tokens of the captured input")
    ap.add_argument("--replays", type=int, default=3, help="graph replays on new inputs")
    ap.add_argument("--tol", type=float, default=2e-2, help="relative error bound")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--blocks", nargs="+", choices=BLOCKS, default=list(BLOCKS))
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile check")
    ap.add_argument("--count-tokens", type=int, default=1000,
                    help="tokens of the larger expert-counts check")
    ap.add_argument("--no-counts", action="store_true", help="skip the expert-counts checks")
    args = ap.parse_args(argv)
    if args.tokens < 1 or args.replays < 1:
        ap.error("--tokens and --replays must be positive")
    return args


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, fn):
        """Runs fn() -> (ok, detail); prints ok/FAIL; exceptions are failures."""
        try:
            ok, detail = fn()
        except Exception as e:   # noqa: BLE001 - every failure is reported, the run goes on
            ok, detail = False, f"{type(e).__name__}: {e}"
            traceback.print_exc(limit=4)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'ok' if ok else 'FAIL'} {name}: {detail}", flush=True)
        return ok


def rel_err(y, ref):
    import torch
    y, ref = y.float(), ref.float()
    if not torch.isfinite(y).all():
        return math.inf
    return ((y - ref).norm() / ref.norm().clamp_min(1e-30)).item()


def build(cls_name, cache, expert_counts=False):
    import torch
    import test_torch as tt  # the tests' own block definitions
    from samoyeds.format import Format
    from samoyeds.layer import SamoyedsMoE
    cls = getattr(tt, cls_name)
    g = torch.Generator().manual_seed(3)      # as precompile_torch_tests.py and the test
    block = cls(g=g).to(torch.bfloat16)
    return SamoyedsMoE.from_hf(block, fmt=Format(1, 2, 32), cache_dir=cache, device="cuda",
                               expert_counts=expert_counts)


def check_eager(moe, gen, tol):
    import torch
    x = torch.randn(2, 7, moe.cfg.hidden, generator=gen, device="cuda").to(torch.bfloat16)
    y = moe(x)
    torch.cuda.synchronize()
    if tuple(y.shape) != tuple(x.shape):
        return False, f"shape {tuple(y.shape)}, expected {tuple(x.shape)}"
    e = rel_err(y, moe.reference(x))
    return e < tol, f"rel err {e:.3e} (T = 14)"


def check_graph(moe, gen, tokens, replays, tol):
    import torch
    h = moe.cfg.hidden
    rnd = lambda: torch.randn(tokens, h, generator=gen, device="cuda").to(torch.bfloat16)
    static_x = rnd()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            moe(static_x)
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_y = moe(static_x)
    torch.cuda.synchronize()
    errs = []
    for _ in range(replays):
        x = rnd()
        static_x.copy_(x)
        static_y.fill_(float("nan"))
        graph.replay()
        torch.cuda.synchronize()
        errs.append(rel_err(static_y, moe.reference(x)))
    ok = all(e < tol for e in errs)
    return ok, (f"{replays} replays at T = {tokens}, rel err "
                + ", ".join(f"{e:.3e}" for e in errs))


def check_compile(moe, gen, tokens):
    import torch
    h = moe.cfg.hidden
    compiled = torch.compile(moe, fullgraph=True)
    details, ok = [], True
    for t in (tokens, max(1, tokens // 2 + 1)):
        x = torch.randn(t, h, generator=gen, device="cuda").to(torch.bfloat16)
        y = compiled(x)
        want = moe(x)
        torch.cuda.synchronize()
        e = rel_err(y, want)
        good = tuple(y.shape) == (t, h) and y.dtype == want.dtype and e <= 1e-3
        ok &= good
        details.append(f"T = {t}: rel err vs eager {e:.3e}")
    return ok, "; ".join(details)


# ---------------------------------------------------------------------------
# Expert counts of the compiled layer (MoEConfig.expert_counts)
# ---------------------------------------------------------------------------


def routed_tokens(moe, n, gen, margin=1e-3):
    """n x H bf16 tokens on the GPU whose float32 routing has a top-k margin
    of at least `margin` (the layer and the reference then choose the same
    experts) and none of which is routed to the last expert."""
    import torch
    import torch.nn.functional as F
    from samoyeds.torch_ref import route_torch
    h, empty = moe.cfg.hidden, moe.cfg.experts - 1
    kept, have = [], 0
    for _ in range(200):
        x = torch.randn(max(64, 2 * n), h, generator=gen, device="cuda").to(torch.bfloat16)
        _, ids, m = route_torch(F.linear(x.float(), moe.gate_weight.float()), moe.cfg,
                                moe.bias)
        ok = (m >= margin) & (ids != empty).all(1)
        kept.append(x[ok])
        have += int(ok.sum())
        if have >= n:
            return torch.cat(kept)[:n].contiguous()
    raise RuntimeError(f"could not draw {n} tokens avoiding expert {empty}")


def counts_match(moe, x, counts):
    """(ok, detail): counts vs the torch reference (exact), the last expert
    empty, the sum T * k, int64 E entries on x's device."""
    import torch
    cfg = moe.cfg
    want = moe.reference_expert_counts(x)
    t = x.shape[0]
    good = (counts.dtype == torch.int64 and tuple(counts.shape) == (cfg.experts,)
            and counts.device == x.device and torch.equal(counts, want)
            and int(counts[-1]) == 0 and int(counts.sum()) == t * cfg.top_k)
    return good, f"T = {t}: {counts.tolist()}" + ("" if good else f" vs reference {want.tolist()}")


def check_counts(moe, gen, big, tol):
    import torch
    details, ok = [], True
    for t in (14, big):
        x = routed_tokens(moe, t, gen)
        y, counts = moe(x, return_expert_counts=True)
        torch.cuda.synchronize()
        good, d = counts_match(moe, x, counts)
        e = rel_err(y, moe.reference(x))
        ok &= good and e < tol
        details.append(f"{d}, y rel err {e:.3e}" if t == 14 else
                       f"T = {t}: {'equal' if good else d}, y rel err {e:.3e}")
    y, counts = moe(x[:0], return_expert_counts=True)
    torch.cuda.synchronize()
    zero = tuple(y.shape) == (0, moe.cfg.hidden) and counts.tolist() == [0] * moe.cfg.experts
    ok &= zero
    details.append(f"T = 0: {counts.tolist()}")
    return ok, "; ".join(details)


def check_counts_graph(moe, gen, tokens, replays):
    import torch
    static_x = routed_tokens(moe, tokens, gen)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            moe(static_x, return_expert_counts=True)
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        _, static_counts = moe(static_x, return_expert_counts=True)
    torch.cuda.synchronize()
    details, ok = [], True
    for _ in range(replays):
        x = routed_tokens(moe, tokens, gen)
        static_x.copy_(x)
        static_counts.fill_(-1)
        graph.replay()
        torch.cuda.synchronize()
        good, d = counts_match(moe, x, static_counts)
        ok &= good
        details.append(d)
    return ok, f"{replays} replays: " + "; ".join(details)


def check_counts_monitor(moe, gen):
    import torch
    from samoyeds import balance

    class Model(torch.nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x)

    model = Model(moe)
    mon = balance.LoadMonitor(model)
    try:
        xs = [routed_tokens(moe, t, gen) for t in (9, 33)]
        for x in xs:
            model(x)
        torch.cuda.synchronize()
        want = sum(moe.reference_expert_counts(x) for x in xs)
        got = mon.counts()[0]
        ok = torch.equal(got, want) and int(got.sum()) == 42 * moe.cfg.top_k
        return ok, f"{got.tolist()} (reference {want.tolist()})"
    finally:
        mon.remove()


def check_counts_compile(moe, gen, tokens):
    import torch
    compiled = torch.compile(moe, fullgraph=True)
    details, ok = [], True
    for t in (tokens, max(1, tokens // 2 + 1)):
        x = routed_tokens(moe, t, gen)
        y, counts = compiled(x, return_expert_counts=True)
        want_y, want_counts = moe(x, return_expert_counts=True)
        torch.cuda.synchronize()
        e = rel_err(y, want_y)
        good = torch.equal(counts, want_counts) and e <= 1e-3
        ok &= good
        details.append(f"T = {t}: counts {'equal' if good else counts.tolist()}, "
                       f"rel err vs eager {e:.3e}")
    return ok, "; ".join(details)


def main(argv=None):
    args = parse_args(argv)
    os.environ["SAMOYEDS_LIB_DIR"] = os.path.abspath(args.lib)
    os.environ.setdefault("SAMOYEDS_CACHE_DIR", os.path.abspath(args.cache))
    sys.path.insert(0, os.path.join(ROOT, "python"))
    sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
    res = Results()
    try:
        import torch
        from samoyeds import torch_op
    except Exception as e:   # noqa: BLE001
        print(f"FAIL setup: {type(e).__name__}: {e}")
        print("0 passed, 1 failed")
        return 1
    have_op = torch_op.available()
    print(f"torch {torch.__version__}, samoyeds::moe_layer op "
          f"{'registered' if have_op else 'not available'}, cache {args.cache}", flush=True)
    if not torch.cuda.is_available():
        print("FAIL setup: no CUDA device")
        print("0 passed, 1 failed")
        return 1
    gen = torch.Generator(device="cuda").manual_seed(args.seed)
    for name in args.blocks:
        holder = {}

        def load(name=name):
            holder["moe"] = build(name, os.path.abspath(args.cache))
            return True, holder["moe"].cfg.describe()

        if not res.check(f"{name} load", load):
            continue
        moe = holder["moe"]
        res.check(f"{name} eager", lambda: check_eager(moe, gen, args.tol))
        res.check(f"{name} graph", lambda: check_graph(moe, gen, args.tokens, args.replays,
                                                        args.tol))
        if args.no_compile:
            continue
        if not have_op:
            print(f"skip {name} compile: torch {torch.__version__} has no "
                  "torch.library.custom_op")
            continue
        res.check(f"{name} compile", lambda: check_compile(moe, gen, args.tokens))
    if not args.no_counts:
        for name in args.blocks:
            holder = {}

            def load_counts(name=name):
                holder["moe"] = build(name, os.path.abspath(args.cache), expert_counts=True)
                return True, holder["moe"].cfg.describe()

            if not res.check(f"{name} counts load", load_counts):
                continue
            moe = holder["moe"]
            res.check(f"{name} counts", lambda: check_counts(moe, gen, args.count_tokens,
                                                             args.tol))
            res.check(f"{name} counts graph",
                      lambda: check_counts_graph(moe, gen, args.tokens, args.replays))
            res.check(f"{name} counts monitor", lambda: check_counts_monitor(moe, gen))
            if args.no_compile:
                continue
            if not have_op:
                print(f"skip {name} counts compile: torch {torch.__version__} has no "
                      "torch.library.custom_op")
                continue
            res.check(f"{name} counts compile",
                      lambda: check_counts_compile(moe, gen, args.tokens))
    print(f"{res.passed} passed, {res.failed} failed")
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
