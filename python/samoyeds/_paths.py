"""Where the package finds the repository's build outputs.

- SAMOYEDS_BUILD_DIR: a build tree (bin/samoyeds-opt, bin/samoyeds-compile,
  lib/*.so); default <repo>/build.
- SAMOYEDS_LIB_DIR: a directory with libsamoyeds_format_c.so and/or
  libsamoyeds_runtime.so (takes precedence for the libraries).
"""

import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(PACKAGE_DIR))


def build_dir():
    return os.path.abspath(os.environ.get("SAMOYEDS_BUILD_DIR")
                           or os.path.join(REPO_ROOT, "build"))


def bin_dir():
    return os.path.join(build_dir(), "bin")


def lib_dirs():
    """Candidate directories of the shared libraries, in search order."""
    dirs = []
    if os.environ.get("SAMOYEDS_LIB_DIR"):
        dirs.append(os.path.abspath(os.environ["SAMOYEDS_LIB_DIR"]))
    dirs.append(os.path.join(build_dir(), "lib"))
    dirs.append(os.path.join(REPO_ROOT, "build", "lib"))
    dirs.append(os.path.join(REPO_ROOT, "build-device", "lib"))
    out = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def find_lib(name):
    """The first existing <dir>/<name> of lib_dirs(), or None."""
    for d in lib_dirs():
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return None


def find_tool(name):
    """<build>/bin/<name> if it exists, else None."""
    p = os.path.join(bin_dir(), name)
    return p if os.path.isfile(p) and os.access(p, os.X_OK) else None
