// The grid of an undef_padding ssmm (HostLaunch.cpp, workTiles; dialect.md):
// with a list from samoyeds.dispatch, every launch of the ssmm (both kernels,
// and their split counters) covers only the token tiles that can hold routed
// entries, min(ceil(L / blockN), min(E, pairs) * tile / blockN +
// ceil(pairs / blockN)), instead of the whole list's ceil(L / blockN).
// One token, top-2 of 8 experts, dispatch tile 128: L = 2 + 8 * 127 = 1018.
// The decode kernel (token tile 16) runs: 2 * 8 + 1 = 17 tiles instead of 64;
// the 64-token kernel's grid is empty either way.
// These runs leave the stream kernel out (stream-tokens=-1); with it (the
// STREAM run, docs/kernel.md section 16) the two pairs select it: the tiled
// kernels' grids are empty and the stream kernel's covers the 2 experts with
// routed pairs (min(E, pairs)), units / 8 blocks along x.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="split-k=4 stream-tokens=-1" --canonicalize | FileCheck %s
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="split-k=4" --canonicalize | FileCheck %s --check-prefix=STREAM

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-LABEL: func.func @undef_padding(
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64_sk4 blocks in (%c4, %c0, %c2)
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t32x16x4x1s4k64_sk4 blocks in (%c4, %c17, %c2)
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64_sk4 blocks in (%c1, %c0, %c4)
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_t32x16x4x1s4k64_sk4 blocks in (%c1, %c17, %c4)
// CHECK-NOT: gpu.launch_func @samoyeds_kernels::@ssmm
// CHECK: return
// STREAM-LABEL: func.func @undef_padding(
// STREAM: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64_sk4 blocks in (%c4, %c0, %c2)
// STREAM: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t32x16x4x1s4k64_sk4 blocks in (%c4, %c0, %c2)
// STREAM: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_stream2 blocks in (%c32, %c2, %c1) threads in (%c256, %c1, %c1)
// STREAM: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64_sk4 blocks in (%c1, %c0, %c4)
// STREAM: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_t32x16x4x1s4k64_sk4 blocks in (%c1, %c0, %c4)
// STREAM: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_stream2 blocks in (%c16, %c2, %c1) threads in (%c256, %c1, %c1)
// STREAM-NOT: gpu.launch_func @samoyeds_kernels::@ssmm
// STREAM: return
// Zero padding: no stream kernel.
// STREAM-LABEL: func.func @zero_padding(
// STREAM-NOT: launch_func {{.*}}_stream
// STREAM: return
func.func @undef_padding(%ids: tensor<1x2xi32>, %x: tensor<1x256xbf16>, %s: tensor<1x2xf32>,
    %w13: !samoyeds.packed<8x1024x256xbf16, #f>, %w2: !samoyeds.packed<8x256x512xbf16, #f>)
    -> tensor<1x256xf32> {
  %init1_0 = tensor.empty() : tensor<1018xi32>
  %init1_1 = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init1_0, %init1_1 : tensor<1018xi32>, tensor<9xi32>) {num_experts = 8, tile = 128} : tensor<1x2xi32> -> tensor<1018xi32>, tensor<9xi32>
  %init2 = tensor.empty() : tensor<1018x512xbf16>
  %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%init2 : tensor<1018x512xbf16>) {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>, undef_padding}
         : !samoyeds.packed<8x1024x256xbf16, #f>, tensor<1x256xbf16>, tensor<1018xi32> -> tensor<1018x512xbf16>
  %init3 = tensor.empty() : tensor<1018x256xf32>
  %r = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<1x2xf32>) outs(%init3 : tensor<1018x256xf32>) {top_k = 2, undef_padding}
         : !samoyeds.packed<8x256x512xbf16, #f>, tensor<1018x512xbf16>, tensor<1018xi32> -> tensor<1018x256xf32>
  %init4 = tensor.empty() : tensor<1x256xf32>
  %y = samoyeds.combine %r, %list, %s outs(%init4 : tensor<1x256xf32>) : tensor<1018x256xf32>, tensor<1018xi32>, tensor<1x2xf32> -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

// -----

// Without the attribute the padding rows are zeros, written by blocks over
// the whole list: 64 token tiles of the decode kernel.
#f = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-LABEL: func.func @zero_padding(
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t32x16x4x1s4k64_sk4 blocks in (%c4, %c64, %c2)
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_t32x16x4x1s4k64_sk4 blocks in (%c1, %c64, %c4)
func.func @zero_padding(%ids: tensor<1x2xi32>, %x: tensor<1x256xbf16>, %s: tensor<1x2xf32>,
    %w13: !samoyeds.packed<8x1024x256xbf16, #f>, %w2: !samoyeds.packed<8x256x512xbf16, #f>)
    -> tensor<1x256xf32> {
  %init5_0 = tensor.empty() : tensor<1018xi32>
  %init5_1 = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init5_0, %init5_1 : tensor<1018xi32>, tensor<9xi32>) {num_experts = 8, tile = 128} : tensor<1x2xi32> -> tensor<1018xi32>, tensor<9xi32>
  %init6 = tensor.empty() : tensor<1018x512xbf16>
  %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%init6 : tensor<1018x512xbf16>) {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<8x1024x256xbf16, #f>, tensor<1x256xbf16>, tensor<1018xi32> -> tensor<1018x512xbf16>
  %init7 = tensor.empty() : tensor<1018x256xf32>
  %r = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<1x2xf32>) outs(%init7 : tensor<1018x256xf32>) {top_k = 2}
         : !samoyeds.packed<8x256x512xbf16, #f>, tensor<1018x512xbf16>, tensor<1018xi32> -> tensor<1018x256xf32>
  %init8 = tensor.empty() : tensor<1x256xf32>
  %y = samoyeds.combine %r, %list, %s outs(%init8 : tensor<1x256xf32>) : tensor<1018x256xf32>, tensor<1018xi32>, tensor<1x2xf32> -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}
