"""samoyeds._install: where an installed package looks for its compiler and
libraries (after the source tree), and how it names what is missing."""

import os
import stat

import pytest

from samoyeds import _install, _paths


def _fake_prefix(root):
    """A prefix as `cmake --install` lays it out, with stand-in files."""
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    for name in ("samoyeds-opt", "samoyeds-compile"):
        p = root / "bin" / name
        p.write_text("#!/bin/sh\nexit 0\n")
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
    (root / "lib" / "libsamoyeds_format_c.so").write_bytes(b"")
    return root


def test_prefix_after_bundle(tmp_path, monkeypatch):
    prefix = _fake_prefix(tmp_path / "prefix")
    monkeypatch.setenv("SAMOYEDS_PREFIX", str(prefix))
    dirs = _install.bin_dirs()
    assert dirs[0] == os.path.join(_install.BUNDLE_DIR, "bin")
    assert dirs[1] == str(prefix / "bin")
    assert _install.lib_dirs()[1] == str(prefix / "lib")


def test_found_in_prefix_when_the_tree_has_none(tmp_path, monkeypatch):
    prefix = _fake_prefix(tmp_path / "prefix")
    monkeypatch.setenv("SAMOYEDS_PREFIX", str(prefix))
    monkeypatch.setenv("SAMOYEDS_BUILD_DIR", str(tmp_path / "no-build"))
    monkeypatch.setattr(_install, "BUNDLE_DIR", str(tmp_path / "no-bundle"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert _paths.find_tool("samoyeds-compile") == str(prefix / "bin" / "samoyeds-compile")
    assert _install.find_lib("libsamoyeds_format_c.so") == str(prefix / "lib" / "libsamoyeds_format_c.so")
    assert str(prefix / "lib") in _paths.lib_dirs()


def test_tree_first(tmp_path, monkeypatch):
    build = _fake_prefix(tmp_path / "build")
    prefix = _fake_prefix(tmp_path / "prefix")
    monkeypatch.setenv("SAMOYEDS_BUILD_DIR", str(build))
    monkeypatch.setenv("SAMOYEDS_PREFIX", str(prefix))
    assert _paths.find_tool("samoyeds-opt") == str(build / "bin" / "samoyeds-opt")


def test_missing_compiler_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMOYEDS_BUILD_DIR", str(tmp_path / "no-build"))
    monkeypatch.delenv("SAMOYEDS_PREFIX", raising=False)
    monkeypatch.setattr(_install, "BUNDLE_DIR", str(tmp_path / "no-bundle"))
    monkeypatch.setattr(_paths, "REPO_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with pytest.raises(_install.MissingComponentError) as e:
        _install.require(compiler=True)
    assert "compiler: samoyeds-opt: not found" in str(e.value)
    assert "compiler: samoyeds-compile: not found" in str(e.value)
    assert isinstance(e.value, _paths.SamoyedsError)


def test_missing_gpu_is_named(monkeypatch):
    monkeypatch.setattr(_install, "_gpu_problem", lambda: "no GPU (test)")
    with pytest.raises(_install.MissingComponentError, match=r"GPU: no GPU \(test\)"):
        _install.require(gpu=True)
    monkeypatch.setattr(_install, "_gpu_problem", lambda: None)
    st = _install.status()
    assert st["GPU"] == (None, None)
