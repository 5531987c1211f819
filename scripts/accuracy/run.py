#!/usr/bin/env python3
"""Accuracy of pruning to the Samoyeds format, on MoE models the script trains.

    bash scripts/accuracy/prepare_data.sh                 # once: .accuracy/kjv.txt.gz
    PYTHONUNBUFFERED=1 python3 scripts/accuracy/run.py --out $OUT          # one H200
    python3 scripts/accuracy/run.py --tiny --out /tmp/acc                  # CPU smoke test

1. Data: the King James Bible (Debian bible-kjv-text), bytes as tokens (the
   project's tokenizer: vocabulary 256, no merges). The text is cut into
   4 KiB chunks; chunk i goes to calibration if i % 20 == 18, to held-out if
   i % 20 == 19, to training otherwise. Everything is deterministic from --seed.
2. Models (transformers, or a built-in torch model of the same block layout
   where transformers is missing, e.g. on the CPU): a MixtralForCausalLM
   (8 experts, top-2, softmax, aux loss 0.01) and a DeepseekV3ForCausalLM
   (8 experts + 1 shared, sigmoid routing, n_group 4 / topk_group 2, no aux
   loss, e_score_correction_bias updated between steps by
   samoyeds.balance.update_bias with the per-expert counts of the step);
   the same DeepSeek-V3 model trained without the update gives the
   load-balancing baseline.
3. Pruning: samoyeds.prune(model, calibration, method, fmt) for every method
   (magnitude, wanda, sparsegpt) x pattern (1:2 x 2:4 at V=32/64/128,
   plain 2:4, unstructured 25 % and 50 %); then a short sparse fine-tune
   (masks fixed, distillation from the dense logits) of selected ones.
4. Held-out perplexity of each; load imbalance (max/mean tokens per expert,
   per layer, on the held-out text). JSON to --out, a table printed last.
5. --patched: the pruned model with every MoE block replaced by the compiled
   SamoyedsMoE (samoyeds.patch_model, layers precompiled into --cache-dir),
   its perplexity against the pruned torch model in bf16.
"""
import argparse
import gzip
import json
import math
import os
import sys
import time
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import samoyeds  # noqa: E402
from samoyeds import balance  # noqa: E402
from samoyeds.format import Format  # noqa: E402
from samoyeds.prune import Unstructured, plain_24  # noqa: E402
from samoyeds.torch_ref import route_torch  # noqa: E402

T0 = time.time()


def log(*a):
    print(f"[{time.time() - T0:7.1f}s]", *a, flush=True)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def load_splits(path, chunk=4096):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    parts = {"train": [], "calib": [], "heldout": []}
    for i in range(0, len(raw), chunk):
        k = (i // chunk) % 20
        parts["calib" if k == 18 else "heldout" if k == 19 else "train"].append(raw[i:i + chunk])
    return {k: torch.tensor(np.frombuffer(b"".join(v), dtype=np.uint8).astype(np.int64))
            for k, v in parts.items()}


def windows(stream, seq, count):
    """The first `count` non-overlapping windows of seq tokens (count x seq)."""
    n = min(count, (len(stream) - 1) // seq)
    return stream[: n * seq].view(n, seq)


def random_batch(stream, seq, batch, gen):
    idx = torch.randint(0, len(stream) - seq - 1, (batch,), generator=gen)
    return torch.stack([stream[i:i + seq] for i in idx.tolist()])


# ---------------------------------------------------------------------------
# Models: transformers, or built-in blocks of the same layout (no transformers)
# ---------------------------------------------------------------------------


class RMSNorm(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(h))

    def forward(self, x):
        return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-6).to(x.dtype) * self.weight


class MLP(nn.Module):
    def __init__(self, h, i):
        super().__init__()
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Router(nn.Module):
    def __init__(self, h, e, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(e, h) * 0.02)
        if bias:
            self.register_buffer("e_score_correction_bias", torch.zeros(e))


class FallbackMoE(nn.Module):
    """A DeepSeek-style block readable by samoyeds.layer (gate.weight,
    experts[i].gate/up/down_proj, shared_experts, routing attributes)."""

    def __init__(self, h, i, e, k, sigmoid, shared):
        super().__init__()
        self.gate = Router(h, e, sigmoid)
        self.experts = nn.ModuleList(MLP(h, i) for _ in range(e))
        self.shared_experts = MLP(h, shared) if shared else None
        self.top_k = k
        self.scoring_func = "sigmoid" if sigmoid else "softmax"
        self.norm_topk_prob = True
        self.n_group, self.topk_group = (4, 2) if sigmoid else (1, 1)
        self.routed_scaling_factor = 2.5 if sigmoid else 1.0
        self.cfg = SimpleNamespace(top_k=k, scoring=self.scoring_func, renormalize=True,
                                   n_group=self.n_group, topk_group=self.topk_group,
                                   scaling_factor=self.routed_scaling_factor,
                                   correction_bias=sigmoid, experts=e)
        self.aux = None

    def forward(self, x):
        shp = x.shape
        x = x.reshape(-1, shp[-1])
        logits = F.linear(x.float(), self.gate.weight.float())
        bias = getattr(self.gate, "e_score_correction_bias", None)
        w, ids, _ = route_torch(logits, self.cfg, bias)
        if self.scoring_func == "softmax":    # Switch-style aux loss
            p = torch.softmax(logits, -1)
            f = torch.bincount(ids.reshape(-1), minlength=p.shape[1]).float() / ids.numel()
            self.aux = p.shape[1] * (f * p.mean(0)).sum()
        y = torch.zeros_like(x)
        for e, ex in enumerate(self.experts):
            tok, slot = (ids == e).nonzero(as_tuple=True)
            if tok.numel():
                y = y.index_add(0, tok, ex(x[tok]) * w[tok, slot, None].to(x.dtype))
        if self.shared_experts is not None:
            y = y + self.shared_experts(x)
        return y.reshape(shp)


class Attention(nn.Module):
    def __init__(self, h, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(h, 3 * h, bias=False)
        self.o = nn.Linear(h, h, bias=False)

    def forward(self, x):
        b, t, h = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(h // self.heads)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        return self.o((att @ v).transpose(1, 2).reshape(b, t, h))


class FallbackLayer(nn.Module):
    def __init__(self, h, heads, moe):
        super().__init__()
        self.n1, self.n2 = RMSNorm(h), RMSNorm(h)
        self.attn = Attention(h, heads)
        self.mlp = moe

    def forward(self, x):
        x = x + self.attn(self.n1(x))
        return x + self.mlp(self.n2(x))


class FallbackLM(nn.Module):
    def __init__(self, c, kind):
        super().__init__()
        self.config = SimpleNamespace(vocab_size=256)
        sig = kind.startswith("deepseek")
        self.embed = nn.Embedding(256, c.hidden)
        self.layers = nn.ModuleList(
            FallbackLayer(c.hidden, c.heads, FallbackMoE(c.hidden, c.ffn, c.experts, 2, sig,
                                                         c.ffn if sig else 0))
            for _ in range(c.layers))
        self.norm = RMSNorm(c.hidden)
        self.head = nn.Linear(c.hidden, 256, bias=False)

    def forward(self, input_ids, **kw):
        x = self.embed(input_ids)
        for lyr in self.layers:
            x = lyr(x)
        aux = [lyr.mlp.aux for lyr in self.layers if lyr.mlp.aux is not None]
        return SimpleNamespace(logits=self.head(self.norm(x)),
                               aux_loss=sum(aux) / len(aux) if aux else None)


def build_model(kind, c, use_hf):
    if use_hf:
        if kind == "mixtral":
            from transformers import MixtralConfig, MixtralForCausalLM
            cfg = MixtralConfig(vocab_size=256, hidden_size=c.hidden, intermediate_size=c.ffn,
                                num_hidden_layers=c.layers, num_attention_heads=c.heads,
                                num_key_value_heads=max(1, c.heads // 2),
                                max_position_embeddings=1024, num_local_experts=c.experts,
                                num_experts_per_tok=2, router_aux_loss_coef=0.01,
                                output_router_logits=True, tie_word_embeddings=False,
                                attn_implementation="sdpa")
            return MixtralForCausalLM(cfg), "transformers"
        from transformers import DeepseekV3Config, DeepseekV3ForCausalLM
        cfg = DeepseekV3Config(vocab_size=256, hidden_size=c.hidden, intermediate_size=c.ffn,
                               moe_intermediate_size=c.ffn, num_hidden_layers=c.layers,
                               num_attention_heads=c.heads, num_key_value_heads=c.heads,
                               n_shared_experts=1, n_routed_experts=c.experts,
                               num_experts_per_tok=2, n_group=4, topk_group=2,
                               routed_scaling_factor=2.5, norm_topk_prob=True,
                               first_k_dense_replace=0, q_lora_rank=None,
                               kv_lora_rank=c.hidden // 4, qk_rope_head_dim=16,
                               qk_nope_head_dim=c.hidden // c.heads - 16,
                               v_head_dim=c.hidden // c.heads, max_position_embeddings=1024,
                               tie_word_embeddings=False, attn_implementation="sdpa")
        return DeepseekV3ForCausalLM(cfg), "transformers"
    return FallbackLM(c, kind), "builtin"


def logits_of(model, ids):
    return model(ids).logits


def aux_of(out):
    a = getattr(out, "aux_loss", None)
    return a if isinstance(a, torch.Tensor) else None


# ---------------------------------------------------------------------------
# Training, evaluation
# ---------------------------------------------------------------------------


def autocast(dev):
    if dev.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def lm_loss(logits, ids):
    return F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                           ids[:, 1:].reshape(-1))


def train(model, data, a, dev, gen, u=0.0, kind="mixtral"):
    """AdamW with warm-up and cosine decay; for DeepSeek-V3 the correction
    bias is updated after each step by samoyeds.balance.update_bias (u > 0).
    Returns a dict of the run."""
    model.to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.1)
    mon = balance.LoadMonitor(model)
    steps = a.steps
    warm = max(1, steps // 20)
    cut = None
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(
            math.pi * min(1.0, s / steps)))))
    imb = []
    t0 = time.time()
    for step in range(steps):
        ids = random_batch(data["train"], a.seq, a.batch, gen).to(dev)
        with autocast(dev):
            out = model(ids)
            loss = lm_loss(out.logits, ids)
            aux = aux_of(out)
            total = loss + 0.01 * aux if (aux is not None and kind == "mixtral") else loss
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        c = mon.counts()
        imb.append(float(np.mean(balance.load_imbalance(c))))
        if u > 0:
            mon.update_biases(u)
        else:
            mon.reset()
        if step == 4:
            t5 = time.time()          # steps 5..14 time the loop (after the warm-up)
        if step == 14:
            per = (time.time() - t5) / 10
            log(f"  {kind}: {per * 1000:.0f} ms/step, {steps} steps ~ {per * steps:.0f}s")
            if per * steps > a.max_train_s:       # keep the whole run within the budget
                cut = max(20, int(a.max_train_s / per))
                log(f"  {kind}: cutting training to {cut} steps (--max-train-s {a.max_train_s})")
        if cut is not None and step + 1 >= cut:
            break
        if step % max(1, steps // 5) == 0 or step == steps - 1:
            log(f"  {kind} step {step}: loss {loss.item():.3f}  imbalance {imb[-1]:.2f}")
    mon.remove()
    return dict(steps=step + 1, planned_steps=steps, seconds=time.time() - t0, final_loss=float(loss.item()),
                imbalance_first10=float(np.mean(imb[:10])),
                imbalance_last10=float(np.mean(imb[-10:])))


@torch.no_grad()
def perplexity(model, held, dev, bs=32, dtype=None):
    model.eval()
    tot, n = 0.0, 0
    for i in range(0, held.shape[0], bs):
        ids = held[i:i + bs].to(dev)
        if dtype is None:
            with autocast(dev):
                lg = logits_of(model, ids)
        else:
            lg = logits_of(model, ids)
        tot += lm_loss(lg, ids).item() * ids.shape[0]
        n += ids.shape[0]
    return math.exp(tot / n)


@torch.no_grad()
def heldout_load(model, held, dev, bs=32):
    model.eval()
    mon = balance.LoadMonitor(model)
    for i in range(0, held.shape[0], bs):
        with autocast(dev):
            model(held[i:i + bs].to(dev))
    c = mon.counts()
    mon.remove()
    return dict(max_over_mean=[round(float(x), 3) for x in balance.load_imbalance(c)],
                counts=c.tolist())


def expert_masks(model):
    """{parameter: bool mask} of the pruned expert weights (zeros stay zero)."""
    from samoyeds.prune import find_moe_blocks
    out = {}
    for _, blk in find_moe_blocks(model):
        for name, p in blk.named_parameters():
            if "experts" in name and p.dim() >= 2:
                out[p] = p.detach() != 0
    return out


def finetune(student, teacher, data, a, dev, gen):
    """Sparse fine-tune: masks fixed (re-applied after every step), loss =
    KL(dense teacher || student) on the training text."""
    masks = expert_masks(student)
    student.train()
    teacher.eval()
    for p in student.parameters():
        p.requires_grad_(True)
    opt = torch.optim.AdamW(student.parameters(), lr=a.ft_lr, weight_decay=0.0)
    for step in range(a.ft_steps):
        ids = random_batch(data["train"], a.seq, a.batch, gen).to(dev)
        with autocast(dev):
            with torch.no_grad():
                t = logits_of(teacher, ids).float()
            s = logits_of(student, ids).float()
            loss = F.kl_div(F.log_softmax(s, -1), F.log_softmax(t, -1), log_target=True,
                            reduction="batchmean") / s.shape[1]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for p, m in masks.items():
                p.mul_(m)
    student.eval()
    return student


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

PATTERNS = {
    "1:2x2:4 V=32": Format(1, 2, 32), "1:2x2:4 V=64": Format(1, 2, 64),
    "1:2x2:4 V=128": Format(1, 2, 128), "2:4": plain_24(),
    "unstructured 25%": Unstructured(0.25), "unstructured 50%": Unstructured(0.5),
}
METHODS = ("magnitude", "wanda", "sparsegpt", "sparsegpt-diag")
# "sparsegpt-diag": sparsegpt with the rows of a slice chosen by the summed OBS
# saliency w^2/d^2 (row_score="diag") instead of the OBS drop-vs-keep cost.


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, ".accuracy", "kjv.txt.gz"))
    ap.add_argument("--out", default=os.environ.get("OUT", "/tmp/samoyeds_accuracy"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tiny", action="store_true", help="a tiny CPU smoke configuration")
    ap.add_argument("--models", default="mixtral,deepseek_v3")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--experts", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--max-train-s", type=float, default=60.0,
                    help="fewer steps when the planned ones would take longer")
    ap.add_argument("--budget-s", type=float, default=480.0,
                    help="skip the remaining prunes / fine-tunes past this wall time")
    ap.add_argument("--bias-u", type=float, default=3e-3)
    ap.add_argument("--calib-seqs", type=int, default=64)
    ap.add_argument("--eval-seqs", type=int, default=256)
    ap.add_argument("--ft-steps", type=int, default=150)
    ap.add_argument("--ft-lr", type=float, default=3e-4)
    ap.add_argument("--ft", default="magnitude:1:2x2:4 V=128,sparsegpt:1:2x2:4 V=128",
                    help="method:pattern pairs to fine-tune ('' for none)")
    ap.add_argument("--patterns", default="", help="only these patterns (comma-separated)")
    ap.add_argument("--methods", default="", help="only these methods (comma-separated)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the DeepSeek-V3 run without bias updates")
    ap.add_argument("--no-hf", action="store_true", help="use the built-in models")
    ap.add_argument("--patched", action="store_true",
                    help="also the compiled SamoyedsMoE model (patch_model; needs --cache-dir)")
    ap.add_argument("--cache-dir", default=os.path.join(ROOT, ".accuracy", "cache"))
    ap.add_argument("--gen-patched", action="store_true",
                    help="precompile the --patched layers into --cache-dir and exit")
    a = ap.parse_args()
    if a.gen_patched:
        gen_patched(a)
        return
    if a.tiny:
        a.hidden, a.ffn, a.layers, a.heads, a.experts = 128, 128, 2, 2, 8
        a.seq, a.batch, a.steps, a.calib_seqs, a.eval_seqs, a.ft_steps = 64, 8, 30, 8, 16, 5
    os.makedirs(a.out, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        import transformers
        use_hf = not a.no_hf
        tv = transformers.__version__
    except ImportError:
        use_hf, tv = False, None
    devname = torch.cuda.get_device_name() if dev.type == "cuda" else "cpu"
    log(f"device {devname}, torch {torch.__version__}, transformers {tv}, "
        f"models {'transformers' if use_hf else 'built-in'}")
    data = load_splits(a.data)
    log("tokens: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))
    held = windows(data["heldout"], a.seq, a.eval_seqs)
    cal = windows(data["calib"], a.seq, a.calib_seqs)
    cal_batches = list(cal.split(8))
    c = SimpleNamespace(hidden=a.hidden, ffn=a.ffn, layers=a.layers, heads=a.heads,
                        experts=a.experts)
    res = dict(device=devname, torch=torch.__version__, transformers=tv, args=vars(a),
               date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), models={})

    def save():
        with open(os.path.join(a.out, "accuracy.json"), "w") as f:
            json.dump(res, f, indent=1)

    runs = []
    for kind in a.models.split(","):
        runs.append((kind, a.bias_u if kind.startswith("deepseek") else 0.0))
        if kind.startswith("deepseek") and not a.no_baseline:
            runs.append((kind + " (no bias update)", 0.0))
    for label, u in runs:
        kind = label.split(" ")[0]
        torch.manual_seed(a.seed)
        gen = torch.Generator().manual_seed(a.seed)
        try:
            model, impl = build_model(kind, c, use_hf)
        except Exception as ex:  # a class or option missing in this transformers version
            log(f"{kind}: transformers model failed ({type(ex).__name__}: {ex}); built-in model")
            model, impl = build_model(kind, c, False)
        if hasattr(model, "set_experts_implementation"):
            try:   # transformers 5: the plain loop over experts (float32 weights, autocast)
                model.set_experts_implementation("eager")
            except Exception as ex:
                log(f"  set_experts_implementation: {ex}")
        nparam = sum(p.numel() for p in model.parameters())
        log(f"== {label}: {impl}, {nparam / 1e6:.1f} M parameters, bias update u={u}")
        entry = dict(impl=impl, params=nparam, bias_u=u)
        res["models"][label] = entry
        entry["train"] = train(model, data, a, dev, gen, u=u, kind=kind)
        if getattr(getattr(model, "config", None), "output_router_logits", False):
            model.config.output_router_logits = False     # no aux loss from here on
        entry["dense_ppl"] = perplexity(model, held, dev)
        entry["load"] = heldout_load(model, held, dev)
        log(f"  dense held-out ppl {entry['dense_ppl']:.3f}, load max/mean "
            f"{entry['load']['max_over_mean']}")
        save()
        if "no bias update" in label:
            del model
            continue
        entry["pruned"] = {}
        ft_wanted = [s.split(":", 1) for s in a.ft.split(",") if s]
        for pname, pat in PATTERNS.items():
            if a.patterns and pname not in a.patterns.split(","):
                continue
            for method in METHODS:
                if a.methods and method not in a.methods.split(","):
                    continue
                if time.time() - T0 > a.budget_s:
                    log(f"  skipped {method} {pname}: past --budget-s {a.budget_s}")
                    entry.setdefault("skipped", []).append(f"{method} | {pname}")
                    continue
                t1 = time.time()
                try:
                    if method == "sparsegpt-diag" and not (isinstance(pat, Format)
                                                           and pat.m > 1):
                        continue
                    pm = samoyeds.prune(model, cal_batches, method=method.split("-")[0],
                                        fmt=pat, progress=False,
                                        row_score="diag" if method.endswith("diag") else "obs")
                except samoyeds.prune.FormatFitError as ex:
                    log(f"  {method} {pname}: {ex}")
                    continue
                tp = time.time() - t1
                ppl = perplexity(pm, held, dev)
                row = dict(ppl=ppl, prune_s=round(tp, 2))
                if a.patched and method == "sparsegpt" and pat == PATCH_FMT:
                    row.update(patched(pm, pat, held, dev, a))
                if [method, pname] in ft_wanted and a.ft_steps > 0:
                    t1 = time.time()
                    finetune(pm, model, data, a, dev, gen)
                    row["ft_ppl"] = perplexity(pm, held, dev)
                    row["ft_s"] = round(time.time() - t1, 1)
                entry["pruned"][f"{method} | {pname}"] = row
                log(f"  {method:9s} {pname:17s} ppl {ppl:8.3f}" +
                    (f"  fine-tuned {row['ft_ppl']:.3f}" if "ft_ppl" in row else "") +
                    f"  ({tp:.1f}s)")
                del pm
                save()
        del model
    save()
    print_tables(res)


PATCH_FMT = Format(1, 2, 128)


def patched_configs(a, fmt=PATCH_FMT):
    """The MoEConfigs SamoyedsMoE.from_hf derives from the two models' blocks."""
    from samoyeds.mlirgen import MoEConfig
    h, i, e = a.hidden, a.ffn, a.experts
    return {
        "mixtral": MoEConfig(hidden=h, ffn=i, experts=e, top_k=2, scoring="softmax",
                             renormalize=True, fmt13=fmt, fmt2=fmt, dtype="bf16"),
        "deepseek_v3": MoEConfig(hidden=h, ffn=i, experts=e, top_k=2, scoring="sigmoid",
                                 renormalize=True, n_group=4, topk_group=2,
                                 scaling_factor=2.5, correction_bias=True, shared_ffn=i,
                                 fmt13=fmt, fmt2=fmt, dtype="bf16"),
    }


def gen_patched(a):
    """Precompiles the layers of patched_configs into --cache-dir (on the
    development machine: the GPU machine has no compiler) and copies the
    runtime libraries to <cache-dir>/lib."""
    import shutil
    from samoyeds import _paths
    from samoyeds.compiler import compile_layer
    lib = os.path.join(a.cache_dir, "lib")
    os.makedirs(lib, exist_ok=True)
    for name in ("libsamoyeds_runtime.so", "libsamoyeds_format_c.so"):
        src = _paths.find_lib(name)
        if src:
            shutil.copy2(src, lib)
    for name, cfg in patched_configs(a).items():
        art = compile_layer(cfg, a.cache_dir, chip="sm_90a", runtime_dir=lib, force=True)
        log(f"compiled {name}: {cfg.describe()} -> {os.path.basename(art.so)}")


def patched(pm, fmt, held, dev, a):
    """Perplexity of the compiled model (patch_model) vs the same pruned
    model in bf16 torch; and generate() on the patched model."""
    try:
        os.environ.setdefault("SAMOYEDS_LIB_DIR", os.path.join(a.cache_dir, "lib"))
        ref = pm.to(torch.bfloat16)
        ppl_ref = perplexity(ref, held, dev, dtype=torch.bfloat16)
        t1 = time.time()
        pt = samoyeds.patch_model(ref, fmt=fmt, cache_dir=a.cache_dir)
        ppl_p = perplexity(pt, held, dev, dtype=torch.bfloat16)
        out = dict(bf16_ppl=ppl_ref, patched_ppl=ppl_p, patched_rel=(ppl_p - ppl_ref) / ppl_ref,
                   patched_s=round(time.time() - t1, 1))
        if hasattr(pt, "generate"):
            try:
                prompt = torch.tensor([list(b"And God said")], device=dev)
                g = pt.generate(prompt, max_new_tokens=24, do_sample=False)
                out["generate"] = bytes(g[0].tolist()).decode("latin-1")
            except Exception as ex:
                out["generate_error"] = f"{type(ex).__name__}: {str(ex)[:200]}"
        del pt
        pm.float()
        return out
    except Exception as ex:
        pm.float()
        log(f"  patched model failed: {type(ex).__name__}: {ex}")
        return dict(patched_error=f"{type(ex).__name__}: {str(ex)[:300]}")


def print_tables(res):
    print()
    print(f"device {res['device']}, {res['date']}")
    for label, e in res["models"].items():
        tr = e["train"]
        print(f"\n{label} ({e['impl']}, {e['params'] / 1e6:.1f} M params, {tr['steps']} steps "
              f"{tr['seconds']:.0f}s): dense held-out ppl {e['dense_ppl']:.3f}")
        if "pruned" not in e:
            continue
        print(f"| pattern | {' | '.join(METHODS)} | fine-tuned |")
        print("|---|" + "---|" * (len(METHODS) + 1))
        for pname in PATTERNS:
            cells, ft = [], []
            for m in METHODS:
                r = e["pruned"].get(f"{m} | {pname}")
                cells.append(f"{r['ppl']:.3f}" if r else "-")
                if r and "ft_ppl" in r:
                    ft.append(f"{m} {r['ft_ppl']:.3f}")
                if r and "patched_ppl" in r:
                    ft.append(f"compiled {r['patched_ppl']:.3f} vs torch bf16 "
                              f"{r['bf16_ppl']:.3f} ({100 * r['patched_rel']:+.2f} %)")
                if r and "patched_error" in r:
                    ft.append("compiled: " + r["patched_error"][:80])
            print(f"| {pname} | {' | '.join(cells)} | {'; '.join(ft) or '-'} |")
    print("\nload balance (held-out max/mean tokens per expert, per layer; training mean "
          "of the first / last 10 steps)")
    for label, e in res["models"].items():
        tr = e["train"]
        print(f"| {label} | {e['load']['max_over_mean']} | {tr['imbalance_first10']:.2f} -> "
              f"{tr['imbalance_last10']:.2f} | ppl {e['dense_ppl']:.3f} |")


if __name__ == "__main__":
    main()
