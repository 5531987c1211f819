"""Samoyeds: structured-sparse Mixture-of-Experts layers for Sparse Tensor Cores.

Submodules (numpy only unless noted):
  samoyeds.format   Format, pack / unpack (the bytes of the C format library)
  samoyeds.capi     ctypes bindings of libsamoyeds_format_c.so
  samoyeds.mlirgen  MoEConfig, presets, moe_mlir(): MLIR text of a layer
  samoyeds.compiler compile_layer(): samoyeds-compile with a cache
  samoyeds.reference numpy reference of a layer (routing and experts)
  samoyeds.runtime  CompiledMoE: call a compiled layer on torch CUDA tensors (torch)
  samoyeds.layer    SamoyedsMoE: a torch.nn.Module, from HF blocks (torch)
  samoyeds.torch_op the samoyeds::moe_layer torch.library custom op (torch >= 2.4)
  samoyeds.prune    prune_matrix / Calibration (numpy or torch); prune(model, ...) and
                    patch_model(model, ...) for transformers MoE models (torch)
  samoyeds.balance  update_bias, load_imbalance, LoadMonitor (load balancing)
"""

from .format import Format, Packed, PackedTensors, pack, pack_torch, unpack
from .mlirgen import MoEConfig, moe_mlir

__all__ = ["Format", "Packed", "PackedTensors", "pack", "pack_torch", "unpack", "MoEConfig",
           "moe_mlir", "CompiledMoE", "SamoyedsMoE", "compile_layer", "prune", "patch_model",
           "balance"]

__version__ = "0.1.0"


def __getattr__(name):
    # torch-dependent parts are imported on first use.
    if name in ("CompiledMoE",):
        from . import runtime
        return getattr(runtime, name)
    if name in ("SamoyedsMoE",):
        from . import layer
        return getattr(layer, name)
    if name == "prune":          # the module, callable as the whole-model prune()
        import importlib
        return importlib.import_module(".prune", __name__)
    if name == "patch_model":
        from .prune import patch_model
        return patch_model
    if name == "balance":
        import importlib
        return importlib.import_module(".balance", __name__)
    if name == "compile_layer":
        from .compiler import compile_layer
        return compile_layer
    raise AttributeError(f"module 'samoyeds' has no attribute {name!r}")
