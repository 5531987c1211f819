// The warp-specialised wgmma.sp kernel (schedule = warp_specialized,
// docs/kernel.md section 17): a producer warpgroup after the two MMA
// warpgroups (384 threads), a full and an empty mbarrier per ring slot
// initialised by thread 0, the producer's loop (wait for the slot, copy,
// commit, publish two groups back after its own wait and the proxy fence),
// the MMA warpgroups' wait on the full barrier, their wgmmas and their
// arrival on the empty barrier, no block barrier in the K loop, and the
// epilogue only in the MMA threads. Then what reaches PTX, and the
// diagnostics of the schedule option.
// RUN: samoyeds-opt %s --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="family=wgmma_sp schedule=warp_specialized decode-tile=1" -o %t
// RUN: FileCheck %s --input-file=%t
// RUN: FileCheck %s --input-file=%t --check-prefix=PROD
// RUN: FileCheck %s --input-file=%t --check-prefix=CONS
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa family=wgmma_sp schedule=warp_specialized decode-tile=1" | FileCheck %s --check-prefix=PTX
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa family=wgmma_sp schedule=warp_specialized decode-tile=1" | FileCheck %s --check-prefix=PTXTMA
// RUN: samoyeds-opt %s --samoyeds-select-kernel-config="family=wgmma_sp schedule=warp_specialized" | FileCheck %s --check-prefix=ATTR
// RUN: not samoyeds-opt %s --samoyeds-select-kernel-config="family=mma_sp schedule=warp_specialized" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONMMASP
// RUN: not samoyeds-opt %s --samoyeds-select-kernel-config="schedule=pingpong" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// ATTR: #samoyeds.kernel_config<family = wgmma_sp, warp_m = 16, warp_n = 64, warps_m = 8, warps_n = 1, stages = 4, block_k = 128, schedule = warp_specialized
// ONMMASP: error: 'samoyeds.ssmm' op GPU lowering: the warp_specialized schedule needs the wgmma_sp kernel family
// BAD: error: samoyeds-select-kernel-config: schedule 'pingpong' is not one of grid, warp_specialized

// The launch: 384 threads; the shared memory of the rings (4 x (16 + 16 + 2)
// KB), the 8 barriers (64 bytes) and the 1024 bytes of alignment slack.
// CHECK: func.func private @samoyeds_rt_tensor_map(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> !llvm.ptr
// CHECK-LABEL: func.func @plain(
// The host encodes the two tensor maps (the values', then the metadata's;
// samoyeds_rt_tensor_map caches them) and passes them by value after the
// other operands.
// CHECK: %[[VM:.*]] = call @samoyeds_rt_tensor_map({{.*}}) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> !llvm.ptr
// CHECK: %[[VMV:.*]] = llvm.load %[[VM]] {alignment = 64 : i64} : !llvm.ptr -> !llvm.array<16 x i64>
// CHECK: %[[MM:.*]] = call @samoyeds_rt_tensor_map(
// CHECK: %[[MMV:.*]] = llvm.load %[[MM]]
// CHECK: %[[SMEM:.*]] = arith.constant 140352 : i32
// CHECK: gpu.launch_func  @samoyeds_kernels::@ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_ws_wgmma {{.*}} threads in (%c384{{.*}}){{.*}}dynamic_shared_memory_size %[[SMEM]]
// CHECK-SAME: %[[VMV]] : !llvm.array<16 x i64>, %[[MMV]] : !llvm.array<16 x i64>)
// CHECK-LABEL: gpu.func @ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_ws_wgmma(
// CHECK-SAME: %{{.*}}: !llvm.array<16 x i64>, %{{.*}}: !llvm.array<16 x i64>) kernel
// CHECK-SAME: known_block_size = array<i32: 384, 1, 1>
// CHECK-SAME: samoyeds.grid_constant_args = 2 : i64
// The barriers after the rings (139264 bytes from the aligned base): thread
// 0 initialises 4 full ones (128 producer arrivals) and 4 empty ones (256
// MMA-thread arrivals), then the block synchronises once.
// CHECK: %[[RINGS:.*]] = arith.addi %{{.*}}, %c139264_i64 : i64
// CHECK: scf.if
// CHECK-COUNT-4: nvvm.mbarrier.init %{{.*}}, %c{{(128|256)}}_i32{{.*}} : !llvm.ptr<3>, i32
// CHECK-COUNT-4: nvvm.mbarrier.init %{{.*}}, %c{{(128|256)}}_i32{{.*}} : !llvm.ptr<3>, i32
// CHECK-NOT: nvvm.mbarrier.init
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.mbarrier.arrive
// CHECK-NOT: gpu.barrier
// The epilogue's stores only in the MMA threads (tid < 256).
// CHECK: %[[MMA:.*]] = arith.cmpi ult, %thread_id_x, %c256{{.*}} : index
// CHECK-NEXT: scf.if %[[MMA]] {
// CHECK: memref.store
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return

// The producer (tid >= 256): per K tile, from the second round of a slot, wait on its empty barrier (parity of round + 1);
// 8 A, 1 metadata and 8 B copies of 16 bytes (128 threads for 1024 + 128 +
// 1024 chunks), one commit, and from tile 2 on the wait for all but the
// last 2 groups, the proxy fence and the arrival on tile kt - 2's full
// barrier; after the loop the last two tiles.
// PROD-LABEL: gpu.func @ssmm_1024_1024
// PROD: %[[NOTMMA:.*]] = arith.xori %{{.*}}, %true
// PROD: scf.if %[[NOTMMA]] {
// PROD: scf.for %[[KT:.*]] = %{{.*}} to %c8{{.*}} step
// PROD: %[[LATE:.*]] = arith.cmpi uge, %[[KT]], %{{.*}} : index
// PROD: scf.if %[[LATE]] {
// PROD: arith.addi %{{.*}}, %c1{{.*}} : index
// PROD: arith.remui %{{.*}}, %c2{{.*}} : index
// PROD: nvvm.mbarrier.try_wait.parity %{{.*}}, %{{.*}}, %c10000000_i32 : !llvm.ptr<3>, i32, i32
// The values and metadata by TMA (TmaLoads.h): producer thread 0 adds the
// stage's 16 KiB of values and 2 KiB of metadata (18432 bytes) to the slot's
// full barrier, then one 64 x 128 box of each from the tensor maps (the
// kernel's last two arguments, read through their copies) at (column, row,
// expert).
// PROD: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// PROD-NEXT: scf.if %[[FIRST]] {
// PROD: nvvm.mbarrier.expect_tx %{{.*}}, %c18432_i32 : !llvm.ptr<3>, i32
// PROD: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %{{.*}}, %{{.*}}, box[%{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// PROD: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %{{.*}}, %{{.*}}, box[%{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// PROD-NOT: nvgpu.device_async_copy {{.*}} : memref<512x512xbf16>
// PROD-NOT: nvgpu.device_async_copy {{.*}} : memref<512x64xi16>
// The token rows stay cp.async (gathered through the list).
// PROD-COUNT-8: nvgpu.device_async_copy {{.*}} : memref<?x1024xbf16> to memref<4x8192xbf16, #gpu.address_space<workgroup>>
// PROD-NEXT: nvvm.cp.async.commit.group
// PROD: scf.if
// PROD-NEXT: nvvm.cp.async.wait.group 2
// PROD-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// PROD: arith.subi %[[KT]], %c2
// PROD: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// PROD: nvvm.cp.async.wait.group 0
// PROD-NEXT: nvvm.fence.proxy
// PROD: scf.for
// PROD: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// PROD-NOT: nvgpu.device_async_copy

// The MMA warpgroups: per K tile the full barrier's wait (parity of the
// round), the stage's 4 wgmma.sp, commit, wait 0, and the arrival on the
// slot's empty barrier; no copies and no cp.async waits.
// CONS-LABEL: gpu.func @ssmm_1024_1024
// CONS: nvvm.cp.async.wait.group 0
// CONS: scf.if %{{.*}} -> (vector<2x2xf32>
// CONS-NOT: nvgpu.device_async_copy
// CONS: nvvm.mbarrier.try_wait.parity
// CONS-NOT: nvgpu.device_async
// CONS: nvvm.wgmma.fence.aligned
// CONS-COUNT-4: wgmma.mma_async.sp.sync.aligned.m64n64k32.f32.bf16.bf16
// CONS: nvvm.wgmma.commit.group.sync.aligned
// CONS-NEXT: wgmma.wait_group.sync.aligned 0;
// CONS: nvvm.mbarrier.arrive
// CONS-NOT: nvgpu.device_async
// CONS: scf.yield

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry ssmm_1024_1024_bf16_n1m2v128_gather_k1_obf16_t16x64x8x1s4k128_ws_wgmma(
// PTX-SAME: .param .align 64 .b8 ssmm_{{.*}}_param_40[128],
// PTX-SAME: .param .align 64 .b8 ssmm_{{.*}}_param_41[128]
// PTX-SAME: .maxntid 384, 1, 1
// The tensor maps are read in place (no local copy): the parameters'
// addresses, and the TMA loads complete on the slot's full barrier.
// PTXTMA: .param .align 64 .b8 ssmm_{{.*}}_param_41[128]
// PTXTMA-NOT: __local_depot
// PTXTMA: cvta.param.u64
// PTXTMA: cvta.param.u64
// PTXTMA: mbarrier.expect_tx.relaxed.cta.shared.b64
// PTXTMA: cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-SAME: mbarrier.init.shared.b64
// PTX-SAME: bar.sync \090;
// PTX-SAME: cp.async.cg.shared.global
// PTX-SAME: cp.async.commit_group;
// PTX-SAME: cp.async.wait_group \092;\0A\09fence.proxy.async.shared::cta;\0A\09mbarrier.arrive.shared.b64
// PTX-SAME: mbarrier.try_wait.parity.shared.b64
// PTX-SAME: wgmma.mma_async.sp.sync.aligned.m64n64k32.f32.bf16.bf16
// PTX-SAME: wgmma.wait_group.sync.aligned 0;
// PTX-SAME: mbarrier.arrive.shared.b64

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
func.func @plain(%w: !samoyeds.packed<1024x1024xbf16, #fmt>, %x: tensor<?x1024xbf16>, %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %l, %c0 : tensor<?xi32>
  %init = tensor.empty(%n) : tensor<?x1024xbf16>
  %y = samoyeds.ssmm %w, %x, %l outs(%init : tensor<?x1024xbf16>) {gather} : !samoyeds.packed<1024x1024xbf16, #fmt>, tensor<?x1024xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}
