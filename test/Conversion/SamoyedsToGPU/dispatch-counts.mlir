// The optional counts of samoyeds.dispatch and samoyeds.moe on the GPU path
// (lib/Conversion/SamoyedsToGPU/RoutingKernels.cpp): the scan kernel, which
// totals each expert's ids over the chunks anyway, also stores the totals
// into the counts buffer (one more kernel argument, a kernel name of its own);
// count and scatter are unchanged, and a dispatch without counts keeps the
// plain scan kernel. A whole layer with counts: dispatch-counts-layer.mlir.
// The device check is the "counts" part of test/Integration/GPU/graph_check.py.
// RUN: samoyeds-opt %s --samoyeds-bufferize --convert-samoyeds-to-gpu | FileCheck %s --implicit-check-not=samoyeds.dispatch

// The kernels write the outs buffers that bufferization allocated (the
// list, the offsets, the counts), which the function returns.
// CHECK-LABEL: func.func @dispatch_counts(
// CHECK-SAME: %[[IB:[a-z0-9]+]]: memref<?x2xi32>)
// CHECK: %[[LIST:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?xi32>
// CHECK: %[[OFF:.*]] = memref.alloc() {{.*}}: memref<9xi32>
// CHECK: %[[CNT:.*]] = memref.alloc() {{.*}}: memref<8xi64>
// CHECK: %[[HIST:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_count {{.*}} args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan_counts_i64 {{.*}} args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>, %[[CNT]] : memref<8xi64>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scatter {{.*}} args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>)
// CHECK: return %[[LIST]], %[[OFF]], %[[CNT]] : memref<?xi32>, memref<9xi32>, memref<8xi64>

// Without counts: the plain scan kernel, four arguments.
// CHECK-LABEL: func.func @dispatch_plain(
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan blocks {{.*}} args(%{{.*}} : memref<?x2xi32>, %{{.*}} : memref<?xi32>, %{{.*}} : memref<9xi32>, %{{.*}} : memref<?xi32>){{$}}

// i32 counts of a dynamic size are E entries.
// CHECK-LABEL: func.func @dispatch_counts_i32(
// CHECK: %[[C32C:.*]] = memref.cast %{{.*}} : memref<?xi32> to memref<8xi32>
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan_counts_i32 {{.*}}, %[[C32C]] : memref<8xi32>)

// The scan kernel: the total of expert e over the chunks (the value the
// offsets are padded from) is stored, unpadded, as counts[e].
// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @dispatch_e8_t64_k2_scan_counts_i64(%{{[a-z0-9]+}}: memref<?x2xi32>, %[[H:[a-z0-9]+]]: memref<?xi32>, %[[O:[a-z0-9]+]]: memref<9xi32>, %{{[a-z0-9]+}}: memref<?xi32>, %[[C:[a-z0-9]+]]: memref<8xi64>)
// CHECK: scf.for %[[E:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[TOTAL:.*]] = scf.for {{.*}} -> (index) {
// CHECK: memref.store %{{.*}}, %[[H]][%{{.*}}] : memref<?xi32>
// CHECK: %[[T64:.*]] = arith.index_cast %[[TOTAL]] : index to i64
// CHECK-NEXT: memref.store %[[T64]], %[[C]][%[[E]]] : memref<8xi64>
// CHECK: arith.ceildivui %[[TOTAL]], %{{.*}} : index
// CHECK: memref.store %{{.*}}, %[[O]][%{{.*}}] : memref<9xi32>
// CHECK: gpu.return
// CHECK: gpu.func @dispatch_e8_t64_k2_scan_counts_i32({{.*}}, %[[C32A:[a-z0-9]+]]: memref<8xi32>)
// CHECK: memref.store %{{.*}}, %[[C32A]][%{{.*}}] : memref<8xi32>
func.func @dispatch_counts(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<9xi32>, tensor<8xi64>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %ids, %d2c0_1 : tensor<?x2xi32>
  %d2c2_1 = arith.constant 2 : index
  %d2m_1 = arith.muli %d2d1_1, %d2c2_1 : index
  %d2c504_1 = arith.constant 504 : index
  %d2l_1 = arith.addi %d2m_1, %d2c504_1 : index
  %init1_0 = tensor.empty(%d2l_1) : tensor<?xi32>
  %init1_1 = tensor.empty() : tensor<9xi32>
  %init1_2 = tensor.empty() : tensor<8xi64>
  %l, %o, %c = samoyeds.dispatch %ids outs(%init1_0, %init1_1, %init1_2 : tensor<?xi32>, tensor<9xi32>, tensor<8xi64>) {num_experts = 8, tile = 64}
                 : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
  return %l, %o, %c : tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
}
func.func @dispatch_plain(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<9xi32>) {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %ids, %d2c0_2 : tensor<?x2xi32>
  %d2c2_2 = arith.constant 2 : index
  %d2m_2 = arith.muli %d2d1_2, %d2c2_2 : index
  %d2c504_2 = arith.constant 504 : index
  %d2l_2 = arith.addi %d2m_2, %d2c504_2 : index
  %init2_0 = tensor.empty(%d2l_2) : tensor<?xi32>
  %init2_1 = tensor.empty() : tensor<9xi32>
  %l, %o = samoyeds.dispatch %ids outs(%init2_0, %init2_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64}
             : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return %l, %o : tensor<?xi32>, tensor<9xi32>
}
func.func @dispatch_counts_i32(%ids: tensor<?x2xi32>) -> tensor<?xi32> {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %ids, %d2c0_3 : tensor<?x2xi32>
  %d2c2_3 = arith.constant 2 : index
  %d2m_3 = arith.muli %d2d1_3, %d2c2_3 : index
  %d2c504_3 = arith.constant 504 : index
  %d2l_3 = arith.addi %d2m_3, %d2c504_3 : index
  %init3_0 = tensor.empty(%d2l_3) : tensor<?xi32>
  %init3_1 = tensor.empty() : tensor<9xi32>
  %d2c8_3 = arith.constant 8 : index
  %init3_2 = tensor.empty(%d2c8_3) : tensor<?xi32>
  %l, %o, %c = samoyeds.dispatch %ids outs(%init3_0, %init3_1, %init3_2 : tensor<?xi32>, tensor<9xi32>, tensor<?xi32>) {num_experts = 8, tile = 64}
                 : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<?xi32>
  return %c : tensor<?xi32>
}
