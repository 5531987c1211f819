// The expert projections of a Mixtral-8x7B MoE layer (hidden 4096, ffn 14336,
// 8 experts, top-2) in packed 1:2 / V=128 form, as grouped ssmm kernels:
// W1|W3 stacked with the SiLU(gate) * up epilogue, then W2 scaled by the routing
// weight. `list` and `offsets` are what samoyeds.dispatch (or vLLM's
// moe_align_block_size with block size 64) produces.
//   samoyeds-compile examples/mixtral_experts.mlir -o out/   (PTX, cubin, host .so)
!w13 = !samoyeds.packed<8x28672x4096xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x4096x14336xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>

func.func @mixtral_w13(%w13: !w13, %x: tensor<?x4096xbf16>, %list: tensor<?xi32>,
                       %offsets: tensor<9xi32>) -> tensor<?x14336xbf16> {
  %h = samoyeds.ssmm %w13, %x, %list offsets(%offsets : tensor<9xi32>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !w13, tensor<?x4096xbf16>, tensor<?xi32> -> tensor<?x14336xbf16>
  return %h : tensor<?x14336xbf16>
}

func.func @mixtral_w2(%w2: !w2, %h: tensor<?x14336xbf16>, %list: tensor<?xi32>,
                      %offsets: tensor<9xi32>, %weights: tensor<?x2xf32>) -> tensor<?x4096xf32> {
  %y = samoyeds.ssmm %w2, %h, %list offsets(%offsets : tensor<9xi32>)
         scale(%weights : tensor<?x2xf32>) {top_k = 2}
         : !w2, tensor<?x14336xbf16>, tensor<?xi32> -> tensor<?x4096xf32>
  return %y : tensor<?x4096xf32>
}
