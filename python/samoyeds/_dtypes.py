"""bf16 <-> float32 bit conversions, as the C library does them (round to
nearest even, NaN quieted). A leaf module (numpy only)."""

import numpy as np

def f32_to_bf16_bits(x):
    """float32 array -> bf16 bit patterns (uint16), round to nearest even."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    rounded = ((u.astype(np.uint64) + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    quiet = ((u >> 16) | 0x0040).astype(np.uint16)
    return np.where(nan, quiet, rounded)


def bf16_bits_to_f32(b):
    """bf16 bit patterns (uint16 / int16) -> float32 (exact)."""
    b = np.ascontiguousarray(b).view(np.uint16)
    return (b.astype(np.uint32) << 16).view(np.float32)
