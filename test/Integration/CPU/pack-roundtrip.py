# samoyeds.pack / samoyeds.unpack on the CPU, compared bit for bit:
#  * a weight that already fits the pattern round-trips exactly through
#    unpack(pack(W)), packed at run time (CPU runtime) and at compile time
#    (pack of a constant, folded by the C++ format library);
#  * for a random weight, unpack(pack(W)) is the weight pruned by the
#    independent numpy pruner, and unpack of the numpy-packed storage too;
#  * pack is idempotent: unpack(pack(unpack(pack(W)))) == unpack(pack(W)).
#
# RUN: %python %s --libs %runner_libs --tmp %t | FileCheck %s
# CHECK: PASS

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
import numpy as np  # noqa: E402
import samoyeds_ref as ref  # noqa: E402
from samoyeds_ref import tensor_type, packed_type  # noqa: E402

CASES = [
    dict(name="fits_bf16_1of2_v32", elt="bf16", fmt=(1, 2, 32), shape=[32, 64], fits=True),
    dict(name="fits_f16_2of4_v64_experts", elt="f16", fmt=(2, 4, 64), shape=[3, 16, 128],
         fits=True),
    dict(name="fits_f16_3of4_v32", elt="f16", fmt=(3, 4, 32), shape=[8, 96], fits=True),
    dict(name="random_f16_2of4_v32", elt="f16", fmt=(2, 4, 32), shape=[16, 64], fits=False),
    dict(name="random_bf16_1of2_v128_experts", elt="bf16", fmt=(1, 2, 128),
         shape=[2, 8, 128], fits=False),
    # Every row of a (group, slice) cell has the same L1 norm: the lower rows win.
    dict(name="row_norm_ties_bf16_2of4_v32", elt="bf16", fmt=(2, 4, 32), shape=[16, 64],
         fits=False, ties=True),
]


def tied_weight(rng, rows, cols, m, v):
    """Rows of each (group, slice) cell are permutations of one another."""
    w = np.zeros((rows, cols))
    for g in range(rows // m):
        for s in range(cols // v):
            base = ref.exact_values(rng, v)
            for j in range(m):
                w[g * m + j, s * v:(s + 1) * v] = rng.permutation(base)
    return w


def main():
    args = ref.parse_args(sys.argv[1:])
    rng = np.random.default_rng(3)
    prog = ref.Program()
    main_fn = prog.function("main")
    expected = []
    for c in CASES:
        n, m, v = c["fmt"]
        shape, elt = c["shape"], c["elt"]
        experts = shape[:-2]
        mats = []
        for _ in range(int(np.prod(experts)) if experts else 1):
            if c["fits"]:
                mats.append(ref.fitting_weight(rng, shape[-2], shape[-1], n, m, v))
            elif c.get("ties"):
                mats.append(tied_weight(rng, shape[-2], shape[-1], m, v))
            else:
                mats.append(ref.exact_values(rng, shape[-2:]))
        w = np.stack(mats).reshape(shape)
        packs = [ref.prune_pack(x, n, m, v) for x in mats]
        pruned = np.stack([p[3] for p in packs]).reshape(shape)
        if c["fits"]:
            assert np.array_equal(pruned, w)
        else:
            assert not np.array_equal(pruned, w)
        storage = [np.stack([p[i] for p in packs]).reshape(
            list(experts) + list(packs[0][i].shape)) for i in range(3)]
        if c.get("ties"):  # the n lowest rows of every cell are kept
            for st in storage[2].reshape(-1, n):
                assert list(st) == list(range(n))
        expected.append(pruned)

        dt = tensor_type(shape, elt)
        pt = packed_type(shape, elt, n, m, v)
        f = prog.function(c["name"], [dt], [dt] * 4)
        unpack = lambda p: f.op(f"samoyeds.unpack {p} : {pt} -> {dt}")  # noqa: E731
        d_rt = unpack(f.pack(f.arg(0), shape, elt, n, m, v))
        d_ct = unpack(f.pack(f.const(w, elt), shape, elt, n, m, v))
        d_np = unpack(f.assemble(*storage, shape, elt, n, m, v))
        d_twice = unpack(f.pack(d_rt, shape, elt, n, m, v))
        f.ret([d_rt, d_ct, d_np, d_twice])
        outs = main_fn.call(c["name"], [main_fn.const(w, elt)], [dt], [dt] * 4)
        for o in outs:
            main_fn.print_tensor(o, shape, elt, exact=True)
    main_fn.ret()
    check = ref.Checker(ref.run(prog, args))
    for c, pruned in zip(CASES, expected):
        what = "W" if c["fits"] else "numpy-pruned W"
        check.equal(c["name"] + f": unpack(pack at run time) == {what}", pruned, bits=True)
        check.equal(c["name"] + f": unpack(pack at compile time) == {what}", pruned, bits=True)
        check.equal(c["name"] + f": unpack(numpy storage) == {what}", pruned, bits=True)
        check.equal(c["name"] + ": pack idempotent", pruned, bits=True)
    check.finish()


if __name__ == "__main__":
    main()
