// The wgmma.sp kernel (family = wgmma_sp, docs/kernel.md section 15): the
// core-matrix stage rings, the proxy fence between the landed cp.async copies
// and the warpgroup MMAs, wgmma.mma_async.sp as inline PTX with its commit and
// a wait that the accumulators pass through, and no ldmatrix or mma.sp. The
// IR after convert-samoyeds-to-gpu, then what reaches PTX.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="family=wgmma_sp decode-tile=1" -o %t
// RUN: FileCheck %s --input-file=%t --implicit-check-not=nvgpu.ldmatrix --implicit-check-not=nvgpu.mma.sp.sync --implicit-check-not=nvvm.mma.sp
// RUN: FileCheck %s --input-file=%t --check-prefix=PIPE
// RUN: FileCheck %s --input-file=%t --check-prefix=WG
// RUN: FileCheck %s --input-file=%t --check-prefix=SILU
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa family=wgmma_sp decode-tile=1" -o %t.ptx
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTX
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTXN
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_80 family=wgmma_sp" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-select-kernel-config="family=wmma" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADFAM

// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="family=wgmma_sp" | FileCheck %s --check-prefix=DEC

// With the default decode tile the wgmma.sp kernel comes with the mma.sp
// decode kernel of 16 tokens a block (and split-K, its sum kernel); the launch
// picks one by the routed pairs (docs/kernel.md, section 14).
// DEC-LABEL: func.func @plain
// DEC: arith.cmpi ule, %{{.*}}, %c16
// DEC: gpu.launch_func  @samoyeds_kernels::@ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_wgmma
// DEC: gpu.launch_func  @samoyeds_kernels::@ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t{{[0-9]+}}x16x{{[0-9]+}}x1s{{[0-9]+}}k{{[0-9]+}}
// DEC: gpu.func @ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_wgmma(
// DEC: gpu.func @ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t{{[0-9]+}}x16x{{[0-9]+}}x1s{{[0-9]+}}k{{[0-9]+}}
// DEC: nvgpu.ldmatrix

// SM80: error: 'samoyeds.ssmm' op GPU lowering: the wgmma_sp kernel family needs sm_90a (chip sm_80)
// BADFAM: error: samoyeds-select-kernel-config: family 'wmma' is not one of mma_sp, wgmma_sp

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// bf16, 512 condensed rows: two warpgroups (256 threads) of 64 rows each,
// N = 64 tokens, block-k 128 = V (one stage per slice, 4 k32 steps), 4
// stages. Rings unpadded: A 128 x 64, B 64 x 128 elements per stage, then the
// metadata ring [4][128][8] after 4 x (16 + 16) KB.
// CHECK-LABEL: gpu.func @ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_wgmma(
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// The rings start at the buffer's first 1024-byte boundary (the swizzle
// atoms' alignment), found at run time from its shared-window address, which
// is also the descriptors' base.
// CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index %[[DYN:[^ ]*]]
// CHECK: %[[MOD:.*]] = arith.remui %[[BASE]], %c1024
// CHECK: %[[UP:.*]] = arith.subi %c1024{{.*}}, %[[MOD]]
// CHECK: %[[SHIFT:.*]] = arith.remui %[[UP]], %c1024
// CHECK: %[[OFFA:.*]] = arith.addi %[[SHIFT]], %c0
// CHECK: memref.view %[[DYN]][%[[OFFA]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x8192xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[OFFB:.*]] = arith.addi %[[SHIFT]], %c65536
// CHECK: memref.view %[[DYN]][%[[OFFB]]][] : {{.*}} to memref<4x8192xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[OFFM:.*]] = arith.addi %[[SHIFT]], %c131072
// CHECK: memref.view %[[DYN]][%[[OFFM]]][] : {{.*}} to memref<4x128x8xi16, #gpu.address_space<workgroup>>
// The swizzle of the copies' destinations: chunk ^ (row % 8) (128-byte atoms).
// CHECK: arith.xori
// The descriptors' constant fields: LBO 1 (unused), SBO 1024 >> 4 = 64 at
// bit 32, 128-byte swizzle (mode 1) at bit 62: 2^62 + 64 * 2^32 + 2^16.
// CHECK: arith.constant 4611686293305360384 : i64

// Per K tile: the landed stage is fenced to the async proxy by each thread,
// then published by the barrier.
// PIPE-LABEL: gpu.func @ssmm_1024_1024
// PIPE: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// PIPE-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// PIPE-NEXT: gpu.barrier

// The stage's MMAs: fence, 4 k32 steps of one m64n64k32 per warpgroup (32
// tied accumulators, descriptors, metadata, scale-d), commit, and the wait
// that returns the accumulators.
// WG-LABEL: gpu.func @ssmm_1024_1024
// WG: nvvm.wgmma.fence.aligned
// WG-COUNT-4: llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, $35, 0;\0Awgmma.mma_async.sp.sync.aligned.m64n64k32.f32.bf16.bf16 {$0, {{.*}}, $31}, $32, $33, $34, 0, p, 1, 1, 0, 0;\0A}", "=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,l,l,r,r,0,1,{{.*}},31" {{.*}} : (i64, i64, i32, i32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
// WG-NOT: wgmma.mma_async
// WG: nvvm.wgmma.commit.group.sync.aligned
// WG-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "wgmma.wait_group.sync.aligned 0;", "=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,0,{{.*}},31"
// WG-NOT: wgmma.mma_async
// WG-LABEL: gpu.func @ssmm_4_512_256_f16
func.func @plain(%w: !samoyeds.packed<1024x1024xbf16, #fmt>, %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x1024xbf16>
  %y = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x1024xbf16>) {gather} : !samoyeds.packed<1024x1024xbf16, #fmt>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// f16 stacked gate|up with silu_mul, 4 experts: warp-m 32 (a gate and an up
// instruction per warpgroup and k32 step), N = 64; 256 condensed rows give
// 128 per half, two warpgroups. 2 m-tiles x 4 k32 steps = 8 MMAs per stage,
// all in one commit group.
// SILU-LABEL: gpu.func @ssmm_4_512_256_f16_n1m2v128_gather_k2_silu_of16_t32x64x8x1s4k128_wgmma(
// SILU: nvvm.wgmma.fence.aligned
// SILU-COUNT-8: wgmma.mma_async.sp.sync.aligned.m64n64k32.f32.f16.f16
// SILU-NOT: wgmma.mma_async
// SILU: nvvm.wgmma.commit.group.sync.aligned
// SILU-NEXT: wgmma.wait_group.sync.aligned 0;", "=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,0,
func.func @silu(%w: !samoyeds.packed<4x512x256xf16, #fmt>, %x: tensor<?x256xf16>, %l: tensor<?xi32>, %off: tensor<5xi32>) -> tensor<?x256xf16> {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x256xf16>
  %y = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<5xi32>) outs(%init2 : tensor<?x256xf16>) {gather, top_k = 2, epilogue = #samoyeds.epilogue<silu_mul>} : !samoyeds.packed<4x512x256xf16, #fmt>, tensor<?x256xf16>, tensor<?xi32> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// The PTX of the bf16 kernel: sm_90a, 256 threads, the proxy fence after
// the copy wait and before the barrier, and 4 wgmma.sp between the fence and
// the commit, then the wait; no mma.sp or ldmatrix.
// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .target sm_90a
// PTX-SAME: .visible .entry ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_wgmma(
// PTX-SAME: .maxntid 256, 1, 1
// PTX-SAME: \09wgmma.fence.sync.aligned;
// PTX-COUNT-4: wgmma.mma_async.sp.sync.aligned.m64n64k32.f32.bf16.bf16 {{[^;]*}}, %rd{{[0-9]+}}, %rd{{[0-9]+}}, %r{{[0-9]+}}, 0, p, 1, 1, 0, 0;
// PTX-SAME: \09wgmma.commit_group.sync.aligned;
// PTX-SAME: wgmma.wait_group.sync.aligned 0;
// PTX-SAME: \09cp.async.wait_group \092;\0A\09fence.proxy.async.shared::cta;\0A\09bar.sync \090;
// PTXN-LABEL: gpu.binary @samoyeds_kernels
// PTXN-NOT: mma.sp.sync
// PTXN-NOT: ldmatrix
// PTXN-SAME: .visible .entry ssmm_1024_1024
// PTXN-LABEL: gpu.binary @samoyeds_kernels
// PTXN-SAME: m64n64k32.f32.f16.f16
