// DeepSeek-MoE-16B MoE layer: hidden 2048, ffn 1408, 64 routed experts, top-6,
// softmax without renormalisation, 2 shared experts (one shared MLP of ffn 2816);
// experts packed 1:2 rows x 2:4, V = 128.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
func.func @deepseek_moe(%x: tensor<?x2048xbf16>, %gate: tensor<64x2048xbf16>,
                        %w13: !samoyeds.packed<64x2816x2048xbf16, #fmt>,
                        %w2: !samoyeds.packed<64x2048x1408xbf16, #fmt>,
                        %s13: !samoyeds.packed<5632x2048xbf16, #fmt>,
                        %s2: !samoyeds.packed<2048x2816xbf16, #fmt>) -> tensor<?x2048xbf16> {
  %y = samoyeds.moe %x, %gate, %w13, %w2
         shared(%s13, %s2 : !samoyeds.packed<5632x2048xbf16, #fmt>,
                            !samoyeds.packed<2048x2816xbf16, #fmt>)
         {top_k = 6, tile = 64}
         : tensor<?x2048xbf16>, tensor<64x2048xbf16>,
           !samoyeds.packed<64x2816x2048xbf16, #fmt>,
           !samoyeds.packed<64x2048x1408xbf16, #fmt> -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
