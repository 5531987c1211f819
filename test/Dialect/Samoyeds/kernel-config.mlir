// #samoyeds.kernel_config: round trip (custom and generic form) and its range
// checks (K1).
// RUN: samoyeds-opt %s -split-input-file | samoyeds-opt -split-input-file | FileCheck %s
// RUN: samoyeds-opt %s -split-input-file -mlir-print-op-generic | samoyeds-opt -split-input-file | FileCheck %s

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// Defaults (split_k = 1, schedule = grid, decode_tile = 0, stream_tokens = 0) are not printed.
// CHECK-LABEL: func.func @config
// CHECK: config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64>
// CHECK: config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 64, warp_n = 128, warps_m = 2, warps_n = 1, stages = 4, block_k = 128, split_k = 4, schedule = persistent, decode_tile = 16, stream_tokens = 2>
func.func @config(%w: !samoyeds.packed<1024x1024xbf16, #f>, %x: tensor<?x1024xbf16>,
    %l: tensor<?xi32>) -> (tensor<?x1024xbf16>, tensor<?x1024xbf16>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x1024xbf16>
  %a = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 1, schedule = grid>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x1024xbf16>
  %b = samoyeds.ssmm %w, %x, %l outs(%init2 : tensor<?x1024xbf16>) {gather, config = #samoyeds.kernel_config<family = wgmma_sp, warp_m = 64, warp_n = 128, warps_m = 2, warps_n = 1, stages = 4, block_k = 128, split_k = 4, schedule = persistent, decode_tile = 16, stream_tokens = 2>}
         : !samoyeds.packed<1024x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %a, %b : tensor<?x1024xbf16>, tensor<?x1024xbf16>
}
