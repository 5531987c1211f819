"""MLIR text of a whole MoE layer (one `samoyeds.moe`, docs/dialect.md).

    from samoyeds.mlirgen import MoEConfig, moe_mlir
    cfg = MoEConfig.mixtral()
    text = moe_mlir(cfg)                  # func.func @moe_layer(...)

The function is

    func.func @moe_layer(%x: tensor<?xHxT>, %gate: tensor<ExHxT>,
        %w13: !samoyeds.packed<Ex2IxHxT, fmt13>, %w2: !samoyeds.packed<ExHxIxT, fmt2>
        [, %bias: tensor<Exf32>]
        [, %s13: !samoyeds.packed<2SxHxT, fmt13>, %s2: !samoyeds.packed<HxSxT, fmt2>]
        [, %sg: tensor<HxT>]) -> tensor<?xHxT> [, tensor<Exi64>]

(the second result, the per-expert token counts of the layer's dispatch,
only with cfg.expert_counts) and its compiled C entry point (after
samoyeds-expand-storage and buffer-results-to-out-params) is
`_mlir_ciface_<name>` taking, each as a pointer to a memref descriptor, the
arguments of `abi_arguments(cfg)`: x, gate, w13.values, w13.meta,
w13.rowidx, w2.values, w2.meta, w2.rowidx, [bias], [s13.values, s13.meta,
s13.rowidx, s2.values, s2.meta, s2.rowidx], [sg], out, [counts]. The
compiler records what it built in <stem>.manifest.json: `manifest_entry()`
reads it back, `abi_mismatch()` compares it with `abi_arguments(cfg)`.
"""

import dataclasses
import math
import struct

from .format import Format, _as_format, storage_shapes, verify_shape

__all__ = ["MoEConfig", "moe_mlir", "abi_arguments", "AbiArg", "DTYPES", "manifest_entry",
           "abi_mismatch"]

DTYPES = ("bf16", "f16")
SCORINGS = ("softmax", "sigmoid")


def _f32(x):
    """x rounded to float32 (as the f32 attribute stores it)."""
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def _f32_literal(x):
    """An MLIR float literal that reads back as float32(x) exactly."""
    return f"{_f32(x):.9e}"


@dataclasses.dataclass(frozen=True)
class MoEConfig:
    """A MoE layer with SwiGLU experts in packed form.

    hidden: H; ffn: I (expert intermediate size); experts: E; top_k: k;
    scoring: 'softmax' | 'sigmoid'; renormalize: divide the top-k weights by
    their sum; n_group / topk_group: group-limited selection (DeepSeek-V3);
    scaling_factor: routed weights multiplied by it; correction_bias: a
    per-expert f32 bias added to the scores for selection only;
    shared_ffn: S, the intermediate size of the shared MLP (0 = none; several
    shared experts are one MLP of the summed size); shared_gate: the shared
    output scaled by sigmoid(x . sg); fmt13 / fmt2: formats of W1|W3 and W2
    (shared weights use them too); dtype: 'bf16' | 'f16'; tile: the token
    tile of the dispatch lists; expert_counts: the compiled layer also
    returns the number of (token, slot) pairs routed to each expert (E
    int64, from its dispatch) as a last out-parameter (off: the ABI and the
    kernels of a layer without it are unchanged).
    """

    hidden: int
    ffn: int
    experts: int
    top_k: int
    scoring: str = "softmax"
    renormalize: bool = False
    n_group: int = 1
    topk_group: int = 1
    scaling_factor: float = 1.0
    correction_bias: bool = False
    shared_ffn: int = 0
    shared_gate: bool = False
    fmt13: Format = Format(1, 2, 128)
    fmt2: Format = Format(1, 2, 128)
    dtype: str = "bf16"
    tile: int = 64
    expert_counts: bool = False

    def __post_init__(self):
        object.__setattr__(self, "fmt13", _as_format(self.fmt13))
        object.__setattr__(self, "fmt2", _as_format(self.fmt2))
        self.validate()

    # -- presets -------------------------------------------------------------

    @classmethod
    def mixtral(cls, **kw):
        """Mixtral-8x7B: H 4096, I 14336, 8 experts, top-2, softmax, renormalised."""
        base = dict(hidden=4096, ffn=14336, experts=8, top_k=2, scoring="softmax",
                    renormalize=True)
        base.update(kw)
        return cls(**base)

    @classmethod
    def deepseek(cls, **kw):
        """DeepSeek-MoE-16B: H 2048, I 1408, 64 experts, top-6, softmax without
        renormalisation, 2 shared experts (one shared MLP of 2 x 1408 = 2816),
        no shared gate."""
        base = dict(hidden=2048, ffn=1408, experts=64, top_k=6, scoring="softmax",
                    renormalize=False, shared_ffn=2 * 1408, shared_gate=False)
        base.update(kw)
        return cls(**base)

    @classmethod
    def qwen(cls, **kw):
        """Qwen1.5-MoE-A2.7B / Qwen2-MoE: H 2048, I 1408, 60 experts, top-4,
        softmax without renormalisation (norm_topk_prob false), one shared
        expert of 5632 with a sigmoid shared_expert_gate."""
        base = dict(hidden=2048, ffn=1408, experts=60, top_k=4, scoring="softmax",
                    renormalize=False, shared_ffn=5632, shared_gate=True)
        base.update(kw)
        return cls(**base)

    PRESETS = ("mixtral", "deepseek", "qwen")

    @classmethod
    def preset(cls, name, **kw):
        if name not in cls.PRESETS:
            raise ValueError(f"unknown preset {name!r}; expected one of {cls.PRESETS}")
        return getattr(cls, name)(**kw)

    def replace(self, **kw):
        return dataclasses.replace(self, **kw)

    # -- checks --------------------------------------------------------------

    def validate(self):
        """Raises ValueError naming the first inconsistent setting (the checks
        of the samoyeds.moe verifier, in words)."""
        def integer(name, lo):
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, int) or x < lo:
                raise ValueError(f"MoEConfig.{name} must be an integer >= {lo}, got {x!r}")
        for name in ("hidden", "ffn", "experts", "top_k", "n_group", "topk_group", "tile"):
            integer(name, 1)
        integer("shared_ffn", 0)
        if not isinstance(self.expert_counts, bool):
            raise ValueError(f"MoEConfig.expert_counts must be a bool, got "
                             f"{self.expert_counts!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"MoEConfig.dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.scoring not in SCORINGS:
            raise ValueError(f"MoEConfig.scoring must be one of {SCORINGS}, got "
                             f"{self.scoring!r}")
        h, i, e, k = self.hidden, self.ffn, self.experts, self.top_k
        if e > 2 ** 31 - 1:
            raise ValueError(f"experts ({e}) must be at most 2147483647 (indices are i32)")
        if k > e:
            raise ValueError(f"top_k ({k}) must be in [1, experts = {e}]")
        if e % self.n_group:
            raise ValueError(f"n_group ({self.n_group}) must divide the expert count ({e})")
        if self.topk_group > self.n_group:
            raise ValueError(f"topk_group ({self.topk_group}) must be in [1, n_group = "
                             f"{self.n_group}]")
        if k > self.topk_group * (e // self.n_group):
            raise ValueError(f"top_k ({k}) exceeds the experts of the {self.topk_group} kept "
                             f"group(s) ({self.topk_group * (e // self.n_group)})")
        sf = self.scaling_factor
        if not isinstance(sf, (int, float)) or not (sf > 0) or math.isinf(sf):
            raise ValueError(f"scaling_factor must be positive and finite, got {sf!r}")
        if self.shared_gate and not self.shared_ffn:
            raise ValueError("shared_gate needs shared experts (shared_ffn > 0)")
        checks = [("w13 (experts' W1|W3)", self.fmt13, 2 * i, h),
                  ("w2 (experts' W2)", self.fmt2, h, i)]
        if self.shared_ffn:
            s = self.shared_ffn
            checks += [("s13 (shared W1|W3)", self.fmt13, 2 * s, h),
                       ("s2 (shared W2)", self.fmt2, h, s)]
        for what, fmt, r, c in checks:
            err = verify_shape(fmt, r, c)
            if err:
                raise ValueError(f"{what} is {r}x{c}, which does not fit format {fmt}: {err}")
        if e * (self.tile - 1) > 2 ** 31 - 1:
            raise ValueError(f"experts x (tile - 1) = {e * (self.tile - 1)} exceeds 2147483647")

    # -- derived -------------------------------------------------------------

    @property
    def mlir_type(self):
        return self.dtype

    def weight_shapes(self):
        """Logical shapes of the packed weights: dict name -> shape."""
        h, i, e = self.hidden, self.ffn, self.experts
        d = {"w13": (e, 2 * i, h), "w2": (e, h, i)}
        if self.shared_ffn:
            d["s13"] = (2 * self.shared_ffn, h)
            d["s2"] = (h, self.shared_ffn)
        return d

    def weight_format(self, name):
        return self.fmt13 if name in ("w13", "s13") else self.fmt2

    def max_tokens(self):
        """The largest T whose dispatch list T*k + E*(tile-1) fits in i32."""
        return (2 ** 31 - 1 - self.experts * (self.tile - 1)) // self.top_k

    def describe(self):
        parts = [f"H={self.hidden}", f"I={self.ffn}", f"E={self.experts}", f"top-{self.top_k}",
                 self.scoring]
        if self.renormalize:
            parts.append("renorm")
        if self.n_group > 1:
            parts.append(f"groups {self.topk_group}/{self.n_group}")
        if self.scaling_factor != 1.0:
            parts.append(f"x{self.scaling_factor:g}")
        if self.correction_bias:
            parts.append("bias")
        if self.shared_ffn:
            parts.append(f"shared S={self.shared_ffn}" + (" gated" if self.shared_gate else ""))
        parts += [self.dtype, f"w13 {self.fmt13}", f"w2 {self.fmt2}", f"tile {self.tile}"]
        if self.expert_counts:
            parts.append("expert counts")
        return ", ".join(parts)


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def _tensor(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def _packed(shape, elt, fmt):
    return "!samoyeds.packed<" + "".join(f"{d}x" for d in shape) + f"{elt}, {fmt.mlir()}>"


def _attrs(cfg):
    a = [f"top_k = {cfg.top_k}"]
    if cfg.scoring != "softmax":
        a.append(f"scoring = #samoyeds.scoring<{cfg.scoring}>")
    if cfg.renormalize:
        a.append("renormalize")
    if cfg.n_group != 1:
        a.append(f"n_group = {cfg.n_group}")
    if cfg.topk_group != 1:
        a.append(f"topk_group = {cfg.topk_group}")
    if _f32(cfg.scaling_factor) != 1.0:
        a.append(f"scaling_factor = {_f32_literal(cfg.scaling_factor)} : f32")
    a.append(f"tile = {cfg.tile}")
    return a


def _check_name(name):
    import re
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"function name {name!r} must be a C identifier")


def moe_mlir(cfg, name="moe_layer"):
    """The MLIR text (a module with one func.func) of the layer `cfg`."""
    if not isinstance(cfg, MoEConfig):
        raise TypeError(f"expected a MoEConfig, got {type(cfg).__name__}")
    _check_name(name)
    cfg.validate()
    t, h, e = cfg.dtype, cfg.hidden, cfg.experts
    shapes = cfg.weight_shapes()
    xt = _tensor(["?", h], t)
    gt = _tensor([e, h], t)
    w13t = _packed(shapes["w13"], t, cfg.fmt13)
    w2t = _packed(shapes["w2"], t, cfg.fmt2)
    args = [f"%x: {xt}", f"%gate: {gt}", f"%w13: {w13t}", f"%w2: {w2t}"]
    extra = ""
    if cfg.correction_bias:
        bt = _tensor([e], "f32")
        args.append(f"%bias: {bt}")
        extra += f" bias(%bias : {bt})"
    if cfg.shared_ffn:
        s13t = _packed(shapes["s13"], t, cfg.fmt13)
        s2t = _packed(shapes["s2"], t, cfg.fmt2)
        args += [f"%s13: {s13t}", f"%s2: {s2t}"]
        extra += f"\n      shared(%s13, %s2 : {s13t},\n             {s2t})"
        if cfg.shared_gate:
            sgt = _tensor([h], t)
            args.append(f"%sg: {sgt}")
            extra += f"\n      shared_gate(%sg : {sgt})"
    attrs = ", ".join(_attrs(cfg))
    head = ",\n    ".join(args)
    # The results: y, and with expert_counts the counts of the dispatch.
    vals, types = "%y", xt
    if cfg.expert_counts:
        vals, types = "%y, %counts", f"{xt}, {_tensor([e], 'i64')}"
    fres = f"({types})" if cfg.expert_counts else types
    return (f"// samoyeds.moe layer: {cfg.describe()}\n"
            f"module {{\n"
            f"  func.func @{name}(\n    {head})\n      -> {fres} {{\n"
            f"    {vals} = samoyeds.moe %x, %gate, %w13, %w2{extra}\n"
            f"      {{{attrs}}}\n"
            f"      : {xt}, {gt},\n        {w13t},\n        {w2t}\n      -> {types}\n"
            f"    return {vals} : {types}\n"
            f"  }}\n"
            f"}}\n")


# ---------------------------------------------------------------------------
# The C ABI of the compiled entry point
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AbiArg:
    """One memref argument of _mlir_ciface_<name>: `name` (e.g. 'w13.meta'),
    element type ('bf16', 'f16', 'f32', 'i16', 'i8', 'i64'), shape (None
    for the dynamic token dimension) and kind ('input', or 'out' for an
    out-parameter the layer writes)."""
    name: str
    elt: str
    shape: tuple
    kind: str = "input"


def abi_arguments(cfg):
    """The memref arguments of the compiled entry point, in order: the
    inputs, then the out-parameters out (and counts with cfg.expert_counts)."""
    t, h, e = cfg.dtype, cfg.hidden, cfg.experts
    out = [AbiArg("x", t, (None, h)), AbiArg("gate", t, (e, h))]
    shapes = cfg.weight_shapes()

    def packed(wname):
        vs, ms, rs = storage_shapes(cfg.weight_format(wname), shapes[wname])
        return [AbiArg(f"{wname}.values", t, vs), AbiArg(f"{wname}.meta", "i16", ms),
                AbiArg(f"{wname}.rowidx", "i8", rs)]

    out += packed("w13") + packed("w2")
    if cfg.correction_bias:
        out.append(AbiArg("bias", "f32", (e,)))
    if cfg.shared_ffn:
        out += packed("s13") + packed("s2")
        if cfg.shared_gate:
            out.append(AbiArg("sg", t, (h,)))
    out.append(AbiArg("out", t, (None, h), "out"))
    if cfg.expert_counts:
        out.append(AbiArg("counts", "i64", (e,), "out"))
    return out


def manifest_entry(manifest, name="moe_layer"):
    """The arguments of the entry point `name` in a manifest samoyeds-compile
    wrote (<stem>.manifest.json, parsed: docs/pipeline.md), as AbiArgs named
    arg0, arg1, ... (the compiler sees types, not names); None when the
    manifest does not list the function. ValueError when it is malformed."""
    try:
        funcs = manifest["functions"]
        fn = next((f for f in funcs if f["name"] == name), None)
        if fn is None:
            return None
        out = []
        for i, a in enumerate(fn["arguments"]):
            if "shape" not in a:
                raise ValueError(f"argument {i} of {name} is not a memref ({a.get('type')})")
            shape = tuple(None if d is None else int(d) for d in a["shape"])
            if len(shape) != a["rank"] or a["kind"] not in ("input", "out"):
                raise ValueError(f"argument {i} of {name} is malformed: {a}")
            out.append(AbiArg(f"arg{i}", str(a["element_type"]), shape, a["kind"]))
        return out
    except (KeyError, TypeError) as e:
        raise ValueError(f"malformed manifest: {e!r}") from None


def abi_mismatch(want, have):
    """"" when the compiled arguments `have` (manifest_entry) are the ABI
    `want` (abi_arguments) in element type, shape and kind, argument by
    argument; else what differs first."""
    if len(have) != len(want):
        return f"{len(have)} arguments, the config describes {len(want)}"
    for w, h in zip(want, have):
        if (w.elt, tuple(w.shape), w.kind) != (h.elt, tuple(h.shape), h.kind):
            shape = lambda a: "x".join("?" if d is None else str(d) for d in a.shape)
            return (f"argument {w.name} ({h.name}) is {h.kind} {shape(h)}x{h.elt}, the "
                    f"config describes {w.kind} {shape(w)}x{w.elt}")
    return ""
