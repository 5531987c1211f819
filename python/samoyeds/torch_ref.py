"""torch implementations used for checks and baselines (torch imported at
module import: only import this where torch exists).

- unpack_torch(p): the dense pruned weight of a PackedTensors, on its device.
- route_torch(logits, cfg, bias): samoyeds.route in torch (ties: lower index),
  with the per-token selection margin.
- moe_torch(cfg, x, gate, w13, w2, ...): the layer, HF style (a loop over
  experts: index the routed tokens, silu(x W1^T) * (x W3^T) W2^T, index_add_
  with the routing weights), in `compute_dtype` (float32 for a reference,
  bfloat16 for the dense baseline); routing always in float32.
"""

import torch
import torch.nn.functional as F

__all__ = ["unpack_torch", "route_torch", "moe_torch"]


def _unpack_matrix(values, meta, rowidx, fmt, rows, cols, out):
    n, m, v = fmt.n, fmt.m, fmt.v
    cr, q4 = rows // m * n, cols // 4
    dev = values.device
    mw = meta.to(torch.int32) & 0xFFFF                                   # (cr, C/16)
    shifts = torch.arange(0, 16, 4, device=dev, dtype=torch.int32)
    nib = ((mw.unsqueeze(-1) >> shifts) & 0xF).reshape(cr, q4)
    p0, p1 = (nib & 3).long(), (nib >> 2).long()
    if bool((p0 >= p1).any()):
        raise ValueError("malformed metadata (positions not strictly ascending)")
    ri = rowidx.to(torch.int64) & 0xFF                                   # (S, cr)
    if bool((ri >= m).any()):
        raise ValueError(f"malformed row indices (an index is >= M = {m})")
    orig = (torch.arange(cr, device=dev) // n * m).unsqueeze(1) + ri.t()   # (cr, S)
    rows_q = orig.repeat_interleave(v // 4, dim=1)                       # (cr, q4)
    base = rows_q * cols + 4 * torch.arange(q4, device=dev).unsqueeze(0)
    flat = out.view(-1)
    flat.zero_()
    vals = values.reshape(cr, q4, 2).to(out.dtype)
    flat[(base + p0).view(-1)] = vals[:, :, 0].reshape(-1)
    flat[(base + p1).view(-1)] = vals[:, :, 1].reshape(-1)


def unpack_torch(p, dtype=None):
    """Dense [E x] R x C weight of a PackedTensors (zeros off the pattern), on
    the values' device, of `dtype` (default: the values' dtype)."""
    dtype = dtype or p.values.dtype
    out = torch.empty(p.shape, dtype=dtype, device=p.values.device)
    r, c = p.shape[-2:]
    if len(p.shape) == 2:
        _unpack_matrix(p.values, p.meta, p.rowidx, p.fmt, r, c, out)
    else:
        for e in range(p.shape[0]):
            _unpack_matrix(p.values[e], p.meta[e], p.rowidx[e], p.fmt, r, c, out[e])
    return out


def route_torch(logits, cfg, bias=None):
    """(weights T x k float32, ids T x k int64, margin T float32) of float32
    logits, as samoyeds.route with the attributes of `cfg`."""
    logits = logits.float()
    t, e = logits.shape
    k = cfg.top_k
    if cfg.scoring == "softmax":
        s = torch.softmax(logits, dim=-1)
    else:
        s = torch.sigmoid(logits)
    q = s + bias.float().unsqueeze(0) if (cfg.correction_bias and bias is not None) else s
    margin = torch.full((t,), float("inf"), device=logits.device)
    if cfg.n_group > 1:
        gs = e // cfg.n_group
        grp = q.view(t, cfg.n_group, gs)
        top = torch.sort(grp, dim=-1, descending=True).values[:, :, :min(2, gs)]
        gscore = top.sum(-1)
        gsorted, gorder = torch.sort(gscore, dim=-1, descending=True, stable=True)
        if cfg.topk_group < cfg.n_group:
            margin = torch.minimum(margin, gsorted[:, cfg.topk_group - 1]
                                   - gsorted[:, cfg.topk_group])
        keep = torch.zeros((t, cfg.n_group), dtype=torch.bool, device=logits.device)
        keep.scatter_(1, gorder[:, :cfg.topk_group], True)
        eligible = keep.repeat_interleave(gs, dim=1)
        qm = q.masked_fill(~eligible, float("-inf"))
        n_eligible = cfg.topk_group * gs
    else:
        qm = q
        n_eligible = e
    qs, order = torch.sort(qm, dim=-1, descending=True, stable=True)
    ids = order[:, :k]
    if k < n_eligible:
        margin = torch.minimum(margin, qs[:, k - 1] - qs[:, k])
    w = s.gather(1, ids)
    if cfg.renormalize:
        w = w / w.sum(-1, keepdim=True)
    w = w * float(torch.tensor(cfg.scaling_factor, dtype=torch.float32))
    return w, ids, margin


def _mlp(x, w13, w2, dt, h_round):
    a = F.linear(x.to(dt), w13.to(dt))
    g, u = a.chunk(2, dim=-1)
    h = F.silu(g) * u
    if h_round is not None:
        h = h.to(h_round).to(dt)
    return F.linear(h, w2.to(dt))


def moe_torch(cfg, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None,
              compute_dtype=torch.float32, h_round=None, routing=None):
    """The layer on x (T x H) with dense weights (w13 E x 2I x H, w2 E x H x I,
    s13 2S x H, s2 H x S, sg H). Routing in float32 from the given x and gate
    (or `routing` = (weights, ids) precomputed); experts in compute_dtype;
    h_round: a dtype H is rounded to before W2 (as the compiled layer does).
    Returns (y in compute_dtype, dict(weights, ids, margin, logits))."""
    dt = compute_dtype
    logits = F.linear(x.float(), gate.float())
    if routing is None:
        weights, ids, margin = route_torch(logits, cfg, bias)
    else:
        (weights, ids), margin = routing, None
    y = torch.zeros((x.shape[0], cfg.hidden), dtype=dt, device=x.device)
    flat = ids.reshape(-1)
    order = torch.argsort(flat, stable=True)
    counts = torch.bincount(flat, minlength=cfg.experts).tolist()
    start = 0
    k = cfg.top_k
    for e, cnt in enumerate(counts):
        if cnt == 0:
            continue
        sel = order[start:start + cnt]
        start += cnt
        tok = sel // k
        out = _mlp(x[tok], w13[e], w2[e], dt, h_round)
        y.index_add_(0, tok, out * weights.reshape(-1)[sel].to(dt).unsqueeze(1))
    if cfg.shared_ffn:
        ys = _mlp(x, s13, s2, dt, h_round)
        if cfg.shared_gate:
            ys = ys * torch.sigmoid(x.float() @ sg.float()).to(dt).unsqueeze(1)
        y = y + ys
    return y, dict(weights=weights, ids=ids, margin=margin, logits=logits)
