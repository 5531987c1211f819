// Fuzz find (issue 8): a static 5-entry list with a dynamic T verified, and
// the CPU code wrote E*(tile-1) = 504 sentinels into it (heap corruption).
// Now the verifier rejects it (every pipeline starts by verifying).
// RUN: not samoyeds-opt %s --samoyeds-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o /dev/null 2>&1 | FileCheck %s
// CHECK: cpu-dispatch-short-static-list.mlir:[[@LINE+5]]:12: error: 'samoyeds.dispatch' op (C2) list must have T*k + E*(tile-1) >= 504 entries (E = 8, tile = 64), got 5

func.func @f(%ids: tensor<?x2xi32>) -> (tensor<5xi32>, tensor<9xi32>) {
  %init1_0 = tensor.empty() : tensor<5xi32>
  %init1_1 = tensor.empty() : tensor<9xi32>
  %l, %o = samoyeds.dispatch %ids outs(%init1_0, %init1_1 : tensor<5xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<5xi32>, tensor<9xi32>
  return %l, %o : tensor<5xi32>, tensor<9xi32>
}
