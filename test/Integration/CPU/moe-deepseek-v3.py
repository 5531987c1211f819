# A whole samoyeds.moe layer (DeepSeek-V3-style: 16 experts, top-4, sigmoid
# scores with a correction bias for selection, 4 groups of which 2 are kept,
# renormalised, routed scaling factor 2.5; f16, f32 result) through
# samoyeds-cpu-pipeline, against the numpy float64 reference.
#
# RUN: %python %s --libs %runner_libs --tmp %t | FileCheck %s
# CHECK: PASS

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
import moe_driver  # noqa: E402

moe_driver.run_config(dict(
    name="deepseek_v3_e16_k4", seed=202, elt="f16", out="f32",
    T=20, H=64, I=64, E=16, k=4, scoring="sigmoid", bias=True, renorm=True,
    n_group=4, topk_group=2, scaling=2.5, tile=8,
    fmt13=(2, 4, 32), fmt2=(2, 4, 64)), sys.argv[1:])
