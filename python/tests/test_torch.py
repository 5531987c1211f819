"""torch parts: pack_torch, unpack_torch, the torch reference against the
numpy one, reading HF blocks by duck typing (on the CPU); a compiled layer
on the GPU where CUDA and compiled artifacts exist. Skipped without torch."""

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from samoyeds.format import Format, PackedTensors, pack, pack_torch  # noqa: E402
from samoyeds.mlirgen import MoEConfig  # noqa: E402
from samoyeds.reference import moe_reference  # noqa: E402
from samoyeds.torch_ref import moe_torch, unpack_torch  # noqa: E402


def test_pack_torch_matches_numpy():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(3, 16, 128, generator=g).to(torch.bfloat16)
    p = pack_torch(w, Format(1, 2, 64))
    bits = w.view(torch.int16).numpy().view(np.uint16)
    q = pack(bits, Format(1, 2, 64), dtype="bf16")
    for name in ("values", "meta", "rowidx"):
        np.testing.assert_array_equal(getattr(p, name), getattr(q, name))
    t = p.to_torch("cpu")
    assert isinstance(t, PackedTensors) and t.values.dtype == torch.bfloat16
    assert t.meta.dtype == torch.int16 and t.rowidx.dtype == torch.int8
    back = t.to_host()
    np.testing.assert_array_equal(back.values, p.values)
    np.testing.assert_array_equal(back.meta, p.meta)
    # unpack on the tensors' device == numpy unpack
    dense = unpack_torch(t)
    np.testing.assert_array_equal(dense.view(torch.int16).numpy().view(np.uint16), p.unpack())
    w16 = torch.randn(32, 64, generator=g).half()
    p16 = pack_torch(w16, Format(2, 4, 32))
    assert p16.dtype == "f16"
    assert torch.equal(unpack_torch(p16.to_torch("cpu")), torch.from_numpy(p16.unpack()))
    with pytest.raises(ValueError, match="int32"):
        pack_torch(torch.zeros(2, 32, dtype=torch.int32), Format(1, 2, 32))


def test_route_and_moe_torch_match_numpy():
    rng = np.random.default_rng(1)
    cfg = MoEConfig(hidden=64, ffn=32, experts=8, top_k=3, scoring="sigmoid", renormalize=True,
                    n_group=4, topk_group=2, scaling_factor=2.5, correction_bias=True,
                    shared_ffn=32, shared_gate=True, fmt13=Format(1, 2, 32),
                    fmt2=Format(1, 2, 32))
    x = rng.standard_normal((40, 64)).astype(np.float32)
    gate = (rng.standard_normal((8, 64)) * 0.1).astype(np.float32)
    bias = (rng.random(8) * 0.05).astype(np.float32)
    w13 = rng.standard_normal((8, 64, 64)).astype(np.float32) * 0.1
    w2 = rng.standard_normal((8, 64, 32)).astype(np.float32) * 0.1
    s13 = rng.standard_normal((64, 64)).astype(np.float32) * 0.1
    s2 = rng.standard_normal((64, 32)).astype(np.float32) * 0.1
    sg = rng.standard_normal(64).astype(np.float32) * 0.1
    yn, info = moe_reference(cfg, x, gate, w13, w2, bias, s13, s2, sg, dtype=np.float32)
    T = torch.from_numpy
    yt, tinfo = moe_torch(cfg, T(x), T(gate), T(w13), T(w2), T(bias), T(s13), T(s2), T(sg))
    keep = info["margin"] > 1e-3
    assert keep.sum() > 20
    np.testing.assert_array_equal(np.sort(tinfo["ids"].numpy()[keep], 1),
                                  np.sort(info["ids"][keep], 1))
    np.testing.assert_allclose(yt.numpy()[keep], yn[keep], rtol=1e-4, atol=1e-5)


def linear(o, i, g):
    m = nn.Linear(i, o, bias=False)
    with torch.no_grad():
        m.weight.copy_(torch.randn(o, i, generator=g) * 0.05)
    return m


class MLP(nn.Module):
    def __init__(self, h, i, g, names=("gate_proj", "up_proj", "down_proj")):
        super().__init__()
        setattr(self, names[0], linear(i, h, g))
        setattr(self, names[1], linear(i, h, g))
        setattr(self, names[2], linear(h, i, g))


class MixtralBlock(nn.Module):       # transformers 4.x layout
    def __init__(self, h=64, i=32, e=4, g=None):
        super().__init__()
        self.top_k, self.num_experts = 2, e
        self.gate = linear(e, h, g)
        self.experts = nn.ModuleList([MLP(h, i, g, ("w1", "w3", "w2")) for _ in range(e)])


class Qwen2MoeBlock(nn.Module):
    def __init__(self, h=64, i=32, e=6, s=64, g=None, norm=False):
        super().__init__()
        self.top_k, self.num_experts, self.norm_topk_prob = 2, e, norm
        self.gate = linear(e, h, g)
        self.experts = nn.ModuleList([MLP(h, i, g) for _ in range(e)])
        self.shared_expert = MLP(h, s, g)
        self.shared_expert_gate = linear(1, h, g)


class Cfg:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class V3Router(nn.Module):
    def __init__(self, h, e, g):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(e, h, generator=g) * 0.05)
        self.register_buffer("e_score_correction_bias", torch.rand(e, generator=g) * 0.01)


class DeepseekV3Block(nn.Module):     # 3-D experts, router with bias, config
    def __init__(self, h=64, i=32, e=8, g=None):
        super().__init__()
        self.config = Cfg(num_experts_per_tok=3, n_group=4, topk_group=2, norm_topk_prob=True,
                          routed_scaling_factor=2.5, hidden_act="silu")
        self.gate = V3Router(h, e, g)
        self.experts = nn.Module()
        self.experts.gate_up_proj = nn.Parameter(torch.randn(e, 2 * i, h, generator=g) * 0.05)
        self.experts.down_proj = nn.Parameter(torch.randn(e, h, i, generator=g) * 0.05)
        self.shared_experts = MLP(h, 2 * i, g)


def test_hf_settings_and_extraction():
    from samoyeds.layer import extract_hf, hf_settings
    g = torch.Generator().manual_seed(2)
    mx = MixtralBlock(g=g)
    st = hf_settings(mx)
    assert st["kind"] == "mixtral" and st["renormalize"] and st["top_k"] == 2
    ex = extract_hf(mx)
    assert ex["w13"].shape == (4, 64, 64) and ex["w2"].shape == (4, 64, 32)
    assert torch.equal(ex["w13"][1, :32], mx.experts[1].w1.weight)
    assert torch.equal(ex["w13"][1, 32:], mx.experts[1].w3.weight)
    qw = Qwen2MoeBlock(g=g)
    st = hf_settings(qw)
    assert st["kind"] == "qwen2_moe" and not st["renormalize"] and st["shared_gate"]
    ex = extract_hf(qw)
    assert ex["s13"].shape == (128, 64) and ex["sg"].shape == (64,)
    ds = DeepseekV3Block(g=g)
    st = hf_settings(ds)
    assert (st["scoring"], st["n_group"], st["topk_group"], st["scaling_factor"],
            st["has_bias"], st["top_k"], st["renormalize"]) == ("sigmoid", 4, 2, 2.5, True, 3,
                                                                  True)
    ex = extract_hf(ds)
    assert ex["w13"].shape == (8, 64, 64) and ex["bias"].dtype == torch.float32
    ds.config.hidden_act = "gelu"
    with pytest.raises(ValueError, match="gelu"):
        hf_settings(ds)


def _cuda_layer_or_skip():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from samoyeds.compiler import find_compiler
    if not find_compiler() and not os.environ.get("SAMOYEDS_CACHE_DIR"):
        pytest.skip("no samoyeds-compile and no SAMOYEDS_CACHE_DIR with compiled layers")


@pytest.mark.parametrize("block_cls", [MixtralBlock, Qwen2MoeBlock, DeepseekV3Block])
def test_samoyeds_moe_from_hf_on_gpu(block_cls, tmp_path):
    _cuda_layer_or_skip()
    from samoyeds.layer import SamoyedsMoE
    g = torch.Generator().manual_seed(3)
    block = block_cls(g=g).to(torch.bfloat16)
    moe = SamoyedsMoE.from_hf(block, fmt=Format(1, 2, 32),
                              cache_dir=os.environ.get("SAMOYEDS_CACHE_DIR") or str(tmp_path),
                              device="cuda", return_router_logits=True)
    x = torch.randn(2, 7, 64, generator=g).to(torch.bfloat16).cuda()
    y, logits = moe(x)
    assert y.shape == x.shape and logits.shape == (14, block.gate.weight.shape[0])
    ref = moe.reference(x)
    err = ((y.float() - ref).norm() / ref.norm()).item()
    assert err < 2e-2, err
    assert moe(x[:, :0], return_router_logits=False).shape == (2, 0, 64)
    # A contiguous view one element off a 16-byte boundary: the module copies
    # it (the compiled layer refuses it) and gives the same result.
    flat = torch.empty(x.numel() + 1, dtype=x.dtype, device=x.device)
    flat[1:] = x.flatten()
    odd = flat[1:].view(x.shape)
    assert odd.is_contiguous() and odd.data_ptr() % 16
    assert torch.equal(moe(odd, return_router_logits=False), y)


@pytest.mark.parametrize("block_cls", [MixtralBlock, Qwen2MoeBlock, DeepseekV3Block])
def test_samoyeds_moe_expert_counts_on_gpu(block_cls, tmp_path):
    """The counts of the compiled layer's dispatch (expert_counts=True) equal
    the torch reference on tokens with a clear routing margin, none of them
    routed to the last expert (zero tokens there); T = 0 gives zeros.
    test/Integration/GPU/graph_check.py has the larger checks (several dispatch
    chunks, CUDA graphs, LoadMonitor, torch.compile)."""
    _cuda_layer_or_skip()
    import torch.nn.functional as F
    from samoyeds.layer import SamoyedsMoE
    from samoyeds.torch_ref import route_torch
    g = torch.Generator().manual_seed(3)
    block = block_cls(g=g).to(torch.bfloat16)
    moe = SamoyedsMoE.from_hf(block, fmt=Format(1, 2, 32),
                              cache_dir=os.environ.get("SAMOYEDS_CACHE_DIR") or str(tmp_path),
                              device="cuda", expert_counts=True)
    cfg = moe.cfg
    x = torch.randn(400, 64, generator=g).to(torch.bfloat16).cuda()
    _, ids, margin = route_torch(F.linear(x.float(), moe.gate_weight.float()), cfg, moe.bias)
    x = x[(margin >= 1e-3) & (ids != cfg.experts - 1).all(1)].contiguous()
    assert x.shape[0] >= 20
    y, counts = moe(x, return_expert_counts=True)
    want = moe.reference_expert_counts(x)
    assert counts.dtype == torch.int64 and counts.device == x.device
    assert counts.tolist() == want.tolist() and counts[-1] == 0
    assert int(counts.sum()) == x.shape[0] * cfg.top_k
    ref = moe.reference(x)
    assert ((y.float() - ref).norm() / ref.norm()).item() < 2e-2
    y0, c0 = moe(x[:0], return_expert_counts=True)
    assert y0.shape == (0, 64) and c0.tolist() == [0] * cfg.experts
