"""Build MLIR memref descriptors for calling `_mlir_ciface_*` entry points
through ctypes, for torch tensors and numpy arrays. Standalone (standard
library only at import), so scripts may import it by path.

A function with `llvm.emit_c_interface` gets a wrapper
`_mlir_ciface_<name>` that takes every memref argument as a pointer to its
ranked descriptor:

    struct { T *allocated; T *aligned; int64_t offset;
             int64_t sizes[rank]; int64_t strides[rank]; }

(rank 0: only the first three fields). Offsets and strides count elements,
not bytes. Scalars (f32, index = int64, ...) are passed by value.

Usage with PyTorch (torch is imported lazily: this module itself needs only
the standard library):

    from memref import memref_from_tensor, pointer
    x = memref_from_tensor(tx)           # tx: a CUDA tensor
    lib._mlir_ciface_f(pointer(x), ctypes.c_float(2.0))

The descriptor keeps a reference to the tensor, so the memory stays alive as
long as the descriptor does; keep the descriptor alive across the call.
"""

import ctypes

__all__ = [
    "memref_type",
    "make_memref",
    "memref_from_tensor",
    "pointer",
    "memref_from_numpy",
    "MemRefError",
]


class MemRefError(ValueError):
    """A tensor cannot be described as the requested memref."""


_TYPES = {}


def memref_type(rank):
    """The ctypes Structure class of a rank-`rank` memref descriptor."""
    if rank < 0:
        raise MemRefError(f"negative rank {rank}")
    cls = _TYPES.get(rank)
    if cls is None:
        fields = [
            ("allocated", ctypes.c_void_p),
            ("aligned", ctypes.c_void_p),
            ("offset", ctypes.c_int64),
        ]
        if rank > 0:
            fields += [
                ("sizes", ctypes.c_int64 * rank),
                ("strides", ctypes.c_int64 * rank),
            ]
        cls = type(f"MemRefDescriptor{rank}D", (ctypes.Structure,),
                   {"_fields_": fields, "rank": rank})
        _TYPES[rank] = cls
    return cls


def _row_major_strides(sizes):
    strides, running = [], 1
    for s in reversed(sizes):
        strides.append(running)
        running *= max(int(s), 1)
    return list(reversed(strides))


def make_memref(ptr, sizes, strides=None, offset=0, allocated=None,
                keepalive=None):
    """A descriptor over raw memory.

    ptr: the aligned base address (int); `offset` elements are added to it by
    the generated code. strides default to row-major. `keepalive` is stored on
    the descriptor to keep the owner of the memory alive.
    """
    sizes = [int(s) for s in sizes]
    if any(s < 0 for s in sizes):
        raise MemRefError(f"negative size in {sizes}")
    strides = (_row_major_strides(sizes) if strides is None
               else [int(s) for s in strides])
    if len(strides) != len(sizes):
        raise MemRefError(f"{len(sizes)} sizes but {len(strides)} strides")
    rank = len(sizes)
    cls = memref_type(rank)
    base = [ptr if allocated is None else allocated, ptr, int(offset)]
    if rank:
        arr = ctypes.c_int64 * rank
        desc = cls(*base, arr(*sizes), arr(*strides))
    else:
        desc = cls(*base)
    desc._keepalive = keepalive
    return desc


def memref_from_tensor(tensor, *, dtype=None, rank=None, contiguous=True,
                       device="cuda"):
    """A descriptor over a torch tensor's memory (no copy).

    dtype / rank: if given, the tensor must have them (a memref type's element
    type and rank are part of the callee's signature, which ctypes can't
    check). contiguous=True (for memrefs with the default identity layout)
    requires a row-major contiguous tensor; pass False for callees whose memref
    type has a strided layout: the tensor's strides are passed as they are.
    device: "cuda" (default) requires a CUDA tensor, "cpu" a CPU tensor, None
    accepts either.

    The tensor's storage offset is folded into the aligned pointer
    (tensor.data_ptr()), so the descriptor's offset is 0.
    """
    if dtype is not None and tensor.dtype != dtype:
        raise MemRefError(f"expected dtype {dtype}, got {tensor.dtype}")
    if rank is not None and tensor.dim() != rank:
        raise MemRefError(f"expected rank {rank}, got {tensor.dim()}")
    if device is not None and tensor.device.type != device:
        raise MemRefError(f"expected a {device} tensor, got one on "
                          f"{tensor.device}")
    if contiguous and not tensor.is_contiguous():
        raise MemRefError("tensor is not contiguous (call .contiguous(), or "
                          "pass contiguous=False for a strided memref type)")
    sizes = list(tensor.shape)
    strides = (_row_major_strides(sizes) if contiguous
               else list(tensor.stride()))
    ptr = tensor.data_ptr()
    return make_memref(ptr, sizes, strides, offset=0, keepalive=tensor)


def pointer(desc):
    """The argument to pass for a memref parameter of a `_mlir_ciface_`
    function: a pointer to the descriptor."""
    return ctypes.byref(desc)


def memref_from_numpy(array, *, contiguous=True):
    """A descriptor over a numpy array's memory (no copy), e.g. for host code
    compiled for the CPU. Strides are converted from bytes to elements."""
    import numpy as np
    a = np.asarray(array)
    if contiguous and not a.flags["C_CONTIGUOUS"]:
        raise MemRefError("array is not C-contiguous (use np.ascontiguousarray)")
    item = a.itemsize
    if any(st % item for st in a.strides):
        raise MemRefError(f"strides {a.strides} are not multiples of the item size {item}")
    strides = (_row_major_strides(a.shape) if contiguous
               else [st // item for st in a.strides])
    return make_memref(a.ctypes.data, a.shape, strides, offset=0, keepalive=a)
