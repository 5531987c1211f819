"""The argument checks of a compiled layer call (samoyeds.runtime.validate_call)
on TensorInfo / PackedInfo descriptions: no torch, no GPU."""

import dataclasses
import json

import pytest

from samoyeds.format import Format, storage_shapes
from samoyeds.mlirgen import MoEConfig
from samoyeds.runtime import (DTypeError, InputError, PackedInfo, TensorInfo, is_row_major,
                              row_major_strides, validate_call)

CFG = MoEConfig(hidden=256, ffn=128, experts=8, top_k=2, correction_bias=True, shared_ffn=64,
                shared_gate=True, fmt13=Format(1, 2, 128), fmt2=Format(2, 4, 64))
PLAIN = MoEConfig(hidden=256, ffn=128, experts=8, top_k=2)


def T(dtype, shape, device=("cuda", 0)):
    return TensorInfo.contiguous(dtype, shape, *device)


def P(cfg, name, fmt=None, shape=None, dtype=None, device=("cuda", 0), **override):
    fmt = fmt or cfg.weight_format(name)
    shape = shape or cfg.weight_shapes()[name]
    vs, ms, rs = storage_shapes(fmt, shape)
    arrays = dict(values=T(dtype or cfg.dtype, vs, device), meta=T("i16", ms, device),
                  rowidx=T("i8", rs, device))
    arrays.update(override)
    return PackedInfo(fmt, tuple(shape), dtype or cfg.dtype, **arrays)


def args(cfg, tokens=5, **override):
    a = dict(x=T(cfg.dtype, (tokens, cfg.hidden)), gate=T(cfg.dtype, (cfg.experts, cfg.hidden)),
             w13=P(cfg, "w13"), w2=P(cfg, "w2"))
    if cfg.correction_bias:
        a["bias"] = T("f32", (cfg.experts,))
    if cfg.shared_ffn:
        a["s13"], a["s2"] = P(cfg, "s13"), P(cfg, "s2")
    if cfg.shared_gate:
        a["sg"] = T(cfg.dtype, (cfg.hidden,))
    a.update(override)
    return a


def test_valid_calls_return_the_token_count():
    assert validate_call(CFG, **args(CFG)) == 5
    assert validate_call(PLAIN, **args(PLAIN, tokens=0)) == 0
    assert validate_call(PLAIN, **args(PLAIN, out=T("bf16", (5, 256)))) == 5
    # uint16 metadata / uint8 row indices are the same bytes: accepted.
    w13 = P(PLAIN, "w13", meta=T("u16", storage_shapes(PLAIN.fmt13, (8, 256, 256))[1]),
            rowidx=T("u8", storage_shapes(PLAIN.fmt13, (8, 256, 256))[2]))
    assert validate_call(PLAIN, **args(PLAIN, w13=w13)) == 5


def check(cfg, exc, msg, **override):
    with pytest.raises(exc) as ei:
        validate_call(cfg, **args(cfg, **override))
    assert msg in str(ei.value), str(ei.value)
    return ei.value


def test_wrong_dtype():
    e = check(PLAIN, DTypeError, "x must be bfloat16, got float16", x=T("f16", (5, 256)))
    assert isinstance(e, TypeError) and isinstance(e, ValueError)
    check(PLAIN, DTypeError, "x must be bfloat16, got float32", x=T("f32", (5, 256)))
    check(PLAIN, DTypeError, "gate must be bfloat16, got float32", gate=T("f32", (8, 256)))
    check(CFG, DTypeError, "bias must be float32, got bfloat16", bias=T("bf16", (8,)))
    check(PLAIN, DTypeError, "w13 is packed as f16, the layer was compiled for bf16",
          w13=P(PLAIN, "w13", dtype="f16"))
    check(PLAIN, DTypeError, "w2.meta must be int16, got int32",
          w2=P(PLAIN, "w2", meta=T("i32", storage_shapes(PLAIN.fmt2, (8, 256, 128))[1])))
    check(PLAIN, DTypeError, "out must be bfloat16, got float32", out=T("f32", (5, 256)))


def test_wrong_shape():
    check(PLAIN, InputError, "x must be ?x256, got 5x128", x=T("bf16", (5, 128)))
    check(PLAIN, InputError, "x must be ?x256, got 5x256x1", x=T("bf16", (5, 256, 1)))
    check(PLAIN, InputError, "x must be ?x256, got 256", x=T("bf16", (256,)))
    check(PLAIN, InputError, "gate must be 8x256, got 4x256", gate=T("bf16", (4, 256)))
    check(PLAIN, InputError, "w13 must be packed 8x256x256, got 8x512x256",
          w13=P(PLAIN, "w13", shape=(8, 512, 256)))
    check(PLAIN, InputError, "w13.values must be 8x128x128, got 8x128x64",
          w13=P(PLAIN, "w13", values=T("bf16", (8, 128, 64))))
    check(CFG, InputError, "bias must be 8, got 7", bias=T("f32", (7,)))
    check(CFG, InputError, "sg must be 256, got 1x256", sg=T("bf16", (1, 256)))
    check(PLAIN, InputError, "out must be 5x256, got 6x256", out=T("bf16", (6, 256)))


def test_wrong_device():
    check(PLAIN, InputError, "x must be a CUDA tensor, got one on cpu",
          x=TensorInfo.contiguous("bf16", (5, 256), "cpu", None))
    check(PLAIN, InputError, "gate is on cpu but x is on cuda:0",
          gate=TensorInfo.contiguous("bf16", (8, 256), "cpu", None))
    check(PLAIN, InputError, "w2.values is on cuda:1 but x is on cuda:0",
          w2=P(PLAIN, "w2", device=("cuda", 1)))


def test_not_contiguous():
    xt = TensorInfo("bf16", (5, 256), (1, 5))          # a transposed view
    e = check(PLAIN, InputError, "x must be contiguous (row-major)", x=xt)
    assert "strides (1, 5)" in str(e) and ".contiguous()" in str(e)
    sliced = TensorInfo("bf16", (8, 256), (512, 1))    # every other row
    check(PLAIN, InputError, "gate must be contiguous", gate=sliced)
    # Size-1 dimensions may have any stride (as torch's is_contiguous).
    assert validate_call(PLAIN, **args(PLAIN, tokens=1, x=TensorInfo("bf16", (1, 256),
                                                                      (9999, 1)))) == 1


def test_misaligned():
    # A contiguous view at an odd element offset: 16-byte loads of it would
    # fault on the GPU, so it is refused before any launch.
    x = TensorInfo("bf16", (5, 256), (256, 1), address=0x7f0000000002)
    e = check(PLAIN, InputError, "x starts at address 0x7f0000000002, not a multiple of 16",
              x=x)
    assert ".clone()" in str(e)
    check(PLAIN, InputError, "gate starts at address 0x1008",
          gate=TensorInfo("bf16", (8, 256), (256, 1), address=0x1008))
    assert validate_call(PLAIN, **args(PLAIN, tokens=5, x=TensorInfo(
        "bf16", (5, 256), (256, 1), address=0x7f0000000010))) == 5


def test_weights_packed_for_another_format():
    e = check(PLAIN, InputError, "weights packed for another format: w13 is packed "
              "1:2 V=64, the layer was compiled for 1:2 V=128",
              w13=P(PLAIN, "w13", fmt=Format(1, 2, 64)))
    assert "1:2 V=64" in str(e) and "1:2 V=128" in str(e)
    check(CFG, InputError, "s2 is packed 1:2 V=64, the layer was compiled for 2:4 V=64",
          s2=P(CFG, "s2", fmt=Format(1, 2, 64)))


def test_optional_arguments():
    check(CFG, InputError, "compiled with a correction bias: pass bias", bias=None)
    check(PLAIN, InputError, "compiled without a correction bias", bias=T("f32", (8,)))
    check(CFG, InputError, "compiled with shared experts: pass s13 and s2", s2=None)
    check(PLAIN, InputError, "compiled without shared experts", s13=P(CFG, "s13"))
    check(CFG, InputError, "compiled with a shared expert gate: pass sg", sg=None)
    check(PLAIN, InputError, "compiled without a shared expert gate", sg=T("bf16", (256,)))
    check(PLAIN, InputError, "w13 is required", w13=None)
    check(PLAIN, InputError, "w13 must be a packed weight", w13=T("bf16", (8, 256, 256)))
    check(PLAIN, InputError, "x must be a tensor", x=[[1.0]])


def test_too_many_tokens():
    small = dataclasses.replace(PLAIN, tile=2 ** 20)
    limit = small.max_tokens()
    assert validate_call(small, **args(small, tokens=limit)) == limit
    check(small, InputError, f"the layer takes at most {limit}", x=T("bf16", (limit + 1, 256)))


def test_strides_helpers():
    assert row_major_strides((2, 3, 4)) == (12, 4, 1)
    assert row_major_strides((0, 3)) == (3, 1)
    assert is_row_major((2, 3), (3, 1)) and not is_row_major((2, 3), (1, 2))
    assert is_row_major((0, 3), (7, 7))          # empty: nothing to read
    assert is_row_major((1, 3), (100, 1))


def test_packed_validation_cache():
    ok = set()
    a = args(CFG)
    assert validate_call(CFG, **a, packed_ok=ok) == 5
    assert len(ok) == 4                      # w13, w2, s13, s2 remembered
    assert validate_call(CFG, **a, packed_ok=ok) == 5
    # A different (wrong) weight is still checked.
    bad = P(CFG, "w13", fmt=Format(1, 2, 64))
    with pytest.raises(InputError, match="another format"):
        validate_call(CFG, **args(CFG, w13=bad), packed_ok=ok)
    # The same weight on another device than x is not taken from the cache.
    a2 = args(CFG, x=T("bf16", (5, 256), ("cuda", 1)), gate=T("bf16", (8, 256), ("cuda", 1)))
    with pytest.raises(InputError, match="w13.values is on cuda:0 but x is on cuda:1"):
        validate_call(CFG, **a2, packed_ok=ok)


def test_memref_descriptors_of_numpy_arrays():
    import ctypes

    import numpy as np

    from samoyeds.memref import MemRefError, make_memref, memref_from_numpy, memref_type
    a = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    d = memref_from_numpy(a)
    assert d.aligned == a.ctypes.data and d.offset == 0
    assert list(d.sizes) == [2, 3, 4] and list(d.strides) == [12, 4, 1]
    assert ctypes.sizeof(memref_type(3)) == 8 * (3 + 2 * 3)
    v = memref_from_numpy(a[:, ::2, 1:], contiguous=False)
    assert list(v.sizes) == [2, 2, 3] and list(v.strides) == [12, 8, 1]
    with pytest.raises(MemRefError, match="not C-contiguous"):
        memref_from_numpy(a[:, ::2])
    with pytest.raises(MemRefError, match="negative size"):
        make_memref(0, [2, -1])
    z = make_memref(64, [])
    assert z.aligned == 64 and ctypes.sizeof(z) == 24


COUNTED = PLAIN.replace(expert_counts=True)


def test_counts_out_parameter():
    # Only a layer compiled with expert counts takes them; E int64 on x's device.
    assert validate_call(COUNTED, **args(COUNTED, counts=T("i64", (8,)))) == 5
    assert validate_call(COUNTED, **args(COUNTED)) == 5           # allocated by the caller
    check(PLAIN, InputError, "compiled without expert counts", counts=T("i64", (8,)))
    check(COUNTED, DTypeError, "counts must be int64, got int32", counts=T("i32", (8,)))
    check(COUNTED, InputError, "counts must be 8, got 9", counts=T("i64", (9,)))
    check(COUNTED, InputError, "counts is on cuda:1 but x is on cuda:0",
          counts=T("i64", (8,), ("cuda", 1)))


def test_manifest_must_match_the_config(tmp_path):
    """CompiledMoE refuses a library whose entry point takes another number
    of descriptors than the config's ABI (e.g. compiled without counts),
    before it loads anything."""
    pytest.importorskip("torch")
    from samoyeds.runtime import ArtifactError, CompiledMoE, manifest_arguments
    so = tmp_path / "moe_layer_x.so"
    so.write_bytes(b"\x7fELF" + b"\0" * 60)       # never loaded: refused first
    from samoyeds.mlirgen import abi_arguments
    args = [dict(kind=a.kind, type="memref", rank=len(a.shape), shape=list(a.shape),
                 element_type=a.elt) for a in abi_arguments(COUNTED.replace(expert_counts=False))]
    (tmp_path / "moe_layer_x.manifest.json").write_text(json.dumps(dict(
        format="samoyeds-compile manifest 1",
        functions=[dict(name="moe_layer", entry="_mlir_ciface_moe_layer", arguments=args)],
        kernel_modules=[dict(name="samoyeds_kernels", kernels=["dispatch_e8_t64_k2_scan"])])))
    assert manifest_arguments(str(so)) == 9 and manifest_arguments(str(so), "other") is None
    with pytest.raises(ArtifactError, match=r"takes 9 memref descriptors but the config "
                                            r"describes 10 \(expert_counts=True\)"):
        CompiledMoE(COUNTED, str(so))
