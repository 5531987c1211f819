// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | FileCheck %s \
// RUN:   --implicit-check-not=samoyeds. --implicit-check-not=bufferization. \
// RUN:   --implicit-check-not=memref. --implicit-check-not=scf. \
// RUN:   --implicit-check-not=linalg. --implicit-check-not=tensor. \
// RUN:   --implicit-check-not=unrealized_conversion_cast

// The whole program reaches the llvm dialect: moe is decomposed, packed
// function arguments are expanded into their storage arrays, samoyeds ops
// become loops, tensors become buffers (with deallocation), all lowered to LLVM.

// The CPU runtime is called through its C interface; cf.assert of dispatch
// prints with puts and aborts.
// CHECK-DAG: llvm.func @abort()
// CHECK-DAG: llvm.func @puts(!llvm.ptr)
// CHECK-DAG: llvm.func @free(!llvm.ptr)
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @_mlir_ciface_samoyeds_rt_pack_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @_mlir_ciface_samoyeds_rt_unpack_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)

!w13 = !samoyeds.packed<8x256x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>
!w2 = !samoyeds.packed<8x64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>

// The packed arguments are now three memrefs each, (values, metadata,
// row_indices), rank 3: 9 descriptor fields each; x and g have 7 each:
// 7 + 7 + 2 * 3 * 9 = 68 arguments.
// CHECK-LABEL: llvm.func @moe_layer(
// CHECK-SAME:    %arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: i64,
// CHECK-SAME:    %arg14: !llvm.ptr, %arg15: !llvm.ptr, %arg16: i64, %arg17: i64, %arg18: i64, %arg19: i64, %arg20: i64, %arg21: i64, %arg22: i64, %arg23: !llvm.ptr,
// CHECK-SAME:    %arg67: i64) -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK-DAG:     llvm.call @malloc
// CHECK-DAG:     llvm.intr.exp
// CHECK-DAG:     llvm.call @puts
// CHECK-DAG:     llvm.call @abort
// CHECK-DAG:     llvm.call @free
// CHECK-DAG:     llvm.return
func.func @moe_layer(%x: tensor<?x64xbf16>, %g: tensor<8x64xbf16>, %w13: !w13, %w2: !w2)
    -> tensor<?x64xbf16> {
  %y = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize, tile = 16}
         : tensor<?x64xbf16>, tensor<8x64xbf16>, !w13, !w2 -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// CHECK-LABEL: llvm.func @pack_roundtrip(
// CHECK:         llvm.call @samoyeds_rt_pack_f32(
// CHECK:         llvm.call @samoyeds_rt_unpack_f32(
// CHECK:         llvm.return
func.func @pack_roundtrip(%d: tensor<64x128xf16>) -> tensor<64x128xf16> {
  %p = samoyeds.pack %d : tensor<64x128xf16>
         -> !samoyeds.packed<64x128xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  %u = samoyeds.unpack %p : !samoyeds.packed<64x128xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
         -> tensor<64x128xf16>
  return %u : tensor<64x128xf16>
}
