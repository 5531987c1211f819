"""samoyeds.mlirgen: configs and presets, the generated MLIR parses and
verifies, its expanded signature is the documented ABI, and a tiny layer
runs through samoyeds-cpu-pipeline | mlir-runner against numpy references."""

import re
import subprocess

import numpy as np
import pytest

from samoyeds.format import Format, f32_to_bf16_bits, pack
from samoyeds.mlirgen import AbiArg, MoEConfig, abi_arguments, moe_mlir
from samoyeds.reference import moe_reference, route


def run_opt(opt, text, *flags, tmp_path, name="layer"):
    path = tmp_path / f"{name}.mlir"
    path.write_text(text)
    return subprocess.run([opt, str(path), *flags], capture_output=True, text=True)


# ---------------------------------------------------------------------------
# Configs
# ---------------------------------------------------------------------------


def test_presets():
    m = MoEConfig.mixtral()
    assert (m.hidden, m.ffn, m.experts, m.top_k, m.scoring, m.renormalize) == \
        (4096, 14336, 8, 2, "softmax", True)
    assert m.shared_ffn == 0 and m.fmt13 == Format(1, 2, 128) and m.dtype == "bf16"
    d = MoEConfig.deepseek()
    assert (d.hidden, d.ffn, d.experts, d.top_k, d.renormalize, d.shared_ffn, d.shared_gate) == \
        (2048, 1408, 64, 6, False, 2816, False)
    q = MoEConfig.qwen()
    assert (q.hidden, q.ffn, q.experts, q.top_k, q.renormalize, q.shared_ffn, q.shared_gate) == \
        (2048, 1408, 60, 4, False, 5632, True)
    assert MoEConfig.preset("qwen", dtype="f16").dtype == "f16"
    assert m.weight_shapes() == {"w13": (8, 28672, 4096), "w2": (8, 4096, 14336)}
    assert q.weight_shapes()["s13"] == (11264, 2048) and q.weight_shapes()["s2"] == (2048, 5632)


@pytest.mark.parametrize("kw,msg", [
    (dict(top_k=9), r"top_k \(9\) must be in \[1, experts = 8\]"),
    (dict(n_group=3), r"n_group \(3\) must divide the expert count \(8\)"),
    (dict(n_group=4, topk_group=5), r"topk_group \(5\) must be in \[1, n_group = 4\]"),
    (dict(n_group=4, topk_group=1, top_k=3), r"top_k \(3\) exceeds the experts of the 1 kept"),
    (dict(scaling_factor=0.0), "scaling_factor must be positive"),
    (dict(shared_gate=True), "shared_gate needs shared experts"),
    (dict(dtype="f32"), "dtype must be one of"),
    (dict(scoring="relu"), "scoring must be one of"),
    (dict(hidden=4000), r"w13 .* is 28672x4000, which does not fit format 1:2 V=128: cols "
                        r"\(4000\) must be a multiple of V \(128\)"),
    (dict(ffn=1000), r"w2 .* is 4096x1000"),
    (dict(shared_ffn=100), r"s2 \(shared W2\) is 4096x100"),
    (dict(fmt13=Format(1, 4, 128), ffn=14335), r"does not fit format 1:4 V=128"),
    (dict(tile=0), "tile must be an integer >= 1"),
    (dict(experts=0), "experts must be an integer >= 1"),
])
def test_config_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        MoEConfig.mixtral(**kw)


def test_abi_arguments():
    names = [a.name for a in abi_arguments(MoEConfig.qwen())]
    assert names == ["x", "gate", "w13.values", "w13.meta", "w13.rowidx", "w2.values",
                     "w2.meta", "w2.rowidx", "s13.values", "s13.meta", "s13.rowidx",
                     "s2.values", "s2.meta", "s2.rowidx", "sg", "out"]
    full = MoEConfig(hidden=256, ffn=128, experts=8, top_k=2, correction_bias=True,
                     shared_ffn=128, shared_gate=True)
    args = {a.name: a for a in abi_arguments(full)}
    assert list(args)[8] == "bias" and args["bias"].elt == "f32" and args["bias"].shape == (8,)
    assert args["w13.values"].shape == (8, 128, 128) and args["w13.meta"].elt == "i16"
    assert args["w2.rowidx"].shape == (8, 1, 128) and args["w2.rowidx"].elt == "i8"
    assert len(abi_arguments(MoEConfig.mixtral())) == 9
    # expert_counts: one more out-parameter, last; nothing else changes.
    counted = abi_arguments(MoEConfig.mixtral(expert_counts=True))
    assert counted[:9] == abi_arguments(MoEConfig.mixtral())
    assert counted[9] == AbiArg("counts", "i64", (8,), "out") and len(counted) == 10


def test_expert_counts_option():
    cfg = MoEConfig.mixtral()
    text, with_counts = moe_mlir(cfg), moe_mlir(cfg.replace(expert_counts=True))
    assert "counts" not in text and "-> tensor<?x4096xbf16> {" in text
    assert "-> (tensor<?x4096xbf16>, tensor<8xi64>) {" in with_counts
    assert "%y, %counts = samoyeds.moe" in with_counts
    assert "return %y, %counts : tensor<?x4096xbf16>, tensor<8xi64>" in with_counts
    assert "expert counts" in cfg.replace(expert_counts=True).describe()
    with pytest.raises(ValueError, match="expert_counts must be a bool"):
        MoEConfig.mixtral(expert_counts=1)


# ---------------------------------------------------------------------------
# Parsing, verification, the expanded signature
# ---------------------------------------------------------------------------

FULL = MoEConfig(hidden=256, ffn=128, experts=8, top_k=2, scoring="sigmoid", renormalize=True,
                 n_group=4, topk_group=2, scaling_factor=2.5, correction_bias=True,
                 shared_ffn=128, shared_gate=True, fmt13=Format(2, 4, 64), dtype="f16", tile=16)
CONFIGS = {"mixtral": MoEConfig.mixtral(), "deepseek": MoEConfig.deepseek(),
           "qwen": MoEConfig.qwen(), "full": FULL,
           "odd_scaling": MoEConfig.mixtral(scaling_factor=1e-5, renormalize=False),
           "counts": FULL.replace(expert_counts=True)}


def mlir_type(a):
    return "tensor<" + "".join(f"{'?' if d is None else d}x" for d in a.shape) + a.elt + ">"


@pytest.mark.parametrize("name", list(CONFIGS))
def test_parses_and_verifies(samoyeds_opt, tmp_path, name):
    cfg = CONFIGS[name]
    text = moe_mlir(cfg)
    r = run_opt(samoyeds_opt, text, "--verify-diagnostics", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "samoyeds.moe" in r.stdout and f"top_k = {cfg.top_k}" in r.stdout
    if cfg.renormalize:
        assert "renormalize" in r.stdout
    # The expanded signature is exactly the documented ABI (less `out`).
    r = run_opt(samoyeds_opt, text, "--samoyeds-expand-storage", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    sig = re.search(r"func\.func @moe_layer\((.*?)\) -> (tensor<[^>]*>|\(.*?\)) \{",
                    r.stdout)
    assert sig, r.stdout[:2000]
    got = re.findall(r"%arg\d+: (tensor<[^>]*>)", sig.group(1))
    abi = abi_arguments(cfg)
    outs = 2 if cfg.expert_counts else 1      # the results become the last arguments
    want = [mlir_type(a) for a in abi]
    assert got == want[:-outs]
    assert sig.group(2) == (want[-1] if outs == 1 else f"({', '.join(want[-outs:])})")
    assert [a.name for a in abi[-outs:]] == ["out", "counts"][:outs]


def test_attributes_round_trip(samoyeds_opt, tmp_path):
    r = run_opt(samoyeds_opt, moe_mlir(FULL, name="my_layer"), tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for piece in ("n_group = 4", "topk_group = 2", "scaling_factor = 2.500000e+00 : f32",
                  "scoring = #samoyeds.scoring<sigmoid>", "tile = 16", "bias(",
                  "shared(", "shared_gate(", "@my_layer"):
        assert piece in out, piece
    r = run_opt(samoyeds_opt, moe_mlir(CONFIGS["odd_scaling"]), tmp_path=tmp_path)
    assert r.returncode == 0 and "scaling_factor = 9.99999974E-6 : f32" in r.stdout.replace(
        "e-06", "E-6"), r.stdout[-800:]


def test_name_must_be_an_identifier():
    with pytest.raises(ValueError, match="C identifier"):
        moe_mlir(MoEConfig.mixtral(), name="moe-layer")


# ---------------------------------------------------------------------------
# Execution on the CPU (samoyeds-cpu-pipeline | mlir-runner)
# ---------------------------------------------------------------------------

TINY = {
    # Mixtral-like, bf16: softmax, renormalise; mixed formats.
    "mixtral_tiny": (MoEConfig(hidden=128, ffn=64, experts=4, top_k=2, renormalize=True,
                               fmt13=Format(1, 2, 64), fmt2=Format(2, 4, 32), tile=16), 13),
    # DeepSeek-V3-like, f16: sigmoid, bias, groups, scaling, gated shared expert.
    "v3_tiny": (MoEConfig(hidden=64, ffn=64, experts=8, top_k=3, scoring="sigmoid",
                          renormalize=True, n_group=4, topk_group=2, scaling_factor=2.5,
                          correction_bias=True, shared_ffn=32, shared_gate=True,
                          fmt13=Format(1, 2, 64), fmt2=Format(1, 2, 32), dtype="f16",
                          tile=8), 9),
    # Qwen-like, bf16: no renormalisation, shared expert, one token.
    "qwen_tiny": (MoEConfig(hidden=64, ffn=32, experts=6, top_k=2, shared_ffn=64,
                            shared_gate=True, fmt13=Format(1, 2, 32), fmt2=Format(1, 2, 32),
                            tile=4), 1),
}


def exact(rng, shape, kmax):
    """k/64 values: exact in bf16, f16 and f32."""
    return rng.integers(-kmax, kmax + 1, size=shape).astype(np.float32) / 64.0


def hex_attr(raw):
    return f'dense<"0x{raw.hex().upper()}">'


def raw_bytes(arr, elt):
    a = np.ascontiguousarray(arr)
    if elt == "bf16":
        return f32_to_bf16_bits(a.astype(np.float32)).astype("<u2").tobytes()
    if elt == "f16":
        return a.astype("<f2").tobytes()
    if elt == "f32":
        return a.astype("<f4").tobytes()
    if elt == "i16":
        return a.view(np.uint16).astype("<u2").tobytes()
    if elt == "i8":
        return a.view(np.uint8).tobytes()
    raise ValueError(elt)


def main_text(cfg, tokens, arrays):
    """func @main: constants, the call of @moe_layer (expanded ABI), the
    result printed as f32 bit patterns (exact), then (cfg.expert_counts) the
    counts, truncated to i32."""
    t, h = tokens, cfg.hidden
    args = [a for a in abi_arguments(cfg) if a.name not in ("out", "counts")]
    lines, names, types = [], [], []
    for i, a in enumerate(args):
        shape = [tokens if d is None else d for d in a.shape]
        st = "tensor<" + "".join(f"{d}x" for d in shape) + a.elt + ">"
        lines.append(f"    %c{i} = arith.constant {hex_attr(raw_bytes(arrays[a.name], a.elt))} "
                     f": {st}")
        name = f"%c{i}"
        if None in a.shape:
            lines.append(f"    %d{i} = tensor.cast %c{i} : {st} to {mlir_type(a)}")
            name = f"%d{i}"
        names.append(name)
        types.append(mlir_type(a))
    elt = cfg.dtype
    yt = f"tensor<?x{h}x{elt}>"
    st = f"tensor<{t}x{h}x{elt}>"
    e = cfg.experts
    res, rt = "%y", yt
    if cfg.expert_counts:
        res, rt = "%y, %counts", f"({yt}, tensor<{e}xi64>)"
    lines += [
        f"    {res} = func.call @moe_layer({', '.join(names)}) : ({', '.join(types)}) -> {rt}",
        f"    %ys = tensor.cast %y : {yt} to {st}",
        f"    %e = tensor.empty() : tensor<{t}x{h}xi32>",
        "    %bits = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, "
        "affine_map<(d0, d1) -> (d0, d1)>], iterator_types = [\"parallel\", \"parallel\"]} "
        f"ins(%ys : {st}) outs(%e : tensor<{t}x{h}xi32>) {{",
        f"    ^bb0(%a: {elt}, %o: i32):",
        f"      %f = arith.extf %a : {elt} to f32",
        "      %b = arith.bitcast %f : f32 to i32",
        "      linalg.yield %b : i32",
        f"    }} -> tensor<{t}x{h}xi32>",
        f"    %buf = bufferization.to_buffer %bits : tensor<{t}x{h}xi32> to memref<{t}x{h}xi32>",
        f"    %u = memref.cast %buf : memref<{t}x{h}xi32> to memref<*xi32>",
        "    func.call @printMemrefI32(%u) : (memref<*xi32>) -> ()",
    ]
    if cfg.expert_counts:
        lines += [
            f"    %ce = tensor.empty() : tensor<{e}xi32>",
            "    %c32 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, "
            "affine_map<(d0) -> (d0)>], iterator_types = [\"parallel\"]} "
            f"ins(%counts : tensor<{e}xi64>) outs(%ce : tensor<{e}xi32>) {{",
            "    ^bb0(%a: i64, %o: i32):",
            "      %n = arith.trunci %a : i64 to i32",
            "      linalg.yield %n : i32",
            f"    }} -> tensor<{e}xi32>",
            f"    %cbuf = bufferization.to_buffer %c32 : tensor<{e}xi32> to memref<{e}xi32>",
            f"    %cu = memref.cast %cbuf : memref<{e}xi32> to memref<*xi32>",
            "    func.call @printMemrefI32(%cu) : (memref<*xi32>) -> ()",
        ]
    lines.append("    return")
    return ("  func.func private @printMemrefI32(memref<*xi32>) attributes "
            "{llvm.emit_c_interface}\n  func.func @main() {\n" + "\n".join(lines) + "\n  }\n")


def make_layer(cfg, tokens, seed, avoid=()):
    """Random exact inputs and packed weights; tokens with a clear routing
    margin, none of them routed to an expert in `avoid`."""
    rng = np.random.default_rng(seed)
    h, e, i = cfg.hidden, cfg.experts, cfg.ffn
    gate = exact(rng, (e, h), 4)    # logits O(1): the routing weights matter
    bias = exact(rng, (e,), 16) if cfg.correction_bias else None
    rows = []
    while len(rows) < tokens:      # tokens whose routing has a clear margin
        x = exact(rng, (1, h), 127)
        _, ids, margin = route(x.astype(np.float64) @ gate.T.astype(np.float64), cfg.top_k,
                               cfg.scoring, bias, cfg.renormalize, cfg.n_group,
                               cfg.topk_group, cfg.scaling_factor)
        if margin[0] >= 1e-3 and not set(ids[0].tolist()) & set(avoid):
            rows.append(x[0])
    x = np.stack(rows)
    dt = dict(bf16=None, f16="f16")[cfg.dtype]

    def pk(w, fmt):
        return pack(w if dt is None else w.astype(np.float16), fmt,
                    dtype="bf16" if dt is None else None)

    w = dict(w13=pk(exact(rng, (e, 2 * i, h), 31), cfg.fmt13),
             w2=pk(exact(rng, (e, h, i), 31), cfg.fmt2))
    sg = None
    if cfg.shared_ffn:
        s = cfg.shared_ffn
        w["s13"] = pk(exact(rng, (2 * s, h), 31), cfg.fmt13)
        w["s2"] = pk(exact(rng, (h, s), 31), cfg.fmt2)
        if cfg.shared_gate:
            sg = exact(rng, (h,), 8)
    arrays = {"x": x, "gate": gate, "bias": bias, "sg": sg}
    for name, p in w.items():
        arrays[f"{name}.values"] = p.values_f32()
        arrays[f"{name}.meta"] = p.meta
        arrays[f"{name}.rowidx"] = p.rowidx
    return x, gate, bias, sg, w, arrays


def run_cpu(samoyeds_opt, runner, samoyeds_ref, tmp_path, cfg, tokens, arrays):
    """The layer through samoyeds-cpu-pipeline | mlir-runner: the printed
    tensors (y as f32 bit patterns, then the counts with expert_counts)."""
    r = run_opt(samoyeds_opt, moe_mlir(cfg), "--samoyeds-expand-storage", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    module = r.stdout.rstrip()
    assert module.endswith("}")
    prog = module[:-1] + main_text(cfg, tokens, arrays) + "}\n"
    src = tmp_path / "prog.mlir"
    src.write_text(prog)
    low = subprocess.run([samoyeds_opt, str(src), "--samoyeds-cpu-pipeline"],
                         capture_output=True, text=True)
    assert low.returncode == 0, low.stderr[-4000:]
    llvm = tmp_path / "prog.llvm.mlir"
    llvm.write_text(low.stdout)
    exe = subprocess.run([runner[0], "-e", "main", "-entry-point-result=void",
                          "-shared-libs=" + runner[1], str(llvm)],
                         capture_output=True, text=True, timeout=300)
    assert exe.returncode == 0, exe.stderr[-4000:]
    printed = samoyeds_ref.parse_memrefs(exe.stdout)
    assert len(printed) == 1 + cfg.expert_counts and printed[0].shape == (tokens, cfg.hidden)
    return printed


def check_y(samoyeds_ref, cfg, printed, x, gate, bias, sg, w):
    """y against the lit tests' reference (with its error bound) and this
    package's numpy reference."""
    got = samoyeds_ref.bits_to_f32(printed[0])
    assert np.isfinite(got).all()

    dense = {n: p.unpack_f32().astype(np.float64) for n, p in w.items()}
    # 1. The lit tests' reference with its derived error bound.
    shared = (dense["s13"], dense["s2"]) if cfg.shared_ffn else None
    y, err, gap = samoyeds_ref.moe(
        x.astype(np.float64), gate.astype(np.float64), dense["w13"], dense["w2"], cfg.top_k,
        cfg.scoring, None if bias is None else bias.astype(np.float64), cfg.renormalize,
        cfg.n_group, cfg.topk_group, cfg.scaling_factor, cfg.tile, shared,
        None if sg is None else sg.astype(np.float64), h_elt=cfg.dtype, out_elt=cfg.dtype)
    assert gap >= 1e-3
    bad = np.abs(got - y) > 2 * err + 1e-6
    assert not bad.any(), (f"{bad.sum()} of {bad.size} outside the bound; first at "
                           f"{np.argwhere(bad)[0]}: got {got[bad][0]}, want {y[bad][0]}")
    # 2. This package's reference (float64, H rounded like the compiled code).
    ours, info = moe_reference(cfg, x, gate, dense["w13"], dense["w2"], bias=bias,
                               s13=dense.get("s13"), s2=dense.get("s2"), sg=sg,
                               h_round=cfg.dtype)
    rel = np.linalg.norm(got - ours) / np.linalg.norm(ours)
    assert rel < 1e-2, rel
    assert (info["margin"] >= 1e-3).all()


@pytest.mark.parametrize("name", list(TINY))
def test_cpu_execution_matches_numpy(samoyeds_opt, runner, samoyeds_ref, tmp_path, name):
    cfg, tokens = TINY[name]
    x, gate, bias, sg, w, arrays = make_layer(cfg, tokens, seed=len(name))
    printed = run_cpu(samoyeds_opt, runner, samoyeds_ref, tmp_path, cfg, tokens, arrays)
    check_y(samoyeds_ref, cfg, printed, x, gate, bias, sg, w)


def counts_by_loops(cfg, x, gate, bias):
    """The (token, slot) pairs per expert, counted in plain loops over the
    numpy routing (samoyeds.reference.route in float64)."""
    _, ids, _ = route(x.astype(np.float64) @ gate.T.astype(np.float64), cfg.top_k, cfg.scoring,
                      bias, cfg.renormalize, cfg.n_group, cfg.topk_group, cfg.scaling_factor)
    counts = [0] * cfg.experts
    for row in ids:
        for e in row:
            counts[int(e)] += 1
    return counts


# Layers with expert_counts: T chosen so that the dispatch pads (T*k not a
# multiple of the tile); the last expert gets no token at all.
COUNTS = {"mixtral_tiny": 21, "v3_tiny": 11, "qwen_tiny": 3}


@pytest.mark.parametrize("name", list(COUNTS))
def test_cpu_expert_counts_match_loops(samoyeds_opt, runner, samoyeds_ref, tmp_path, name):
    cfg = TINY[name][0].replace(expert_counts=True)
    tokens, empty = COUNTS[name], cfg.experts - 1
    x, gate, bias, sg, w, arrays = make_layer(cfg, tokens, seed=len(name) + 1, avoid=(empty,))
    printed = run_cpu(samoyeds_opt, runner, samoyeds_ref, tmp_path, cfg, tokens, arrays)
    got = printed[1]
    want = counts_by_loops(cfg, x, gate, bias)
    assert want[empty] == 0 and sum(want) == tokens * cfg.top_k
    assert any(c % cfg.tile for c in want if c), "no count needs padding: a weak case"
    assert got.shape == (cfg.experts,) and got.astype(int).tolist() == want
    # The output is the layer's as without counts.
    check_y(samoyeds_ref, cfg, printed, x, gate, bias, sg, w)
