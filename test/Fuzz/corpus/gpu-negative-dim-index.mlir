// Fuzz find, fixed: a dim of a negative constant index (valid IR, undefined
// result) crashed the GPU pipeline's first canonicalize, inside upstream MLIR
// 22's memref.dim canonicalization, which the GPU dialect brings; a tensor.dim
// of a route result became such a memref.dim. samoyeds-check-dim-indices now
// runs first and makes it a diagnostic.
// Was: SIGSEGV: mlir::PatternApplicator::matchAndRewrite < mlir::applyPatternsGreedily
// RUN: not samoyeds-opt %s --split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: 'tensor.dim' op dimension index -1 is out of range (the GPU pipeline refuses it: upstream's canonicalization of memref.dim would crash on it)
// CHECK: error: 'memref.dim' op dimension index -1 is out of range
// CHECK-NOT: {{LLVM ERROR|Stack dump|PLEASE submit}}

func.func @route(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: tensor<?x2xi32>) -> index {
  %c-1 = arith.constant -1 : index
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %a = tensor.dim %w, %c-1 : tensor<?x2xf32>
  return %a : index
}

// -----

func.func @plain(%s: memref<5xi32>) -> index {
  %c-1 = arith.constant -1 : index
  %d = memref.dim %s, %c-1 : memref<5xi32>
  return %d : index
}
