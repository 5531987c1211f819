# samoyeds.combine on the CPU against the numpy reference: weighted and
# unweighted, padding entries (sentinel, negative, out of range) skipped, a
# token receiving several rows, f32 / bf16 rows and results.
#
# RUN: %python %s --libs %runner_libs --tmp %t | FileCheck %s
# CHECK: PASS

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
import numpy as np  # noqa: E402
import samoyeds_ref as ref  # noqa: E402
from samoyeds_ref import tensor_type  # noqa: E402

CASES = [
    dict(name="weighted_f32_t7_k2", T=7, k=2, H=64, weighted=True, rows="f32", out="f32"),
    dict(name="unweighted_bf16_rows_bf16_out_t5_k3", T=5, k=3, H=32, weighted=False,
         rows="bf16", out="bf16"),
    dict(name="weighted_f16_rows_f32_out_t65_k2", T=65, k=2, H=16, weighted=True,
         rows="f16", out="f32"),
    dict(name="weighted_t1_k1", T=1, k=1, H=8, weighted=True, rows="f32", out="f32"),
]


def main():
    args = ref.parse_args(sys.argv[1:])
    rng = np.random.default_rng(5)
    prog = ref.Program()
    f = prog.function("main")
    expected = []
    for c in CASES:
        t, k, h = c["T"], c["k"], c["H"]
        flat = t * k
        # Every flat id once (some twice, as a list may repeat), plus padding.
        lst = np.concatenate([rng.permutation(flat), rng.integers(0, flat, size=3),
                              [flat, -1, flat + 5, -100]])
        rng.shuffle(lst)
        rows = ref.exact_values(rng, (len(lst), h))
        weights = ref.exact_values(rng, (t, k))
        y, err = ref.combine(rows, lst, weights, c["weighted"])
        if c["out"] != "f32":
            err = err + ref.UNIT_ROUNDOFF[c["out"]] * (np.abs(y) + err)
        expected.append((y, 2 * err + 1e-6))
        rt, lt = tensor_type(rows.shape, c["rows"]), tensor_type([len(lst)], "i32")
        wt, ot = tensor_type([t, k], "f32"), tensor_type([t, h], c["out"])
        r = f.const(rows, c["rows"])
        li = f.const(lst, "i32")
        w = f.const(weights, "f32")
        attr = " {weighted}" if c["weighted"] else ""
        y0 = f.empty(ot)
        y_v = f.op(f"samoyeds.combine {r}, {li}, {w} outs({y0} : {ot}){attr} : {rt}, {lt}, {wt}"
                   f" -> {ot}")
        f.print_tensor(y_v, [t, h], c["out"], exact=True)
    f.ret()
    check = ref.Checker(ref.run(prog, args))
    for c, (y, tol) in zip(CASES, expected):
        check.close(c["name"], y, tol, bits=True)
    check.finish()


if __name__ == "__main__":
    main()
