// A decode tile (#samoyeds.kernel_config decode_tile, docs/kernel.md section
// 14): a second kernel of the same rows with a token tile of decode_tile
// entries, and a launch of each whose grid is empty unless the call's routed
// pairs select it (pairs <= decode_tile * experts: the decode kernel).
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu | FileCheck %s
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="decode-tile=1" | FileCheck %s --check-prefix=OFF
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="decode-tile=32" | FileCheck %s --check-prefix=D32
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="decode-tile=24" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// pairs = T * top_k (gather): the plain kernel (64 entries a block) runs for
// pairs > 16, the decode kernel (16 entries: 4 x 1 warps of 32 rows x 16, the
// same 128 rows) for pairs <= 16 (decode_tile * 1: no expert dimension).
// CHECK-LABEL: func.func @bf16_gather(
// The outs buffer (bufferization's, a row per list entry), then the launch's
// list length.
// CHECK: memref.alloc(%{{.*}}) {alignment = 64 : i64}
// CHECK: %[[LEN:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?xi32>
// CHECK: %[[T:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x512xbf16>
// CHECK: %[[PAIRS:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[DEC:.*]] = arith.cmpi ule, %[[PAIRS]], %[[C16:c16[_0-9]*]] : index
// CHECK: %[[GY64:.*]] = arith.ceildivui %[[LEN]], %{{c64[_0-9]*}} : index
// CHECK: %[[PLAIN:.*]] = arith.xori %[[DEC]], %true : i1
// CHECK: %[[G1:.*]] = arith.select %[[PLAIN]], %[[GY64]], %{{c0[_0-9]*}} : index
// CHECK: %[[GY16:.*]] = arith.ceildivui %[[LEN]], %{{c16[_0-9]*}} : index
// CHECK: %[[G2:.*]] = arith.select %[[DEC]], %[[GY16]], %{{c0[_0-9]*}} : index
// CHECK: gpu.launch_func  @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64 blocks in (%{{.*}}, %[[G1]], %{{.*}}) threads in (%{{c128[_0-9]*}},
// CHECK-SAME: dynamic_shared_memory_size %c81920_i32
// CHECK: gpu.launch_func  @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t32x16x4x1s4k64 blocks in (%{{.*}}, %[[G2]], %{{.*}}) threads in (%{{c128[_0-9]*}},
// 4 x (128 x 40 + 16 x 72 + 128 x 4) x 2 bytes.
// CHECK-SAME: dynamic_shared_memory_size %c54272_i32
// CHECK-NOT: gpu.launch_func
// The decode kernel's token ring holds 16 entries per stage.
// CHECK-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t32x16x4x1s4k64(
// CHECK: memref.view {{.*}} to memref<4x16x72xbf16, #gpu.address_space<workgroup>>
// Without a decode tile, one kernel and its launch only.
// OFF-LABEL: func.func @bf16_gather(
// OFF-NOT: arith.cmpi ule
// OFF: gpu.launch_func  @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64
// OFF-NOT: gpu.launch_func
// OFF-NOT: t32x16x4x1
// OFF-LABEL: func.func @grouped_scale(
// D32-LABEL: func.func @bf16_gather(
// D32: arith.cmpi ule, %{{.*}}, %{{c32[_0-9]*}} : index
// D32: gpu.launch_func  @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t32x32x4x1s4k64
// BAD: error: 'samoyeds.ssmm' op GPU lowering: decode-tile (24) must be smaller than the token tile (64), divide it, and give a kernel that can run this op (warp-n = decode-tile, warps-n = 1)
func.func @bf16_gather(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

// Grouped W2 (compact input with the routing weight, 8 experts): pairs from
// the scale (T x 2), the threshold decode_tile * E = 128.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-LABEL: func.func @grouped_scale(
// CHECK: %[[T:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x2xf32>
// CHECK: %[[PAIRS:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: arith.cmpi ule, %[[PAIRS]], %{{c128[_0-9]*}} : index
// CHECK-COUNT-2: gpu.launch_func
// CHECK-NOT: gpu.launch_func
func.func @grouped_scale(%w: !samoyeds.packed<8x256x512xbf16, #fmt>, %h: tensor<?x512xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>, %s: tensor<?x2xf32>) -> tensor<?x256xf32> {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w, %h, %l offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>) outs(%init2 : tensor<?x256xf32>) {top_k = 2}
         : !samoyeds.packed<8x256x512xbf16, #fmt>, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}
