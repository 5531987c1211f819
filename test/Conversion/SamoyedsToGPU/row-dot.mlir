// The row dot products that samoyeds-decompose-moe marks (gate logits, shared
// expert gate) get their own kernel: a warp computes 2 rows x 4 columns,
// lanes stride the reduction dimension, a shuffle butterfly sums each of the
// 8 outputs, lane 0 adds the init value and stores the rows and columns in
// range.
// RUN: samoyeds-opt %s -split-input-file --convert-samoyeds-to-gpu | FileCheck %s

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @logits
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x8xf32>
// 8 warps x 2 rows per block: grid x = ceil(rows / 16); 8 columns in chunks
// of 4: grid y = 2.
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[BLOCKS:.*]] = arith.ceildivui %{{.*}}, %[[C16]] : index
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k256_n8_bf16_bf16_dyn blocks in (%[[BLOCKS]], %[[C2]], %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%{{.*}} : memref<?x256xbf16>, %{{.*}} : memref<8x256xbf16>, %{{.*}} : memref<?x8xf32>, %[[OUT]] : memref<?x8xf32>)
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: gpu.func @row_dot_k256_n8_bf16_bf16_dyn
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK: gpu.block_id  y
// Lanes read 8 consecutive bf16 (16 bytes) per step of 256: 2 token rows and
// 4 gate rows per step, 8 vector FMAs.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-2: vector.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x256xbf16>, vector<8xbf16>
// CHECK-COUNT-4: vector.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<8x256xbf16>, vector<8xbf16>
// CHECK-COUNT-8: vector.fma
// CHECK-NOT: vector.fma
// CHECK: scf.yield
// Each output: a reduction, 5 shuffles, a store guarded by lane 0 and range.
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK: vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store
// CHECK-NOT: gpu.shuffle
func.func @logits(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x256xbf16>, tensor<8x256xbf16>) outs(%init : tensor<?x8xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// Without the mark a linalg.generic is left to the rest of the pipeline.
// CHECK-LABEL: func.func @unmarked
// CHECK: linalg.generic
// CHECK-NOT: gpu.launch_func
func.func @unmarked(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x256xbf16>, tensor<8x256xbf16>) outs(%init : tensor<?x8xf32>) {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// A rank-1 right-hand side (the shared expert gate): one output per row.
// CHECK-LABEL: func.func @gate
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k256_n1v_bf16_bf16_dyn
func.func @gate(%x: tensor<?x256xbf16>, %g: tensor<256xbf16>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>],
                       iterator_types = ["parallel", "reduction"]}
         ins(%x, %g : tensor<?x256xbf16>, tensor<256xbf16>) outs(%init : tensor<?xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
