#!/usr/bin/env python3
"""Runs a small Mixtral-style samoyeds.moe layer (8 experts, top-2, softmax
renormalised, bf16) through samoyeds-cpu-pipeline and mlir-runner and checks it
against the independent numpy reference of test/Integration/CPU/helpers.
Prints PASS with the worst error relative to the tolerance."""
import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration", "CPU", "helpers"))
sys.dont_write_bytecode = True
import moe_driver  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(ROOT, "build"))
args = ap.parse_args()
mlir_lib = "/usr/lib/llvm-22/lib"
libs = ",".join([os.path.join(mlir_lib, "libmlir_runner_utils.so"),
                 os.path.join(mlir_lib, "libmlir_c_runner_utils.so"),
                 os.path.join(args.build, "lib", "libsamoyeds_cpu_runtime.so")])
tmp = os.path.join(tempfile.mkdtemp(prefix="samoyeds-example-"), "mixtral")
moe_driver.run_config(dict(
    name="example_mixtral_e8_k2", seed=2025, elt="bf16", out="bf16",
    T=48, H=128, I=256, E=8, k=2, scoring="softmax", renorm=True, tile=16,
    fmt13=(1, 2, 128), fmt2=(1, 2, 128), dynamic=True),
    ["--libs", libs, "--tmp", tmp,
     "--opt", os.path.join(args.build, "bin", "samoyeds-opt"),
     "--runner", "/usr/lib/llvm-22/bin/mlir-runner"])
