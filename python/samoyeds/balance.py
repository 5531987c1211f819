"""Auxiliary-loss-free load balancing (DeepSeek-V3; the ALF-LB analysis).

A per-expert correction bias b is added to the routing scores for the
selection only (samoyeds.route, DeepseekV3's gate.e_score_correction_bias);
between training steps

    b_i += u * sign(mean load - load_i)

pushes tokens from overloaded experts to underloaded ones.

    from samoyeds.balance import update_bias, load_imbalance, LoadMonitor
    mon = LoadMonitor(model)          # counts the tokens each MoE block routes (torch hooks)
    loss.backward(); opt.step()
    mon.update_biases(u=1e-3)         # every block's e_score_correction_bias, then resets
    load_imbalance(counts)            # max load / mean load (per row of counts)

numpy arrays and torch tensors are both accepted; update_bias changes the
bias in place (and returns it).

Per-expert counts of a compiled layer come from the layer itself: a
SamoyedsMoE compiled with expert counts (from_hf(..., expert_counts=True),
patch_model(..., expert_counts=True)) returns the counts of its own dispatch
(forward(x, return_expert_counts=True)), and LoadMonitor takes them from
there (SamoyedsMoE.add_expert_counts_hook) for the SamoyedsMoE modules of a
model; its bias is the layer's `bias` buffer, which every call reads:

    y, counts = moe(x, return_expert_counts=True)
    update_bias(moe.bias, counts, u=1e-3)
"""

import numpy as np

__all__ = ["update_bias", "load_imbalance", "load_stats", "LoadMonitor"]


def _is_torch(x):
    return type(x).__module__.split(".")[0] == "torch"


def update_bias(bias, counts, u=1e-3):
    """b_i += u * sign(mean(counts) - counts_i), in place; returns bias.
    bias and counts: (E,) or (..., E) (the mean over the last axis), numpy
    or torch (counts may be of either kind and any numeric dtype)."""
    if tuple(bias.shape) != tuple(counts.shape):
        raise ValueError(f"bias {tuple(bias.shape)} and counts {tuple(counts.shape)} must "
                         "have the same shape (one entry per expert)")
    if _is_torch(bias):
        import torch
        c = counts if _is_torch(counts) else torch.as_tensor(np.asarray(counts))
        c = c.to(device=bias.device, dtype=torch.float64)
        step = torch.sign(c.mean(-1, keepdim=True) - c) * float(u)
        bias.add_(step.to(bias.dtype))
        return bias
    c = counts.detach().cpu().numpy() if _is_torch(counts) else np.asarray(counts)
    c = c.astype(np.float64)
    step = np.sign(c.mean(-1, keepdims=True) - c) * float(u)
    bias += step.astype(bias.dtype)
    return bias


def load_imbalance(counts):
    """max load / mean load over the experts (last axis); a float for (E,)
    counts, an array for (L, E). 1.0 is perfect balance."""
    c = counts.detach().cpu().numpy() if _is_torch(counts) else np.asarray(counts)
    c = c.astype(np.float64)
    mean = c.mean(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = c.max(-1) / mean
    return float(r) if np.ndim(r) == 0 else r


def load_stats(counts):
    """dict(max_over_mean, min_over_mean, cv) per row of counts (last axis)."""
    c = counts.detach().cpu().numpy() if _is_torch(counts) else np.asarray(counts)
    c = c.astype(np.float64)
    mean = c.mean(-1)
    return dict(max_over_mean=c.max(-1) / mean, min_over_mean=c.min(-1) / mean,
                cv=c.std(-1) / mean)


class LoadMonitor:
    """Counts the tokens each MoE block of a torch model routes to each
    expert. HF blocks: forward pre-hooks computing the routing in torch, as
    samoyeds.prune.route_ids. SamoyedsMoE modules (a patched model): the
    counts of the compiled layer's own dispatch (the layer must be compiled
    with expert counts). counts(): (L, E) int64 since the last reset, blocks
    in module order."""

    def __init__(self, model):
        import torch
        from .prune import find_moe_blocks
        from .layer import SamoyedsMoE, hf_settings
        found = dict(find_moe_blocks(model))
        for name, mod in model.named_modules():
            if isinstance(mod, SamoyedsMoE):
                found[name] = mod
        order = {name: i for i, (name, _) in enumerate(model.named_modules())}
        self.blocks = sorted(found.items(), key=lambda nb: order[nb[0]])
        if not self.blocks:
            from .prune import NoMoEBlocksError
            raise NoMoEBlocksError(f"{type(model).__name__} has no MoE blocks")
        self.settings = [None if isinstance(b, SamoyedsMoE) else hf_settings(b)
                         for _, b in self.blocks]
        experts = {b.cfg.experts if st is None else st["experts"]
                   for (_, b), st in zip(self.blocks, self.settings)}
        if len(experts) != 1:
            raise ValueError(f"the MoE blocks have different expert counts {sorted(experts)}")
        e = experts.pop()
        dev = next(model.parameters(), None)
        dev = dev.device if dev is not None else next(model.buffers()).device
        self._counts = torch.zeros((len(self.blocks), e), dtype=torch.long, device=dev)
        self._hooks = []
        for i, (_, blk) in enumerate(self.blocks):
            if self.settings[i] is None:
                self._hooks.append(blk.add_expert_counts_hook(self._make_layer_hook(i)))
            else:
                self._hooks.append(blk.register_forward_pre_hook(self._make_hook(i)))

    def _make_layer_hook(self, i):
        def hook(mod, counts):
            self._counts[i] += counts.to(self._counts.device)
        return hook

    def _make_hook(self, i):
        import torch
        from .prune import route_ids

        def hook(mod, args):
            if not args:
                return
            with torch.no_grad():
                _, ids = route_ids(mod, args[0], self.settings[i])
                self._counts[i] += torch.bincount(ids.reshape(-1),
                                                  minlength=self._counts.shape[1]).to(
                                                      self._counts.device)
        return hook

    def counts(self):
        return self._counts.clone()

    def reset(self):
        self._counts.zero_()

    def imbalance(self):
        return load_imbalance(self._counts)

    def update_biases(self, u=1e-3, reset=True):
        """update_bias on every block's gate.e_score_correction_bias with the
        counts since the last reset; returns the counts used."""
        c = self.counts()
        for i, (name, blk) in enumerate(self.blocks):
            if self.settings[i] is None:    # a SamoyedsMoE: its bias buffer
                b = blk.bias
                if b is None:
                    raise ValueError(f"{name}: the layer has no correction bias to update "
                                     "(MoEConfig.correction_bias)")
            else:
                b = getattr(blk.gate, "e_score_correction_bias", None)
                if b is None:
                    raise ValueError(f"{name}: the gate has no e_score_correction_bias to "
                                     "update")
            update_bias(b.data, c[i], u)
        if reset:
            self.reset()
        return c

    def remove(self):
        for h in self._hooks:
            h.remove()
        self._hooks = []
