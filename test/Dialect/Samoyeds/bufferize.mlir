// One-shot bufferization of route, dispatch, ssmm and combine
// (BufferizableOpInterfaceImpl.cpp): each becomes its memref form writing
// into its init's buffer, in place into a writable argument, into a fresh
// buffer where the init's tensor is read afterwards (no copy: the ops never
// read their inits), and ssmm through the assemble of its weight.
// RUN: samoyeds-opt %s --samoyeds-bufferize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @route_in_place(
// CHECK-SAME: %[[L:[^:]*]]: memref<?x8xf32>, %[[W0:[^:]*]]: memref<?x2xf32>, %[[I0:[^:]*]]: memref<?x2xi32>)
// CHECK-NOT: memref.alloc
// CHECK: samoyeds.route %[[L]] outs(%[[W0]], %[[I0]] : memref<?x2xf32>, memref<?x2xi32>) {renormalize, top_k = 2 : i64} : memref<?x8xf32>{{$}}
// CHECK-NEXT: return %[[W0]], %[[I0]]
func.func @route_in_place(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, tensor<?x2xi32>)
             {top_k = 2, renormalize} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// tensor.empty inits become allocations.
// CHECK-LABEL: func.func @dispatch_empty(
// CHECK-SAME: %[[IDS:[^:]*]]: memref<16x2xi32>
// CHECK-DAG: %[[LA:.*]] = memref.alloc() {{.*}}: memref<536xi32>
// CHECK-DAG: %[[OA:.*]] = memref.alloc() {{.*}}: memref<9xi32>
// CHECK-DAG: %[[CA:.*]] = memref.alloc() {{.*}}: memref<8xi64>
// CHECK: samoyeds.dispatch %[[IDS]] outs(%[[LA]], %[[OA]], %[[CA]] : memref<536xi32>, memref<9xi32>, memref<8xi64>) {num_experts = 8 : i64, tile = 64 : i64} : memref<16x2xi32>{{$}}
// CHECK: return %[[LA]], %[[OA]], %[[CA]]
func.func @dispatch_empty(%ids: tensor<16x2xi32>) -> (tensor<536xi32>, tensor<9xi32>, tensor<8xi64>) {
  %l0 = tensor.empty() : tensor<536xi32>
  %o0 = tensor.empty() : tensor<9xi32>
  %c0 = tensor.empty() : tensor<8xi64>
  %l, %o, %c = samoyeds.dispatch %ids outs(%l0, %o0, %c0 : tensor<536xi32>, tensor<9xi32>, tensor<8xi64>)
                 {num_experts = 8, tile = 64}
                 : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>, tensor<8xi64>
  return %l, %o, %c : tensor<536xi32>, tensor<9xi32>, tensor<8xi64>
}

// -----

// The weight's storage buffers replace the packed value (the assemble goes),
// and every attribute (config included) carries over.
// CHECK-LABEL: func.func @ssmm_storage(
// CHECK-SAME: %[[V:[^:]*]]: memref<128x256xbf16>, %[[M:[^:]*]]: memref<128x32xi16>, %[[R:[^:]*]]: memref<4x128xi8>, %[[X:[^:]*]]: memref<?x512xbf16>, %[[LS:[^:]*]]: memref<?xi32>, %[[Y0:[^:]*]]: memref<?x256xf32>)
// CHECK-NOT: samoyeds.assemble
// CHECK-NOT: memref.alloc
// CHECK: samoyeds.ssmm storage(%[[V]], %[[M]], %[[R]] : memref<128x256xbf16>, memref<128x32xi16>, memref<4x128xi8>), %[[X]], %[[LS]] outs(%[[Y0]] : memref<?x256xf32>) {config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64>, gather, undef_padding} : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, memref<?x512xbf16>, memref<?xi32>{{$}}
// CHECK-NEXT: return %[[Y0]]
!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @ssmm_storage(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>,
                        %x: tensor<?x512xbf16>, %l: tensor<?xi32>, %y0: tensor<?x256xf32>)
    -> tensor<?x256xf32> {
  %w = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !w
  %y = samoyeds.ssmm %w, %x, %l outs(%y0 : tensor<?x256xf32>)
         {gather, undef_padding, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64,
            warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64>}
         : !w, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// The init is returned as well: the result needs a buffer of its own, fresh
// and not a copy (combine does not read its init).
// CHECK-LABEL: func.func @combine_fresh(
// CHECK-SAME: %[[Y0:[^:]*]]: memref<?x256xf32>) -> (memref<?x256xf32>, memref<?x256xf32>)
// CHECK: %[[A:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x256xf32>
// CHECK-NOT: memref.copy
// CHECK: samoyeds.combine %{{.*}}, %{{.*}}, %{{.*}} outs(%[[A]] : memref<?x256xf32>) {weighted} : memref<?x256xf32>, memref<?xi32>, memref<?x2xf32>{{$}}
// CHECK: return %[[A]], %[[Y0]]
func.func @combine_fresh(%rows: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>,
                         %y0: tensor<?x256xf32>) -> (tensor<?x256xf32>, tensor<?x256xf32>) {
  %y = samoyeds.combine %rows, %l, %w outs(%y0 : tensor<?x256xf32>) {weighted}
         : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return %y, %y0 : tensor<?x256xf32>, tensor<?x256xf32>
}

// -----

// An init that an earlier op reads afterwards: written into a fresh buffer,
// the argument stays intact for the later read.
!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
// CHECK-LABEL: func.func @ssmm_chain(
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: samoyeds.ssmm storage({{.*}}), {{.*}} outs(%[[A]] : memref<?x256xf32>)
// CHECK: samoyeds.combine %[[A]]
func.func @ssmm_chain(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>,
                      %x: tensor<?x512xbf16>, %l: tensor<?xi32>, %w2: tensor<?x1xf32>,
                      %y0: tensor<?x256xf32>) -> (tensor<?x256xf32>, f32) {
  %w = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !w
  %h = samoyeds.ssmm %w, %x, %l outs(%y0 : tensor<?x256xf32>) {gather}
         : !w, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  %y = samoyeds.combine %h, %l, %w2 outs(%y0 : tensor<?x256xf32>)
         : tensor<?x256xf32>, tensor<?xi32>, tensor<?x1xf32> -> tensor<?x256xf32>
  %c0 = arith.constant 0 : index
  %e = tensor.extract %y0[%c0, %c0] : tensor<?x256xf32>
  return %y, %e : tensor<?x256xf32>, f32
}
