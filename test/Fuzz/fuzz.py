#!/usr/bin/env python3
"""Mutation fuzzer of samoyeds-opt (stdlib only).

Takes the lit test inputs (test/**/*.mlir, split at `// -----`) and the
examples (examples/*.mlir), mutates them (integers, shape dimensions, element
types, attribute values, line deletions and duplications) and runs each mutant
through samoyeds-opt three ways:

  verify  samoyeds-opt                      (parse + verify)
  cpu     samoyeds-opt --samoyeds-cpu-pipeline
  gpu     samoyeds-opt --samoyeds-gpu-pipeline="chip=sm_90a format=isa"

A run is a crash when samoyeds-opt is killed by a signal, or when its stderr
has "LLVM ERROR", "PLEASE submit a bug report", "Assertion" or "Stack dump".
Exit 0, or exit 1 with a diagnostic, is fine. A run that passes the per-run
timeout is reported as a hang. Each crash is reduced (line by line, keeping the
same crash signature) and saved under --corpus as <mode>-<hash>.mlir.

The run is bounded by --time and --count, uses at most 2 processes (--jobs)
and is deterministic for a given --seed (the mutant sequence; with --jobs 2
the order of the results may differ, not the mutants).

  /usr/bin/python3 test/Fuzz/fuzz.py --build build --time 180 --seed 1
"""
import argparse
import concurrent.futures
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MODES = {
    "verify": [],
    "cpu": ["--samoyeds-cpu-pipeline"],
    "gpu": ["--samoyeds-gpu-pipeline=chip=sm_90a format=isa"],
}
# Not in the default --modes: "gpu-opts" also mutates the GPU pipeline's
# options (their known crashes wait in pending/, see known.txt).
GPU_OPTIONS = ["warp-m", "warp-n", "warps-m", "warps-n", "stages", "block-k", "split-k", "decode-tile",
               "min-blocks-per-sm"]
OPTION_VALUES = ["0", "1", "2", "3", "4", "8", "16", "32", "48", "64", "128",
                 "-1", "2147483648", "4611686018427387904"]
CHIPS = ["sm_80", "sm_86", "sm_90", "sm_90a", "sm_75", "sm_100a", "sm_999"]


def option_args(rng):
    opts = ["chip=" + rng.choice(CHIPS if rng.random() < 0.3 else ["sm_90a"]),
            "format=isa"]
    for _ in range(rng.choice([1, 1, 2])):
        opts.append("%s=%s" % (rng.choice(GPU_OPTIONS), rng.choice(OPTION_VALUES)))
    return ["--samoyeds-gpu-pipeline=" + " ".join(opts)]
CRASH_MARKERS = ("LLVM ERROR", "PLEASE submit a bug report", "Assertion",
                 "Stack dump")
INTERESTING_INTS = ["0", "1", "-1", "2", "3", "7", "8", "16", "64", "128",
                    "255", "256", "2147483647", "2147483648", "-2147483648",
                    "4294967296", "4611686018427387904", "9223372036854775807",
                    "-9223372036854775808"]
ELEM_TYPES = ["f16", "bf16", "f32", "f64", "i1", "i8", "i16", "i32", "i64",
              "index"]
INT_RE = re.compile(r"(?<![\w.%#@^$\"-])-?\d+(?![\w.\"])")
# A dimension of a shaped type: `16` or `?` in tensor<16x?xbf16>.
DIM_RE = re.compile(r"(?<=[<x])(?:\d+|\?)(?=x)")
TYPE_RE = re.compile(r"\b(?:f16|bf16|f32|f64|i1|i8|i16|i32|i64|index)\b")
ATTR_RE = re.compile(r"\b([a-z_]+) = (\"[^\"]*\"|[-\w.]+)")
ATTR_VALUES = ["0", "-1", "1", "4611686018427387904", "true", "false",
               '"bogus"', '"softmax"', '"sigmoid"', "1.5", "unit"]


def load_seeds():
    """Returns the list of (name, text) seed inputs, split at `// -----`."""
    seeds = []
    paths = []
    for base in ("test", "examples"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, base)):
            dirnames.sort()
            # The corpus is a seed too; pending/ (known crashes) and found/
            # are not, nor the smoke test.
            parts = dirpath.split(os.sep)
            if "pending" in parts or "found" in parts:
                continue
            for f in sorted(filenames):
                if f.endswith(".mlir") and f != "fuzz-smoke.mlir":
                    paths.append(os.path.join(dirpath, f))
    for p in paths:
        with open(p) as fh:
            text = fh.read()
        rel = os.path.relpath(p, ROOT)
        for i, chunk in enumerate(re.split(r"^// -----\s*$", text, flags=re.M)):
            # Drop RUN/CHECK/expected-* lines: they only steer lit.
            lines = [l for l in chunk.splitlines()
                     if not re.match(r"\s*//", l)]
            body = "\n".join(lines).strip()
            if body:
                seeds.append(("%s#%d" % (rel, i), body + "\n"))
    return seeds


SHAPED_RE = re.compile(r"(?:tensor|memref|vector|!samoyeds\.packed)<[^<>]*>")


def mutate_type_everywhere(rng, text):
    """Mutates one dimension or the element type of one shaped type and
    replaces every occurrence of that type: the mutant stays type-consistent
    (SSA uses, function signatures), so it reaches the verifiers and the
    lowerings instead of the parser's type checks."""
    types = sorted(set(m.group() for m in SHAPED_RE.finditer(text)))
    if not types:
        return text
    t = rng.choice(types)
    dims = list(DIM_RE.finditer(t))
    if dims and rng.random() < 0.75:
        m = rng.choice(dims)
        old = int(m.group()) if m.group() != "?" else 8
        new = rng.choice(["?", "?", "?", "0", "1", "2", "5", "2147483648",
                          "4611686018427387904", str(old + 1), str(old * 2),
                          str(max(old // 2, 1))])
        nt = t[:m.start()] + new + t[m.end():]
    else:
        ms = list(TYPE_RE.finditer(t))
        if not ms:
            return text
        m = rng.choice(ms)
        nt = t[:m.start()] + rng.choice(ELEM_TYPES) + t[m.end():]
    return text.replace(t, nt)


def mutate_once(rng, text):
    kind = rng.choice(["int", "int", "dim", "alltype", "alltype", "alltype",
                       "alltype", "type", "attr", "attr", "del", "dup"])
    if kind == "alltype":
        return mutate_type_everywhere(rng, text)
    if kind in ("int", "dim"):
        ms = list((DIM_RE if kind == "dim" else INT_RE).finditer(text))
        if not ms:
            return text
        m = rng.choice(ms)
        if kind == "dim":
            old = int(m.group()) if m.group() != "?" else 8
            new = rng.choice(["?", "?", "0", "1", "2", "5", "2147483648",
                              "4611686018427387904", str(old + 1), str(old * 2)])
        else:
            new = rng.choice(INTERESTING_INTS + [str(int(m.group()) + 1),
                                                 str(int(m.group()) - 1)])
        return text[:m.start()] + new + text[m.end():]
    if kind == "type":
        ms = list(TYPE_RE.finditer(text))
        if not ms:
            return text
        m = rng.choice(ms)
        return text[:m.start()] + rng.choice(ELEM_TYPES) + text[m.end():]
    if kind == "attr":
        ms = list(ATTR_RE.finditer(text))
        if not ms:
            return text
        m = rng.choice(ms)
        if rng.random() < 0.2:  # drop the whole `name = value`
            return text[:m.start()] + text[m.end():]
        return text[:m.start(2)] + rng.choice(ATTR_VALUES) + text[m.end(2):]
    lines = text.splitlines()
    if len(lines) < 2:
        return text
    i = rng.randrange(len(lines))
    if kind == "del":
        del lines[i]
    elif kind == "dup":
        lines.insert(i, lines[i])
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


def mutate(rng, text):
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        text = mutate_once(rng, text)
    return text


def load_known():
    """Signatures (substrings) of crashes already reported and not fixed
    here: upstream MLIR bugs and the pending/ reproducers. They are counted,
    not saved again."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known.txt")
    known = []
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                line = line.split("#", 1)[0].strip()
                if line:
                    known.append(line)
    return known


def run_opt(opt, mode, text, timeout, args=None):
    """Returns (signature or None, stderr). The signature names the crash."""
    try:
        p = subprocess.run([opt] + (args if args is not None else MODES[mode]) +
                           ["-o", os.devnull],
                           input=text, capture_output=True, text=True,
                           timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired:
        return ("%s: hang" % mode, "")
    err = p.stderr
    if p.returncode < 0:
        try:
            name = signal.Signals(-p.returncode).name
        except ValueError:
            name = "signal %d" % -p.returncode
        return ("%s: %s: %s" % (mode, name, first_marker(err)), err)
    if any(k in err for k in CRASH_MARKERS):
        return ("%s: %s" % (mode, first_marker(err)), err)
    return (None, err)


FRAME_RE = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ (?!\()(.+?) \(/")
SKIP_FRAMES = ("llvm::sys::", "SignalHandler", "__libc", "abort", "raise",
               "__pthread", "__assert", "llvm::report_fatal_error",
               "llvm::llvm_unreachable_internal")


def first_marker(err):
    """The assertion or LLVM ERROR line, else the innermost named frames of
    the stack dump, else the first error line."""
    for line in err.splitlines():
        if "LLVM ERROR" in line or "Assertion" in line:
            return re.sub(r"-?\d+", "N", line.strip())[:160]
    frames = []
    for line in err.splitlines():
        m = FRAME_RE.match(line)
        if m and not any(k in m.group(1) for k in SKIP_FRAMES):
            frames.append(re.sub(r"\(.*", "", m.group(1)))
            if len(frames) == 2:
                return " < ".join(frames)
    if frames:
        return frames[0]
    for line in err.splitlines():
        for k in ("LLVM ERROR", "Assertion", "error:"):
            if k in line:
                # Strip numbers so the same bug with other sizes matches.
                return re.sub(r"-?\d+", "N", line.strip())[:160]
    return "no message"


def reduce(opt, mode, text, sig, timeout, args=None):
    """Greedy line-removal reduction keeping the crash signature (at most
    300 runs of samoyeds-opt)."""
    lines = text.splitlines()
    chunk = max(1, len(lines) // 2)
    runs = 0
    while chunk >= 1 and runs < 300:
        i = 0
        changed = False
        while i < len(lines) and runs < 300:
            cand = lines[:i] + lines[i + chunk:]
            runs += 1
            if cand and run_opt(opt, mode, "\n".join(cand) + "\n", timeout,
                                args)[0] == sig:
                lines = cand
                changed = True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("SAMOYEDS_BUILD_DIR",
                                                      os.path.join(ROOT, "build")))
    ap.add_argument("--opt", help="the samoyeds-opt to run (default: <build>/bin)")
    ap.add_argument("--time", type=float, default=180, help="seconds in all")
    ap.add_argument("--count", type=int, default=1000000, help="most mutants")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, choices=[1, 2])
    ap.add_argument("--timeout", type=float, default=20, help="per run")
    ap.add_argument("--modes", default="verify,cpu,gpu")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "test", "Fuzz", "found"),
                    help="where crashing inputs are saved")
    ap.add_argument("--no-reduce", action="store_true")
    ap.add_argument("--progress", type=float, default=0,
                    help="print the counts every this many seconds")
    args = ap.parse_args()

    opt = args.opt or os.path.join(args.build, "bin", "samoyeds-opt")
    if not os.access(opt, os.X_OK):
        sys.exit("fuzz.py: no samoyeds-opt at %s" % opt)
    modes = args.modes.split(",")
    for m in modes:
        if m not in MODES and m != "gpu-opts":
            sys.exit("fuzz.py: unknown mode %r" % m)
    seeds = load_seeds()
    # Inputs meant to be rejected mostly stay rejected: drawn 8 times less.
    weights = [1 if "invalid" in name else 8 for name, _ in seeds]
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.time
    found = {}
    known = load_known()
    known_hits = {}
    tried = 0
    fails_ok = 0

    def job(idx, mode, text, margs):
        return idx, mode, text, margs, run_opt(opt, mode, text, args.timeout, margs)

    def gen():
        i = 0
        while i < args.count:
            name, text = rng.choices(seeds, weights)[0]
            mode = rng.choice(modes)
            text = mutate(rng, text)
            margs = option_args(rng) if mode == "gpu-opts" else MODES[mode]
            yield i, mode, text, margs, name
            i += 1

    g = gen()
    next_report = time.monotonic() + (args.progress or 0)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        pending = set()
        names = {}
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * args.jobs and \
                    time.monotonic() < deadline:
                try:
                    idx, mode, text, margs, name = next(g)
                except StopIteration:
                    exhausted = True
                    break
                f = pool.submit(job, idx, mode, text, margs)
                names[f] = name
                pending.add(f)
            if not pending:
                break
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            if args.progress and time.monotonic() >= next_report:
                next_report = time.monotonic() + args.progress
                print("fuzz.py: %d mutants, %d distinct crashes, %.0f s" %
                      (tried, len(found), args.time - (deadline - time.monotonic())),
                      flush=True)
            for f in done:
                idx, mode, text, margs, (sig, err) = f.result()
                tried += 1
                if sig is None:
                    fails_ok += err.count("error:") > 0
                    continue
                if sig in found:
                    found[sig][1] += 1
                    continue
                k = next((k for k in known if k in sig), None)
                if k is not None:
                    known_hits[k] = known_hits.get(k, 0) + 1
                    if known_hits[k] == 1:
                        # One example each (unreduced): distinct bugs can
                        # share a known signature, so the first is kept for
                        # review.
                        os.makedirs(args.corpus, exist_ok=True)
                        h = hashlib.sha1(text.encode()).hexdigest()[:10]
                        with open(os.path.join(args.corpus, "known-%s-%s.mlir"
                                               % (mode, h)), "w") as fh:
                            fh.write("// fuzz.py seed %d mutant %d of %s\n"
                                     "// mode %s: %s (known: %s)\n// samoyeds-opt %s\n"
                                     % (args.seed, idx, names[f], mode, sig, k,
                                        " ".join("'%s'" % a for a in margs)))
                            fh.write(text)
                    continue
                red = text if args.no_reduce else reduce(opt, mode, text, sig,
                                                         args.timeout, margs)
                h = hashlib.sha1(red.encode()).hexdigest()[:10]
                os.makedirs(args.corpus, exist_ok=True)
                path = os.path.join(args.corpus, "%s-%s.mlir" % (mode, h))
                with open(path, "w") as fh:
                    fh.write("// fuzz.py seed %d mutant %d of %s\n// mode %s: %s\n"
                             "// samoyeds-opt %s\n"
                             % (args.seed, idx, names[f], mode, sig,
                                " ".join("'%s'" % a for a in margs)))
                    fh.write(red)
                found[sig] = [path, 1]
                print("CRASH %s\n  saved %s" % (sig, path), flush=True)
    print("fuzz.py: %d mutants run (%d rejected with a diagnostic), %d distinct "
          "crashes" % (tried, fails_ok, len(found)))
    for sig, (path, n) in sorted(found.items()):
        print("  %4d x %s -> %s" % (n, sig, path))
    for k, n in sorted(known_hits.items()):
        print("  %4d x known: %s" % (n, k))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
