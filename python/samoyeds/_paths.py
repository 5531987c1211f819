"""Where the package finds the repository's build outputs.

- SAMOYEDS_BUILD_DIR: a build tree (bin/samoyeds-opt, bin/samoyeds-compile,
  lib/*.so); default <repo>/build. The format library and both runtimes
  (lib/Runtime/{CPU,CUDA} in the source tree) are built into its lib/, also
  by a build without the compiler (-DSAMOYEDS_BUILD_COMPILER=OFF, the GPU
  machine's).
- SAMOYEDS_LIB_DIR: a directory with libsamoyeds_format_c.so and/or
  libsamoyeds_runtime.so (takes precedence for the libraries).
- then, for an installed package, the places of _install.py.
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
    dirs.extend(_installed().lib_dirs())  # installed package, see _install.py
    out = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def first_file(dirs, name):
    """The first existing <dir>/<name> of `dirs`, or None."""
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return None


def find_lib(name):
    """The first existing <dir>/<name> of lib_dirs(), or None."""
    return first_file(lib_dirs(), name)


def find_tool(name):
    """<build>/bin/<name> if it exists, else the installed package's (see
    _install.py), else None."""
    p = os.path.join(bin_dir(), name)
    if os.path.isfile(p) and os.access(p, os.X_OK):
        return p
    return _installed().find_tool(name)


# --- installed package (pip install): python/samoyeds/_install.py ----------
# Consulted after the source-tree locations above: the bundle in the package,
# SAMOYEDS_PREFIX, samoyeds-opt on PATH.
def _installed():
    from . import _install
    return _install
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Named errors and strict validation of settings (shared by compiler.py and
# runtime.py)
# ---------------------------------------------------------------------------

class SamoyedsError(Exception):
    """Base class of the package's own errors."""


class OptionError(SamoyedsError, ValueError):
    """An option or setting has the wrong type or value (a chip name, a
    pipeline option, a boolean given as an arbitrary string, ...)."""


class ArtifactError(SamoyedsError, RuntimeError):
    """A cached compiled artefact is corrupted, incomplete or belongs to
    another layer (its content hashes or its key do not match its integrity
    record), and no compiler is available to rebuild it."""


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_bool(value, name):
    """A boolean setting: a bool (or numpy bool), the ints 0 and 1, or one of
    the strings 1/true/yes/on and 0/false/no/off (any case). Anything else
    raises OptionError: "no" is never True."""
    if isinstance(value, bool):
        return value
    if type(value).__name__ == "bool_":          # numpy.bool_
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    raise OptionError(f"{name} must be a bool (or one of {'/'.join(_TRUE)} and "
                      f"{'/'.join(_FALSE)}), got {value!r}")


def check_int(value, name, lo, hi):
    """An int in [lo, hi] (bools and floats are not ints here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"{name} must be an int, got {value!r}")
    if not lo <= value <= hi:
        raise OptionError(f"{name} must be in [{lo}, {hi}], got {value}")
    return value
