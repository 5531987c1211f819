"""Compile a MoE layer with samoyeds-compile, with an on-disk cache.

    from samoyeds.compiler import compile_layer
    art = compile_layer(MoEConfig.mixtral(), "build-device/moe")
    art.so, art.ptx, art.cubin, art.manifest
    art.arguments     # the entry point's memref arguments, from the manifest

The artifacts of a layer are named <name>_<hash>.* where <hash> is that of
the MLIR text, the chip and the pipeline options. A directory that already
holds them is reused without running the compiler, so artifacts compiled on
the development machine can be carried to a GPU machine that has no
compiler. Use force=True after rebuilding the compiler (a cached library
older than samoyeds-opt is recompiled automatically where the compiler is
available).

Every argument is validated before anything runs (OptionError): the chip
must be one the GPU pipeline can target, pipeline options are `key=value`
pairs of known integer options (no spaces or `=` smuggled into a value, no
chip= or format= overriding the compiler's own), booleans are bools. The
artifacts of a compilation are recorded in <stem>.integrity.json (the key
and the SHA-256 of the .so, the PTX and cubins and the manifest); a cached
set is reused only when it matches that record. A corrupted or foreign set
is recompiled where the compiler is available, else ArtifactError.

The ABI is the compiler's: samoyeds-compile writes <stem>.manifest.json (each
entry point's arguments in order, from the func.func types after the
out-parameter rewrite; docs/pipeline.md), and a compiled or cached layer is
accepted only when those arguments are abi_arguments(cfg) in element type,
shape and kind (CompiledArtifacts.arguments).
"""

import dataclasses
import glob
import hashlib
import json
import os
import re
import subprocess

from . import _paths
from ._paths import ArtifactError, OptionError, SamoyedsError, parse_bool
from .mlirgen import MoEConfig, abi_arguments, abi_mismatch, manifest_entry, moe_mlir

__all__ = ["compile_layer", "CompiledArtifacts", "find_compiler", "CompileError",
           "artifact_stem", "OptionError", "ArtifactError", "SamoyedsError",
           "check_chip", "normalize_pipeline_options", "verify_artifacts", "read_manifest"]


class CompileError(SamoyedsError, RuntimeError):
    """samoyeds-compile failed; the message holds its diagnostics."""


# The GPU pipeline emits PTX 8.5: sm_80 up to sm_90a. Chips outside that
# range are refused here (the compiler cannot target them).
_CHIP_RE = re.compile(r"sm_(\d{2,3})([af]?)")
MIN_SM, MAX_SM = 80, 90
# Integer options of --samoyeds-gpu-pipeline that a caller may set (chip and
# format belong to samoyeds-compile). The compiler checks their meaning; the
# range here keeps its size arithmetic far from overflow.
PIPELINE_INT_OPTIONS = ("block-k", "decode-tile", "min-blocks-per-sm", "split-k", "stages",
                        "stream-tokens", "warp-m", "warp-n", "warps-m", "warps-n")
MAX_OPTION_VALUE = 4096
# The word-valued options: the MMA instruction family (docs/kernel.md,
# section 15) and the wgmma_sp kernel's schedule (section 17); left out, the
# compiler chooses.
PIPELINE_WORD_OPTIONS = {"family": ("mma_sp", "wgmma_sp"),
                         "schedule": ("grid", "warp_specialized")}
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_chip(chip):
    """The chip name if the GPU pipeline can target it, else OptionError."""
    if not isinstance(chip, str):
        raise OptionError(f"chip must be a str such as 'sm_90a', got {chip!r}")
    m = _CHIP_RE.fullmatch(chip)
    if not m:
        raise OptionError(f"chip {chip!r} is not of the form sm_XX, sm_XXa or sm_XXf")
    sm = int(m.group(1))
    if not MIN_SM <= sm <= MAX_SM or (m.group(2) and sm != 90):
        raise OptionError(f"chip {chip!r} cannot be targeted: the GPU pipeline emits "
                          f"PTX 8.5 for sm_{MIN_SM} to sm_{MAX_SM}a")
    return chip


def normalize_pipeline_options(options):
    """The canonical option string ("key=value ..." in the given order) of
    `options`: a str of space-separated key=value pairs, or a dict. Raises
    OptionError on an unknown key, a repeated key, or a value that is not an
    int in [0, MAX_OPTION_VALUE]."""
    if options is None:
        return ""
    if isinstance(options, dict):
        pairs = list(options.items())
    elif isinstance(options, str):
        pairs = []
        for tok in options.split():
            key, eq, value = tok.partition("=")
            if not eq or not key or "=" in value:
                raise OptionError(f"pipeline option {tok!r} is not of the form key=value")
            pairs.append((key, value))
    else:
        raise OptionError(f"pipeline_options must be a str or a dict, got "
                          f"{type(options).__name__}")
    out, seen = [], set()
    for key, value in pairs:
        if isinstance(key, str) and key in PIPELINE_WORD_OPTIONS:
            if key in seen:
                raise OptionError(f"pipeline option {key!r} given twice")
            seen.add(key)
            if value not in PIPELINE_WORD_OPTIONS[key]:
                raise OptionError(f"pipeline option {key}={value!r}: the value must be one of "
                                  f"{', '.join(PIPELINE_WORD_OPTIONS[key])}")
            out.append(f"{key}={value}")
            continue
        if not isinstance(key, str) or key not in PIPELINE_INT_OPTIONS:
            hint = (" (chip is the chip argument; the format is the compiler's)"
                    if key in ("chip", "format") else "")
            raise OptionError(f"unknown pipeline option {key!r}{hint}; known: "
                              f"{', '.join(PIPELINE_INT_OPTIONS + tuple(PIPELINE_WORD_OPTIONS))}")
        if key in seen:
            raise OptionError(f"pipeline option {key!r} given twice")
        seen.add(key)
        if key == "stream-tokens" and value in (-1, "-1"):
            out.append(f"{key}=-1")  # the one negative value: no stream kernel
            continue
        if isinstance(value, str):
            if not re.fullmatch(r"\d+", value):
                raise OptionError(f"pipeline option {key}={value!r}: the value must be a "
                                  f"decimal integer")
            value = int(value)
        _paths.check_int(value, f"pipeline option {key}", 0, MAX_OPTION_VALUE)
        out.append(f"{key}={value}")
    return " ".join(out)


@dataclasses.dataclass
class CompiledArtifacts:
    name: str            # the MLIR function name
    entry: str           # the C entry point, _mlir_ciface_<name>
    so: str              # shared library with host code and embedded cubins
    ptx: list            # PTX per kernel module
    cubin: list          # cubin per kernel module
    manifest: str        # samoyeds-compile's manifest (<stem>.manifest.json)
    mlir: str            # the MLIR source
    host_o: str          # the host object
    chip: str
    key: str             # the cache key
    cached: bool         # True when no compilation was needed
    arguments: list = dataclasses.field(default_factory=list)   # AbiArgs (named as the
                         # config's, checked against them) of the entry point
    kernels: dict = dataclasses.field(default_factory=dict)     # kernel module -> kernels

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
        manifest=p(MANIFEST_SUFFIX), mlir=p(".mlir"), host_o=p(".host.o"),
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


INTEGRITY_SUFFIX = ".integrity.json"
MANIFEST_SUFFIX = ".manifest.json"


def read_manifest(path):
    """The parsed manifest samoyeds-compile wrote (ValueError when it is not one)."""
    with open(path) as f:
        m = json.load(f)
    if not isinstance(m, dict) or m.get("format") != "samoyeds-compile manifest 1":
        raise ValueError(f"{os.path.basename(path)} is not a samoyeds-compile manifest")
    return m


def _read_abi(art, cfg):
    """Fills art.arguments and art.kernels from the manifest; "" when its
    entry point is the ABI of `cfg`, else what is wrong."""
    try:
        m = read_manifest(art.manifest)
        have = manifest_entry(m, art.name)
    except (OSError, ValueError) as e:
        return f"unreadable manifest {os.path.basename(art.manifest)}: {e}"
    if have is None:
        return f"{os.path.basename(art.manifest)} has no entry point {art.name}"
    want = abi_arguments(cfg)
    problem = abi_mismatch(want, have)
    if problem:
        return f"{art.entry} of {os.path.basename(art.manifest)} does not match: {problem}"
    art.arguments = want
    art.kernels = {k.get("name"): list(k.get("kernels", ()))
                   for k in m.get("kernel_modules", ()) if isinstance(k, dict)}
    return ""


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _artifact_files(art):
    return [art.so, art.manifest] + list(art.ptx) + list(art.cubin)


def _write_integrity(art):
    files = {os.path.basename(p): _sha256(p) for p in _artifact_files(art)}
    path = os.path.join(os.path.dirname(art.so),
                        os.path.basename(art.so)[:-3] + INTEGRITY_SUFFIX)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict(key=art.key, name=art.name, chip=art.chip, files=files), f, indent=1)
    os.replace(tmp, path)


def verify_artifacts(art):
    """"" when the artifacts of `art` match their integrity record, else what
    is wrong (missing record, foreign key, changed or missing file)."""
    path = os.path.join(os.path.dirname(art.so),
                        os.path.basename(art.so)[:-3] + INTEGRITY_SUFFIX)
    try:
        with open(path) as f:
            rec = json.load(f)
    except FileNotFoundError:
        return f"no integrity record {os.path.basename(path)}"
    except (OSError, ValueError) as e:
        return f"unreadable integrity record {os.path.basename(path)}: {e}"
    if not isinstance(rec, dict) or not isinstance(rec.get("files"), dict):
        return f"malformed integrity record {os.path.basename(path)}"
    if rec.get("key") != art.key or rec.get("name") != art.name or rec.get("chip") != art.chip:
        return (f"{os.path.basename(path)} belongs to another layer "
                f"(key {str(rec.get('key'))[:16]}, expected {art.key[:16]})")
    want = rec["files"]
    have = {os.path.basename(p) for p in _artifact_files(art)}
    if set(want) != have:
        return (f"the artifact files differ from the record (missing "
                f"{sorted(set(want) - have)}, unexpected {sorted(have - set(want))})")
    for p in _artifact_files(art):
        try:
            digest = _sha256(p)
        except OSError as e:
            return f"cannot read {os.path.basename(p)}: {e}"
        if digest != want[os.path.basename(p)]:
            return f"{os.path.basename(p)} does not match its recorded SHA-256 (corrupted?)"
    return ""


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
    check_chip(chip)
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise OptionError(f"name must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got {name!r}")
    pipeline_options = normalize_pipeline_options(pipeline_options)
    force = parse_bool(force, "force")
    if timeout is not None and (isinstance(timeout, bool) or
                                not isinstance(timeout, (int, float)) or not timeout > 0):
        raise OptionError(f"timeout must be None or a positive number of seconds, "
                          f"got {timeout!r}")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise OptionError(f"out_dir must be a path, got {out_dir!r}")
    for what, p in (("compiler", compiler), ("runtime_dir", runtime_dir)):
        if p is not None and not isinstance(p, (str, os.PathLike)):
            raise OptionError(f"{what} must be a path, got {p!r}")
    text = moe_mlir(cfg, name)
    key = cache_key(text, chip, pipeline_options)
    stem = f"{name}_{key[:16]}"
    out_dir = os.path.abspath(out_dir)
    compiler = os.fspath(compiler) if compiler else find_compiler()
    so = os.path.join(out_dir, stem + ".so")
    manifest = os.path.join(out_dir, stem + MANIFEST_SUFFIX)
    if not force and os.path.exists(so) and os.path.exists(manifest) and not _stale(so, compiler):
        art = _collect(out_dir, stem, name, chip, key, cached=True)
        problem = verify_artifacts(art) or _read_abi(art, cfg)
        if not problem:
            return art
        if not compiler:
            raise ArtifactError(f"cached artifacts {stem}.* in {out_dir} cannot be used: "
                                f"{problem}; no samoyeds-compile to rebuild them "
                                f"(set SAMOYEDS_BUILD_DIR)")
        # Otherwise rebuilt below.
    if not compiler:
        raise FileNotFoundError(
            f"samoyeds-compile not found in {_paths.bin_dir()} (set SAMOYEDS_BUILD_DIR) "
            f"nor in the installed package's places ({', '.join(_paths._installed().bin_dirs())}"
            f"; set SAMOYEDS_PREFIX) and no cached artifacts {stem}.* in {out_dir}")
    os.makedirs(out_dir, exist_ok=True)
    # A fresh set: no file of an earlier (possibly corrupted) one survives.
    for p in glob.glob(glob.escape(os.path.join(out_dir, stem)) + ".*"):
        # (.manifest.txt: the text manifest of the Python driver, before the JSON one)
        if p.endswith((".so", ".ptx", ".cubin", MANIFEST_SUFFIX, ".manifest.txt", ".host.o",
                       INTEGRITY_SUFFIX)):
            os.remove(p)
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
    # Leftovers of an earlier (corrupted) set must not join this one.
    art = _collect(out_dir, stem, name, chip, key, cached=False)
    for p in (art.so, art.manifest):
        if not os.path.exists(p):
            raise CompileError(f"samoyeds-compile reported success for {cfg.describe()} "
                               f"but wrote no {os.path.basename(p)} in {out_dir}")
    problem = _read_abi(art, cfg)
    if problem:
        raise CompileError(f"samoyeds-compile built {cfg.describe()} with another ABI than "
                           f"the config's: {problem}")
    _write_integrity(art)
    return art
