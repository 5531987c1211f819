"""The compiled layer call as a torch.library custom op: `samoyeds::moe_layer`.

    from samoyeds import torch_op
    torch_op.available()          # True where torch >= 2.4 (torch.library.custom_op)
    y = torch.ops.samoyeds.moe_layer(layer_id, x, gate, w13_values, w13_meta, w13_rowidx,
                                     w2_values, w2_meta, w2_rowidx, s13_values, s13_meta,
                                     s13_rowidx, s2_values, s2_meta, s2_rowidx, bias, sg)
    y, counts = torch.ops.samoyeds.moe_layer_counts(layer_id, x, ...)   # same arguments

`samoyeds::moe_layer_counts` runs a layer compiled with
MoEConfig(expert_counts=True) and also returns its per-expert token counts
(E int64, from the layer's dispatch); `moe_layer` on such a layer returns y
only. The op takes tensors only (the packed arrays one by one; the optional ones as
None) plus an int `layer_id` that indexes a process-wide registry of
CompiledMoE objects (held by weakref; `register_layer`). Its fake (meta)
kernel returns `x.new_empty(T, H)` in the layer's dtype, so torch.compile
traces SamoyedsMoE.forward without a graph break. The real kernel runs the
layer on torch's current CUDA stream; while that stream is being captured into
a CUDA graph (torch.cuda.is_current_stream_capturing()) it uses the runtime's
non-blocking mode, so no host synchronisation happens inside the call.

On older torch (Debian's 1.13) the module imports and `available()` is False.
"""

import itertools
import threading
import weakref
from typing import Optional, Tuple

import torch

__all__ = ["available", "register_layer", "register_loader", "get_layer", "unregister",
           "new_layer_id", "call_layer", "call_layer_counts", "moe_layer", "moe_layer_counts",
           "OP_NAME", "COUNTS_OP_NAME"]

OP_NAME = "samoyeds::moe_layer"
COUNTS_OP_NAME = "samoyeds::moe_layer_counts"

_lock = threading.Lock()
_ids = itertools.count(1)
_layers = {}      # id -> weakref.ref(CompiledMoE)
_loaders = {}     # id -> weakref to an object with ._compiled(device) (SamoyedsMoE)
_dtypes = {}      # id -> torch dtype of the layer (for the fake kernel)


def new_layer_id():
    """A fresh process-wide layer id."""
    with _lock:
        return next(_ids)


def register_layer(layer_id, layer, dtype=None):
    """Makes CompiledMoE `layer` callable through the op as `layer_id` (a
    weak reference: the registry does not keep the layer alive)."""
    layer_id = int(layer_id)
    with _lock:
        _layers[layer_id] = weakref.ref(layer)
        if dtype is not None:
            _dtypes[layer_id] = dtype


def register_loader(layer_id, owner, dtype=None):
    """`owner._compiled(device)` (weakly held) loads the CompiledMoE of
    `layer_id` when the op runs before the layer was loaded (a module first
    called under torch.compile)."""
    layer_id = int(layer_id)
    with _lock:
        _loaders[layer_id] = weakref.ref(owner)
        if dtype is not None:
            _dtypes[layer_id] = dtype


def unregister(layer_id):
    with _lock:
        for d in (_layers, _loaders, _dtypes):
            d.pop(int(layer_id), None)


def get_layer(layer_id, device=None):
    """The CompiledMoE registered as `layer_id` (loaded through its loader
    where it is not loaded yet, or loaded on another device); KeyError when
    there is none (never registered, or garbage-collected)."""
    layer_id = int(layer_id)
    with _lock:
        ref = _layers.get(layer_id)
        owner_ref = _loaders.get(layer_id)
    layer = ref() if ref is not None else None
    if layer is not None and (device is None or layer.device == device):
        return layer
    owner = owner_ref() if owner_ref is not None else None
    if owner is not None and device is not None:
        layer = owner._compiled(device)
        register_layer(layer_id, layer)
        return layer
    if layer is not None:
        return layer
    raise KeyError(f"no compiled samoyeds layer is registered as id {layer_id} (never "
                   "registered, or its layer was garbage-collected)")


def _packed(layer, name, values, meta, rowidx):
    from .format import PackedTensors
    if values is None:
        return None
    cfg = layer.cfg
    fmt = cfg.weight_format(name)
    return PackedTensors(fmt, cfg.weight_shapes()[name], cfg.dtype, values, meta, rowidx)


def _call(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values, w2_meta,
          w2_rowidx, s13_values, s13_meta, s13_rowidx, s2_values, s2_meta, s2_rowidx, bias, sg,
          counts):
    """The registered layer on torch's current stream, non-blocking while
    that stream is being captured: y, or (y, counts) for a layer compiled
    with expert counts. counts: whether the caller wants them (a layer
    without them is then an error)."""
    if x.device.type != "cuda":
        raise ValueError(f"hidden_states must be on a CUDA device, got {x.device}")
    layer = get_layer(layer_id, x.device)
    if counts and not layer.cfg.expert_counts:
        raise ValueError(f"the samoyeds layer {layer_id} was compiled without expert counts: "
                         "build it with MoEConfig(expert_counts=True) (SamoyedsMoE.from_hf("
                         "..., expert_counts=True))")
    args = (x, gate, _packed(layer, "w13", w13_values, w13_meta, w13_rowidx),
            _packed(layer, "w2", w2_values, w2_meta, w2_rowidx))
    kw = dict(bias=bias, s13=_packed(layer, "s13", s13_values, s13_meta, s13_rowidx),
              s2=_packed(layer, "s2", s2_values, s2_meta, s2_rowidx), sg=sg)
    if layer.blocking and torch.cuda.is_current_stream_capturing():
        # CompiledMoE.__call__ sets the runtime's blocking mode from
        # layer.blocking for each call: switch it off for this call only.
        with _lock:
            layer.blocking = False
            try:
                return layer(*args, **kw)
            finally:
                layer.blocking = True
    return layer(*args, **kw)


def call_layer(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values, w2_meta,
               w2_rowidx, s13_values=None, s13_meta=None, s13_rowidx=None, s2_values=None,
               s2_meta=None, s2_rowidx=None, bias=None, sg=None):
    """The real kernel of samoyeds::moe_layer (also the direct path where
    the op is not available): y (T x H)."""
    r = _call(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values, w2_meta,
              w2_rowidx, s13_values, s13_meta, s13_rowidx, s2_values, s2_meta, s2_rowidx,
              bias, sg, counts=False)
    return r[0] if isinstance(r, tuple) else r


def call_layer_counts(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values,
                      w2_meta, w2_rowidx, s13_values=None, s13_meta=None, s13_rowidx=None,
                      s2_values=None, s2_meta=None, s2_rowidx=None, bias=None, sg=None):
    """The real kernel of samoyeds::moe_layer_counts: (y T x H, counts E
    int64) of a layer compiled with expert counts."""
    return _call(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values, w2_meta,
                 w2_rowidx, s13_values, s13_meta, s13_rowidx, s2_values, s2_meta, s2_rowidx,
                 bias, sg, counts=True)


def _fake(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values, w2_meta,
          w2_rowidx, s13_values=None, s13_meta=None, s13_rowidx=None, s2_values=None,
          s2_meta=None, s2_rowidx=None, bias=None, sg=None):
    dt = _dtypes.get(int(layer_id), x.dtype)
    return x.new_empty((x.shape[0], x.shape[1]), dtype=dt)


def _fake_counts(layer_id, x, gate, *rest):
    return _fake(layer_id, x, gate, *rest), x.new_empty((gate.shape[0],), dtype=torch.int64)


moe_layer = None
moe_layer_counts = None
if hasattr(torch, "library") and hasattr(torch.library, "custom_op"):
    try:
        @torch.library.custom_op(OP_NAME, mutates_args=())
        def moe_layer(layer_id: int, x: torch.Tensor, gate: torch.Tensor,
                      w13_values: torch.Tensor, w13_meta: torch.Tensor,
                      w13_rowidx: torch.Tensor, w2_values: torch.Tensor,
                      w2_meta: torch.Tensor, w2_rowidx: torch.Tensor,
                      s13_values: Optional[torch.Tensor], s13_meta: Optional[torch.Tensor],
                      s13_rowidx: Optional[torch.Tensor], s2_values: Optional[torch.Tensor],
                      s2_meta: Optional[torch.Tensor], s2_rowidx: Optional[torch.Tensor],
                      bias: Optional[torch.Tensor], sg: Optional[torch.Tensor]) -> torch.Tensor:
            return call_layer(layer_id, x, gate, w13_values, w13_meta, w13_rowidx, w2_values,
                              w2_meta, w2_rowidx, s13_values, s13_meta, s13_rowidx,
                              s2_values, s2_meta, s2_rowidx, bias, sg)

        moe_layer.register_fake(_fake)

        @torch.library.custom_op(COUNTS_OP_NAME, mutates_args=())
        def moe_layer_counts(layer_id: int, x: torch.Tensor, gate: torch.Tensor,
                             w13_values: torch.Tensor, w13_meta: torch.Tensor,
                             w13_rowidx: torch.Tensor, w2_values: torch.Tensor,
                             w2_meta: torch.Tensor, w2_rowidx: torch.Tensor,
                             s13_values: Optional[torch.Tensor],
                             s13_meta: Optional[torch.Tensor],
                             s13_rowidx: Optional[torch.Tensor],
                             s2_values: Optional[torch.Tensor],
                             s2_meta: Optional[torch.Tensor],
                             s2_rowidx: Optional[torch.Tensor], bias: Optional[torch.Tensor],
                             sg: Optional[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
            return call_layer_counts(layer_id, x, gate, w13_values, w13_meta, w13_rowidx,
                                     w2_values, w2_meta, w2_rowidx, s13_values, s13_meta,
                                     s13_rowidx, s2_values, s2_meta, s2_rowidx, bias, sg)

        moe_layer_counts.register_fake(_fake_counts)
    except Exception:      # an incompatible torch.library: the direct path is used
        moe_layer = moe_layer_counts = None


_AVAILABLE = moe_layer is not None and moe_layer_counts is not None


def available():
    """True when `samoyeds::moe_layer` is registered (torch >= 2.4)."""
    return _AVAILABLE
