// Diagnostics of samoyeds-select-kernel-config.
// RUN: samoyeds-opt %s -split-input-file -verify-diagnostics --samoyeds-select-kernel-config

#f = #samoyeds.format<n = 1, m = 2, v = 64>
// An explicit configuration the kernel cannot run on this op: a block-k above V.
func.func @explicit_impossible(%w: !samoyeds.packed<1024x1024xbf16, #f>,
    %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x1024xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: V (64) must be a multiple of block-k (128)}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 128>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}

// -----

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// Shared memory is the chip's: 7 stages x (128 x 72 + 64 x 136 + 128 x 8) x 2
// bytes = 265216 > 232448 on sm_90a.
func.func @explicit_smem(%w: !samoyeds.packed<1024x1024xbf16, #f>,
    %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x1024xbf16>
  // expected-error @+1 {{the pipeline needs 265216 bytes of shared memory (at most 232448 per block on this chip)}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init2 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 7, block_k = 128>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}

// -----

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// Schedules the emitter does not have yet, and a wgmma_sp warp tile that is
// not a warpgroup's (the family's tiles: KernelConfig.h).
func.func @not_yet(%w: !samoyeds.packed<1024x1024xbf16, #f>,
    %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> (tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>) {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?xi32>
  %init3 = tensor.empty(%d2d1_3) : tensor<?x1024xbf16>
  // expected-error @+1 {{GPU lowering: the wgmma_sp kernel family needs warp-m = 16, warps-m = 4 or 8 (one or two warpgroups) and warps-n = 1; got 64, 2, 2}}
  %a = samoyeds.ssmm %w, %x, %l outs(%init3 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?xi32>
  %init4 = tensor.empty(%d2d1_4) : tensor<?x1024xbf16>
  // split-k is supported (ssmm-split-k.mlir): this one compiles.
  %b = samoyeds.ssmm %w, %x, %l outs(%init4 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 2>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %l, %d2c0_5 : tensor<?xi32>
  %init5 = tensor.empty(%d2d1_5) : tensor<?x1024xbf16>
  // expected-error @+1 {{GPU lowering: the persistent schedule is not supported by the mma_sp kernel}}
  %c = samoyeds.ssmm %w, %x, %l outs(%init5 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, schedule = persistent>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %a, %b, %c : tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>
}

// -----

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// The kernel's token tile is 32 x 4 = 128, so the dispatch tile must become
// 128, but the static list (16*2 + 8*63 = 536) is also returned: its length
// cannot follow.
func.func @static_list_escapes(%ids: tensor<16x2xi32>, %x: tensor<16x256xbf16>,
    %w: !samoyeds.packed<8x512x256xbf16, #f>) -> (tensor<536x512xbf16>, tensor<536xi32>) {
  %init6_0 = tensor.empty() : tensor<536xi32>
  %init6_1 = tensor.empty() : tensor<9xi32>
  // expected-error @+1 {{dispatch tile must become 128 (the token tile of the kernels reading the list), which changes the static list length from 536 to 1048, but a value of that length is used by 'func.return'}}
  %list, %off = samoyeds.dispatch %ids outs(%init6_0, %init6_1 : tensor<536xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  %init7 = tensor.empty() : tensor<536x512xbf16>
  %h = samoyeds.ssmm %w, %x, %list offsets(%off : tensor<9xi32>) outs(%init7 : tensor<536x512xbf16>) {top_k = 2, gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 32, warp_n = 32, warps_m = 2, warps_n = 4, stages = 4, block_k = 64>}
         : !samoyeds.packed<8x512x256xbf16, #f>, tensor<16x256xbf16>, tensor<536xi32> -> tensor<536x512xbf16>
  return %h, %list : tensor<536x512xbf16>, tensor<536xi32>
}

// -----

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// What the wgmma_sp family cannot run yet, or at all.
func.func @wgmma_limits(%w: !samoyeds.packed<1024x1024xbf16, #f>,
    %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> (tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>) {
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %l, %d2c0_8 : tensor<?xi32>
  %init8 = tensor.empty(%d2d1_8) : tensor<?x1024xbf16>
  // expected-error @+1 {{split-k (2) must be 1 with the wgmma_sp kernel family (not supported yet)}}
  %a = samoyeds.ssmm %w, %x, %l outs(%init8 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 16, warp_n = 128, warps_m = 8, warps_n = 1, stages = 4, block_k = 128, split_k = 2>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_9 = arith.constant 0 : index
  %d2d1_9 = tensor.dim %l, %d2c0_9 : tensor<?xi32>
  %init9 = tensor.empty(%d2d1_9) : tensor<?x1024xbf16>
  // expected-error @+1 {{warp-n (12) is the wgmma N: a multiple of 8 in [8, 256]}}
  %b = samoyeds.ssmm %w, %x, %l outs(%init9 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 16, warp_n = 12, warps_m = 8, warps_n = 1, stages = 2, block_k = 32>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_10 = arith.constant 0 : index
  %d2d1_10 = tensor.dim %l, %d2c0_10 : tensor<?xi32>
  %init10 = tensor.empty(%d2d1_10) : tensor<?x1024xbf16>
  // 2 x 16 x 256 / 32 = 256 accumulator floats.
  // expected-error @+1 {{the accumulators need 256 registers per thread}}
  %c = samoyeds.ssmm %w, %x, %l outs(%init10 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 16, warp_n = 256, warps_m = 8, warps_n = 1, stages = 2, block_k = 32>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_11 = arith.constant 0 : index
  %d2d1_11 = tensor.dim %l, %d2c0_11 : tensor<?xi32>
  %init11 = tensor.empty(%d2d1_11) : tensor<?x1024xbf16>
  // 5 stages x (128 x 64 + 128 x 128 + 128 x 8) x 2 bytes + 1024 bytes of
  // alignment slack = 257024 > 232448.
  // expected-error @+1 {{the pipeline needs 257024 bytes of shared memory}}
  %d = samoyeds.ssmm %w, %x, %l outs(%init11 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 16, warp_n = 128, warps_m = 8, warps_n = 1, stages = 5, block_k = 128>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_12 = arith.constant 0 : index
  %d2d1_12 = tensor.dim %l, %d2c0_12 : tensor<?xi32>
  %init12 = tensor.empty(%d2d1_12) : tensor<?x1024xbf16>
  // A decode tile is an mma_sp decode kernel beside the wgmma_sp one: this
  // one compiles.
  %e = samoyeds.ssmm %w, %x, %l outs(%init12 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 16, warp_n = 128, warps_m = 8, warps_n = 1, stages = 4, block_k = 128, decode_tile = 16>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %a, %b, %c, %d, %e : tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>
}

// -----

// The pass re-types tensors: it runs before bufferization.
func.func @memref_form(%v: memref<128x256xbf16>, %m: memref<128x32xi16>, %r: memref<4x128xi8>,
                       %x: memref<?x512xbf16>, %l: memref<?xi32>, %y0: memref<?x256xf32>) {
  // expected-error @+1 {{'samoyeds.ssmm' op samoyeds-select-kernel-config runs on the tensor form, before bufferization}}
  samoyeds.ssmm storage(%v, %m, %r : memref<128x256xbf16>, memref<128x32xi16>, memref<4x128xi8>),
    %x, %l outs(%y0 : memref<?x256xf32>) {gather}
    : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, memref<?x512xbf16>, memref<?xi32>
  return
}

// -----

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// The stream kernel writes routed rows only: an op whose padding rows must be
// zeros (no undef_padding) cannot take one.
func.func @stream_needs_undef_padding(%w: !samoyeds.packed<1024x1024xbf16, #f>,
    %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %l, %c0 : tensor<?xi32>
  %init = tensor.empty(%n) : tensor<?x1024xbf16>
  // expected-error @+1 {{stream-tokens (2) needs an op with undef_padding (the stream kernel writes routed rows only) and, with silu_mul, R / 2 a multiple of M}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, stream_tokens = 2>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}
