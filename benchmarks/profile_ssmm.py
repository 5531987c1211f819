#!/usr/bin/env python3
"""Runs one compiled ssmm variant (test/Integration/GPU/gen_ssmm.py) a few
times at one routed-token count, for a profiler (ncu, nsys) to watch:

    ncu --clock-control none -k regex:ssmm --launch-skip 2 --launch-count 1 \\
        python3 benchmarks/profile_ssmm.py --name perf_bf16_14336x4096_n1m2v128 --routed 1024

Inputs as in ssmm_check.py's perf rows (4096 tokens, `routed` of them in
the list); no checks, no baselines: that is ssmm_check.py's job.
"""
import argparse
import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration", "GPU"))
import ssmm_check  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--name", required=True, action="append",
                    help="variant name (repeat for several)")
    ap.add_argument("--routed", type=int, default=1024)
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--reps", type=int, default=4)
    args = ap.parse_args()
    libs = ssmm_check.Libs(args.dir)
    with open(os.path.join(args.dir, "variants.json")) as f:
        vs = {v["name"]: v for v in json.load(f)}
    gen = torch.Generator().manual_seed(0)
    for name in args.name:
        vd = vs[name]
        w = ssmm_check.Weight(libs, vd, gen)
        x = torch.randn(args.tokens, vd["cols"], generator=gen).to(ssmm_check.DT[vd["dtype"]]).cuda()
        lst = torch.sort(torch.randperm(args.tokens, generator=gen)[:args.routed]).values
        lst = lst.to(torch.int32).cuda()
        out = torch.empty(args.routed, vd["rows"], dtype=x.dtype, device="cuda")
        for _ in range(args.reps):
            ssmm_check.call(libs, vd, w, x, lst, out)
        torch.cuda.synchronize()
        print(f"{name}: {args.reps} runs at routed={args.routed}")


if __name__ == "__main__":
    main()
