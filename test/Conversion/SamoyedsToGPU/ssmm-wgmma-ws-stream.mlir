// A warp-specialised wgmma.sp configuration (TMA loads, two tensor-map
// parameters) with the stream kernel beside it (undef_padding, the default
// stream tokens): the stream kernel reads the weight with plain loads, so it
// takes no tensor maps and its launch passes none, while the tiled kernel's
// launch passes both. This is Mixtral's W2 at the defaults on sm_90a; before
// the fix the pipeline stopped with "got 8 kernel operands but expected 10".
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="family=wgmma_sp schedule=warp_specialized decode-tile=1" | FileCheck %s
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa family=wgmma_sp schedule=warp_specialized decode-tile=1" -o /dev/null

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-LABEL: func.func @w2(
// CHECK: gpu.launch_func  @samoyeds_kernels::@ssmm_8_256_4096_bf16_n1m2v128_scale_of32_t16x64x8x1s4k128_ws_wgmma
// CHECK-SAME: : !llvm.array<16 x i64>, %{{.*}} : !llvm.array<16 x i64>)
// CHECK: gpu.launch_func  @samoyeds_kernels::@ssmm_8_256_4096_bf16_n1m2v128_scale_of32_stream{{[0-9]+}}
// CHECK-NOT: !llvm.array<16 x i64>
// CHECK: return
// CHECK-LABEL: gpu.func @ssmm_8_256_4096_bf16_n1m2v128_scale_of32_stream{{[0-9]+}}(
// CHECK-NOT: !llvm.array<16 x i64>
// CHECK-SAME: kernel
func.func @w2(%ids: tensor<?x2xi32>, %h: tensor<?x4096xbf16>, %s: tensor<?x2xf32>,
    %w2: !samoyeds.packed<8x256x4096xbf16, #f>) -> tensor<?x256xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %ids, %c0 : tensor<?x2xi32>
  %len = affine.apply affine_map<()[s0] -> (s0 * 2 + 504)>()[%t]
  %il = tensor.empty(%len) : tensor<?xi32>
  %io = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%il, %io : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  %ir = tensor.empty(%len) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>) outs(%ir : tensor<?x256xf32>) {top_k = 2, undef_padding}
         : !samoyeds.packed<8x256x4096xbf16, #f>, tensor<?x4096xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}
