// Fuzz find (issue 8, fuzz.py --modes gpu-opts, seed 5), fixed: SIGFPE in
// convert-samoyeds-to-gpu for a row dot whose rhs has 0 rows (the grid size
// divided by the column chunk, min(n, 4) = 0); warps-n = -1 is irrelevant to
// it (no ssmm uses the option). Now the row-dot lowering refuses zero and
// inconsistent sizes at the op.
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa warps-n=-1" -o /dev/null 2>&1 | FileCheck %s
// CHECK: row-dot-zero-rows.mlir:[[@LINE+8]]:8: error: 'linalg.generic' op marked samoyeds.row_dot: the reduction size (256) must be >= 1 and the rhs's (256), the rhs rows (0) >= 1 and the result's columns (16)
// CHECK-NOT: {{LLVM ERROR|Stack dump|PLEASE submit}}

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

func.func @logits(%x: tensor<?x256xbf16>, %g: tensor<0x?xbf16>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x256xbf16>, tensor<0x?xbf16>) outs(%init : tensor<?x16xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}
