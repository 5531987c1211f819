// The kernels and launches that convert-samoyeds-to-gpu generates for the
// routing ops (lib/Conversion/SamoyedsToGPU/RoutingKernels.cpp, docs/kernel.md
// "Routing kernels"): route (one warp per token without groups and for
// E <= 256, else one thread per token), dispatch (count / scan / scatter),
// combine (inverse map init / scatter, gather). Then what reaches PTX
// (format=isa: every kernel's .entry, no libdevice call) and, where ptxas is
// installed, a cubin (format=bin). The device check is
// test/Integration/GPU/routing_check.py.
//
// The checks state facts rather than the emitter's op order: values are tied
// by SSA names (the launch grid is the ceildiv of the token count, the
// comparison reads the loop's running best), the loop structure is checked by
// its trip counts and carried types, and what must happen a fixed number of
// times per kernel (barriers, traps, atomics, shuffles, stores of the
// results) is counted per gpu.func by its own prefix:
//   CHECK  host side and kernel bodies   BAR  barriers, traps, atomics, shuffles
// RUN: samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu -o %t.ir
// RUN: FileCheck %s --input-file=%t.ir --implicit-check-not=samoyeds.
// RUN: FileCheck %s --input-file=%t.ir --check-prefix=BAR
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa" -o %t
// RUN: FileCheck %s --input-file=%t --check-prefix=PTX --implicit-check-not=__nv_
// RUN: FileCheck %s --input-file=%t --check-prefix=OPS
// RUN: %if ptxas %{ samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}

// Mixtral routing (n_group = 1, E = 8): the warp-per-token kernel. A static
// token count is cast to the dynamic kernel signature, so both functions
// launch the same kernel. No samoyeds op survives (--implicit-check-not on
// the RUN line); the module holds kernels. Grid ceildiv(T, 4) x 1 x 1 (4
// warps of a 128-thread block, a token each); no host guard.

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @mixtral(
// CHECK-SAME: %[[LB:[a-z0-9]+]]: memref<?x8xf32>)
// The outs buffers (bufferization's, of the function's sizes) are what the
// kernel writes and the function returns.
// CHECK-DAG: %[[W:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x2xf32>
// CHECK-DAG: %[[I:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x2xi32>
// CHECK: %[[T:.*]] = memref.dim %[[LB]], %{{.*}} : memref<?x8xf32>
// CHECK: %[[GRID:.*]] = arith.ceildivui %[[T]], %c4{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e8_k2_renorm_lf32_wf32_warp blocks in (%[[GRID]], %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) threads in (%c128{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) args(%[[LB]] : memref<?x8xf32>, %[[W]] : memref<?x2xf32>, %[[I]] : memref<?x2xi32>)
// CHECK: return %[[W]], %[[I]]

// CHECK-LABEL: func.func @mixtral_static(
// CHECK-SAME: %[[SLB:[a-z0-9]+]]: memref<16x8xf32>)
// CHECK-DAG: %[[SW:.*]] = memref.alloc() {{.*}}: memref<16x2xf32>
// CHECK-DAG: %[[SI:.*]] = memref.alloc() {{.*}}: memref<16x2xi32>
// CHECK-DAG: %[[CL:.*]] = memref.cast %[[SLB]] : memref<16x8xf32> to memref<?x8xf32>
// CHECK-DAG: %[[CW:.*]] = memref.cast %[[SW]] : memref<16x2xf32> to memref<?x2xf32>
// CHECK-DAG: %[[CI:.*]] = memref.cast %[[SI]] : memref<16x2xi32> to memref<?x2xi32>
// CHECK-DAG: %[[SGRID:.*]] = arith.ceildivui %c16{{(_[0-9]+)?}}, %c4{{(_[0-9]+)?}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e8_k2_renorm_lf32_wf32_warp blocks in (%[[SGRID]], {{.*}} args(%[[CL]] : memref<?x8xf32>, %[[CW]] : memref<?x2xf32>, %[[CI]] : memref<?x2xi32>)
// CHECK: return %[[SW]], %[[SI]] : memref<16x2xf32>, memref<16x2xi32>

// The kernel: warp w = tx / 32 of block bx handles token bx * 4 + w, the
// whole warp inside one branch (the shuffles need its 32 lanes). Lane l owns
// expert l; lanes 8..31 own none (they load expert 7, count as -inf in the
// max and never take part in a pick).
// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @route_softmax_e8_k2_renorm_lf32_wf32_warp(%[[KL:[a-z0-9]+]]: memref<?x8xf32>, %[[KW:[a-z0-9]+]]: memref<?x2xf32>, %[[KI:[a-z0-9]+]]: memref<?x2xi32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK-DAG: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[LANE:.*]] = arith.remui %[[TID]], %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[WARP:.*]] = arith.divui %[[TID]], %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[BID:.*]] = gpu.block_id x
// CHECK-DAG: %[[BASE:.*]] = arith.muli %[[BID]], %c4{{(_[0-9]+)?}} : index
// CHECK: %[[TOK:.*]] = arith.addi %[[BASE]], %[[WARP]] : index
// CHECK: %[[NT:.*]] = memref.dim %[[KL]], %{{.*}} : memref<?x8xf32>
// CHECK: llvm.intr.trap
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[TOK]], %[[NT]] : index
// CHECK: scf.if %[[IN]] {
// CHECK-DAG: %[[OWN:.*]] = arith.cmpi ult, %[[LANE]], %c8{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[AT:.*]] = arith.minui %[[LANE]], %c7{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[ID:.*]] = arith.index_cast %[[LANE]] : index to i32
// CHECK: %[[X:.*]] = memref.load %[[KL]][%[[TOK]], %[[AT]]] : memref<?x8xf32>
// CHECK: %[[XM:.*]] = arith.select %[[OWN]], %[[X]], %{{.*}} : f32
// CHECK: %[[M0:.*]] = arith.maximumf %{{.*}}, %[[XM]] : f32
// The softmax max: a butterfly of xor shuffles (max is exact in any order).
// CHECK: %[[S16:.*]], %{{.*}} = gpu.shuffle xor %[[M0]], %c16_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[M1:.*]] = arith.maximumf %[[M0]], %[[S16]] : f32
// CHECK: gpu.shuffle xor %[[M1]], %c8_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c4_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32
// CHECK: %[[S1:.*]], %{{.*}} = gpu.shuffle xor %{{.*}}, %c1_i32
// CHECK: %[[MX:.*]] = arith.maximumf %{{.*}}, %[[S1]] : f32
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[MX]] : f32
// CHECK: %[[Y:.*]] = arith.mulf %[[D]], %{{.*}} : f32
// CHECK: %[[EX:.*]] = nvvm.inline_ptx "ex2.approx.f32 $0, $1;" ro(%[[Y]] : f32) -> f32
// The sum in expert order, as the thread-per-token kernel adds it: expert
// e's exponential broadcast from lane e, added by every lane.
// CHECK: %[[B0:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c0_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A0:.*]] = arith.addf %{{.*}}, %[[B0]] : f32
// CHECK: %[[B1:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c1_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A1:.*]] = arith.addf %[[A0]], %[[B1]] : f32
// CHECK: %[[B2:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c2_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A2:.*]] = arith.addf %[[A1]], %[[B2]] : f32
// CHECK: %[[B3:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c3_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A3:.*]] = arith.addf %[[A2]], %[[B3]] : f32
// CHECK: %[[B4:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c4_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A4:.*]] = arith.addf %[[A3]], %[[B4]] : f32
// CHECK: %[[B5:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c5_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A5:.*]] = arith.addf %[[A4]], %[[B5]] : f32
// CHECK: %[[B6:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c6_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[A6:.*]] = arith.addf %[[A5]], %[[B6]] : f32
// CHECK: %[[B7:.*]], %{{.*}} = gpu.shuffle idx %[[EX]], %c7_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[A6]], %[[B7]] : f32
// CHECK: %[[P:.*]] = arith.divf %[[EX]], %[[SUM]] : f32
// CHECK: %[[ISNAN:.*]] = arith.cmpf uno, %[[P]], %[[P]] : f32
// CHECK: %[[KEY:.*]] = arith.select %[[ISNAN]], %{{.*}}, %[[P]] : f32
// k = 2 passes: the previous pick (key, expert), the sum of the picks, and
// this lane's pick (expert, probability): lane j keeps pick j.
// CHECK: %[[PICKS:.*]]:5 = scf.for %[[J:[a-z0-9]+]] = %{{.*}} to %c2{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[PK:[a-z0-9]+]] = %{{.*}}, %[[PE:[a-z0-9]+]] = %c-1_i32{{(_[0-9]+)?}}, %[[PS:[a-z0-9]+]] = %{{.*}}, %[[ME:[a-z0-9]+]] = %c-1_i32{{(_[0-9]+)?}}, %[[MW:[a-z0-9]+]] = %{{.*}}) -> (f32, i32, f32, i32, f32) {
// The lane's candidate: its own expert if it comes strictly after the
// previous pick in the order (key descending, expert ascending).
// CHECK-DAG: arith.cmpi sgt, %[[ID]], %[[PE]] : i32
// CHECK-DAG: arith.cmpf oeq, %[[KEY]], %[[PK]] : f32
// CHECK-DAG: arith.cmpf olt, %[[KEY]], %[[PK]] : f32
// CHECK: %[[TAKE:.*]] = arith.andi %[[OWN]], %{{.*}} : i1
// CHECK: %[[LK:.*]] = arith.select %[[TAKE]], %[[KEY]], %{{.*}} : f32
// CHECK: %[[LE:.*]] = arith.select %[[TAKE]], %[[ID]], %c-1_i32{{(_[0-9]+)?}} : i32
// CHECK: %[[LS:.*]] = arith.select %[[TAKE]], %[[P]], %{{.*}} : f32
// The warp's best: 5 xor steps exchanging (key, expert, probability); the
// other lane's candidate wins if it is an expert and this lane's is none or
// comes after it.
// CHECK: %[[OK:.*]], %{{.*}} = gpu.shuffle xor %[[LK]], %c16_i32{{(_[0-9]+)?}}, %{{.*}} : f32
// CHECK: %[[OE:.*]], %{{.*}} = gpu.shuffle xor %[[LE]], %c16_i32{{(_[0-9]+)?}}, %{{.*}} : i32
// CHECK: %[[OS:.*]], %{{.*}} = gpu.shuffle xor %[[LS]], %c16_i32{{(_[0-9]+)?}}, %{{.*}} : f32
// CHECK-DAG: arith.cmpi sgt, %[[LE]], %[[OE]] : i32
// CHECK-DAG: arith.cmpf oeq, %[[LK]], %[[OK]] : f32
// CHECK-DAG: arith.cmpf olt, %[[LK]], %[[OK]] : f32
// CHECK-DAG: arith.cmpi slt, %[[LE]], %c0_i32{{(_[0-9]+)?}} : i32
// CHECK-DAG: %[[REAL:.*]] = arith.cmpi sge, %[[OE]], %c0_i32{{(_[0-9]+)?}} : i32
// CHECK: %[[BETTER:.*]] = arith.andi %[[REAL]], %{{.*}} : i1
// CHECK: arith.select %[[BETTER]], %[[OK]], %[[LK]] : f32
// CHECK: arith.select %[[BETTER]], %[[OE]], %[[LE]] : i32
// CHECK: arith.select %[[BETTER]], %[[OS]], %[[LS]] : f32
// CHECK-COUNT-3: gpu.shuffle xor %{{.*}}, %c8_i32
// CHECK-COUNT-3: gpu.shuffle xor %{{.*}}, %c4_i32
// CHECK-COUNT-3: gpu.shuffle xor %{{.*}}, %c2_i32
// CHECK-COUNT-3: gpu.shuffle xor %{{.*}}, %c1_i32
// CHECK: %[[FK:.*]] = arith.select %[[LAST:[a-z0-9_]+]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[FE:.*]] = arith.select %[[LAST]], %{{.*}}, %{{.*}} : i32
// CHECK: %[[FS:.*]] = arith.select %[[LAST]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[TOT:.*]] = arith.addf %[[PS]], %[[FS]] : f32
// CHECK: %[[MINE:.*]] = arith.cmpi eq, %[[J]], %[[LANE]] : index
// CHECK: %[[ME1:.*]] = arith.select %[[MINE]], %[[FE]], %[[ME]] : i32
// CHECK: %[[MW1:.*]] = arith.select %[[MINE]], %[[FS]], %[[MW]] : f32
// CHECK: scf.yield %[[FK]], %[[FE]], %[[TOT]], %[[ME1]], %[[MW1]] : f32, i32, f32, i32, f32
// Lanes 0 and 1 store their pick: the expert, and its probability
// renormalised by the sum of the picks.
// CHECK: %[[ST:.*]] = arith.cmpi ult, %[[LANE]], %c2{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[ST]] {
// CHECK: memref.store %[[PICKS]]#3, %[[KI]][%[[TOK]], %[[LANE]]] : memref<?x2xi32>
// CHECK: %[[RW:.*]] = arith.divf %[[PICKS]]#4, %[[PICKS]]#2 : f32
// CHECK: memref.store %[[RW]], %[[KW]][%[[TOK]], %[[LANE]]] : memref<?x2xf32>
// CHECK: gpu.return
// CHECK-NOT: gpu.func

// No shared memory, no barrier; the only trap is the check that the results
// have T rows. Shuffles: 5 for the max, E = 8 broadcasts for the sum, and a
// pass's 5 steps x 3 values (the pass loop is not unrolled).
// BAR-LABEL: gpu.func @route_softmax_e8_k2_renorm_lf32_wf32_warp(
// BAR-NOT: gpu.barrier
// BAR-COUNT-1: llvm.intr.trap
// BAR-NOT: gpu.shuffle
// BAR-COUNT-5: gpu.shuffle xor
// BAR-NOT: gpu.shuffle xor
// BAR-COUNT-8: gpu.shuffle idx
// BAR-NOT: gpu.shuffle idx
// BAR-COUNT-15: gpu.shuffle xor
// BAR-NOT: gpu.shuffle
// BAR-NOT: gpu.barrier
// BAR-NOT: llvm.intr.trap
// BAR: gpu.return

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry route_softmax_e8_k2_renorm_lf32_wf32_warp(
// PTX-SAME: .maxntid 128, 1, 1
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: shfl.sync.bfly.b32
// OPS-SAME: ex2.approx.f32
// OPS-SAME: shfl.sync.idx.b32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: chip = "sm_90a"
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.route_softmax_e8_k2_renorm_lf32_wf32_warp\00
func.func @mixtral(%l: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?x8xf32>
  %init1_0 = tensor.empty(%d2d1_1) : tensor<?x2xf32>
  %init1_1 = tensor.empty(%d2d1_1) : tensor<?x2xi32>
  %w, %i = samoyeds.route %l outs(%init1_0, %init1_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, renormalize}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}
func.func @mixtral_static(%l: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %init2_0 = tensor.empty() : tensor<16x2xf32>
  %init2_1 = tensor.empty() : tensor<16x2xi32>
  %w, %i = samoyeds.route %l outs(%init2_0, %init2_1 : tensor<16x2xf32>, tensor<16x2xi32>) {top_k = 2, renormalize}
             : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xf32>, tensor<16x2xi32>
}

// -----

// More experts than the warp kernel keeps in registers (E = 300 > 256): the
// thread-per-token kernel, grid ceildiv(T, 128), no shuffle.
// CHECK-LABEL: func.func @many_experts(
// CHECK: memref.alloc(%{{.*}}) {{.*}}: memref<?x2xi32>
// CHECK: %[[T:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x300xf32>
// CHECK: %[[GRID:.*]] = arith.ceildivui %[[T]], %c128{{(_[0-9]+)?}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e300_k2_renorm_lf32_wf32 blocks in (%[[GRID]], %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) threads in (%c128{{(_[0-9]+)?}},

// The kernel: thread t = bx * 128 + tx handles token t < T alone. Softmax
// statistics over the 300 experts (the max, then the sum of ex2-based
// exponentials of l - max); then k = 2 passes, each a scan over the experts
// for the best one strictly after the previous pick in the order (key
// descending, expert ascending; a NaN key is -inf), storing its index and
// adding its probability to the sum of the picks; then the weights, each
// probability renormalised by that sum.
// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @route_softmax_e300_k2_renorm_lf32_wf32(%[[KL:[a-z0-9]+]]: memref<?x300xf32>, %[[KW:[a-z0-9]+]]: memref<?x2xf32>, %[[KI:[a-z0-9]+]]: memref<?x2xi32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK-DAG: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[BID:.*]] = gpu.block_id x
// CHECK-DAG: %[[BASE:.*]] = arith.muli %[[BID]], %c128{{(_[0-9]+)?}} : index
// CHECK: %[[TOK:.*]] = arith.addi %[[BASE]], %[[TID]] : index
// CHECK: %[[NT:.*]] = memref.dim %[[KL]], %{{.*}} : memref<?x300xf32>
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[TOK]], %[[NT]] : index
// CHECK: scf.if %[[IN]] {
// CHECK: %[[MAX:.*]] = scf.for %[[E:[a-z0-9]+]] = %{{.*}} to %c300{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[M:[a-z0-9]+]] = %{{.*}}) -> (f32) {
// CHECK: %[[X:.*]] = memref.load %[[KL]][%[[TOK]], %[[E]]] : memref<?x300xf32>
// CHECK: arith.maximumf %[[M]], %[[X]] : f32
// CHECK: %[[SUM:.*]] = scf.for %[[E2:[a-z0-9]+]] = %{{.*}} to %c300{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}}) -> (f32) {
// CHECK: %[[X2:.*]] = memref.load %[[KL]][%[[TOK]], %[[E2]]] : memref<?x300xf32>
// CHECK: %[[D:.*]] = arith.subf %[[X2]], %[[MAX]] : f32
// CHECK: %[[Y:.*]] = arith.mulf %[[D]], %{{.*}} : f32
// CHECK: %[[EX:.*]] = nvvm.inline_ptx "ex2.approx.f32 $0, $1;" ro(%[[Y]] : f32) -> f32
// CHECK: arith.addf %[[ACC]], %[[EX]] : f32
// The picks: (key, expert) of the previous pick and the sum of the picks.
// CHECK: %[[PICKS:.*]]:3 = scf.for %[[J:[a-z0-9]+]] = %{{.*}} to %c2{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[PK:[a-z0-9]+]] = %{{.*}}, %[[PE:[a-z0-9]+]] = %c-1{{(_[0-9]+)?}}, %[[PS:[a-z0-9]+]] = %{{.*}}) -> (f32, index, f32) {
// CHECK: %[[BEST:.*]]:2 = scf.for %[[E3:[a-z0-9]+]] = %{{.*}} to %c300{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[BK:[a-z0-9]+]] = %{{.*}}, %[[BE:[a-z0-9]+]] = %c-1{{(_[0-9]+)?}}) -> (f32, index) {
// CHECK: %[[S:.*]] = arith.divf %{{.*}}, %[[SUM]] : f32
// CHECK: %[[ISNAN:.*]] = arith.cmpf uno, %[[S]], %[[S]] : f32
// CHECK: %[[KEY:.*]] = arith.select %[[ISNAN]], %{{.*}}, %[[S]] : f32
// CHECK-DAG: arith.cmpf ogt, %[[KEY]], %[[BK]] : f32
// CHECK-DAG: arith.cmpi slt, %[[BE]], %c0{{(_[0-9]+)?}} : index
// CHECK-DAG: arith.cmpi sgt, %[[E3]], %[[PE]] : index
// CHECK-DAG: arith.cmpf oeq, %[[KEY]], %[[PK]] : f32
// CHECK-DAG: arith.cmpf olt, %[[KEY]], %[[PK]] : f32
// CHECK: %[[NK:.*]] = arith.select %[[TAKE:[a-z0-9_]+]], %[[KEY]], %[[BK]] : f32
// CHECK: %[[NE:.*]] = arith.select %[[TAKE]], %[[E3]], %[[BE]] : index
// CHECK: scf.yield %[[NK]], %[[NE]] : f32, index
// CHECK: %[[IDX:.*]] = arith.index_cast %[[BEST]]#1 : index to i32
// CHECK: memref.store %[[IDX]], %[[KI]][%[[TOK]], %[[J]]] : memref<?x2xi32>
// CHECK: %[[PROB:.*]] = arith.divf %{{.*}}, %[[SUM]] : f32
// CHECK: %[[PS1:.*]] = arith.addf %[[PS]], %[[PROB]] : f32
// CHECK: scf.yield %[[BEST]]#0, %[[BEST]]#1, %[[PS1]] : f32, index, f32
// CHECK: scf.for %[[J2:[a-z0-9]+]] = %{{.*}} to %c2{{(_[0-9]+)?}} step
// CHECK: memref.load %[[KI]][%[[TOK]], %[[J2]]] : memref<?x2xi32>
// CHECK: %[[RW:.*]] = arith.divf %{{.*}}, %[[PICKS]]#2 : f32
// CHECK: memref.store %[[RW]], %[[KW]][%[[TOK]], %[[J2]]] : memref<?x2xf32>
// CHECK: gpu.return
// CHECK-NOT: gpu.func

// One thread per token, no shared memory: no barrier, no shuffle; the only trap is the
// check that the results have T rows.
// BAR-LABEL: gpu.func @route_softmax_e300_k2_renorm_lf32_wf32(
// BAR-NOT: gpu.barrier
// BAR-NOT: gpu.shuffle
// BAR-COUNT-1: llvm.intr.trap
// BAR-NOT: gpu.barrier
// BAR-NOT: gpu.shuffle
// BAR-NOT: llvm.intr.trap
// BAR: gpu.return

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry route_softmax_e300_k2_renorm_lf32_wf32(
// PTX-SAME: .maxntid 128, 1, 1
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: ex2.approx.f32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: chip = "sm_90a"
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.route_softmax_e300_k2_renorm_lf32_wf32\00
func.func @many_experts(%l: tensor<?x300xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?x300xf32>
  %init3_0 = tensor.empty(%d2d1_3) : tensor<?x2xf32>
  %init3_1 = tensor.empty(%d2d1_3) : tensor<?x2xi32>
  %w, %i = samoyeds.route %l outs(%init3_0, %init3_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, renormalize}
             : tensor<?x300xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----
// DeepSeek-V3 routing: sigmoid, bias, 8 groups keep 4, top-8, x2.5, bf16
// weights. The kernel name carries the whole configuration. Group-limited
// routing keeps the thread-per-token kernel (no _warp suffix, grid
// ceildiv(T, 128), no shuffle).

// CHECK-LABEL: func.func @deepseek_v3(
// CHECK-SAME: %[[LB:[a-z0-9]+]]: memref<?x64xf32>, %[[BB:[a-z0-9]+]]: memref<64xf32>)
// CHECK-DAG: %[[W:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x8xbf16>
// CHECK-DAG: %[[I:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x8xi32>
// The bias is passed with a dynamic size and checked against E on the device.
// CHECK-DAG: %[[BD:.*]] = memref.cast %[[BB]] : memref<64xf32> to memref<?xf32>
// CHECK-DAG: %[[GRID:.*]] = arith.ceildivui %{{.*}}, %c128{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16 blocks in (%[[GRID]], {{.*}} args(%[[LB]] : memref<?x64xf32>, %[[BD]] : memref<?xf32>, %[[W]] : memref<?x8xbf16>, %[[I]] : memref<?x8xi32>)

// CHECK: gpu.func @route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16(%[[KL:[a-z0-9]+]]: memref<?x64xf32>, %[[KB:[a-z0-9]+]]: memref<?xf32>, %[[KW:[a-z0-9]+]]: memref<?x8xbf16>, %[[KI:[a-z0-9]+]]: memref<?x8xi32>)
// CHECK: %[[NB:.*]] = memref.dim %[[KB]], %{{.*}} : memref<?xf32>
// CHECK: %[[BADB:.*]] = arith.cmpi ne, %[[NB]], %c64{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[BADB]] {
// CHECK-NEXT: llvm.intr.trap
// Group threshold: topk_group = 4 passes over the 8 groups, each scoring
// every group (experts 8 g .. 8 g + 7) by its top two selection scores:
// sigmoid as 1 / (1 + ex2(-x * log2 e)), plus the bias.
// CHECK: %[[THR:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %c4{{(_[0-9]+)?}} step %{{.*}} -> (f32, index) {
// CHECK: scf.for %[[G:[a-z0-9]+]] = %{{.*}} to %c8{{(_[0-9]+)?}} step %{{.*}} -> (f32, index) {
// CHECK: %[[G0:.*]] = arith.muli %[[G]], %c8{{(_[0-9]+)?}} : index
// CHECK: %[[G1:.*]] = arith.addi %[[G0]], %c8{{(_[0-9]+)?}} : index
// CHECK: scf.for %[[E:[a-z0-9]+]] = %[[G0]] to %[[G1]] step %{{.*}} -> (f32, f32) {
// CHECK: %[[X:.*]] = memref.load %[[KL]][%{{.*}}, %[[E]]] : memref<?x64xf32>
// CHECK: %[[NX:.*]] = arith.negf %[[X]] : f32
// CHECK: %[[ARG:.*]] = arith.mulf %[[NX]], %{{.*}} : f32
// CHECK: %[[EX:.*]] = nvvm.inline_ptx "ex2.approx.f32 $0, $1;" ro(%[[ARG]] : f32) -> f32
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EX]] : f32
// CHECK: %[[SIG:.*]] = arith.divf %{{.*}}, %[[DEN]] : f32
// CHECK: %[[BIAS:.*]] = memref.load %[[KB]][%[[E]]] : memref<?xf32>
// CHECK: arith.addf %[[SIG]], %[[BIAS]] : f32
// A group is kept when its score beats the threshold (key, group) of the
// last of the 4 passes: key greater, or equal and group index not greater.
// CHECK: arith.cmpi sle, %{{.*}}, %[[THR]]#1 : index
// CHECK: arith.cmpf oeq, %{{.*}}, %[[THR]]#0 : f32
// CHECK: arith.cmpf ogt, %{{.*}}, %[[THR]]#0 : f32
// The 8 picks, their indices stored; the weights: sigmoid / sum of the picks
// x 2.5, converted to bf16.
// CHECK: memref.store %{{.*}}, %[[KI]][%{{.*}}, %{{.*}}] : memref<?x8xi32>
// CHECK: scf.for %[[J:[a-z0-9]+]] = %{{.*}} to %c8{{(_[0-9]+)?}} step
// CHECK: %[[RW:.*]] = arith.divf %{{.*}}, %{{.*}}#2 : f32
// CHECK-DAG: %[[SF:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-DAG: %[[SC:.*]] = arith.mulf %[[RW]], %[[SF]] : f32
// CHECK: %[[WB:.*]] = arith.truncf %[[SC]] : f32 to bf16
// CHECK: memref.store %[[WB]], %[[KW]][%{{.*}}, %[[J]]] : memref<?x8xbf16>
// CHECK: gpu.return
// CHECK-NOT: math.

// Two traps: the results' rows and the bias' size; no shuffle.
// BAR-LABEL: gpu.func @route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16(
// BAR-NOT: gpu.barrier
// BAR-NOT: gpu.shuffle
// BAR-COUNT-2: llvm.intr.trap
// BAR-NOT: gpu.barrier
// BAR-NOT: gpu.shuffle
// BAR-NOT: llvm.intr.trap
// BAR: gpu.return

// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16(
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: ex2.approx.f32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.route_sigmoid_e64_k8_g8x4_renorm_s2p5_lf32_bf32_wbf16\00
func.func @deepseek_v3(%l: tensor<?x64xf32>, %b: tensor<64xf32>)
    -> (tensor<?x8xbf16>, tensor<?x8xi32>) {
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?x64xf32>
  %init4_0 = tensor.empty(%d2d1_4) : tensor<?x8xbf16>
  %init4_1 = tensor.empty(%d2d1_4) : tensor<?x8xi32>
  %w, %i = samoyeds.route %l bias(%b : tensor<64xf32>) outs(%init4_0, %init4_1 : tensor<?x8xbf16>, tensor<?x8xi32>)
             {top_k = 8, scoring = #samoyeds.scoring<sigmoid>, renormalize, n_group = 8,
              topk_group = 4, scaling_factor = 2.5 : f32}
             : tensor<?x64xf32> -> tensor<?x8xbf16>, tensor<?x8xi32>
  return %w, %i : tensor<?x8xbf16>, tensor<?x8xi32>
}

// -----

// Three more warp kernels: the host launches them in order, then the module
// holds them.
// CHECK-LABEL: func.func @qwen(
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e60_k4_lbf16_wf32_warp
// CHECK-LABEL: func.func @deepseek_moe(
// CHECK: %[[DGRID:.*]] = arith.ceildivui %{{.*}}, %c4{{(_[0-9]+)?}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@route_softmax_e64_k6_lf32_wf32_warp blocks in (%[[DGRID]],
// CHECK-LABEL: func.func @sigmoid_bias(
// CHECK: gpu.launch_func @samoyeds_kernels::@route_sigmoid_e40_k36_s2_lf32_bf32_wf32_warp
// CHECK-LABEL: gpu.module @samoyeds_kernels

// The warp kernel for E not a multiple of 32 (Qwen2-MoE: E = 60, top-4, bf16
// logits): lane l owns experts l and l + 32; the second exists for lanes
// l < 28 only, so it alone is guarded (its load clamped to expert 59, -inf in
// the max, never picked). The sum broadcasts experts 0..59 in order: 60 idx
// shuffles.
// CHECK: gpu.func @route_softmax_e60_k4_lbf16_wf32_warp(%[[QL:[a-z0-9]+]]: memref<?x60xbf16>,
// CHECK-DAG: %[[QTID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[QLANE:.*]] = arith.remui %[[QTID]], %c32{{(_[0-9]+)?}} : index
// CHECK: scf.if
// CHECK-NOT: arith.minui
// CHECK: %[[QE1:.*]] = arith.addi %[[QLANE]], %c32{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[QOWN:.*]] = arith.cmpi ult, %[[QE1]], %c60{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[QAT:.*]] = arith.minui %[[QE1]], %c59{{(_[0-9]+)?}} : index
// CHECK: %[[QX0:.*]] = memref.load %[[QL]][%{{.*}}, %[[QLANE]]] : memref<?x60xbf16>
// CHECK: %[[QX1:.*]] = memref.load %[[QL]][%{{.*}}, %[[QAT]]] : memref<?x60xbf16>
// CHECK: %[[QF1:.*]] = arith.extf %[[QX1]] : bf16 to f32
// CHECK: arith.select %[[QOWN]], %[[QF1]], %{{.*}} : f32
// CHECK: gpu.shuffle idx %{{.*}}, %c27_i32
// CHECK: gpu.shuffle idx %{{.*}}, %c31_i32
// The second register: lanes 0..27 hold experts 32..59.
// CHECK: gpu.shuffle idx %[[QEX1:[a-z0-9_]+]], %c0_i32
// CHECK: gpu.shuffle idx %[[QEX1]], %c27_i32
// CHECK-NOT: gpu.shuffle idx
// CHECK: scf.for {{.*}} -> (f32, i32, f32, i32, f32) {
// Only the guarded expert's take is masked.
// CHECK: arith.andi %[[QOWN]], %{{.*}} : i1
// CHECK: scf.yield
// CHECK: gpu.return
// BAR-LABEL: gpu.func @route_softmax_e60_k4_lbf16_wf32_warp(
// BAR-COUNT-1: llvm.intr.trap
// BAR-COUNT-5: gpu.shuffle xor
// BAR-NOT: gpu.shuffle xor
// BAR-COUNT-60: gpu.shuffle idx
// BAR-NOT: gpu.shuffle idx
// BAR-COUNT-15: gpu.shuffle xor
// BAR-NOT: gpu.shuffle
// BAR: gpu.return
// PTX-LABEL: gpu.binary @samoyeds_kernels
// PTX-SAME: .visible .entry route_softmax_e60_k4_lbf16_wf32_warp(
// PTX-SAME: .visible .entry route_softmax_e64_k6_lf32_wf32_warp(
// PTX-SAME: .visible .entry route_sigmoid_e40_k36_s2_lf32_bf32_wf32_warp(
// OPS-LABEL: gpu.binary @samoyeds_kernels
// OPS-SAME: shfl.sync.idx.b32
// BIN-LABEL: gpu.binary @samoyeds_kernels
// BIN-SAME: bin = "\7FELF
// BIN-SAME: .text.route_sigmoid_e40_k36_s2_lf32_bf32_wf32_warp\00
func.func @qwen(%l: tensor<?x60xbf16>) -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %l, %d2c0_5 : tensor<?x60xbf16>
  %init5_0 = tensor.empty(%d2d1_5) : tensor<?x4xf32>
  %init5_1 = tensor.empty(%d2d1_5) : tensor<?x4xi32>
  %w, %i = samoyeds.route %l outs(%init5_0, %init5_1 : tensor<?x4xf32>, tensor<?x4xi32>) {top_k = 4}
             : tensor<?x60xbf16> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// DeepSeek-MoE: E = 64, top-6, no renormalisation: two registers per lane,
// both always present (no guard, no clamp); 64 broadcasts for the sum;
// the weights are the probabilities of the picks as they are.
// CHECK: gpu.func @route_softmax_e64_k6_lf32_wf32_warp(
// CHECK-NOT: arith.minui
// CHECK: scf.for {{.*}} -> (f32, i32, f32, i32, f32) {
// CHECK-NOT: arith.minui
// CHECK: scf.yield
// CHECK: %[[DJ:.*]] = arith.cmpi ult, %{{.*}}, %c6{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[DJ]] {
// CHECK-NEXT: memref.store %{{.*}} : memref<?x6xi32>
// CHECK-NEXT: memref.store %{{.*}} : memref<?x6xf32>
// CHECK: gpu.return
// BAR-LABEL: gpu.func @route_softmax_e64_k6_lf32_wf32_warp(
// BAR-COUNT-1: llvm.intr.trap
// BAR-COUNT-5: gpu.shuffle xor
// BAR-NOT: gpu.shuffle xor
// BAR-COUNT-64: gpu.shuffle idx
// BAR-NOT: gpu.shuffle idx
// BAR-COUNT-15: gpu.shuffle xor
// BAR-NOT: gpu.shuffle
// BAR: gpu.return
func.func @deepseek_moe(%l: tensor<?x64xf32>) -> (tensor<?x6xf32>, tensor<?x6xi32>) {
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %l, %d2c0_6 : tensor<?x64xf32>
  %init6_0 = tensor.empty(%d2d1_6) : tensor<?x6xf32>
  %init6_1 = tensor.empty(%d2d1_6) : tensor<?x6xi32>
  %w, %i = samoyeds.route %l outs(%init6_0, %init6_1 : tensor<?x6xf32>, tensor<?x6xi32>) {top_k = 6}
             : tensor<?x64xf32> -> tensor<?x6xf32>, tensor<?x6xi32>
  return %w, %i : tensor<?x6xf32>, tensor<?x6xi32>
}

// Sigmoid with a bias, E = 40 and top_k = 36 > 32: no softmax statistics (no
// max butterfly, no broadcasts), the bias read at the clamped expert, and
// two picks per lane (j = l and l + 32), each stored by its lane when
// j < 36, scaled by 2.
// CHECK: gpu.func @route_sigmoid_e40_k36_s2_lf32_bf32_wf32_warp(%[[GL:[a-z0-9]+]]: memref<?x40xf32>, %[[GB:[a-z0-9]+]]: memref<?xf32>, %[[GW:[a-z0-9]+]]: memref<?x36xf32>, %[[GI:[a-z0-9]+]]: memref<?x36xi32>)
// CHECK-DAG: %[[GTID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[GLANE:.*]] = arith.remui %[[GTID]], %c32{{(_[0-9]+)?}} : index
// CHECK: %[[GE1:.*]] = arith.addi %[[GLANE]], %c32{{(_[0-9]+)?}} : index
// CHECK: %[[GAT:.*]] = arith.minui %[[GE1]], %c39{{(_[0-9]+)?}} : index
// CHECK: memref.load %[[GL]][%{{.*}}, %[[GAT]]] : memref<?x40xf32>
// CHECK: nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// CHECK: memref.load %[[GB]][%[[GAT]]] : memref<?xf32>
// CHECK: %[[GP:.*]]:7 = scf.for %[[GJ:[a-z0-9]+]] = {{.*}} -> (f32, i32, f32, i32, f32, i32, f32) {
// CHECK: arith.cmpi eq, %[[GJ]], %[[GLANE]] : index
// CHECK: %[[GS1:.*]] = arith.addi %[[GLANE]], %c32{{(_[0-9]+)?}} : index
// CHECK: arith.cmpi eq, %[[GJ]], %[[GS1]] : index
// CHECK: scf.yield
// CHECK: %[[GOK0:.*]] = arith.cmpi ult, %[[GLANE]], %c36{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[GOK0]] {
// CHECK: memref.store %[[GP]]#3, %[[GI]][%{{.*}}, %[[GLANE]]] : memref<?x36xi32>
// CHECK: %[[GW0:.*]] = arith.mulf %[[GP]]#4, %{{.*}} : f32
// CHECK: memref.store %[[GW0]], %[[GW]][%{{.*}}, %[[GLANE]]] : memref<?x36xf32>
// CHECK: %[[GJ1:.*]] = arith.addi %[[GLANE]], %c32{{(_[0-9]+)?}} : index
// CHECK: %[[GOK1:.*]] = arith.cmpi ult, %[[GJ1]], %c36{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[GOK1]] {
// CHECK: memref.store %[[GP]]#5, %[[GI]][%{{.*}}, %[[GJ1]]] : memref<?x36xi32>
// CHECK: %[[GW1:.*]] = arith.mulf %[[GP]]#6, %{{.*}} : f32
// CHECK: memref.store %[[GW1]], %[[GW]][%{{.*}}, %[[GJ1]]] : memref<?x36xf32>
// CHECK: gpu.return
// Two traps (result rows, bias size); only the passes shuffle.
// BAR-LABEL: gpu.func @route_sigmoid_e40_k36_s2_lf32_bf32_wf32_warp(
// BAR-COUNT-2: llvm.intr.trap
// BAR-NOT: gpu.shuffle idx
// BAR-COUNT-15: gpu.shuffle xor
// BAR-NOT: gpu.shuffle
// BAR: gpu.return
func.func @sigmoid_bias(%l: tensor<?x40xf32>, %b: tensor<40xf32>)
    -> (tensor<?x36xf32>, tensor<?x36xi32>) {
  %d2c0_7 = arith.constant 0 : index
  %d2d1_7 = tensor.dim %l, %d2c0_7 : tensor<?x40xf32>
  %init7_0 = tensor.empty(%d2d1_7) : tensor<?x36xf32>
  %init7_1 = tensor.empty(%d2d1_7) : tensor<?x36xi32>
  %w, %i = samoyeds.route %l bias(%b : tensor<40xf32>) outs(%init7_0, %init7_1 : tensor<?x36xf32>, tensor<?x36xi32>)
             {top_k = 36, scoring = #samoyeds.scoring<sigmoid>, scaling_factor = 2.0 : f32}
             : tensor<?x40xf32> -> tensor<?x36xf32>, tensor<?x36xi32>
  return %w, %i : tensor<?x36xf32>, tensor<?x36xi32>
}

// -----

// Dispatch: per-chunk counts (one block of 32 threads per 256 flat ids),
// one block that scans them into offsets and writes the sentinels, then the
// per-chunk scatter, launched in that order. The per-(chunk, expert) counts
// are a host-side temporary of (chunks + 1) x 8 entries, freed after the last
// launch; the single-block scan is always launched (T = 0 still has a list
// of E * (tile - 1) = 504 sentinels).

// CHECK-LABEL: func.func @dispatch(
// CHECK-SAME: %[[IB:[a-z0-9]+]]: memref<?x2xi32>)
// The list and the offsets are the outs buffers (the function sizes the list).
// CHECK-DAG: %[[LIST:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?xi32>
// CHECK-DAG: %[[OFF:.*]] = memref.alloc() {{.*}}: memref<9xi32>
// CHECK: %[[T:.*]] = memref.dim %[[IB]], %{{.*}} : memref<?x2xi32>
// CHECK-DAG: %[[FLAT:.*]] = arith.muli %[[T]], %c2{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[CHUNKS:.*]] = arith.ceildivui %[[FLAT]], %c256{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[ROWS:.*]] = arith.addi %[[CHUNKS]], %c1{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[HSIZE:.*]] = arith.muli %[[ROWS]], %c8{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[HIST:.*]] = memref.alloc(%[[HSIZE]]) : memref<?xi32>
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_count blocks in (%[[CHUNKS]], %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) threads in (%c32{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>)
// CHECK-NOT: memref.dealloc
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan blocks in (%c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) threads in (%c32{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>)
// CHECK-NOT: memref.dealloc
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scatter blocks in (%[[CHUNKS]], %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) threads in (%c32{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) args(%[[IB]] : memref<?x2xi32>, %[[HIST]] : memref<?xi32>, %[[OFF]] : memref<9xi32>, %[[LIST]] : memref<?xi32>)
// CHECK: memref.dealloc %[[HIST]] : memref<?xi32>
// CHECK: return %[[LIST]], %[[OFF]]

// A static list (T = 16: 16 * 2 + 8 * 63 = 536 entries) shares the kernels.
// CHECK-LABEL: func.func @dispatch_static(
// CHECK-DAG: %[[SL:.*]] = memref.alloc() {{.*}}: memref<536xi32>
// CHECK-DAG: %[[SH:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK-DAG: %[[SIC:.*]] = memref.cast %{{.*}} : memref<16x2xi32> to memref<?x2xi32>
// CHECK-DAG: %[[SLC:.*]] = memref.cast %[[SL]] : memref<536xi32> to memref<?xi32>
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_count {{.*}} args(%[[SIC]] : memref<?x2xi32>, %[[SH]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scan {{.*}} args(%[[SIC]] : memref<?x2xi32>, %[[SH]] : memref<?xi32>, %{{.*}} : memref<9xi32>, %[[SLC]] : memref<?xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t64_k2_scatter
// CHECK: memref.dealloc %[[SH]] : memref<?xi32>

// Count: the chunk (flat ids 256 bx ..) is staged in workgroup memory, an
// expert id outside [0, 8) traps, then each expert's thread counts its ids in
// the chunk into hist[bx][e].
// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @dispatch_e8_t64_k2_count(%[[CIDS:[a-z0-9]+]]: memref<?x2xi32>, %[[CH:[a-z0-9]+]]: memref<?xi32>) workgroup(%[[CS:[a-z0-9]+]] : memref<256xi32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK-DAG: %[[CTID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[CBID:.*]] = gpu.block_id x
// CHECK-DAG: %[[F0:.*]] = arith.muli %[[CBID]], %c256{{(_[0-9]+)?}} : index
// CHECK: scf.for %[[P:[a-z0-9]+]] = %[[CTID]] to %{{.*}} step %c32{{(_[0-9]+)?}} {
// CHECK: %[[F:.*]] = arith.addi %[[F0]], %[[P]] : index
// CHECK-DAG: %[[FT:.*]] = arith.divui %[[F]], %c2{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[FK:.*]] = arith.remui %[[F]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[ID:.*]] = memref.load %[[CIDS]][%[[FT]], %[[FK]]] : memref<?x2xi32>
// CHECK-DAG: %[[HI:.*]] = arith.cmpi sge, %[[ID]], %c8_i32{{(_[0-9]+)?}} : i32
// CHECK-DAG: %[[LO:.*]] = arith.cmpi slt, %[[ID]], %c0_i32{{(_[0-9]+)?}} : i32
// CHECK: %[[BAD:.*]] = arith.ori %[[LO]], %[[HI]] : i1
// CHECK: scf.if %[[BAD]] {
// CHECK-NEXT: llvm.intr.trap
// CHECK: memref.store %[[ID]], %[[CS]][%[[P]]] : memref<256xi32, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK: scf.for %[[CE:[a-z0-9]+]] = %[[CTID]] to %c8{{(_[0-9]+)?}} step %c32{{(_[0-9]+)?}} {
// CHECK: memref.load %[[CS]]
// CHECK: %[[HROW:.*]] = arith.muli %[[CBID]], %c8{{(_[0-9]+)?}} : index
// CHECK: %[[HIDX:.*]] = arith.addi %[[HROW]], %[[CE]] : index
// CHECK: memref.store %{{.*}}, %[[CH]][%[[HIDX]]] : memref<?xi32>
// CHECK: gpu.return

// Scan: each expert's thread turns its column of hist into exclusive prefixes
// over the chunks and writes its padded count to offsets[e + 1], a barrier,
// thread 0's prefix over the padded counts (trapping on a list longer than
// 2^31 - 1 or not of the expected length), a barrier, the sentinels
// T * k into each segment's padding.
// CHECK: gpu.func @dispatch_e8_t64_k2_scan(%{{[a-z0-9]+}}: memref<?x2xi32>, %{{[a-z0-9]+}}: memref<?xi32>, %[[SOFF:[a-z0-9]+]]: memref<9xi32>, %[[SLIST:[a-z0-9]+]]: memref<?xi32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: %[[SENT:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c64{{(_[0-9]+)?}} : index
// CHECK: %[[PADDED:.*]] = arith.muli %[[TILES]], %c64{{(_[0-9]+)?}} : index
// CHECK: %[[PC:.*]] = arith.index_cast %[[PADDED]] : index to i32
// CHECK: memref.store %[[PC]], %[[SOFF]][%{{.*}}] : memref<9xi32>
// CHECK: gpu.barrier
// CHECK: %[[T0:.*]] = arith.cmpi eq, %{{.*}}, %c0{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[T0]] {
// CHECK: arith.cmpi ugt, %{{.*}}, %c2147483647{{(_[0-9]+)?}} : index
// CHECK: llvm.intr.trap
// CHECK: gpu.barrier
// CHECK: memref.store %[[SENT]], %[[SLIST]][%{{.*}}] : memref<?xi32>
// CHECK: memref.store %[[SENT]], %[[SLIST]][%{{.*}}] : memref<?xi32>
// CHECK: gpu.return

// Scatter: each expert's thread walks the chunk in order and writes each of
// its ids at offsets[e] + hist[c][e], + 1, ...
// CHECK: gpu.func @dispatch_e8_t64_k2_scatter({{.*}}) workgroup(%{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} iter_args
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xi32>
// CHECK: gpu.return
// CHECK-NOT: gpu.func

// Synchronisation: the count and the scatter stage the chunk before one
// barrier; the scan has two (after the per-expert prefixes, after thread
// 0's offsets). Traps: an id out of range (count); a list too long for i32
// offsets or not of length T * k + E * (tile - 1) (scan).
// BAR-LABEL: gpu.func @dispatch_e8_t64_k2_count(
// BAR-NOT: gpu.barrier
// BAR: llvm.intr.trap
// BAR-NOT: llvm.intr.trap
// BAR: gpu.barrier
// BAR-NOT: gpu.barrier
// BAR-NOT: llvm.intr.trap
// BAR: gpu.return
// BAR-LABEL: gpu.func @dispatch_e8_t64_k2_scan(
// BAR-NOT: llvm.intr.trap
// BAR: gpu.barrier
// BAR-NOT: gpu.barrier
// BAR-COUNT-2: llvm.intr.trap
// BAR-NOT: llvm.intr.trap
// BAR: gpu.barrier
// BAR-NOT: gpu.barrier
// BAR-NOT: llvm.intr.trap
// BAR: gpu.return
// BAR-LABEL: gpu.func @dispatch_e8_t64_k2_scatter(
// BAR-NOT: llvm.intr.trap
// BAR: gpu.barrier
// BAR-NOT: gpu.barrier
// BAR-NOT: llvm.intr.trap
// BAR: gpu.return

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
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %ids, %d2c0_8 : tensor<?x2xi32>
  %d2c2_8 = arith.constant 2 : index
  %d2m_8 = arith.muli %d2d1_8, %d2c2_8 : index
  %d2c504_8 = arith.constant 504 : index
  %d2l_8 = arith.addi %d2m_8, %d2c504_8 : index
  %init8_0 = tensor.empty(%d2l_8) : tensor<?xi32>
  %init8_1 = tensor.empty() : tensor<9xi32>
  %l, %o = samoyeds.dispatch %ids outs(%init8_0, %init8_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64}
             : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return %l, %o : tensor<?xi32>, tensor<9xi32>
}
func.func @dispatch_static(%ids: tensor<16x2xi32>) -> (tensor<536xi32>, tensor<9xi32>) {
  %init9_0 = tensor.empty() : tensor<536xi32>
  %init9_1 = tensor.empty() : tensor<9xi32>
  %l, %o = samoyeds.dispatch %ids outs(%init9_0, %init9_1 : tensor<536xi32>, tensor<9xi32>) {num_experts = 8, tile = 64}
             : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  return %l, %o : tensor<536xi32>, tensor<9xi32>
}

// -----

// Combine: the inverse map (flat id -> list entry) is a host-side temporary of
// max(T * k, 1) entries, freed after the gather. Three launches in order,
// 256 threads each: init over T * k, scatter over L, gather over T * H.

// CHECK-LABEL: func.func @combine(
// CHECK-SAME: %[[RB:[a-z0-9]+]]: memref<?x256xf32>, %[[LB:[a-z0-9]+]]: memref<?xi32>, %[[WB:[a-z0-9]+]]: memref<?x2xf32>)
// The result is the outs buffer (the function sizes it).
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x256xf32>
// CHECK: %[[T:.*]] = memref.dim %[[WB]], %{{.*}} : memref<?x2xf32>
// CHECK-DAG: %[[FLAT:.*]] = arith.muli %[[T]], %c2{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[N:.*]] = arith.maxui %[[FLAT]], %c1{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[INV:.*]] = memref.alloc(%[[N]]) : memref<?xi32>
// CHECK-DAG: %[[G1:.*]] = arith.ceildivui %[[FLAT]], %c256{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_init blocks in (%[[G1]], %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) threads in (%c256{{(_[0-9]+)?}}, {{.*}} args(%[[INV]] : memref<?xi32>)
// CHECK-DAG: %[[LEN:.*]] = memref.dim %[[LB]], %{{.*}} : memref<?xi32>
// CHECK-DAG: %[[G2:.*]] = arith.ceildivui %[[LEN]], %c256{{(_[0-9]+)?}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_scatter_k2_wf32 blocks in (%[[G2]], {{.*}} args(%[[LB]] : memref<?xi32>, %[[INV]] : memref<?xi32>, %[[WB]] : memref<?x2xf32>)
// CHECK-DAG: %[[TH:.*]] = arith.muli %[[T]], %c256{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[G3:.*]] = arith.ceildivui %[[TH]], %c256{{(_[0-9]+)?}} : index
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_gather_h256_k2_wf32_rf32_of32_weighted blocks in (%[[G3]], {{.*}} args(%[[RB]] : memref<?x256xf32>, %[[WB]] : memref<?x2xf32>, %[[INV]] : memref<?xi32>, %[[OUT]] : memref<?x256xf32>)
// CHECK: memref.dealloc %[[INV]] : memref<?xi32>
// CHECK: return %[[OUT]]

// Unweighted, bf16 rows and result: another gather kernel; the inverse-map
// kernels are shared.
// CHECK-LABEL: func.func @combine_bf16(
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_init
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_inv_scatter_k2_wf32
// CHECK: gpu.launch_func @samoyeds_kernels::@combine_gather_h128_k2_wf32_rbf16_obf16 {{.*}} args(%{{.*}} : memref<?x128xbf16>, %{{.*}} : memref<?x2xf32>, %{{.*}} : memref<?xi32>, %{{.*}} : memref<?x128xbf16>)
// CHECK: memref.dealloc

// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK: gpu.func @combine_inv_init(%[[II:[a-z0-9]+]]: memref<?xi32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK: memref.store %c-1_i32{{(_[0-9]+)?}}, %[[II]][%{{.*}}] : memref<?xi32>

// The scatter: for an id in [0, T * k), an atomic exchange writes the entry;
// a previous value other than -1 means the flat id is listed twice: -2
// marks it.
// CHECK: gpu.func @combine_inv_scatter_k2_wf32(%[[SL:[a-z0-9]+]]: memref<?xi32>, %[[SI:[a-z0-9]+]]: memref<?xi32>, %{{[a-z0-9]+}}: memref<?x2xf32>)
// CHECK: %[[SID:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-DAG: %[[BELOW:.*]] = arith.cmpi slt, %[[SID]], %{{.*}} : index
// CHECK-DAG: %[[NONNEG:.*]] = arith.cmpi sge, %[[SID]], %c0{{(_[0-9]+)?}} : index
// CHECK: %[[VALID:.*]] = arith.andi %[[NONNEG]], %[[BELOW]] : i1
// CHECK: scf.if %[[VALID]] {
// CHECK: %[[OLD:.*]] = memref.atomic_rmw assign %{{.*}}, %[[SI]][%[[SID]]] : (i32, memref<?xi32>) -> i32
// CHECK: %[[DUP:.*]] = arith.cmpi ne, %[[OLD]], %c-1_i32{{(_[0-9]+)?}} : i32
// CHECK: scf.if %[[DUP]] {
// CHECK: memref.atomic_rmw assign %c-2_i32{{(_[0-9]+)?}}, %[[SI]][%[[SID]]] : (i32, memref<?xi32>) -> i32

// The gather, thread (t, c): slots j = 0, 1 in order; a slot whose entry
// is >= 0 adds weights[t][j] * rows[entry][c], an entry of -2 makes the
// result NaN.
// CHECK: gpu.func @combine_gather_h256_k2_wf32_rf32_of32_weighted(%[[GR:[a-z0-9]+]]: memref<?x256xf32>, %[[GW:[a-z0-9]+]]: memref<?x2xf32>, %[[GI:[a-z0-9]+]]: memref<?xi32>, %[[GO:[a-z0-9]+]]: memref<?x256xf32>)
// CHECK-DAG: %[[GT:.*]] = arith.divui %{{.*}}, %c256{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[GC:.*]] = arith.remui %{{.*}}, %c256{{(_[0-9]+)?}} : index
// CHECK: %[[ACC:.*]]:2 = scf.for %[[GJ:[a-z0-9]+]] = %{{.*}} to %c2{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[SUM:[a-z0-9]+]] = %{{.*}}, %[[ANYDUP:[a-z0-9]+]] = %false{{(_[0-9]+)?}}) -> (f32, i1) {
// CHECK: %[[ENT:.*]] = memref.load %[[GI]][%{{.*}}] : memref<?xi32>
// CHECK: %[[E:.*]] = arith.index_cast %[[ENT]] : i32 to index
// CHECK-DAG: %[[ISDUP:.*]] = arith.cmpi eq, %[[E]], %c-2{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[USE:.*]] = arith.cmpi sge, %[[E]], %c0{{(_[0-9]+)?}} : index
// CHECK: scf.if %[[USE]] -> (f32) {
// CHECK-DAG: %[[ROW:.*]] = memref.load %[[GR]][%[[E]], %[[GC]]] : memref<?x256xf32>
// CHECK-DAG: %[[WT:.*]] = memref.load %[[GW]][%[[GT]], %[[GJ]]] : memref<?x2xf32>
// CHECK: %[[PROD:.*]] = arith.mulf %[[WT]], %[[ROW]] : f32
// CHECK: arith.addf %[[SUM]], %[[PROD]] : f32
// CHECK: arith.ori %[[ANYDUP]], %[[ISDUP]] : i1
// CHECK: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: %[[V:.*]] = arith.select %[[ACC]]#1, %[[NAN]], %[[ACC]]#0 : f32
// CHECK: memref.store %[[V]], %[[GO]][%[[GT]], %[[GC]]] : memref<?x256xf32>
// CHECK: gpu.func @combine_gather_h128_k2_wf32_rbf16_obf16(
// CHECK-NOT: memref.load %{{.*}} : memref<?x2xf32>
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: gpu.return

// No barrier anywhere; two atomics in the scatter; one store per thread in
// the gather.
// BAR-LABEL: gpu.func @combine_inv_init(
// BAR-NOT: gpu.barrier
// BAR-NOT: memref.atomic_rmw
// BAR: gpu.return
// BAR-LABEL: gpu.func @combine_inv_scatter_k2_wf32(
// BAR-NOT: gpu.barrier
// BAR-COUNT-2: memref.atomic_rmw assign
// BAR-NOT: memref.atomic_rmw
// BAR: gpu.return
// BAR-LABEL: gpu.func @combine_gather_h256_k2_wf32_rf32_of32_weighted(
// BAR-NOT: gpu.barrier
// BAR-NOT: memref.atomic_rmw
// BAR-COUNT-1: memref.store
// BAR-NOT: memref.store
// BAR: gpu.return

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
  %d2c0_10 = arith.constant 0 : index
  %d2d1_10 = tensor.dim %w, %d2c0_10 : tensor<?x2xf32>
  %init10 = tensor.empty(%d2d1_10) : tensor<?x256xf32>
  %y = samoyeds.combine %r, %l, %w outs(%init10 : tensor<?x256xf32>) {weighted}
         : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}
func.func @combine_bf16(%r: tensor<536x128xbf16>, %l: tensor<536xi32>, %w: tensor<16x2xf32>)
    -> tensor<16x128xbf16> {
  %init11 = tensor.empty() : tensor<16x128xbf16>
  %y = samoyeds.combine %r, %l, %w outs(%init11 : tensor<16x128xbf16>)
         : tensor<536x128xbf16>, tensor<536xi32>, tensor<16x2xf32> -> tensor<16x128xbf16>
  return %y : tensor<16x128xbf16>
}
