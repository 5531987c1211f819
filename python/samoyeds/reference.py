"""A numpy reference of a samoyeds.moe layer (the semantics of docs/dialect.md).

    y, info = moe_reference(cfg, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None)

Weights are dense (the pruned weights, e.g. Packed.unpack_f32()): w13 E x 2I x H
(W1 over W3), w2 E x H x I, s13 2S x H, s2 H x S, sg H. Computation in
float64 by default (`dtype=np.float32` for float32). `h_round` ('bf16' /
'f16') rounds the SwiGLU product H to that type before W2, as the compiled
layer stores it. `info` has the routing: weights (T x k), ids (T x k) and
margin (T,): the smallest gap of a selection decision of each token (the
expert cut and the group cut); tokens with a tiny margin may legitimately
route differently in another implementation.
"""

import numpy as np

from .format import bf16_bits_to_f32, f32_to_bf16_bits

__all__ = ["route", "moe_reference", "round_to", "silu", "sigmoid"]


def round_to(x, elt):
    """Rounds to bf16 / f16 / f32 (nearest even); returns the input's float type."""
    x = np.asarray(x)
    dt = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    if elt == "f32":
        return x.astype(np.float32).astype(dt)
    if elt == "f16":
        with np.errstate(over="ignore"):
            return x.astype(np.float16).astype(dt)
    if elt == "bf16":
        with np.errstate(over="ignore"):
            return bf16_bits_to_f32(f32_to_bf16_bits(x.astype(np.float32))).astype(dt)
    raise ValueError(f"unknown element type {elt!r}")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def silu(x):
    return x * sigmoid(x)


def route(logits, top_k, scoring="softmax", bias=None, renormalize=False, n_group=1,
          topk_group=1, scaling_factor=1.0):
    """samoyeds.route, vectorised: (weights T x k, ids T x k, margin T)."""
    logits = np.asarray(logits)
    ft = logits.dtype if logits.dtype in (np.float32, np.float64) else np.float64
    logits = logits.astype(ft)
    t, e = logits.shape
    if scoring == "softmax":
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        s = z / z.sum(axis=1, keepdims=True)
    elif scoring == "sigmoid":
        s = sigmoid(logits)
    else:
        raise ValueError(f"unknown scoring {scoring!r}")
    q = s + np.asarray(bias, dtype=ft)[None, :] if bias is not None else s
    margin = np.full(t, np.inf)
    rows = np.arange(t)[:, None]
    if n_group > 1:
        gs = e // n_group
        grp = q.reshape(t, n_group, gs)
        top = -np.sort(-grp, axis=2)[:, :, :min(2, gs)]
        gscore = top.sum(axis=2)
        gorder = np.argsort(-gscore, axis=1, kind="stable")
        if topk_group < n_group:
            gsorted = np.take_along_axis(gscore, gorder, axis=1)
            margin = np.minimum(margin, gsorted[:, topk_group - 1] - gsorted[:, topk_group])
        eligible_g = np.zeros((t, n_group), dtype=bool)
        eligible_g[rows, gorder[:, :topk_group]] = True
        eligible = np.repeat(eligible_g, gs, axis=1)
        qm = np.where(eligible, q, -np.inf)
        n_eligible = topk_group * gs
    else:
        qm = q
        n_eligible = e
    order = np.argsort(-qm, axis=1, kind="stable")
    ids = order[:, :top_k]
    if top_k < n_eligible:
        qs = np.take_along_axis(qm, order[:, top_k - 1:top_k + 1], axis=1)
        margin = np.minimum(margin, qs[:, 0] - qs[:, 1])
    w = np.take_along_axis(s, ids, axis=1)
    if renormalize:
        w = w / w.sum(axis=1, keepdims=True)
    w = w * ft(scaling_factor) if ft is np.float32 else w * scaling_factor
    return w.astype(ft), ids, margin


def _mlp(x, w13, w2, h_round, dt):
    i = w13.shape[0] // 2
    a = x @ w13.T.astype(dt)
    h = silu(a[:, :i]) * a[:, i:]
    if h_round:
        h = round_to(h, h_round)
    return h @ w2.T.astype(dt)


def moe_reference(cfg, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None,
                  dtype=np.float64, h_round=None):
    """The layer `cfg` (a MoEConfig) on tokens x (T x H) with dense weights.
    Returns (y T x H in `dtype`, dict(weights, ids, margin, logits))."""
    dt = np.dtype(dtype).type
    x = np.asarray(x).astype(dt)
    t, h = x.shape
    if h != cfg.hidden:
        raise ValueError(f"x has {h} columns, the layer's hidden size is {cfg.hidden}")
    logits = x @ np.asarray(gate).astype(dt).T
    if cfg.correction_bias and bias is None:
        raise ValueError("the layer has a correction bias: pass bias")
    weights, ids, margin = route(logits, cfg.top_k, cfg.scoring,
                                 bias if cfg.correction_bias else None, cfg.renormalize,
                                 cfg.n_group, cfg.topk_group, cfg.scaling_factor)
    y = np.zeros((t, h), dtype=dt)
    w13 = np.asarray(w13)
    w2 = np.asarray(w2)
    for e in range(cfg.experts):
        tok, slot = np.nonzero(ids == e)
        if tok.size == 0:
            continue
        out = _mlp(x[tok], w13[e], w2[e], h_round, dt)
        np.add.at(y, tok, weights[tok, slot][:, None].astype(dt) * out)
    if cfg.shared_ffn:
        if s13 is None or s2 is None:
            raise ValueError("the layer has shared experts: pass s13 and s2")
        ys = _mlp(x, np.asarray(s13), np.asarray(s2), h_round, dt)
        if cfg.shared_gate:
            if sg is None:
                raise ValueError("the layer has a shared gate: pass sg")
            ys = ys * sigmoid(x @ np.asarray(sg).astype(dt))[:, None]
        y = y + ys
    return y, dict(weights=weights, ids=ids, margin=margin, logits=logits)
