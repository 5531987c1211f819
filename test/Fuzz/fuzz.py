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
CRASH_MARKERS = ("LLVM ERROR", "PLEASE submit a bug report", "Assertion",
                 "Stack dump")
INTERESTING_INTS = ["0", "1", "-1", "2", "3", "7", "8", "16", "64", "128",
                    "255", "256", "2147483647", "2147483648", "-2147483648",
                    "4294967296", "4611686018427387904", "9223372036854775807",
                    "-9223372036854775808"]
ELEM_TYPES = ["f16", "bf16", "f32", "f64", "i1", "i8", "i16", "i32", "i64",
              "index"]
INT_RE = re.compile(r"(?<![\w.%#@^$\"-])-?\d+(?![\w.\"])")
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
            if "Fuzz" in dirpath.split(os.sep):
                continue
            for f in sorted(filenames):
                if f.endswith(".mlir"):
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


def mutate_once(rng, text):
    kind = rng.choice(["int", "int", "int", "dim", "type", "attr", "del",
                       "dup", "swap"])
    if kind in ("int", "dim"):
        ms = list(INT_RE.finditer(text))
        if kind == "dim":
            ms = [m for m in ms if text[m.start() - 1:m.start()] in ("<", "x")
                  and text[m.end():m.end() + 1] in ("x", ">")]
        if not ms:
            return text
        m = rng.choice(ms)
        if kind == "dim":
            new = rng.choice(["?", "0", "1", "2", "5", "2147483648",
                              "4611686018427387904", str(int(m.group()) + 1)])
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


def run_opt(opt, mode, text, timeout):
    """Returns (signature or None, stderr). The signature names the crash."""
    try:
        p = subprocess.run([opt] + MODES[mode] + ["-o", os.devnull],
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


def reduce(opt, mode, text, sig, timeout):
    """Greedy line-removal reduction keeping the crash signature."""
    lines = text.splitlines()
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        i = 0
        changed = False
        while i < len(lines):
            cand = lines[:i] + lines[i + chunk:]
            if cand and run_opt(opt, mode, "\n".join(cand) + "\n", timeout)[0] == sig:
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
    ap.add_argument("--time", type=float, default=180, help="seconds in all")
    ap.add_argument("--count", type=int, default=1000000, help="most mutants")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, choices=[1, 2])
    ap.add_argument("--timeout", type=float, default=20, help="per run")
    ap.add_argument("--modes", default="verify,cpu,gpu")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "test", "Fuzz", "found"),
                    help="where crashing inputs are saved")
    ap.add_argument("--no-reduce", action="store_true")
    args = ap.parse_args()

    opt = os.path.join(args.build, "bin", "samoyeds-opt")
    if not os.access(opt, os.X_OK):
        sys.exit("fuzz.py: no samoyeds-opt at %s" % opt)
    modes = args.modes.split(",")
    seeds = load_seeds()
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.time
    found = {}
    known = load_known()
    known_hits = {}
    tried = 0
    fails_ok = 0

    def job(idx, mode, text):
        return idx, mode, text, run_opt(opt, mode, text, args.timeout)

    def gen():
        i = 0
        while i < args.count:
            # Inputs meant to be rejected mostly stay rejected: draw them less.
            name, text = rng.choice(seeds)
            if "invalid" in name and rng.random() < 0.7:
                name, text = rng.choice(seeds)
            yield i, rng.choice(modes), mutate(rng, text), name
            i += 1

    g = gen()

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        pending = set()
        names = {}
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * args.jobs and \
                    time.monotonic() < deadline:
                try:
                    idx, mode, text, name = next(g)
                except StopIteration:
                    exhausted = True
                    break
                f = pool.submit(job, idx, mode, text)
                names[f] = name
                pending.add(f)
            if not pending:
                break
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in done:
                idx, mode, text, (sig, err) = f.result()
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
                    continue
                red = text if args.no_reduce else reduce(opt, mode, text, sig,
                                                         args.timeout)
                h = hashlib.sha1(red.encode()).hexdigest()[:10]
                os.makedirs(args.corpus, exist_ok=True)
                path = os.path.join(args.corpus, "%s-%s.mlir" % (mode, h))
                with open(path, "w") as fh:
                    fh.write("// fuzz.py seed %d mutant %d of %s\n// mode %s: %s\n"
                             % (args.seed, idx, names[f], mode, sig))
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
