# samoyeds.dispatch on the CPU: list and offsets exactly equal to the numpy
# reference (vLLM moe_align_block_size layout: per-expert ascending flat ids,
# segments padded to the tile with the sentinel T*k, worst-case length). Each
# case runs a second time with the optional counts result (i64, or i32 every
# other case): the same list and offsets, and counts equal to a bincount of
# the expert choices (unpadded; zero for the experts no token chose).
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
    dict(name="t7_k2_e4_tile4_empty_expert", T=7, k=2, E=4, tile=4, empty=[1]),
    dict(name="t65_k2_e8_tile16", T=65, k=2, E=8, tile=16, empty=[]),
    dict(name="t5_k1_e3_tile1", T=5, k=1, E=3, tile=1, empty=[]),
    dict(name="t9_k3_e6_tile64", T=9, k=3, E=6, tile=64, empty=[]),
    dict(name="t4_k2_e5_tile3_two_experts", T=4, k=2, E=5, tile=3, empty=[2, 3, 4]),
    dict(name="t1_k1_e2_tile2", T=1, k=1, E=2, tile=2, empty=[]),
    # Dynamic token count (tensor<?xk> indices, tensor<?> list).
    dict(name="dynamic_t11_k2_e4_tile8", T=11, k=2, E=4, tile=8, empty=[0], dynamic=True),
]


def main():
    args = ref.parse_args(sys.argv[1:])
    rng = np.random.default_rng(11)
    prog = ref.Program()
    f = prog.function("main")
    expected = []
    for ci, c in enumerate(CASES):
        t, k, e = c["T"], c["k"], c["E"]
        choices = [x for x in range(e) if x not in c["empty"]]
        ids = np.array([rng.choice(choices, size=k, replace=False) for _ in range(t)])
        lst, offsets = ref.dispatch(ids, e, c["tile"])
        # Independent of ref.dispatch: the (token, slot) pairs per expert.
        counts = np.bincount(ids.reshape(-1), minlength=e)
        assert all(counts[x] == 0 for x in c["empty"])
        expected.append((lst, offsets, counts))
        length = len(lst)
        it = tensor_type([t, k], "i32")
        v = f.const(ids, "i32")
        lt, ot = tensor_type([length], "i32"), tensor_type([e + 1], "i32")
        celt = "i64" if ci % 2 == 0 else "i32"
        ct = tensor_type([e], celt)
        attrs = f"{{num_experts = {e}, tile = {c['tile']}}}"
        for with_counts in (False, True):
            extra, n = (f", {ct}", 3) if with_counts else ("", 2)
            inits = [f.empty(ot)] + ([f.empty(ct)] if with_counts else [])
            if c.get("dynamic"):
                dt = tensor_type(["?", k], "i32")
                dv = f.op(f"tensor.cast {v} : {it} to {dt}")
                dl = tensor_type(["?"], "i32")
                pad = f.op(f"arith.constant {length - t * k} : index")
                c0 = f.op("arith.constant 0 : index")
                tv = f.op(f"tensor.dim {dv}, {c0} : {dt}")
                kv = f.op(f"arith.constant {k} : index")
                tk = f.op(f"arith.muli {tv}, {kv} : index")
                ln = f.op(f"arith.addi {tk}, {pad} : index")
                outs = ", ".join([f.empty(dl, [ln])] + inits)
                res = f.op(f"samoyeds.dispatch {dv} outs({outs} : {dl}, {ot}{extra}) {attrs}"
                           f" : {dt} -> {dl}, {ot}{extra}", n)
                res[0] = f.op(f"tensor.cast {res[0]} : {dl} to {lt}")
            else:
                outs = ", ".join([f.empty(lt)] + inits)
                res = f.op(f"samoyeds.dispatch {v} outs({outs} : {lt}, {ot}{extra}) {attrs}"
                           f" : {it} -> {lt}, {ot}{extra}", n)
            f.print_tensor(res[0], [length], "i32")
            f.print_tensor(res[1], [e + 1], "i32")
            if with_counts:
                f.print_tensor(res[2], [e], celt)
    f.ret()
    check = ref.Checker(ref.run(prog, args))
    for c, (lst, offsets, counts) in zip(CASES, expected):
        for suffix in ("", " (with counts)"):
            check.equal(c["name"] + " list" + suffix, lst)
            check.equal(c["name"] + " offsets" + suffix, offsets)
        check.equal(c["name"] + " counts", counts)
    check.finish()


if __name__ == "__main__":
    main()
