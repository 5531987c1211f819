// samoyeds-select-kernel-config: the configuration chosen per ssmm (table,
// then heuristic; an attribute already there is kept) and the dispatch tile
// that follows the kernels' token tile.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config | FileCheck %s
// RUN: samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config="chip=sm_80" | FileCheck %s --check-prefix=SM80
// RUN: samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config="warp-n=64" | FileCheck %s --check-prefix=WN64
// RUN: samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config="split-k=3" | FileCheck %s --check-prefix=SK3
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config="chip=sm_100a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM100
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config="stages=4611686018427387904" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HUGE

// SM100: error: samoyeds-select-kernel-config: chip sm_100a is not supported: the pipeline emits PTX 8.5 for sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a
// HUGE: error: 'samoyeds.ssmm' op GPU lowering: stages (4611686018427387904) must be at most 16

#f = #samoyeds.format<n = 1, m = 2, v = 128>

// The five performance shapes (docs/performance.md). 14336x4096 has a
// measured table entry on sm_90a (block-k 128, 2 stages); the others take the
// heuristic: warp-m 64 (2 x 64 x 32 / 32 = 128 accumulator floats), 2 warps
// along rows when 128 rows divide the condensed rows (704 = 1408/2 does not).
// Where the row tiles are fewer than the SMs (132; 108 on sm_80) the
// heuristic allows 8 K splits, at most one per 4 V-slices (2048x1408: 11
// slices, 2); the launch picks how many at run time
// (ssmm-split-k.mlir). The table entry says 1. Every choice gets a decode
// tile of 16 (a second kernel for calls with few routed pairs, ssmm-decode-tile.mlir),
// the table entry too; an explicit attribute is kept as written.
// CHECK-LABEL: func.func @perf_shapes
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 2, block_k = 128, decode_tile = 16>
// CHECK-SAME: packed<14336x4096xbf16
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 8, decode_tile = 16>
// CHECK-SAME: packed<4096x14336xbf16
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 8, decode_tile = 16>
// CHECK-SAME: packed<16384x6144xbf16
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 1, warps_n = 2, stages = 4, block_k = 64, split_k = 4, decode_tile = 16>
// CHECK-SAME: packed<1408x2048xbf16
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 2, decode_tile = 16>
// CHECK-SAME: packed<2048x1408xbf16
// The table is per chip: on sm_80 the headline shape takes the heuristic.
// SM80-LABEL: func.func @perf_shapes
// SM80: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 8, decode_tile = 16>
// SM80-SAME: packed<14336x4096xbf16
// split-k alone is not a tiling override: the table entry keeps its tiling
// and takes the split, and so does every heuristic choice.
// SK3-LABEL: func.func @perf_shapes
// SK3: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 2, block_k = 128, split_k = 3, decode_tile = 16>
// SK3-SAME: packed<14336x4096xbf16
// SK3-COUNT-4: split_k = 3, decode_tile = 16>
// SK3-NOT: split_k
// SK3-LABEL: func.func @small_and_explicit
// An override disables the table and replaces its field of the heuristic
// (warp-n 64 halves warp-m to keep 2 x 32 x 64 / 32 = 128 accumulator floats).
// WN64-LABEL: func.func @perf_shapes
// WN64: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 32, warp_n = 64, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 8, decode_tile = 16>
// WN64-SAME: packed<14336x4096xbf16
func.func @perf_shapes(%x1: tensor<?x4096xbf16>, %x2: tensor<?x14336xbf16>,
    %x3: tensor<?x6144xbf16>, %x4: tensor<?x2048xbf16>, %x5: tensor<?x1408xbf16>,
    %l: tensor<?xi32>,
    %w1: !samoyeds.packed<14336x4096xbf16, #f>, %w2: !samoyeds.packed<4096x14336xbf16, #f>,
    %w3: !samoyeds.packed<16384x6144xbf16, #f>, %w4: !samoyeds.packed<1408x2048xbf16, #f>,
    %w5: !samoyeds.packed<2048x1408xbf16, #f>)
    -> (tensor<?x14336xbf16>, tensor<?x4096xbf16>, tensor<?x16384xbf16>,
        tensor<?x1408xbf16>, tensor<?x2048xbf16>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x14336xbf16>
  %y1 = samoyeds.ssmm %w1, %x1, %l outs(%init1 : tensor<?x14336xbf16>) {gather} : !samoyeds.packed<14336x4096xbf16, #f>, tensor<?x4096xbf16>, tensor<?xi32> -> tensor<?x14336xbf16>
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x4096xbf16>
  %y2 = samoyeds.ssmm %w2, %x2, %l outs(%init2 : tensor<?x4096xbf16>) {gather} : !samoyeds.packed<4096x14336xbf16, #f>, tensor<?x14336xbf16>, tensor<?xi32> -> tensor<?x4096xbf16>
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?xi32>
  %init3 = tensor.empty(%d2d1_3) : tensor<?x16384xbf16>
  %y3 = samoyeds.ssmm %w3, %x3, %l outs(%init3 : tensor<?x16384xbf16>) {gather} : !samoyeds.packed<16384x6144xbf16, #f>, tensor<?x6144xbf16>, tensor<?xi32> -> tensor<?x16384xbf16>
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?xi32>
  %init4 = tensor.empty(%d2d1_4) : tensor<?x1408xbf16>
  %y4 = samoyeds.ssmm %w4, %x4, %l outs(%init4 : tensor<?x1408xbf16>) {gather} : !samoyeds.packed<1408x2048xbf16, #f>, tensor<?x2048xbf16>, tensor<?xi32> -> tensor<?x1408xbf16>
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %l, %d2c0_5 : tensor<?xi32>
  %init5 = tensor.empty(%d2d1_5) : tensor<?x2048xbf16>
  %y5 = samoyeds.ssmm %w5, %x5, %l outs(%init5 : tensor<?x2048xbf16>) {gather} : !samoyeds.packed<2048x1408xbf16, #f>, tensor<?x1408xbf16>, tensor<?xi32> -> tensor<?x2048xbf16>
  return %y1, %y2, %y3, %y4, %y5 : tensor<?x14336xbf16>, tensor<?x4096xbf16>,
      tensor<?x16384xbf16>, tensor<?x1408xbf16>, tensor<?x2048xbf16>
}

// -----

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// Few tokens (a static list of 8 entries): the choice does not change yet
// (the token tile stays 64; decode configurations are future work), and an
// explicit attribute is kept whatever the options say.
// CHECK-LABEL: func.func @small_and_explicit
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 8, decode_tile = 16>
// CHECK-SAME: tensor<8xi32> -> tensor<8x4096xbf16>
// CHECK: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 32, warp_n = 16, warps_m = 4, warps_n = 1, stages = 3, block_k = 128>
// WN64-LABEL: func.func @small_and_explicit
// WN64: warp_n = 64
// WN64: samoyeds.ssmm {{.*}}config = #samoyeds.kernel_config<family = mma_sp, warp_m = 32, warp_n = 16, warps_m = 4, warps_n = 1, stages = 3, block_k = 128>
func.func @small_and_explicit(%x: tensor<8x14336xbf16>, %l: tensor<8xi32>,
    %w: !samoyeds.packed<4096x14336xbf16, #f>) -> (tensor<8x4096xbf16>, tensor<8x4096xbf16>) {
  %init6 = tensor.empty() : tensor<8x4096xbf16>
  %a = samoyeds.ssmm %w, %x, %l outs(%init6 : tensor<8x4096xbf16>) {gather} : !samoyeds.packed<4096x14336xbf16, #f>, tensor<8x14336xbf16>, tensor<8xi32> -> tensor<8x4096xbf16>
  %init7 = tensor.empty() : tensor<8x4096xbf16>
  %b = samoyeds.ssmm %w, %x, %l outs(%init7 : tensor<8x4096xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 32, warp_n = 16, warps_m = 4, warps_n = 1, stages = 3, block_k = 128>} : !samoyeds.packed<4096x14336xbf16, #f>, tensor<8x14336xbf16>, tensor<8xi32> -> tensor<8x4096xbf16>
  return %a, %b : tensor<8x4096xbf16>, tensor<8x4096xbf16>
}

// -----

// A decomposed Mixtral-style layer with a static T = 16, k = 2, E = 8: the
// dispatch tile follows the kernels' token tile. With the default 64 it stays
// 64 (list 16*2 + 8*63 = 536); with warp-n 64 the token tile is 128, the tile
// becomes 128 and the static list 16*2 + 8*127 = 1048 entries, and so do the
// rows of both ssmm results; combine's T x H result is unchanged.
#f = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-LABEL: func.func @layer
// CHECK: samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
// CHECK: samoyeds.ssmm {{.*}} -> tensor<536x512xbf16>
// CHECK: samoyeds.ssmm {{.*}} -> tensor<536x256xf32>
// WN64-LABEL: func.func @layer
// WN64: samoyeds.dispatch %{{.*}} {num_experts = 8 : i64, tile = 128 : i64} : tensor<16x2xi32> -> tensor<1048xi32>, tensor<9xi32>
// WN64: samoyeds.ssmm {{.*}}warp_n = 64{{.*}} -> tensor<1048x512xbf16>
// WN64: samoyeds.ssmm {{.*}}warp_n = 64{{.*}} -> tensor<1048x256xf32>
// WN64: samoyeds.combine {{.*}} : tensor<1048x256xf32>, tensor<1048xi32>, tensor<16x2xf32> -> tensor<16x256xf32>
func.func @layer(%ids: tensor<16x2xi32>, %x: tensor<16x256xbf16>, %s: tensor<16x2xf32>,
    %w13: !samoyeds.packed<8x1024x256xbf16, #f>, %w2: !samoyeds.packed<8x256x512xbf16, #f>)
    -> tensor<16x256xf32> {
  %init8_0 = tensor.empty() : tensor<536xi32>
  %init8_1 = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init8_0, %init8_1 : tensor<536xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  %init9 = tensor.empty() : tensor<536x512xbf16>
  %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%init9 : tensor<536x512xbf16>) {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<8x1024x256xbf16, #f>, tensor<16x256xbf16>, tensor<536xi32> -> tensor<536x512xbf16>
  %init10 = tensor.empty() : tensor<536x256xf32>
  %r = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<16x2xf32>) outs(%init10 : tensor<536x256xf32>) {top_k = 2}
         : !samoyeds.packed<8x256x512xbf16, #f>, tensor<536x512xbf16>, tensor<536xi32> -> tensor<536x256xf32>
  %init11 = tensor.empty() : tensor<16x256xf32>
  %y = samoyeds.combine %r, %list, %s outs(%init11 : tensor<16x256xf32>) : tensor<536x256xf32>, tensor<536xi32>, tensor<16x2xf32> -> tensor<16x256xf32>
  return %y : tensor<16x256xf32>
}
