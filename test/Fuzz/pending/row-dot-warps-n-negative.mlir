// PENDING (issue 8; found by fuzz.py --modes gpu-opts, seed 5; not run by
// lit: the fix is in SamoyedsToGPU.cpp).
// Today: SIGFPE in convert-samoyeds-to-gpu for a module with only a row dot
// (no ssmm to check the warp options) and warps-n = -1 (also -2).
// Expected: the option diagnostic, as for ssmm.
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa warps-n=-1" -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: {{.*}}warps-n (-1) must be >= 1
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
