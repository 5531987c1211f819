// Where the verifier cannot compare two sizes (one is dynamic), the CPU code
// compares them at run time (cf.assert) before it reads or writes: the
// lowering used to index one buffer with the size of another. One RUN line
// per contract; each program stops with the message, before its print.
//
// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | \
// RUN:   not --crash stdbuf -oL mlir-runner -e combine_rows -entry-point-result=void \
// RUN:   -shared-libs=%runner_libs 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: samoyeds.combine: the rows and the list length differ at run time
// ROWS-NOT: sizes =
//
// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | \
// RUN:   not --crash stdbuf -oL mlir-runner -e combine_result -entry-point-result=void \
// RUN:   -shared-libs=%runner_libs 2>&1 | FileCheck %s --check-prefix=RESULT
// RESULT: samoyeds.combine: the tokens of weights and result differ at run time
// RESULT-NOT: sizes =
//
// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | \
// RUN:   not --crash stdbuf -oL mlir-runner -e route_tokens -entry-point-result=void \
// RUN:   -shared-libs=%runner_libs 2>&1 | FileCheck %s --check-prefix=ROUTE
// ROUTE: samoyeds.route: the tokens of logits and weights/indices differ at run time
// ROUTE-NOT: sizes =
//
// The consistent call runs.
// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | \
// RUN:   stdbuf -oL mlir-runner -e combine_ok -entry-point-result=void \
// RUN:   -shared-libs=%runner_libs 2>&1 | FileCheck %s --check-prefix=OK
// Entry 2 is the sentinel (T*k = 2) and adds nothing.
// OK: sizes = [2, 4]
// OK-NEXT: {{\[}}[1, 1, 1, 1],
// OK-NEXT: [2, 2, 2, 2]]

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// The dynamic sizes come through a call: a tensor.cast in the same function
// would fold into the destination-style op (canonicalize), and the mismatch
// would become a static one that the verifier rejects at compile time.
func.func @dyn_rows(%t: tensor<3x4xf32>) -> tensor<?x4xf32> {
  %d = tensor.cast %t : tensor<3x4xf32> to tensor<?x4xf32>
  return %d : tensor<?x4xf32>
}
func.func @dyn_weights(%t: tensor<3x1xf32>) -> tensor<?x1xf32> {
  %d = tensor.cast %t : tensor<3x1xf32> to tensor<?x1xf32>
  return %d : tensor<?x1xf32>
}

func.func @print(%t: tensor<2x4xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x4xf32> to memref<2x4xf32>
  %u = memref.cast %m : memref<2x4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// Three rows for a list of two entries.
func.func @combine_rows() {
  %r = arith.constant dense<1.0> : tensor<3x4xf32>
  %rows = call @dyn_rows(%r) : (tensor<3x4xf32>) -> tensor<?x4xf32>
  %list = arith.constant dense<[0, 1]> : tensor<2xi32>
  %w = arith.constant dense<1.0> : tensor<2x1xf32>
  %init1 = tensor.empty() : tensor<2x4xf32>
  %y = samoyeds.combine %rows, %list, %w outs(%init1 : tensor<2x4xf32>) : tensor<?x4xf32>, tensor<2xi32>, tensor<2x1xf32> -> tensor<2x4xf32>
  call @print(%y) : (tensor<2x4xf32>) -> ()
  return
}

// Weights of 3 tokens, a result of 2 (token 2 was written past the result).
func.func @combine_result() {
  %rows = arith.constant dense<1.0> : tensor<3x4xf32>
  %list = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
  %w0 = arith.constant dense<1.0> : tensor<3x1xf32>
  %w = call @dyn_weights(%w0) : (tensor<3x1xf32>) -> tensor<?x1xf32>
  %init2 = tensor.empty() : tensor<2x4xf32>
  %y = samoyeds.combine %rows, %list, %w outs(%init2 : tensor<2x4xf32>) : tensor<3x4xf32>, tensor<3xi32>, tensor<?x1xf32> -> tensor<2x4xf32>
  call @print(%y) : (tensor<2x4xf32>) -> ()
  return
}

// Logits of 3 tokens, weights and indices of 2.
func.func @route_tokens() {
  %l0 = arith.constant dense<0.5> : tensor<3x4xf32>
  %l = call @dyn_rows(%l0) : (tensor<3x4xf32>) -> tensor<?x4xf32>
  %init3_0 = tensor.empty() : tensor<2x1xf32>
  %init3_1 = tensor.empty() : tensor<2x1xi32>
  %w, %ids = samoyeds.route %l outs(%init3_0, %init3_1 : tensor<2x1xf32>, tensor<2x1xi32>) {top_k = 1} : tensor<?x4xf32> -> tensor<2x1xf32>, tensor<2x1xi32>
  %m = bufferization.to_buffer %w : tensor<2x1xf32> to memref<2x1xf32>
  %u = memref.cast %m : memref<2x1xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @combine_ok() {
  %r = arith.constant dense<1.0> : tensor<3x4xf32>
  %rows = call @dyn_rows(%r) : (tensor<3x4xf32>) -> tensor<?x4xf32>
  %list = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
  %w = arith.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %init4 = tensor.empty() : tensor<2x4xf32>
  %y = samoyeds.combine %rows, %list, %w outs(%init4 : tensor<2x4xf32>) {weighted} : tensor<?x4xf32>, tensor<3xi32>, tensor<2x1xf32> -> tensor<2x4xf32>
  call @print(%y) : (tensor<2x4xf32>) -> ()
  return
}
