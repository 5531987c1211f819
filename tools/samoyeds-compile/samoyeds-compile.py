#!/usr/bin/env python3
"""samoyeds-compile: compile an MLIR file with samoyeds ops into what a program uses.

Writes into the output directory:
  <stem>.<kernel-module>.ptx     the PTX of each gpu.module (samoyeds-gpu-pipeline format=isa)
  <stem>.<kernel-module>.cubin   the cubin of each gpu.module (ptxas of that PTX)
  <stem>.host.o                  host code with the cubins embedded (format=bin), an x86-64
                                 PIC object whose public functions have C entry points
                                 _mlir_ciface_<name> (memref descriptors by pointer)
  <stem>.so                      that object as a shared library; it needs the mgpu* symbols
                                 of libsamoyeds_runtime.so (linked with --runtime-dir)
  <stem>.manifest.txt            the functions, their arguments and the kernels
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def find_tool(name, extra_dirs):
    for d in extra_dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    p = shutil.which(name)
    if not p:
        sys.exit(f"samoyeds-compile: cannot find {name} (searched {extra_dirs} and PATH)")
    return p


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.exit(f"samoyeds-compile: command failed ({r.returncode}): {' '.join(cmd)}")
    return r.stdout


def unescape_mlir_string(raw):
    out = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), raw)
    return out.replace('\\"', '"').replace("\\\\", "\\")


# The integer options of samoyeds-gpu-pipeline a caller may pass; chip and
# format are this driver's own.
PIPELINE_INT_OPTIONS = {"warp-m", "warp-n", "warps-m", "warps-n", "stages", "block-k",
                        "split-k", "decode-tile", "min-blocks-per-sm"}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="MLIR file (samoyeds level, tensors)")
    ap.add_argument("-o", "--output-dir", required=True)
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("--pipeline-options", default="",
                    help="extra samoyeds-gpu-pipeline options, e.g. 'warp-n=32 stages=4'")
    ap.add_argument("--runtime-dir", default=None,
                    help="directory of libsamoyeds_runtime.so to link the .so against")
    ap.add_argument("--no-shared", action="store_true", help="stop after the object")
    args = ap.parse_args()
    # The options are spliced into one pipeline string: a value with spaces or
    # '=' would inject options of its own (e.g. --chip "sm_90a format=bin").
    if not re.fullmatch(r"sm_[0-9]{2,3}[af]?", args.chip):
        sys.exit(f"samoyeds-compile: --chip {args.chip!r} is not of the form sm_XX, sm_XXa or sm_XXf")
    for tok in args.pipeline_options.split():
        key, eq, val = tok.partition("=")
        if key not in PIPELINE_INT_OPTIONS or not eq or not re.fullmatch(r"[0-9]+", val):
            sys.exit(f"samoyeds-compile: --pipeline-options: {tok!r} is not one of "
                     f"{', '.join(sorted(PIPELINE_INT_OPTIONS))} = a non-negative integer")

    tool_dirs = [HERE, "/usr/lib/llvm-22/bin"]
    opt = find_tool("samoyeds-opt", tool_dirs)
    translate = find_tool("mlir-translate", tool_dirs)
    llc = find_tool("llc", tool_dirs)
    ptxas = find_tool("ptxas", ["/usr/local/cuda/bin"])
    env = dict(os.environ)
    env["PATH"] = "/usr/local/cuda/bin" + os.pathsep + env.get("PATH", "")

    os.makedirs(args.output_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(args.input))[0]
    out = lambda suffix: os.path.join(args.output_dir, stem + suffix)
    popts = f"chip={args.chip} {args.pipeline_options}".strip()

    # 1. PTX per gpu.module.
    isa = run([opt, args.input, f"--samoyeds-gpu-pipeline=format=isa {popts}"], env=env)
    kernels = []
    for m in re.finditer(r"gpu\.binary @(\w+)\s.*?assembly = \"((?:[^\"\\]|\\.)*)\"", isa, re.S):
        name, ptx = m.group(1), unescape_mlir_string(m.group(2))
        ptx_path = out(f".{name}.ptx")
        with open(ptx_path, "w") as f:
            f.write(ptx)
        cubin_path = out(f".{name}.cubin")
        run([ptxas, f"-arch={args.chip}", "-O3", ptx_path, "-o", cubin_path])
        entries = re.findall(r"\.visible \.entry (\w+)", ptx)
        kernels.append((name, entries))

    # 2. Host code with the cubins embedded.
    llvm_mlir = run([opt, args.input, f"--samoyeds-gpu-pipeline=format=bin {popts}"], env=env)
    ll = run([translate, "--mlir-to-llvmir"], input=llvm_mlir)
    with open(out(".ll"), "w") as f:
        f.write(ll)
    run([llc, "-O2", "-filetype=obj", "-relocation-model=pic",
         "-mtriple=x86_64-unknown-linux-gnu", out(".ll"), "-o", out(".host.o")])
    os.remove(out(".ll"))

    funcs = re.findall(r"define (?:dso_local )?void @(_mlir_ciface_\w+)\(([^)]*)\)", ll)
    with open(out(".manifest.txt"), "w") as f:
        for name, argstr in funcs:
            f.write(f"function {name} ({len([a for a in argstr.split(',') if a.strip()])} memref descriptor pointers)\n")
        for name, entries in kernels:
            for e in entries:
                f.write(f"kernel {name} {e}\n")

    if not args.no_shared:
        cmd = ["cc", "-shared", "-o", out(".so"), out(".host.o")]
        if args.runtime_dir:
            cmd += ["-L" + args.runtime_dir, "-lsamoyeds_runtime",
                    "-Wl,-rpath,$ORIGIN", "-Wl,-rpath," + os.path.abspath(args.runtime_dir)]
        run(cmd)
    print(f"samoyeds-compile: wrote {len(kernels)} kernel module(s) and host code for "
          f"{len(funcs)} function(s) into {args.output_dir}")


if __name__ == "__main__":
    main()
