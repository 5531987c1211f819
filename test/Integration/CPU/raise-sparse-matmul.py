# Programs written for upstream's 2:4 sparse path (linalg.matmul on a
# #sparse_tensor.encoding with structured[2, 4]), raised by
# samoyeds-raise-sparse-matmul and run on the CPU (samoyeds-cpu-pipeline +
# mlir-runner), against a numpy float64 reference (helpers/samoyeds_ref.py).
#
# RUN: %python %s --libs %runner_libs --tmp %t | FileCheck %s
# CHECK: raised: 2 samoyeds.ssmm, no sparse_tensor left
# CHECK: PASS

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
import numpy as np  # noqa: E402
import samoyeds_ref as ref  # noqa: E402
from samoyeds_ref import tensor_type  # noqa: E402

NV_24 = ("#NV_24 = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, "
         "j floordiv 4 : dense, j mod 4 : structured[2, 4])}>\n")
TRANSPOSED_B = ("indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, "
                "affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]")


def main():
    args = ref.parse_args(sys.argv[1:])
    rng = np.random.default_rng(20261202)
    prog = ref.Program()
    main_fn = prog.function("main")
    checks = []

    # 1. The layer form y = x . w^T (f16, zero accumulator).
    t, r, c = 5, 64, 128
    w = ref.fitting_weight(rng, r, c, 1, 1, 32)
    x = ref.exact_values(rng, (t, c))
    wt, xt, yt = tensor_type((r, c), "f16"), tensor_type((t, c), "f16"), tensor_type((t, r), "f32")
    f = prog.function("layer", [xt, wt], [yt])
    s = f.op(f"sparse_tensor.convert {f.arg(1)} : {wt} to tensor<{r}x{c}xf16, #NV_24>")
    zero = f.op("arith.constant 0.0 : f32")
    e = f.op(f"tensor.empty() : {yt}")
    z = f.op(f"linalg.fill ins({zero} : f32) outs({e} : {yt}) -> {yt}")
    y = f.op(f"linalg.matmul {TRANSPOSED_B} ins({f.arg(0)}, {s} : {xt}, "
             f"tensor<{r}x{c}xf16, #NV_24>) outs({z} : {yt}) -> {yt}")
    f.ret([y])
    out = main_fn.call("layer", [main_fn.const(x, "f16"), main_fn.const(w, "f16")],
                       [xt, wt], [yt])
    main_fn.print_tensor(out[0], (t, r), "f32", exact=True)
    yref, err = ref.ssmm(w, x, np.arange(t), gather=True)
    checks.append(("layer f16 y = x . w^T", yref, 2 * err + 1e-6))

    # 2. Upstream's test form C = A . B + C (bf16 operands, f32 accumulator).
    m, k, n = 32, 64, 3
    a = ref.fitting_weight(rng, m, k, 1, 1, 32)
    b = ref.exact_values(rng, (k, n))
    acc = ref.exact_values(rng, (m, n))
    at, bt, ct = tensor_type((m, k), "bf16"), tensor_type((k, n), "bf16"), tensor_type((m, n), "f32")
    f = prog.function("upstream_form", [at, bt, ct], [ct])
    s = f.op(f"sparse_tensor.convert {f.arg(0)} : {at} to tensor<{m}x{k}xbf16, #NV_24>")
    y = f.op(f"linalg.matmul ins({s}, {f.arg(1)} : tensor<{m}x{k}xbf16, #NV_24>, {bt}) "
             f"outs({f.arg(2)} : {ct}) -> {ct}")
    f.ret([y])
    out = main_fn.call("upstream_form", [main_fn.const(a, "bf16"), main_fn.const(b, "bf16"),
                                         main_fn.const(acc, "f32")], [at, bt, ct], [ct])
    main_fn.print_tensor(out[0], (m, n), "f32", exact=True)
    yt_ref, err_t = ref.ssmm(a, b.T, np.arange(n), gather=True)
    cref = yt_ref.T + acc
    checks.append(("upstream C = A . B + C, bf16", cref,
                   2 * err_t.T + 2 * ref.U32 * np.abs(cref) + 1e-6))
    main_fn.ret()

    src = NV_24 + prog.text()
    path = args.tmp + ".mlir"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(src)
    raised = subprocess.run([args.opt, "--samoyeds-raise-sparse-matmul", path],
                            capture_output=True, text=True)
    if raised.returncode != 0:
        sys.stderr.write(raised.stderr[-20000:])
        raise SystemExit("FAIL: samoyeds-raise-sparse-matmul failed")
    if "sparse_tensor" in raised.stdout or "linalg.matmul" in raised.stdout:
        raise SystemExit("FAIL: a sparse matmul was not raised")
    print(f"raised: {raised.stdout.count('samoyeds.ssmm')} samoyeds.ssmm, no sparse_tensor left")
    opt = subprocess.run([args.opt, "--samoyeds-raise-sparse-matmul", "--samoyeds-cpu-pipeline",
                          path], capture_output=True, text=True)
    if opt.returncode != 0:
        sys.stderr.write(opt.stderr[-20000:])
        raise SystemExit("FAIL: samoyeds-opt failed")
    llvm_path = args.tmp + ".llvm.mlir"
    with open(llvm_path, "w") as fh:
        fh.write(opt.stdout)
    res = subprocess.run([args.runner, "-e", "main", "-entry-point-result=void",
                          "-shared-libs=" + args.libs, llvm_path], capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-5000:] + res.stderr[-5000:])
        raise SystemExit("FAIL: mlir-runner failed")
    check = ref.Checker(ref.parse_memrefs(res.stdout))
    for name, yref, tol in checks:
        check.close(name, yref, tol, bits=True)
    check.finish()


if __name__ == "__main__":
    main()
