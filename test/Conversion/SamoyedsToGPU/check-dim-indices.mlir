// RUN: samoyeds-opt %s --samoyeds-check-dim-indices --split-input-file -verify-diagnostics | FileCheck %s

// samoyeds-check-dim-indices, the GPU pipeline's first step: a dim of a
// negative constant index (valid IR, undefined result) is a diagnostic, since
// upstream MLIR 22's canonicalization of memref.dim with the GPU dialect
// loaded crashes on it (found by the fuzzer: test/Fuzz/corpus/gpu-negative-dim-index.mlir).

func.func @memref_dim(%s: memref<5xi32>) -> index {
  %c-1 = arith.constant -1 : index
  // expected-error @+1 {{'memref.dim' op dimension index -1 is out of range (the GPU pipeline refuses it: upstream's canonicalization of memref.dim would crash on it)}}
  %d = memref.dim %s, %c-1 : memref<5xi32>
  return %d : index
}

// -----

// A tensor.dim becomes a memref.dim when it bufferizes.
func.func @tensor_dim(%t: tensor<?x2xf32>) -> index {
  %c-3 = arith.constant -3 : index
  // expected-error @+1 {{'tensor.dim' op dimension index -3 is out of range}}
  %d = tensor.dim %t, %c-3 : tensor<?x2xf32>
  return %d : index
}

// -----

// In-range and non-constant indices pass unchanged (a dynamic index is not
// folded by the pattern that crashes).
// CHECK-LABEL: func.func @in_range(
// CHECK:         memref.dim %{{.*}}, %c0 : memref<?xi32>
// CHECK:         tensor.dim %{{.*}}, %{{.*}} : tensor<?x2xf32>
// CHECK:         return
func.func @in_range(%s: memref<?xi32>, %t: tensor<?x2xf32>, %i: index) -> (index, index) {
  %c0 = arith.constant 0 : index
  %a = memref.dim %s, %c0 : memref<?xi32>
  %b = tensor.dim %t, %i : tensor<?x2xf32>
  return %a, %b : index, index
}
