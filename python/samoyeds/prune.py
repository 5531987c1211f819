"""Pruning that keeps accuracy: expert weights into the Samoyeds format.

One matrix (numpy, or torch where given torch tensors; importing this module
needs only numpy):

    from samoyeds.prune import Calibration, prune_matrix
    cal = Calibration(columns=C)               # hessian=True for "sparsegpt"
    for x in batches: cal.add_batch(x)         # (..., C) tokens routed to this expert
    w2 = prune_matrix(w, Format(1, 2, 128), method="sparsegpt", calibration=cal)
    assert format.fits_pattern(w2, fmt)        # so format.pack(w2) is lossless

Patterns: a `Format` (N:M rows x 2:4 in V-column slices; plain 2:4 is N == M,
e.g. `plain_24()` = Format(1, 1, 32)), or `Unstructured(density)` for
comparison (each row keeps round(density * C) values; "sparsegpt" keeps
round(density * R * B) per column block of B, as SparseGPT does).

Methods:
- "magnitude": today's rule of samoyeds.format (format.pack then unpack; the
  same functions, so the same bytes).
- "wanda": score |W_ij| * ||x_j|| (column norms of the calibration tokens);
  in every (row group, slice) the N rows of largest summed score, in them the
  2 of every 4 of largest score (ties: the lower row / column).
- "sparsegpt": OBS with H = X^T X + damping (percdamp * mean diag H), columns
  processed left to right in blocks with lazy updates (SparseGPT). At the
  first column of each V-slice, the N rows of every group are chosen before
  the slice is processed: by default (row_score="obs") by the OBS cost of
  the choice, drop cost ||w_S U_SS^-1||^2 (exact, with compensation on the
  later columns) minus keep cost (the 2:4 saliencies it would lose); with
  row_score="diag" by the summed OBS saliency w^2 / d_j^2 over the slice
  (d_j the diagonal of the upper Cholesky factor of H^-1, i.e. [H^-1]_jj of
  the columns not yet processed). At every 4th column the 2:4 choice inside
  the selected rows by w^2 / d_j^2; every pruned weight (also the whole
  slice of a row not selected) is compensated on the columns not yet
  processed. docs/accuracy.md measures both row scores ("obs" is better).

Whole models (torch; transformers MoE models found by duck typing as in
samoyeds.layer): `prune(model, calibration_batches, method, fmt)` and
`patch_model(model, fmt)`; see their docstrings.
"""

import copy
import math
import sys

import numpy as np

from .format import Format, _as_format, _select_rows, fits_pattern, pack, pack_torch, \
    verify_shape

__all__ = [
    "PruneError", "CalibrationError", "NoMoEBlocksError", "FormatFitError",
    "CUDAUnavailableError", "Unstructured", "plain_24", "as_pattern", "METHODS",
    "Calibration", "prune_matrix", "mask_from_scores", "find_moe_blocks", "prune",
    "patch_model", "pattern_fits", "route_ids",
]

METHODS = ("magnitude", "wanda", "sparsegpt")


class PruneError(ValueError):
    """Base class of the errors of samoyeds.prune."""


class CalibrationError(PruneError):
    """Calibration data of the wrong shape, dtype or value range."""


class NoMoEBlocksError(PruneError):
    """The model has no MoE block (a module with .gate and .experts)."""


class FormatFitError(PruneError):
    """The weights' shapes do not fit the format (R % M, C % V), or weights
    that should already fit the pattern do not."""


class CUDAUnavailableError(RuntimeError):
    """patch_model needs a CUDA device (the compiled layers run on the GPU)."""


# ---------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------


class Unstructured:
    """Unstructured sparsity at `density` (fraction of weights kept), for
    comparison with the structured formats."""

    __slots__ = ("density",)

    def __init__(self, density):
        d = float(density)
        if not 0.0 < d <= 1.0:
            raise ValueError(f"density must be in (0, 1], got {density!r}")
        object.__setattr__(self, "density", d)

    def __setattr__(self, k, v):
        raise AttributeError("Unstructured is immutable")

    def __eq__(self, o):
        return isinstance(o, Unstructured) and o.density == self.density

    def __hash__(self):
        return hash(("unstructured", self.density))

    def __str__(self):
        return f"unstructured {self.density:g}"

    __repr__ = lambda self: f"Unstructured({self.density:g})"


def plain_24(v=32):
    """Plain 2:4 (every row kept, N == M): Format(1, 1, v)."""
    return Format(1, 1, v)


def as_pattern(p):
    """Format / Unstructured from a Format, Unstructured, 'N:M V=v', '2:4',
    'unstructured:0.25' or (n, m, v)."""
    if isinstance(p, (Format, Unstructured)):
        return p
    if isinstance(p, str):
        t = p.strip().lower()
        if t in ("2:4", "plain", "plain 2:4"):
            return plain_24()
        if t.startswith("unstructured"):
            rest = t[len("unstructured"):].lstrip(" :=")
            return Unstructured(float(rest))
    try:
        return _as_format(p)
    except ValueError as ex:
        raise PruneError(f"not a pruning pattern: {p!r} ({ex})") from None


def pattern_fits(pattern, rows, cols):
    """'' when a rows x cols weight can be pruned to `pattern`, else why not."""
    pattern = as_pattern(pattern)
    if isinstance(pattern, Unstructured):
        return "" if rows > 0 and cols > 0 else f"empty {rows}x{cols} weight"
    err = verify_shape(pattern, rows, cols)
    if not err and cols % 4:
        err = f"cols ({cols}) must be a multiple of 4"
    return err


def _check_fit(pattern, rows, cols, what="weight"):
    err = pattern_fits(pattern, rows, cols)
    if err:
        raise FormatFitError(f"the {rows}x{cols} {what} does not fit {pattern}: {err}")


# ---------------------------------------------------------------------------
# Array helpers (numpy or torch)
# ---------------------------------------------------------------------------


def _is_torch(x):
    return type(x).__module__.split(".")[0] == "torch"


def _np(x):
    """numpy float64 view of a numpy array or torch tensor."""
    if _is_torch(x):
        return x.detach().double().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------------------
# Masks from scores (numpy)
# ---------------------------------------------------------------------------


def _row_norms(score3):
    """score3 (R, S, V) -> (R, S) float64 sums accumulated in ascending
    column order (as format.py sums the L1 norms: near-ties come out the same)."""
    r, s, v = score3.shape
    norms = np.zeros((r, s), dtype=np.float64)
    for col in range(v):
        norms += score3[:, :, col]
    return norms


def _rows_mask(score, fmt):
    """score (R, V*S) -> bool (R, S): the rows selected in every (group, slice)."""
    n, m, v = fmt.n, fmt.m, fmt.v
    r, c = score.shape
    s = c // v
    norms = _row_norms(score.reshape(r, s, v))
    sel = _select_rows(norms.reshape(r // m, m, s), n, m)        # (g, n, s)
    rows = np.zeros((r // m, m, s), dtype=bool)
    np.put_along_axis(rows, np.ascontiguousarray(sel), True, axis=1)
    return rows.reshape(r, s)


def _top2_mask(score):
    """score (..., C) with C % 4 == 0 -> bool mask of the 2 largest of every
    4 (ties: the lower column; NaN ranks last)."""
    q = score.reshape(score.shape[:-1] + (score.shape[-1] // 4, 4))
    order = np.argsort(-q, axis=-1, kind="stable")[..., :2]
    keep = np.zeros(q.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return keep.reshape(score.shape)


def _topk_rows_mask(score, k):
    """bool mask of the k largest of every row (ties: the lower column)."""
    order = np.argsort(-score, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(score.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return keep


def mask_from_scores(score, pattern):
    """The bool mask (R x C) of `pattern` that keeps the largest scores:
    per (row group, slice) the N rows of largest summed score, in them per
    group of 4 the 2 largest (Format); per row round(density*C) largest
    (Unstructured). score: nonnegative R x C (numpy or torch)."""
    pattern = as_pattern(pattern)
    score = _np(score)
    if score.ndim != 2:
        raise PruneError(f"scores must be R x C, got shape {score.shape}")
    r, c = score.shape
    _check_fit(pattern, r, c)
    if isinstance(pattern, Unstructured):
        return _topk_rows_mask(score, int(round(pattern.density * c)))
    rows = _rows_mask(score, pattern)
    return _top2_mask(score) & np.repeat(rows, pattern.v, axis=1)


# ---------------------------------------------------------------------------
# Calibration statistics (streaming)
# ---------------------------------------------------------------------------


class Calibration:
    """Streaming statistics of the inputs of one matrix (C columns): the
    token count, the squared column norms sum_t x_tj^2 (for "wanda") and,
    with hessian=True, H = sum_t x_t x_t^T (for "sparsegpt"). add_batch takes
    (..., C) numpy arrays or torch tensors (accumulated in float64 on the
    host for numpy, in float32 on the tensor's device for torch)."""

    def __init__(self, columns, hessian=True):
        self.columns = int(columns)
        if self.columns <= 0:
            raise CalibrationError(f"columns must be positive, got {columns}")
        self.hessian = bool(hessian)
        self.nsamples = 0
        self.sqnorm = None
        self.H = None

    def add_batch(self, x):
        if _is_torch(x):
            if not x.is_floating_point():
                raise CalibrationError(f"calibration activations must be floating point, "
                                       f"got {x.dtype}")
        else:
            x = np.asarray(x)
            if x.dtype.kind != "f":
                raise CalibrationError(f"calibration activations must be floating point, "
                                       f"got {x.dtype}")
        if x.ndim < 1 or x.shape[-1] != self.columns:
            raise CalibrationError(f"calibration activations must be (..., {self.columns}), "
                                   f"got shape {tuple(x.shape)}")
        x = x.reshape(-1, self.columns)
        t = int(x.shape[0])
        if t == 0:
            return
        if _is_torch(x):
            x = x.float()
            sq = (x * x).sum(0)
            h = x.t() @ x if self.hessian else None
        else:
            x = x.astype(np.float64)
            sq = (x * x).sum(0)
            h = x.T @ x if self.hessian else None
        if self.sqnorm is None:
            self.sqnorm, self.H = sq, h
        else:
            self.sqnorm = self.sqnorm + sq
            if self.hessian:
                self.H = self.H + h
        self.nsamples += t

    def norms(self):
        """||x_j|| (C), the Wanda column norms."""
        if self.sqnorm is None:
            return None
        return self.sqnorm ** 0.5

    def __repr__(self):
        return f"Calibration({self.columns} columns, {self.nsamples} tokens)"


# ---------------------------------------------------------------------------
# SparseGPT / OBS core (batched over experts; numpy float64 or torch float32)
# ---------------------------------------------------------------------------


class _NumpyOps:
    eye = staticmethod(lambda n, like: np.eye(n, dtype=like.dtype))
    zeros = staticmethod(lambda shape, like: np.zeros(shape, dtype=like.dtype))
    copy = staticmethod(lambda a: a.copy())
    to_np = staticmethod(lambda a: np.asarray(a))
    from_np = staticmethod(lambda a, like: np.asarray(a))

    @staticmethod
    def diag(a):
        return np.diagonal(a, axis1=-2, axis2=-1)

    @staticmethod
    def diag_embed(d, like):
        out = np.zeros(d.shape + d.shape[-1:], dtype=like.dtype)
        idx = np.arange(d.shape[-1])
        out[..., idx, idx] = d
        return out

    @staticmethod
    def inv_upper_chol(h):
        """Upper Cholesky factor U of H^-1 (H^-1 = U^T U), batched."""
        lo = np.linalg.cholesky(h)
        eye = np.broadcast_to(np.eye(h.shape[-1]), h.shape)
        linv = np.linalg.solve(lo, eye)
        hinv = np.swapaxes(linv, -1, -2) @ linv
        return np.swapaxes(np.linalg.cholesky(hinv), -1, -2)

    @staticmethod
    def top2(score):                       # (..., 4) -> bool
        return _top2_mask(score)

    @staticmethod
    def solve_right_upper(u, b):           # b @ u^-1
        return np.swapaxes(np.linalg.solve(np.swapaxes(u, -1, -2), np.swapaxes(b, -1, -2)),
                           -1, -2)


class _TorchOps:
    def __init__(self):
        import torch
        self.t = torch

    def eye(self, n, like):
        return self.t.eye(n, dtype=like.dtype, device=like.device)

    def zeros(self, shape, like):
        return self.t.zeros(shape, dtype=like.dtype, device=like.device)

    copy = staticmethod(lambda a: a.clone())
    to_np = staticmethod(lambda a: a.detach().double().cpu().numpy())

    def from_np(self, a, like):
        return self.t.from_numpy(np.ascontiguousarray(a)).to(like.device)

    @staticmethod
    def diag(a):
        return a.diagonal(dim1=-2, dim2=-1)

    def diag_embed(self, d, like):
        return self.t.diag_embed(d.to(like.dtype))

    def inv_upper_chol(self, h):
        lo = self.t.linalg.cholesky(h)
        hinv = self.t.cholesky_inverse(lo)
        return self.t.linalg.cholesky(hinv, upper=True)

    def solve_right_upper(self, u, b):
        return self.t.linalg.solve_triangular(u, b, upper=True, left=False)

    def top2(self, score):
        order = self.t.sort(-score, dim=-1, stable=True).indices[..., :2]
        keep = self.t.zeros(score.shape, dtype=self.t.bool, device=score.device)
        keep.scatter_(-1, order, True)
        return keep


def _prepare_hessian(W, H, percdamp, ops):
    """Damped H, with dead columns (H_jj == 0) set to 1 and their weights
    zeroed (as SparseGPT); returns (W, U)."""
    c = H.shape[-1]
    H = ops.copy(H)
    d = ops.diag(H)
    dead = d == 0
    if bool(dead.any()):
        H = H + ops.diag_embed(dead * 1.0, H)
        W = W * (~dead[:, None, :])
    damp = percdamp * ops.diag(H).mean(-1)
    H = H + damp[:, None, None] * ops.eye(c, H)
    for attempt in range(6):
        try:
            return W, ops.inv_upper_chol(H)
        except Exception:        # not positive definite in this precision: more damping
            H = H + (10.0 ** attempt) * damp[:, None, None] * ops.eye(c, H) + 1e-8 * ops.eye(c, H)
    raise PruneError("the calibration Hessian is not positive definite even with damping")


def _group_select(benefit, n, m):
    """benefit (..., R) -> bool (..., R): the n rows of largest benefit in
    every group of m (ties: the lower row)."""
    sh = benefit.shape
    b = benefit.reshape(sh[:-1] + (sh[-1] // m, m))
    order = np.argsort(-b, axis=-1, kind="stable")[..., :n]
    keep = np.zeros(b.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return keep.reshape(sh)


ROW_SCORES = ("obs", "diag")


def _slice_rows(Ws, Uss, d, fmt, row_score, ops):
    """Rows kept in one slice (E, R) bool. Ws (E, R, V) the current weights
    of the slice, Uss (E, V, V) its block of the upper Cholesky factor of
    H^-1, d (E, V) its diagonal.

    "diag": the summed OBS score sum_j w_j^2 / d_j^2 (format.py's L1 norm
    with the OBS saliency in place of |w|).
    "obs": the OBS cost of the choice: dropping the row's slice costs
    ||w_S U_SS^-1||^2 (the exact loss of zeroing the slice with compensation
    on the later columns: the sequential updates solve a triangular system),
    keeping it costs about the 2:4 loss (the two smallest w^2 / d^2 of every
    4); the N rows of largest (drop cost - keep cost) are kept."""
    sc = ops.to_np(Ws ** 2 / d[:, None, :] ** 2)                       # (E, R, V)
    if row_score == "diag":
        return np.stack([_rows_mask(sc[x], fmt)[:, 0] for x in range(sc.shape[0])])
    e, r, v = sc.shape
    Z = ops.solve_right_upper(Uss, Ws)                                  # Ws @ Uss^-1
    drop = (ops.to_np(Z) ** 2).sum(-1)                                  # (E, R)
    keep = np.sort(sc.reshape(e, r, v // 4, 4), axis=-1)[..., :2].sum((-1, -2))
    return _group_select(drop - keep, fmt.n, fmt.m)


def _obs_prune(W, H, pattern, percdamp=0.01, blocksize=128, fixed_mask=None, row_score="obs"):
    """SparseGPT on a batch of matrices. W (E, R, C), H (E, C, C): numpy
    (computed in float64) or torch (float32). fixed_mask: an (E, R, C) bool
    numpy mask to prune to (instead of choosing one), e.g. for tests.
    Returns (pruned W, mask (E, R, C) numpy bool)."""
    ops = _TorchOps() if _is_torch(W) else _NumpyOps()
    if _is_torch(W):
        W, H = W.float(), H.float().to(W.device)
    else:
        W, H = np.asarray(W, np.float64), np.asarray(H, np.float64)
    e, r, c = W.shape
    W = ops.copy(W)
    W, U = _prepare_hessian(W, H, percdamp, ops)
    structured = isinstance(pattern, Format)
    v = pattern.v if structured else 1
    bs = max(v, int(math.ceil(blocksize / v)) * v) if structured else blocksize
    mask = np.zeros((e, r, c), dtype=bool)
    rows = None
    for i1 in range(0, c, bs):
        i2 = min(i1 + bs, c)
        cnt = i2 - i1
        W1 = ops.copy(W[:, :, i1:i2])
        Q1 = ops.zeros(W1.shape, W1)
        E1 = ops.zeros(W1.shape, W1)
        U1 = U[:, i1:i2, i1:i2]
        d1 = ops.diag(U1)                                     # (E, cnt)
        if fixed_mask is not None:
            m1 = ops.from_np(fixed_mask[:, :, i1:i2], W1)
        elif structured:
            m1 = ops.zeros(W1.shape, W1) > 0
        else:
            sc = ops.to_np(W1 ** 2 / d1[:, None, :] ** 2).reshape(e, -1)
            k = int(round(pattern.density * r * cnt))
            m1 = ops.from_np(_topk_rows_mask(sc, k).reshape(e, r, cnt), W1)
        for i in range(cnt):
            col = i1 + i
            if fixed_mask is None and structured:
                if col % v == 0:      # a new slice: choose its rows by their OBS cost
                    rows = _slice_rows(W1[:, :, i:i + v], U1[:, i:i + v, i:i + v],
                                       d1[:, i:i + v], pattern, row_score, ops)
                    rows_t = ops.from_np(rows, W1)             # (E, R) bool
                if col % 4 == 0:
                    sc4 = W1[:, :, i:i + 4] ** 2 / d1[:, None, i:i + 4] ** 2
                    m1[:, :, i:i + 4] = ops.top2(sc4) & rows_t[:, :, None]
            w = W1[:, :, i]
            dd = d1[:, i]
            q = w * m1[:, :, i]
            Q1[:, :, i] = q
            err = (w - q) / dd[:, None]
            W1[:, :, i:] = W1[:, :, i:] - err[:, :, None] * U1[:, None, i, i:]
            E1[:, :, i] = err
        W[:, :, i1:i2] = Q1
        if i2 < c:
            W[:, :, i2:] = W[:, :, i2:] - E1 @ U[:, i1:i2, i2:]
        mask[:, :, i1:i2] = ops.to_np(m1) > 0
    return W, mask


# ---------------------------------------------------------------------------
# One matrix (or a stack of experts)
# ---------------------------------------------------------------------------


def _magnitude(w, pattern):
    """Today's rule (format.pack then unpack) for a Format; per-row top-k of
    |w| for Unstructured. Same type, dtype and device as w."""
    if isinstance(pattern, Format):
        if _is_torch(w):
            import torch
            t = w.detach()
            if t.dtype not in (torch.bfloat16, torch.float16, torch.float32):
                t = t.float()
            d = pack_torch(t, pattern).unpack_f32()
            return torch.from_numpy(d).to(device=w.device, dtype=w.dtype)
        a = np.asarray(w)
        a32 = a.astype(np.float32) if a.dtype not in (np.float32, np.float16) else a
        return pack(a32, pattern).unpack_f32().astype(a.dtype)
    a = _np(w)
    keep = _topk_rows_mask(np.abs(a.reshape(-1, a.shape[-1])),
                           int(round(pattern.density * a.shape[-1]))).reshape(a.shape)
    return _apply_mask(w, keep)


def _apply_mask(w, mask):
    if _is_torch(w):
        import torch
        return w.detach() * torch.from_numpy(mask).to(w.device)
    a = np.asarray(w)
    return (a * mask).astype(a.dtype)


def _as_list(cal, e):
    if isinstance(cal, Calibration):
        cal = [cal]
    cal = list(cal)
    if len(cal) != e:
        raise CalibrationError(f"{e} matrices need {e} Calibration objects, got {len(cal)}")
    return cal


def prune_matrix(w, pattern, method="magnitude", calibration=None, percdamp=0.01,
                 blocksize=128, row_score="obs"):
    """Prunes w (R x C, or E x R x C with one Calibration per expert) to
    `pattern` by `method`. Returns the pruned dense weight, same type (numpy
    or torch), dtype and device as w; for a Format it fits the pattern
    exactly (format.fits_pattern), so format.pack packs it losslessly.
    calibration: Calibration (list for 3-D) with hessian=True for
    "sparsegpt"; not needed for "magnitude". A Calibration with no tokens
    falls back to magnitude for that matrix. row_score ("sparsegpt" only):
    how the rows of a slice are chosen, "obs" (the OBS cost of dropping vs
    keeping the row's slice, the default) or "diag" (the summed OBS saliency
    w^2 / d^2); see _slice_rows."""
    pattern = as_pattern(pattern)
    if row_score not in ROW_SCORES:
        raise PruneError(f"row_score must be one of {ROW_SCORES}, got {row_score!r}")
    if method not in METHODS:
        raise PruneError(f"method must be one of {METHODS}, got {method!r}")
    if len(w.shape) not in (2, 3):
        raise PruneError(f"expected an R x C or E x R x C weight, got shape {tuple(w.shape)}")
    r, c = int(w.shape[-2]), int(w.shape[-1])
    _check_fit(pattern, r, c)
    if method == "magnitude":
        return _magnitude(w, pattern)
    three = len(w.shape) == 3
    e = int(w.shape[0]) if three else 1
    if calibration is None:
        raise CalibrationError(f"method {method!r} needs calibration statistics "
                               "(samoyeds.prune.Calibration)")
    cals = _as_list(calibration, e)
    for i, cal in enumerate(cals):
        if not isinstance(cal, Calibration):
            raise CalibrationError(f"calibration[{i}] is a {type(cal).__name__}, expected "
                                   "samoyeds.prune.Calibration")
        if cal.columns != c:
            raise CalibrationError(f"calibration[{i}] has {cal.columns} columns, the weight "
                                   f"has {c}")
        if method == "sparsegpt" and not cal.hessian:
            raise CalibrationError("method 'sparsegpt' needs Calibration(..., hessian=True)")
    W3 = w if three else w[None]
    empty = [i for i, cal in enumerate(cals) if cal.nsamples == 0]
    live = [i for i in range(e) if i not in empty]
    out = [None] * e
    for i in empty:
        out[i] = _magnitude(W3[i], pattern)
    if method == "wanda" and live:
        for i in live:
            wi = W3[i]
            score = np.abs(_np(wi)) * _np(cals[i].norms())[None, :]
            out[i] = _apply_mask(wi, mask_from_scores(score, pattern))
    elif method == "sparsegpt" and live:
        if _is_torch(w):
            import torch
            Ws = torch.stack([W3[i].detach() for i in live])
            Hs = torch.stack([cals[i].H.to(w.device) if _is_torch(cals[i].H) else
                              torch.from_numpy(cals[i].H).to(w.device) for i in live])
            res, _ = _obs_prune(Ws, Hs, pattern, percdamp, blocksize, row_score=row_score)
            for j, i in enumerate(live):
                out[i] = res[j].to(w.dtype)
        else:
            Ws = np.stack([np.asarray(W3[i], dtype=np.float64) for i in live])
            Hs = np.stack([_np(cals[i].H) for i in live])
            res, _ = _obs_prune(Ws, Hs, pattern, percdamp, blocksize, row_score=row_score)
            dt = np.asarray(w).dtype
            for j, i in enumerate(live):
                out[i] = res[j].astype(dt)
    if _is_torch(w):
        import torch
        res = torch.stack(out) if three else out[0]
    else:
        res = np.stack(out) if three else out[0]
    return res


# ---------------------------------------------------------------------------
# Whole models (torch)
# ---------------------------------------------------------------------------


def find_moe_blocks(model):
    """[(name, module)] of the MoE blocks of a torch model: modules with
    .experts and .gate that samoyeds.layer.hf_settings accepts (Mixtral,
    Qwen2-MoE, DeepSeek), outermost first, in module order."""
    from .layer import hf_settings
    found = []
    for name, mod in model.named_modules():
        if any(name.startswith(p + ".") for p, _ in found):
            continue
        if getattr(mod, "experts", None) is None or getattr(mod, "gate", None) is None:
            continue
        try:
            hf_settings(mod)
        except ValueError:
            continue
        found.append((name, mod))
    return found


class _ExpertWeights:
    """Reads and writes the logical expert weights of a HF block: W13 (2I x H,
    W1 rows then W3 rows) and W2 (H x I) per expert, the shared expert's."""

    def __init__(self, block):
        from .layer import _mlp_weights, _shared_mlp, _weight
        self.block = block
        ex = block.experts
        gate_w = _weight(block.gate)
        h = int(gate_w.shape[1])
        self.hidden = h
        if hasattr(ex, "gate_up_proj"):
            gu, dn = ex.gate_up_proj, ex.down_proj
            self.fused = True
            self.transposed = bool(getattr(ex, "is_transposed", False)) or (
                gu.shape[1] == h and gu.shape[2] != h)
            self.experts = int(gu.shape[0])
            self.ffn = int((gu.shape[2] if self.transposed else gu.shape[1]) // 2)
            self.gu, self.dn = gu, dn
        else:
            self.fused = False
            self.mlps = [_mlp_weights(m, f"experts[{i}]") for i, m in enumerate(ex)]
            self.experts = len(self.mlps)
            self.ffn = int(self.mlps[0][0].shape[0])
        sh = _shared_mlp(block)
        self.shared = _mlp_weights(sh, "the shared expert") if sh is not None else None

    def w13(self, e):
        if self.fused:
            t = self.gu[e]
            return (t.t() if self.transposed else t).detach()
        a, b, _ = self.mlps[e]
        import torch
        return torch.cat([a.detach(), b.detach()], 0)

    def w2(self, e):
        if self.fused:
            t = self.dn[e]
            return (t.t() if self.transposed else t).detach()
        return self.mlps[e][2].detach()

    def set_w13(self, e, val):
        if self.fused:
            dst = self.gu.data[e]
            dst.copy_(val.t() if self.transposed else val)
        else:
            a, b, _ = self.mlps[e]
            a.data.copy_(val[: a.shape[0]])
            b.data.copy_(val[a.shape[0]:])

    def set_w2(self, e, val):
        if self.fused:
            self.dn.data[e].copy_(val.t() if self.transposed else val)
        else:
            self.mlps[e][2].data.copy_(val)

    def s13(self):
        import torch
        a, b, _ = self.shared
        return torch.cat([a.detach(), b.detach()], 0)

    def s2(self):
        return self.shared[2].detach()

    def set_s13(self, val):
        a, b, _ = self.shared
        a.data.copy_(val[: a.shape[0]])
        b.data.copy_(val[a.shape[0]:])

    def set_s2(self, val):
        self.shared[2].data.copy_(val)

    def shapes(self):
        out = {"w13": (2 * self.ffn, self.hidden), "w2": (self.hidden, self.ffn)}
        if self.shared is not None:
            s = int(self.shared[0].shape[0])
            out["s13"] = (2 * s, self.hidden)
            out["s2"] = (self.hidden, s)
        return out


def _route_cfg(st):
    from types import SimpleNamespace
    return SimpleNamespace(top_k=st["top_k"], scoring=st["scoring"],
                           renormalize=st["renormalize"], n_group=st["n_group"],
                           topk_group=st["topk_group"], scaling_factor=st["scaling_factor"],
                           correction_bias=st["has_bias"], experts=st["experts"])


def route_ids(block, x, settings=None):
    """(weights T x k, ids T x k) of a HF MoE block for hidden states x
    (..., H), computed in float32 torch as samoyeds.route (and the HF
    blocks) do."""
    import torch.nn.functional as F
    from .layer import _weight, hf_settings
    from .torch_ref import route_torch
    st = settings or hf_settings(block)
    gw = _weight(block.gate)
    import torch
    x2 = x.reshape(-1, x.shape[-1])
    bias = getattr(block.gate, "e_score_correction_bias", None) if st["has_bias"] else None
    with torch.autocast(device_type=x2.device.type, enabled=False):   # float32 routing
        logits = F.linear(x2.float(), gw.float())
        w, ids, _ = route_torch(logits, _route_cfg(st), bias)
    return w, ids


class _Stop(Exception):
    pass


def _model_device(model):
    for p in model.parameters():
        return p.device
    import torch
    return torch.device("cpu")


def _check_batches(batches, model):
    """The calibration batches as a list of LongTensors (B x T) on the
    model's device; CalibrationError for anything else."""
    import torch
    if isinstance(batches, torch.Tensor):
        batches = [batches]
    try:
        batches = list(batches)
    except TypeError:
        raise CalibrationError(f"calibration_batches must be an iterable of token id "
                               f"tensors, got {type(batches).__name__}") from None
    if not batches:
        raise CalibrationError("calibration_batches is empty")
    vocab = getattr(getattr(model, "config", None), "vocab_size", None)
    dev = _model_device(model)
    out = []
    for i, b in enumerate(batches):
        if isinstance(b, dict):
            b = b.get("input_ids")
        if isinstance(b, np.ndarray):
            b = torch.from_numpy(b)
        if not isinstance(b, torch.Tensor):
            raise CalibrationError(f"calibration batch {i} is a {type(b).__name__}, expected "
                                   "a tensor of token ids (batch x seq)")
        if b.dtype.is_floating_point or b.dtype.is_complex or b.dtype == torch.bool:
            raise CalibrationError(f"calibration batch {i} has dtype {b.dtype}: expected "
                                   "integer token ids (e.g. torch.long)")
        if b.dim() == 1:
            b = b[None]
        if b.dim() != 2 or b.shape[0] == 0 or b.shape[1] == 0:
            raise CalibrationError(f"calibration batch {i} has shape {tuple(b.shape)}: "
                                   "expected token ids of shape (batch, seq)")
        lo, hi = int(b.min()), int(b.max())
        if lo < 0 or (vocab is not None and hi >= vocab):
            raise CalibrationError(f"calibration batch {i} holds token ids in [{lo}, {hi}], "
                                   f"outside the model's vocabulary [0, {vocab})")
        out.append(b.long().to(dev))
    return out


def _capture(model, block, batches, fn):
    """Runs the model on each batch up to `block`, calling fn(x) with the
    block's input hidden states, and stops there."""
    import torch

    def hook(mod, args, kwargs):
        x = args[0] if args else kwargs.get("hidden_states")
        fn(x.detach())
        raise _Stop()

    try:
        h = block.register_forward_pre_hook(hook, with_kwargs=True)
    except TypeError:            # torch < 2.0: no kwargs
        h = block.register_forward_pre_hook(lambda mod, args: hook(mod, args, {}))
    try:
        with torch.no_grad():
            for b in batches:
                try:
                    model(b)
                except _Stop:
                    pass
    finally:
        h.remove()


def _progress(items, desc, enabled):
    if not enabled:
        return items
    try:
        from tqdm import tqdm
        return tqdm(items, desc=desc, file=sys.stderr)
    except ImportError:
        def gen():
            n = len(items)
            for i, it in enumerate(items):
                print(f"[{desc}] {i + 1}/{n}", file=sys.stderr, flush=True)
                yield it
        return gen()


def _swiglu_h(x, w13, ffn):
    import torch.nn.functional as F
    a = F.linear(x.float(), w13.float())
    return F.silu(a[:, :ffn]) * a[:, ffn:]


def prune(model, calibration_batches=None, method="sparsegpt", fmt=Format(1, 2, 128),
          fmt2=None, inplace=False, percdamp=0.01, blocksize=128, shared=True,
          progress=True, row_score="obs"):
    """Prunes the expert weights of every MoE block of a transformers MoE
    model (Mixtral, Qwen2-MoE, DeepSeek-V3 style; found as samoyeds.layer
    finds blocks) to `fmt` (W1|W3 and the shared W1|W3) and `fmt2` (W2;
    default fmt); formats as in as_pattern (Format, plain_24(), Unstructured).

    calibration_batches: an iterable of token-id tensors (batch x seq, or
    dicts with input_ids), not needed for "magnitude". Layer by layer (as
    SparseGPT): the tokens the block's router sends to each expert are
    captured with a forward pre-hook on the block (running the already
    pruned earlier blocks), its W1|W3 are pruned, then the W2 inputs are
    computed with the pruned W1|W3 and W2 is pruned. Statistics stream batch
    by batch (on the model's device). The gate, attention and embeddings
    stay dense; shared experts are pruned too unless shared=False.

    Returns the pruned model: a deep copy unless inplace=True. Raises
    NoMoEBlocksError, FormatFitError, CalibrationError (see their docs)."""
    import torch
    from .layer import hf_settings
    if method not in METHODS:
        raise PruneError(f"method must be one of {METHODS}, got {method!r}")
    fmt = as_pattern(fmt)
    fmt2 = as_pattern(fmt2) if fmt2 is not None else fmt
    if not isinstance(model, torch.nn.Module):
        raise NoMoEBlocksError(f"expected a torch.nn.Module, got {type(model).__name__}")
    blocks = find_moe_blocks(model)
    if not blocks:
        raise NoMoEBlocksError(f"{type(model).__name__} has no MoE blocks (no module with "
                               ".gate and .experts that samoyeds.layer can read)")
    for name, blk in blocks:
        ew = _ExpertWeights(blk)
        for wname, (r, c) in ew.shapes().items():
            _check_fit(fmt2 if wname in ("w2", "s2") else fmt, r, c, f"{wname} of {name}")
    batches = None
    if method != "magnitude":
        if calibration_batches is None:
            raise CalibrationError(f"method {method!r} needs calibration_batches")
        batches = _check_batches(calibration_batches, model)
    if not inplace:
        model = copy.deepcopy(model)
        blocks = find_moe_blocks(model)
    was_training = model.training
    model.eval()
    hess = method == "sparsegpt"
    kw = dict(percdamp=percdamp, blocksize=blocksize, row_score=row_score)
    try:
        for name, blk in _progress(blocks, f"samoyeds.prune {method} {fmt}", progress):
            st = hf_settings(blk)
            ew = _ExpertWeights(blk)
            e_n, ffn = ew.experts, ew.ffn
            do_shared = shared and ew.shared is not None

            def mag_all():
                for e in range(e_n):
                    ew.set_w13(e, prune_matrix(ew.w13(e), fmt, "magnitude"))
                    ew.set_w2(e, prune_matrix(ew.w2(e), fmt2, "magnitude"))
                if do_shared:
                    ew.set_s13(prune_matrix(ew.s13(), fmt, "magnitude"))
                    ew.set_s2(prune_matrix(ew.s2(), fmt2, "magnitude"))

            if method == "magnitude":
                mag_all()
                continue
            # pass 1: inputs of W1|W3 (routed tokens) and of the shared W1|W3
            c13 = [Calibration(ew.hidden, hess) for _ in range(e_n)]
            cs13 = Calibration(ew.hidden, hess) if do_shared else None

            def acc13(x):
                x2 = x.reshape(-1, x.shape[-1])
                _, ids = route_ids(blk, x2, st)
                for e in range(e_n):
                    tok = (ids == e).any(-1).nonzero().flatten()
                    if tok.numel():
                        c13[e].add_batch(x2[tok])
                if cs13 is not None:
                    cs13.add_batch(x2)

            _capture(model, blk, batches, acc13)
            w13 = torch.stack([ew.w13(e) for e in range(e_n)])
            new13 = prune_matrix(w13, fmt, method, c13, **kw)
            for e in range(e_n):
                ew.set_w13(e, new13[e])
            if cs13 is not None:
                ew.set_s13(prune_matrix(ew.s13(), fmt, method, cs13, **kw))
            del c13, cs13
            # pass 2: inputs of W2 computed with the pruned W1|W3
            c2 = [Calibration(ffn, hess) for _ in range(e_n)]
            sffn = ew.s2().shape[1] if do_shared else 0
            cs2 = Calibration(sffn, hess) if do_shared else None
            p13 = [ew.w13(e) for e in range(e_n)]
            ps13 = ew.s13() if do_shared else None

            def acc2(x):
                x2 = x.reshape(-1, x.shape[-1])
                _, ids = route_ids(blk, x2, st)
                for e in range(e_n):
                    tok = (ids == e).any(-1).nonzero().flatten()
                    if tok.numel():
                        c2[e].add_batch(_swiglu_h(x2[tok], p13[e], ffn))
                if cs2 is not None:
                    cs2.add_batch(_swiglu_h(x2, ps13, sffn))

            _capture(model, blk, batches, acc2)
            w2 = torch.stack([ew.w2(e) for e in range(e_n)])
            new2 = prune_matrix(w2, fmt2, method, c2, **kw)
            for e in range(e_n):
                ew.set_w2(e, new2[e])
            if cs2 is not None:
                ew.set_s2(prune_matrix(ew.s2(), fmt2, method, cs2, **kw))
            del c2, cs2
    finally:
        model.train(was_training)
    return model


def patch_model(model, fmt=Format(1, 2, 128), fmt2=None, inplace=False, cache_dir=None,
                compiled=None, allow_prune=False, chip="sm_90a", dtype=None, **kw):
    """Replaces every MoE block of a transformers model by
    samoyeds.layer.SamoyedsMoE.from_hf(block, fmt, fmt2, ...) (compiled
    layers; GPU only). The expert weights must already fit the formats
    (prune the model first with samoyeds.prune) unless allow_prune=True
    (then from_hf prunes them by magnitude). compiled: None (compile into
    cache_dir, or reuse precompiled artefacts there), or a dict
    {block name: artefacts or .so path}. The replacement returns what the
    block returned (a tensor, or (y, router_logits) when the block returned
    a tuple). Other keywords go to from_hf (e.g. expert_counts=True: layers
    that count their tokens per expert, for samoyeds.balance.LoadMonitor).
    Returns the patched model (a deep copy unless inplace=True).
    Raises CUDAUnavailableError without CUDA, NoMoEBlocksError, FormatFitError."""
    import torch
    if not torch.cuda.is_available():
        raise CUDAUnavailableError("patch_model needs a CUDA GPU: the Samoyeds layers are "
                                   "compiled for and run on the GPU (torch.cuda.is_available() "
                                   "is False)")
    from .layer import SamoyedsMoE
    fmt = _as_format(fmt)
    fmt2 = _as_format(fmt2) if fmt2 is not None else fmt
    blocks = find_moe_blocks(model)
    if not blocks:
        raise NoMoEBlocksError(f"{type(model).__name__} has no MoE blocks to patch")
    if not allow_prune:
        for name, blk in blocks:
            ew = _ExpertWeights(blk)
            for wn in ("w13", "w2") + (("s13", "s2") if ew.shared is not None else ()):
                f = fmt2 if wn in ("w2", "s2") else fmt
                for e in (range(ew.experts) if wn in ("w13", "w2") else [None]):
                    t = getattr(ew, wn)() if e is None else getattr(ew, wn)(e)
                    _check_fit(f, *t.shape, f"{wn} of {name}")
                    if not fits_pattern(t.detach().float().cpu().numpy(), f):
                        where = name + (f" expert {e}" if e is not None else "")
                        raise FormatFitError(f"{wn} of {where} does not fit {f}: prune the "
                                             "model first (samoyeds.prune) or pass "
                                             "allow_prune=True")
    if not inplace:
        model = copy.deepcopy(model)
        blocks = find_moe_blocks(model)
    for name, blk in blocks:
        dev = _model_device(blk)
        h = _ExpertWeights(blk).hidden
        with torch.no_grad():
            probe = blk(torch.zeros(1, 1, h, device=dev, dtype=next(blk.parameters()).dtype))
        rrl = isinstance(probe, tuple)
        comp = compiled.get(name) if isinstance(compiled, dict) else compiled
        dt = dtype or ("bf16" if next(blk.parameters()).dtype != torch.float16 else "f16")
        mod = SamoyedsMoE.from_hf(blk, fmt=fmt, fmt2=fmt2, chip=chip, dtype=dt,
                                  compiled=comp, cache_dir=cache_dir,
                                  device=dev if dev.type == "cuda" else None,
                                  return_router_logits=rrl, **kw)
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, attr, mod)
    return model


# `samoyeds.prune` is both this module and the whole-model function: importing
# the submodule binds the module to the package attribute, so the module is
# made callable (samoyeds.prune(model, ...) == samoyeds.prune.prune(model, ...)).
class _CallableModule(type(sys)):
    def __call__(self, *args, **kwargs):
        return prune(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
