"""Runs one whole samoyeds.moe layer through samoyeds-cpu-pipeline and
compares it with the numpy float64 reference (samoyeds_ref.moe).

The layer is compiled three times, with its packed weights given as
samoyeds.pack of function arguments (packed at run time by the CPU runtime),
as samoyeds.pack of constants (folded at compile time by the C++ format
library) and as samoyeds.assemble of storage packed by the numpy pruner. The
three results must be bitwise identical, and within the derived tolerance of
the reference computed with the numpy-pruned dense weights.
"""

import sys

import numpy as np

import samoyeds_ref as ref
from samoyeds_ref import tensor_type, packed_type


def route_args(cfg, bias):
    return dict(top_k=cfg["k"], scoring=cfg.get("scoring", "softmax"), bias=bias,
                renormalize=cfg.get("renorm", False), n_group=cfg.get("n_group", 1),
                topk_group=cfg.get("topk_group", 1), scaling=cfg.get("scaling", 1.0))


def run_config(cfg, argv):
    args = ref.parse_args(argv)
    rng = np.random.default_rng(cfg["seed"])
    elt, out_elt = cfg["elt"], cfg["out"]
    t, hid, inter, e, k = cfg["T"], cfg["H"], cfg["I"], cfg["E"], cfg["k"]
    f13, f2 = cfg["fmt13"], cfg["fmt2"]

    gate = ref.exact_values(rng, (e, hid))
    bias = ref.exact_values(rng, e, kmax=16) if cfg.get("bias") else None
    # Tokens drawn one by one until the routing of each has a clear margin.
    rows = []
    for _ in range(t):
        while True:
            row = ref.exact_values(rng, (1, hid))
            if ref.route(row @ gate.T, **route_args(cfg, bias))[2] >= 1e-3:
                break
        rows.append(row[0])
    x = np.array(rows)
    # Weights scaled down so that activations stay O(1)..O(10).
    w13 = ref.exact_values(rng, (e, 2 * inter, hid), kmax=31)
    w2 = ref.exact_values(rng, (e, hid, inter), kmax=31)
    s13 = s2 = sgate = None
    if cfg.get("shared"):
        sh = cfg["S"]
        s13 = ref.exact_values(rng, (2 * sh, hid), kmax=31)
        s2 = ref.exact_values(rng, (hid, sh), kmax=31)
        if cfg.get("shared_gate"):
            sgate = ref.exact_values(rng, hid, kmax=8)

    pk13 = ref.prune_pack_experts(w13, *f13)
    pk2 = ref.prune_pack_experts(w2, *f2)
    shared_ref = None
    if s13 is not None:
        ps13 = ref.prune_pack(s13, *cfg["fmt_s13"])
        ps2 = ref.prune_pack(s2, *cfg["fmt_s2"])
        shared_ref = (ps13[3], ps2[3])
    y, err, gap = ref.moe(x, gate, pk13[3], pk2[3], k, cfg.get("scoring", "softmax"), bias,
                          cfg.get("renorm", False), cfg.get("n_group", 1),
                          cfg.get("topk_group", 1), cfg.get("scaling", 1.0),
                          cfg.get("tile", 64), shared_ref, sgate, h_elt=elt, out_elt=out_elt)
    assert gap >= 1e-3
    tol = 2 * err + 1e-6

    # The program: @layer(x, gate, w13, w2 [, s13, s2]) -> 3 results.
    prog = ref.Program()
    # With "dynamic", the layer takes and returns tensors of a dynamic token
    # count (main casts around the call).
    tdim = "?" if cfg.get("dynamic") else t
    xt, gt = tensor_type([tdim, hid], elt), tensor_type([e, hid], elt)
    d13, d2 = tensor_type(w13.shape, elt), tensor_type(w2.shape, elt)
    yt = tensor_type([tdim, hid], out_elt)
    arg_types = [xt, gt, d13, d2]
    if s13 is not None:
        arg_types += [tensor_type(s13.shape, elt), tensor_type(s2.shape, elt)]
    f = prog.function("layer", arg_types, [yt] * 3)
    p13t = packed_type(w13.shape, elt, *f13)
    p2t = packed_type(w2.shape, elt, *f2)
    sources = {
        "rt": [f.pack(f.arg(2), list(w13.shape), elt, *f13),
               f.pack(f.arg(3), list(w2.shape), elt, *f2)],
        "ct": [f.pack(f.const(w13, elt), list(w13.shape), elt, *f13),
               f.pack(f.const(w2, elt), list(w2.shape), elt, *f2)],
        "np": [f.assemble(*pk13[:3], list(w13.shape), elt, *f13),
               f.assemble(*pk2[:3], list(w2.shape), elt, *f2)],
    }
    if s13 is not None:
        fs13, fs2 = cfg["fmt_s13"], cfg["fmt_s2"]
        sources["rt"] += [f.pack(f.arg(4), list(s13.shape), elt, *fs13),
                          f.pack(f.arg(5), list(s2.shape), elt, *fs2)]
        sources["ct"] += [f.pack(f.const(s13, elt), list(s13.shape), elt, *fs13),
                          f.pack(f.const(s2, elt), list(s2.shape), elt, *fs2)]
        sources["np"] += [f.assemble(*ps13[:3], list(s13.shape), elt, *fs13),
                          f.assemble(*ps2[:3], list(s2.shape), elt, *fs2)]
        shared_types = (packed_type(s13.shape, elt, *fs13), packed_type(s2.shape, elt, *fs2))
    bias_v = f.const(bias, "f32") if bias is not None else None
    sgate_v = f.const(sgate, elt) if sgate is not None else None
    attrs = [f"top_k = {k}"]
    if cfg.get("scoring", "softmax") != "softmax":
        attrs.append(f"scoring = #samoyeds.scoring<{cfg['scoring']}>")
    if cfg.get("renorm"):
        attrs.append("renormalize")
    for key in ("n_group", "topk_group", "tile"):
        if key in cfg:
            attrs.append(f"{key} = {cfg[key]}")
    if "scaling" in cfg:
        attrs.append(f"scaling_factor = {cfg['scaling']} : f32")
    results = []
    for name in ("rt", "ct", "np"):
        ws = sources[name]
        text = f"samoyeds.moe {f.arg(0)}, {f.arg(1)}, {ws[0]}, {ws[1]}"
        if bias_v:
            text += f" bias({bias_v} : {tensor_type([e], 'f32')})"
        if s13 is not None:
            text += f" shared({ws[2]}, {ws[3]} : {shared_types[0]}, {shared_types[1]})"
        if sgate_v:
            text += f" shared_gate({sgate_v} : {tensor_type([hid], elt)})"
        text += f" {{{', '.join(attrs)}}} : {xt}, {gt}, {p13t}, {p2t} -> {yt}"
        results.append(f.op(text))
    f.ret(results)

    main = prog.function("main")
    xv = main.const(x, elt)
    if cfg.get("dynamic"):
        xv = main.op(f"tensor.cast {xv} : {tensor_type([t, hid], elt)} to {xt}")
    consts = [xv, main.const(gate, elt), main.const(w13, elt), main.const(w2, elt)]
    if s13 is not None:
        consts += [main.const(s13, elt), main.const(s2, elt)]
    outs = main.call("layer", consts, arg_types, [yt] * 3)
    for o in outs:
        if cfg.get("dynamic"):
            o = main.op(f"tensor.cast {o} : {yt} to {tensor_type([t, hid], out_elt)}")
        main.print_tensor(o, [t, hid], out_elt, exact=True)
    main.ret()

    check = ref.Checker(ref.run(prog, args))
    y_rt = ref.bits_to_f32(check.take())
    y_ct = ref.bits_to_f32(check.take())
    y_np = ref.bits_to_f32(check.take())
    check.close(cfg["name"] + " (numpy-packed weights) vs reference", y, tol, got=y_np)
    check.equal(cfg["name"] + " (packed at compile time) vs numpy-packed", y_np, got=y_ct)
    check.equal(cfg["name"] + " (packed at run time) vs numpy-packed", y_np, got=y_rt)
    check.finish()
