#!/usr/bin/env python3
"""SamoyedsMoE under CUDA-graph capture and torch.compile, on the GPU machine.

    SAMOYEDS_LIB_DIR=build-device/lib python3 scripts/device/graph_check.py \
        [--cache build-device/pytest-cache] [--tokens 16] [--replays 3]

The GPU machine has no compiler: the layers come precompiled from --cache,
the ones scripts/device/precompile_torch_tests.py compiles (the Mixtral-,
Qwen2-MoE- and DeepSeek-V3-style blocks of python/tests/test_torch.py, seed 3,
bf16, Format(1, 2, 32)). For each block:

  eager     forward vs moe.reference (relative error < 2e-2, no NaN)
  graph     a CUDA graph of forward captured on a static input (warm-up on a
            side stream first), replayed on --replays fresh random inputs
            copied into the static buffer, the output poisoned with NaN
            before each replay; each replay vs moe.reference
  compile   torch.compile(moe, fullgraph=True) on new inputs (two token
            counts) vs eager (torch >= 2.4 only: the samoyeds::moe_layer op)

Each check prints `ok ...` or `FAIL ...` (exceptions are caught and printed;
the run goes on); the last line is `N passed, M failed`; the exit status is
1 when anything failed.
"""

import argparse
import math
import os
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


def build(cls_name, cache):
    import torch
    import test_torch as tt  # the tests' own block definitions
    from samoyeds.format import Format
    from samoyeds.layer import SamoyedsMoE
    cls = getattr(tt, cls_name)
    g = torch.Generator().manual_seed(3)      # as precompile_torch_tests.py and the test
    block = cls(g=g).to(torch.bfloat16)
    return SamoyedsMoE.from_hf(block, fmt=Format(1, 2, 32), cache_dir=cache, device="cuda")


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
    print(f"{res.passed} passed, {res.failed} failed")
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
