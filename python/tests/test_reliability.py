"""Issue 8, the Python side: every option and setting is validated (named
errors), a corrupted or foreign cached artifact is detected, and the format
C API checks the lengths of the buffers it is given."""

import ctypes
import json
import os
import shutil

import numpy as np
import pytest

from samoyeds import _paths, capi
from samoyeds._paths import ArtifactError, OptionError, SamoyedsError, parse_bool
from samoyeds.compiler import (CompileError, artifact_stem, check_chip, compile_layer,
                               normalize_pipeline_options, verify_artifacts)

from test_compiler import TINY, calls, fake_compiler  # noqa: F401 (fixture)


# ---- settings ---------------------------------------------------------------

@pytest.mark.parametrize("value,want", [
    (True, True), (False, False), (1, True), (0, False), (np.bool_(True), True),
    ("yes", True), ("TRUE", True), (" on ", True), ("1", True),
    ("no", False), ("false", False), ("False", False), ("0", False), ("off", False)])
def test_parse_bool(value, want):
    assert parse_bool(value, "blocking") is want


@pytest.mark.parametrize("value", ["", "maybe", "nein", 2, -1, 0.0, None, [], "truee"])
def test_parse_bool_rejects(value):
    with pytest.raises(OptionError, match="blocking must be a bool"):
        parse_bool(value, "blocking")


@pytest.mark.parametrize("chip", ["sm_80", "sm_86", "sm_89", "sm_90", "sm_90a"])
def test_chip_accepted(chip):
    assert check_chip(chip) == chip


@pytest.mark.parametrize("chip,msg", [
    ("sm_90a format=bin", "not of the form"),   # option injection
    ("sm_90a --mlir-print-ir-after-all", "not of the form"),
    ("sm_90a\n", "not of the form"),
    ("gfx90a", "not of the form"), ("sm_", "not of the form"),
    ("sm_100a", "cannot be targeted"),           # needs PTX 8.6+ (LLVM ERROR before)
    ("sm_999", "cannot be targeted"), ("sm_75", "cannot be targeted"),
    ("sm_80a", "cannot be targeted"),
    (90, "must be a str"), (None, "must be a str")])
def test_chip_rejected(chip, msg):
    with pytest.raises(OptionError, match=msg):
        check_chip(chip)


def test_pipeline_options():
    assert normalize_pipeline_options("") == ""
    assert normalize_pipeline_options(None) == ""
    assert normalize_pipeline_options("  stages=3   warp-n=16 ") == "stages=3 warp-n=16"
    assert normalize_pipeline_options({"stages": 3, "warps-n": "2"}) == "stages=3 warps-n=2"
    assert normalize_pipeline_options("family=wgmma_sp stages=2") == "family=wgmma_sp stages=2"
    assert normalize_pipeline_options({"family": "mma_sp"}) == "family=mma_sp"
    assert normalize_pipeline_options({"schedule": "warp_specialized"}) == "schedule=warp_specialized"
    # The one negative value: no stream kernel (docs/kernel.md section 16).
    assert normalize_pipeline_options("stream-tokens=-1") == "stream-tokens=-1"
    assert normalize_pipeline_options({"stream-tokens": -1}) == "stream-tokens=-1"
    assert normalize_pipeline_options("stream-tokens=4") == "stream-tokens=4"


@pytest.mark.parametrize("opts,msg", [
    ("format=bin", "unknown pipeline option 'format'"),
    ("chip=sm_80", "unknown pipeline option 'chip'"),
    ("stages", "not of the form key=value"),
    ("stages==3", "not of the form key=value"),
    ("stages=3=4", "not of the form key=value"),
    ("=3", "not of the form key=value"),
    ("stages=3 stages=4", "given twice"),
    ("stages=-1", "decimal integer"),
    ("stream-tokens=-2", "decimal integer"),
    ("stages=0x10", "decimal integer"),
    ("stages=4611686018427387904", r"must be in \[0, 4096\]"),   # overflowed the compiler
    ("warps-n=4611686018427387904", r"must be in \[0, 4096\]"),
    ({"stages": True}, "must be an int"),
    ({"stages": 2.0}, "must be an int"),
    (["stages=3"], "must be a str or a dict"),
    ("bogus=1", "unknown pipeline option 'bogus'"),
    ("family=wmma", "must be one of mma_sp, wgmma_sp"),
    ({"family": 1}, "must be one of mma_sp, wgmma_sp"),
    ("family=mma_sp family=wgmma_sp", "given twice"),
    ("schedule=pingpong", "must be one of grid, warp_specialized"),
    ("schedule=grid schedule=grid", "given twice")])
def test_pipeline_options_rejected(opts, msg):
    with pytest.raises(OptionError, match=msg):
        normalize_pipeline_options(opts)


def test_compile_layer_validates_before_running(fake_compiler, tmp_path):
    comp, log = fake_compiler
    for kw, msg in [(dict(chip="sm_90a format=bin"), "not of the form"),
                    (dict(pipeline_options="format=bin"), "unknown pipeline option"),
                    (dict(force="no thanks"), "force must be a bool"),
                    (dict(name="moe layer"), "name must be an identifier"),
                    (dict(name="../x"), "name must be an identifier"),
                    (dict(timeout=0), "timeout must be"),
                    (dict(timeout="10"), "timeout must be")]:
        with pytest.raises(OptionError, match=msg):
            compile_layer(TINY, tmp_path / "c", compiler=comp, **kw)
    assert calls(log) == []
    # The errors are named, and still ValueErrors for old callers.
    assert issubclass(OptionError, ValueError) and issubclass(OptionError, SamoyedsError)
    assert issubclass(CompileError, SamoyedsError)
    # force="no" is False: the cache is used.
    compile_layer(TINY, tmp_path / "c", compiler=comp)
    compile_layer(TINY, tmp_path / "c", compiler=comp, force="no")
    assert len(calls(log)) == 1
    compile_layer(TINY, tmp_path / "c", compiler=comp, force="yes")
    assert len(calls(log)) == 2


# ---- cached artifacts --------------------------------------------------------

def test_corrupted_cache_is_recompiled(fake_compiler, tmp_path):
    comp, log = fake_compiler
    a = compile_layer(TINY, tmp_path / "c", compiler=comp)
    assert verify_artifacts(a) == ""
    rec = json.load(open(a.so[:-3] + ".integrity.json"))
    assert rec["key"] == a.key and os.path.basename(a.so) in rec["files"]
    for victim in (a.so, a.cubin[0], a.ptx[0], a.manifest):
        with open(victim, "a") as f:
            f.write("corruption")
        assert "does not match its recorded SHA-256" in verify_artifacts(a)
        b = compile_layer(TINY, tmp_path / "c", compiler=comp)
        assert not b.cached and verify_artifacts(b) == ""
    assert len(calls(log)) == 5


def test_corrupted_cache_without_compiler(fake_compiler, tmp_path, monkeypatch):
    comp, _ = fake_compiler
    a = compile_layer(TINY, tmp_path / "c", compiler=comp)
    monkeypatch.setenv("SAMOYEDS_BUILD_DIR", str(tmp_path / "nowhere"))
    assert compile_layer(TINY, tmp_path / "c").cached     # intact: reused
    with open(a.so, "wb") as f:
        f.write(b"\x7fELF truncated")
    with pytest.raises(ArtifactError, match="does not match its recorded SHA-256"):
        compile_layer(TINY, tmp_path / "c")
    os.remove(a.so[:-3] + ".integrity.json")               # an unverifiable set
    with pytest.raises(ArtifactError, match="no integrity record"):
        compile_layer(TINY, tmp_path / "c")


def test_foreign_artifacts_are_detected(fake_compiler, tmp_path, monkeypatch):
    """The files of another layer renamed to this layer's stem."""
    comp, _ = fake_compiler
    other = compile_layer(TINY.replace(top_k=1), tmp_path / "o", compiler=comp)
    stem = artifact_stem(TINY)
    dst = tmp_path / "c"
    dst.mkdir()
    ostem = os.path.basename(other.so)[:-3]
    for f in os.listdir(tmp_path / "o"):
        shutil.copy(tmp_path / "o" / f, dst / f.replace(ostem, stem))
    monkeypatch.setenv("SAMOYEDS_BUILD_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ArtifactError, match="belongs to another layer"):
        compile_layer(TINY, dst)


def test_compiler_success_without_library(fake_compiler, tmp_path, monkeypatch):
    comp, _ = fake_compiler
    # A compiler run that "succeeds" but leaves no .so is an error, not a result.
    wrapper = tmp_path / "bin" / "quiet-compile"
    wrapper.write_text(f"#!/bin/sh\n{comp} \"$@\" && rm -f \"$3\"/*.so\n")
    wrapper.chmod(0o755)
    with pytest.raises(CompileError, match="wrote no .*\\.so"):
        compile_layer(TINY, tmp_path / "c", compiler=str(wrapper))


def test_compiled_moe_checks_settings_and_library(tmp_path):
    torch = pytest.importorskip("torch")
    from samoyeds.runtime import CompiledMoE, check_library
    junk = tmp_path / "layer.so"
    junk.write_bytes(b"not an ELF file")
    with pytest.raises(OptionError, match="blocking must be a bool"):
        CompiledMoE(TINY, str(junk), blocking="sometimes")
    with pytest.raises(ArtifactError, match="not an ELF shared library"):
        CompiledMoE(TINY, str(junk))
    with pytest.raises(ArtifactError, match="cannot read"):
        check_library(str(tmp_path / "missing.so"))
    elf = tmp_path / "l.so"
    elf.write_bytes(b"\x7fELF" + b"\0" * 60)
    (tmp_path / "l.integrity.json").write_text(json.dumps({"files": {"l.so": "0" * 64}}))
    with pytest.raises(ArtifactError, match="does not match the SHA-256"):
        check_library(str(elf))
    del torch


# ---- the format C API takes buffer lengths -------------------------------------

@pytest.fixture
def lib():
    if not capi.available():
        pytest.skip("libsamoyeds_format_c.so not built")
    return capi.load()


def test_capi_short_buffers(lib):
    i64, P = ctypes.c_int64, ctypes.POINTER
    n, m, v, rows, cols = 1, 2, 64, 16, 64
    dense = np.ones((rows, cols), np.float32)
    # One element short everywhere: an error naming the buffer, nothing written.
    values = np.full(8 * 32 + 1, -5.0, np.float32)
    meta = np.zeros(8 * 4, np.uint16)
    rowidx = np.zeros(8, np.uint8)
    args = lambda nv: [i64(x) for x in (n, m, v, rows, cols)] + [
        dense.ctypes.data_as(P(ctypes.c_float)), i64(dense.size),
        values.ctypes.data_as(P(ctypes.c_float)), i64(nv),
        meta.ctypes.data_as(P(ctypes.c_uint16)), i64(meta.size),
        rowidx.ctypes.data_as(P(ctypes.c_uint8)), i64(rowidx.size)]
    assert lib.samoyeds_format_pack_f32(*args(8 * 32 - 1)) != 0
    assert capi._err(lib) == "values has 255 elements, the shape needs 256"
    assert (values == -5.0).all()
    assert lib.samoyeds_format_pack_f32(*args(8 * 32)) == 0
    assert values[-1] == -5.0          # the guard element past the end
    out = (ctypes.c_int64 * 4)()
    assert lib.samoyeds_format_packed_shape(*[i64(x) for x in (n, m, v, rows, cols)],
                                            out, i64(3)) != 0
    assert capi._err(lib) == "out has 3 elements, the shape needs 4"
