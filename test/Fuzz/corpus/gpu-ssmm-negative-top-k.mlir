// Fuzz find (issue 8, fuzz.py seed 3 on ssmm-kernel.mlir): top_k = -2^31
// passed the verifier (the I64Attr accessor is unsigned, so `top_k < 1` was
// false) and the GPU lowering aborted with "LLVM ERROR: Symbol name with
// unsupported characters" on the kernel name. Now (C5) rejects it.
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o /dev/null 2>&1 | FileCheck %s
// RUN: not samoyeds-opt %s --samoyeds-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s
// CHECK: gpu-ssmm-negative-top-k.mlir:[[@LINE+8]]:8: error: 'samoyeds.ssmm' op (C5) top_k (-2147483648) must be >= 1
// CHECK-NOT: LLVM ERROR
#fmt24 = #samoyeds.format<n = 2, m = 4, v = 128>
func.func @two_of_four(%w: !samoyeds.packed<256x512xf16, #fmt24>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x256xf32> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xf32>) {gather, top_k = -2147483648} : !samoyeds.packed<256x512xf16, #fmt24>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}
