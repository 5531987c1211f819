"""Compile a MoE layer with samoyeds-compile, with an on-disk cache.

    from samoyeds.compiler import compile_layer
    art = compile_layer(MoEConfig.mixtral(), "build-device/moe")
    art.so, art.ptx, art.cubin, art.manifest

The artifacts of a layer are named <name>_<hash>.* where <hash> is that of
the MLIR text, the chip and the pipeline options. A directory that already
holds them is reused without running the compiler, so artifacts compiled on
the development machine can be carried to a GPU machine that has no
compiler. Use force=True after rebuilding the compiler (a cached library
older than samoyeds-opt is recompiled automatically where the compiler is
available).
"""

import dataclasses
import glob
import hashlib
import json
import os
import subprocess

from . import _paths
from .mlirgen import MoEConfig, moe_mlir

__all__ = ["compile_layer", "CompiledArtifacts", "find_compiler", "CompileError",
           "artifact_stem"]


class CompileError(RuntimeError):
    """samoyeds-compile failed; the message holds its diagnostics."""


@dataclasses.dataclass
class CompiledArtifacts:
    name: str            # the MLIR function name
    entry: str           # the C entry point, _mlir_ciface_<name>
    so: str              # shared library with host code and embedded cubins
    ptx: list            # PTX per kernel module
    cubin: list          # cubin per kernel module
    manifest: str        # samoyeds-compile's manifest
    mlir: str            # the MLIR source
    host_o: str          # the host object
    chip: str
    key: str             # the cache key
    cached: bool         # True when no compilation was needed

    def paths(self):
        return dict(so=self.so, ptx=self.ptx, cubin=self.cubin, manifest=self.manifest,
                    mlir=self.mlir, host_o=self.host_o)


def find_compiler():
    """Path of samoyeds-compile ($SAMOYEDS_BUILD_DIR/bin or <repo>/build/bin),
    or None."""
    return _paths.find_tool("samoyeds-compile")


def cache_key(text, chip, pipeline_options):
    h = hashlib.sha256()
    for part in (text, chip, pipeline_options or ""):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def artifact_stem(cfg, name="moe_layer", chip="sm_90a", pipeline_options=""):
    """The file stem (<name>_<hash16>) of a layer's artifacts."""
    return f"{name}_{cache_key(moe_mlir(cfg, name), chip, pipeline_options)[:16]}"


def _collect(out_dir, stem, name, chip, key, cached):
    p = lambda suffix: os.path.join(out_dir, stem + suffix)
    return CompiledArtifacts(
        name=name, entry="_mlir_ciface_" + name, so=p(".so"),
        ptx=sorted(glob.glob(glob.escape(p("")) + ".*.ptx")),
        cubin=sorted(glob.glob(glob.escape(p("")) + ".*.cubin")),
        manifest=p(".manifest.txt"), mlir=p(".mlir"), host_o=p(".host.o"),
        chip=chip, key=key, cached=cached)


def _stale(so_path, compiler):
    if not compiler:
        return False
    opt = os.path.join(os.path.dirname(compiler), "samoyeds-opt")
    ref = opt if os.path.exists(opt) else compiler
    try:
        return os.path.getmtime(ref) > os.path.getmtime(so_path)
    except OSError:
        return False


def compile_layer(cfg, out_dir, chip="sm_90a", name="moe_layer", pipeline_options="",
                  runtime_dir=None, force=False, compiler=None, timeout=None):
    """Compiles the layer `cfg` into `out_dir` (created if needed) and returns
    its CompiledArtifacts. Cached by the hash of the MLIR text, chip and
    options. runtime_dir: the directory of libsamoyeds_runtime.so the .so is
    linked against (default: found like the libraries, see samoyeds._paths).
    Raises CompileError with the compiler's diagnostics, FileNotFoundError
    when no compiler is found and nothing is cached."""
    if not isinstance(cfg, MoEConfig):
        raise TypeError(f"expected a MoEConfig, got {type(cfg).__name__}")
    text = moe_mlir(cfg, name)
    key = cache_key(text, chip, pipeline_options)
    stem = f"{name}_{key[:16]}"
    out_dir = os.path.abspath(out_dir)
    compiler = compiler or find_compiler()
    so = os.path.join(out_dir, stem + ".so")
    manifest = os.path.join(out_dir, stem + ".manifest.txt")
    if not force and os.path.exists(so) and os.path.exists(manifest) and not _stale(so, compiler):
        return _collect(out_dir, stem, name, chip, key, cached=True)
    if not compiler:
        raise FileNotFoundError(
            f"samoyeds-compile not found in {_paths.bin_dir()} (set SAMOYEDS_BUILD_DIR) and "
            f"no cached artifacts {stem}.* in {out_dir}")
    os.makedirs(out_dir, exist_ok=True)
    src = os.path.join(out_dir, stem + ".mlir")
    with open(src, "w") as f:
        f.write(text)
    if runtime_dir is None:
        rt = _paths.find_lib("libsamoyeds_runtime.so")
        runtime_dir = os.path.dirname(rt) if rt else None
    cmd = [compiler, src, "-o", out_dir, "--chip", chip]
    if pipeline_options:
        cmd += ["--pipeline-options", pipeline_options]
    if runtime_dir:
        cmd += ["--runtime-dir", os.path.abspath(runtime_dir)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise CompileError(f"samoyeds-compile failed for {cfg.describe()} "
                           f"({src}):\n{r.stderr.strip() or r.stdout.strip()}")
    with open(os.path.join(out_dir, stem + ".json"), "w") as f:
        cfgd = dataclasses.asdict(cfg)
        cfgd["fmt13"] = str(cfg.fmt13)
        cfgd["fmt2"] = str(cfg.fmt2)
        json.dump(dict(config=cfgd, name=name, chip=chip, pipeline_options=pipeline_options,
                       key=key, compiler=compiler), f, indent=1)
    return _collect(out_dir, stem, name, chip, key, cached=False)
