# samoyeds.route on the CPU against the numpy float64 reference: indices exactly,
# weights within the f32 bound of helpers/samoyeds_ref.py. Logits are drawn
# token by token until every selection decision of the token has a margin of at
# least 1e-3, so f32 and float64 choose the same experts in the same order.
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
    # Mixtral: softmax, top-2, renormalised.
    dict(name="softmax_renorm_e8_k2", T=9, E=8, k=2, scoring="softmax", renorm=True,
         logits_elt="f32", w_elt="f32"),
    # DeepSeek-MoE: softmax top-k without renormalisation, bf16 logits.
    dict(name="softmax_e6_k3_bf16_logits", T=7, E=6, k=3, scoring="softmax",
         logits_elt="bf16", w_elt="f32"),
    # DeepSeek-V3: sigmoid, correction bias, 4 groups keep 2, renormalised, x2.5.
    dict(name="sigmoid_bias_groups_scaling_e16_k4", T=13, E=16, k=4, scoring="sigmoid",
         bias="f32", renorm=True, n_group=4, topk_group=2, scaling=2.5,
         logits_elt="f32", w_elt="f32"),
    # Groups of one expert (group score = its own score), bf16 bias, f16 weights.
    dict(name="sigmoid_bias_groups_of_one_e8_k2", T=5, E=8, k=2, scoring="sigmoid",
         bias="bf16", n_group=8, topk_group=3, logits_elt="f32", w_elt="f16"),
    # Exact ties (equal logits): the lower expert / the lower group wins.
    dict(name="softmax_exact_ties_e8_k3", T=6, E=8, k=3, scoring="softmax", renorm=True,
         logits_elt="f32", w_elt="f32", ties="experts"),
    dict(name="sigmoid_exact_group_ties_e8_k2", T=6, E=8, k=2, scoring="sigmoid",
         n_group=4, topk_group=2, logits_elt="f32", w_elt="f32", ties="groups"),
    # Softmax with group-limited selection and scaling, 65 tokens.
    dict(name="softmax_groups_e16_k4_t65", T=65, E=16, k=4, scoring="softmax",
         renorm=True, n_group=4, topk_group=3, scaling=1.5, logits_elt="f32", w_elt="f32"),
]


def route_args(c, bias):
    return dict(top_k=c["k"], scoring=c["scoring"], bias=bias,
                renormalize=c.get("renorm", False), n_group=c.get("n_group", 1),
                topk_group=c.get("topk_group", 1), scaling=c.get("scaling", 1.0))


def _has_exact_tie(logits, c, bias):
    """Whether reversing the expert order changes the choice (then a tie was
    decided by the lower-index rule)."""
    _, ids, _ = ref.route(logits, **route_args(c, bias))
    e = c["E"]
    if c["ties"] == "groups":
        gs = e // c["n_group"]
        perm = np.concatenate([np.arange(g * gs, (g + 1) * gs)
                               for g in reversed(range(c["n_group"]))])
    else:
        perm = np.arange(e)[::-1]
    _, rids, _ = ref.route(logits[:, perm], **route_args(c, bias))
    return not np.array_equal(np.sort(ids, axis=1), np.sort(perm[rids], axis=1))


def make_case(rng, c):
    e = c["E"]
    bias = ref.exact_values(rng, e, kmax=16) if "bias" in c else None
    rows = []
    for _ in range(c["T"]):
        while True:  # no near-ties in any decision of this token
            row = ref.exact_values(rng, (1, e)) * 4
            if c.get("ties") == "experts":  # few distinct values
                row = rng.choice([-1.0, 0.5, 2.0], size=(1, e))
            elif c.get("ties") == "groups":  # groups that are permutations
                g = rng.choice([-1.0, 0.5, 2.0, 3.0], size=2)
                row = np.concatenate([rng.permutation(g) for _ in range(4)])[None]
                row[0, :2] = ref.exact_values(rng, 2)  # group 0 differs
            _, _, gap = ref.route(row, **route_args(c, bias))
            if gap >= 1e-3:
                break
        rows.append(row[0])
    logits = np.array(rows)
    w, ids, gap = ref.route(logits, **route_args(c, bias))
    assert gap >= 1e-3
    if "ties" in c:  # some decision was an exact tie
        assert _has_exact_tie(logits, c, bias)
    # The options under test change the outcome for some token (else the
    # case would not test them).
    if bias is not None:
        assert not np.array_equal(ids, ref.route(logits, **route_args(c, None))[1])
    if 1 < c.get("n_group", 1) < c["E"] and "ties" not in c:  # (groups of one never limit)
        plain = dict(route_args(c, bias), n_group=1, topk_group=1)
        assert not np.array_equal(ids, ref.route(logits, **plain)[1])
    tol = 2 * (e + 16) * ref.U32 * np.abs(w) + 1e-7
    if c["w_elt"] != "f32":
        tol = tol + 2 * ref.UNIT_ROUNDOFF[c["w_elt"]] * np.abs(w)
    return dict(logits=logits, bias=bias, w=w, ids=ids, tol=tol)


def emit_case(main, c, d):
    lt = tensor_type(d["logits"].shape, c["logits_elt"])
    wt = tensor_type([c["T"], c["k"]], c["w_elt"])
    it = tensor_type([c["T"], c["k"]], "i32")
    logits = main.const(d["logits"], c["logits_elt"])
    bias = ""
    if d["bias"] is not None:
        bt = tensor_type([c["E"]], c["bias"])
        bias = f" bias({main.const(d['bias'], c['bias'])} : {bt})"
    attrs = [f"top_k = {c['k']}"]
    if c["scoring"] != "softmax":
        attrs.append(f"scoring = #samoyeds.scoring<{c['scoring']}>")
    if c.get("renorm"):
        attrs.append("renormalize")
    for key in ("n_group", "topk_group"):
        if key in c:
            attrs.append(f"{key} = {c[key]}")
    if "scaling" in c:
        attrs.append(f"scaling_factor = {c['scaling']} : f32")
    w0, i0 = main.empty(wt), main.empty(it)
    w, ids = main.op(f"samoyeds.route {logits}{bias} outs({w0}, {i0} : {wt}, {it})"
                     f" {{{', '.join(attrs)}}} : {lt} -> {wt}, {it}", 2)
    main.print_tensor(w, [c["T"], c["k"]], c["w_elt"], exact=True)
    main.print_tensor(ids, [c["T"], c["k"]], "i32")


def main():
    args = ref.parse_args(sys.argv[1:])
    rng = np.random.default_rng(7)
    prog = ref.Program()
    main_fn = prog.function("main")
    data = [make_case(rng, c) for c in CASES]
    for c, d in zip(CASES, data):
        emit_case(main_fn, c, d)
    main_fn.ret()
    check = ref.Checker(ref.run(prog, args))
    for c, d in zip(CASES, data):
        check.close(c["name"] + " weights", d["w"], d["tol"], bits=True)
        check.equal(c["name"] + " indices", d["ids"])
    check.finish()


if __name__ == "__main__":
    main()
