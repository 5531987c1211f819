// Mixtral-8x7B MoE layer: hidden 4096, ffn 14336, 8 experts, top-2, softmax
// then top-k then renormalise; experts packed 1:2 rows x 2:4, V = 128.
//   samoyeds-compile examples/mixtral.mlir -o out/mixtral --runtime-dir build/lib
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
func.func @mixtral_moe(%x: tensor<?x4096xbf16>, %gate: tensor<8x4096xbf16>,
                       %w13: !samoyeds.packed<8x28672x4096xbf16, #fmt>,
                       %w2: !samoyeds.packed<8x4096x14336xbf16, #fmt>) -> tensor<?x4096xbf16> {
  %y = samoyeds.moe %x, %gate, %w13, %w2 {top_k = 2, renormalize, tile = 64}
         : tensor<?x4096xbf16>, tensor<8x4096xbf16>,
           !samoyeds.packed<8x28672x4096xbf16, #fmt>,
           !samoyeds.packed<8x4096x14336xbf16, #fmt> -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
