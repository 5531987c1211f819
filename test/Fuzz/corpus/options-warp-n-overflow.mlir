// Fuzz find (issue 8), fixed: the kernel configuration checks ranges before any
// size product, and the chip table rejects chips the emitted PTX cannot target.
// Was: LLVM ERROR: SmallVector unable to grow. Requested capacity (4611686018427387904) (the accumulator layout is sized from warp-m * warp-n unchecked).
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa warp-n=4611686018427387904" -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: 'samoyeds.ssmm' op GPU lowering: {{.*}}warp-n (4611686018427387904)
// CHECK-NOT: {{LLVM ERROR|Stack dump|PLEASE submit}}

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
