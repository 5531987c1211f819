// A program written for upstream's 2:4 path compiles to this project's
// Sparse-Tensor-Core kernel: samoyeds-raise-sparse-matmul (with
// pack-arguments: the GPU pipeline packs no weight at run time) then
// samoyeds-gpu-pipeline to PTX.
// RUN: samoyeds-opt %s --samoyeds-raise-sparse-matmul=pack-arguments \
// RUN:   --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o %t
// RUN: FileCheck %s --input-file=%t
// RUN: FileCheck %s --input-file=%t --check-prefix=HOST

#NV_24 = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])
}>

// The host function launches the kernel and gets its C entry point.
// HOST-LABEL: llvm.func @proj(
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @samoyeds_kernels::@ssmm_64_128_f16_n1m1v128_gather_k1_of32_t64x32x1x2s4k64
// HOST-LABEL: llvm.func @_mlir_ciface_proj(
// CHECK-LABEL: gpu.binary @samoyeds_kernels
// CHECK-SAME: .visible .entry ssmm_64_128_f16_n1m1v128_gather_k1_of32_t64x32x1x2s4k64(
// CHECK-SAME: mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
func.func @proj(%x: tensor<?x128xf16>, %w: tensor<64x128xf16, #NV_24>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x128xf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%t) : tensor<?x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                      affine_map<(d0, d1, d2) -> (d1, d2)>,
                                      affine_map<(d0, d1, d2) -> (d0, d1)>]
         ins(%x, %w : tensor<?x128xf16>, tensor<64x128xf16, #NV_24>)
         outs(%z : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
