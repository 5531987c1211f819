// The kernels and launches that convert-samoyeds-to-gpu generates for the
// routing ops (lib/Conversion/SamoyedsToGPU/RoutingKernels.cpp, docs/kernel.md
// "Routing kernels"): route (one thread per token), dispatch (count / scan /
// scatter), combine (inverse map init / scatter, gather). Then what reaches
// PTX (format=isa: every kernel's .entry, no libdevice call) and, where ptxas
// is installed, a cubin (format=bin). The device check is
// scripts/device/routing_check.py.
// RUN: samoyeds-opt %s -split-input-file --convert-samoyeds-to-gpu | FileCheck %s --implicit-check-not=samoyeds.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o %t
// RUN: FileCheck %s --input-file=%t --check-prefix=PTX --implicit-check-not=__nv_
// RUN: FileCheck %s --input-file=%t --check-prefix=OPS
// RUN: %if ptxas %{ samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}

// Mixtral routing. A static token count is cast to the dynamic kernel
// signature, so both functions launch the same kernel. No samoyeds op
// survives (--implicit-check-not on the RUN line); the module holds kernels.

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @mixtral(
// CHECK-SAME: %[[L:[a-z0-9]+]]: tensor<?x8xf32>)
// CHECK: %[[LB:.*]] = bufferization.to_buffer %[[L]] read_only : tensor<?x8xf32> to memref<?x8xf32>
// CHECK: %[[T:.*]] = memref.dim %[[LB]], %{{.*}} : memref<?x8xf32>
// CHECK: %[[W:.*]] = memref.alloc(%[[T]]) : memref<?x2xf32>
// CHECK: %[[I:.*]] = memref.alloc(%[[T]]) : memref<?x2xi32>
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[GRID:.*]] = arith.ceildivui %[[T]], %[[C128]] : index
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e8_k2_renorm_lf32_wf32 blocks in (%[[GRID]], %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%[[LB]] : memref<?x8xf32>, %[[W]] : memref<?x2xf32>, %[[I]] : memref<?x2xi32>)
// CHECK-NEXT: %[[WT:.*]] = bufferization.to_tensor %[[W]] restrict writable : memref<?x2xf32> to tensor<?x2xf32>
// CHECK-NEXT: %[[IT:.*]] = bufferization.to_tensor %[[I]] restrict writable : memref<?x2xi32> to tensor<?x2xi32>
// CHECK-NEXT: return %[[WT]], %[[IT]]

// CHECK-LABEL: func.func @mixtral_static(
// CHECK: %[[SLB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<16x8xf32> to memref<16x8xf32>
// CHECK: %[[SW:.*]] = memref.alloc() : memref<16x2xf32>
// CHECK: %[[SI:.*]] = memref.alloc() : memref<16x2xi32>
// CHECK: %[[CL:.*]] = memref.cast %[[SLB]] : memref<16x8xf32> to memref<?x8xf32>
// CHECK: %[[CW:.*]] = memref.cast %[[SW]] : memref<16x2xf32> to memref<?x2xf32>
// CHECK: %[[CI:.*]] = memref.cast %[[SI]] : memref<16x2xi32> to memref<?x2xi32>
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e8_k2_renorm_lf32_wf32 {{.*}} args(%[[CL]] : memref<?x8xf32>, %[[CW]] : memref<?x2xf32>, %[[CI]] : memref<?x2xi32>)
// CHECK: bufferization.to_tensor %[[SW]] restrict writable : memref<16x2xf32> to tensor<16x2xf32>

// The kernel: softmax statistics (max, then the sum of ex2-based exponentials),
// k passes over the experts ordered by (key desc, expert asc) with NaN keys
// last, then the weights renormalised by the sum of the picks.
// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @route_softmax_e8_k2_renorm_lf32_wf32(%[[KL:[a-z0-9]+]]: memref<?x8xf32>, %[[KW:[a-z0-9]+]]: memref<?x2xf32>, %[[KI:[a-z0-9]+]]: memref<?x2xi32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BID:.*]] = gpu.block_id x
// CHECK: %[[TOK:.*]] = arith.addi %{{.*}}, %[[TID]] : index
// CHECK: %[[NT:.*]] = memref.dim %[[KL]], %{{.*}} : memref<?x8xf32>
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[TOK]], %[[NT]] : index
// CHECK: scf.if %[[IN]] {
// CHECK: %[[MAX:.*]] = scf.for
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: arith.subf %{{.*}}, %[[MAX]] : f32
// CHECK: arith.constant 1.44269502 : f32
// CHECK: nvvm.inline_ptx "ex2.approx.f32 $0, $1;" ro(%{{.*}} : f32) -> f32
// CHECK: %[[PICKS:.*]]:3 = scf.for {{.*}} -> (f32, index, f32) {
// CHECK: arith.divf %{{.*}}, %[[SUM]] : f32
// CHECK: arith.cmpf uno
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf olt
// CHECK: memref.store %{{.*}}, %[[KI]][%[[TOK]], %{{.*}}] : memref<?x2xi32>
// CHECK: scf.for
// CHECK: memref.load %[[KI]][%[[TOK]], %{{.*}}] : memref<?x2xi32>
// CHECK: arith.divf %{{.*}}, %[[PICKS]]#2 : f32
// CHECK: memref.store %{{.*}}, %[[KW]][%[[TOK]], %{{.*}}] : memref<?x2xf32>
// CHECK: gpu.return
// CHECK-NOT: gpu.func

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry route_softmax_e8_k2_renorm_lf32_wf32(
// PTX-SAME: .maxntid 128, 1, 1
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: ex2.approx.f32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: chip = "sm_90a"
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.route_softmax_e8_k2_renorm_lf32_wf32\00
func.func @mixtral(%l: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = samoyeds.route %l {top_k = 2, renormalize}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}
func.func @mixtral_static(%l: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %i = samoyeds.route %l {top_k = 2, renormalize}
             : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xf32>, tensor<16x2xi32>
}

// -----

// DeepSeek-V3 routing: sigmoid, bias, 8 groups keep 4, top-8, x2.5, bf16
// weights. The kernel name carries the whole configuration.

// CHECK-LABEL: func.func @deepseek_v3(
// CHECK-SAME: %[[L:[a-z0-9]+]]: tensor<?x64xf32>, %[[B:[a-z0-9]+]]: tensor<64xf32>)
// CHECK-DAG: %[[LB:.*]] = bufferization.to_buffer %[[L]] read_only : tensor<?x64xf32> to memref<?x64xf32>
// CHECK-DAG: %[[BB:.*]] = bufferization.to_buffer %[[B]] read_only : tensor<64xf32> to memref<64xf32>
// CHECK-DAG: %[[W:.*]] = memref.alloc(%{{.*}}) : memref<?x8xbf16>
// CHECK-DAG: %[[I:.*]] = memref.alloc(%{{.*}}) : memref<?x8xi32>
// CHECK-NOT: scf.if
// The bias is passed with a dynamic size and checked against E on the device.
// CHECK: %[[BD:.*]] = memref.cast %[[BB]] : memref<64xf32> to memref<?xf32>
// CHECK: gpu.launch_func @samoyeds_kernels::@route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16 {{.*}} args(%[[LB]] : memref<?x64xf32>, %[[BD]] : memref<?xf32>, %[[W]] : memref<?x8xbf16>, %[[I]] : memref<?x8xi32>)

// CHECK: gpu.func @route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16(%{{[a-z0-9]+}}: memref<?x64xf32>, %[[KB:[a-z0-9]+]]: memref<?xf32>, %{{[a-z0-9]+}}: memref<?x8xbf16>, %{{[a-z0-9]+}}: memref<?x8xi32>)
// CHECK: %[[NB:.*]] = memref.dim %[[KB]], %{{.*}} : memref<?xf32>
// CHECK: arith.cmpi ne, %[[NB]], %{{.*}} : index
// CHECK: llvm.intr.trap
// Group threshold: topk_group = 4 passes over the 8 groups, each scoring
// every group by its top two selection scores: sigmoid as
// 1 / (1 + ex2(-x * log2 e)), plus the bias.
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C4]] step
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C8]] step
// CHECK: arith.negf
// CHECK: nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// CHECK: arith.divf
// CHECK: memref.load %[[KB]][%{{.*}}] : memref<?xf32>
// CHECK: arith.constant 2.500000e+00 : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: gpu.return
// CHECK-NOT: math.

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16(
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: ex2.approx.f32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16\00
func.func @deepseek_v3(%l: tensor<?x64xf32>, %b: tensor<64xf32>)
    -> (tensor<?x8xbf16>, tensor<?x8xi32>) {
  %w, %i = samoyeds.route %l bias(%b : tensor<64xf32>)
             {top_k = 8, scoring = #samoyeds.scoring<sigmoid>, renormalize, n_group = 8,
              topk_group = 4, scaling_factor = 2.5 : f32}
             : tensor<?x64xf32> -> tensor<?x8xbf16>, tensor<?x8xi32>
  return %w, %i : tensor<?x8xbf16>, tensor<?x8xi32>
}

// -----

// Dispatch: per-chunk counts (one block of 32 threads per 256 flat ids),
// one block that scans them into offsets and writes the sentinels, then the
// per-chunk scatter. The per-(chunk, expert) counts are a host-side
// temporary freed after the last launch; the single-block scan is always
// launched (T = 0 still has a list of E * (tile - 1) sentinels).

// CHECK-LABEL: func.func @dispatch(
// CHECK-SAME: %[[IDS:[a-z0-9]+]]: tensor<?x2xi32>)
// CHECK: %[[IB:.*]] = bufferization.to_buffer %[[IDS]] read_only : tensor<?x2xi32> to memref<?x2xi32>
// CHECK: %[[T:.*]] = memref.dim %[[IB]], %{{.*}} : memref<?x2xi32>
// CHECK: %[[FLAT:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[C504:.*]] = arith.constant 504 : index
// CHECK: %[[LEN:.*]] = arith.addi %[[FLAT]], %[[C504]] : index
// CHECK: %[[LIST:.*]] = memref.alloc(%[[LEN]]) : memref<?xi32>
// CHECK: %[[OFF:.*]] = memref.alloc() : memref<9xi32>
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %[[FLAT]], %[[C256]] : index
// CHECK: %[[ROWS:.*]] = arith.addi %[[CHUNKS]], %{{.*}} : index
// CHECK: %[[HSIZE:.*]] = arith.muli %[[ROWS]], %{{.*}} : index
// CHECK: %[[HIST:.*]] = memref.alloc(%[[HSIZE]]) : memref<?xi32>
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_count blocks in (%[[CHUNKS]], %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>)
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK-NEXT: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan blocks in (%[[ONE]], %{{.*}}, %{{.*}}) threads in (%[[C32]], %{{.*}}, %{{.*}}) args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scatter blocks in (%[[CHUNKS]], %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>)
// CHECK-NEXT: memref.dealloc %[[HIST]] : memref<?xi32>
// CHECK-NEXT: %[[LT:.*]] = bufferization.to_tensor %[[LIST]] restrict writable : memref<?xi32> to tensor<?xi32>
// CHECK-NEXT: %[[OT:.*]] = bufferization.to_tensor %[[OFF]] restrict writable : memref<9xi32> to tensor<9xi32>
// CHECK-NEXT: return %[[LT]], %[[OT]]

// A static list (T = 16: 16 * 2 + 8 * 63 = 536 entries) shares the kernels.
// CHECK-LABEL: func.func @dispatch_static(
// CHECK: %[[SL:.*]] = memref.alloc() : memref<536xi32>
// CHECK: %[[SH:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK: %[[SIC:.*]] = memref.cast %{{.*}} : memref<16x2xi32> to memref<?x2xi32>
// CHECK: %[[SLC:.*]] = memref.cast %[[SL]] : memref<536xi32> to memref<?xi32>
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_count {{.*}} args(%[[SIC]] : memref<?x2xi32>, %[[SH]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan {{.*}} args(%[[SIC]] : memref<?x2xi32>, %[[SH]] : memref<?xi32>, %{{.*}} : memref<9xi32>, %[[SLC]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scatter
// CHECK: memref.dealloc %[[SH]] : memref<?xi32>

// Count: the chunk is staged in workgroup memory, an expert id outside
// [0, 8) traps, then each expert's thread counts its ids in the chunk.
// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @dispatch_e8_t64_k2_count(%[[CIDS:[a-z0-9]+]]: memref<?x2xi32>, %[[CH:[a-z0-9]+]]: memref<?xi32>) workgroup(%[[CS:[a-z0-9]+]] : memref<256xi32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: %[[ID:.*]] = memref.load %[[CIDS]][%{{.*}}, %{{.*}}] : memref<?x2xi32>
// CHECK-DAG: %[[HI:.*]] = arith.cmpi sge, %[[ID]], %{{.*}} : i32
// CHECK-DAG: %[[LO:.*]] = arith.cmpi slt, %[[ID]], %{{.*}} : i32
// CHECK: %[[BAD:.*]] = arith.ori %[[LO]], %[[HI]] : i1
// CHECK-NEXT: scf.if %[[BAD]] {
// CHECK-NEXT: llvm.intr.trap
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[ID]], %[[CS]][%{{.*}}] : memref<256xi32, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK: memref.load %[[CS]]
// CHECK: memref.store %{{.*}}, %[[CH]][%{{.*}}] : memref<?xi32>
// CHECK: gpu.return

// Scan: prefixes over the chunks, a barrier, thread 0's prefix over the
// padded counts (trapping on a list longer than 2^31 - 1), a barrier, the
// sentinels.
// CHECK: gpu.func @dispatch_e8_t64_k2_scan(%{{[a-z0-9]+}}: memref<?x2xi32>, %{{[a-z0-9]+}}: memref<?xi32>, %[[SOFF:[a-z0-9]+]]: memref<9xi32>, %[[SLIST:[a-z0-9]+]]: memref<?xi32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: %[[SENT:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: arith.ceildivui
// CHECK: memref.store %{{.*}}, %[[SOFF]][%{{.*}}] : memref<9xi32>
// CHECK: gpu.barrier
// CHECK: arith.constant 2147483647 : index
// CHECK: llvm.intr.trap
// CHECK: gpu.barrier
// CHECK: memref.store %[[SENT]], %[[SLIST]][%{{.*}}] : memref<?xi32>
// CHECK: memref.store %[[SENT]], %[[SLIST]][%{{.*}}] : memref<?xi32>
// CHECK: gpu.return

// Scatter: each expert's thread writes its ids of the chunk in ascending order.
// CHECK: gpu.func @dispatch_e8_t64_k2_scatter({{.*}}) workgroup(%{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} iter_args
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xi32>
// CHECK: gpu.return
// CHECK-NOT: gpu.func

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry dispatch_e8_t64_k2_count(
// PTX-SAME: .visible .entry dispatch_e8_t64_k2_scan(
// PTX-SAME: .visible .entry dispatch_e8_t64_k2_scatter(
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: .shared .align 4 .b8 __wg_dispatch_e8_t64_k2_count_0[1024];
// OPS-SAME: \09trap;
// OPS-SAME: \09bar.sync \090;
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.dispatch_e8_t64_k2_count\00
func.func @dispatch(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<9xi32>) {
  %l, %o = samoyeds.dispatch %ids {num_experts = 8, tile = 64}
             : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return %l, %o : tensor<?xi32>, tensor<9xi32>
}
func.func @dispatch_static(%ids: tensor<16x2xi32>) -> (tensor<536xi32>, tensor<9xi32>) {
  %l, %o = samoyeds.dispatch %ids {num_experts = 8, tile = 64}
             : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  return %l, %o : tensor<536xi32>, tensor<9xi32>
}

// -----

// Combine: the inverse map (flat id -> list entry) is a host-side temporary of
// max(T * k, 1) entries, freed after the gather.

// CHECK-LABEL: func.func @combine(
// CHECK-SAME: %[[R:[a-z0-9]+]]: tensor<?x256xf32>, %[[L:[a-z0-9]+]]: tensor<?xi32>, %[[WS:[a-z0-9]+]]: tensor<?x2xf32>)
// CHECK-DAG: %[[RB:.*]] = bufferization.to_buffer %[[R]] read_only : tensor<?x256xf32> to memref<?x256xf32>
// CHECK-DAG: %[[LB:.*]] = bufferization.to_buffer %[[L]] read_only : tensor<?xi32> to memref<?xi32>
// CHECK-DAG: %[[WB:.*]] = bufferization.to_buffer %[[WS]] read_only : tensor<?x2xf32> to memref<?x2xf32>
// CHECK: %[[T:.*]] = memref.dim %[[WB]], %{{.*}} : memref<?x2xf32>
// CHECK: %[[FLAT:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[OUT:.*]] = memref.alloc(%[[T]]) : memref<?x256xf32>
// CHECK: %[[N:.*]] = arith.maxui %[[FLAT]], %{{.*}} : index
// CHECK: %[[INV:.*]] = memref.alloc(%[[N]]) : memref<?xi32>
// CHECK: %[[G1:.*]] = arith.ceildivui %[[FLAT]], %{{.*}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_init blocks in (%[[G1]], {{.*}} args(%[[INV]] : memref<?xi32>)
// CHECK: %[[LEN:.*]] = memref.dim %[[LB]], %{{.*}} : memref<?xi32>
// CHECK: %[[G2:.*]] = arith.ceildivui %[[LEN]], %{{.*}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_scatter_k2_wf32 blocks in (%[[G2]], {{.*}} args(%[[LB]] : memref<?xi32>, %[[INV]] : memref<?xi32>, %[[WB]] : memref<?x2xf32>)
// CHECK: %[[TH:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[G3:.*]] = arith.ceildivui %[[TH]], %{{.*}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_gather_h256_k2_wf32_rf32_of32_weighted blocks in (%[[G3]], {{.*}} args(%[[RB]] : memref<?x256xf32>, %[[WB]] : memref<?x2xf32>, %[[INV]] : memref<?xi32>, %[[OUT]] : memref<?x256xf32>)
// CHECK-NEXT: memref.dealloc %[[INV]] : memref<?xi32>
// CHECK-NEXT: %[[RES:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<?x256xf32> to tensor<?x256xf32>
// CHECK-NEXT: return %[[RES]]

// Unweighted, bf16 rows and result: another gather kernel; the inverse-map
// kernels are shared.
// CHECK-LABEL: func.func @combine_bf16(
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_init
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_scatter_k2_wf32
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_gather_h128_k2_wf32_rbf16_obf16 {{.*}} args(%{{.*}} : memref<?x128xbf16>, %{{.*}} : memref<?x2xf32>, %{{.*}} : memref<?xi32>, %{{.*}} : memref<?x128xbf16>)
// CHECK: memref.dealloc

// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @combine_inv_init(%[[II:[a-z0-9]+]]: memref<?xi32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK: %[[M1:.*]] = arith.constant -1 : i32
// CHECK: memref.store %[[M1]], %[[II]][%{{.*}}] : memref<?xi32>

// The scatter: an atomic exchange; a previous value other than -1 means the
// flat id is listed twice: -2 marks it.
// CHECK: gpu.func @combine_inv_scatter_k2_wf32(%[[SL:[a-z0-9]+]]: memref<?xi32>, %[[SI:[a-z0-9]+]]: memref<?xi32>, %{{[a-z0-9]+}}: memref<?x2xf32>)
// CHECK: %[[OLD:.*]] = memref.atomic_rmw assign %{{.*}}, %[[SI]][%{{.*}}] : (i32, memref<?xi32>) -> i32
// CHECK: %[[DUP:.*]] = arith.cmpi ne, %[[OLD]], %{{.*}} : i32
// CHECK: scf.if %[[DUP]] {
// CHECK: %[[M2:.*]] = arith.constant -2 : i32
// CHECK: memref.atomic_rmw assign %[[M2]], %[[SI]][%{{.*}}] : (i32, memref<?xi32>) -> i32

// The gather: slots in order, weight times row, NaN for a duplicated slot.
// CHECK: gpu.func @combine_gather_h256_k2_wf32_rf32_of32_weighted(%[[GR:[a-z0-9]+]]: memref<?x256xf32>, %[[GW:[a-z0-9]+]]: memref<?x2xf32>, %[[GI:[a-z0-9]+]]: memref<?xi32>, %[[GO:[a-z0-9]+]]: memref<?x256xf32>)
// CHECK: %[[ACC:.*]]:2 = scf.for {{.*}} -> (f32, i1) {
// CHECK: memref.load %[[GI]][%{{.*}}] : memref<?xi32>
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: memref.load %[[GR]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// CHECK: memref.load %[[GW]][%{{.*}}, %{{.*}}] : memref<?x2xf32>
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: %[[V:.*]] = arith.select %[[ACC]]#1, %[[NAN]], %[[ACC]]#0 : f32
// CHECK: memref.store %[[V]], %[[GO]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// CHECK: gpu.func @combine_gather_h128_k2_wf32_rbf16_obf16(
// CHECK-NOT: memref.load %{{.*}} : memref<?x2xf32>
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: gpu.return

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry combine_inv_init(
// PTX-SAME: .visible .entry combine_inv_scatter_k2_wf32(
// PTX-SAME: .visible .entry combine_gather_h256_k2_wf32_rf32_of32_weighted(
// PTX-SAME: .visible .entry combine_gather_h128_k2_wf32_rbf16_obf16(
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: atom.global.exch.b32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.combine_inv_scatter_k2_wf32\00
func.func @combine(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>)
    -> tensor<?x256xf32> {
  %y = samoyeds.combine %r, %l, %w {weighted}
         : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}
func.func @combine_bf16(%r: tensor<536x128xbf16>, %l: tensor<536xi32>, %w: tensor<16x2xf32>)
    -> tensor<16x128xbf16> {
  %y = samoyeds.combine %r, %l, %w
         : tensor<536x128xbf16>, tensor<536xi32>, tensor<16x2xf32> -> tensor<16x128xbf16>
  return %y : tensor<16x128xbf16>
}
