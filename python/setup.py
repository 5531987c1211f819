"""Build hook of the samoyeds wheel (metadata: pyproject.toml).

With SAMOYEDS_BUILD_DIR set, build_py copies the build tree's compiler and
shared libraries into samoyeds/_bundle/{bin,lib} (found there by
samoyeds/_install.py), and the wheel is tagged for this platform. The
bundled samoyeds-opt still links the system's libMLIR.so (LLVM 22)."""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

TOOLS = ["samoyeds-opt", "samoyeds-compile"]
LIBS = ["libsamoyeds_format_c.so", "libsamoyeds_cpu_runtime.so", "libsamoyeds_runtime.so",
        "libSamoyedsMLIR.so", "SamoyedsDialectPlugin.so", "SamoyedsPassPlugin.so"]


def _build_dir():
    d = os.environ.get("SAMOYEDS_BUILD_DIR")
    return os.path.abspath(d) if d else None


class BuildPyWithBundle(build_py):
    def run(self):
        super().run()
        build = _build_dir()
        if not build:
            return
        dest = os.path.join(self.build_lib, "samoyeds", "_bundle")
        copied = []
        for sub, names in (("bin", TOOLS), ("lib", LIBS)):
            os.makedirs(os.path.join(dest, sub), exist_ok=True)
            for n in names:
                src = os.path.join(build, sub, n)
                if os.path.isfile(src):
                    shutil.copy2(src, os.path.join(dest, sub, n))
                    copied.append(f"{sub}/{n}")
        if "lib/libsamoyeds_format_c.so" not in copied:
            raise SystemExit(f"SAMOYEDS_BUILD_DIR={build} has no lib/libsamoyeds_format_c.so")
        with open(os.path.join(dest, "BUNDLE.txt"), "w") as f:
            f.write(f"copied from {build}:\n" + "\n".join(copied) + "\n")


class BinaryDistribution(Distribution):
    def has_ext_modules(self):  # bundled .so files: a platform wheel
        return _build_dir() is not None


setup(cmdclass={"build_py": BuildPyWithBundle}, distclass=BinaryDistribution)
