#!/usr/bin/env python3
"""Build the ssmm kernels the device check runs (on the development machine).

Writes MLIR files for every variant, compiles each with samoyeds-compile into
<out>/<name>.so (host code + embedded sm_90a cubin), and writes
<out>/variants.json describing them for ssmm_check.py. Also copies the runtime
and the format library's C API next to them, so <out> is all the device needs.

    python3 test/Integration/GPU/gen_ssmm.py --build build --out build-device
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

# (role, rows, cols, dtype, n, m, v, options)
SWEEP_FORMATS = [(1, 2, 128), (1, 2, 64), (2, 4, 128), (1, 2, 32), (2, 4, 64)]
PERF_SHAPES = [(14336, 4096), (4096, 14336), (16384, 6144), (1408, 2048), (2048, 1408)]


def sweep_and_perf(**extra):
    """The sweep's formats at 1024x1024 and the perf shapes, in both types;
    `extra` (options, tile) is added to each."""
    out = []
    for dt in ("bf16", "f16"):
        for (n, m, v) in SWEEP_FORMATS:
            out.append(dict(role="sweep", rows=1024, cols=1024, dtype=dt, n=n, m=m, v=v,
                            gather=True, top_k=1, experts=0, silu=False, scale=False, **extra))
        for (r, c) in PERF_SHAPES:
            out.append(dict(role="perf", rows=r, cols=c, dtype=dt, n=1, m=2, v=128,
                            gather=True, top_k=1, experts=0, silu=False, scale=False, **extra))
    return out


def plain_and_grouped(options):
    """N = M (plain 2:4: one condensed row per row, no selection) and the
    layer's grouped forms (stacked W1|W3 with SiLU, W2 with the routing
    weight) with `options`, at the wgmma token tile of 64."""
    return [
        dict(role="sweep", rows=1024, cols=1024, dtype="bf16", n=2, m=2, v=128,
             gather=True, top_k=1, experts=0, silu=False, scale=False, options=options, tile=64),
        dict(role="grouped", rows=512, cols=256, dtype="bf16", n=1, m=2, v=128,
             gather=True, top_k=2, experts=4, silu=True, scale=False, options=options, tile=64),
        dict(role="grouped", rows=256, cols=256, dtype="bf16", n=1, m=2, v=128,
             gather=False, top_k=2, experts=4, silu=False, scale=True, options=options, tile=64)]


def variants():
    out = sweep_and_perf()
    # Tiling alternatives at the headline shape (pipeline options).
    # The perf shape takes the chip table's entry (block-k 128, 2 stages on
    # sm_90a); "block-k=64 stages=4" is the heuristic's choice, timed beside it
    # to recheck the entry (earlier alternatives: docs/performance.md).
    for opts in ("block-k=64 stages=4", "block-k=128 stages=3"):
        out.append(dict(role="tune", rows=14336, cols=4096, dtype="bf16", n=1, m=2, v=128,
                        gather=True, top_k=1, experts=0, silu=False, scale=False,
                        options=opts))
    # Split-K (docs/kernel.md, section 13): the sweep and perf shapes above get
    # it from the heuristic where the row tiles are fewer than the SMs; the
    # unsplit kernel of the same shapes is checked and timed beside it.
    out.append(dict(role="sweep", rows=1024, cols=1024, dtype="bf16", n=1, m=2, v=128,
                    gather=True, top_k=1, experts=0, silu=False, scale=False,
                    options="split-k=1"))
    # ... and the most splits a 1024-column weight allows (8 slices of V =
    # 128), on the plain and the grouped forms (the heuristic gives these
    # short weights 2 and 1).
    out.append(dict(role="sweep", rows=1024, cols=1024, dtype="bf16", n=1, m=2, v=128,
                    gather=True, top_k=1, experts=0, silu=False, scale=False,
                    options="split-k=8"))
    out.append(dict(role="sweep", rows=1024, cols=1024, dtype="f16", n=2, m=4, v=64,
                    gather=True, top_k=1, experts=0, silu=False, scale=False,
                    options="split-k=16"))
    out.append(dict(role="grouped", rows=512, cols=1024, dtype="bf16", n=1, m=2, v=128,
                    gather=True, top_k=2, experts=4, silu=True, scale=False,
                    options="split-k=8"))
    out.append(dict(role="grouped", rows=256, cols=1024, dtype="bf16", n=1, m=2, v=128,
                    gather=False, top_k=2, experts=4, silu=False, scale=True,
                    options="split-k=8"))
    for (r, c) in ((4096, 14336), (2048, 1408)):
        out.append(dict(role="tune_small", rows=r, cols=c, dtype="bf16", n=1, m=2, v=128,
                        gather=True, top_k=1, experts=0, silu=False, scale=False,
                        options="split-k=1 decode-tile=1"))
    # The decode tile (docs/kernel.md, section 14) against the 64-entry tile
    # alone, both with split-K.
    for (r, c) in ((4096, 14336), (14336, 4096), (2048, 1408)):
        out.append(dict(role="tune_small", rows=r, cols=c, dtype="bf16", n=1, m=2, v=128,
                        gather=True, top_k=1, experts=0, silu=False, scale=False,
                        options="decode-tile=1"))
    # Decode streaming (issue 10): one routed token (the decode kernel, one
    # token tile of work) under other stage rings; timed at 1 and 16 routed.
    for (r, c) in ((14336, 4096), (4096, 14336)):
        for opts in ("", "block-k=64 stages=4", "block-k=128 stages=3",
                     "block-k=128 stages=4", "block-k=64 stages=6", "split-k=1"):
            out.append(dict(role="tune_decode", rows=r, cols=c, dtype="bf16", n=1, m=2,
                            v=128, gather=True, top_k=1, experts=0, silu=False,
                            scale=False, options=opts or None))
    # Grouped forms used by the MoE layer: stacked W1|W3 with SiLU, and W2
    # on the compact H with the routing weight.
    out.append(dict(role="grouped", rows=512, cols=256, dtype="bf16", n=1, m=2, v=128,
                    gather=True, top_k=2, experts=4, silu=True, scale=False))
    out.append(dict(role="grouped", rows=256, cols=256, dtype="bf16", n=1, m=2, v=128,
                    gather=False, top_k=2, experts=4, silu=False, scale=True))
    # The wgmma.sp kernel (sm_90a, docs/kernel.md section 15): the sweep's
    # formats (incl. 2:4 with 1:2 rows at V = 32, 64, 128), the perf shapes
    # in both types, and the grouped forms. Its token tile is the wgmma N
    # (64 by default), so lists are padded to that.
    wg = "family=wgmma_sp"
    out += sweep_and_perf(options=wg, tile=64)
    # wgmma tilings at the headline shape, timed against the default one.
    for opts in ("warp-n=128", "warp-n=128 stages=2", "stages=2", "stages=3",
                 "warps-m=4 stages=3"):
        out.append(dict(role="tune", rows=14336, cols=4096, dtype="bf16", n=1, m=2, v=128,
                        gather=True, top_k=1, experts=0, silu=False, scale=False,
                        options=wg + " " + opts, tile=128 if "warp-n=128" in opts else 64))
    out += plain_and_grouped(wg)
    # The warp-specialised wgmma.sp kernel (docs/kernel.md section 17): the
    # same sweep, perf shapes, N = M and grouped forms, and its tilings at the
    # headline shape.
    ws = "family=wgmma_sp schedule=warp_specialized"
    out += sweep_and_perf(options=ws, tile=64)
    for opts in ("warp-n=128", "stages=3", "stages=5", "stages=6"):
        for (r, c) in ((14336, 4096), (4096, 14336)):
            if (r, c) != (14336, 4096) and opts in ("warp-n=128", "stages=3"):
                continue
            out.append(dict(role="tune", rows=r, cols=c, dtype="bf16", n=1, m=2, v=128,
                            gather=True, top_k=1, experts=0, silu=False, scale=False,
                            options=ws + " " + opts, tile=128 if "warp-n=128" in opts else 64))
    out += plain_and_grouped(ws)
    # The stream kernel (docs/kernel.md section 16): undef_padding ops at one
    # or two routed pairs per expert, every sweep format in both types (a
    # 1056-column weight at V = 32: 66 chunks, a partial last step), the
    # grouped forms (2:4 rows with silu_mul in f16); ssmm_check runs them at
    # token counts on both sides of the threshold.
    for dt in ("bf16", "f16"):
        for (n, m, v) in SWEEP_FORMATS:
            out.append(dict(role="stream", rows=1024, cols=1024, dtype=dt, n=n, m=m, v=v,
                            gather=True, top_k=1, experts=0, silu=False, scale=False,
                            undef=True))
    out.append(dict(role="stream", rows=1024, cols=1056, dtype="bf16", n=1, m=2, v=32,
                    gather=True, top_k=1, experts=0, silu=False, scale=False, undef=True))
    for dt, (n, m, v) in (("bf16", (1, 2, 128)), ("f16", (2, 4, 64))):
        out.append(dict(role="stream_grouped", rows=512, cols=256, dtype=dt, n=n, m=m, v=v,
                        gather=True, top_k=2, experts=4, silu=True, scale=False, undef=True))
        out.append(dict(role="stream_grouped", rows=256, cols=1024, dtype=dt, n=n, m=m, v=v,
                        gather=False, top_k=2, experts=4, silu=False, scale=True, undef=True))
    for i, vd in enumerate(out):
        vd["name"] = (f"{vd['role']}_{vd['dtype']}_{vd['rows']}x{vd['cols']}_n{vd['n']}m{vd['m']}"
                      f"v{vd['v']}" + (f"_e{vd['experts']}" if vd["experts"] else "")
                      + ("_silu" if vd["silu"] else "") + ("_scale" if vd["scale"] else "")
                      + ("_undef" if vd.get("undef") else "")
                      + ("_" + vd["options"].replace(" ", "_").replace("=", "")
                         if vd.get("options") else ""))
    return out


def mlir_of(vd):
    t = vd["dtype"]
    fmt = f"#samoyeds.format<n = {vd['n']}, m = {vd['m']}, v = {vd['v']}>"
    shape = f"{vd['experts']}x" if vd["experts"] else ""
    w = f"!samoyeds.packed<{shape}{vd['rows']}x{vd['cols']}x{t}, {fmt}>"
    outc = vd["rows"] // 2 if vd["silu"] else vd["rows"]
    args = [f"%w: {w}", f"%x: tensor<?x{vd['cols']}x{t}>", "%list: tensor<?xi32>"]
    extra = ""
    if vd["experts"]:
        args.append(f"%off: tensor<{vd['experts'] + 1}xi32>")
        extra += f" offsets(%off : tensor<{vd['experts'] + 1}xi32>)"
    if vd["scale"]:
        args.append(f"%s: tensor<?x{vd['top_k']}xf32>")
        extra += f" scale(%s : tensor<?x{vd['top_k']}xf32>)"
    attrs = [f"top_k = {vd['top_k']}"]
    if vd["gather"]:
        attrs.append("gather")
    if vd["silu"]:
        attrs.append("epilogue = #samoyeds.epilogue<silu_mul>")
    if vd.get("undef"):
        attrs.append("undef_padding")
    rt = f"tensor<?x{outc}x{'f32' if vd['scale'] else t}>"
    # The result has a row per list entry (its `outs` init).
    return (f"func.func @ssmm({', '.join(args)}) -> {rt} {{\n"
            f"  %c0 = arith.constant 0 : index\n"
            f"  %n = tensor.dim %list, %c0 : tensor<?xi32>\n"
            f"  %init = tensor.empty(%n) : {rt}\n"
            f"  %y = samoyeds.ssmm %w, %x, %list{extra} outs(%init : {rt})\n"
            f"      {{{', '.join(attrs)}}}\n"
            f"      : {w}, tensor<?x{vd['cols']}x{t}>, tensor<?xi32> -> {rt}\n"
            f"  return %y : {rt}\n}}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="build-device")
    ap.add_argument("--only", default=None,
                    help="comma-separated substrings: keep the variants whose name has one")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    out = os.path.abspath(args.out)
    os.makedirs(os.path.join(out, "src"), exist_ok=True)
    os.makedirs(os.path.join(out, "lib"), exist_ok=True)
    for lib in ("libsamoyeds_runtime.so", "libsamoyeds_format_c.so"):
        shutil.copy2(os.path.join(build, "lib", lib), os.path.join(out, "lib", lib))
    only = args.only.split(",") if args.only else None
    vs = [v for v in variants() if not only or any(o in v["name"] for o in only)]

    def compile_one(vd):
        src = os.path.join(out, "src", vd["name"] + ".mlir")
        with open(src, "w") as f:
            f.write(mlir_of(vd))
        cmd = [os.path.join(build, "bin", "samoyeds-compile"), src, "-o",
               os.path.join(out, "kernels"), "--runtime-dir", os.path.join(out, "lib")]
        if vd.get("options"):
            cmd += ["--pipeline-options", vd["options"]]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            return vd["name"] + ": " + r.stderr
        # The runtime sits in ../lib relative to the kernels.
        return None

    with ThreadPoolExecutor(max_workers=2) as ex:
        errors = [e for e in ex.map(compile_one, vs) if e]
    for e in errors:
        print(e, file=sys.stderr)
    with open(os.path.join(out, "variants.json"), "w") as f:
        json.dump(vs, f, indent=1)
    print(f"gen_ssmm: {len(vs) - len(errors)} of {len(vs)} variants compiled into {out}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
