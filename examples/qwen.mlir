// Qwen1.5-MoE-A2.7B (Qwen2-MoE architecture) MoE layer: hidden 2048, ffn 1408,
// 60 experts, top-4, softmax without renormalisation (norm_topk_prob false),
// one shared expert of ffn 5632 scaled by sigmoid(shared_expert_gate(x));
// experts packed 1:2 rows x 2:4, V = 128.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
func.func @qwen_moe(%x: tensor<?x2048xbf16>, %gate: tensor<60x2048xbf16>,
                    %w13: !samoyeds.packed<60x2816x2048xbf16, #fmt>,
                    %w2: !samoyeds.packed<60x2048x1408xbf16, #fmt>,
                    %s13: !samoyeds.packed<11264x2048xbf16, #fmt>,
                    %s2: !samoyeds.packed<2048x5632xbf16, #fmt>,
                    %sg: tensor<2048xbf16>) -> tensor<?x2048xbf16> {
  %y = samoyeds.moe %x, %gate, %w13, %w2
         shared(%s13, %s2 : !samoyeds.packed<11264x2048xbf16, #fmt>,
                            !samoyeds.packed<2048x5632xbf16, #fmt>)
         shared_gate(%sg : tensor<2048xbf16>)
         {top_k = 4, tile = 64}
         : tensor<?x2048xbf16>, tensor<60x2048xbf16>,
           !samoyeds.packed<60x2816x2048xbf16, #fmt>,
           !samoyeds.packed<60x2048x1408xbf16, #fmt> -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
