# A whole samoyeds.moe layer with a shared expert scaled by
# sigmoid(x . shared_gate) (Qwen2-MoE-style: 4 experts, top-2, softmax without
# renormalisation; bf16, f32 result) through samoyeds-cpu-pipeline, against the
# numpy float64 reference.
#
# RUN: %python %s --libs %runner_libs --tmp %t | FileCheck %s
# CHECK: PASS

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
import moe_driver  # noqa: E402

moe_driver.run_config(dict(
    name="shared_expert_e4_k2", seed=303, elt="bf16", out="f32",
    T=17, H=128, I=64, E=4, k=2, scoring="softmax",
    shared=True, S=128, shared_gate=True,
    fmt13=(1, 2, 128), fmt2=(1, 2, 64), fmt_s13=(2, 4, 32), fmt_s2=(1, 2, 128)),
    sys.argv[1:])
