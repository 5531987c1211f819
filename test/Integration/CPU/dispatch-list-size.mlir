// A static list type with a dynamic T: the verifier cannot know T, so the
// CPU code checks T*k + E*(tile-1) against the list type at run time, before
// it writes anything (it used to write past the list: heap corruption).
// Regression of a fuzz find (issue 8): tensor<?x2xi32> -> tensor<5xi32> is
// now a verifier error; the case below verifies (6 = 2 + 4*1, T = 1) but runs
// with T = 3.
//
// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | \
// RUN:   not --crash stdbuf -oL mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%runner_libs 2>&1 | FileCheck %s
//
// CHECK:      samoyeds.dispatch: the list type has 6 entries but T*k + E*(tile-1) differs at run time
// CHECK-NOT:  sizes = [6]

func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}

// T comes through a call: a tensor.cast here would fold into the
// destination-style dispatch (canonicalize) and make T static.
func.func @dyn_ids(%t: tensor<3x2xi32>) -> tensor<?x2xi32> {
  %d = tensor.cast %t : tensor<3x2xi32> to tensor<?x2xi32>
  return %d : tensor<?x2xi32>
}

func.func @main() {
  %c = arith.constant dense<[[0, 3], [3, 1], [0, 2]]> : tensor<3x2xi32>
  %ids = call @dyn_ids(%c) : (tensor<3x2xi32>) -> tensor<?x2xi32>
  %init1_0 = tensor.empty() : tensor<6xi32>
  %init1_1 = tensor.empty() : tensor<5xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init1_0, %init1_1 : tensor<6xi32>, tensor<5xi32>) {num_experts = 4, tile = 2}
                  : tensor<?x2xi32> -> tensor<6xi32>, tensor<5xi32>
  %lm = bufferization.to_buffer %list : tensor<6xi32> to memref<6xi32>
  %lu = memref.cast %lm : memref<6xi32> to memref<*xi32>
  call @printMemrefI32(%lu) : (memref<*xi32>) -> ()
  return
}
