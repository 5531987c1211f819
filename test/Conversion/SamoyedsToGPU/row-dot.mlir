// The row dot products that samoyeds-decompose-moe marks (gate logits, shared
// expert gate) get their own kernels, tiles of 2 rows x 4 columns whose lanes
// stride the reduction dimension. Many rows: a warp per tile, a shuffle
// butterfly sums each of the 8 outputs, lane 0 adds the init value and
// stores the rows and columns in range. Few rows (while ceil(M / 2) x
// ceil(N / 4) <= 1024 blocks): a block per tile whose 8 warps split K, the per-warp sums meet in workgroup memory and
// are added in warp order. Many rows of bf16 or f16 with K % 32 == 0 go to
// a tensor-core kernel instead (mma.sync m16n8k16, 32 rows x 64 columns a
// block, the 8 warps split K and meet by a tree in workgroup memory). The
// host launches both, the one not chosen with an empty grid; a static row
// count builds only the chosen one. Loads are 16 bytes with alignment 16.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu -o %t
// RUN: FileCheck %s --input-file=%t
// RUN: FileCheck %s --input-file=%t --check-prefix=COUNT

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

// The init's buffer (the argument, bufferized in place) is read and written
// by the kernels, and returned; no result buffer is allocated.
// CHECK-LABEL: func.func @logits
// CHECK-SAME: %[[OUT:[a-z0-9]+]]: memref<?x8xf32>) -> memref<?x8xf32>
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.alloc
// CHECK: %[[M:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x264xbf16>
// 8 columns in chunks of 4: grid y = 2 for both kernels. Many rows: 8 warps
// x 2 rows per block, grid x = ceil(M / 16); few rows: 2 rows per block,
// grid x = ceil(M / 2). M <= 1024 (512 x 2 blocks) chooses the few-rows
// kernel; the other gets grid x = 0 (a runtime no-op), with no host branch.
// CHECK: %[[MANY:.*]] = arith.ceildivui %[[M]], %c16{{(_[0-9]+)?}} : index
// CHECK: %[[FEWN:.*]] = arith.ceildivui %[[M]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[FEW:.*]] = arith.cmpi ule, %[[M]], %c1024{{(_[0-9]+)?}} : index
// CHECK: %[[GMANY:.*]] = arith.select %[[FEW]], %c0{{(_[0-9]+)?}}, %[[MANY]] : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k264_n8_bf16_bf16_dyn blocks in (%[[GMANY]], %c2{{(_[0-9]+)?}}, %{{.*}}) threads in (%c256{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}) args(%{{.*}} : memref<?x264xbf16>, %{{.*}} : memref<8x264xbf16>, %[[OUT]] : memref<?x8xf32>, %[[OUT]] : memref<?x8xf32>)
// CHECK: %[[GFEW:.*]] = arith.select %[[FEW]], %[[FEWN]], %c0{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k264_n8_bf16_bf16_dyn_fewrows blocks in (%[[GFEW]], %c2{{(_[0-9]+)?}}, %{{.*}}) threads in (%c256{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}) args(%{{.*}} : memref<?x264xbf16>, %{{.*}} : memref<8x264xbf16>, %[[OUT]] : memref<?x8xf32>, %[[OUT]] : memref<?x8xf32>)
// CHECK-NOT: memref.alloc
// CHECK: return %[[OUT]] : memref<?x8xf32>
// CHECK: gpu.func @row_dot_k264_n8_bf16_bf16_dyn(
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK: gpu.block_id  y
// Lanes read 8 consecutive bf16 (16 bytes) per step of 256: 2 token rows and
// 4 gate rows per step, 8 vector FMAs.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-2: vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x264xbf16>, vector<8xbf16>
// CHECK-COUNT-4: vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<8x264xbf16>, vector<8xbf16>
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
// CHECK: gpu.return

// The few-rows kernel: block bx's 2 rows 2 bx, 2 bx + 1 (the second clamped
// to M - 1 and not stored past M), 8 partial sums per warp in workgroup
// memory. No early exit: every thread reaches the barrier.
// CHECK: gpu.func @row_dot_k264_n8_bf16_bf16_dyn_fewrows(%[[FA:[a-z0-9]+]]: memref<?x264xbf16>, %[[FW:[a-z0-9]+]]: memref<8x264xbf16>, %[[FI:[a-z0-9]+]]: memref<?x8xf32>, %[[FO:[a-z0-9]+]]: memref<?x8xf32>) workgroup(%[[PART:[a-z0-9]+]] : memref<64xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-DAG: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[LANE:.*]] = arith.remui %[[TID]], %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[WARP:.*]] = arith.divui %[[TID]], %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[BX:.*]] = gpu.block_id  x
// CHECK: %[[ROW0:.*]] = arith.muli %[[BX]], %c2{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.if
// Thread t's steps are at k = 8 t + 2048 i: K = 264 is a single step, guarded
// (only k < 264 accumulates), its loads clamped to k = 256.
// CHECK: %[[K:.*]] = arith.muli %[[TID]], %c8{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[KOK:.*]] = arith.cmpi ult, %[[K]], %c264{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[KC:.*]] = arith.minui %[[K]], %c256{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.for
// CHECK-COUNT-2: vector.load %[[FA]][%{{.*}}, %[[KC]]] {alignment = 16 : i64} : memref<?x264xbf16>, vector<8xbf16>
// CHECK-COUNT-4: vector.load %[[FW]][%{{.*}}, %[[KC]]] {alignment = 16 : i64} : memref<8x264xbf16>, vector<8xbf16>
// CHECK-COUNT-8: vector.fma
// CHECK-COUNT-8: arith.select %[[KOK]], %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK-NOT: vector.load
// Each warp sums its lanes per output; lane 0 stores the 8 sums at
// warp * 8 + output.
// CHECK: %[[IS0:.*]] = arith.cmpi eq, %[[LANE]], %c0{{(_[0-9]+)?}} : index
// CHECK-COUNT-8: vector.reduction <add>
// CHECK: scf.if %[[IS0]] {
// CHECK: %[[WBASE:.*]] = arith.muli %[[WARP]], %c8{{(_[0-9]+)?}} : index
// CHECK: %[[AT0:.*]] = arith.addi %[[WBASE]], %c0{{(_[0-9]+)?}} : index
// CHECK: memref.store %{{.*}}, %[[PART]][%[[AT0]]] : memref<64xf32, #gpu.address_space<workgroup>>
// CHECK-COUNT-7: memref.store %{{.*}}, %[[PART]][%{{.*}}] : memref<64xf32, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// Thread o < 8 adds output o's 8 partials in warp order (entries o, o + 8,
// ..., o + 56), then the init value, and stores row 2 bx + o / 4, column
// 4 by + o % 4 when in range.
// CHECK: %[[MINE:.*]] = arith.cmpi ult, %[[TID]], %c8{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[MINE]] {
// CHECK: %[[P0:.*]] = memref.load %[[PART]][%[[TID]]]
// CHECK: %[[I1:.*]] = arith.addi %[[TID]], %c8{{(_[0-9]+)?}} : index
// CHECK: %[[P1:.*]] = memref.load %[[PART]][%[[I1]]]
// CHECK: %[[S1:.*]] = arith.addf %[[P0]], %[[P1]] : f32
// CHECK: %[[I2:.*]] = arith.addi %[[TID]], %c16{{(_[0-9]+)?}} : index
// CHECK: %[[P2:.*]] = memref.load %[[PART]][%[[I2]]]
// CHECK: %[[S2:.*]] = arith.addf %[[S1]], %[[P2]] : f32
// CHECK: %[[I3:.*]] = arith.addi %[[TID]], %c24{{(_[0-9]+)?}} : index
// CHECK: %[[P3:.*]] = memref.load %[[PART]][%[[I3]]]
// CHECK: %[[S3:.*]] = arith.addf %[[S2]], %[[P3]] : f32
// CHECK: %[[I4:.*]] = arith.addi %[[TID]], %c32{{(_[0-9]+)?}} : index
// CHECK: %[[P4:.*]] = memref.load %[[PART]][%[[I4]]]
// CHECK: %[[S4:.*]] = arith.addf %[[S3]], %[[P4]] : f32
// CHECK: %[[I5:.*]] = arith.addi %[[TID]], %c40{{(_[0-9]+)?}} : index
// CHECK: %[[P5:.*]] = memref.load %[[PART]][%[[I5]]]
// CHECK: %[[S5:.*]] = arith.addf %[[S4]], %[[P5]] : f32
// CHECK: %[[I6:.*]] = arith.addi %[[TID]], %c48{{(_[0-9]+)?}} : index
// CHECK: %[[P6:.*]] = memref.load %[[PART]][%[[I6]]]
// CHECK: %[[S6:.*]] = arith.addf %[[S5]], %[[P6]] : f32
// CHECK: %[[I7:.*]] = arith.addi %[[TID]], %c56{{(_[0-9]+)?}} : index
// CHECK: %[[P7:.*]] = memref.load %[[PART]][%[[I7]]]
// CHECK: %[[S7:.*]] = arith.addf %[[S6]], %[[P7]] : f32
// CHECK: %[[RO:.*]] = arith.divui %[[TID]], %c4{{(_[0-9]+)?}} : index
// CHECK: %[[R:.*]] = arith.addi %[[ROW0]], %[[RO]] : index
// CHECK: %[[CO:.*]] = arith.remui %[[TID]], %c4{{(_[0-9]+)?}} : index
// CHECK: %[[C:.*]] = arith.addi %{{.*}}, %[[CO]] : index
// CHECK-DAG: %[[COK:.*]] = arith.cmpi ult, %[[C]], %c8{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[ROK:.*]] = arith.cmpi ult, %[[R]], %{{.*}} : index
// CHECK: %[[OK:.*]] = arith.andi %[[ROK]], %[[COK]] : i1
// CHECK: scf.if %[[OK]] {
// CHECK: %[[INIT:.*]] = memref.load %[[FI]][%[[R]], %[[C]]] : memref<?x8xf32>
// CHECK: %[[V:.*]] = arith.addf %[[INIT]], %[[S7]] : f32
// CHECK: memref.store %[[V]], %[[FO]][%[[R]], %[[C]]] : memref<?x8xf32>
// CHECK: gpu.return

// Per kernel: 8 outputs x 5 xor shuffles; the few-rows kernel has the one
// barrier between the partial sums and their addition.
// COUNT-LABEL: gpu.func @row_dot_k264_n8_bf16_bf16_dyn(
// COUNT-NOT: gpu.barrier
// COUNT-COUNT-40: gpu.shuffle  xor
// COUNT-NOT: gpu.shuffle
// COUNT-NOT: gpu.barrier
// COUNT: gpu.return
// COUNT-LABEL: gpu.func @row_dot_k264_n8_bf16_bf16_dyn_fewrows(
// COUNT-NOT: gpu.barrier
// COUNT-COUNT-40: gpu.shuffle  xor
// COUNT-NOT: gpu.shuffle
// COUNT: gpu.barrier
// COUNT-NOT: gpu.barrier
// COUNT-NOT: gpu.shuffle
// COUNT: gpu.return
func.func @logits(%x: tensor<?x264xbf16>, %g: tensor<8x264xbf16>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x264xbf16>, tensor<8x264xbf16>) outs(%init : tensor<?x8xf32>)
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

// DeepSeek's gate, 64 experts: 16 column chunks, so the few-rows kernel
// takes M <= 2 x (1024 / 16) = 128 rows. bf16 with K % 32 == 0: many rows
// go to the tensor-core kernel, a block per 32 rows x 32 columns (grid x =
// ceil(M / 32), grid y = 2).
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @logits64
// CHECK: %[[M64:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x2048xbf16>
// CHECK: %[[MMAN:.*]] = arith.ceildivui %[[M64]], %c32{{(_[0-9]+)?}} : index
// CHECK: %[[FEW64:.*]] = arith.cmpi ule, %{{.*}}, %c128{{(_[0-9]+)?}} : index
// CHECK: %[[GMMA:.*]] = arith.select %[[FEW64]], %{{.*}}, %[[MMAN]] : index
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k2048_n64_bf16_bf16_dyn_mma blocks in (%[[GMMA]], %c2{{(_[0-9]+)?}}, %{{.*}}) threads in (%c256
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k2048_n64_bf16_bf16_dyn_fewrows blocks in (%{{.*}}, %c16{{(_[0-9]+)?}}, %{{.*}})
// Workgroup memory for 4 warps' accumulators: 8 tiles x 4 floats x 32 lanes.
// CHECK: gpu.func @row_dot_k2048_n64_bf16_bf16_dyn_mma(%[[MA:[a-z0-9]+]]: memref<?x2048xbf16>, %[[MW:[a-z0-9]+]]: memref<64x2048xbf16>, %[[MI:[a-z0-9]+]]: memref<?x64xf32>, %[[MO:[a-z0-9]+]]: memref<?x64xf32>) workgroup(%[[MP:[a-z0-9]+]] : memref<4096xf32, #gpu.address_space<workgroup>>)
// CHECK-DAG: %[[MLANE:.*]] = arith.remui %{{.*}}, %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[MWARP:.*]] = arith.divui %{{.*}}, %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[MT:.*]] = arith.remui %[[MLANE]], %c4{{(_[0-9]+)?}} : index
// Rows g, g + 8, g + 16, g + 24 of the block (clamped to M - 1); rhs rows
// g + 8 nt (clamped to 63).
// CHECK-COUNT-4: arith.minui %{{.*}}, %{{.*}} : index
// CHECK-COUNT-4: arith.minui %{{.*}}, %c63{{(_[0-9]+)?}} : index
// K = 2048 is 64 chunks of 32, 8 per warp (chunk warp + 8 i), 2 per
// iteration, unguarded; a lane's 16 bytes are at 32 chunk + 8 t.
// CHECK: scf.for %[[MI0:[a-z0-9]+]] = %c0{{(_[0-9]+)?}} to %c8{{(_[0-9]+)?}} step %c2{{(_[0-9]+)?}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK: %[[CH:.*]] = arith.addi %[[MWARP]], %{{.*}} : index
// CHECK: %[[KT:.*]] = arith.muli %[[MT]], %c8{{(_[0-9]+)?}} : index
// CHECK: %[[KC0:.*]] = arith.muli %[[CH]], %c32{{(_[0-9]+)?}} : index
// CHECK: %[[KK:.*]] = arith.addi %[[KC0]], %[[KT]] : index
// Row g of m-tile 0, then row g + 8: registers 0 and 1 are the k pairs of
// step 0 (the MMA's a0, a2 and a1, a3).
// CHECK: %[[L0:.*]] = vector.load %[[MA]][%{{.*}}, %[[KK]]] {alignment = 16 : i64} : memref<?x2048xbf16>, vector<8xbf16>
// CHECK: %[[W0:.*]] = vector.bitcast %[[L0]] : vector<8xbf16> to vector<4xi32>
// CHECK: %[[A0:.*]] = vector.extract %[[W0]][0] : i32 from vector<4xi32>
// CHECK: %[[A2:.*]] = vector.extract %[[W0]][1] : i32 from vector<4xi32>
// CHECK: %[[L1:.*]] = vector.load %[[MA]][%{{.*}}, %[[KK]]] {alignment = 16 : i64} : memref<?x2048xbf16>, vector<8xbf16>
// CHECK: %[[W1:.*]] = vector.bitcast %[[L1]] : vector<8xbf16> to vector<4xi32>
// CHECK: %[[A1:.*]] = vector.extract %[[W1]][0] : i32 from vector<4xi32>
// CHECK: %[[A3:.*]] = vector.extract %[[W1]][1] : i32 from vector<4xi32>
// CHECK-COUNT-2: vector.load %[[MA]][%{{.*}}, %[[KK]]] {alignment = 16 : i64} : memref<?x2048xbf16>, vector<8xbf16>
// CHECK: %[[LB:.*]] = vector.load %[[MW]][%{{.*}}, %[[KK]]] {alignment = 16 : i64} : memref<64x2048xbf16>, vector<8xbf16>
// CHECK: %[[WB:.*]] = vector.bitcast %[[LB]] : vector<8xbf16> to vector<4xi32>
// CHECK: %[[B0:.*]] = vector.extract %[[WB]][0] : i32 from vector<4xi32>
// CHECK: %[[B1:.*]] = vector.extract %[[WB]][1] : i32 from vector<4xi32>
// CHECK-COUNT-3: vector.load %[[MW]][%{{.*}}, %[[KK]]] {alignment = 16 : i64} : memref<64x2048xbf16>, vector<8xbf16>
// The second chunk's 8 loads come before the first chunk's MMAs.
// CHECK-COUNT-8: vector.load
// CHECK-NOT: vector.load
// CHECK: nvvm.mma.sync A[%[[A0]], %[[A1]], %[[A2]], %[[A3]]]  B[%[[B0]], %[[B1]]]  C[{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: arith.select
// CHECK: scf.yield
// The tree: warps 4-7 store, barrier, all add; 2-3; 1. Then warp 0 adds
// init and stores its 32 outputs, each guarded by the row and column range.
// CHECK: %[[S4:.*]] = arith.cmpi uge, %[[MWARP]], %c4{{(_[0-9]+)?}} : index
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[MP]][%{{.*}}] : memref<4096xf32, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK: memref.load %[[MP]]
// CHECK: gpu.barrier
// CHECK: arith.cmpi uge, %[[MWARP]], %c2{{(_[0-9]+)?}} : index
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: arith.cmpi uge, %[[MWARP]], %c1{{(_[0-9]+)?}} : index
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: %[[IS0W:.*]] = arith.cmpi eq, %[[MWARP]], %c0{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[IS0W]] {
// CHECK: %[[OKM:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: scf.if %[[OKM]] {
// CHECK: %[[IV:.*]] = memref.load %[[MI]][%[[OR:.*]], %[[OC:.*]]] : memref<?x64xf32>
// CHECK: %[[SV:.*]] = arith.addf %[[IV]], %{{.*}} : f32
// CHECK: memref.store %[[SV]], %[[MO]][%[[OR]], %[[OC]]] : memref<?x64xf32>
// CHECK: gpu.return
// COUNT-LABEL: gpu.func @row_dot_k2048_n64_bf16_bf16_dyn_mma(
// COUNT-COUNT-32: nvvm.mma.sync
// COUNT-NOT: nvvm.mma.sync
// COUNT-COUNT-5: gpu.barrier
// COUNT-NOT: gpu.barrier
// COUNT-COUNT-32: memref.store %{{.*}} : memref<?x64xf32>
// COUNT-NOT: memref.store
// COUNT: gpu.return
func.func @logits64(%x: tensor<?x2048xbf16>, %g: tensor<64x2048xbf16>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x2048xbf16>, tensor<64x2048xbf16>) outs(%init : tensor<?x64xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
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

// A rank-1 right-hand side (the shared expert gate): one output per row, a
// tile of 2 rows x 1 column: the few-rows kernel keeps 8 warps x 2 partial
// sums and threads 0 and 1 store.
// One column chunk: the few-rows kernel takes M <= 2 x 1024 rows.
// CHECK-LABEL: func.func @gate
// CHECK: arith.cmpi ule, %{{.*}}, %c2048{{(_[0-9]+)?}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k256_n1v_bf16_bf16_dyn blocks
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k256_n1v_bf16_bf16_dyn_fewrows blocks
// CHECK: gpu.func @row_dot_k256_n1v_bf16_bf16_dyn_fewrows({{.*}}) workgroup(%[[VP:[a-z0-9]+]] : memref<16xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-2: vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x256xbf16>, vector<8xbf16>
// CHECK-NEXT: arith.extf
// CHECK-NEXT: vector.load %{{.*}}[%{{.*}}] {alignment = 16 : i64} : memref<256xbf16>, vector<8xbf16>
// CHECK: gpu.barrier
// CHECK: %[[VT:.*]] = arith.cmpi ult, %{{.*}}, %c2{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[VT]] {
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32>
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

// -----

// Decode with a static row count (Mixtral's gate at T = 1): only the
// few-rows kernel is built and launched. K = 4096 is 2 steps of 2048 per
// thread, every one in range: unrolled, unguarded, 12 loads in flight.
// CHECK-LABEL: func.func @decode
// CHECK-NOT: gpu.launch_func @samoyeds_kernels::@row_dot_k4096_n8_bf16_bf16_1 blocks
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k4096_n8_bf16_bf16_1_fewrows blocks
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @row_dot_k4096_n8_bf16_bf16_1_fewrows(
// CHECK-NOT: scf.for
// CHECK: %[[DK0:.*]] = arith.muli %{{.*}}, %c8{{(_[0-9]+)?}} : index
// CHECK-COUNT-6: vector.load %{{.*}}[%{{.*}}, %[[DK0]]]
// CHECK: %[[DK1:.*]] = arith.addi %[[DK0]], %c2048{{(_[0-9]+)?}} : index
// CHECK-COUNT-6: vector.load %{{.*}}[%{{.*}}, %[[DK1]]]
// CHECK-NOT: vector.load
// CHECK-NOT: arith.select
// CHECK: gpu.barrier
// CHECK-NOT: gpu.func
// COUNT-LABEL: gpu.func @row_dot_k4096_n8_bf16_bf16_1_fewrows(
// COUNT-COUNT-16: vector.fma
// COUNT-NOT: vector.fma
// COUNT: gpu.return
func.func @decode(%x: tensor<1x4096xbf16>, %g: tensor<8x4096xbf16>, %init: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<1x4096xbf16>, tensor<8x4096xbf16>) outs(%init : tensor<1x8xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// Prefill with a static row count (DeepSeek's gate at T = 4096): only the
// tensor-core kernel, 128 x 1 blocks.
// CHECK-LABEL: func.func @prefill
// CHECK-NOT: fewrows
// CHECK: %[[PG:.*]] = arith.ceildivui %{{.*}}, %c32{{(_[0-9]+)?}} : index
// CHECK-NOT: fewrows
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k2048_n64_bf16_bf16_4096_mma blocks in (%[[PG]], %c2{{(_[0-9]+)?}},
// CHECK-NOT: fewrows
// CHECK: gpu.func @row_dot_k2048_n64_bf16_bf16_4096_mma(
// CHECK-NOT: fewrows
// CHECK: gpu.return
// CHECK-NOT: gpu.func
func.func @prefill(%x: tensor<4096x2048xbf16>, %g: tensor<64x2048xbf16>, %init: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<4096x2048xbf16>, tensor<64x2048xbf16>) outs(%init : tensor<4096x64xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: bf16, %b: bf16, %o: f32):
    %0 = arith.extf %a : bf16 to f32
    %1 = arith.extf %b : bf16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// -----

// A long reduction (K = 10240: 5 steps of 2048 per thread): a loop over the
// steps 4 at a time (steps 0..3, then 4..7 of which only 4 is in range), each
// step guarded.
// CHECK-LABEL: func.func @long_k
// CHECK: gpu.func @row_dot_k10240_n8_bf16_bf16_dyn_fewrows(
// CHECK: %[[LK:.*]] = arith.muli %{{.*}}, %c8{{(_[0-9]+)?}} : index
// CHECK: scf.for %[[LJ:[a-z0-9]+]] = %c0{{(_[0-9]+)?}} to %c5{{(_[0-9]+)?}} step %c4{{(_[0-9]+)?}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK: %[[LJK:.*]] = arith.muli %[[LJ]], %c2048{{(_[0-9]+)?}} : index
// CHECK: %[[LK0:.*]] = arith.addi %[[LK]], %[[LJK]] : index
// CHECK: arith.cmpi ult, %[[LK0]], %c10240{{(_[0-9]+)?}} : index
// CHECK: arith.minui %[[LK0]], %c10232{{(_[0-9]+)?}} : index
// CHECK: %[[LK3:.*]] = arith.addi %[[LK0]], %c6144{{(_[0-9]+)?}} : index
// CHECK: arith.cmpi ult, %[[LK3]], %c10240{{(_[0-9]+)?}} : index
// CHECK: scf.yield
// COUNT-LABEL: gpu.func @row_dot_k10240_n8_bf16_bf16_dyn_fewrows(
// COUNT-COUNT-24: vector.load
// COUNT-NOT: vector.load
// COUNT: scf.yield
func.func @long_k(%x: tensor<?x10240xbf16>, %g: tensor<8x10240xbf16>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %g : tensor<?x10240xbf16>, tensor<8x10240xbf16>) outs(%init : tensor<?x8xf32>)
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

// f16, 60 columns and K = 2080 (65 chunks of 32): the tensor-core kernel's
// second block column covers 32..63 (rhs rows clamped to 59, not stored past
// 60); the 8
// warps' chunk counts differ (9 trips of warp 0, 8 of the others), so each
// chunk is guarded (clamped to chunk 64, its MMAs discarded by selects) and
// the 9 trips run as 5 iterations of 2. f16 operands are vector<2xf16>.
// CHECK-LABEL: func.func @ragged_f16
// CHECK: gpu.launch_func @samoyeds_kernels::@row_dot_k2080_n60_f16_f16_dyn_mma blocks in (%{{.*}}, %c2{{(_[0-9]+)?}}, %{{.*}})
// CHECK: gpu.func @row_dot_k2080_n60_f16_f16_dyn_mma(
// CHECK-COUNT-4: arith.minui %{{.*}}, %c59{{(_[0-9]+)?}} : index
// CHECK: scf.for %{{.*}} = %c0{{(_[0-9]+)?}} to %c9{{(_[0-9]+)?}} step %c2{{(_[0-9]+)?}}
// CHECK: %[[GOK:.*]] = arith.cmpi ult, %{{.*}}, %c65{{(_[0-9]+)?}} : index
// CHECK: arith.minui %{{.*}}, %c64{{(_[0-9]+)?}} : index
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x2080xf16>, vector<8xf16>
// CHECK: vector.bitcast %{{.*}} : vector<1xi32> to vector<2xf16>
// CHECK: nvvm.mma.sync A[{{.*}}]  B[{{.*}}]  C[{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: arith.select %[[GOK]], %{{.*}}, %{{.*}} : vector<4xf32>
// CHECK: scf.yield
// CHECK: arith.cmpi ult, %{{.*}}, %c60{{(_[0-9]+)?}} : index
// CHECK: gpu.return
func.func @ragged_f16(%x: tensor<?x2080xf16>, %w: tensor<60x2080xf16>, %init: tensor<?x60xf32>) -> tensor<?x60xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %w : tensor<?x2080xf16>, tensor<60x2080xf16>) outs(%init : tensor<?x60xf32>)
         attrs = {samoyeds.row_dot} {
  ^bb0(%a: f16, %b: f16, %o: f32):
    %0 = arith.extf %a : f16 to f32
    %1 = arith.extf %b : f16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %o, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<?x60xf32>
  return %r : tensor<?x60xf32>
}
