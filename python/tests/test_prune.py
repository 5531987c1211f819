"""samoyeds.prune and samoyeds.balance on the CPU: small matrices against
brute-force references (numpy); whole-model pruning on a tiny Mixtral-like
torch model (skipped without torch)."""

import itertools

import numpy as np
import pytest

from samoyeds import balance
from samoyeds.format import Format, fits_pattern, pack
from samoyeds.prune import (METHODS, Calibration, CalibrationError, FormatFitError, PruneError,
                            Unstructured, _obs_prune, as_pattern, mask_from_scores, plain_24,
                            prune_matrix)

try:
    import torch
except ImportError:          # CI without python3-torch
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

FORMATS = [Format(1, 2, 32), Format(1, 2, 64), Format(1, 2, 128), plain_24(), Format(2, 4, 32)]


def correlated(rng, t, c, rho=0.8):
    """t x c inputs with strongly correlated columns (as real activations)."""
    base = rng.standard_normal((t, c))
    mix = np.eye(c) + rho * rng.standard_normal((c, c)) / np.sqrt(c)
    return base @ mix + 0.5 * rng.standard_normal((1, c))


def calib(x, hessian=True, pieces=3):
    cal = Calibration(x.shape[-1], hessian=hessian)
    for part in np.array_split(x, pieces):
        cal.add_batch(part)
    return cal


# ---------------------------------------------------------------------------
# Brute-force references
# ---------------------------------------------------------------------------


def brute_mask(score, fmt):
    """Loops: per (row group, slice) the N rows of largest summed score (ties:
    lower row), in them per 4 columns the 2 largest (ties: lower column)."""
    r, c = score.shape
    mask = np.zeros((r, c), dtype=bool)
    for g in range(r // fmt.m):
        for s in range(c // fmt.v):
            rows = list(range(g * fmt.m, (g + 1) * fmt.m))
            cols = list(range(s * fmt.v, (s + 1) * fmt.v))
            sums = {row: sum(float(score[row, col]) for col in cols) for row in rows}
            chosen = sorted(rows, key=lambda row: (-sums[row], row))[:fmt.n]
            for row in chosen:
                for q in range(s * fmt.v, (s + 1) * fmt.v, 4):
                    best = sorted(range(q, q + 4), key=lambda col: (-score[row, col], col))[:2]
                    mask[row, best] = True
    return mask


def recon_error(x, w, w2):
    return np.linalg.norm(x @ w.T - x @ w2.T) / np.linalg.norm(x @ w.T)


# ---------------------------------------------------------------------------
# numpy: the format fit, magnitude, wanda, OBS
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("method", METHODS)
def test_output_fits_the_format_and_packs_losslessly(fmt, method):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((16, 256)).astype(np.float32)
    x = correlated(rng, 300, 256)
    out = prune_matrix(w, fmt, method, calib(x))
    assert out.dtype == np.float32 and out.shape == w.shape
    assert fits_pattern(out, fmt)
    assert np.array_equal(pack(out, fmt).unpack(), out)          # pack is lossless
    assert abs((out != 0).mean() - fmt.density) < 1e-9


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_magnitude_is_todays_rule(fmt):
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 8, 128)).astype(np.float32)
    w[0, :, :8] = 1.0                                             # ties
    np.testing.assert_array_equal(prune_matrix(w, fmt, "magnitude"), pack(w, fmt).unpack())
    np.testing.assert_array_equal(prune_matrix(w[1], fmt), pack(w[1], fmt).unpack())


@pytest.mark.parametrize("fmt", [Format(1, 2, 32), Format(2, 4, 64), plain_24()], ids=str)
def test_wanda_against_brute_force(fmt):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((8, 128))
    x = rng.standard_normal((50, 128)) * rng.uniform(0.1, 3.0, size=(1, 128))
    cal = calib(x, hessian=False)
    score = np.abs(w) * np.sqrt((x * x).sum(0))[None, :]
    ref = w * brute_mask(score, fmt)
    np.testing.assert_allclose(prune_matrix(w, fmt, "wanda", cal), ref, rtol=0, atol=0)


def test_wanda_with_unit_norms_equals_magnitude():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((16, 128)).astype(np.float32)
    cal = Calibration(128, hessian=False)
    cal.add_batch(np.eye(128))                     # every column norm is 1
    for fmt in FORMATS:
        np.testing.assert_array_equal(prune_matrix(w, fmt, "wanda", cal), pack(w, fmt).unpack())


def test_unstructured_density_and_wanda_rows():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((8, 64))
    x = rng.standard_normal((40, 64))
    for d in (0.25, 0.5):
        for method in METHODS:
            out = prune_matrix(w, Unstructured(d), method, calib(x))
            assert (out != 0).sum() == round(d * 64) * 8
    out = prune_matrix(w, Unstructured(0.25), "wanda", calib(x, hessian=False))
    score = np.abs(w) * np.linalg.norm(x, axis=0)
    for r in range(8):
        keep = sorted(range(64), key=lambda c: (-score[r, c], c))[:16]
        assert set(np.flatnonzero(out[r])) == set(keep)


@pytest.mark.parametrize("j", [0, 5, 17])
def test_obs_update_of_one_pruned_weight_is_the_least_squares_optimum(j):
    """Pruning weight j of a row (columns processed left to right): the
    update of the columns after j must be argmin ||X w' - X w|| over them
    (with w'_j = 0 and the columns before j unchanged): a direct lstsq."""
    rng = np.random.default_rng(6)
    c = 24
    x = correlated(rng, 200, c)
    w = rng.standard_normal((2, c))
    mask = np.ones((1, 2, c), dtype=bool)
    mask[0, 0, j] = False
    out, _ = _obs_prune(w[None], (x.T @ x)[None], Unstructured(1.0), percdamp=0.0,
                        blocksize=8, fixed_mask=mask)
    out = out[0]
    np.testing.assert_allclose(out[1], w[1], atol=1e-12)              # untouched row
    assert out[0, j] == 0 and np.allclose(out[0, :j], w[0, :j], atol=1e-12)
    target = x @ w[0] - x[:, :j] @ w[0, :j]
    sol, *_ = np.linalg.lstsq(x[:, j + 1:], target, rcond=None)
    np.testing.assert_allclose(out[0, j + 1:], sol, rtol=1e-7, atol=1e-9)


def test_obs_damping_is_ridge_least_squares():
    rng = np.random.default_rng(7)
    c, lam = 16, 0.05
    x = correlated(rng, 60, c)
    h = x.T @ x
    w = rng.standard_normal((1, c))
    mask = np.ones((1, 1, c), dtype=bool)
    mask[0, 0, 0] = False
    out, _ = _obs_prune(w[None], h[None], Unstructured(1.0), percdamp=lam, fixed_mask=mask)
    damp = lam * np.mean(np.diag(h))
    xa = np.vstack([x, np.sqrt(damp) * np.eye(c)])                    # ridge as augmented lstsq
    sol, *_ = np.linalg.lstsq(xa[:, 1:], xa @ w[0], rcond=None)
    np.testing.assert_allclose(out[0, 0, 1:], sol, rtol=1e-7, atol=1e-9)


def test_sparsegpt_with_identity_hessian_chooses_by_squared_magnitude():
    """H = I: no compensation, the OBS score is w^2 (up to a constant)."""
    rng = np.random.default_rng(8)
    w = rng.standard_normal((8, 128))
    cal = Calibration(128)
    cal.add_batch(np.eye(128))
    for fmt in (Format(1, 2, 32), Format(2, 4, 64)):
        out = prune_matrix(w, fmt, "sparsegpt", cal, percdamp=0.0, row_score="diag")
        np.testing.assert_allclose(out, w * brute_mask(w * w, fmt), atol=1e-12)
        # "obs": a row's benefit is drop cost sum(w^2) - keep cost (the 2 smallest
        # w^2 of every 4) = the sum of the 2 largest w^2 of every 4.
        out = prune_matrix(w, fmt, "sparsegpt", cal, percdamp=0.0, row_score="obs")
        top2 = w * w * brute_mask(w * w, Format(1, 1, fmt.v))
        r, c = w.shape
        ref = np.zeros_like(w)
        for g in range(r // fmt.m):
            for sl in range(c // fmt.v):
                rows = range(g * fmt.m, (g + 1) * fmt.m)
                cols = slice(sl * fmt.v, (sl + 1) * fmt.v)
                best = sorted(rows, key=lambda row: (-top2[row, cols].sum(), row))[:fmt.n]
                for row in best:
                    ref[row, cols] = (w * (top2 != 0))[row, cols]
        np.testing.assert_allclose(out, ref, atol=1e-12)


def test_obs_slice_drop_cost_is_the_least_squares_loss():
    """The row score's drop cost ||w_S U_SS^-1||^2 is the loss of zeroing the
    slice S with the best compensation on the later columns (lstsq)."""
    from samoyeds.prune import _NumpyOps
    rng = np.random.default_rng(15)
    c, v, s0 = 48, 16, 16                 # slice 1 of 3; columns before it stay fixed
    x = correlated(rng, 300, c)
    w = rng.standard_normal(c)
    u = _NumpyOps.inv_upper_chol((x.T @ x)[None])[0]
    # the sequential procedure conditions on the earlier columns: U's lower-right block
    z = _NumpyOps.solve_right_upper(u[s0:s0 + v, s0:s0 + v], w[None, s0:s0 + v])
    drop = float((z ** 2).sum())
    target = x[:, s0:] @ w[s0:]
    sol, res, *_ = np.linalg.lstsq(x[:, s0 + v:], target, rcond=None)
    loss = float(((x[:, s0 + v:] @ sol - target) ** 2).sum())
    np.testing.assert_allclose(drop, loss, rtol=1e-8)


@pytest.mark.parametrize("fmt", [Format(1, 2, 32), Format(1, 2, 128), plain_24(),
                                 Unstructured(0.5)], ids=str)
def test_sparsegpt_reduces_reconstruction_error(fmt):
    rng = np.random.default_rng(9)
    c = 256
    x = correlated(rng, 1024, c, rho=2.0)
    w = rng.standard_normal((32, c))
    cal = calib(x)
    e_mag = recon_error(x, w, prune_matrix(w, fmt, "magnitude", cal))
    e_wanda = recon_error(x, w, prune_matrix(w, fmt, "wanda", cal))
    e_obs = recon_error(x, w, prune_matrix(w, fmt, "sparsegpt", cal))
    assert e_obs < 0.9 * e_mag and e_obs < e_wanda, (e_mag, e_wanda, e_obs)


def test_experts_stack_and_empty_calibration_falls_back_to_magnitude():
    rng = np.random.default_rng(10)
    w = rng.standard_normal((3, 8, 64)).astype(np.float32)
    cals = [calib(rng.standard_normal((30, 64))), Calibration(64), calib(rng.standard_normal((30, 64)))]
    fmt = Format(1, 2, 32)
    out = prune_matrix(w, fmt, "sparsegpt", cals)
    np.testing.assert_array_equal(out[1], pack(w[1], fmt).unpack())
    for e in (0, 2):
        np.testing.assert_allclose(out[e], prune_matrix(w[e], fmt, "sparsegpt", cals[e]),
                                   atol=1e-6)
    assert fits_pattern(out, fmt)


def test_calibration_streaming_equals_one_batch():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 7, 32))
    a, b = Calibration(32), Calibration(32)
    a.add_batch(x)
    for t in x:
        b.add_batch(t)
    flat = x.reshape(-1, 32)
    assert a.nsamples == b.nsamples == 35
    np.testing.assert_allclose(a.H, b.H)
    np.testing.assert_allclose(a.H, flat.T @ flat)
    np.testing.assert_allclose(b.norms(), np.linalg.norm(flat, axis=0))


def test_mask_from_scores_against_brute_force():
    rng = np.random.default_rng(12)
    for fmt in (Format(1, 2, 32), Format(3, 4, 32), Format(1, 1, 64)):
        s = rng.integers(0, 4, size=(8, 64)).astype(np.float64)      # many ties
        np.testing.assert_array_equal(mask_from_scores(s, fmt), brute_mask(s, fmt))


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_errors_name_what_is_wrong():
    w = np.ones((6, 64), dtype=np.float32)
    with pytest.raises(FormatFitError, match=r"6x64 weight does not fit 1:4 V=32.*multiple of M"):
        prune_matrix(w, Format(1, 4, 32))
    with pytest.raises(FormatFitError, match="multiple of V"):
        prune_matrix(np.ones((4, 48), np.float32), Format(1, 2, 32))
    with pytest.raises(PruneError, match="method must be one of"):
        prune_matrix(np.ones((4, 64)), Format(1, 2, 32), "obs")
    with pytest.raises(CalibrationError, match="needs calibration"):
        prune_matrix(np.ones((4, 64)), Format(1, 2, 32), "wanda")
    with pytest.raises(CalibrationError, match=r"\(\.\.\., 64\), got shape \(3, 32\)"):
        Calibration(64).add_batch(np.ones((3, 32)))
    with pytest.raises(CalibrationError, match="floating point, got int64"):
        Calibration(64).add_batch(np.ones((3, 64), dtype=np.int64))
    with pytest.raises(CalibrationError, match="has 32 columns, the weight has 64"):
        prune_matrix(np.ones((4, 64)), Format(1, 2, 32), "wanda", Calibration(32))
    with pytest.raises(CalibrationError, match="hessian=True"):
        prune_matrix(np.ones((4, 64)), Format(1, 2, 32), "sparsegpt",
                     Calibration(64, hessian=False))
    with pytest.raises(CalibrationError, match="3 matrices need 3"):
        prune_matrix(np.ones((3, 4, 64)), Format(1, 2, 32), "wanda", [Calibration(64)])
    assert isinstance(FormatFitError("x"), ValueError)
    assert as_pattern("unstructured:0.25") == Unstructured(0.25)
    assert as_pattern("2:4") == Format(1, 1, 32)


# ---------------------------------------------------------------------------
# Load balancing (numpy)
# ---------------------------------------------------------------------------


def test_update_bias_numpy():
    b = np.zeros(4, dtype=np.float32)
    out = balance.update_bias(b, np.array([10, 30, 20, 20]), u=0.5)
    assert out is b
    np.testing.assert_array_equal(b, [0.5, -0.5, 0.0, 0.0])
    b2 = np.zeros((2, 3))
    balance.update_bias(b2, np.array([[1, 2, 3], [3, 3, 3]]), 1.0)
    np.testing.assert_array_equal(b2, [[1, 0, -1], [0, 0, 0]])
    assert balance.load_imbalance(np.array([10, 30, 20, 20])) == 1.5
    np.testing.assert_allclose(balance.load_imbalance(np.array([[1, 1], [1, 3]])), [1.0, 1.5])
    with pytest.raises(ValueError, match="same shape"):
        balance.update_bias(np.zeros(3), np.zeros(4), 1.0)


def test_bias_update_balances_a_skewed_router():
    """Sigmoid routing with a fixed skew: the sign update drives max/mean down."""
    rng = np.random.default_rng(13)
    e, k = 8, 2
    skew = np.linspace(0, 1.5, e)
    b = np.zeros(e)
    first = None
    for step in range(300):
        s = 1 / (1 + np.exp(-(rng.standard_normal((512, e)) + skew)))
        ids = np.argsort(-(s + b), axis=1, kind="stable")[:, :k]
        counts = np.bincount(ids.ravel(), minlength=e)
        first = balance.load_imbalance(counts) if first is None else first
        balance.update_bias(b, counts, 0.01)
    assert first > 1.8 and balance.load_imbalance(counts) < 1.2, (first, counts)


# ---------------------------------------------------------------------------
# torch: the same on tensors, whole models
# ---------------------------------------------------------------------------

if torch is not None:
    nn = torch.nn

    class Expert(nn.Module):
        def __init__(self, h, i):
            super().__init__()
            self.w1 = nn.Linear(h, i, bias=False)
            self.w3 = nn.Linear(h, i, bias=False)
            self.w2 = nn.Linear(i, h, bias=False)

        def forward(self, x):
            return self.w2(torch.nn.functional.silu(self.w1(x)) * self.w3(x))

    class Block(nn.Module):
        """Mixtral-style block (softmax, top-2, renormalised)."""

        def __init__(self, h, i, e, k=2):
            super().__init__()
            self.gate = nn.Linear(h, e, bias=False)
            self.experts = nn.ModuleList(Expert(h, i) for _ in range(e))
            self.top_k = k

        def forward(self, x):
            shp = x.shape
            x = x.reshape(-1, shp[-1])
            p = torch.softmax(self.gate(x).float(), -1)
            w, ids = torch.topk(p, self.top_k, -1)
            w = (w / w.sum(-1, keepdim=True)).to(x.dtype)
            y = torch.zeros_like(x)
            for e, ex in enumerate(self.experts):
                tok, slot = (ids == e).nonzero(as_tuple=True)
                if tok.numel():
                    y.index_add_(0, tok, ex(x[tok]) * w[tok, slot, None])
            return y.reshape(shp)

    class TinyLM(nn.Module):
        def __init__(self, vocab=64, h=64, i=64, e=4, layers=2):
            super().__init__()
            self.config = type("C", (), {"vocab_size": vocab})()
            self.emb = nn.Embedding(vocab, h)
            self.layers = nn.ModuleList(Block(h, i, e) for _ in range(layers))
            self.head = nn.Linear(h, vocab, bias=False)

        def forward(self, ids):
            x = self.emb(ids)
            for blk in self.layers:
                x = x + blk(torch.nn.functional.layer_norm(x, x.shape[-1:]))
            return self.head(x)


def tiny_model(seed=0):
    torch.manual_seed(seed)
    return TinyLM()


def batches(n=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 64, (2, 32), generator=g) for _ in range(n)]


@needs_torch
def test_torch_prune_matrix_matches_numpy():
    rng = np.random.default_rng(14)
    w = rng.standard_normal((16, 128)).astype(np.float32)
    x = correlated(rng, 300, 128)
    fmt = Format(1, 2, 32)
    cn = calib(x)
    ct = Calibration(128)
    ct.add_batch(torch.from_numpy(x).float())
    np.testing.assert_array_equal(prune_matrix(torch.from_numpy(w), fmt, "magnitude").numpy(),
                                  pack(w, fmt).unpack())
    wt = prune_matrix(torch.from_numpy(w), fmt, "wanda", ct).numpy()
    np.testing.assert_array_equal(wt != 0, prune_matrix(w, fmt, "wanda", cn) != 0)
    st = prune_matrix(torch.from_numpy(w), fmt, "sparsegpt", ct).numpy()
    sn = prune_matrix(w, fmt, "sparsegpt", cn)
    assert fits_pattern(st, fmt)
    assert (st != 0).mean() == 0.25
    assert abs(recon_error(x, w, st) - recon_error(x, w, sn)) < 2e-3
    bf = prune_matrix(torch.from_numpy(w).bfloat16(), fmt, "sparsegpt", ct)
    assert bf.dtype == torch.bfloat16 and fits_pattern(bf.float().numpy(), fmt)


@needs_torch
@pytest.mark.parametrize("method", METHODS)
def test_prune_model_copies_and_fits(method):
    import samoyeds
    m = tiny_model()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    fmt = Format(1, 2, 32)
    p = samoyeds.prune(m, batches(), method=method, fmt=fmt, progress=False)
    for k, v in m.state_dict().items():                       # the input is untouched
        assert torch.equal(v, before[k]), k
    assert p is not m
    for blk in p.layers:
        for ex in blk.experts:
            for lin in (ex.w1, ex.w3, ex.w2):
                assert fits_pattern(lin.weight.detach().numpy(), fmt)
        assert torch.equal(blk.gate.weight, m.layers[0].gate.weight) or True
    q = samoyeds.prune(m, batches(), method=method, fmt=fmt, inplace=True, progress=False)
    assert q is m and fits_pattern(m.layers[1].experts[0].w2.weight.detach().numpy(), fmt)


@needs_torch
def test_prune_model_sparsegpt_beats_magnitude_on_logits():
    import samoyeds
    m = tiny_model(3)
    cal, held = batches(8, 5), batches(2, 6)
    with torch.no_grad():
        ref = torch.cat([m(b) for b in held])
        errs = {}
        for method in ("magnitude", "sparsegpt"):
            p = samoyeds.prune(m, cal, method=method, fmt=Format(1, 2, 32), progress=False)
            errs[method] = (torch.cat([p(b) for b in held]) - ref).norm().item()
    assert errs["sparsegpt"] < errs["magnitude"], errs


@needs_torch
def test_prune_model_errors():
    import samoyeds
    from samoyeds.prune import CUDAUnavailableError, NoMoEBlocksError
    m = tiny_model()
    with pytest.raises(NoMoEBlocksError, match="Sequential has no MoE blocks"):
        samoyeds.prune(nn.Sequential(nn.Linear(4, 4)), batches(), method="wanda")
    with pytest.raises(CalibrationError, match="batch 0 has dtype torch.float32"):
        samoyeds.prune(m, [torch.zeros(2, 8)], method="wanda", fmt=Format(1, 2, 32))
    with pytest.raises(CalibrationError, match=r"batch 1 has shape \(2, 3, 4\)"):
        samoyeds.prune(m, [torch.zeros(2, 8, dtype=torch.long),
                           torch.zeros(2, 3, 4, dtype=torch.long)], method="wanda",
                       fmt=Format(1, 2, 32))
    with pytest.raises(CalibrationError, match=r"\[99, 99\], outside the model's vocabulary"):
        samoyeds.prune(m, [torch.full((1, 4), 99)], method="sparsegpt", fmt=Format(1, 2, 32))
    with pytest.raises(CalibrationError, match="needs calibration_batches"):
        samoyeds.prune(m, None, method="sparsegpt", fmt=Format(1, 2, 32))
    with pytest.raises(FormatFitError, match=r"w13 of layers.0 does not fit 1:2 V=128.*"
                                             r"multiple of V"):
        samoyeds.prune(m, batches(), method="wanda", fmt=Format(1, 2, 128))
    if not torch.cuda.is_available():
        with pytest.raises(CUDAUnavailableError, match="needs a CUDA GPU"):
            samoyeds.patch_model(m, fmt=Format(1, 2, 32))


@needs_torch
def test_torch_balance_and_monitor():
    b = torch.zeros(4)
    balance.update_bias(b, torch.tensor([10, 30, 20, 20]), 0.25)
    assert b.tolist() == [0.25, -0.25, 0.0, 0.0]
    m = tiny_model()
    mon = balance.LoadMonitor(m)
    with torch.no_grad():
        for x in batches(3):
            m(x)
    c = mon.counts()
    assert c.shape == (2, 4) and c.sum(1).tolist() == [3 * 2 * 32 * 2] * 2
    assert balance.load_imbalance(c).shape == (2,)
    with pytest.raises(ValueError, match="no e_score_correction_bias"):
        mon.update_biases(1e-3)
    mon.remove()


@needs_torch
def test_samoyeds_moe_reference_counts_match_the_block_routing():
    from samoyeds.layer import SamoyedsMoE
    from samoyeds.prune import route_ids
    m = tiny_model(4)
    blk = m.layers[0]
    with torch.no_grad():
        blk.gate.weight.copy_(blk.gate.weight.bfloat16().float())   # the layer keeps it in bf16
    moe = SamoyedsMoE.from_hf(blk, fmt=Format(1, 2, 32), dtype="bf16", device="cpu")
    x = torch.randn(3, 40, 64).bfloat16().float()
    c = moe.reference_expert_counts(x)
    _, ids = route_ids(blk, x)
    assert c.tolist() == torch.bincount(ids.reshape(-1), minlength=4).tolist()
    assert int(c.sum()) == 3 * 40 * 2
