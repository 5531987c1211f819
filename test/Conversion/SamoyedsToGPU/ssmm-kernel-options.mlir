// convert-samoyeds-to-gpu tiling options: what each one changes in the
// kernel and its launch (the defaults are in ssmm-kernel.mlir). All of the
// unsplit kernel (split-k=1; split-K is ssmm-split-k.mlir's).
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="block-k=32 stages=3 split-k=1 decode-tile=1" | FileCheck %s --check-prefix=K32
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="warp-m=32 warp-n=16 warps-m=4 warps-n=1 split-k=1 decode-tile=1" | FileCheck %s --check-prefix=TILE
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="stages=2 split-k=1 decode-tile=1" | FileCheck %s --check-prefix=S2
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="min-blocks-per-sm=2 split-k=1 decode-tile=1" | FileCheck %s --check-prefix=MINCTA
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="split-k=1 decode-tile=1" | FileCheck %s --check-prefix=NOMINCTA

// min-blocks-per-sm caps ptxas' registers through nvvm.minctasm; by default
// the kernel carries no such bound.
// MINCTA: gpu.func @ssmm_{{.*}} kernel attributes {known_block_size = array<i32: 128, 1, 1>, nvvm.minctasm = 2 : i32}
// NOMINCTA-NOT: nvvm.minctasm

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// block-k=32 stages=3: row pitches 16 + 8 values and 32 + 8 tokens, 2
// metadata words (4 bytes) per row; 3 x (128 x 24 + 64 x 40 + 128 x 2) x 2 =
// 35328 bytes. 2 prologue groups; the wait leaves stages - 2 = 1 in flight.
// Each slice of V = 128 takes 4 stages, each stage one k32 step.
// K32-LABEL: func.func @bf16_gather(
// K32: %[[SMEM:.*]] = arith.constant 35328 : i32
// K32: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s3k32 {{.*}} dynamic_shared_memory_size %[[SMEM]]
// K32-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s3k32(
// K32: memref.view {{.*}} to memref<3x128x24xbf16, #gpu.address_space<workgroup>>
// K32: memref.view {{.*}} to memref<3x64x40xbf16, #gpu.address_space<workgroup>>
// K32: memref.view {{.*}} to memref<3x128x2xi16, #gpu.address_space<workgroup>>
// K32-COUNT-2: nvgpu.device_async_copy {{.*}}, 8 {bypassL1} : memref<128x256xbf16> to memref<3x128x24xbf16, #gpu.address_space<workgroup>>
// K32-NOT: memref<128x256xbf16> to memref<3x128x24xbf16
// K32: nvgpu.device_async_copy {{.*}}, 2 : memref<128x32xi16> to memref<3x128x2xi16, #gpu.address_space<workgroup>>
// K32-COUNT-2: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<?x512xbf16> to memref<3x64x40xbf16, #gpu.address_space<workgroup>>
// K32-NEXT: nvgpu.device_async_create_group
// K32: nvgpu.device_async_create_group
// K32-NOT: nvgpu.device_async_create_group
// K32: %{{.*}}:{{[0-9]+}} = scf.for
// K32: %{{.*}}:16 = scf.for %{{.*}} = %{{.*}} to %{{c4(_[0-9]+)?}} step
// K32: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// K32-COUNT-16: nvvm.mma.sp.sync
// K32-NOT: nvvm.mma.sp.sync
// K32: scf.yield

// A 128 x 16 block tile of 4 x 1 warps of 32 x 16: one token chunk per thread
// and stage, 2 x 2 fragments in the K loop, 2 x 2 x 2 accumulators; 4 x (128 x
// 40 + 16 x 72 + 128 x 4) x 2 = 54272 bytes; 16 entries per grid row.
// TILE-LABEL: func.func @bf16_gather(
// The outs buffer (bufferization's, a row per list entry), then the launch's
// list length.
// TILE: memref.alloc(%{{.*}}) {alignment = 64 : i64}
// TILE: %[[LEN:.*]] = memref.dim
// TILE: %[[GY:.*]] = arith.ceildivui %[[LEN]], %{{c16(_[0-9]+)?}} : index
// TILE: %[[SMEM:.*]] = arith.constant 54272 : i32
// TILE: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t32x16x4x1s4k64 blocks in (%{{[a-z0-9_]+}}, %[[GY]], {{.*}} dynamic_shared_memory_size %[[SMEM]]
// TILE-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t32x16x4x1s4k64(
// TILE-SAME: known_block_size = array<i32: 128, 1, 1>
// TILE: memref.view {{.*}} to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// TILE: memref.view {{.*}} to memref<4x16x72xbf16, #gpu.address_space<workgroup>>
// TILE: nvgpu.device_async_copy {{.*}} : memref<?x512xbf16> to memref<4x16x72xbf16, #gpu.address_space<workgroup>>
// TILE-NEXT: nvgpu.device_async_create_group
// TILE: %{{.*}}:{{[0-9]+}} = scf.for
// TILE: %{{.*}}:4 = scf.for
// TILE-COUNT-8: nvvm.mma.sp.sync
// TILE-NOT: nvvm.mma.sp.sync
// TILE: scf.yield

// stages=2: one prologue group; the loop waits for all copies (0 in flight)
// before it issues the next stage into the other buffer.
// S2-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s2k64(
// S2: memref.view {{.*}} to memref<2x128x40xbf16, #gpu.address_space<workgroup>>
// S2: %[[G:.*]] = nvgpu.device_async_create_group
// S2-NOT: nvgpu.device_async_create_group
// S2: scf.for
// S2: scf.for
// S2: nvgpu.device_async_wait %[[G]] {numGroups = 0 : i32}
// S2-NEXT: gpu.barrier
// S2: nvgpu.device_async_wait %[[G]] {numGroups = 0 : i32}
// S2: gpu.return
func.func @bf16_gather(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}
