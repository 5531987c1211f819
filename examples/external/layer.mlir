// A 2:4 sparse projection as upstream writes it; my-opt raises it to
// samoyeds.ssmm and lowers it for the CPU (scripts/test-install.sh).
#NV_24 = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])
}>
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
