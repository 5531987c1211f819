"""SamoyedsMoE: a torch.nn.Module running a compiled Samoyeds MoE layer.

    from samoyeds.layer import SamoyedsMoE
    moe = SamoyedsMoE.from_hf(block, fmt=Format(1, 2, 128))   # prunes + packs + compiles
    y = moe(hidden_states)                                    # [..., H] -> [..., H]
    moe = SamoyedsMoE.from_hf(block, expert_counts=True)      # the layer also counts
    y, counts = moe(hidden_states, return_expert_counts=True) # counts: E int64, its dispatch's

`from_hf` reads a HuggingFace MoE block by duck typing (transformers itself
is never imported): Mixtral (gate + experts[i].w1/w3/w2, or the 3-D
experts.gate_up_proj / down_proj of newer versions), Qwen2-MoE (experts[i].
gate_proj/up_proj/down_proj, shared_expert, shared_expert_gate,
norm_topk_prob) and DeepSeek (gate.weight, gate.e_score_correction_bias,
n_group / topk_group / routed_scaling_factor / norm_topk_prob / scoring_func
from the block, its gate or their config; shared_experts).
"""

import collections
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import torch_op
from .format import Format, Packed, PackedTensors, _as_format, pack_torch
from .mlirgen import MoEConfig
from .runtime import ALIGNMENT

__all__ = ["SamoyedsMoE", "hf_settings", "extract_hf"]

_TORCH_DT = {"bf16": torch.bfloat16, "f16": torch.float16}
_NAME_DT = {torch.bfloat16: "bf16", torch.float16: "f16"}


# ---------------------------------------------------------------------------
# Reading HF blocks (duck typing)
# ---------------------------------------------------------------------------


def _sources(block):
    """Objects whose attributes describe the block, in priority order."""
    gate = getattr(block, "gate", None)
    out = [block, gate, getattr(block, "config", None), getattr(gate, "config", None)]
    return [o for o in out if o is not None]


def _find(block, *names, default=None):
    for src in _sources(block):
        for n in names:
            if hasattr(src, n):
                val = getattr(src, n)
                if val is not None:
                    return val
    return default


def _weight(mod):
    """The weight tensor of a Linear-like module or a bare tensor/parameter."""
    if isinstance(mod, torch.Tensor):
        return mod
    w = getattr(mod, "weight", None)
    if not isinstance(w, torch.Tensor):
        raise ValueError(f"expected a Linear-like module with .weight, got {type(mod).__name__}")
    if getattr(mod, "bias", None) is not None:
        raise ValueError(f"{type(mod).__name__} has a bias; Samoyeds experts take none")
    return w


def _mlp_weights(mlp, what):
    """(W1, W3, W2) of a SwiGLU MLP module (w1/w3/w2 or gate/up/down_proj)."""
    if all(hasattr(mlp, a) for a in ("w1", "w3", "w2")):
        return _weight(mlp.w1), _weight(mlp.w3), _weight(mlp.w2)
    if all(hasattr(mlp, a) for a in ("gate_proj", "up_proj", "down_proj")):
        return _weight(mlp.gate_proj), _weight(mlp.up_proj), _weight(mlp.down_proj)
    raise ValueError(f"{what} ({type(mlp).__name__}) has neither w1/w3/w2 nor "
                     "gate_proj/up_proj/down_proj")


def _shared_mlp(block):
    for name in ("shared_expert", "shared_experts"):
        mod = getattr(block, name, None)
        if mod is not None:
            return mod
    return None


def hf_settings(block):
    """The routing settings of a HF MoE block (pure attribute reading):
    dict(top_k, experts, scoring, renormalize, n_group, topk_group,
    scaling_factor, has_bias, has_shared, shared_gate, kind)."""
    experts = getattr(block, "experts", None)
    if experts is None:
        raise ValueError(f"{type(block).__name__} has no .experts: not a MoE block")
    gate = getattr(block, "gate", None)
    if gate is None:
        raise ValueError(f"{type(block).__name__} has no .gate (the router)")
    if hasattr(experts, "gate_up_proj"):
        n_exp = int(experts.gate_up_proj.shape[0])
        first = experts
    else:
        n_exp = len(experts)
        first = experts[0] if n_exp else None
    top_k = _find(block, "top_k", "num_experts_per_tok")
    if top_k is None:
        raise ValueError(f"{type(block).__name__}: cannot find top_k / num_experts_per_tok")
    act = _find(block, "hidden_act")
    if act is not None and str(act) not in ("silu", "swish"):
        raise ValueError(f"activation {act!r} is not supported (SwiGLU experts with silu only)")
    bias = getattr(gate, "e_score_correction_bias", None)
    has_bias = isinstance(bias, torch.Tensor) or (bias is not None and hasattr(bias, "shape"))
    scoring = _find(block, "scoring_func")
    if scoring is None:
        scoring = "sigmoid" if has_bias else "softmax"
    if scoring not in ("softmax", "sigmoid"):
        raise ValueError(f"scoring function {scoring!r} is not supported")
    method = _find(block, "topk_method")
    n_group = int(_find(block, "n_group", "num_group", default=1) or 1)
    topk_group = int(_find(block, "topk_group", default=1) or 1)
    if method == "greedy":
        n_group, topk_group = 1, 1
    elif method == "group_limited_greedy" and n_group > 1:
        raise ValueError("topk_method 'group_limited_greedy' (DeepSeek-V2: groups scored by "
                         "their maximum) is not supported; samoyeds.route scores a group by "
                         "the sum of its top 2")
    norm = _find(block, "norm_topk_prob")
    is_mixtral = first is not None and (hasattr(first, "w1") or (
        hasattr(experts, "gate_up_proj") and norm is None and not has_bias))
    renormalize = bool(norm) if norm is not None else bool(is_mixtral)
    scaling = float(_find(block, "routed_scaling_factor", default=1.0) or 1.0)
    shared = _shared_mlp(block)
    sgate = getattr(block, "shared_expert_gate", None)
    kind = ("mixtral" if is_mixtral else "qwen2_moe" if sgate is not None
            else "deepseek" if shared is not None or has_bias else "generic")
    return dict(top_k=int(top_k), experts=n_exp, scoring=scoring, renormalize=renormalize,
                n_group=n_group, topk_group=topk_group, scaling_factor=scaling,
                has_bias=has_bias, has_shared=shared is not None,
                shared_gate=sgate is not None, kind=kind)


def extract_hf(block):
    """Weights and settings of a HF MoE block: dict(settings, gate E x H,
    w13 E x 2I x H, w2 E x H x I, bias, s13 2S x H, s2 H x S, sg H) as torch
    tensors (detached, on the block's device)."""
    st = hf_settings(block)
    experts = block.experts
    gate = _weight(block.gate).detach()
    if hasattr(experts, "gate_up_proj"):
        gu = experts.gate_up_proj.detach()
        dn = experts.down_proj.detach()
        h = gate.shape[1]
        if getattr(experts, "is_transposed", False) or (gu.shape[1] == h and gu.shape[2] != h):
            gu, dn = gu.transpose(1, 2), dn.transpose(1, 2)
        if getattr(experts, "is_concatenated", True) is False:
            raise ValueError("interleaved gate/up projections (is_concatenated=False) are not "
                             "supported")
        w13, w2 = gu.contiguous(), dn.contiguous()
    else:
        w1s, w3s, w2s = zip(*(_mlp_weights(m, f"experts[{i}]") for i, m in enumerate(experts)))
        w13 = torch.stack([torch.cat([a.detach(), b.detach()], 0) for a, b in zip(w1s, w3s)])
        w2 = torch.stack([c.detach() for c in w2s])
    out = dict(settings=st, gate=gate, w13=w13, w2=w2, bias=None, s13=None, s2=None, sg=None)
    if st["has_bias"]:
        out["bias"] = block.gate.e_score_correction_bias.detach().float()
    shared = _shared_mlp(block)
    if shared is not None:
        a, b, c = _mlp_weights(shared, "the shared expert")
        out["s13"] = torch.cat([a.detach(), b.detach()], 0)
        out["s2"] = c.detach()
    if st["shared_gate"]:
        sgw = _weight(block.shared_expert_gate).detach()
        if sgw.shape[0] != 1:
            raise ValueError(f"shared_expert_gate must map hidden -> 1, got weight "
                             f"{tuple(sgw.shape)}")
        out["sg"] = sgw[0]
    if w13.shape[0] != gate.shape[0]:
        raise ValueError(f"the gate has {gate.shape[0]} experts but there are {w13.shape[0]} "
                         "expert MLPs")
    return out


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------


def _compiling():
    """True while torch.compile (dynamo) traces."""
    comp = getattr(torch, "compiler", None)
    if comp is not None and hasattr(comp, "is_compiling"):
        return bool(comp.is_compiling())
    dyn = getattr(torch, "_dynamo", None)
    return bool(dyn is not None and hasattr(dyn, "is_compiling") and dyn.is_compiling())


def _default_cache_dir():
    return os.environ.get("SAMOYEDS_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "samoyeds")


class SamoyedsMoE(nn.Module):
    """A compiled Samoyeds MoE layer holding its packed weights as buffers.

    cfg: MoEConfig; gate: E x H tensor; w13, w2 (and s13, s2): host `Packed`
    weights (see samoyeds.format.pack) of the config's shapes and formats;
    bias: E float32 (with cfg.correction_bias); sg: H (with cfg.shared_gate).
    compiled: CompiledArtifacts (samoyeds.compiler.compile_layer) or the path
    of a compiled .so; None compiles into cache_dir (default
    $SAMOYEDS_CACHE_DIR or ~/.cache/samoyeds) for `chip`.
    return_router_logits: forward returns (y, router_logits) like HF
    Mixtral / Qwen2-MoE blocks of transformers 4.x.
    cfg.expert_counts: the compiled layer also returns the per-expert token
    counts of its dispatch: forward(..., return_expert_counts=True) and
    add_expert_counts_hook use them (a layer without them refuses both).
    """

    def __init__(self, cfg, gate, w13, w2, bias=None, s13=None, s2=None, sg=None,
                 compiled=None, chip="sm_90a", cache_dir=None, blocking=True,
                 return_router_logits=False):
        super().__init__()
        if not isinstance(cfg, MoEConfig):
            raise TypeError(f"expected a MoEConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        self.chip = chip
        self.cache_dir = cache_dir or _default_cache_dir()
        self.blocking = blocking
        self.return_router_logits = return_router_logits
        dt = _TORCH_DT[cfg.dtype]
        self._compiled_spec = compiled
        self._layer = None
        self._packed_meta = {}
        # the id of this layer in the registry of the samoyeds::moe_layer op
        self._op_id = torch_op.new_layer_id()
        torch_op.register_loader(self._op_id, self, dt)
        gate = torch.as_tensor(gate)
        if tuple(gate.shape) != (cfg.experts, cfg.hidden):
            raise ValueError(f"gate must be {cfg.experts}x{cfg.hidden}, got "
                             f"{'x'.join(map(str, gate.shape))}")
        self.register_buffer("gate_weight", gate.detach().to(dt).contiguous())
        shapes = cfg.weight_shapes()
        for name, p in (("w13", w13), ("w2", w2), ("s13", s13), ("s2", s2)):
            if name not in shapes:
                if p is not None:
                    raise ValueError(f"{name} given but the config has no shared experts")
                continue
            if p is None:
                raise ValueError(f"{name} is required by the config")
            if isinstance(p, PackedTensors):
                p = p.to_host()
            if not isinstance(p, Packed):
                raise TypeError(f"{name} must be a samoyeds.format.Packed, got "
                                f"{type(p).__name__}")
            fmt = cfg.weight_format(name)
            if p.fmt != fmt:
                raise ValueError(f"weights packed for another format: {name} is packed "
                                 f"{p.fmt}, the config says {fmt}")
            if tuple(p.shape) != tuple(shapes[name]):
                raise ValueError(f"{name} must be packed {'x'.join(map(str, shapes[name]))}, "
                                 f"got {'x'.join(map(str, p.shape))}")
            pt = p.to_torch("cpu", dtype=cfg.dtype)
            self.register_buffer(f"{name}_values", pt.values)
            self.register_buffer(f"{name}_meta", pt.meta)
            self.register_buffer(f"{name}_rowidx", pt.rowidx)
            self._packed_meta[name] = (p.fmt, tuple(p.shape))
        if cfg.correction_bias:
            if bias is None:
                raise ValueError("the config has a correction bias: pass bias")
            self.register_buffer("bias", torch.as_tensor(bias).detach().float().reshape(-1))
        else:
            self.bias = None
        if cfg.shared_gate:
            if sg is None:
                raise ValueError("the config has a shared expert gate: pass sg")
            self.register_buffer("shared_gate", torch.as_tensor(sg).detach().to(dt).reshape(-1))
        else:
            self.shared_gate = None
        # the buffer names of the packed arrays in the op's argument order
        self._op_names = tuple(f"{n}_{part}" if n in self._packed_meta else None
                               for n in ("w13", "w2", "s13", "s2")
                               for part in ("values", "meta", "rowidx"))
        # add_expert_counts_hook: handle id -> fn(module, counts); an
        # OrderedDict, as torch's own hook dicts (RemovableHandle refers to it
        # weakly)
        self._counts_hooks = collections.OrderedDict()

    # -- construction from HF --------------------------------------------------

    @classmethod
    def from_hf(cls, block, fmt=Format(1, 2, 128), fmt2=None, chip="sm_90a", dtype=None,
                tile=64, compiled=None, cache_dir=None, device=None, threads=None,
                return_router_logits=False, blocking=True, expert_counts=False):
        """Prunes and packs the expert weights of a HF MoE block (Mixtral,
        Qwen2-MoE, DeepSeek; see the module docstring) to `fmt` (W1|W3 and the
        shared W1|W3) and `fmt2` (W2; default `fmt`), compiles the layer and
        returns the module on `device` (default: the block's device if CUDA,
        else the current CUDA device). dtype: 'bf16' / 'f16' (default: the
        block's weight dtype; float32 blocks need it). expert_counts: compile
        the layer with its per-expert token counts (MoEConfig.expert_counts)."""
        ex = extract_hf(block)
        st = ex["settings"]
        if dtype is None:
            dtype = _NAME_DT.get(ex["w13"].dtype)
            if dtype is None:
                raise ValueError(f"the block's weights are {ex['w13'].dtype}: pass "
                                 "dtype='bf16' or 'f16'")
        tdt = _TORCH_DT[dtype]
        fmt = _as_format(fmt)
        fmt2 = _as_format(fmt2) if fmt2 is not None else fmt
        w13, w2 = ex["w13"], ex["w2"]
        e, i2, h = w13.shape
        shared_ffn = ex["s13"].shape[0] // 2 if ex["s13"] is not None else 0
        cfg = MoEConfig(hidden=int(h), ffn=int(i2 // 2), experts=int(e), top_k=st["top_k"],
                        scoring=st["scoring"], renormalize=st["renormalize"],
                        n_group=st["n_group"], topk_group=st["topk_group"],
                        scaling_factor=st["scaling_factor"], correction_bias=st["has_bias"],
                        shared_ffn=int(shared_ffn), shared_gate=st["shared_gate"],
                        fmt13=fmt, fmt2=fmt2, dtype=dtype, tile=tile,
                        expert_counts=bool(expert_counts))
        pk = lambda t, f: pack_torch(t.to(tdt), f, threads=threads)
        p13, p2 = pk(w13, fmt), pk(w2, fmt2)
        ps13 = pk(ex["s13"], fmt) if shared_ffn else None
        ps2 = pk(ex["s2"], fmt2) if shared_ffn else None
        mod = cls(cfg, ex["gate"], p13, p2, bias=ex["bias"], s13=ps13, s2=ps2, sg=ex["sg"],
                  compiled=compiled, chip=chip, cache_dir=cache_dir, blocking=blocking,
                  return_router_logits=return_router_logits)
        if device is None:
            device = w13.device if w13.device.type == "cuda" else (
                torch.device("cuda", torch.cuda.current_device())
                if torch.cuda.is_available() else torch.device("cpu"))
        return mod.to(device)

    # -- packed weights as PackedTensors ---------------------------------------

    def packed(self, name):
        """The PackedTensors of w13 / w2 / s13 / s2 (views of the buffers)."""
        if name not in self._packed_meta:
            return None
        fmt, shape = self._packed_meta[name]
        return PackedTensors(fmt, shape, self.cfg.dtype, getattr(self, f"{name}_values"),
                             getattr(self, f"{name}_meta"), getattr(self, f"{name}_rowidx"))

    def packed_nbytes(self):
        return sum(self.packed(n).nbytes() for n in self._packed_meta)

    def _compiled(self, device):
        if self._layer is not None and self._layer.device == device:
            return self._layer
        from .runtime import CompiledMoE
        spec = self._compiled_spec
        if spec is None:
            from .compiler import compile_layer
            spec = compile_layer(self.cfg, self.cache_dir, chip=self.chip)
            self._compiled_spec = spec
        if isinstance(spec, (str, os.PathLike)):
            self._layer = CompiledMoE(self.cfg, os.fspath(spec), device=device,
                                      blocking=self.blocking)
        else:
            self._layer = CompiledMoE.from_artifacts(self.cfg, spec, device=device,
                                                     blocking=self.blocking)
        torch_op.register_layer(self._op_id, self._layer, _TORCH_DT[self.cfg.dtype])
        return self._layer

    # -- dtype-preserving module casts -----------------------------------------

    def _apply(self, fn, *args, **kwargs):
        """Module casts (.half(), .to(dtype), .float(), ...) change only the
        device of this layer's buffers: the packed values and the gate stay
        the layer's dtype, meta int16, rowidx int8, the bias float32 (the
        compiled layer takes exactly these). Other functions (.cuda(),
        .to(device), .share_memory(), ...) apply as usual."""
        def keep_dtype(t):
            probe = fn(torch.empty(0, dtype=t.dtype, device=t.device))
            if isinstance(probe, torch.Tensor) and probe.dtype != t.dtype:
                return t.to(device=probe.device)
            return fn(t)
        return super()._apply(keep_dtype, *args, **kwargs)

    def _op_tensors(self):
        """The tensor arguments of samoyeds::moe_layer after x: gate, the
        packed arrays of w13, w2, s13, s2 (None where absent), bias, sg."""
        names = self._op_names   # constant attribute names (simple for torch.compile)
        return ([self.gate_weight] + [None if n is None else getattr(self, n) for n in names]
                + [self.bias, self.shared_gate])

    def _args(self):
        return dict(bias=self.bias, s13=self.packed("s13"), s2=self.packed("s2"),
                    sg=self.shared_gate)

    @torch.no_grad()
    def reference_expert_counts(self, hidden_states):
        """The test reference of the counts: tokens routed to each expert (E
        int64) for hidden_states [..., H], computed in float32 torch from the
        layer's routing (gate, bias, route attributes;
        samoyeds.torch_ref.route_torch). The compiled layer's own counts
        (forward(..., return_expert_counts=True)) agree except where a token's
        top-k selection is a near-tie."""
        from .torch_ref import route_torch
        x = hidden_states.reshape(-1, self.cfg.hidden)
        logits = F.linear(x.float(), self.gate_weight.float())
        _, ids, _ = route_torch(logits, self.cfg, self.bias)
        return torch.bincount(ids.reshape(-1), minlength=self.cfg.experts)

    def _need_counts(self, what):
        if not self.cfg.expert_counts:
            raise ValueError(f"{what} needs a layer compiled with expert counts: build it "
                             "with MoEConfig(expert_counts=True) or SamoyedsMoE.from_hf(..., "
                             "expert_counts=True)")

    def add_expert_counts_hook(self, fn):
        """Calls fn(module, counts) after every forward with the per-expert
        token counts of that call (E int64 on the layer's device, from the
        compiled layer's dispatch), whether forward returns them or not
        (samoyeds.balance.LoadMonitor uses this). Returns a handle whose
        .remove() unregisters fn (torch's RemovableHandle, as for module
        hooks)."""
        from torch.utils.hooks import RemovableHandle
        self._need_counts("add_expert_counts_hook")
        handle = RemovableHandle(self._counts_hooks)
        self._counts_hooks[handle.id] = fn
        return handle

    def forward(self, hidden_states, return_router_logits=None, return_expert_counts=None):
        """hidden_states [..., H] -> [..., H] (the layer's dtype; leading
        dimensions are flattened into tokens). With return_router_logits,
        also the T x E router logits (x . gate^T in the input dtype, as HF).
        With return_expert_counts (or the module attribute of that name), the
        per-expert token counts come last: E int64 on the layer's device, the
        number of (token, slot) pairs the compiled layer's dispatch routed to
        each expert (the layer must be compiled with cfg.expert_counts)."""
        h = self.cfg.hidden
        rec = (getattr(self, "return_expert_counts", False) if return_expert_counts is None
               else return_expert_counts)
        if rec:
            self._need_counts("return_expert_counts")
        want_counts = bool(rec) or bool(self._counts_hooks)
        if hidden_states.shape[-1] != h:
            raise ValueError(f"hidden_states must be [..., {h}], got "
                             f"{list(hidden_states.shape)}")
        lead = hidden_states.shape[:-1]
        x = hidden_states.reshape(-1, h)
        if not x.is_contiguous():
            x = x.contiguous()
        elif not _compiling() and x.data_ptr() % ALIGNMENT:
            # a view at an odd offset: the compiled layer refuses it
            # (runtime.ALIGNMENT); a module, like HF's, takes any tensor
            x = x.clone()
        if x.device.type != "cuda":
            raise ValueError(f"hidden_states must be on a CUDA device, got {x.device}")
        if not _compiling():
            self._compiled(x.device)      # loads the layer and registers it for the op
        counts = None
        if torch_op.available():
            # the custom ops (their fake kernels let torch.compile trace
            # through); run on the current stream, non-blocking while
            # capturing a graph
            if want_counts:
                y, counts = torch.ops.samoyeds.moe_layer_counts(self._op_id, x,
                                                                *self._op_tensors())
            else:
                y = torch.ops.samoyeds.moe_layer(self._op_id, x, *self._op_tensors())
        elif want_counts:
            y, counts = torch_op.call_layer_counts(self._op_id, x, *self._op_tensors())
        else:
            y = torch_op.call_layer(self._op_id, x, *self._op_tensors())
        for fn in list(self._counts_hooks.values()):
            fn(self, counts)
        y = y.reshape(*lead, h)
        rrl = self.return_router_logits if return_router_logits is None else return_router_logits
        out = (y,)
        if rrl:
            out += (F.linear(x, self.gate_weight.to(x.dtype)),)
        if rec:
            out += (counts,)
        return out if len(out) > 1 else y

    @torch.no_grad()
    def reference(self, hidden_states, h_round=False):
        """The same pruned layer in float32 torch (unpacked weights, routing in
        float32 from the same inputs); returns float32 [..., H]. h_round:
        round the SwiGLU product to the layer's dtype as the compiled code
        does."""
        from .torch_ref import moe_torch, unpack_torch
        h = self.cfg.hidden
        lead = hidden_states.shape[:-1]
        x = hidden_states.reshape(-1, h)
        dense = {n: unpack_torch(self.packed(n), torch.float32) for n in self._packed_meta}
        y, _ = moe_torch(self.cfg, x, self.gate_weight, dense["w13"], dense["w2"],
                         bias=self.bias, s13=dense.get("s13"), s2=dense.get("s2"),
                         sg=self.shared_gate, compute_dtype=torch.float32,
                         h_round=_TORCH_DT[self.cfg.dtype] if h_round else None)
        return y.reshape(*lead, h)

    def extra_repr(self):
        return f"{self.cfg.describe()}, packed {self.packed_nbytes() / 2**20:.1f} MiB"

