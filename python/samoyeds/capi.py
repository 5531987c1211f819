"""ctypes bindings of the format library's C API (libsamoyeds_format_c.so,
include/samoyeds/Format/CAPI.h).

The library is looked up in $SAMOYEDS_LIB_DIR, then $SAMOYEDS_BUILD_DIR/lib,
then <repo>/build/lib and <repo>/build-device/lib; `load(path)` picks another.
Every wrapper raises ValueError with the library's message on failure.

    from samoyeds import capi
    if capi.available():
        values, meta, rowidx = capi.pack_f32(w32, Format(1, 2, 128))
"""

import ctypes

import numpy as np

from . import _paths
from ._fmt import Format, _as_format

__all__ = ["available", "load", "library_path", "verify", "packed_shape", "pack_f32",
           "unpack_f32", "LIB_NAME"]

LIB_NAME = "libsamoyeds_format_c.so"
_lib = None
_lib_path = None

_i64 = ctypes.c_int64
_P = ctypes.POINTER


def load(path=None):
    """Loads the library (once; `path` overrides the search). Raises OSError
    if it cannot be found or loaded."""
    global _lib, _lib_path
    if _lib is not None and (path is None or path == _lib_path):
        return _lib
    p = path or _paths.find_lib(LIB_NAME)
    if not p:
        raise OSError(f"{LIB_NAME} not found (searched {', '.join(_paths.lib_dirs())}); "
                      "build the project or set SAMOYEDS_LIB_DIR")
    lib = ctypes.CDLL(p)
    lib.samoyeds_format_last_error.restype = ctypes.c_char_p
    lib.samoyeds_format_last_error.argtypes = []
    five = [_i64] * 5
    lib.samoyeds_format_verify.argtypes = five
    # Every buffer is followed by its length in elements (CAPI.h).
    f32, u16, u8 = ctypes.c_float, ctypes.c_uint16, ctypes.c_uint8
    lib.samoyeds_format_packed_shape.argtypes = five + [_P(_i64), _i64]
    lib.samoyeds_format_pack_f32.argtypes = five + [_P(f32), _i64, _P(f32), _i64,
                                                    _P(u16), _i64, _P(u8), _i64]
    lib.samoyeds_format_unpack_f32.argtypes = five + [_P(f32), _i64, _P(u16), _i64,
                                                      _P(u8), _i64, _P(f32), _i64]
    for f in ("verify", "packed_shape", "pack_f32", "unpack_f32"):
        getattr(lib, "samoyeds_format_" + f).restype = ctypes.c_int
    _lib, _lib_path = lib, p
    return lib


def available():
    try:
        load()
        return True
    except OSError:
        return False


def library_path():
    load()
    return _lib_path


def _err(lib):
    msg = lib.samoyeds_format_last_error()
    return msg.decode() if msg else ""


def _fmt_args(fmt, rows, cols):
    fmt = _as_format(fmt)
    return [_i64(fmt.n), _i64(fmt.m), _i64(fmt.v), _i64(int(rows)), _i64(int(cols))]


def _ptr(a, ctype):
    return a.ctypes.data_as(_P(ctype))


def _buf(a, ctype):
    """(pointer, length in elements) of a C-contiguous array of `ctype`."""
    assert a.flags.c_contiguous and a.itemsize == ctypes.sizeof(ctype)
    return a.ctypes.data_as(_P(ctype)), _i64(a.size)


def verify(fmt_or_nmv, rows, cols):
    """"" when the shape fits, else the library's message. Takes a Format or
    a raw (n, m, v) tuple (so invalid formats can be checked too)."""
    lib = load()
    if isinstance(fmt_or_nmv, Format):
        nmv = (fmt_or_nmv.n, fmt_or_nmv.m, fmt_or_nmv.v)
    else:
        nmv = tuple(int(x) for x in fmt_or_nmv)
    rc = lib.samoyeds_format_verify(*[_i64(x) for x in nmv], _i64(int(rows)), _i64(int(cols)))
    return _err(lib) if rc else ""


def packed_shape(fmt, rows, cols):
    """(condRows, valueCols, metaCols, slices)."""
    lib = load()
    out = (_i64 * 4)()
    if lib.samoyeds_format_packed_shape(*_fmt_args(fmt, rows, cols), out, _i64(4)):
        raise ValueError(_err(lib))
    return tuple(int(x) for x in out)


def _check_matrix(w, dtype, name):
    if w.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {w.shape}")
    return np.ascontiguousarray(w, dtype=dtype)


def pack_f32(w, fmt):
    """Packs a float32 R x C matrix: (values f32, meta u16, rowidx u8)."""
    lib = load()
    w = _check_matrix(np.asarray(w), np.float32, "w")
    r, c = w.shape
    msg = verify(_as_format(fmt), r, c)
    if msg:
        raise ValueError(msg)
    cr, vc, mc, s = packed_shape(fmt, r, c)
    values = np.empty((cr, vc), np.float32)
    meta = np.empty((cr, mc), np.uint16)
    rowidx = np.empty((s, cr), np.uint8)
    if lib.samoyeds_format_pack_f32(*_fmt_args(fmt, r, c), *_buf(w, ctypes.c_float),
                                    *_buf(values, ctypes.c_float),
                                    *_buf(meta, ctypes.c_uint16),
                                    *_buf(rowidx, ctypes.c_uint8)):
        raise ValueError(_err(lib))
    return values, meta, rowidx


def unpack_f32(values, meta, rowidx, fmt, rows, cols):
    """The dense float32 rows x cols matrix of packed storage (validated by
    the library; its message on malformed input)."""
    lib = load()
    cr, vc, mc, s = packed_shape(fmt, rows, cols)
    values = np.ascontiguousarray(values, dtype=np.float32)
    meta = np.ascontiguousarray(np.asarray(meta).view(np.uint16))
    rowidx = np.ascontiguousarray(np.asarray(rowidx).view(np.uint8))
    for name, a, want in (("values", values, (cr, vc)), ("meta", meta, (cr, mc)),
                          ("rowidx", rowidx, (s, cr))):
        if a.shape != want:
            raise ValueError(f"{name} must be {want}, got {a.shape}")
    dense = np.empty((rows, cols), np.float32)
    if lib.samoyeds_format_unpack_f32(*_fmt_args(fmt, rows, cols),
                                      *_buf(values, ctypes.c_float),
                                      *_buf(meta, ctypes.c_uint16),
                                      *_buf(rowidx, ctypes.c_uint8),
                                      *_buf(dense, ctypes.c_float)):
        raise ValueError(_err(lib))
    return dense


def unpack_packed(p):
    """format.Packed -> dense float32 through the C library (any rank)."""
    vals = p.values_f32()
    if len(p.shape) == 2:
        return unpack_f32(vals, p.meta, p.rowidx, p.fmt, *p.shape)
    return np.stack([unpack_f32(vals[e], p.meta[e], p.rowidx[e], p.fmt, *p.shape[1:])
                     for e in range(p.shape[0])])

