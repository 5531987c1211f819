// Issue 8: a dispatch whose list type is static while T is dynamic verifies
// (506 = T*k + 504 for T = 1), but T is known only at run time. The scan
// kernel traps (the runtime's sticky error) when the list length is not
// T*k + E*(tile-1), before the scatter could write past the list.
// RUN: samoyeds-opt %s --samoyeds-bufferize --convert-samoyeds-to-gpu | FileCheck %s
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o /dev/null
// CHECK-LABEL: gpu.func @dispatch_e8_t64_k2_scan
// CHECK: %[[LEN:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?xi32>
// CHECK: arith.cmpi ugt, %[[LEN]], %{{.*}} : index
// CHECK: llvm.intr.trap
// CHECK: %[[PAD:.*]] = arith.constant 504 : index
// CHECK: %[[WANT:.*]] = arith.addi %{{.*}}, %[[PAD]] : index
// CHECK: arith.cmpi ne, %[[LEN]], %[[WANT]] : index
// CHECK: llvm.intr.trap
// CHECK: gpu.return

func.func @f(%ids: tensor<?x2xi32>) -> (tensor<506xi32>, tensor<9xi32>) {
  %init1_0 = tensor.empty() : tensor<506xi32>
  %init1_1 = tensor.empty() : tensor<9xi32>
  %l, %o = samoyeds.dispatch %ids outs(%init1_0, %init1_1 : tensor<506xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<506xi32>, tensor<9xi32>
  return %l, %o : tensor<506xi32>, tensor<9xi32>
}
