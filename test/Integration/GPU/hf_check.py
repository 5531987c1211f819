#!/usr/bin/env python3
"""SamoyedsMoE.from_hf on real transformers MoE blocks, against the blocks' own forward.

    python3 test/Integration/GPU/hf_check.py --gen [--build build] [--out build-device]   # here
    python3 test/Integration/GPU/hf_check.py [--dir build-device]                         # GPU machine

Tiny Mixtral, Qwen2-MoE and DeepSeek-V3 blocks are built from transformers'
own classes and configs. Their expert weights are pruned in place to the
1:2 / V=32 format (pack then unpack), so the HF forward and the compiled layer
use the same weights. The HF forward (bf16) is then compared with
SamoyedsMoE.from_hf(block)(x) and with the module's float32 reference of the
pruned layer. The layers are compiled here by --gen into
<out>/hf-cache; the GPU machine has no compiler, so from_hf must derive
exactly the configurations listed in CONFIGS (a mismatch is reported).
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "python"))
from samoyeds.format import Format  # noqa: E402
from samoyeds.mlirgen import MoEConfig  # noqa: E402

FMT = Format(1, 2, 32)
H, I = 64, 64
CONFIGS = {
    "mixtral": MoEConfig(hidden=H, ffn=I, experts=8, top_k=2, scoring="softmax",
                         renormalize=True, fmt13=FMT, fmt2=FMT, dtype="bf16"),
    "qwen2_moe": MoEConfig(hidden=H, ffn=I, experts=8, top_k=2, scoring="softmax",
                           renormalize=False, shared_ffn=2 * I, shared_gate=True,
                           fmt13=FMT, fmt2=FMT, dtype="bf16"),
    "deepseek_v3": MoEConfig(hidden=H, ffn=I, experts=8, top_k=2, scoring="sigmoid",
                             renormalize=True, n_group=4, topk_group=2, scaling_factor=2.5,
                             correction_bias=True, shared_ffn=I, fmt13=FMT, fmt2=FMT,
                             dtype="bf16"),
}
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}", flush=True)


def gen(args):
    from samoyeds.compiler import compile_layer
    out = os.path.abspath(args.out)
    lib = os.path.join(out, "lib")
    for name, cfg in CONFIGS.items():
        compile_layer(cfg, os.path.join(out, "hf-cache"), chip="sm_90a", runtime_dir=lib)
        print(f"hf_check --gen: compiled {name}")


def build_block(name, torch):
    """A tiny block of transformers' own class for `name`."""
    if name == "mixtral":
        from transformers.models.mixtral import modeling_mixtral as m
        from transformers import MixtralConfig
        c = MixtralConfig(hidden_size=H, intermediate_size=I, num_local_experts=8,
                          num_experts_per_tok=2)
        return m.MixtralSparseMoeBlock(c)
    if name == "qwen2_moe":
        from transformers.models.qwen2_moe import modeling_qwen2_moe as m
        from transformers import Qwen2MoeConfig
        c = Qwen2MoeConfig(hidden_size=H, moe_intermediate_size=I,
                           shared_expert_intermediate_size=2 * I, num_experts=8,
                           num_experts_per_tok=2, norm_topk_prob=False)
        return m.Qwen2MoeSparseMoeBlock(c)
    from transformers.models.deepseek_v3 import modeling_deepseek_v3 as m
    from transformers import DeepseekV3Config
    c = DeepseekV3Config(hidden_size=H, moe_intermediate_size=I, n_routed_experts=8,
                         num_experts_per_tok=2, n_group=4, topk_group=2,
                         routed_scaling_factor=2.5, norm_topk_prob=True, n_shared_experts=1)
    return m.DeepseekV3MoE(c)


def prune_in_place(block, torch):
    """Replaces every expert projection of the block by its pruned form."""
    from samoyeds import layer as L
    from samoyeds.format import pack_torch

    def prune(t):
        p = pack_torch(t.detach().to(torch.bfloat16), FMT)
        return torch.from_numpy(p.unpack_f32()).to(t.device, t.dtype)

    experts = block.experts
    if hasattr(experts, "gate_up_proj"):
        ex = L.extract_hf(block)
        for param, dense in ((experts.gate_up_proj, ex["w13"]), (experts.down_proj, ex["w2"])):
            pruned = torch.stack([prune(w) for w in dense])
            if tuple(param.shape) != tuple(pruned.shape):  # stored transposed
                pruned = pruned.transpose(1, 2)
            param.data.copy_(pruned)
    else:
        for mlp in experts:
            for w in L._mlp_weights(mlp, "expert"):
                w.data.copy_(prune(w))
    shared = L._shared_mlp(block)
    if shared is not None:
        for w in L._mlp_weights(shared, "shared expert"):
            w.data.copy_(prune(w))


def device(args):
    import torch
    from samoyeds.layer import SamoyedsMoE
    os.environ.setdefault("SAMOYEDS_LIB_DIR", os.path.join(os.path.abspath(args.dir), "lib"))
    import transformers
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}  "
          f"transformers {transformers.__version__}")
    g = torch.Generator().manual_seed(7)
    for name in CONFIGS:
        try:
            block = build_block(name, torch)
        except Exception as ex:  # class or config missing in this version
            check(f"{name} block", False, f"{type(ex).__name__}: {ex}")
            continue
        with torch.no_grad():
            for pname, p in block.named_parameters():
                p.copy_(torch.randn(p.shape, generator=g) * (0.02 if p.dim() > 1 else 0.1))
            for bname, b in block.named_buffers():
                if "bias" in bname:
                    b.copy_(torch.randn(b.shape, generator=g) * 0.1)
        block = block.to(torch.bfloat16).cuda().eval()
        with torch.no_grad():
            prune_in_place(block, torch)
        try:
            moe = SamoyedsMoE.from_hf(block, fmt=FMT, cache_dir=os.path.join(args.dir, "hf-cache"),
                                      device="cuda")
        except Exception as ex:
            check(f"{name} from_hf", False, f"{type(ex).__name__}: {ex}")
            continue
        check(f"{name} from_hf derives the expected configuration", moe.cfg == CONFIGS[name],
              "" if moe.cfg == CONFIGS[name] else f"got {moe.cfg}")
        x = (torch.randn(3, 11, H, generator=g)).to(torch.bfloat16).cuda()
        with torch.no_grad():
            out = block(x)
            y_hf = (out[0] if isinstance(out, tuple) else out).float()
            y = moe(x).float()
            ref = moe.reference(x)
        err_hf = ((y - y_hf).norm() / y_hf.norm()).item()
        err_ref = ((y - ref).norm() / ref.norm()).item()
        check(f"{name} compiled layer vs the HF block's forward (same pruned weights)",
              err_hf <= 2e-2 and not y.isnan().any().item(), f"rel_err={err_hf:.2e}")
        check(f"{name} compiled layer vs its float32 reference", err_ref <= 1e-2,
              f"rel_err={err_ref:.2e}")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gen", action="store_true")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build-device"))
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-device"))
    args = ap.parse_args()
    if args.gen:
        os.environ.setdefault("SAMOYEDS_BUILD_DIR", os.path.abspath(args.build))
        gen(args)
    else:
        device(args)


if __name__ == "__main__":
    main()
