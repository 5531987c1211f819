// A whole samoyeds.moe layer (Qwen2-MoE style: shared expert with its sigmoid
// gate) through samoyeds-gpu-pipeline: every part of the layer becomes a
// kernel, the host code only allocates device temporaries on the caller's
// stream, launches and frees, and the function gets its C entry point.
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=PTX
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=HOST --implicit-check-not=@malloc

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// The samoyeds kernels: gate logits and shared gate (row dot), router,
// dispatch, the two grouped expert projections, the two shared projections,
// combine.
// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .entry ssmm_4_256_256_bf16_n1m2v128_gather_k2_silu_obf16
// PTX-SAME: .entry ssmm_4_256_128_bf16_n1m2v128_scale_of32
// PTX-SAME: .entry ssmm_256_256_bf16_n1m2v128_gather_k1_silu_obf16
// PTX-SAME: .entry ssmm_256_128_bf16_n1m2v128_of32
// PTX-SAME: .entry row_dot_k256_n4_bf16_bf16_dyn
// PTX-SAME: .entry row_dot_k256_n1v_bf16_bf16_dyn
// PTX-SAME: .entry route_softmax_e4_k2
// PTX-SAME: .entry dispatch_e4_t64_k2_count
// PTX-SAME: .entry dispatch_e4_t64_k2_scan
// PTX-SAME: .entry dispatch_e4_t64_k2_scatter
// PTX-SAME: .entry combine_inv_init
// PTX-SAME: .entry combine_inv_scatter_k2
// PTX-SAME: .entry combine_gather_h256_k2
// No libdevice call survives (it would need CUDA_HOME at compile time).
// PTX-NOT: __nv_

// The elementwise rest (zero fills, shared-expert add, bf16 conversion) is
// outlined from linalg into kernels of its own.
// CHECK: gpu.binary @qwen_like_kernel
// Host buffers come from the runtime on the caller's stream (mgpuMemAlloc),
// never from the host heap: the HOST run has --implicit-check-not=@malloc.

// HOST-LABEL: llvm.func @qwen_like(
// HOST: llvm.call @mgpuStreamCreate()
// HOST: llvm.call @mgpuMemAlloc(
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @samoyeds_kernels::@row_dot_k256_n4_bf16_bf16_dyn
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @samoyeds_kernels::@route_softmax_e4_k2
// HOST: llvm.call @mgpuMemFree(
// HOST: llvm.call @mgpuStreamSynchronize(
// HOST-LABEL: llvm.func @_mlir_ciface_qwen_like(
func.func @qwen_like(%x: tensor<?x256xbf16>, %gate: tensor<4x256xbf16>,
                     %w13: !samoyeds.packed<4x256x256xbf16, #fmt>,
                     %w2: !samoyeds.packed<4x256x128xbf16, #fmt>,
                     %s13: !samoyeds.packed<256x256xbf16, #fmt>,
                     %s2: !samoyeds.packed<256x128xbf16, #fmt>,
                     %sg: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = samoyeds.moe %x, %gate, %w13, %w2
         shared(%s13, %s2 : !samoyeds.packed<256x256xbf16, #fmt>,
                            !samoyeds.packed<256x128xbf16, #fmt>)
         shared_gate(%sg : tensor<256xbf16>)
         {top_k = 2, tile = 64}
         : tensor<?x256xbf16>, tensor<4x256xbf16>,
           !samoyeds.packed<4x256x256xbf16, #fmt>,
           !samoyeds.packed<4x256x128xbf16, #fmt> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}
