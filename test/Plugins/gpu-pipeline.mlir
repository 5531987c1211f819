// Upstream mlir-opt with the samoyeds plugins runs samoyeds-gpu-pipeline (with
// options) to PTX: the same Sparse-Tensor-Core kernel as samoyeds-opt.
// RUN: %upstream_mlir_opt %s --load-dialect-plugin=%plugins/SamoyedsDialectPlugin.so \
// RUN:   --load-pass-plugin=%plugins/SamoyedsPassPlugin.so \
// RUN:   --pass-pipeline="builtin.module(samoyeds-gpu-pipeline{chip=sm_90a format=isa})" -o %t
// RUN: FileCheck %s --input-file=%t
// RUN: FileCheck %s --input-file=%t --check-prefix=HOST

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// CHECK-LABEL: gpu.binary @samoyeds_kernels
// CHECK-SAME: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx85">
// CHECK-SAME: .target sm_90a\0A
// CHECK-SAME: .visible .entry ssmm_256_512_f16_n1m2v128_gather_k1_of16_t64x32x2x2s4k64(
// CHECK-SAME: mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// The host side launches it on the caller's stream and gets its C entry point.
// HOST-LABEL: llvm.func @f16(
// HOST: llvm.call @mgpuStreamCreate()
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @samoyeds_kernels::@ssmm_256_512_f16_n1m2v128_gather_k1_of16_t64x32x2x2s4k64
// HOST-LABEL: llvm.func @_mlir_ciface_f16(
// HOST: gpu.binary @samoyeds_kernels
func.func @f16(%w: !samoyeds.packed<256x512xf16, #fmt>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x256xf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xf16>) {gather} : !samoyeds.packed<256x512xf16, #fmt>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf16>
  return %r : tensor<?x256xf16>
}
