// The memref form of each op that convert-samoyeds-to-gpu lowers (what
// one-shot bufferization makes of the tensor forms): the launches read the
// operand buffers and write the outs buffers in place; no result buffer is
// allocated and nothing is left of bufferization. An outs buffer of another
// layout is written through a fresh one and copied into.
// RUN: samoyeds-opt %s -split-input-file --convert-samoyeds-to-gpu="split-k=1 decode-tile=1 stream-tokens=-1" | FileCheck %s --implicit-check-not=bufferization. --implicit-check-not="{{^ *}}samoyeds."

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// The launch reads the three storage buffers, the input and the list, and
// writes the outs buffer.
// CHECK-LABEL: func.func @ssmm(
// CHECK-SAME: %[[V:[a-z0-9]+]]: memref<128x256xbf16>, %[[M:[a-z0-9]+]]: memref<128x32xi16>, %[[RI:[a-z0-9]+]]: memref<4x128xi8>, %[[X:[a-z0-9]+]]: memref<?x512xbf16>, %[[L:[a-z0-9]+]]: memref<?xi32>, %[[Y:[a-z0-9]+]]: memref<?x256xbf16>)
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_{{.*}} args(%[[V]] : memref<128x256xbf16>, %[[M]] : memref<128x32xi16>, %[[RI]] : memref<4x128xi8>, %[[X]] : memref<?x512xbf16>, %[[L]] : memref<?xi32>, %[[Y]] : memref<?x256xbf16>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @ssmm(%v: memref<128x256xbf16>, %m: memref<128x32xi16>, %ri: memref<4x128xi8>,
    %x: memref<?x512xbf16>, %l: memref<?xi32>, %y: memref<?x256xbf16>) {
  samoyeds.ssmm storage(%v, %m, %ri : memref<128x256xbf16>, memref<128x32xi16>, memref<4x128xi8>), %x, %l
      outs(%y : memref<?x256xbf16>) {gather}
      : !samoyeds.packed<256x512xbf16, #fmt>, memref<?x512xbf16>, memref<?xi32>
  return
}

// -----

// CHECK-LABEL: func.func @route(
// CHECK-SAME: %[[RL:[a-z0-9]+]]: memref<?x8xf32>, %[[RW:[a-z0-9]+]]: memref<?x2xf32>, %[[RI:[a-z0-9]+]]: memref<?x2xi32>)
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch_func @samoyeds_kernels::@route_{{.*}} args(%[[RL]] : memref<?x8xf32>, %[[RW]] : memref<?x2xf32>, %[[RI]] : memref<?x2xi32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @route(%l: memref<?x8xf32>, %w: memref<?x2xf32>, %i: memref<?x2xi32>) {
  samoyeds.route %l outs(%w, %i : memref<?x2xf32>, memref<?x2xi32>) {top_k = 2, renormalize} : memref<?x8xf32>
  return
}

// -----

// The only allocation is the kernels' histogram, freed after them.
// CHECK-LABEL: func.func @dispatch(
// CHECK-SAME: %[[IDS:[a-z0-9]+]]: memref<?x2xi32>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %[[OFF:[a-z0-9]+]]: memref<9xi32>, %[[CNT:[a-z0-9]+]]: memref<8xi64>)
// CHECK: %[[HIST:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_count {{.*}} args(%[[IDS]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan_counts_i64 {{.*}} args(%[[IDS]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>, %[[CNT]] : memref<8xi64>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scatter {{.*}} args(%[[IDS]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>)
// CHECK: memref.dealloc %[[HIST]]
// CHECK-NOT: memref.copy
// CHECK: return
func.func @dispatch(%ids: memref<?x2xi32>, %list: memref<?xi32>, %off: memref<9xi32>, %cnt: memref<8xi64>) {
  samoyeds.dispatch %ids outs(%list, %off, %cnt : memref<?xi32>, memref<9xi32>, memref<8xi64>) {num_experts = 8, tile = 64} : memref<?x2xi32>
  return
}

// -----

// The only allocation is the inverse map; the gather writes the outs buffer.
// CHECK-LABEL: func.func @combine(
// CHECK-SAME: %[[CR:[a-z0-9]+]]: memref<?x256xf32>, %[[CL:[a-z0-9]+]]: memref<?xi32>, %[[CW:[a-z0-9]+]]: memref<?x2xf32>, %[[CY:[a-z0-9]+]]: memref<?x256xf32>)
// CHECK: %[[INV:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_gather_{{.*}} args(%[[CR]] : memref<?x256xf32>, %[[CW]] : memref<?x2xf32>, %[[INV]] : memref<?xi32>, %[[CY]] : memref<?x256xf32>)
// CHECK: memref.dealloc %[[INV]]
// CHECK-NOT: memref.copy
// CHECK: return
func.func @combine(%r: memref<?x256xf32>, %l: memref<?xi32>, %w: memref<?x2xf32>, %y: memref<?x256xf32>) {
  samoyeds.combine %r, %l, %w outs(%y : memref<?x256xf32>) {weighted} : memref<?x256xf32>, memref<?xi32>, memref<?x2xf32>
  return
}

// -----

// Both kernels read the init from the outs buffer and write it in place.
// CHECK-LABEL: func.func @row_dot(
// CHECK-SAME: %[[DX:[a-z0-9]+]]: memref<?x256xbf16>, %[[DG:[a-z0-9]+]]: memref<8x256xbf16>, %[[DO:[a-z0-9]+]]: memref<?x8xf32>)
// CHECK-NOT: memref.alloc
// CHECK-COUNT-2: gpu.launch_func @samoyeds_kernels::@row_dot_{{.*}} args(%[[DX]] : memref<?x256xbf16>, %[[DG]] : memref<8x256xbf16>, %[[DO]] : memref<?x8xf32>, %[[DO]] : memref<?x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @row_dot(%x: memref<?x256xbf16>, %g: memref<8x256xbf16>, %o: memref<?x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %g : memref<?x256xbf16>, memref<8x256xbf16>) outs(%o : memref<?x8xf32>)
      attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %c: f32):
    %ae = arith.extf %a : bf16 to f32
    %be = arith.extf %b : bf16 to f32
    %p = arith.mulf %ae, %be : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Operands and outs of other layouts (subviews): an input is copied into an
// identity-layout buffer (its offset is dynamic), the outs buffer written
// through a fresh one and copied into.
// CHECK-LABEL: func.func @combine_strided(
// CHECK-SAME: %[[SR:[a-z0-9]+]]: memref<?x256xf32, strided<[256, 1], offset: ?>>, %{{[a-z0-9]+}}: memref<?xi32>, %{{[a-z0-9]+}}: memref<?x2xf32>, %[[SY:[a-z0-9]+]]: memref<?x256xf32, strided<[512, 1]>>)
// CHECK: %[[RC:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x256xf32>
// CHECK: memref.copy %[[SR]], %[[RC]] : memref<?x256xf32, strided<[256, 1], offset: ?>> to memref<?x256xf32>
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x256xf32>
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_gather_{{.*}} args(%[[RC]] : memref<?x256xf32>, %{{.*}} : memref<?x2xf32>, %{{.*}} : memref<?xi32>, %[[OUT]] : memref<?x256xf32>)
// CHECK: memref.copy %[[OUT]], %[[SY]] : memref<?x256xf32> to memref<?x256xf32, strided<[512, 1]>>
// CHECK: memref.dealloc %[[OUT]]
// CHECK: return
func.func @combine_strided(%r: memref<?x256xf32, strided<[256, 1], offset: ?>>, %l: memref<?xi32>,
    %w: memref<?x2xf32>, %y: memref<?x256xf32, strided<[512, 1]>>) {
  samoyeds.combine %r, %l, %w outs(%y : memref<?x256xf32, strided<[512, 1]>>)
      : memref<?x256xf32, strided<[256, 1], offset: ?>>, memref<?xi32>, memref<?x2xf32>
  return
}
