// RUN: samoyeds-opt %s -split-input-file --samoyeds-raise-sparse-matmul | FileCheck %s
// RUN: samoyeds-opt %s -split-input-file --samoyeds-raise-sparse-matmul=pack-arguments \
// RUN:   | FileCheck %s --check-prefix=PACK

// Upstream's 2:4 encoding (the sparsifier's form for the Sparse Tensor Core).
#NV_24 = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])
}>

// A transposed-B matmul (y = x . w^T, the layer form): the weight argument
// becomes dense (the caller passes the 2:4 weight), is packed to the plain 2:4
// format, and the tokens are read through an identity list.
// CHECK-LABEL: func.func @matmul_transpose_b(
// CHECK-SAME: %[[X:.*]]: tensor<?x512xf16>, %[[W:.*]]: tensor<256x512xf16>) -> tensor<?x256xf32>
// CHECK: %[[P:.*]] = samoyeds.pack %[[W]] : tensor<256x512xf16> -> !samoyeds.packed<256x512xf16, #samoyeds.format<n = 1, m = 1, v = 128>>
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x512xf16>
// CHECK: %[[L:.*]] = tensor.generate %[[T]] {
// CHECK: arith.index_cast %{{.*}} : index to i32
// CHECK: %[[Y:.*]] = samoyeds.ssmm %[[P]], %[[X]], %[[L]] outs({{[^)]*}}) {gather} : !samoyeds.packed<256x512xf16, #samoyeds.format<n = 1, m = 1, v = 128>>, tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
// With pack-arguments the caller passes the packed weight.
// PACK-LABEL: func.func @matmul_transpose_b(
// PACK-SAME: %[[X:.*]]: tensor<?x512xf16>, %[[W:.*]]: !samoyeds.packed<256x512xf16, #samoyeds.format<n = 1, m = 1, v = 128>>) -> tensor<?x256xf32>
// PACK-NOT: samoyeds.pack
// PACK: samoyeds.ssmm %[[W]], %[[X]], %{{.*}} {gather}
func.func @matmul_transpose_b(%x: tensor<?x512xf16>, %w: tensor<256x512xf16, #NV_24>)
    -> tensor<?x256xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x512xf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%t) : tensor<?x256xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x256xf32>) -> tensor<?x256xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                      affine_map<(d0, d1, d2) -> (d1, d2)>,
                                      affine_map<(d0, d1, d2) -> (d0, d1)>]
         ins(%x, %w : tensor<?x512xf16>, tensor<256x512xf16, #NV_24>)
         outs(%z : tensor<?x256xf32>) -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

#NV_24 = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])
}>

// Upstream's own test form: C = A . B with a sparse A made by
// sparse_tensor.convert, and a non-zero accumulator: C = (ssmm(A, B^T))^T + C.
// CHECK-LABEL: func.func @matmul_sparse_lhs(
// CHECK-SAME: %[[A:.*]]: tensor<64x128xbf16>, %[[B:.*]]: tensor<128x?xbf16>, %[[C:.*]]: tensor<64x?xbf16>)
// CHECK-NOT: sparse_tensor.convert
// CHECK: %[[P:.*]] = samoyeds.pack %[[A]] : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 1, v = 128>>
// CHECK: %[[BT:.*]] = linalg.transpose ins(%[[B]] : tensor<128x?xbf16>) outs(%{{.*}} : tensor<?x128xbf16>) permutation = [1, 0]
// CHECK: %[[Y:.*]] = samoyeds.ssmm %[[P]], %[[BT]], %{{.*}} outs({{[^)]*}}) {gather} : {{.*}} -> tensor<?x64xbf16>
// CHECK: %[[YT:.*]] = linalg.transpose ins(%[[Y]] : tensor<?x64xbf16>) outs(%{{.*}} : tensor<64x?xbf16>) permutation = [1, 0]
// CHECK: %[[S:.*]] = linalg.add ins(%[[YT]], %[[C]] : tensor<64x?xbf16>, tensor<64x?xbf16>) outs(%[[C]] : tensor<64x?xbf16>)
// CHECK: return %[[S]]
// PACK-LABEL: func.func @matmul_sparse_lhs(
// PACK: samoyeds.pack
func.func @matmul_sparse_lhs(%a: tensor<64x128xbf16>, %b: tensor<128x?xbf16>,
    %c: tensor<64x?xbf16>) -> tensor<64x?xbf16> {
  %s = sparse_tensor.convert %a : tensor<64x128xbf16> to tensor<64x128xbf16, #NV_24>
  %y = linalg.matmul ins(%s, %b : tensor<64x128xbf16, #NV_24>, tensor<128x?xbf16>)
         outs(%c : tensor<64x?xbf16>) -> tensor<64x?xbf16>
  return %y : tensor<64x?xbf16>
}

// -----

#NV_24 = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])
}>

// A linalg.generic matmul (with the f16 -> f32 extensions in its body) and a
// reduction of 96 (V = 32).
// CHECK-LABEL: func.func @generic(
// CHECK: samoyeds.pack %{{.*}} : tensor<32x96xf16> -> !samoyeds.packed<32x96xf16, #samoyeds.format<n = 1, m = 1, v = 32>>
// CHECK: samoyeds.ssmm {{.*}} {gather} : {{.*}}, tensor<8x96xf16>, tensor<8xi32> -> tensor<8x32xf32>
// CHECK-NOT: linalg.generic
// PACK-LABEL: func.func @generic(
// PACK-SAME: !samoyeds.packed<32x96xf16, #samoyeds.format<n = 1, m = 1, v = 32>>
func.func @generic(%x: tensor<8x96xf16>, %w: tensor<32x96xf16, #NV_24>) -> tensor<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %y = linalg.generic {
         indexing_maps = [affine_map<(t, r, c) -> (t, c)>, affine_map<(t, r, c) -> (r, c)>,
                          affine_map<(t, r, c) -> (t, r)>],
         iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %w : tensor<8x96xf16>, tensor<32x96xf16, #NV_24>) outs(%z : tensor<8x32xf32>) {
  ^bb0(%a: f16, %b: f16, %acc: f32):
    %a32 = arith.extf %a : f16 to f32
    %b32 = arith.extf %b : f16 to f32
    %p = arith.mulf %a32, %b32 : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

#NV_24 = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])
}>
#CSR = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j : compressed)}>

// Left alone: 2:4 along a parallel dimension (y = x . w, w is C x R with 2:4
// along R), a weight argument that is also used elsewhere, another encoding,
// and a reduction of 48 (not a multiple of 32).
// CHECK-LABEL: func.func @not_raised(
// CHECK-SAME: tensor<128x64xf16, #{{.*}}>
// CHECK-NOT: samoyeds.
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT: samoyeds.
// CHECK: return
// PACK-LABEL: func.func @not_raised(
// PACK-NOT: samoyeds.
func.func @not_raised(%x: tensor<8x128xf16>, %w: tensor<128x64xf16, #NV_24>,
    %v: tensor<64x128xf16, #NV_24>, %u: tensor<64x128xf16, #CSR>,
    %x48: tensor<8x48xf16>, %w48: tensor<64x48xf16, #NV_24>, %z: tensor<8x64xf32>)
    -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>,
        tensor<64x128xf16, #NV_24>) {
  %y0 = linalg.matmul ins(%x, %w : tensor<8x128xf16>, tensor<128x64xf16, #NV_24>)
          outs(%z : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                                       affine_map<(d0, d1, d2) -> (d0, d1)>]
          ins(%x, %v : tensor<8x128xf16>, tensor<64x128xf16, #NV_24>)
          outs(%z : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                                       affine_map<(d0, d1, d2) -> (d0, d1)>]
          ins(%x, %u : tensor<8x128xf16>, tensor<64x128xf16, #CSR>)
          outs(%z : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y3 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                                       affine_map<(d0, d1, d2) -> (d0, d1)>]
          ins(%x48, %w48 : tensor<8x48xf16>, tensor<64x48xf16, #NV_24>)
          outs(%z : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %y0, %y1, %y2, %y3, %v : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>,
         tensor<8x64xf32>, tensor<64x128xf16, #NV_24>
}

// -----

// 2:4 along dimension 0 of a K x N weight (y = x . w, the plain matmul): the
// weight is transposed to R x C before packing; a dynamic result type gets a
// cast.
#T24 = #sparse_tensor.encoding<{
  map = (i, j) -> (j : dense, i floordiv 4 : dense, i mod 4 : structured[2, 4])
}>
// CHECK-LABEL: func.func @plain_k_by_n(
// CHECK-SAME: %[[X:.*]]: tensor<4x128xbf16>, %[[W:.*]]: tensor<128x64xbf16>, %[[Z:.*]]: tensor<?x?xf32>)
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<128x64xbf16>) outs(%{{.*}} : tensor<64x128xbf16>) permutation = [1, 0]
// CHECK: %[[P:.*]] = samoyeds.pack %[[WT]] : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 1, v = 128>>
// CHECK: %[[Y:.*]] = samoyeds.ssmm %[[P]], %[[X]], %{{.*}} outs({{[^)]*}}) {gather} : {{.*}} -> tensor<4x64xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[Y]] : tensor<4x64xf32> to tensor<?x?xf32>
// CHECK: linalg.add ins(%[[C]], %[[Z]] : tensor<?x?xf32>, tensor<?x?xf32>)
// The packed argument is the R x C weight (the transpose of the K x N one).
// PACK-LABEL: func.func @plain_k_by_n(
// PACK-SAME: %{{.*}}: !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 1, v = 128>>
// PACK-NOT: linalg.transpose
// PACK: samoyeds.ssmm {{.*}} -> tensor<4x64xf32>
func.func @plain_k_by_n(%x: tensor<4x128xbf16>, %w: tensor<128x64xbf16, #T24>,
    %z: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x128xbf16>, tensor<128x64xbf16, #T24>)
         outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
