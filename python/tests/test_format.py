"""samoyeds.format: bytes identical to the C format library, round trips,
errors."""

import numpy as np
import pytest

from samoyeds.format import (Format, Packed, bf16_bits_to_f32, f32_to_bf16_bits, fits_pattern,
                             pack, packed_shape, storage_shapes, unpack, verify_shape)

FORMATS = [Format(1, 2, 128), Format(1, 2, 64), Format(1, 2, 32), Format(2, 4, 32),
           Format(2, 4, 128), Format(3, 8, 64), Format(1, 1, 32), Format(4, 4, 64),
           Format(2, 3, 32), Format(1, 4, 96)]


def c_pack(capi, w32, fmt):
    """C library pack of float32 [E x] R x C -> (values f32, meta, rowidx)."""
    if w32.ndim == 2:
        return capi.pack_f32(w32, fmt)
    parts = [capi.pack_f32(w32[e], fmt) for e in range(w32.shape[0])]
    return tuple(np.stack([p[i] for p in parts]) for i in range(3))


def assert_same_as_c(capi, p, w32):
    v, m, r = c_pack(capi, w32, p.fmt)
    assert p.meta.dtype == np.uint16 and p.rowidx.dtype == np.uint8
    np.testing.assert_array_equal(p.meta, m)
    np.testing.assert_array_equal(p.rowidx, r)
    if p.values.dtype == np.uint16:       # bf16 bits: the C values converted exactly
        np.testing.assert_array_equal(p.values, f32_to_bf16_bits(v))
    elif p.values.dtype == np.float16:
        np.testing.assert_array_equal(p.values.astype(np.float32).view(np.uint32),
                                      v.view(np.uint32))
    else:
        np.testing.assert_array_equal(p.values.view(np.uint32), v.view(np.uint32))


def shape_for(fmt, rows_groups, cols_slices, experts=None):
    shape = (fmt.m * rows_groups, fmt.v * cols_slices)
    return shape if experts is None else (experts,) + shape


# ---------------------------------------------------------------------------
# Bytes identical to the C library
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("experts", [None, 3])
def test_random_f32_matches_c(capi, fmt, experts):
    rng = np.random.default_rng(hash((fmt.n, fmt.m, fmt.v, experts or 0)) % 2**32)
    w = rng.standard_normal(shape_for(fmt, 5, 3, experts)).astype(np.float32)
    p = pack(w, fmt)
    assert p.values.dtype == np.float32 and p.shape == w.shape
    assert_same_as_c(capi, p, w)


@pytest.mark.parametrize("fmt", [Format(1, 2, 128), Format(2, 4, 32), Format(3, 8, 64)], ids=str)
@pytest.mark.parametrize("experts", [None, 2])
def test_f16_and_bf16_match_c(capi, fmt, experts):
    rng = np.random.default_rng(7)
    shape = shape_for(fmt, 4, 2, experts)
    w16 = (rng.standard_normal(shape) * 0.02).astype(np.float16)
    p = pack(w16, fmt)
    assert p.dtype == "f16" and p.values.dtype == np.float16
    assert_same_as_c(capi, p, w16.astype(np.float32))
    bits = f32_to_bf16_bits(rng.standard_normal(shape).astype(np.float32) * 0.02)
    pb = pack(bits, fmt, dtype="bf16")
    assert pb.dtype == "bf16" and pb.values.dtype == np.uint16
    assert_same_as_c(capi, pb, bf16_bits_to_f32(bits))
    # The same values given as float32 that are exactly bf16.
    pf = pack(bf16_bits_to_f32(bits), fmt, dtype="bf16")
    assert pf.dtype == "bf16" and pf.values.dtype == np.float32
    np.testing.assert_array_equal(f32_to_bf16_bits(pf.values), pb.values)
    np.testing.assert_array_equal(pf.meta, pb.meta)
    np.testing.assert_array_equal(pf.rowidx, pb.rowidx)


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_ties_match_c(capi, fmt):
    """Small integers: equal magnitudes inside groups of 4 and equal L1 norms
    between rows everywhere; all-zero cells and groups."""
    rng = np.random.default_rng(11)
    shape = shape_for(fmt, 6, 2, 2)
    for vals in ([-1, 0, 1], [0, 0, 0, 1], [2, -2], [0]):
        w = rng.choice(np.array(vals, dtype=np.float32), size=shape)
        assert_same_as_c(capi, pack(w, fmt), w)
    # Rows that are permutations of each other (equal norms, different layout).
    base = rng.standard_normal(shape[-1]).astype(np.float32)
    w = np.stack([rng.permutation(base) for _ in range(shape[-2])])
    assert_same_as_c(capi, pack(w, fmt), w)
    # Signed zeros and equal |x| with opposite signs.
    w = rng.choice(np.array([0.0, -0.0, 3.0, -3.0], dtype=np.float32), size=shape[-2:])
    assert_same_as_c(capi, pack(w, fmt), w)


@pytest.mark.parametrize("fmt", [Format(1, 2, 32), Format(2, 4, 64), Format(3, 8, 32)], ids=str)
def test_nan_and_inf_match_c(capi, fmt):
    rng = np.random.default_rng(5)
    w = rng.standard_normal(shape_for(fmt, 8, 3)).astype(np.float32)
    flat = w.reshape(-1)
    idx = rng.choice(flat.size, size=flat.size // 20, replace=False)
    flat[idx[: len(idx) // 3]] = np.nan
    flat[idx[len(idx) // 3: 2 * len(idx) // 3]] = np.inf
    flat[idx[2 * len(idx) // 3:]] = -np.inf
    # A whole group of NaNs and a row pair with NaN norms on both sides.
    w[0, :4] = np.nan
    w[: fmt.m, 32:40] = np.nan
    p = pack(w, fmt)
    assert_same_as_c(capi, p, w)
    # NaNs are kept, never dropped: every NaN of a selected row survives as
    # long as its group of 4 has at most 2 NaNs.
    assert np.isnan(p.unpack()).any()
    bits = f32_to_bf16_bits(w)
    assert_same_as_c(capi, pack(bits, fmt, dtype="bf16"), bf16_bits_to_f32(bits))


def test_near_ties_use_sequential_double_sums(capi):
    """Norms that differ only in the last bits of a double sum: the order of
    accumulation decides, and must be the C library's (ascending columns)."""
    rng = np.random.default_rng(3)
    fmt = Format(1, 2, 128)
    w = np.zeros((64, 256), np.float32)
    for g in range(32):
        # Magnitudes spread over 2^-40..2^40: double sums are inexact, so the
        # order of accumulation decides between permuted rows.
        a = (rng.standard_normal(128) * 2.0 ** rng.integers(-40, 40, 128)).astype(np.float32)
        w[2 * g, :128] = a
        w[2 * g + 1, :128] = rng.permutation(a)     # the same multiset of |x|
        w[2 * g, 128:] = rng.standard_normal(128)
        w[2 * g + 1, 128:] = w[2 * g, 128:][::-1]
    p = pack(w, fmt)
    assert_same_as_c(capi, p, w)
    # The data does produce both outcomes (not just "ties -> lower row").
    assert 0 < p.rowidx[0].sum() < 32


def test_against_the_independent_reference(samoyeds_ref):
    """The lit tests' independent numpy pruner agrees (finite, no ties)."""
    rng = np.random.default_rng(9)
    for fmt in (Format(1, 2, 128), Format(2, 4, 32), Format(3, 8, 64)):
        w = rng.standard_normal((fmt.m * 4, fmt.v * 2)).astype(np.float32)
        p = pack(w, fmt)
        v, m, r, pruned = samoyeds_ref.prune_pack(w.astype(np.float64), fmt.n, fmt.m, fmt.v)
        np.testing.assert_array_equal(p.meta, m)
        np.testing.assert_array_equal(p.rowidx, r)
        np.testing.assert_array_equal(p.values.astype(np.float64), v)
        np.testing.assert_array_equal(p.unpack().astype(np.float64), pruned)


def test_worked_example_of_format_md():
    w = np.zeros((2, 32), np.float32)
    w[0] = 1.0
    w[1] = [0, 5, 0, -7, 2, 2, 2, 2, 0, 0, 0, 0, 1, -9, 3, 0, 8, 0, 0, 8, 0, 0, 6, 0,
            -1, 4, -4, 3, 0, 0, 1.5, 2.5]
    p = pack(w, Format(1, 2, 32))
    np.testing.assert_array_equal(p.rowidx, [[1]])
    np.testing.assert_array_equal(p.values[0], [5, -7, 2, 2, 0, 0, -9, 3, 8, 8, 0, 6, 4, -4,
                                                1.5, 2.5])
    np.testing.assert_array_equal(p.meta[0], [0x944D, 0xE98C])
    assert p.meta.tobytes() == bytes([0x4D, 0x94, 0x8C, 0xE9])


def test_mixtral_sizes_of_format_md():
    p = packed_shape(Format(1, 2, 128), 14336, 4096)
    assert p == dict(cond_rows=7168, value_cols=2048, meta_cols=256, slices=32)
    vs, ms, rs = storage_shapes(Format(1, 2, 128), (14336, 4096))
    total = np.prod(vs) * 2 + np.prod(ms) * 2 + np.prod(rs)
    assert total == 33259520


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------


def fitting_weight(rng, fmt, rows, cols):
    """A weight that already fits the pattern (some kept entries zero)."""
    w = np.zeros((rows, cols), np.float32)
    g, s = rows // fmt.m, cols // fmt.v
    sel = np.argsort(rng.random((g, fmt.m, s)), axis=1)[:, :fmt.n, :]      # rows per cell
    for gi in range(g):
        for si in range(s):
            for j in sel[gi, :, si]:
                r = gi * fmt.m + j
                for q in range(si * fmt.v // 4, (si + 1) * fmt.v // 4):
                    pos = rng.choice(4, size=2, replace=False)
                    w[r, 4 * q + pos] = rng.integers(1, 100, size=2) * rng.choice([-1, 1], 2)
    w[rng.random(w.shape) < 0.05] = 0.0
    return w


@pytest.mark.parametrize("fmt", [Format(1, 2, 32), Format(2, 4, 64), Format(3, 8, 32),
                                 Format(2, 2, 32)], ids=str)
def test_exact_round_trip_of_fitting_weights(fmt):
    rng = np.random.default_rng(fmt.n * 100 + fmt.m)
    w = fitting_weight(rng, fmt, fmt.m * 3, fmt.v * 2)
    assert fits_pattern(w, fmt)
    p = pack(w, fmt)
    np.testing.assert_array_equal(p.unpack(), w)
    # f16 and bf16 bits too.
    p16 = pack(w.astype(np.float16), fmt)
    np.testing.assert_array_equal(p16.unpack(), w.astype(np.float16))
    bits = f32_to_bf16_bits(w)
    pb = pack(bits, fmt, dtype="bf16")
    np.testing.assert_array_equal(pb.unpack(), bits)


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_prune_is_idempotent(fmt):
    rng = np.random.default_rng(1)
    w = rng.standard_normal(shape_for(fmt, 3, 2, 2)).astype(np.float32)
    p = pack(w, fmt)
    d = p.unpack()
    assert fits_pattern(d, fmt)
    q = pack(d, fmt)
    np.testing.assert_array_equal(q.values.view(np.uint32), p.values.view(np.uint32))
    np.testing.assert_array_equal(q.meta, p.meta)
    np.testing.assert_array_equal(q.rowidx, p.rowidx)
    # Pruning only zeroes entries.
    kept = d != 0
    np.testing.assert_array_equal(d[kept], w[kept])
    assert kept.sum() <= w.size * fmt.density + 1e-9


def test_unpack_matches_c(capi):
    rng = np.random.default_rng(2)
    for fmt in (Format(1, 2, 64), Format(3, 8, 32)):
        w = rng.standard_normal(shape_for(fmt, 3, 3)).astype(np.float32)
        p = pack(w, fmt)
        np.testing.assert_array_equal(p.unpack(), capi.unpack_f32(p.values, p.meta, p.rowidx,
                                                                  fmt, *w.shape))


def test_capi_backend_and_threads_give_the_same_bytes(capi):
    rng = np.random.default_rng(4)
    fmt = Format(2, 4, 64)
    bits = f32_to_bf16_bits(rng.standard_normal((5, 32, 128)).astype(np.float32))
    a = pack(bits, fmt, dtype="bf16", threads=1)
    b = pack(bits, fmt, dtype="bf16", threads=4)
    c = pack(bits, fmt, dtype="bf16", backend="capi")
    for x in (b, c):
        for name in ("values", "meta", "rowidx"):
            np.testing.assert_array_equal(getattr(a, name), getattr(x, name))


def test_packed_helpers():
    rng = np.random.default_rng(6)
    w = rng.standard_normal((2, 8, 64)).astype(np.float32)
    p = pack(w, Format(1, 2, 32))
    assert p.experts == 2 and p.rows == 8 and p.cols == 64
    assert p.nbytes() == p.values.size * 4 + p.meta.size * 2 + p.rowidx.size
    pb = p.astype("bf16")
    assert pb.values.dtype == np.uint16 and pb.nbytes() == p.values.size * 2 + p.meta.size * 2 \
        + p.rowidx.size
    assert pb.dense_nbytes() == w.size * 2
    np.testing.assert_array_equal(pb.values, f32_to_bf16_bits(p.values))
    assert "2x8x64" in repr(p)


def test_bf16_conversion_rounds_to_nearest_even():
    x = np.array([1.0, 1.00390625, 1.01171875, -2.5, np.inf, -np.inf, 3.4e38, 1e-40],
                 np.float32)
    b = f32_to_bf16_bits(x)
    # 1 + 2^-8 is a tie -> even (1.0); 1 + 3*2^-8 is a tie -> 1 + 2^-6.
    np.testing.assert_array_equal(b[:4], [0x3F80, 0x3F80, 0x3F82, 0xC020])
    assert b[4] == 0x7F80 and b[5] == 0xFF80 and b[6] == 0x7F80
    nan = f32_to_bf16_bits(np.array([np.nan], np.float32))
    assert np.isnan(bf16_bits_to_f32(nan))[0]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("nmv,msg", [
    ((0, 2, 128), "N (0) must be at least 1"),
    ((1, 0, 128), "M (0) must be at least 1"),
    ((3, 2, 128), "N (3) must not exceed M (2)"),
    ((1, 257, 128), "M (257) must not exceed 256 (row indices are stored as uint8)"),
    ((1, 2, 48), "V (48) must be a positive multiple of 32"),
    ((1, 2, 0), "V (0) must be a positive multiple of 32"),
])
def test_format_errors(nmv, msg, capi):
    with pytest.raises(ValueError) as ei:
        Format(*nmv)
    assert msg in str(ei.value)
    assert capi.verify(nmv, 64, 128) == msg   # the same text as the library


def test_format_misc():
    f = Format(1, 2, 128)
    assert str(f) == "1:2 V=128" and Format.parse("1:2 V=128") == f and f.density == 0.25
    assert f.mlir() == "#samoyeds.format<n = 1, m = 2, v = 128>"
    assert hash(f) == hash(Format(1, 2, 128)) and f != Format(1, 2, 64)
    with pytest.raises(ValueError, match="integer"):
        Format(1.5, 2, 128)
    with pytest.raises(ValueError, match="cannot parse"):
        Format.parse("1-2")
    with pytest.raises(AttributeError):
        f.n = 3


@pytest.mark.parametrize("rows,cols", [(30, 128), (32, 100), (0, 128), (32, 0), (31, 96),
                                       (2 ** 62, 256), (32, 256)])
def test_shape_messages_match_c(capi, rows, cols):
    for fmt in (Format(1, 4, 128), Format(2, 4, 32)):
        assert verify_shape(fmt, rows, cols) == capi.verify(fmt, rows, cols)


def test_pack_shape_errors_name_the_sizes():
    with pytest.raises(ValueError) as ei:
        pack(np.zeros((30, 128), np.float32), Format(1, 4, 128))
    assert "30x128" in str(ei.value) and "rows (30) must be a multiple of M (4)" in str(ei.value)
    with pytest.raises(ValueError) as ei:
        pack(np.zeros((2, 8, 100), np.float32), Format(1, 2, 128))
    assert "8x100" in str(ei.value) and "cols (100) must be a multiple of V (128)" in str(ei.value)
    with pytest.raises(ValueError, match=r"got shape \(128,\)"):
        pack(np.zeros(128, np.float32), Format(1, 2, 32))
    with pytest.raises(ValueError, match="E x R x C"):
        pack(np.zeros((2, 2, 2, 32), np.float32), Format(1, 2, 32))


def test_pack_dtype_errors():
    fmt = Format(1, 2, 32)
    with pytest.raises(ValueError, match="dtype='bf16'"):
        pack(np.zeros((2, 32), np.uint16), fmt)
    with pytest.raises(ValueError, match="float64"):
        pack(np.zeros((2, 32)), fmt)
    with pytest.raises(ValueError, match="exactly bf16"):
        pack(np.full((2, 32), 1.0001, np.float32), fmt, dtype="bf16")
    with pytest.raises(ValueError, match="exactly float16"):
        pack(np.full((2, 32), 1e-30, np.float32), fmt, dtype="f16")
    with pytest.raises(ValueError, match="float16 input"):
        pack(np.zeros((2, 32), np.float16), fmt, dtype="bf16")
    with pytest.raises(ValueError, match="dtype must be"):
        pack(np.zeros((2, 32), np.float32), fmt, dtype="fp8")
    with pytest.raises(ValueError, match="backend"):
        pack(np.zeros((2, 32), np.float32), fmt, backend="cuda")


def test_unpack_errors_match_c(capi):
    rng = np.random.default_rng(8)
    fmt = Format(2, 4, 32)
    w = rng.standard_normal((8, 64)).astype(np.float32)
    p = pack(w, fmt)
    cases = []
    r1 = p.rowidx.copy()
    r1[1, 2] = 4                                  # >= M
    cases.append((p.meta, r1))
    r2 = p.rowidx.copy()
    r2[0, 1] = r2[0, 0]                           # not ascending in group 0
    cases.append((p.meta, r2))
    m1 = p.meta.copy()
    m1[3, 2] = (m1[3, 2] & 0xF0FF) | 0x0600       # nibble 2: positions (2, 1)
    cases.append((m1, p.rowidx))
    m0 = np.zeros_like(p.meta)                    # all-zero metadata is malformed
    cases.append((m0, p.rowidx))
    for meta, ridx in cases:
        with pytest.raises(ValueError) as ours:
            unpack(p.values, meta, ridx, fmt, w.shape)
        with pytest.raises(ValueError) as theirs:
            capi.unpack_f32(p.values, meta, ridx, fmt, *w.shape)
        assert str(theirs.value) in str(ours.value), (str(ours.value), str(theirs.value))
    with pytest.raises(ValueError, match="values of a packed 8x64 weight"):
        unpack(p.values[:, :-1], p.meta, p.rowidx, fmt, w.shape)
    with pytest.raises(ValueError, match="values must be"):
        Packed(fmt, (8, 64), "f32", p.values[:2], p.meta, p.rowidx)
