// The stream kernel (#samoyeds.kernel_config stream_tokens, docs/kernel.md
// section 16): for undef_padding ops a third kernel without tensor cores or
// shared memory, launched alone when the call's routed pairs are at most
// stream_tokens * experts (the tiled kernels' grids are then empty). Block y
// takes the y-th expert with a non-empty segment, x the units (row groups)
// 8 warps at a time.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu | FileCheck %s
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="stream-tokens=-1" | FileCheck %s --check-prefix=OFF
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o %t
// RUN: FileCheck %s --input-file=%t --check-prefix=PTX

#f = #samoyeds.format<n = 1, m = 2, v = 128>
// pairs = T * 2 (gather); the stream kernel runs for pairs <= 2 * 8.
// CHECK-LABEL: func.func @grouped(
// CHECK: %[[T:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x256xbf16>
// CHECK: %[[PAIRS:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[STREAM:.*]] = arith.cmpi ule, %[[PAIRS]], %{{c16[_0-9]*}} : index
// The tiled kernels' grids are empty when it runs.
// CHECK: %[[G0:.*]] = arith.select %[[STREAM]], %{{c0[_0-9]*}}, %{{.*}} : index
// CHECK: %[[G1:.*]] = arith.select %[[STREAM]], %{{c0[_0-9]*}}, %{{.*}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64 blocks in (%{{.*}}, %[[G0]], %{{.*}})
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t32x16x4x1s4k64 blocks in (%{{.*}}, %[[G1]], %{{.*}})
// Its grid: 256 units (gate groups) / 8 = 32 by min(8 experts, pairs).
// CHECK: %[[SLOTS:.*]] = arith.minui %{{c8[_0-9]*}}, %[[PAIRS]] : index
// CHECK: %[[GY:.*]] = arith.select %[[STREAM]], %[[SLOTS]], %{{c0[_0-9]*}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_stream2 blocks in (%{{c32[_0-9]*}}, %[[GY]], %{{c1[_0-9]*}}) threads in (%{{c256[_0-9]*}}, %{{c1[_0-9]*}}, %{{c1[_0-9]*}}) dynamic_shared_memory_size %{{c0_i32[_0-9]*}}
// The kernel: no shared memory and no barrier; ballots over the offsets and
// the list, 16-byte loads of the weight and the token rows, one prmt per
// group of 4 columns, FMAs, a butterfly, the silu epilogue.
// CHECK-LABEL: gpu.func @ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_stream2(
// CHECK-NOT: workgroup
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.vote.sync ballot
// CHECK: nvvm.vote.sync ballot
// CHECK: nvvm.vote.sync ballot
// CHECK: gpu.shuffle idx
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<8x512x128xbf16>, vector<8xbf16>
// CHECK: memref.load %{{.*}} : memref<8x512x16xi16>
// CHECK: memref.load %{{.*}} : memref<8x2x512xi8>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x256xbf16>, vector<8xbf16>
// CHECK: nvvm.prmt
// CHECK: llvm.intr.fma
// CHECK: gpu.shuffle xor
// CHECK: ex2.approx.f32
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return
// OFF-LABEL: func.func @grouped(
// OFF-NOT: _stream
// OFF: return
// PTX: .entry ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_stream2(
// PTX-SAME: vote.sync.ballot.b32
// PTX-SAME: ld.global.v4.b32
// PTX-SAME: prmt.b32
// PTX-SAME: fma.rn.f32
// PTX-SAME: shfl.sync.bfly.b32
func.func @grouped(%ids: tensor<?x2xi32>, %x: tensor<?x256xbf16>,
    %w13: !samoyeds.packed<8x1024x256xbf16, #f>) -> tensor<?x512xbf16> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %ids, %c0 : tensor<?x2xi32>
  %len = affine.apply affine_map<()[s0] -> (s0 * 2 + 504)>()[%t]
  %il = tensor.empty(%len) : tensor<?xi32>
  %io = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%il, %io : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  %ih = tensor.empty(%len) : tensor<?x512xbf16>
  %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%ih : tensor<?x512xbf16>) {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>, undef_padding}
         : !samoyeds.packed<8x1024x256xbf16, #f>, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xbf16>
  return %h : tensor<?x512xbf16>
}

// -----

// One expert (a shared expert's W2, f16, 2:4 rows): the list's entries are
// the rows of the compact input, grid y is 1, and the stream kernel runs
// for at most 2 pairs (list entries). 128 condensed rows, N = 2: 64 units.
#f = #samoyeds.format<n = 2, m = 4, v = 64>
// CHECK-LABEL: func.func @shared(
// The outs buffer (bufferization's, a row per list entry), then the launch's
// list length.
// CHECK: memref.alloc(%{{.*}}) {alignment = 64 : i64}
// CHECK: %[[LEN:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?xi32>
// CHECK: %[[STREAM:.*]] = arith.cmpi ule, %[[LEN]], %{{c2[_0-9]*}} : index
// CHECK: %[[GY:.*]] = arith.select %[[STREAM]], %{{c1[_0-9]*}}, %{{c0[_0-9]*}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_f16_n2m4v64_of32_stream2 blocks in (%{{c8[_0-9]*}}, %[[GY]], %{{c1[_0-9]*}})
// CHECK-LABEL: gpu.func @ssmm_256_512_f16_n2m4v64_of32_stream2(
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<128x256xf16>, vector<8xf16>
// CHECK: arith.extf %{{.*}} : vector<2xf16> to vector<2xf32>
// CHECK: gpu.return
// PTX: .entry ssmm_256_512_f16_n2m4v64_of32_stream2(
// PTX-SAME: cvt.f32.f16
func.func @shared(%x: tensor<?x512xf16>, %l: tensor<?xi32>,
    %w: !samoyeds.packed<256x512xf16, #f>) -> tensor<?x256xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %l, %c0 : tensor<?xi32>
  %i = tensor.empty(%n) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w, %x, %l outs(%i : tensor<?x256xf32>) {undef_padding} : !samoyeds.packed<256x512xf16, #f>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

// A one-row unit (W2: 1:2 rows, no silu_mul) issues 2 steps of weight loads
// together (kStreamUnroll): C = 1024 is 64 chunks, one trip of 2 steps of 32
// lanes; the loop body holds 2 loads of the weight.
#f = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-LABEL: gpu.func @ssmm_8_256_1024_bf16_n1m2v128_scale_of32_stream2(
// CHECK: scf.for %{{.*}} = %c0{{(_[0-9]+)?}} to %c64{{(_[0-9]+)?}} step %c64{{(_[0-9]+)?}}
// CHECK-COUNT-2: vector.load %{{.*}} {alignment = 16 : i64} : memref<8x128x512xbf16>, vector<8xbf16>
// CHECK-NOT: vector.load %{{.*}} : memref<8x128x512xbf16>
// CHECK: gpu.return
func.func @w2(%ids: tensor<?x2xi32>, %h: tensor<?x1024xbf16>, %s: tensor<?x2xf32>,
    %w2: !samoyeds.packed<8x256x1024xbf16, #f>) -> tensor<?x256xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %ids, %c0 : tensor<?x2xi32>
  %len = affine.apply affine_map<()[s0] -> (s0 * 2 + 504)>()[%t]
  %il = tensor.empty(%len) : tensor<?xi32>
  %io = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%il, %io : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  %ir = tensor.empty(%len) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>) outs(%ir : tensor<?x256xf32>) {top_k = 2, undef_padding}
         : !samoyeds.packed<8x256x1024xbf16, #f>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}
