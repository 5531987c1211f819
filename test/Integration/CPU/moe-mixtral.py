# A whole samoyeds.moe layer (Mixtral-style: 8 experts, top-2, softmax,
# renormalised; bf16, bf16 result; a dynamic token count) through
# samoyeds-cpu-pipeline, against the numpy float64 reference
# (helpers/moe_driver.py, helpers/samoyeds_ref.py).
#
# RUN: %python %s --libs %runner_libs --tmp %t | FileCheck %s
# CHECK: PASS

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
import moe_driver  # noqa: E402

moe_driver.run_config(dict(
    name="mixtral_e8_k2", seed=101, elt="bf16", out="bf16",
    T=33, H=64, I=128, E=8, k=2, scoring="softmax", renorm=True, tile=16,
    fmt13=(1, 2, 64), fmt2=(1, 2, 128), dynamic=True), sys.argv[1:])
