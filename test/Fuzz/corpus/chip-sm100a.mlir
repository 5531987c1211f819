// Fuzz find (issue 8), fixed: the kernel configuration checks ranges before any
// size product, and the chip table rejects chips the emitted PTX cannot target.
// Was: LLVM ERROR: PTX version 8.5 does not support target 'sm_100a'. Minimum required PTX version is 8.6 (GPUPipeline.cpp fixes cubinFeatures = +ptx85 for every chip).
// RUN: not samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_100a format=isa" -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: samoyeds-select-kernel-config: chip sm_100a is not supported: the pipeline emits PTX 8.5 for sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a
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
