# samoyeds.ssmm on the CPU (samoyeds-cpu-pipeline + mlir-runner) against an
# independent numpy float64 reference (helpers/samoyeds_ref.py).
#
# Every case multiplies the same dense weight in three packed forms:
#   rt:  samoyeds.pack of a function argument (packed at run time through the
#        CPU runtime, i.e. the C++ format library);
#   ct:  samoyeds.pack of a dense constant (folded at compile time by the C++
#        format library);
#   np:  samoyeds.assemble of storage packed by the numpy pruner of the helper.
# The three results must be bitwise identical (same storage, same loops), and
# close to the float64 reference computed with the numpy-pruned dense weight.
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
    # name, elt, (n, m, v), experts (None: rank-2 weight), R, C, T, top_k,
    # gather, epilogue, scale, out_elt, tile, expert with no token
    dict(name="t1_bf16_1of2_gather", elt="bf16", fmt=(1, 2, 64), experts=None,
         R=64, C=128, T=1, k=1, gather=True, epi="none", scale=False, out="f32"),
    dict(name="t7_f16_2of4_gather_padding", elt="f16", fmt=(2, 4, 32), experts=None,
         R=64, C=64, T=7, k=2, gather=True, epi="none", scale=False, out="f32"),
    dict(name="t65_bf16_2of4_compact_silu", elt="bf16", fmt=(2, 4, 128), experts=None,
         R=128, C=128, T=65, k=1, gather=False, epi="silu_mul", scale=False, out="bf16"),
    dict(name="t7_f16_1of2_compact_scale", elt="f16", fmt=(1, 2, 32), experts=None,
         R=32, C=64, T=7, k=2, gather=False, epi="none", scale=True, out="f16"),
    dict(name="e4_t7_bf16_1of2_gather_silu", elt="bf16", fmt=(1, 2, 64), experts=4,
         R=128, C=64, T=7, k=2, gather=True, epi="silu_mul", scale=False, out="bf16",
         tile=4, empty=2),
    dict(name="e3_t65_f16_2of4_compact_scale", elt="f16", fmt=(2, 4, 32), experts=3,
         R=64, C=64, T=65, k=2, gather=False, epi="none", scale=True, out="f32",
         tile=8, empty=0),
    dict(name="e5_t1_bf16_2of4_gather_silu_scale", elt="bf16", fmt=(2, 4, 32), experts=5,
         R=64, C=32, T=1, k=2, gather=True, epi="silu_mul", scale=True, out="f32",
         tile=2, empty=4),
    dict(name="e8_t65_f16_1of2_gather_silu_scale", elt="f16", fmt=(1, 2, 128), experts=8,
         R=64, C=128, T=65, k=2, gather=True, epi="silu_mul", scale=True, out="bf16",
         tile=16, empty=7),
]


def make_case(rng, c):
    """Inputs and the reference of one case."""
    n, m, v = c["fmt"]
    t, k, e = c["T"], c["k"], c["experts"]
    shape = [c["R"], c["C"]] if e is None else [e, c["R"], c["C"]]
    w = ref.exact_values(rng, shape)
    if e is None:
        storage = ref.prune_pack(w, n, m, v)
        offsets = None
        if c["gather"] or c["scale"]:
            bound = t * k
            if t == 1:
                lst = np.array([0])
            else:  # with padding: the sentinel, negative, far out of range
                lst = np.concatenate([rng.integers(0, bound, size=2 * t), [bound, -1, 1000]])
                rng.shuffle(lst)
        else:
            lst = rng.permutation(t)  # any values: no entry is padding
    else:
        storage = ref.prune_pack_experts(w, n, m, v)
        choices = [x for x in range(e) if x != c["empty"]]
        ids = np.array([rng.choice(choices, size=k, replace=False) for _ in range(t)])
        lst, offsets = ref.dispatch(ids, e, c["tile"])
    rows = t if c["gather"] else len(lst)
    x = ref.exact_values(rng, (rows, c["C"]))
    scale = ref.exact_values(rng, (t, k)) if c["scale"] else None
    y, err = ref.ssmm(storage[3], x, lst, offsets, scale, k, c["gather"], c["epi"], c["out"])
    return dict(w=w, storage=storage, x=x, lst=lst, offsets=offsets, scale=scale,
                y=y, tol=2 * err + 1e-6, shape=shape)


def emit_case(prog, main, c, d):
    n, m, v = c["fmt"]
    elt, shape = c["elt"], d["shape"]
    out_cols = c["R"] // 2 if c["epi"] == "silu_mul" else c["R"]
    res_t = tensor_type([len(d["lst"]), out_cols], c["out"])
    arg_types = [tensor_type(shape, elt), tensor_type(d["x"].shape, elt),
                 tensor_type([len(d["lst"])], "i32")]
    if d["offsets"] is not None:
        arg_types.append(tensor_type([len(d["offsets"])], "i32"))
    if d["scale"] is not None:
        arg_types.append(tensor_type(d["scale"].shape, "f32"))
    f = prog.function(c["name"], arg_types, [res_t] * 3)
    ptype = packed_type(shape, elt, n, m, v)
    p_rt = f.pack(f.arg(0), shape, elt, n, m, v)
    p_ct = f.pack(f.const(d["w"], elt), shape, elt, n, m, v)
    vals, meta, ridx, _ = d["storage"]
    p_np = f.assemble(vals, meta, ridx, shape, elt, n, m, v)
    extra, attrs = "", [f"top_k = {c['k']}"]
    i = 3
    if d["offsets"] is not None:
        extra += f" offsets({f.arg(i)} : {arg_types[i]})"
        i += 1
    if d["scale"] is not None:
        extra += f" scale({f.arg(i)} : {arg_types[i]})"
    if c["gather"]:
        attrs.append("gather")
    if c["epi"] != "none":
        attrs.append(f"epilogue = #samoyeds.epilogue<{c['epi']}>")
    results = []
    for p in (p_rt, p_ct, p_np):
        init = f.empty(res_t)
        results.append(f.op(
            f"samoyeds.ssmm {p}, {f.arg(1)}, {f.arg(2)}{extra} outs({init} : {res_t})"
            f" {{{', '.join(attrs)}}} : "
            f"{ptype}, {arg_types[1]}, {arg_types[2]} -> {res_t}"))
    f.ret(results)

    args = [main.const(d["w"], elt), main.const(d["x"], elt), main.const(d["lst"], "i32")]
    if d["offsets"] is not None:
        args.append(main.const(d["offsets"], "i32"))
    if d["scale"] is not None:
        args.append(main.const(d["scale"], "f32"))
    outs = main.call(c["name"], args, arg_types, [res_t] * 3)
    for o in outs:
        main.print_tensor(o, [len(d["lst"]), out_cols], c["out"], exact=True)


def main():
    args = ref.parse_args(sys.argv[1:])
    rng = np.random.default_rng(20250617)
    prog = ref.Program()
    main_fn = prog.function("main")
    data = []
    for c in CASES:
        d = make_case(rng, c)
        data.append(d)
        emit_case(prog, main_fn, c, d)
    main_fn.ret()
    check = ref.Checker(ref.run(prog, args))
    for c, d in zip(CASES, data):
        y_rt = ref.bits_to_f32(check.take())
        y_ct = ref.bits_to_f32(check.take())
        y_np = ref.bits_to_f32(check.take())
        check.close(c["name"] + " (numpy-packed storage) vs reference", d["y"], d["tol"], got=y_np)
        check.equal(c["name"] + " (pack at compile time) vs numpy-packed", y_np, got=y_ct)
        check.equal(c["name"] + " (pack at run time) vs numpy-packed", y_np, got=y_rt)
    check.finish()


if __name__ == "__main__":
    main()
