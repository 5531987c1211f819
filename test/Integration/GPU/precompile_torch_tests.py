#!/usr/bin/env python3
"""Compile the layers that python/tests/test_torch.py runs on the GPU into its
cache (development machine: it has the compiler, the GPU machine has not).

    /usr/bin/python3 test/Integration/GPU/precompile_torch_tests.py --build build --out build-device

Needs torch on the CPU (Debian's python3-torch); builds the same HF-style blocks
as the tests and compiles their layers into <out>/pytest-cache, the directory
run_all.sh passes as SAMOYEDS_CACHE_DIR; each also with expert counts
(MoEConfig.expert_counts), the layers of the counts checks of test_torch.py and
test/Integration/GPU/graph_check.py.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="build-device")
    args = ap.parse_args()
    os.environ.setdefault("SAMOYEDS_BUILD_DIR", os.path.abspath(args.build))
    import torch
    import test_torch as tt  # the tests' own block definitions
    from samoyeds.compiler import compile_layer
    from samoyeds.format import Format
    from samoyeds.layer import SamoyedsMoE
    out = os.path.abspath(args.out)
    cache, lib = os.path.join(out, "pytest-cache"), os.path.join(out, "lib")
    for cls in tt.test_samoyeds_moe_from_hf_on_gpu.pytestmark[0].args[1]:
        g = torch.Generator().manual_seed(3)
        block = cls(g=g).to(torch.bfloat16)
        moe = SamoyedsMoE.from_hf(block, fmt=Format(1, 2, 32), cache_dir=cache, device="cpu")
        for cfg in (moe.cfg, moe.cfg.replace(expert_counts=True)):
            compile_layer(cfg, cache, chip=moe.chip, runtime_dir=lib)
        print(f"precompile_torch_tests: {cls.__name__} (with and without expert counts) "
              f"compiled into {cache}")


if __name__ == "__main__":
    main()
