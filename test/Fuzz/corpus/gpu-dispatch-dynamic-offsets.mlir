// Fuzz find (issue 8): a dispatch whose offsets are typed tensor<?xi32>
// segfaulted the GPU pipeline in lowerDispatch (allocResult was given no size
// for the dynamic dimension). The offsets now get E + 1 entries.
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// RUN: samoyeds-opt %s --samoyeds-cpu-pipeline -o /dev/null
// CHECK-DAG: gpu.binary @samoyeds_kernels
// CHECK-DAG: llvm.func @f(

func.func @f(%ids: tensor<16x2xi32>) -> (tensor<536xi32>, tensor<?xi32>) {
  %init1_0 = tensor.empty() : tensor<536xi32>
  %d2c9_1 = arith.constant 9 : index
  %init1_1 = tensor.empty(%d2c9_1) : tensor<?xi32>
  %l, %o = samoyeds.dispatch %ids outs(%init1_0, %init1_1 : tensor<536xi32>, tensor<?xi32>) {num_experts = 8, tile = 64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<?xi32>
  return %l, %o : tensor<536xi32>, tensor<?xi32>
}
