// Fuzz find (issue 8), fixed: the kernel configuration checks ranges before any
// size product; the row-dot lowering checks the shape of the op it is given.
// Was: a linalg.generic marked samoyeds.row_dot with a dynamic reduction
// size builds a kernel named row_dot_k-9223372036854775808_... and LLVM aborts
// ("LLVM ERROR: Symbol name with unsupported characters", SIGABRT).
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o /dev/null 2>&1 | FileCheck %s
// RUN: not samoyeds-opt %s --samoyeds-bufferize --convert-samoyeds-to-gpu -o /dev/null 2>&1 | FileCheck %s
// CHECK: row-dot-dynamic-reduction.mlir:[[@LINE+7]]:8: error: {{.*}}row_dot{{.*}}static
// CHECK-NOT: {{LLVM ERROR|Stack dump|PLEASE submit}}

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @logits(%x: tensor<?x?xbf16>, %g: tensor<8x?xbf16>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x?xbf16>, tensor<8x?xbf16>) outs(%init : tensor<?x8xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}
