"""samoyeds.torch_op and SamoyedsMoE's module behaviour on the CPU: the
packed buffers keep their dtypes under module casts, state_dict round trips,
the layer registry, and (torch >= 2.4) the custom op's registration and fake
kernel. Nothing here needs CUDA or a compiled layer."""

import gc

import pytest

torch = pytest.importorskip("torch")

from samoyeds import torch_op  # noqa: E402
from samoyeds.format import Format, pack_torch  # noqa: E402
from samoyeds.mlirgen import MoEConfig  # noqa: E402

NEW_TORCH = hasattr(torch, "library") and hasattr(torch.library, "custom_op")


def _layer(shared=True, seed=0, dtype="bf16"):
    from samoyeds.layer import SamoyedsMoE
    g = torch.Generator().manual_seed(seed)
    tdt = {"bf16": torch.bfloat16, "f16": torch.float16}[dtype]
    fmt = Format(1, 2, 32)
    cfg = MoEConfig(hidden=64, ffn=32, experts=4, top_k=2, scoring="sigmoid",
                    correction_bias=True, shared_ffn=64 if shared else 0, shared_gate=shared,
                    fmt13=fmt, fmt2=fmt, dtype=dtype)
    r = lambda *s: (torch.randn(*s, generator=g) * 0.05).to(tdt)
    kw = {}
    if shared:
        kw = dict(s13=pack_torch(r(128, 64), fmt), s2=pack_torch(r(64, 64), fmt), sg=r(64))
    return SamoyedsMoE(cfg, r(4, 64), pack_torch(r(4, 64, 64), fmt), pack_torch(r(4, 64, 32), fmt),
                       bias=torch.rand(4, generator=g), compiled="/nonexistent.so", **kw)


def _dtypes(m):
    return {k: v.dtype for k, v in m.state_dict().items()}


EXPECTED = {"values": torch.bfloat16, "meta": torch.int16, "rowidx": torch.int8}


@pytest.mark.parametrize("cast", ["half", "float", "double", "bfloat16", "to_f16", "to_f32"])
def test_module_casts_keep_buffer_dtypes(cast):
    m = _layer()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    want = _dtypes(m)
    for name in ("w13", "w2", "s13", "s2"):
        for part, dt in EXPECTED.items():
            assert want[f"{name}_{part}"] == dt
    assert want["gate_weight"] == torch.bfloat16 and want["bias"] == torch.float32
    assert want["shared_gate"] == torch.bfloat16
    op = {"half": lambda: m.half(), "float": lambda: m.float(), "double": lambda: m.double(),
          "bfloat16": lambda: m.bfloat16(), "to_f16": lambda: m.to(torch.float16),
          "to_f32": lambda: m.to("cpu", torch.float32)}[cast]
    assert op() is m
    assert _dtypes(m) == want
    for k, v in m.state_dict().items():      # the bits are untouched (no lossy round trip)
        assert torch.equal(v, before[k]), k
    p = m.packed("w13")
    assert p.values.dtype == torch.bfloat16 and p.meta.dtype == torch.int16


def test_f16_layer_keeps_f16_under_bfloat16():
    m = _layer(shared=False, dtype="f16")
    m.bfloat16()
    assert m.w13_values.dtype == torch.float16 and m.gate_weight.dtype == torch.float16
    assert m.bias.dtype == torch.float32


def test_device_moves_still_apply():
    m = _layer(shared=False)
    m.to("cpu")
    m.share_memory()                 # a non-cast function still reaches the buffers
    assert m.w13_values.is_shared()
    m2 = _layer(shared=False)
    m2.to_empty(device="cpu") if hasattr(m2, "to_empty") else None
    assert m2.w2_meta.dtype == torch.int16


def test_state_dict_round_trip():
    a, b = _layer(seed=1), _layer(seed=2)
    assert not torch.equal(a.w13_values, b.w13_values)
    sd = a.state_dict()
    keys = set(sd)
    for name in ("w13", "w2", "s13", "s2"):
        assert {f"{name}_values", f"{name}_meta", f"{name}_rowidx"} <= keys
    assert {"gate_weight", "bias", "shared_gate"} <= keys
    b.load_state_dict(sd)
    for k, v in a.state_dict().items():
        assert torch.equal(getattr(b, k), v) and getattr(b, k).dtype == v.dtype, k
    b.half().load_state_dict(a.half().state_dict())
    assert b.w13_values.dtype == torch.bfloat16
    # the PackedTensors the compiled layer gets are views of the loaded buffers
    assert torch.equal(b.packed("s2").values, a.s2_values)
    for n, p in (("w13", b.packed("w13")), ("w2", b.packed("w2"))):
        assert tuple(p.shape) == tuple(b.cfg.weight_shapes()[n])
    # unpacked weights (the torch reference) agree after the round trip
    x = torch.randn(5, 64).to(torch.bfloat16)
    assert torch.equal(a.reference(x), b.reference(x))


def test_forward_needs_cuda_tensor():
    m = _layer(shared=False)
    with pytest.raises(ValueError, match="CUDA"):
        m(torch.zeros(3, 64, dtype=torch.bfloat16))


def test_op_tensors_layout():
    m = _layer(shared=False)
    t = m._op_tensors()
    assert len(t) == 15 and t[0] is m.gate_weight
    assert t[1] is m.w13_values and t[6] is m.w2_rowidx
    assert t[7:13] == [None] * 6 and t[13] is m.bias and t[14] is None


class _FakeLayer:
    def __init__(self, device="cpu"):
        self.device = torch.device(device)
        self.blocking = True


class _Owner:
    def __init__(self):
        self.calls = []
        self.layer = _FakeLayer("cuda:0")

    def _compiled(self, device):
        self.calls.append(device)
        return self.layer


def test_registry_weakref_and_loader():
    lid = torch_op.new_layer_id()
    assert torch_op.new_layer_id() != lid
    with pytest.raises(KeyError, match=str(lid)):
        torch_op.get_layer(lid)
    layer = _FakeLayer()
    torch_op.register_layer(lid, layer, torch.float16)
    assert torch_op.get_layer(lid) is layer
    assert torch_op.get_layer(lid, torch.device("cpu")) is layer
    del layer
    gc.collect()
    with pytest.raises(KeyError):       # held weakly
        torch_op.get_layer(lid)
    owner = _Owner()
    torch_op.register_loader(lid, owner)
    got = torch_op.get_layer(lid, torch.device("cuda", 0))
    assert got is owner.layer and owner.calls == [torch.device("cuda", 0)]
    assert torch_op.get_layer(lid, torch.device("cuda", 0)) is got and len(owner.calls) == 1
    torch_op.unregister(lid)
    with pytest.raises(KeyError):
        torch_op.get_layer(lid)


def test_module_registers_its_loader():
    m = _layer(shared=False)
    assert isinstance(m._op_id, int)
    assert m._op_id in torch_op._loaders and torch_op._loaders[m._op_id]() is m
    assert _layer(shared=False)._op_id != m._op_id


def test_call_layer_rejects_cpu():
    lid = torch_op.new_layer_id()
    with pytest.raises(ValueError, match="CUDA"):
        torch_op.call_layer(lid, torch.zeros(2, 64), *([None] * 15))


def test_availability_matches_torch():
    assert torch_op.available() == NEW_TORCH
    if not NEW_TORCH:
        assert torch_op.moe_layer is None


def _fake_args(m, t):
    x = torch.empty(t, 64, dtype=torch.bfloat16, device="meta")
    rest = [None if a is None else a.to("meta") for a in m._op_tensors()]
    return x, rest


@pytest.mark.skipif(not NEW_TORCH, reason="torch.library.custom_op needs torch >= 2.4")
def test_custom_op_registered_and_fake_kernel():
    m = _layer()
    op = torch.ops.samoyeds.moe_layer
    schema = str(op.default._schema)
    assert "layer_id" in schema and "Tensor? s13_values" in schema
    for t in (1, 7, 0):
        x, rest = _fake_args(m, t)
        y = op(m._op_id, x, *rest)       # meta tensors dispatch to the fake kernel
        assert y.shape == (t, 64) and y.dtype == torch.bfloat16 and y.device.type == "meta"
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode() as mode:
        x = torch.empty(9, 64, dtype=torch.bfloat16)
        rest = [None if a is None else mode.from_tensor(a) for a in m._op_tensors()]
        y = op(m._op_id, x, *rest)
        assert y.shape == (9, 64) and y.dtype == torch.bfloat16


def _counted_layer():
    from samoyeds.layer import SamoyedsMoE
    g = torch.Generator().manual_seed(5)
    fmt = Format(1, 2, 32)
    cfg = MoEConfig(hidden=64, ffn=32, experts=4, top_k=2, scoring="sigmoid",
                    correction_bias=True, fmt13=fmt, fmt2=fmt, expert_counts=True)
    r = lambda *s: (torch.randn(*s, generator=g) * 0.05).bfloat16()
    return SamoyedsMoE(cfg, r(4, 64), pack_torch(r(4, 64, 64), fmt),
                       pack_torch(r(4, 64, 32), fmt), bias=torch.zeros(4),
                       compiled="/nonexistent.so")


def test_expert_counts_need_a_counting_layer():
    plain = _layer(shared=False)
    x = torch.zeros(3, 64, dtype=torch.bfloat16)
    # Refused before anything runs (and before the CUDA check: the message is
    # about the counts), also through the module attribute.
    with pytest.raises(ValueError, match="compiled with expert counts.*expert_counts=True"):
        plain(x, return_expert_counts=True)
    plain.return_expert_counts = True
    with pytest.raises(ValueError, match="compiled with expert counts"):
        plain(x)
    with pytest.raises(ValueError, match="add_expert_counts_hook needs a layer compiled"):
        plain.add_expert_counts_hook(lambda m, c: None)
    counted = _counted_layer()
    seen = []
    h = counted.add_expert_counts_hook(lambda m, c: seen.append(c))
    assert len(counted._counts_hooks) == 1
    h.remove()
    h.remove()                       # idempotent
    assert not counted._counts_hooks


def test_load_monitor_takes_the_counts_of_compiled_layers():
    """LoadMonitor on a model holding SamoyedsMoE modules: it registers on
    the layers' counts hook (what forward calls with its dispatch's counts)
    and updates the layers' own bias buffers. The hook is driven by hand here
    (no GPU); test/Integration/GPU/graph_check.py runs it for real."""
    from samoyeds import balance
    from samoyeds.prune import NoMoEBlocksError

    class Model(torch.nn.Module):
        def __init__(self, layers):
            super().__init__()
            self.layers = torch.nn.ModuleList(layers)

    a, b = _counted_layer(), _counted_layer()
    model = Model([a, b])
    mon = balance.LoadMonitor(model)
    assert [n for n, _ in mon.blocks] == ["layers.0", "layers.1"]
    for fn in a._counts_hooks.values():
        fn(a, torch.tensor([5, 0, 2, 1]))
        fn(a, torch.tensor([1, 0, 1, 0]))
    for fn in b._counts_hooks.values():
        fn(b, torch.tensor([2, 2, 2, 2]))
    assert mon.counts().tolist() == [[6, 0, 3, 1], [2, 2, 2, 2]]
    used = mon.update_biases(u=0.5)
    assert used.tolist() == [[6, 0, 3, 1], [2, 2, 2, 2]] and mon.counts().sum() == 0
    # mean 2.5: experts above it lose u, below gain u; b is balanced: unchanged.
    assert a.bias.tolist() == [-0.5, 0.5, -0.5, 0.5] and b.bias.tolist() == [0.0] * 4
    mon.remove()
    assert not a._counts_hooks and not b._counts_hooks
    with pytest.raises(ValueError, match="add_expert_counts_hook needs a layer compiled"):
        balance.LoadMonitor(Model([_layer(shared=False)]))
    with pytest.raises(NoMoEBlocksError):
        balance.LoadMonitor(torch.nn.Sequential(torch.nn.Linear(2, 2)))


@pytest.mark.skipif(not NEW_TORCH, reason="torch.library.custom_op needs torch >= 2.4")
def test_counts_op_registered_and_fake_kernel():
    m = _counted_layer()
    op = torch.ops.samoyeds.moe_layer_counts
    assert "Tensor? s13_values" in str(op.default._schema)
    for t in (1, 7, 0):
        x, rest = _fake_args(m, t)
        y, c = op(m._op_id, x, *rest)
        assert y.shape == (t, 64) and y.dtype == torch.bfloat16 and y.device.type == "meta"
        assert c.shape == (4,) and c.dtype == torch.int64 and c.device.type == "meta"
