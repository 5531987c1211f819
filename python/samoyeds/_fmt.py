"""The format's parameters: `Format` and its rules (docs/format.md C1-C5).

A leaf module (numpy only, no other samoyeds import), so that `format` (the
numpy packer) and `capi` (the C library's bindings) both depend on it and not
on each other.
"""

import numpy as np

MAX_M = 256
V_MULTIPLE = 32
DTYPES = ("f32", "f16", "bf16")
ELEM_BYTES = {"f32": 4, "f16": 2, "bf16": 2}
_INT64_MAX = 2 ** 63 - 1


def _format_error(n, m, v):
    """verifyFormat's message (C1-C5 of docs/format.md) or ""."""
    if n < 1:
        return f"N ({n}) must be at least 1"
    if m < 1:
        return f"M ({m}) must be at least 1"
    if n > m:
        return f"N ({n}) must not exceed M ({m})"
    if m > MAX_M:
        return f"M ({m}) must not exceed {MAX_M} (row indices are stored as uint8)"
    if v <= 0 or v % V_MULTIPLE != 0:
        return f"V ({v}) must be a positive multiple of {V_MULTIPLE}"
    return ""


class Format:
    """A weight format N:M V=v: in every (M-row group, v-column slice) cell N
    rows are kept, and 2 of every 4 values in them. Immutable, hashable;
    invalid parameters raise ValueError with the format library's message."""

    __slots__ = ("_n", "_m", "_v")

    def __init__(self, n=1, m=2, v=128):
        for name, x in (("n", n), ("m", m), ("v", v)):
            if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
                raise ValueError(f"format parameter {name} must be an integer, got {x!r}")
        n, m, v = int(n), int(m), int(v)
        err = _format_error(n, m, v)
        if err:
            raise ValueError(f"invalid format {n}:{m} V={v}: {err}")
        object.__setattr__(self, "_n", n)
        object.__setattr__(self, "_m", m)
        object.__setattr__(self, "_v", v)

    def __setattr__(self, key, value):
        raise AttributeError("Format is immutable")

    n = property(lambda self: self._n)
    m = property(lambda self: self._m)
    v = property(lambda self: self._v)

    @classmethod
    def parse(cls, text):
        """'1:2 V=128' (as str() prints it) -> Format."""
        import re
        mt = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*[Vv]\s*=\s*(\d+)\s*", text)
        if not mt:
            raise ValueError(f"cannot parse format {text!r} (expected e.g. '1:2 V=128')")
        return cls(*(int(g) for g in mt.groups()))

    @property
    def density(self):
        return self._n / self._m / 2.0

    def mlir(self):
        """The #samoyeds.format attribute."""
        return f"#samoyeds.format<n = {self._n}, m = {self._m}, v = {self._v}>"

    def __str__(self):
        return f"{self._n}:{self._m} V={self._v}"

    def __repr__(self):
        return f"Format({self._n}, {self._m}, {self._v})"

    def __eq__(self, other):
        return isinstance(other, Format) and (self._n, self._m, self._v) == (
            other._n, other._m, other._v)

    def __hash__(self):
        return hash((self._n, self._m, self._v))

    def __reduce__(self):
        return (Format, (self._n, self._m, self._v))


def _as_format(fmt):
    if isinstance(fmt, Format):
        return fmt
    if isinstance(fmt, str):
        return Format.parse(fmt)
    if isinstance(fmt, (tuple, list)) and len(fmt) == 3:
        return Format(*fmt)
    raise ValueError(f"expected a Format, 'N:M V=v' or (n, m, v), got {fmt!r}")
