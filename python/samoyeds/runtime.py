"""Call a compiled MoE layer on torch CUDA tensors.

    from samoyeds.runtime import CompiledMoE
    layer = CompiledMoE(cfg, art.so)              # art = compile_layer(cfg, ...)
    y = layer(x, gate, w13, w2, ...)               # w13, w2: PackedTensors on the GPU
    y, counts = layer(x, ...)                      # a layer of MoEConfig(expert_counts=True)

The arguments are checked before anything runs (`validate_call`, which needs
no torch and works on `TensorInfo` descriptions): dtype (the layer's),
device (CUDA, one device), shape, row-major contiguity, and packed weights of
the layer's formats and shapes. Errors raise `InputError` (a ValueError;
dtype errors are `DTypeError`, also a TypeError). A run-time failure of the
generated code (reported by libsamoyeds_runtime.so's sticky error) raises
RuntimeError with the runtime's message.
"""

import ctypes
import dataclasses
import os
import threading

from . import _paths
from ._paths import ArtifactError, OptionError, SamoyedsError, parse_bool
from .format import Format, PackedTensors, storage_shapes
from .mlirgen import MoEConfig

__all__ = ["CompiledMoE", "InputError", "DTypeError", "OptionError", "ArtifactError", "TensorInfo", "PackedInfo",
           "validate_call", "describe", "load_runtime", "RUNTIME_LIB"]

RUNTIME_LIB = "libsamoyeds_runtime.so"


class InputError(SamoyedsError, ValueError):
    """An argument of a compiled layer call is not what the layer takes."""


class DTypeError(InputError, TypeError):
    """An argument has the wrong element type."""


# ---------------------------------------------------------------------------
# Descriptions of arguments (no torch needed)
# ---------------------------------------------------------------------------

DTYPE_NAMES = {"bf16": "bfloat16", "f16": "float16", "f32": "float32", "i16": "int16",
               "u16": "uint16", "i8": "int8", "u8": "uint8", "i32": "int32", "i64": "int64",
               "f64": "float64", "bool": "bool"}


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """What validate_call needs to know about a tensor: dtype ('bf16', 'f16',
    'f32', 'i16', 'i8', ...), shape, strides (elements), device type
    ('cuda', 'cpu', ...) and index, and the address of its first element
    (0: unknown, taken as aligned)."""
    dtype: str
    shape: tuple
    strides: tuple
    device_type: str = "cuda"
    device_index: int = 0
    address: int = 0

    @classmethod
    def contiguous(cls, dtype, shape, device_type="cuda", device_index=0):
        return cls(dtype, tuple(shape), row_major_strides(shape), device_type, device_index)

    @property
    def device(self):
        return (f"{self.device_type}:{self.device_index}" if self.device_index is not None
                else self.device_type)


@dataclasses.dataclass(frozen=True)
class PackedInfo:
    """A packed weight as validate_call sees it: its format, logical shape,
    element type name and the three arrays' TensorInfo."""
    fmt: Format
    shape: tuple
    dtype: str
    values: TensorInfo
    meta: TensorInfo
    rowidx: TensorInfo


# Every tensor argument of a compiled layer starts at a multiple of this many
# bytes (docs/pipeline.md, "Arguments"): the kernels read token rows and the
# gate weight with 16-byte loads and copies. torch's allocations are aligned;
# a view at an odd offset into one may not be.
ALIGNMENT = 16


def row_major_strides(shape):
    strides, running = [], 1
    for s in reversed(shape):
        strides.append(running)
        running *= max(int(s), 1)
    return tuple(reversed(strides))


def is_row_major(shape, strides):
    """True when a tensor of this shape/strides is dense row-major (strides
    of size-1 dimensions don't matter, as for torch's is_contiguous)."""
    if any(int(s) == 0 for s in shape):
        return True
    expect = row_major_strides(shape)
    return all(int(sz) == 1 or int(st) == int(ex) for sz, st, ex in zip(shape, strides, expect))


def _shape_str(shape):
    return "x".join("?" if d is None else str(d) for d in shape) if shape else "scalar"


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _check_tensor(name, info, dtypes, shape, device):
    """dtypes: accepted dtype names (first = the one named in messages);
    shape: expected, None entries free; device: (type, index) of x or None."""
    if not isinstance(info, TensorInfo):
        raise InputError(f"{name} must be a tensor, got {type(info).__name__}")
    if info.dtype not in dtypes:
        raise DTypeError(f"{name} must be {DTYPE_NAMES.get(dtypes[0], dtypes[0])}, got "
                         f"{DTYPE_NAMES.get(info.dtype, info.dtype)}")
    if len(info.shape) != len(shape) or any(
            want is not None and int(got) != want for got, want in zip(info.shape, shape)):
        raise InputError(f"{name} must be {_shape_str(shape)}, got {_shape_str(info.shape)}")
    if device is None:
        if info.device_type != "cuda":
            raise InputError(f"{name} must be a CUDA tensor, got one on {info.device}")
    elif (info.device_type, info.device_index) != device:
        raise InputError(f"{name} is on {info.device} but x is on {device[0]}:{device[1]}; "
                         "all arguments must be on one CUDA device")
    if not is_row_major(info.shape, info.strides):
        raise InputError(f"{name} must be contiguous (row-major): shape "
                         f"{_shape_str(info.shape)} has strides {tuple(info.strides)}; "
                         "call .contiguous()")
    if info.address % ALIGNMENT:
        raise InputError(f"{name} starts at address {info.address:#x}, not a multiple of "
                         f"{ALIGNMENT} bytes: the compiled kernels load {ALIGNMENT} bytes at a "
                         "time; call .clone()")


def _check_packed(name, p, cfg, fmt, shape, device, ok=None):
    if ok is not None and isinstance(p, PackedInfo) and (name, p, device) in ok:
        return
    _check_packed_uncached(name, p, cfg, fmt, shape, device)
    if ok is not None:
        if len(ok) > 256:
            ok.clear()
        ok.add((name, p, device))


def _check_packed_uncached(name, p, cfg, fmt, shape, device):
    if p is None:
        raise InputError(f"{name} is required")
    if not isinstance(p, PackedInfo):
        raise InputError(f"{name} must be a packed weight (samoyeds.format.PackedTensors), "
                         f"got {type(p).__name__}")
    if p.fmt != fmt:
        raise InputError(f"weights packed for another format: {name} is packed {p.fmt}, the "
                         f"layer was compiled for {fmt}")
    if tuple(p.shape) != tuple(shape):
        raise InputError(f"{name} must be packed {_shape_str(shape)}, got "
                         f"{_shape_str(p.shape)}")
    if p.dtype != cfg.dtype:
        raise DTypeError(f"{name} is packed as {p.dtype}, the layer was compiled for "
                         f"{cfg.dtype}")
    vs, ms, rs = storage_shapes(fmt, shape)
    _check_tensor(f"{name}.values", p.values, (cfg.dtype,), vs, device)
    _check_tensor(f"{name}.meta", p.meta, ("i16", "u16"), ms, device)
    _check_tensor(f"{name}.rowidx", p.rowidx, ("i8", "u8"), rs, device)


def validate_call(cfg, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None, out=None,
                  packed_ok=None, counts=None):
    """Checks the arguments of a layer call (TensorInfo / PackedInfo
    descriptions) against the layer `cfg`; returns T. Raises InputError
    (DTypeError for element types) naming the argument and both sizes.
    packed_ok: an optional set remembering packed weights that passed (for
    one cfg), so that repeated calls with the same weights skip their checks.
    counts: the out-parameter of a layer compiled with expert_counts (E
    int64), None to have it allocated."""
    if not isinstance(cfg, MoEConfig):
        raise TypeError(f"expected a MoEConfig, got {type(cfg).__name__}")
    h, e, t = cfg.hidden, cfg.experts, cfg.dtype
    _check_tensor("x", x, (t,), (None, h), None)
    dev = (x.device_type, x.device_index)
    tokens = int(x.shape[0])
    if tokens > cfg.max_tokens():
        raise InputError(f"x has {tokens} tokens; the layer takes at most {cfg.max_tokens()} "
                         "(its dispatch list is indexed with i32)")
    _check_tensor("gate", gate, (t,), (e, h), dev)
    shapes = cfg.weight_shapes()
    _check_packed("w13", w13, cfg, cfg.fmt13, shapes["w13"], dev, packed_ok)
    _check_packed("w2", w2, cfg, cfg.fmt2, shapes["w2"], dev, packed_ok)
    if cfg.correction_bias:
        if bias is None:
            raise InputError("the layer was compiled with a correction bias: pass bias "
                             f"(float32, {e} entries)")
        _check_tensor("bias", bias, ("f32",), (e,), dev)
    elif bias is not None:
        raise InputError("the layer was compiled without a correction bias: bias must be None")
    if cfg.shared_ffn:
        if s13 is None or s2 is None:
            raise InputError("the layer was compiled with shared experts: pass s13 and s2")
        _check_packed("s13", s13, cfg, cfg.fmt13, shapes["s13"], dev, packed_ok)
        _check_packed("s2", s2, cfg, cfg.fmt2, shapes["s2"], dev, packed_ok)
    elif s13 is not None or s2 is not None:
        raise InputError("the layer was compiled without shared experts: s13 and s2 must be "
                         "None")
    if cfg.shared_gate:
        if sg is None:
            raise InputError(f"the layer was compiled with a shared expert gate: pass sg "
                             f"({h} entries)")
        _check_tensor("sg", sg, (t,), (h,), dev)
    elif sg is not None:
        raise InputError("the layer was compiled without a shared expert gate: sg must be None")
    if out is not None:
        _check_tensor("out", out, (t,), (tokens, h), dev)
    if counts is not None:
        if not cfg.expert_counts:
            raise InputError("the layer was compiled without expert counts "
                             "(MoEConfig.expert_counts): counts must be None")
        _check_tensor("counts", counts, ("i64",), (e,), dev)
    return tokens


# ---------------------------------------------------------------------------
# torch glue
# ---------------------------------------------------------------------------


_TORCH_NAMES = None


def _torch_dtype_name(dt):
    global _TORCH_NAMES
    if _TORCH_NAMES is None:
        import torch
        names = {torch.bfloat16: "bf16", torch.float16: "f16", torch.float32: "f32",
                 torch.int16: "i16", torch.int8: "i8", torch.uint8: "u8", torch.int32: "i32",
                 torch.int64: "i64", torch.float64: "f64", torch.bool: "bool"}
        if hasattr(torch, "uint16"):
            names[torch.uint16] = "u16"
        _TORCH_NAMES = names
    name = _TORCH_NAMES.get(dt)
    return name if name is not None else str(dt).replace("torch.", "")


def describe(obj):
    """TensorInfo of a torch tensor, PackedInfo of a PackedTensors, None of
    None; anything else is returned as is (and rejected by validate_call)."""
    if obj is None:
        return None
    if isinstance(obj, PackedTensors):
        return PackedInfo(obj.fmt, tuple(obj.shape), obj.dtype, describe(obj.values),
                          describe(obj.meta), describe(obj.rowidx))
    if hasattr(obj, "stride") and hasattr(obj, "device") and hasattr(obj, "dtype"):
        return TensorInfo(_torch_dtype_name(obj.dtype), tuple(obj.shape), tuple(obj.stride()),
                          obj.device.type, obj.device.index, int(obj.data_ptr()))
    return obj


_rt = None
_rt_lock = threading.Lock()


def load_runtime(path=None):
    """Loads libsamoyeds_runtime.so once, with RTLD_GLOBAL (compiled layers
    resolve their mgpu* symbols against this instance). Search: `path`,
    $SAMOYEDS_RUNTIME_LIB, then the library directories of samoyeds._paths."""
    global _rt
    with _rt_lock:
        if _rt is not None:
            return _rt
        p = path or os.environ.get("SAMOYEDS_RUNTIME_LIB") or _paths.find_lib(RUNTIME_LIB)
        if not p:
            raise OSError(f"{RUNTIME_LIB} not found (searched {', '.join(_paths.lib_dirs())}); "
                          "set SAMOYEDS_LIB_DIR or SAMOYEDS_RUNTIME_LIB")
        lib = ctypes.CDLL(p, mode=ctypes.RTLD_GLOBAL)
        lib.samoyeds_rt_last_error.restype = ctypes.c_char_p
        lib.samoyeds_rt_last_error.argtypes = []
        lib.samoyeds_rt_clear_error.restype = ctypes.c_int
        lib.samoyeds_rt_peek_error.restype = ctypes.c_int
        lib.samoyeds_rt_set_stream.argtypes = [ctypes.c_void_p]
        lib.samoyeds_rt_set_stream.restype = None
        lib.samoyeds_rt_get_stream.restype = ctypes.c_void_p
        lib.samoyeds_rt_set_blocking.argtypes = [ctypes.c_int]
        lib.samoyeds_rt_set_blocking.restype = ctypes.c_int
        lib.samoyeds_rt_synchronize.restype = ctypes.c_int
        lib.samoyeds_rt_get_device.restype = ctypes.c_int
        lib.samoyeds_rt_init.restype = ctypes.c_int
        lib._samoyeds_path = p
        _rt = lib
        return lib


def check_library(so_path):
    """Refuses (ArtifactError) a layer library that is missing, not an ELF
    shared object, or that does not match the SHA-256 of the integrity record
    compile_layer wrote next to it (where there is one). dlopen of a
    truncated or foreign file would crash or run the wrong code."""
    so_path = os.fspath(so_path)
    try:
        with open(so_path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ArtifactError(f"cannot read the layer library {so_path}: {e}") from None
    if magic != b"\x7fELF":
        raise ArtifactError(f"{so_path} is not an ELF shared library (corrupted?)")
    record = so_path[:-3] + ".integrity.json" if so_path.endswith(".so") else None
    if record and os.path.exists(record):
        import hashlib
        import json
        try:
            with open(record) as f:
                want = json.load(f)["files"][os.path.basename(so_path)]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ArtifactError(f"unreadable integrity record {record}: {e}") from None
        h = hashlib.sha256()
        with open(so_path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() != want:
            raise ArtifactError(f"{so_path} does not match the SHA-256 of {record} "
                                f"(corrupted or replaced); recompile it")


def manifest_abi(so_path, name="moe_layer"):
    """The memref arguments (mlirgen.AbiArg, named arg0, arg1, ...) that
    `_mlir_ciface_<name>` takes, from the manifest samoyeds-compile wrote
    next to the library, <stem>.manifest.json (None when there is none or
    it does not list the function; ArtifactError when it is malformed)."""
    so_path = os.fspath(so_path)
    if not so_path.endswith(".so"):
        return None
    path = so_path[:-3] + ".manifest.json"
    import json
    from .mlirgen import manifest_entry
    try:
        with open(path) as f:
            manifest = json.load(f)
    except OSError:
        return None
    except ValueError as e:
        raise ArtifactError(f"unreadable manifest {path}: {e}") from None
    try:
        return manifest_entry(manifest, name)
    except ValueError as e:
        raise ArtifactError(f"{path}: {e}") from None


def manifest_arguments(so_path, name="moe_layer"):
    """The number of memref descriptors that `_mlir_ciface_<name>` takes,
    from the manifest (manifest_abi; None when there is none or it does
    not list the function)."""
    args = manifest_abi(so_path, name)
    return None if args is None else len(args)


def _last_error(rt):
    msg = rt.samoyeds_rt_last_error()
    return msg.decode(errors="replace") if msg else ""


class CompiledMoE:
    """A compiled MoE layer (the .so of compile_layer) callable on torch CUDA
    tensors.

    cfg: the MoEConfig it was compiled from (the argument checks use it; with
    cfg.expert_counts a call returns (y, counts), counts the E int64 numbers
    of (token, slot) pairs the layer's dispatch routed to each expert).
    so_path: the layer's shared library; name: the MLIR function name.
    device: the CUDA device to bind (default: torch's current device); the
    runtime uses one device per process. blocking: when True (default) a
    call returns with the work finished and execution errors reported; when
    False it only enqueues on torch's current stream (asynchronous, like a
    torch op; CUDA-graph capturable), and execution errors surface at the
    next synchronisation (`synchronize()`).
    """

    def __init__(self, cfg, so_path, name="moe_layer", device=None, blocking=True,
                 runtime_lib=None):
        import torch
        if not isinstance(cfg, MoEConfig):
            raise TypeError(f"expected a MoEConfig, got {type(cfg).__name__}")
        blocking = parse_bool(blocking, "blocking")
        if not isinstance(name, str) or not name.isidentifier():
            raise OptionError(f"name must be an identifier, got {name!r}")
        if not isinstance(so_path, (str, os.PathLike)):
            raise OptionError(f"so_path must be a path, got {so_path!r}")
        check_library(so_path)
        # The entry point's argument count is the ABI (a mismatch, such as a
        # layer compiled with or without expert_counts against a cfg saying
        # otherwise, would make the call read or write through garbage).
        from .mlirgen import abi_arguments, abi_mismatch
        have, want = manifest_abi(so_path, name), abi_arguments(cfg)
        if have is not None and len(have) != len(want):
            raise ArtifactError(
                f"{so_path}: _mlir_ciface_{name} takes {len(have)} memref descriptors but "
                f"the config describes {len(want)} (expert_counts={cfg.expert_counts}); was "
                f"it compiled from another config?")
        if have is not None and abi_mismatch(want, have):
            raise ArtifactError(
                f"{so_path}: _mlir_ciface_{name} does not take the config's arguments: "
                f"{abi_mismatch(want, have)}; was it compiled from another config?")
        if not torch.cuda.is_available():
            raise RuntimeError("CompiledMoE needs a CUDA device (torch.cuda.is_available() "
                               "is False)")
        self.cfg = cfg
        self.name = name
        self.blocking = bool(blocking)
        torch.cuda.init()
        if device is None:
            index = torch.cuda.current_device()
        else:
            d = torch.device(device)
            if d.type != "cuda":
                raise ValueError(f"device must be a CUDA device, got {d}")
            index = d.index if d.index is not None else torch.cuda.current_device()
        self.device = torch.device("cuda", index)
        self.rt = load_runtime(runtime_lib)
        with torch.cuda.device(self.device):
            torch.empty(1, device=self.device)   # the primary context is current
            self.rt.samoyeds_rt_clear_error()
            self.lib = ctypes.CDLL(os.path.abspath(so_path))   # loads the cubins
            rc = self.rt.samoyeds_rt_clear_error()
            if rc:
                raise RuntimeError(f"loading {so_path} failed ({rc}): {_last_error(self.rt)}")
            bound = self.rt.samoyeds_rt_get_device()
        if bound != self.device.index:
            raise RuntimeError(f"the samoyeds runtime is bound to cuda:{bound}, not "
                               f"{self.device} (one device per process)")
        entry = "_mlir_ciface_" + name
        try:
            self.fn = getattr(self.lib, entry)
        except AttributeError:
            raise RuntimeError(f"{so_path} has no entry point {entry}") from None
        self.fn.restype = None
        self._packed_ok = set()      # packed weights that passed validation
        self._desc_cache = {}        # weight descriptors by (ptr, dtype, shape, strides)

    @classmethod
    def from_artifacts(cls, cfg, art, **kw):
        """The layer of compile_layer's artifacts, after checking them against
        their integrity record (ArtifactError when they do not match)."""
        from .compiler import verify_artifacts
        problem = verify_artifacts(art)
        if problem:
            raise ArtifactError(f"artifacts {art.so[:-3]}.* cannot be used: {problem}")
        return cls(cfg, art.so, name=art.name, **kw)

    def validate(self, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None, out=None,
                 counts=None):
        """validate_call on the descriptions of torch arguments; returns T."""
        return validate_call(self.cfg, describe(x), describe(gate), describe(w13),
                             describe(w2), describe(bias), describe(s13), describe(s2),
                             describe(sg), describe(out), packed_ok=self._packed_ok,
                             counts=describe(counts))

    def _new_counts(self, x, counts):
        if counts is None and self.cfg.expert_counts:
            import torch
            counts = torch.empty((self.cfg.experts,), dtype=torch.int64, device=x.device)
        return counts

    def _weight_descriptors(self, p):
        """Descriptors of a PackedTensors' arrays, cached (weights are reused
        call after call; a descriptor only holds pointer, sizes, strides)."""
        from .memref import make_memref
        out = []
        for t in p.arrays():
            key = (t.data_ptr(), t.dtype, tuple(t.shape), tuple(t.stride()))
            d = self._desc_cache.get(key)
            if d is None:
                if len(self._desc_cache) > 256:
                    self._desc_cache.clear()
                d = make_memref(t.data_ptr(), t.shape)
                self._desc_cache[key] = d
            out.append(d)
        return out

    def __call__(self, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None, out=None,
                 counts=None):
        """y (T x hidden, the layer's dtype) = the layer on tokens x (T x hidden).
        `out`, if given, is written and returned (T x hidden, contiguous).
        With cfg.expert_counts: returns (y, counts), counts (E int64, written
        by the layer's dispatch; `counts` if given) the (token, slot) pairs
        routed to each expert."""
        import torch
        from .memref import memref_from_tensor, pointer
        tokens = self.validate(x, gate, w13, w2, bias, s13, s2, sg, out, counts)
        if x.device != self.device:
            raise InputError(f"x is on {x.device}, the layer was loaded on {self.device}")
        if out is None:
            out = torch.empty((tokens, self.cfg.hidden), dtype=x.dtype, device=x.device)
        counts = self._new_counts(x, counts)
        result = (out, counts) if counts is not None else out
        if tokens == 0:
            if counts is not None:
                counts.zero_()
            return result
        md = lambda t: memref_from_tensor(t, contiguous=True)
        descs = [md(x), md(gate), *self._weight_descriptors(w13), *self._weight_descriptors(w2)]
        if bias is not None:
            descs.append(md(bias))
        if s13 is not None:
            descs += [*self._weight_descriptors(s13), *self._weight_descriptors(s2)]
        if sg is not None:
            descs.append(md(sg))
        descs.append(md(out))
        if counts is not None:
            descs.append(md(counts))
        keep = (w13, w2, s13, s2)   # the weights stay alive through the call
        rt = self.rt
        stream = torch.cuda.current_stream(self.device).cuda_stream
        with torch.cuda.device(self.device):
            rt.samoyeds_rt_set_stream(ctypes.c_void_p(stream))
            prev = rt.samoyeds_rt_set_blocking(1 if self.blocking else 0)
            try:
                rt.samoyeds_rt_clear_error()
                self.fn(*[pointer(d) for d in descs])
                msg = _last_error(rt)
                rc = rt.samoyeds_rt_clear_error()
            finally:
                rt.samoyeds_rt_set_blocking(prev)
        del descs, keep
        if rc:
            raise RuntimeError(f"samoyeds runtime error {rc}: {msg}")
        return result

    def prepare(self, x, gate, w13, w2, bias=None, s13=None, s2=None, sg=None, out=None,
                counts=None):
        """Validates once and returns a zero-argument callable that runs the
        layer on exactly these tensors (into `out`, allocated if None;
        available as `.out`; with cfg.expert_counts also into `counts`,
        `.counts`, and it returns (out, counts)) with prebuilt memref
        descriptors: no per-call checks or allocation (for benchmarks and
        CUDA-graph capture). The tensors must stay alive and keep their
        shapes."""
        import torch
        from .memref import memref_from_tensor, pointer
        tokens = self.validate(x, gate, w13, w2, bias, s13, s2, sg, out, counts)
        if out is None:
            out = torch.empty((tokens, self.cfg.hidden), dtype=x.dtype, device=x.device)
        counts = self._new_counts(x, counts)
        result = (out, counts) if counts is not None else out
        tensors = [x, gate, *w13.arrays(), *w2.arrays()]
        if bias is not None:
            tensors.append(bias)
        if s13 is not None:
            tensors += [*s13.arrays(), *s2.arrays()]
        if sg is not None:
            tensors.append(sg)
        tensors.append(out)
        if counts is not None:
            tensors.append(counts)
        descs = [memref_from_tensor(t, contiguous=True) for t in tensors]
        ptrs = [pointer(d) for d in descs]
        rt, fn, dev, layer = self.rt, self.fn, self.device, self

        def run():
            if tokens == 0:
                if counts is not None:
                    counts.zero_()
                return result
            with torch.cuda.device(dev):
                rt.samoyeds_rt_set_stream(ctypes.c_void_p(torch.cuda.current_stream(dev).cuda_stream))
                prev = rt.samoyeds_rt_set_blocking(1 if layer.blocking else 0)
                try:
                    fn(*ptrs)
                    rc = rt.samoyeds_rt_peek_error()
                    if rc:
                        msg = _last_error(rt)
                        rt.samoyeds_rt_clear_error()
                finally:
                    rt.samoyeds_rt_set_blocking(prev)
            if rc:
                raise RuntimeError(f"samoyeds runtime error {rc}: {msg}")
            return result

        run.out = out
        run.counts = counts
        run.descriptors = descs
        return run

    def synchronize(self):
        """Synchronizes torch's current stream through the runtime; raises
        RuntimeError with an execution error of earlier asynchronous calls."""
        import torch
        rt = self.rt
        with torch.cuda.device(self.device):
            rt.samoyeds_rt_set_stream(ctypes.c_void_p(
                torch.cuda.current_stream(self.device).cuda_stream))
            rc = rt.samoyeds_rt_synchronize()
            msg = _last_error(rt)
            rt.samoyeds_rt_clear_error()
        if rc:
            raise RuntimeError(f"samoyeds runtime error {rc}: {msg}")
