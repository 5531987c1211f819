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

Per-expert counts of a compiled layer: SamoyedsMoE.forward(x,
return_expert_counts=True) returns them; the compiled layer does not expose
its dispatch offsets to Python yet, so they are computed in torch from the
same routing (samoyeds.torch_ref.route_torch on the layer's gate and bias).
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
    expert (forward pre-hooks computing the routing in torch, as
    samoyeds.prune.route_ids). counts(): (L, E) int64 since the last reset."""

    def __init__(self, model):
        import torch
        from .prune import find_moe_blocks
        from .layer import hf_settings
        self.blocks = find_moe_blocks(model)
        if not self.blocks:
            from .prune import NoMoEBlocksError
            raise NoMoEBlocksError(f"{type(model).__name__} has no MoE blocks")
        self.settings = [hf_settings(b) for _, b in self.blocks]
        e = self.settings[0]["experts"]
        dev = next(model.parameters()).device
        self._counts = torch.zeros((len(self.blocks), e), dtype=torch.long, device=dev)
        self._hooks = []
        for i, (_, blk) in enumerate(self.blocks):
            self._hooks.append(blk.register_forward_pre_hook(self._make_hook(i)))

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
            b = getattr(blk.gate, "e_score_correction_bias", None)
            if b is None:
                raise ValueError(f"{name}: the gate has no e_score_correction_bias to update")
            update_bias(b.data, c[i], u)
        if reset:
            self.reset()
        return c

    def remove(self):
        for h in self._hooks:
            h.remove()
        self._hooks = []
