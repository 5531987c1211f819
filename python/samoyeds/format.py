"""The Samoyeds weight format in pure numpy (docs/format.md).

`pack(w, fmt)` prunes a dense weight by magnitude and compresses it into the
three storage arrays; the bytes are exactly those of the C++ format library
(`libsamoyeds_format_c.so`, see `samoyeds.capi`), which the tests check.
`Packed.unpack()` expands them again.

    from samoyeds.format import Format, pack
    p = pack(w, Format(1, 2, 128))            # w: R x C or E x R x C
    p.values, p.meta, p.rowidx                # numpy arrays
    dense = p.unpack()                        # pruned weight, zeros elsewhere

Element types: float32, float16, and bf16 either as uint16 bit patterns
(`pack(bits, fmt, dtype="bf16")`) or as float32 values that are exactly bf16
(`pack(w32, fmt, dtype="bf16")`). `values` keeps the input's numpy dtype and
bits (a kept value is copied, never converted).

Torch helpers (torch imported lazily): `pack_torch(tensor, fmt)` packs a
tensor of any device (it is moved to the CPU), `Packed.to_torch(device)` gives
a `PackedTensors` of torch tensors in the layout the compiled code expects.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "Format", "Packed", "PackedTensors", "pack", "unpack", "pack_torch",
    "packed_shape", "verify_shape", "fits_pattern", "f32_to_bf16_bits",
    "bf16_bits_to_f32", "DTYPES",
]

from ._dtypes import bf16_bits_to_f32, f32_to_bf16_bits
from ._fmt import _INT64_MAX, DTYPES, ELEM_BYTES, MAX_M, V_MULTIPLE, Format, _as_format, \
    _format_error  # noqa: F401 (re-exported: the public API is samoyeds.format)


def verify_shape(fmt, rows, cols):
    """verifyShape's message (C1-C10) for a rows x cols weight, or ""."""
    fmt = _as_format(fmt)
    rows, cols = int(rows), int(cols)
    if rows <= 0:
        return f"rows ({rows}) must be positive"
    if cols <= 0:
        return f"cols ({cols}) must be positive"
    if rows % fmt.m != 0:
        return f"rows ({rows}) must be a multiple of M ({fmt.m})"
    if cols % fmt.v != 0:
        return f"cols ({cols}) must be a multiple of V ({fmt.v})"
    if rows > _INT64_MAX // cols:
        return f"rows x cols ({rows} x {cols}) is too large to index"
    return ""


def _check_shape(fmt, rows, cols, what="weight"):
    err = verify_shape(fmt, rows, cols)
    if err:
        raise ValueError(f"a {rows}x{cols} {what} does not fit format {fmt}: {err}")


def packed_shape(fmt, rows, cols):
    """dict(cond_rows, value_cols, meta_cols, slices) of a rows x cols weight."""
    fmt = _as_format(fmt)
    _check_shape(fmt, rows, cols)
    return dict(cond_rows=rows // fmt.m * fmt.n, value_cols=cols // 2,
                meta_cols=cols // 16, slices=cols // fmt.v)


def storage_shapes(fmt, shape):
    """Shapes of (values, meta, rowidx) of a packed [E x] R x C weight."""
    fmt = _as_format(fmt)
    shape = tuple(int(s) for s in shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"a packed weight has shape R x C or E x R x C, got {shape}")
    lead, (r, c) = shape[:-2], shape[-2:]
    ps = packed_shape(fmt, r, c)
    cr = ps["cond_rows"]
    return (lead + (cr, ps["value_cols"]), lead + (cr, ps["meta_cols"]),
            lead + (ps["slices"], cr))


def _bf16_exact(x32):
    """float32 values that are exactly bf16 (NaN counts as exact)."""
    u = x32.view(np.uint32)
    return bool(np.all(((u & 0xFFFF) == 0) | ((u & 0x7FFFFFFF) > 0x7F800000)))


# ---------------------------------------------------------------------------
# Input normalisation
# ---------------------------------------------------------------------------


def _normalise(w, dtype):
    """Returns (source, f32, dtype name): `source` is the array whose elements
    are copied into `values` (the input's dtype and bits), `f32` the float32
    values the pruning rule ranks."""
    w = np.asarray(w)
    if dtype is not None and dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES} or None, got {dtype!r}")
    kind = w.dtype
    if kind == np.float32:
        f32 = w
        if dtype is None:
            dtype = "f32"
        elif dtype == "bf16" and not _bf16_exact(w):
            raise ValueError("dtype='bf16' with float32 input needs values that are exactly "
                             "bf16; round them first (samoyeds.format.f32_to_bf16_bits) "
                             "or pass the bf16 bits as uint16")
        elif dtype == "f16":
            with np.errstate(over="ignore"):
                back = w.astype(np.float16).astype(np.float32)
            same = (back == w) | (np.isnan(back) & np.isnan(w))
            if not bool(np.all(same)):
                raise ValueError("dtype='f16' with float32 input needs values that are "
                                 "exactly float16; convert them first")
        return w, f32, dtype
    if kind == np.float16:
        if dtype not in (None, "f16"):
            raise ValueError(f"float16 input cannot be packed as dtype={dtype!r}")
        return w, w.astype(np.float32), "f16"
    if kind in (np.uint16, np.int16):
        if dtype == "bf16":
            bits = w.view(np.uint16)
            return bits, bf16_bits_to_f32(bits), "bf16"
        if dtype == "f16":
            h = w.view(np.float16)
            return h, h.astype(np.float32), "f16"
        raise ValueError(f"{kind} input holds 16-bit patterns: pass dtype='bf16' (or 'f16') "
                         "to say which")
    raise ValueError(f"cannot pack a {kind} array: expected float32, float16, or bf16 "
                     "bits as uint16 with dtype='bf16'")


# ---------------------------------------------------------------------------
# The pruning rule, vectorised (one R x C matrix)
# ---------------------------------------------------------------------------

_NAN_KEY32 = np.uint32(0x7F800001)   # above +inf (0x7F800000): NaN ranks first
_NAN_KEY64 = np.int64(0x7FF0000000000001)


def _select_rows(norms, n, m):
    """norms: (G, m, S) float64 -> sel (G, n, S): the n rows of largest norm
    per cell (NaN first, ties the lower row), ascending."""
    g, _, s = norms.shape
    if n == m:
        return np.broadcast_to(np.arange(m)[None, :, None], (g, m, s))
    key = norms.view(np.int64).copy()      # norms >= 0 or NaN: bits are monotone
    key[np.isnan(norms)] = _NAN_KEY64
    if m == 2:   # n == 1: row 1 only if strictly larger
        return (key[:, 1:2, :] > key[:, 0:1, :]).astype(np.int64)
    order = np.argsort(-key, axis=1, kind="stable")[:, :n, :]
    return np.sort(order, axis=1)


def _top2_positions(cond):
    """cond: (..., 4) float32 -> (p0, p1): the positions of the 2 largest |x|
    of every group of 4 (NaN first, ties the lower column), p0 < p1."""
    k = cond.view(np.uint32) & np.uint32(0x7FFFFFFF)
    k[k > 0x7F800000] = _NAN_KEY32
    ks = [k[..., i] for i in range(4)]
    keep = []
    for i in range(4):
        rank = np.zeros(ks[i].shape, dtype=np.uint8)
        for j in range(4):
            if j < i:
                rank += ks[j] >= ks[i]
            elif j > i:
                rank += ks[j] > ks[i]
        keep.append(rank < 2)
    p0 = np.where(keep[0], 0, np.where(keep[1], 1, 2)).astype(np.uint8)
    p1 = np.where(keep[3], 3, np.where(keep[2], 2, 1)).astype(np.uint8)
    return p0, p1


def _pack_matrix(src, f32, fmt, out_values, out_meta, out_rowidx):
    """Packs one R x C matrix into the given output arrays (views)."""
    n, m, v = fmt.n, fmt.m, fmt.v
    r, c = f32.shape
    g, s, cr, q4 = r // m, c // v, r // m * n, c // 4
    a3 = f32.reshape(r, s, v)
    # L1 norms in double, accumulated in ascending column order (as the C
    # library does: the summation order decides near-ties).
    norms = np.zeros((r, s), dtype=np.float64)
    for col in range(v):
        norms += np.abs(a3[:, :, col])
    sel = _select_rows(norms.reshape(g, m, s), n, m)           # (g, n, s)
    out_rowidx[...] = sel.transpose(2, 0, 1).reshape(s, cr)
    orig = (np.arange(g)[:, None, None] * m + sel).reshape(cr, s)  # original row
    cond = a3[orig, np.arange(s)[None, :]]                         # (cr, s, v)
    p0, p1 = _top2_positions(cond.reshape(cr, q4, 4))
    nib = (p0 | (p1 << 2)).astype(np.uint16).reshape(cr, c // 16, 4)
    out_meta[...] = (nib[:, :, 0] | (nib[:, :, 1] << 4) | (nib[:, :, 2] << 8)
                     | (nib[:, :, 3] << 12))
    # Values: copied from the source array (its dtype, its bits).
    rows_q = np.repeat(orig, v // 4, axis=1)                       # (cr, q4)
    base = rows_q * c + 4 * np.arange(q4)[None, :]
    flat = src.reshape(-1)
    vals = out_values.reshape(cr, q4, 2)
    vals[:, :, 0] = flat[base + p0]
    vals[:, :, 1] = flat[base + p1]


def _default_threads():
    import os
    try:
        return max(1, min(16, len(os.sched_getaffinity(0))))
    except AttributeError:
        return max(1, min(16, os.cpu_count() or 1))


def _pack_into_capi(fmt, f32, src, values, meta, rowidx):
    """The C library's pack of one matrix (backend='capi'), values written in
    the dtype of `values` (from `src`'s dtype: float32 as is, float16 exactly,
    bf16 bits exactly)."""
    from . import capi
    v32, m, r = capi.pack_f32(f32, fmt)
    meta[...] = m
    rowidx[...] = r
    if values.dtype == np.uint16:
        values[...] = f32_to_bf16_bits(v32)
    else:
        values[...] = v32.astype(values.dtype)


def pack(w, fmt, dtype=None, threads=None, backend="numpy"):
    """Prunes by magnitude and packs a dense R x C or E x R x C weight.

    w: numpy float32 / float16 array, or bf16 bits as uint16 with
    dtype='bf16' (float32 values exactly representable in bf16 are accepted
    with dtype='bf16' too). fmt: a Format (or 'N:M V=v' or (n, m, v)).
    threads: experts packed in parallel (3-D input; default: the CPU count,
    at most 16). backend: 'numpy' (default) or 'capi' (the C library through
    ctypes: identical bytes, faster).

    Raises ValueError for shapes or formats that do not fit, naming the sizes.
    """
    fmt = _as_format(fmt)
    src, f32, dt = _normalise(w, dtype)
    if src.ndim not in (2, 3):
        raise ValueError(f"pack expects an R x C or E x R x C weight, got shape {src.shape}")
    shape = tuple(int(x) for x in src.shape)
    r, c = shape[-2:]
    _check_shape(fmt, r, c)
    if src.ndim == 3 and shape[0] < 1:
        raise ValueError(f"an E x R x C weight needs E >= 1, got shape {shape}")
    vshape, mshape, rshape = storage_shapes(fmt, shape)
    values = np.empty(vshape, dtype=src.dtype)
    meta = np.empty(mshape, dtype=np.uint16)
    rowidx = np.empty(rshape, dtype=np.uint8)
    src_c = np.ascontiguousarray(src)
    f32_c = np.ascontiguousarray(f32)
    experts = shape[0] if src.ndim == 3 else None

    if backend == "capi":
        one = lambda i: _pack_into_capi(fmt, f32_c if i is None else f32_c[i],
                                       src_c if i is None else src_c[i],
                                       values if i is None else values[i],
                                       meta if i is None else meta[i],
                                       rowidx if i is None else rowidx[i])
    elif backend == "numpy":
        def one(i):
            if i is None:
                _pack_matrix(src_c, f32_c, fmt, values, meta, rowidx)
            else:
                _pack_matrix(src_c[i], f32_c[i], fmt, values[i], meta[i], rowidx[i])
    else:
        raise ValueError(f"backend must be 'numpy' or 'capi', got {backend!r}")

    if experts is None:
        one(None)
    else:
        nt = _default_threads() if threads is None else max(1, int(threads))
        if nt == 1 or experts == 1:
            for i in range(experts):
                one(i)
        else:
            with ThreadPoolExecutor(max_workers=min(nt, experts)) as ex:
                list(ex.map(one, range(experts)))
    return Packed(fmt, shape, dt, values, meta, rowidx)


# ---------------------------------------------------------------------------
# Unpacking and validation
# ---------------------------------------------------------------------------


def _check_packed(fmt, meta, rowidx):
    """The first malformed row index or metadata nibble, with the C library's
    message (same order: row indices slice by slice, then metadata), or ""."""
    n, m = fmt.n, fmt.m
    ri = rowidx.astype(np.int64)
    s, cr = ri.shape
    too_big = ri >= m
    not_asc = np.zeros_like(too_big)
    if n > 1:
        pos = np.arange(cr) % n != 0
        not_asc[:, 1:] = pos[None, 1:] & (ri[:, 1:] <= ri[:, :-1])
    bad = too_big | not_asc
    if bad.any():
        si, ci = divmod(int(np.argmax(bad.reshape(-1))), cr)
        if too_big[si, ci]:
            return f"rowidx[{si}][{ci}] ({ri[si, ci]}) must be less than M ({m})"
        return (f"rowidx[{si}][{ci - 1}..{ci}] ({ri[si, ci - 1]}, {ri[si, ci]}) must be "
                f"strictly ascending within row group {ci // n}")
    mw = meta.view(np.uint16).astype(np.int64)
    nibs = (mw[:, :, None] >> (4 * np.arange(4))[None, None, :]) & 0xF
    badn = (nibs & 3) >= (nibs >> 2)
    if badn.any():
        flat = int(np.argmax(badn.reshape(-1)))
        r_, rest = divmod(flat, mw.shape[1] * 4)
        w_, q = divmod(rest, 4)
        nb = int(nibs[r_, w_, q])
        col = w_ * 16 + q * 4
        return (f"meta[{r_}][{w_}] nibble {q} (columns {col}..{col + 3}): positions "
                f"({nb & 3}, {nb >> 2}) must be strictly ascending")
    return ""


def _unpack_matrix(fmt, r, c, values, meta, rowidx, out):
    n, m, v = fmt.n, fmt.m, fmt.v
    cr, q4 = r // m * n, c // 4
    err = _check_packed(fmt, meta, rowidx)
    if err:
        raise ValueError(f"malformed packed weight ({r}x{c}, format {fmt}): {err}")
    mw = meta.view(np.uint16).astype(np.int64)
    nibs = ((mw[:, :, None] >> (4 * np.arange(4))[None, None, :]) & 0xF).reshape(cr, q4)
    p0, p1 = nibs & 3, nibs >> 2
    orig = (np.arange(cr) // n * m)[:, None] + rowidx.astype(np.int64).T   # (cr, s)
    rows_q = np.repeat(orig, v // 4, axis=1)
    base = rows_q * c + 4 * np.arange(q4)[None, :]
    flat = out.reshape(-1)
    flat[...] = 0
    vals = values.reshape(cr, q4, 2)
    flat[base + p0] = vals[:, :, 0]
    flat[base + p1] = vals[:, :, 1]


def unpack(values, meta, rowidx, fmt, shape):
    """Expands packed storage to the dense [E x] R x C weight (the values'
    dtype; zeros off the pattern). Validates the arrays' shapes, the row
    indices and the metadata (ValueError with the C library's message)."""
    fmt = _as_format(fmt)
    shape = tuple(int(x) for x in shape)
    expect = storage_shapes(fmt, shape)
    values, meta, rowidx = np.asarray(values), np.asarray(meta), np.asarray(rowidx)
    for name, arr, want in zip(("values", "meta", "rowidx"), (values, meta, rowidx), expect):
        if tuple(arr.shape) != want:
            raise ValueError(f"{name} of a packed {'x'.join(map(str, shape))} weight "
                             f"(format {fmt}) must be {'x'.join(map(str, want))}, got "
                             f"{'x'.join(map(str, arr.shape))}")
    if meta.dtype not in (np.uint16, np.int16):
        raise ValueError(f"meta must be uint16 (or int16), got {meta.dtype}")
    if rowidx.dtype not in (np.uint8, np.int8):
        raise ValueError(f"rowidx must be uint8 (or int8), got {rowidx.dtype}")
    rowidx = rowidx.view(np.uint8)
    r, c = shape[-2:]
    out = np.empty(shape, dtype=values.dtype)
    if len(shape) == 2:
        _unpack_matrix(fmt, r, c, np.ascontiguousarray(values), np.ascontiguousarray(meta),
                       np.ascontiguousarray(rowidx), out)
    else:
        for e in range(shape[0]):
            try:
                _unpack_matrix(fmt, r, c, np.ascontiguousarray(values[e]),
                               np.ascontiguousarray(meta[e]), np.ascontiguousarray(rowidx[e]),
                               out[e])
            except ValueError as ex:
                raise ValueError(f"expert {e}: {ex}") from None
    return out


def fits_pattern(w, fmt, dtype=None):
    """True when the dense weight already fits the format (packing is exact)."""
    fmt = _as_format(fmt)
    _, f32, _ = _normalise(w, dtype)
    if f32.ndim == 3:
        return all(fits_pattern(f32[e], fmt) for e in range(f32.shape[0]))
    if f32.ndim != 2:
        raise ValueError(f"expected an R x C or E x R x C weight, got shape {f32.shape}")
    r, c = f32.shape
    if verify_shape(fmt, r, c):
        return False
    nz = f32 != 0   # NaN counts as non-zero
    if np.any(nz.reshape(r, c // 4, 4).sum(axis=2) > 2):
        return False
    rows_nz = nz.reshape(r // fmt.m, fmt.m, c // fmt.v, fmt.v).any(axis=3).sum(axis=1)
    return bool(np.all(rows_nz <= fmt.n))


# ---------------------------------------------------------------------------
# Packed
# ---------------------------------------------------------------------------


class Packed:
    """A packed weight on the host: `values` ([E x] condRows x C/2, the input's
    dtype), `meta` ([E x] condRows x C/16, uint16), `rowidx` ([E x] C/V x
    condRows, uint8); `shape` is the logical [E x] R x C, `dtype` the element
    type name ('f32', 'f16' or 'bf16'; bf16 values are uint16 bits, or float32
    values exactly representable in bf16)."""

    def __init__(self, fmt, shape, dtype, values, meta, rowidx):
        self.fmt = _as_format(fmt)
        self.shape = tuple(int(x) for x in shape)
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        self.dtype = dtype
        expect = storage_shapes(self.fmt, self.shape)
        for name, arr, want in zip(("values", "meta", "rowidx"), (values, meta, rowidx),
                                   expect):
            if tuple(arr.shape) != want:
                raise ValueError(f"{name} must be {'x'.join(map(str, want))} for a packed "
                                 f"{'x'.join(map(str, self.shape))} weight (format "
                                 f"{self.fmt}), got {'x'.join(map(str, arr.shape))}")
        self.values, self.meta, self.rowidx = values, meta, rowidx

    @property
    def experts(self):
        return self.shape[0] if len(self.shape) == 3 else None

    @property
    def rows(self):
        return self.shape[-2]

    @property
    def cols(self):
        return self.shape[-1]

    def nbytes(self, dtype=None):
        """Bytes of the three arrays with values of `dtype` (default: this
        weight's element type: 2 bytes for bf16/f16 even when held as float32)."""
        dt = dtype or self.dtype
        return self.values.size * ELEM_BYTES[dt] + self.meta.size * 2 + self.rowidx.size

    def dense_nbytes(self, dtype=None):
        dt = dtype or self.dtype
        return int(np.prod(self.shape)) * ELEM_BYTES[dt]

    def unpack(self):
        """The pruned dense weight, dtype of `values` (zeros off the pattern)."""
        return unpack(self.values, self.meta, self.rowidx, self.fmt, self.shape)

    def unpack_f32(self):
        d = self.unpack()
        if d.dtype == np.uint16:
            return bf16_bits_to_f32(d)
        return d.astype(np.float32)

    def values_f32(self):
        if self.values.dtype == np.uint16:
            return bf16_bits_to_f32(self.values)
        return self.values.astype(np.float32)

    def astype(self, dtype):
        """The same packed weight with values converted to `dtype` ('bf16':
        uint16 bits, round to nearest even; 'f16': float16; 'f32': float32).
        meta and rowidx are shared."""
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        v32 = self.values_f32()
        if dtype == "bf16":
            vals = f32_to_bf16_bits(v32)
        elif dtype == "f16":
            with np.errstate(over="ignore"):
                vals = v32.astype(np.float16)
        else:
            vals = v32
        return Packed(self.fmt, self.shape, dtype, vals, self.meta, self.rowidx)

    def to_torch(self, device="cuda", dtype=None):
        """A PackedTensors of torch tensors on `device`: values bfloat16 /
        float16 / float32, meta int16 (same bits), rowidx int8 (same bytes)."""
        import torch
        p = self if dtype is None or dtype == self.dtype else self.astype(dtype)
        if p.dtype == "bf16":
            bits = p.values if p.values.dtype == np.uint16 else f32_to_bf16_bits(p.values)
            vals = torch.from_numpy(np.ascontiguousarray(bits).view(np.int16)).view(
                torch.bfloat16)
        elif p.dtype == "f16":
            vals = torch.from_numpy(np.ascontiguousarray(p.values.astype(np.float16)))
        else:
            vals = torch.from_numpy(np.ascontiguousarray(p.values.astype(np.float32)))
        meta = torch.from_numpy(np.ascontiguousarray(p.meta).view(np.int16))
        ridx = torch.from_numpy(np.ascontiguousarray(p.rowidx).view(np.int8))
        return PackedTensors(p.fmt, p.shape, p.dtype, vals.to(device), meta.to(device),
                             ridx.to(device))

    def __repr__(self):
        return (f"Packed({'x'.join(map(str, self.shape))} {self.dtype}, format {self.fmt}, "
                f"{self.nbytes() / 2**20:.2f} MiB)")


class PackedTensors:
    """A packed weight as three device arrays (e.g. torch CUDA tensors), as
    the compiled layer takes them: values (bf16/f16), meta (int16), rowidx
    (int8). Built by Packed.to_torch()."""

    def __init__(self, fmt, shape, dtype, values, meta, rowidx):
        self.fmt = _as_format(fmt)
        self.shape = tuple(int(x) for x in shape)
        self.dtype = dtype
        self.values, self.meta, self.rowidx = values, meta, rowidx

    def arrays(self):
        return (self.values, self.meta, self.rowidx)

    def nbytes(self):
        return sum(int(t.numel()) * int(t.element_size()) for t in self.arrays())

    def to_host(self):
        """Back to a numpy Packed (values as uint16 bits for bf16)."""
        import torch
        v = self.values.detach().cpu()
        if v.dtype == torch.bfloat16:
            vals = v.view(torch.int16).numpy().view(np.uint16)
        else:
            vals = v.numpy()
        meta = self.meta.detach().cpu().numpy().view(np.uint16)
        ridx = self.rowidx.detach().cpu().numpy().view(np.uint8)
        return Packed(self.fmt, self.shape, self.dtype, vals, meta, ridx)

    def __repr__(self):
        dev = getattr(self.values, "device", "?")
        return (f"PackedTensors({'x'.join(map(str, self.shape))} {self.dtype}, format "
                f"{self.fmt}, on {dev})")


def pack_torch(t, fmt, threads=None, backend="numpy"):
    """pack() of a torch tensor (any device; copied to the CPU first).
    bfloat16 -> dtype 'bf16' (uint16 bits), float16 -> 'f16', float32 -> 'f32'."""
    import torch
    t = t.detach()
    if t.dtype == torch.bfloat16:
        arr = t.cpu().contiguous().view(torch.int16).numpy().view(np.uint16)
        return pack(arr, fmt, dtype="bf16", threads=threads, backend=backend)
    if t.dtype in (torch.float16, torch.float32):
        return pack(t.cpu().contiguous().numpy(), fmt, threads=threads, backend=backend)
    raise ValueError(f"cannot pack a {t.dtype} tensor: expected bfloat16, float16 or float32")

