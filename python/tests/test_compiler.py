"""samoyeds.compiler: the cache (with a stand-in compiler) and, where the
build has it, a real samoyeds-compile run whose manifest matches the ABI."""

import json
import os
import re
import stat
import sys
import textwrap

import pytest

from samoyeds.compiler import (CompileError, artifact_stem, compile_layer, find_compiler,
                               read_manifest)
from samoyeds.format import Format
from samoyeds.mlirgen import MoEConfig, abi_arguments, manifest_entry

TINY = MoEConfig(hidden=128, ffn=64, experts=4, top_k=2, renormalize=True,
                 fmt13=Format(1, 2, 64), fmt2=Format(1, 2, 64), tile=16)

FAKE = textwrap.dedent("""\
    #!{python}
    # Stand-in for samoyeds-compile: writes the artifacts it would write.
    import os, sys
    src, out = sys.argv[1], sys.argv[sys.argv.index("-o") + 1]
    log = os.environ["FAKE_COMPILE_LOG"]
    with open(log, "a") as f:
        f.write(" ".join(sys.argv[1:]) + "\\n")
    if os.environ.get("FAKE_COMPILE_FAIL"):
        sys.stderr.write("error: GPU lowering of samoyeds.route is not implemented\\n")
        sys.exit(1)
    stem = os.path.join(out, os.path.splitext(os.path.basename(src))[0])
    for suffix in (".so", ".host.o", ".samoyeds_kernels.ptx", ".samoyeds_kernels.cubin"):
        open(stem + suffix, "w").write("x")
    open(stem + ".manifest.json", "w").write(os.environ["FAKE_MANIFEST"])
    """)


def manifest_for(cfg, name="moe_layer"):
    """The manifest samoyeds-compile writes for `cfg` (docs/pipeline.md)."""
    args = [dict(kind=a.kind, type="memref<...>", rank=len(a.shape), shape=list(a.shape),
                 element_type=a.elt, identity_layout=True) for a in abi_arguments(cfg)]
    return json.dumps(dict(format="samoyeds-compile manifest 1", chip="sm_90a",
                           pipeline_options="", functions=[dict(
                               name=name, entry="_mlir_ciface_" + name, arguments=args)],
                           kernel_modules=[]))


@pytest.fixture
def fake_compiler(tmp_path, monkeypatch):
    path = tmp_path / "bin" / "samoyeds-compile"
    path.parent.mkdir()
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "log.txt"
    monkeypatch.setenv("FAKE_COMPILE_LOG", str(log))
    monkeypatch.delenv("FAKE_COMPILE_FAIL", raising=False)
    monkeypatch.setenv("FAKE_MANIFEST", manifest_for(TINY))
    return str(path), log


def calls(log):
    return log.read_text().splitlines() if log.exists() else []


def test_cache(fake_compiler, tmp_path):
    comp, log = fake_compiler
    out = tmp_path / "cache"
    a = compile_layer(TINY, out, compiler=comp, runtime_dir=str(tmp_path))
    assert not a.cached and len(calls(log)) == 1
    assert os.path.basename(a.so) == artifact_stem(TINY) + ".so"
    assert a.entry == "_mlir_ciface_moe_layer" and len(a.ptx) == 1 and len(a.cubin) == 1
    assert os.path.exists(a.mlir) and os.path.exists(a.manifest)
    assert "--chip sm_90a" in calls(log)[0] and "--runtime-dir" in calls(log)[0]
    b = compile_layer(TINY, out, compiler=comp)
    assert b.cached and b.so == a.so and len(calls(log)) == 1
    # Without any compiler the cached artifacts are still found (GPU machine).
    c = compile_layer(TINY, out, compiler=None) if not find_compiler() else b
    assert c.cached
    compile_layer(TINY, out, compiler=comp, force=True)
    assert len(calls(log)) == 2
    # Another layer, chip or option: another key.
    d = compile_layer(TINY.replace(top_k=1), out, compiler=comp)
    e = compile_layer(TINY, out, compiler=comp, chip="sm_80")
    f = compile_layer(TINY, out, compiler=comp, pipeline_options="stages=3")
    assert len({a.so, d.so, e.so, f.so}) == 4 and len(calls(log)) == 5
    assert "--pipeline-options stages=3" in calls(log)[-1]


def test_stale_library_is_recompiled(fake_compiler, tmp_path):
    comp, log = fake_compiler
    a = compile_layer(TINY, tmp_path / "c", compiler=comp)
    os.utime(a.so, (1, 1))          # older than the compiler
    compile_layer(TINY, tmp_path / "c", compiler=comp)
    assert len(calls(log)) == 2


def test_compile_failure(fake_compiler, tmp_path, monkeypatch):
    comp, _ = fake_compiler
    monkeypatch.setenv("FAKE_COMPILE_FAIL", "1")
    with pytest.raises(CompileError, match="samoyeds.route is not implemented"):
        compile_layer(TINY, tmp_path / "c", compiler=comp)


def test_manifest_of_another_abi(fake_compiler, tmp_path, monkeypatch):
    """A compiler whose entry point is not the config's ABI (no counts
    out-parameter, another hidden size) is a CompileError."""
    comp, log = fake_compiler
    with pytest.raises(CompileError, match=r"9 arguments, the config describes 10"):
        compile_layer(TINY.replace(expert_counts=True), tmp_path / "c", compiler=comp)
    a = compile_layer(TINY, tmp_path / "c", compiler=comp)
    assert [x.name for x in a.arguments] == [x.name for x in abi_arguments(TINY)]
    # A changed set is recompiled, and the rebuilt manifest is checked too.
    monkeypatch.setenv("FAKE_MANIFEST", manifest_for(TINY.replace(hidden=256)))
    with open(a.manifest, "a") as f:
        f.write(" ")
    with pytest.raises(CompileError, match=r"argument x \(arg0\) is input \?x256xbf16"):
        compile_layer(TINY, tmp_path / "c", compiler=comp)
    assert len(calls(log)) == 3


def test_no_compiler_no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMOYEDS_BUILD_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="samoyeds-compile not found"):
        compile_layer(TINY, tmp_path / "c")


@pytest.mark.parametrize("counts", [False, True], ids=["plain", "expert_counts"])
def test_real_compile(tmp_path, counts):
    """With a build that has samoyeds-compile (and ptxas): the layer compiles
    and its manifest has the entry point with one descriptor per ABI argument
    (one more, the counts, with expert_counts; then the counting scan kernel
    replaces the plain one)."""
    comp = find_compiler()
    if not comp:
        pytest.skip("samoyeds-compile not built")
    if not os.path.exists("/usr/local/cuda/bin/ptxas"):
        pytest.skip("ptxas not installed")
    cfg = TINY.replace(expert_counts=counts)
    art = compile_layer(cfg, tmp_path, compiler=comp, timeout=600)
    manifest = read_manifest(art.manifest)
    (fn,) = manifest["functions"]
    assert fn["entry"] == art.entry == "_mlir_ciface_moe_layer"
    assert len(fn["arguments"]) == len(abi_arguments(cfg)) == 9 + counts
    # (the dispatch tile is the kernels' token tile, set by the pipeline)
    kernels = [k for m in manifest["kernel_modules"] for k in m["kernels"]]
    scans = [re.fullmatch(r"dispatch_e4_t\d+_k2_(scan\w*)", k) for k in kernels]
    scans = [m.group(1) for m in scans if m]
    assert scans == ["scan_counts_i64" if counts else "scan"], kernels
    assert sorted(os.path.join(tmp_path, m["ptx"]) for m in manifest["kernel_modules"]) == art.ptx
    assert os.path.exists(art.so) and art.cubin and art.ptx


def test_manifest_arguments_are_the_call(tmp_path):
    """The manifest of a real compilation lists the arguments of the compiled
    entry point exactly as the layer's call passes them (CompiledMoE passes
    abi_arguments(cfg) in order): element type, static or dynamic shape, and
    inputs before the out-parameters the layer writes."""
    comp = find_compiler()
    if not comp or not os.path.exists("/usr/local/cuda/bin/ptxas"):
        pytest.skip("samoyeds-compile or ptxas not available")
    cfg = MoEConfig(hidden=128, ffn=64, experts=4, top_k=2, correction_bias=True,
                    shared_ffn=64, shared_gate=True, expert_counts=True,
                    fmt13=Format(1, 2, 64), fmt2=Format(1, 2, 64), tile=16)
    art = compile_layer(cfg, tmp_path, compiler=comp, timeout=600)
    raw = read_manifest(art.manifest)["functions"][0]["arguments"]
    got = manifest_entry(read_manifest(art.manifest))
    want = abi_arguments(cfg)
    assert [(a.elt, a.shape, a.kind) for a in got] == [(a.elt, a.shape, a.kind) for a in want]
    assert [a["kind"] for a in raw] == ["input"] * (len(want) - 2) + ["out", "out"]
    assert all(a["rank"] == len(w.shape) and a["type"].startswith("memref<")
               for a, w in zip(raw, want))
    assert art.arguments == want
