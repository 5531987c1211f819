// The kernel and launch that convert-samoyeds-to-gpu generates for
// samoyeds.ssmm (docs/kernel.md): the instructions and their shapes, the
// shared-memory rings, the cp.async pipeline (copies, commit groups, waits,
// barriers), ldmatrix + metadata + mma.sp, row selection, epilogues, launch.
// Default tiling; ssmm-kernel-options.mlir varies it, ssmm-ptx.mlir checks
// what reaches PTX.
//
// The checks state facts, not the emitter's op order: each fact has its own
// prefix (one FileCheck run over the same output), counts are taken between
// landmarks that the algorithm orders (a stage's copies before its commit
// group; wait, barrier, next stage's copies and commit before the K loop's
// fragments; the drain before the epilogue), and values are tied by SSA
// names rather than by adjacency. Extra code around them (another branch of
// the kernel body, other index arithmetic) does not disturb them; what is
// counted after the K loop is only what writes the result (a second writer
// of the result, e.g. a split-K reduction with plain stores, must say so here).
//   CHECK   host side, kernel signature, rings, token sources, structure
//   CPA     weight-value copies    CPM  metadata copies   CPB  token copies
//   PIPE    commit groups, waits, barriers, ring slots
//   LDA/LDB ldmatrix of A/B        MDOP/MDLD metadata operand, its loads
//   MMA     the MMAs
//   ROWSEL  row indices and the row-selection swaps
//   EPI/EPI2 the epilogue and its stores   SCL  the scale loads
//   COMPACT no list load for a compact input
// The unsplit kernel (split-k=1); the split-K launches of the same ops are
// ssmm-split-k.mlir's.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="split-k=1 decode-tile=1" -o %t
// RUN: FileCheck %s --input-file=%t --implicit-check-not=samoyeds.
// RUN: FileCheck %s --input-file=%t --check-prefix=CPA
// RUN: FileCheck %s --input-file=%t --check-prefix=CPM
// RUN: FileCheck %s --input-file=%t --check-prefix=CPB
// RUN: FileCheck %s --input-file=%t --check-prefix=PIPE
// RUN: FileCheck %s --input-file=%t --check-prefix=LDA
// RUN: FileCheck %s --input-file=%t --check-prefix=LDB
// RUN: FileCheck %s --input-file=%t --check-prefix=MDOP
// RUN: FileCheck %s --input-file=%t --check-prefix=MDLD
// RUN: FileCheck %s --input-file=%t --check-prefix=MMA
// RUN: FileCheck %s --input-file=%t --check-prefix=ROWSEL
// RUN: FileCheck %s --input-file=%t --check-prefix=EPI
// RUN: FileCheck %s --input-file=%t --check-prefix=EPI2
// RUN: FileCheck %s --input-file=%t --check-prefix=SCL
// RUN: FileCheck %s --input-file=%t --check-prefix=COMPACT
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_80 split-k=1 decode-tile=1" | FileCheck %s --check-prefix=SM80

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// bf16, gathered tokens, 2-D weight: 128 condensed rows = one 128 x 64 block
// tile (default warp tile 64 x 32, 2 x 2 warps: mT = 4 m-tiles, nT = 4
// n-tiles), 4 stages of block-k 64 (2 k32 steps), V = 128: 4 slices of 2
// stages, 8 stages in all.

// No samoyeds op survives anywhere (--implicit-check-not on the RUN line),
// and the module is a container module for the kernels.
// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @bf16_gather(
// The kernel reads the storage, input and list buffers (the arguments) and
// writes the outs buffer (bufferization's, a row per list entry), which is
// returned.
// CHECK-SAME: %[[VB:[a-z0-9]+]]: memref<128x256xbf16>, %[[MB:[a-z0-9]+]]: memref<128x32xi16>, %[[RB:[a-z0-9]+]]: memref<4x128xi8>, %[[XB:[a-z0-9]+]]: memref<?x512xbf16>, %[[LB:[a-z0-9]+]]: memref<?xi32>) -> memref<?x256xbf16>
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x256xbf16>
// CHECK-DAG: %[[LEN:.*]] = memref.dim %[[LB]], %{{.*}} : memref<?xi32>
// Grid (condRows / blockM = 1, ceildiv(L, blockN = 64), 1), 128 threads,
// 4 x (128 x 40 + 64 x 72 + 128 x 4) x 2 = 81920 bytes of dynamic shared
// memory. No host guard: the runtime treats an empty grid as a no-op, and an
// scf.if would split gpu-async-region's token chain (a stream sync per launch).
// CHECK-DAG: %[[GY:.*]] = arith.ceildivui %[[LEN]], %c64{{(_[0-9]+)?}} : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64
// CHECK-SAME: blocks in (%c1{{(_[0-9]+)?}}, %[[GY]], %c1{{(_[0-9]+)?}}) threads in (%c128{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}})
// CHECK-SAME: dynamic_shared_memory_size %c81920_i32
// CHECK-SAME: args(%[[VB]] : memref<128x256xbf16>, %[[MB]] : memref<128x32xi16>, %[[RB]] : memref<4x128xi8>, %[[XB]] : memref<?x512xbf16>, %[[LB]] : memref<?xi32>, %[[OUT]] : memref<?x256xbf16>)
// CHECK: return %[[OUT]]

// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// CHECK-SAME: %[[VALS:[a-z0-9]+]]: memref<128x256xbf16>, %[[META:[a-z0-9]+]]: memref<128x32xi16>, %[[RIDX:[a-z0-9]+]]: memref<4x128xi8>, %[[IN:[a-z0-9]+]]: memref<?x512xbf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %[[DST:[a-z0-9]+]]: memref<?x256xbf16>)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK-DAG: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[BY:.*]] = gpu.block_id y

// One dynamic buffer carved into the three rings: A (stages x 128 rows x
// (32 + 8) values) at 0, B (stages x 64 tokens x (64 + 8)) at 40960,
// metadata (stages x 128 rows x 4 canonical words) at 77824.
// CHECK-DAG: %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[DYN]][%c0{{(_[0-9]+)?}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[DYN]][%c40960{{(_[0-9]+)?}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[DYN]][%c77824{{(_[0-9]+)?}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.view

// The token tile starts at entry by * 64. Source rows of this thread's token
// copies: entry i = tok0 + row is read only at a clamped index; an entry
// inside the list whose id is below rows(input) * top_k gives input row
// id / top_k and 8 source elements, anything else row 0 and 0 elements
// (zero fill).
// CHECK-DAG: %[[LLEN:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// CHECK-DAG: %[[TOK0:.*]] = arith.muli %[[BY]], %c64{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x512xbf16>
// CHECK-DAG: %[[BOUND:.*]] = arith.muli %[[ROWS]], %c1{{(_[0-9]+)?}} : index
// CHECK: %[[I:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK: %[[INLIST:.*]] = arith.cmpi ult, %[[I]], %[[LLEN]] : index
// CHECK: %[[SAFE:.*]] = arith.select %[[INLIST]], %[[I]], %c0{{(_[0-9]+)?}} : index
// CHECK: %[[ENTRY:.*]] = memref.load %[[LIST]][%[[SAFE]]] : memref<?xi32>
// CHECK: %[[ID:.*]] = arith.index_cast %[[ENTRY]] : i32 to index
// CHECK: %[[INB:.*]] = arith.cmpi ult, %[[ID]], %[[BOUND]] : index
// CHECK: %[[OK:.*]] = arith.andi %[[INLIST]], %[[INB]] : i1
// CHECK: %[[TOK:.*]] = arith.divui %[[ID]], %c1{{(_[0-9]+)?}} : index
// CHECK: %[[SRC:.*]] = arith.select %[[OK]], %[[TOK]], %c0{{(_[0-9]+)?}} : index
// CHECK: %[[ELEMS:.*]] = arith.select %[[OK]], %c8{{(_[0-9]+)?}}, %c0{{(_[0-9]+)?}} : index

// A 2-D weight has a single expert: no tile is poisoned. A tile with work
// (some entry of it a routed token: the OR over the block of each thread's
// copies, bar.red.or) runs the pipeline and yields the 2 x 4 x 4 = 32
// accumulators; the other branch yields zeros, without copies or MMAs.
// CHECK: arith.ori %[[OK]], %{{.*}} : i1
// CHECK: %[[ANY32:.*]] = arith.extui %{{.*}} : i1 to i32
// CHECK: %[[RED:.*]] = nvvm.barrier #nvvm.reduction<or> %[[ANY32]] -> i32
// CHECK: %[[WORK:.*]] = arith.cmpi ne, %[[RED]], %{{c0_i32(_[0-9]+)?}} : i32
// CHECK: %[[ACC:.*]]:32 = scf.if %[[WORK]] -> (vector<2x2xf32>,
// The first token copy uses the source row and size computed above.
// CHECK: nvgpu.device_async_copy %[[IN]][%[[SRC]], %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8, %[[ELEMS]] {bypassL1}
// CHECK: } else {
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK-NEXT: scf.yield %[[Z]], %[[Z]],
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: gpu.return

// Weight values: per stage 128 rows x 64 / 16 chunks of 16 bytes over 128
// threads = 4 copies of 8 bf16, bypassing L1; 3 prologue stages, then one
// stage per K-loop iteration.
// CPA-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// CPA-SAME: %[[VALS:[a-z0-9]+]]: memref<128x256xbf16>
// CPA-COUNT-4: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8 {bypassL1} : memref<128x256xbf16> to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// CPA-NOT: nvgpu.device_async_copy %[[VALS]][
// CPA: nvgpu.device_async_create_group
// CPA-COUNT-4: nvgpu.device_async_copy %[[VALS]][
// CPA-NOT: nvgpu.device_async_copy %[[VALS]][
// CPA: nvgpu.device_async_create_group
// CPA-COUNT-4: nvgpu.device_async_copy %[[VALS]][
// CPA-NOT: nvgpu.device_async_copy %[[VALS]][
// CPA: nvgpu.device_async_create_group
// CPA-NOT: nvgpu.device_async_copy %[[VALS]][
// CPA: nvgpu.device_async_wait
// CPA-COUNT-4: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8 {bypassL1} : memref<128x256xbf16> to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// CPA-NOT: nvgpu.device_async_copy %[[VALS]][
// CPA: nvgpu.device_async_create_group
// CPA: gpu.return

// Metadata: one copy per row and stage of the row's 4 canonical words (8
// bytes: cp.async.ca, no bypassL1), 128 rows for 128 threads: one copy each.
// CPM-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// CPM-SAME: %[[META:[a-z0-9]+]]: memref<128x32xi16>
// CPM-COUNT-1: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 4 : memref<128x32xi16> to memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: nvgpu.device_async_create_group
// CPM-COUNT-1: nvgpu.device_async_copy %[[META]][
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: nvgpu.device_async_create_group
// CPM-COUNT-1: nvgpu.device_async_copy %[[META]][
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: nvgpu.device_async_create_group
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: nvgpu.device_async_wait
// CPM-COUNT-1: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 4 : memref<128x32xi16> to memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: nvgpu.device_async_create_group
// CPM: gpu.return

// Token rows: per stage 64 rows x 64 / 8 chunks of 16 bytes = 4 copies per
// thread, each with its source size (0 zero-fills a padding row).
// CPB-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// CPB-SAME: %[[IN:[a-z0-9]+]]: memref<?x512xbf16>
// CPB-COUNT-4: nvgpu.device_async_copy %[[IN]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1} : memref<?x512xbf16> to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// CPB-NOT: nvgpu.device_async_copy %[[IN]][
// CPB: nvgpu.device_async_create_group
// CPB-COUNT-4: nvgpu.device_async_copy %[[IN]][
// CPB-NOT: nvgpu.device_async_copy %[[IN]][
// CPB: nvgpu.device_async_create_group
// CPB-COUNT-4: nvgpu.device_async_copy %[[IN]][
// CPB-NOT: nvgpu.device_async_copy %[[IN]][
// CPB: nvgpu.device_async_create_group
// CPB-NOT: nvgpu.device_async_copy %[[IN]][
// CPB: nvgpu.device_async_wait
// CPB-COUNT-4: nvgpu.device_async_copy %[[IN]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1} : memref<?x512xbf16> to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// CPB-NOT: nvgpu.device_async_copy %[[IN]][
// CPB: nvgpu.device_async_create_group
// CPB: gpu.return

// The pipeline: stages - 1 = 3 commit groups in the prologue (stages 0..2
// into slots 0..2), no wait or barrier before the K loop. Each K-loop
// iteration (global stage kt = slice * 2 + k) waits until at most
// stages - 2 = 2 groups are pending, then one barrier; issues stage kt + 3,
// if it exists (kt + 3 < 8), into slot (kt + 3) % 4; commits one group
// unconditionally (an empty one past the last stage keeps the count exact);
// and reads slot kt % 4. After the slice loop a wait for 0 drains the ring.
// The slice range and the last stage are not pinned to constants: a split
// of the K range over the grid's z dimension makes them values.
// PIPE-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// PIPE-SAME: %[[VALS:[a-z0-9]+]]: memref<128x256xbf16>
// PIPE-NOT: nvgpu.device_async_wait
// PIPE-NOT: gpu.barrier
// PIPE: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %{{.*}}[%c0{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}]
// PIPE: nvgpu.device_async_create_group
// PIPE: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %{{.*}}[%c1{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}]
// PIPE: nvgpu.device_async_create_group
// PIPE: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %{{.*}}[%c2{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}]
// PIPE: %[[LAST:.*]] = nvgpu.device_async_create_group
// PIPE-NOT: nvgpu.device_async_create_group
// PIPE-NOT: nvgpu.device_async_wait
// PIPE-NOT: gpu.barrier
// PIPE: scf.for %[[SL:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// PIPE: scf.for %[[K:[a-z0-9_]+]] = %c0{{(_[0-9]+)?}} to %c2{{(_[0-9]+)?}} step
// PIPE: %[[KS:.*]] = arith.muli %[[SL]], %c2{{(_[0-9]+)?}} : index
// PIPE: %[[KT:.*]] = arith.addi %[[KS]], %[[K]] : index
// PIPE-NOT: nvgpu.device_async_create_group
// PIPE: nvgpu.device_async_wait %[[LAST]] {numGroups = 2 : i32}
// PIPE-NEXT: gpu.barrier
// PIPE: %[[NEXT:.*]] = arith.addi %[[KT]], %c3{{(_[0-9]+)?}} : index
// PIPE: %[[HAS:.*]] = arith.cmpi ult, %[[NEXT]], %{{.*}} : index
// PIPE: scf.if %[[HAS]] {
// PIPE: %[[WSLOT:.*]] = arith.remui %[[NEXT]], %c4{{(_[0-9]+)?}} : index
// PIPE: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %{{.*}}[%[[WSLOT]], %{{.*}}, %{{.*}}]
// PIPE-NOT: nvgpu.device_async_create_group
// PIPE: {{^ *}}}{{$}}
// PIPE-NEXT: nvgpu.device_async_create_group
// PIPE-NOT: nvgpu.device_async_create_group
// PIPE-NOT: nvgpu.device_async_wait
// PIPE-NOT: gpu.barrier
// PIPE: %[[RSLOT:.*]] = arith.remui %[[KT]], %c4{{(_[0-9]+)?}} : index
// PIPE: nvgpu.ldmatrix %{{.*}}[%[[RSLOT]], %{{.*}}, %{{.*}}]
// PIPE-NOT: nvgpu.device_async_create_group
// PIPE-NOT: gpu.barrier
// PIPE-NOT: nvgpu.device_async_wait
// PIPE: scf.yield
// PIPE: nvgpu.device_async_wait %[[LAST]] {numGroups = 0 : i32}
// PIPE: gpu.return

// Fragments per K-loop iteration (between its wait and its yield): A is
// ldmatrix x4 per m-tile and k32 step (4 x 2 = 8), B per n-tile and step
// (8); none before the K loop.
// LDA-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// LDA: %[[SA:[a-z0-9_]+]] = memref.view %{{.*}} to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// LDA-NOT: nvgpu.ldmatrix
// LDA: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// LDA-COUNT-8: nvgpu.ldmatrix %[[SA]][%{{.*}}, %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<4x128x40xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// LDA-NOT: nvgpu.ldmatrix %[[SA]][
// LDA: scf.yield
// LDB-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// LDB: %[[SB:[a-z0-9_]+]] = memref.view %{{.*}} to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// LDB-NOT: nvgpu.ldmatrix
// LDB: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// LDB-COUNT-8: nvgpu.ldmatrix %[[SB]][%{{.*}}, %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<4x64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// LDB-NOT: nvgpu.ldmatrix %[[SB]][
// LDB: scf.yield

// The metadata operand (MmaSpMetadataLayout): per m-tile and k32 step kk,
// two 16-bit loads of word 2 kk + t % 2 (t = lane % 4), rows aTileRow + g and
// + g + 8 (g = lane / 4), packed into vector<2xi16> (row g in the low half)
// and passed as one i32 to the MMA with selector 0; 4 x 2 x 2 = 16 loads per
// K-loop iteration, none before the K loop.
// MDOP-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// MDOP: %[[TID:.*]] = gpu.thread_id x
// MDOP-DAG: %[[LANE:.*]] = arith.remui %[[TID]], %c32{{(_[0-9]+)?}} : index
// MDOP-DAG: %[[G:.*]] = arith.divui %[[LANE]], %c4{{(_[0-9]+)?}} : index
// MDOP-DAG: %[[T:.*]] = arith.remui %[[LANE]], %c4{{(_[0-9]+)?}} : index
// MDOP-DAG: %[[SM:[a-z0-9_]+]] = memref.view %{{.*}} to memref<4x128x4xi16, #gpu.address_space<workgroup>>
// MDOP-NOT: memref.load %[[SM]][
// MDOP: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MDOP: %[[TP:.*]] = arith.remui %[[T]], %c2{{(_[0-9]+)?}} : index
// MDOP: %[[R0:.*]] = arith.addi %{{.*}}, %[[G]] : index
// MDOP: %[[W0:.*]] = arith.addi %c0{{(_[0-9]+)?}}, %[[TP]] : index
// MDOP: %[[LO:.*]] = memref.load %[[SM]][%{{.*}}, %[[R0]], %[[W0]]] : memref<4x128x4xi16, #gpu.address_space<workgroup>>
// MDOP: %[[R8:.*]] = arith.addi %[[R0]], %c8{{(_[0-9]+)?}} : index
// MDOP: %[[HI:.*]] = memref.load %[[SM]][%{{.*}}, %[[R8]], %[[W0]]] : memref<4x128x4xi16, #gpu.address_space<workgroup>>
// MDOP: %[[MVEC:.*]] = vector.from_elements %[[LO]], %[[HI]] : vector<2xi16>
// MDOP: %[[MI32:.*]] = vector.bitcast %[[MVEC]] : vector<2xi16> to vector<1xi32>
// MDOP: %[[MWORD:.*]] = vector.extract %[[MI32]][0] : i32 from vector<1xi32>
// MDOP: nvvm.mma.sp.sync {{.*}} sparseMetadata[%[[MWORD]]] selector[%c0_i32{{(_[0-9]+)?}}]
// MDOP: %[[W1:.*]] = arith.addi %c2{{(_[0-9]+)?}}, %[[TP]] : index
// MDOP: memref.load %[[SM]][%{{.*}}, %{{.*}}, %[[W1]]]
// MDOP: scf.yield
// MDLD-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// MDLD: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MDLD-COUNT-16: memref.load %{{.*}} : memref<4x128x4xi16, #gpu.address_space<workgroup>>
// MDLD-NOT: memref.load %{{.*}} : memref<4x128x4xi16
// MDLD: scf.yield

// bf16: nvvm.mma.sp.sync m16n8k32 on i32 registers, ordered metadata on
// sm_90a; mT x nT x 2 k32 steps = 32 per iteration, none before the K loop.
// MMA-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// MMA-NOT: mma.sp
// MMA: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MMA-COUNT-32: nvvm.mma.sp.sync A[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] sparseMetadata[%{{.*}}] selector[%{{.*}}] {multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, orderedMetadata, shape = #nvvm.shape<m = 16, n = 8, k = 32>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// MMA-NOT: mma.sp
// MMA: scf.yield

// Row selection: the row indices (i8, zero-extended) of the thread's 8 rows
// (2 per m-tile) are read for slice 0 before the slice loop and for the next
// slice inside it; the slice loop carries the 32 accumulators and the 8 row
// indices, the K loop the 16 of slot 0. Around the K loop, vector selects
// exchange slot 0 with slot 1 per fragment row: 16 x 2 x 2 = 64 before, the
// same 64 after (the exchange is its own inverse, keyed on the same
// comparisons: a row index of 1 swaps slot 0 and slot 1).
// ROWSEL-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// ROWSEL-SAME: %[[RIDX:[a-z0-9]+]]: memref<4x128xi8>
// ROWSEL-COUNT-8: memref.load %[[RIDX]][%{{.*}}, %{{.*}}] : memref<4x128xi8>
// ROWSEL-NOT: memref.load %[[RIDX]][
// ROWSEL: %{{.*}}:40 = scf.for %[[S:[a-z0-9_]+]] = %{{.*}} iter_args({{.*}}) -> ({{(vector<2x2xf32>, ){32}(i32, ){7}i32}})
// ROWSEL: %[[S1:.*]] = arith.addi %[[S]], %c1{{(_[0-9]+)?}} : index
// ROWSEL: %[[NS:.*]] = arith.minui %[[S1]], %{{.*}} : index
// ROWSEL-COUNT-8: memref.load %[[RIDX]][%[[NS]], %{{.*}}] : memref<4x128xi8>
// ROWSEL-NOT: memref.load %[[RIDX]][
// ROWSEL: %[[EQ1:.*]] = arith.cmpi eq, %{{.*}}, %c1_i32{{(_[0-9]+)?}} : i32
// ROWSEL-COUNT-64: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<2xf32>
// ROWSEL-NOT: arith.select {{.*}} : vector<2xf32>
// ROWSEL: %[[KL:.*]]:16 = scf.for %{{.*}} iter_args({{.*}}) -> ({{(vector<2x2xf32>, ){15}vector<2x2xf32>}})
// ROWSEL: nvvm.mma.sp.sync
// ROWSEL-NOT: arith.select {{.*}} : vector<2xf32>
// ROWSEL: %[[K0:.*]] = vector.extract %[[KL]]#0[0] : vector<2xf32> from vector<2x2xf32>
// ROWSEL: %[[J1:.*]] = vector.extract %{{.*}}[0] : vector<2xf32> from vector<2x2xf32>
// ROWSEL: arith.select %[[EQ1]], %[[J1]], %[[K0]] : vector<2xf32>
// ROWSEL: arith.select %[[EQ1]], %[[K0]], %[[J1]] : vector<2xf32>
// ROWSEL-COUNT-62: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<2xf32>
// ROWSEL-NOT: arith.select {{.*}} : vector<2xf32>
// ROWSEL: scf.yield
// ROWSEL: gpu.return

// Epilogue, after the drain: per element the poison select (constant false
// here), the conversion to bf16, and a store out[i][row] guarded by
// i < L; every accumulator element of the 2 slots is stored once:
// 2 x (4 x 2 rows) x (4 x 2 columns) = 128 stores. N = 1: no lane reduction.
// EPI-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// EPI-SAME: %[[LIST:[a-z0-9]+]]: memref<?xi32>, %[[DST:[a-z0-9]+]]: memref<?x256xbf16>)
// EPI-DAG: %[[LLEN:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// EPI-DAG: %[[POISON:.*]] = arith.constant false
// EPI: %[[ACC:.*]]:32 = scf.if
// EPI: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// EPI: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// EPI: %[[INRANGE:.*]] = arith.cmpi ult, %[[COL:[a-z0-9_]+]], %[[LLEN]] : index
// EPI: %[[E0:.*]] = vector.extract %[[ACC]]#{{[0-9]+}}[0] : vector<2xf32> from vector<2x2xf32>
// EPI: %[[V0:.*]] = vector.extract %[[E0]][0] : f32 from vector<2xf32>
// EPI: %[[P0:.*]] = arith.select %[[POISON]], %[[NAN]], %[[V0]] : f32
// EPI: %[[B0:.*]] = arith.truncf %[[P0]] : f32 to bf16
// EPI: %[[DO:.*]] = arith.andi %{{.*}}, %[[INRANGE]] : i1
// EPI: scf.if %[[DO]] {
// EPI-NEXT: memref.store %[[B0]], %[[DST]][%[[COL]], %{{.*}}] : memref<?x256xbf16>
// EPI-NEXT: }
// EPI-COUNT-127: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xbf16>
// EPI-NOT: memref.store %{{.*}}, %[[DST]][
// EPI-NOT: gpu.shuffle
// EPI: gpu.return

// chip=sm_80: the same kernel, without ordered metadata.
// SM80-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// SM80-COUNT-32: nvvm.mma.sp.sync {{.*}} {multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 32>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// SM80-NOT: orderedMetadata
// SM80: gpu.return

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

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// f16, compact input (row i of the input for list entry i), 256 condensed rows:
// 2 row tiles. The MMA is nvgpu.mma.sp.sync (plain .sp on every chip).

// CHECK-LABEL: func.func @f16_compact(
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64 blocks in (%c2{{(_[0-9]+)?}}, %{{.*}}, %c1{{(_[0-9]+)?}})
// CHECK-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<?x512xf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %{{.*}}: memref<?x512xf16>)
// CHECK-DAG: %[[BY:.*]] = gpu.block_id y
// CHECK-DAG: %[[LLEN:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// CHECK-DAG: %[[TOK0:.*]] = arith.muli %[[BY]], %c64{{(_[0-9]+)?}} : index
// An input with fewer rows than the list (both dynamic) traps rather than
// being read past its end (ssmm C3 at run time).
// CHECK-DAG: %[[INROWS:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x512xf16>
// CHECK-DAG: %[[LROWS:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// CHECK: %[[SHORT:.*]] = arith.cmpi ult, %[[INROWS]], %[[LROWS]] : index
// CHECK: scf.if %[[SHORT]] {
// CHECK-NEXT: llvm.intr.trap
// The token rows are the list positions themselves: entry i = tok0 + row,
// row i of the input, or (past the list) row 0 with 0 source elements.
// CHECK: %[[I:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK: %[[OK:.*]] = arith.cmpi ult, %[[I]], %[[LLEN]] : index
// CHECK: %[[SRC:.*]] = arith.select %[[OK]], %[[I]], %c0{{(_[0-9]+)?}} : index
// CHECK: %[[ELEMS:.*]] = arith.select %[[OK]], %c8{{(_[0-9]+)?}}, %c0{{(_[0-9]+)?}} : index
// CHECK: nvgpu.device_async_copy %[[IN]][%[[SRC]], %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8, %[[ELEMS]] {bypassL1} : memref<?x512xf16> to memref<4x64x72xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.ldmatrix {{.*}} -> vector<4x2xf16>
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: gpu.return

// The list itself is never read: no load of it anywhere in the kernel.
// COMPACT-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// COMPACT-SAME: %[[LIST:[a-z0-9]+]]: memref<?xi32>, %{{.*}}: memref<?x512xf16>)
// COMPACT-NOT: memref.load %[[LIST]][
// COMPACT: gpu.return

// MMA-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// MMA-NOT: mma.sp
// MMA: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MMA-COUNT-32: nvgpu.mma.sp.sync(%{{.*}}, %{{.*}}, %{{.*}}) metadata(%{{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x2xf16>, vector<4x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// MMA-NOT: mma.sp
// MMA: scf.yield

// EPI-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// EPI-SAME: %[[DST:[a-z0-9]+]]: memref<?x512xf16>)
// EPI: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// EPI-COUNT-128: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x512xf16>
// EPI-NOT: memref.store %{{.*}}, %[[DST]][
// EPI: gpu.return

// SM80-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// SM80-COUNT-32: nvgpu.mma.sp.sync
// SM80-NOT: mma.sp
// SM80: gpu.return
func.func @f16_compact(%w: !samoyeds.packed<512x512xf16, #fmt>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x512xf16> {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x512xf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init2 : tensor<?x512xf16>) : !samoyeds.packed<512x512xf16, #fmt>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x512xf16>
  return %r : tensor<?x512xf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// 8 experts, stacked gate|up (R = 512, 256 condensed rows: gate 0..127, up
// 128..255), top_k = 2 gather, silu_mul. A block holds 64 gate rows and the
// 64 matching up rows: 128 / 64 = 2 row tiles.

// CHECK-LABEL: func.func @experts_silu(
// CHECK-SAME: %{{.*}}: memref<8x256x128xbf16>, %{{.*}}: memref<8x256x16xi16>, %{{.*}}: memref<8x2x256xi8>, %{{.*}}: memref<?x256xbf16>, %{{.*}}: memref<?xi32>, %[[OFFB:[a-z0-9]+]]: memref<9xi32>)
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64 blocks in (%c2{{(_[0-9]+)?}},
// CHECK-SAME: %[[OFFB]] : memref<9xi32>, %{{.*}} : memref<?x256xbf16>)
// CHECK-LABEL: gpu.func @ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64(
// CHECK-SAME: %[[VALS:[a-z0-9]+]]: memref<8x256x128xbf16>, %[[META:[a-z0-9]+]]: memref<8x256x16xi16>, %[[RIDX:[a-z0-9]+]]: memref<8x2x256xi8>, %[[IN:[a-z0-9]+]]: memref<?x256xbf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %[[OFFS:[a-z0-9]+]]: memref<9xi32>, %[[DST:[a-z0-9]+]]: memref<?x256xbf16>)

// The expert of the tile: the number of segment ends offsets[e + 1] <= the
// tile's first entry (clamped to E - 1 = 7); the tile is poisoned when its
// expert's segment ends before the tile (or the list) does.
// CHECK-DAG: %[[BX:.*]] = gpu.block_id x
// CHECK-DAG: %[[BY:.*]] = gpu.block_id y
// CHECK-DAG: %[[LLEN:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// CHECK-DAG: %[[TOK0:.*]] = arith.muli %[[BY]], %c64{{(_[0-9]+)?}} : index
// CHECK: %[[COUNT:.*]] = scf.for %[[E:[a-z0-9_]+]] = %c0{{(_[0-9]+)?}} to %c8{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[N:[a-z0-9_]+]] = %c0{{(_[0-9]+)?}}) -> (index) {
// CHECK: %[[E1:.*]] = arith.addi %[[E]], %c1{{(_[0-9]+)?}} : index
// CHECK: %[[ENDI:.*]] = memref.load %[[OFFS]][%[[E1]]] : memref<9xi32>
// CHECK: %[[END:.*]] = arith.index_cast %[[ENDI]] : i32 to index
// CHECK: %[[LE:.*]] = arith.cmpi ule, %[[END]], %[[TOK0]] : index
// CHECK: %[[INC:.*]] = arith.select %[[LE]], %c1{{(_[0-9]+)?}}, %c0{{(_[0-9]+)?}} : index
// CHECK: %[[N1:.*]] = arith.addi %[[N]], %[[INC]] : index
// CHECK: scf.yield %[[N1]] : index
// CHECK: %[[EXPERT:.*]] = arith.minui %[[COUNT]], %c7{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[X1:.*]] = arith.addi %[[EXPERT]], %c1{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[SEGENDI:.*]] = memref.load %[[OFFS]][%[[X1]]] : memref<9xi32>
// CHECK-DAG: %[[SEGEND:.*]] = arith.index_cast %[[SEGENDI]] : i32 to index
// CHECK-DAG: %[[TOTALI:.*]] = memref.load %[[OFFS]][%c8{{(_[0-9]+)?}}] : memref<9xi32>
// CHECK-DAG: %[[TOTAL:.*]] = arith.index_cast %[[TOTALI]] : i32 to index
// CHECK-DAG: %[[M1:.*]] = arith.minui %[[SEGEND]], %[[TOTAL]] : index
// CHECK-DAG: %[[VALIDEND:.*]] = arith.minui %[[M1]], %[[LLEN]] : index
// CHECK-DAG: %[[LIM:.*]] = arith.minui %[[TOTAL]], %[[LLEN]] : index
// CHECK-DAG: %[[TEND0:.*]] = arith.addi %[[TOK0]], %c64{{(_[0-9]+)?}} : index
// CHECK: %[[TILEEND:.*]] = arith.minui %[[TEND0]], %[[LIM]] : index
// CHECK: %[[POISON:.*]] = arith.cmpi ult, %[[SEGEND]], %[[TILEEND]] : index

// top_k = 2: an entry inside the expert's segment with id < rows(input) * 2
// reads input row id / 2; anything else is padding.
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x256xbf16>
// CHECK-DAG: %[[BOUND:.*]] = arith.muli %[[ROWS]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[I:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK: %[[INSEG:.*]] = arith.cmpi ult, %[[I]], %[[VALIDEND]] : index
// CHECK: %[[SAFE:.*]] = arith.select %[[INSEG]], %[[I]], %c0{{(_[0-9]+)?}} : index
// CHECK: %[[ENTRY:.*]] = memref.load %[[LIST]][%[[SAFE]]] : memref<?xi32>
// CHECK: %[[ID:.*]] = arith.index_cast %[[ENTRY]] : i32 to index
// CHECK: %[[INB:.*]] = arith.cmpi ult, %[[ID]], %[[BOUND]] : index
// CHECK: arith.andi %[[INSEG]], %[[INB]] : i1
// CHECK: arith.divui %[[ID]], %c2{{(_[0-9]+)?}} : index

// The weight arrays are indexed by the expert. A-tile rows r < 64 are gate
// rows (global row bx * 64 + r), rows r >= 64 the up rows
// bx * 64 + 128 + (r - 64).
// CHECK: %[[ISUP:.*]] = arith.cmpi uge, %[[R:[a-z0-9_]+]], %c64{{(_[0-9]+)?}} : index
// CHECK: %[[BASE:.*]] = arith.muli %[[BX]], %c64{{(_[0-9]+)?}} : index
// CHECK: %[[GATE:.*]] = arith.addi %[[BASE]], %[[R]] : index
// CHECK: %[[RMH:.*]] = arith.subi %[[R]], %c64{{(_[0-9]+)?}} : index
// CHECK: %[[UPBASE:.*]] = arith.addi %[[BASE]], %c128{{(_[0-9]+)?}} : index
// CHECK: %[[UP:.*]] = arith.addi %[[UPBASE]], %[[RMH]] : index
// CHECK: %[[GROW:.*]] = arith.select %[[ISUP]], %[[UP]], %[[GATE]] : index
// CHECK: nvgpu.device_async_copy %[[VALS]][%[[EXPERT]], %[[GROW]], %{{.*}}], %{{.*}}, 8 {bypassL1} : memref<8x256x128xbf16>
// CHECK: nvgpu.device_async_copy %[[META]][%[[EXPERT]], %{{.*}}, %{{.*}}], %{{.*}}, 4 : memref<8x256x16xi16>
// CHECK: memref.load %[[RIDX]][%[[EXPERT]], %{{.*}}, %{{.*}}] : memref<8x2x256xi8>
// CHECK: nvvm.mma.sp.sync
// A tile of padding only skips the copies and MMAs: its accumulators are zero.
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK: } else {
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK-NEXT: scf.yield %[[Z]], %[[Z]],
// The poison flag selects NaN for every element of the block.
// CHECK: arith.select %[[POISON]], %{{.*}}, %{{.*}} : f32
// CHECK: gpu.return

// silu(gate) * up, per element, in the thread: the gate value of m-tile mt
// with the up value of m-tile mt + 2 in the same slot, n-tile and register,
// i.e. accumulator slotIndex(j, mt + 2, nt) = slotIndex(j, mt, nt) + 2 * nT
// (+ 8). exp(-x) is ex2.approx(-x * log2 e) in inline PTX (no libdevice
// call); then the poison select and the conversion. Half the rows of the
// block are stored: 2 x (2 x 2) x (4 x 2) = 64 stores.
// EPI-LABEL: gpu.func @ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64(
// EPI-SAME: %[[DST:[a-z0-9]+]]: memref<?x256xbf16>)
// EPI: %[[ACC:.*]]:32 = scf.if
// EPI: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// EPI: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// EPI-DAG: %[[GV:.*]] = vector.extract %[[ACC]]#[[#GATE:]][0] : vector<2xf32> from vector<2x2xf32>
// EPI-DAG: %[[G:.*]] = vector.extract %[[GV]][0] : f32 from vector<2xf32>
// EPI-DAG: %[[UV:.*]] = vector.extract %[[ACC]]#[[#GATE+8]][0] : vector<2xf32> from vector<2x2xf32>
// EPI-DAG: %[[U:.*]] = vector.extract %[[UV]][0] : f32 from vector<2xf32>
// EPI: %[[NEG:.*]] = arith.negf %[[G]] : f32
// EPI-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// EPI-DAG: %[[ARG:.*]] = arith.mulf %[[NEG]], %[[LOG2E]] : f32
// EPI: %[[EXP:.*]] = nvvm.inline_ptx "ex2.approx.f32 $0, $1;" ro(%[[ARG]] : f32) -> f32
// EPI: %[[DEN:.*]] = arith.addf %[[FONE:[a-z0-9_]+]], %[[EXP]] : f32
// EPI: %[[SIG:.*]] = arith.divf %[[FONE]], %[[DEN]] : f32
// EPI: %[[SILU:.*]] = arith.mulf %[[G]], %[[SIG]] : f32
// EPI: %[[PROD:.*]] = arith.mulf %[[SILU]], %[[U]] : f32
// EPI: %[[P:.*]] = arith.select %{{.*}}, %[[NAN]], %[[PROD]] : f32
// EPI: %[[T:.*]] = arith.truncf %[[P]] : f32 to bf16
// EPI: memref.store %[[T]], %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xbf16>
// EPI-COUNT-63: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xbf16>
// EPI-NOT: memref.store %{{.*}}, %[[DST]][
// EPI-NOT: math.
// EPI: gpu.return
func.func @experts_silu(%w: !samoyeds.packed<8x512x256xbf16, #fmt>, %x: tensor<?x256xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>) -> tensor<?x256xbf16> {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?xi32>
  %init3 = tensor.empty(%d2d1_3) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<9xi32>) outs(%init3 : tensor<?x256xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<8x512x256xbf16, #fmt>, tensor<?x256xbf16>, tensor<?xi32>
         -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// Compact input (the output of a previous ssmm), routing-weight scale
// (T x 2), f32 result: entry i is scaled by scale.flat[list[i]], entries
// whose list id is not below numel(scale) (or past the expert's segment)
// are padding: their token row is zero-filled and their scale is 0.

// CHECK-LABEL: func.func @experts_scale_f32(
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_256_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64
// CHECK-SAME: memref<9xi32>, %{{.*}} : memref<?x2xf32>, %[[SOUT:[a-z0-9_]+]] : memref<?x256xf32>)
// CHECK: return %[[SOUT]] : memref<?x256xf32>
// CHECK-LABEL: gpu.func @ssmm_8_256_256_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<?x256xbf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %{{.*}}: memref<9xi32>, %[[SCALE:[a-z0-9]+]]: memref<?x2xf32>, %[[DST:[a-z0-9]+]]: memref<?x256xf32>)

// Token rows: the bound is numel(scale); the source row is i itself.
// CHECK-DAG: %[[BY:.*]] = gpu.block_id y
// CHECK-DAG: %[[TOK0:.*]] = arith.muli %[[BY]], %c64{{(_[0-9]+)?}} : index
// CHECK-DAG: %[[SROWS:.*]] = memref.dim %[[SCALE]], %{{.*}} : memref<?x2xf32>
// CHECK-DAG: %[[BOUND:.*]] = arith.muli %[[SROWS]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[I:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK: %[[INSEG:.*]] = arith.cmpi ult, %[[I]], %{{.*}} : index
// CHECK: %[[ID:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[INB:.*]] = arith.cmpi ult, %[[ID]], %[[BOUND]] : index
// CHECK: %[[OK:.*]] = arith.andi %[[INSEG]], %[[INB]] : i1
// CHECK: %[[SRC:.*]] = arith.select %[[OK]], %[[I]], %c0{{(_[0-9]+)?}} : index
// CHECK: nvgpu.device_async_copy %[[IN]][%[[SRC]], %{{.*}}]

// Epilogue: per column the scale, loaded only for a valid id (with T = 0 the
// buffer is empty), 0 for padding: one load per column of the thread
// (4 n-tiles x 2 = 8); the f32 result is stored without conversion
// (128 stores).
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-DAG: %[[SID:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-DAG: %[[SDIM:.*]] = memref.dim %[[SCALE]], %{{.*}} : memref<?x2xf32>
// CHECK-DAG: %[[NUMEL:.*]] = arith.muli %[[SDIM]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[IDOK:.*]] = arith.cmpi ult, %[[SID]], %[[NUMEL]] : index
// CHECK: %[[OKID:.*]] = arith.andi %[[IDOK]], %{{.*}} : i1
// CHECK: %[[S0:.*]] = scf.if %[[OKID]] -> (f32) {
// CHECK: %[[TOKEN:.*]] = arith.divui %[[SID]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[SLOT:.*]] = arith.remui %[[SID]], %c2{{(_[0-9]+)?}} : index
// CHECK: %[[SV:.*]] = memref.load %[[SCALE]][%[[TOKEN]], %[[SLOT]]] : memref<?x2xf32>
// CHECK: scf.yield %[[SV]] : f32
// CHECK: } else {
// CHECK: %[[FZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.yield %[[FZERO]] : f32
// CHECK: %[[V:.*]] = vector.extract %{{.*}}[0] : f32 from vector<2xf32>
// CHECK: %[[SCALED:.*]] = arith.mulf %[[V]], %[[S0]] : f32
// CHECK: %[[P:.*]] = arith.select %{{.*}}, %{{.*}}, %[[SCALED]] : f32
// CHECK: memref.store %[[P]], %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// CHECK: gpu.return

// SCL-LABEL: gpu.func @ssmm_8_256_256_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64(
// SCL-SAME: %[[SCALE:[a-z0-9]+]]: memref<?x2xf32>, %{{.*}}: memref<?x256xf32>)
// SCL-NOT: memref.load %[[SCALE]][
// SCL: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// SCL-COUNT-8: memref.load %[[SCALE]][%{{.*}}, %{{.*}}] : memref<?x2xf32>
// SCL-NOT: memref.load %[[SCALE]][
// SCL: gpu.return
// EPI-LABEL: gpu.func @ssmm_8_256_256_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64(
// EPI-SAME: %[[DST:[a-z0-9]+]]: memref<?x256xf32>)
// EPI: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// EPI-COUNT-128: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// EPI-NOT: memref.store %{{.*}}, %[[DST]][
// EPI-NOT: arith.truncf
// EPI: gpu.return
func.func @experts_scale_f32(%w: !samoyeds.packed<8x256x256xbf16, #fmt>, %x: tensor<?x256xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>, %s: tensor<?x2xf32>) -> tensor<?x256xf32> {
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?xi32>
  %init4 = tensor.empty(%d2d1_4) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>) outs(%init4 : tensor<?x256xf32>)
         {top_k = 2} : !samoyeds.packed<8x256x256xbf16, #fmt>, tensor<?x256xbf16>,
         tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

#fmt24 = #samoyeds.format<n = 2, m = 4, v = 128>

// N = 2: the 2 condensed rows of a group are in lanes 4 apart; their sums are
// combined with one xor-4 shuffle and the group's first lane (g even)
// stores. M = 4: 4 * 64 = 256 > 200 accumulator floats, so the default
// tiling takes warp-m 32 (128 floats): 64-row blocks, 128 / 64 = 2 row
// tiles, 4 x 2 x 4 = 32 accumulators; 4 x (64 x 40 + 64 x 72 + 64 x 4) x 2 =
// 59392 bytes. With 64 block rows for 128 threads, only threads 0..63 copy
// metadata.

// CHECK-LABEL: func.func @two_of_four(
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64 blocks in (%c2{{(_[0-9]+)?}}, {{.*}} dynamic_shared_memory_size %c59392_i32
// CHECK-LABEL: gpu.func @ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64(
// CHECK-SAME: %{{[a-z0-9]+}}: memref<128x256xf16>, %[[META:[a-z0-9]+]]: memref<128x32xi16>
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK-DAG: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: memref.view {{.*}} to memref<4x64x40xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view {{.*}} to memref<4x64x72xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view {{.*}} to memref<4x64x4xi16, #gpu.address_space<workgroup>>
// CHECK: %[[FEW:.*]] = arith.cmpi ult, %[[TID]], %c64{{(_[0-9]+)?}} : index
// CHECK-NEXT: scf.if %[[FEW]] {
// CHECK: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %[[TID]], %c0{{(_[0-9]+)?}}], 4 : memref<128x32xi16> to memref<4x64x4xi16, #gpu.address_space<workgroup>>
// The slice loop carries 32 accumulators and 4 row indices, the K loop the
// 2 x 4 fragments of slot 0; the row selection compares with j = 0 .. 3.
// CHECK: %{{.*}}:36 = scf.for
// CHECK: arith.cmpi eq, %{{.*}}, %c3_i32{{(_[0-9]+)?}} : i32
// CHECK: %{{.*}}:8 = scf.for
// CHECK: gpu.return

// Every metadata copy is guarded by tid < 64: one per prologue stage, one
// per iteration.
// CPM-LABEL: gpu.func @ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64(
// CPM-SAME: %[[META:[a-z0-9]+]]: memref<128x32xi16>
// CPM: %[[TID:.*]] = gpu.thread_id x
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: %[[F0:.*]] = arith.cmpi ult, %[[TID]], %c64{{(_[0-9]+)?}} : index
// CPM-NEXT: scf.if %[[F0]] {
// CPM: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %[[TID]], %c0{{(_[0-9]+)?}}], 4
// CPM: nvgpu.device_async_create_group
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: %[[F1:.*]] = arith.cmpi ult, %[[TID]], %c64{{(_[0-9]+)?}} : index
// CPM-NEXT: scf.if %[[F1]] {
// CPM: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %[[TID]], %c0{{(_[0-9]+)?}}], 4
// CPM: nvgpu.device_async_create_group
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: %[[F2:.*]] = arith.cmpi ult, %[[TID]], %c64{{(_[0-9]+)?}} : index
// CPM-NEXT: scf.if %[[F2]] {
// CPM: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %[[TID]], %c0{{(_[0-9]+)?}}], 4
// CPM: nvgpu.device_async_create_group
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: nvgpu.device_async_wait
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: %[[F3:.*]] = arith.cmpi ult, %[[TID]], %c64{{(_[0-9]+)?}} : index
// CPM-NEXT: scf.if %[[F3]] {
// CPM: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %[[TID]], %c0{{(_[0-9]+)?}}], 4
// CPM-NOT: nvgpu.device_async_copy %[[META]][
// CPM: gpu.return

// MMA-LABEL: gpu.func @ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64(
// MMA: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MMA-COUNT-16: nvgpu.mma.sp.sync(%{{.*}}, %{{.*}}, %{{.*}}) metadata(%{{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x2xf16>, vector<4x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// MMA-NOT: mma.sp
// MMA: scf.yield

// The lane reduction: per stored element, the value plus the one of the
// lane 4 apart (gpu.shuffle xor 4, width 32, executed by all lanes), stored
// only by the leader lane (g % 2 == 0) of an entry inside the list: 128
// elements, 128 shuffles and 128 guarded stores.
// EPI-LABEL: gpu.func @ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64(
// EPI-SAME: %[[DST:[a-z0-9]+]]: memref<?x256xf32>)
// EPI: %[[TID:.*]] = gpu.thread_id x
// EPI-DAG: %[[LANE:.*]] = arith.remui %[[TID]], %c32{{(_[0-9]+)?}} : index
// EPI-DAG: %[[G:.*]] = arith.divui %[[LANE]], %c4{{(_[0-9]+)?}} : index
// EPI: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// EPI-NOT: gpu.shuffle
// EPI: %[[GPAR:.*]] = arith.remui %[[G]], %c2{{(_[0-9]+)?}} : index
// EPI: %[[LEADER:.*]] = arith.cmpi eq, %[[GPAR]], %c0{{(_[0-9]+)?}} : index
// EPI: %[[X:.*]] = vector.extract %{{.*}}[0] : f32 from vector<2xf32>
// EPI: %[[OTHER:[a-zA-Z0-9_]+]], %{{.*}} = gpu.shuffle xor %[[X]], %c4_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// EPI: %[[SUM:.*]] = arith.addf %[[X]], %[[OTHER]] : f32
// EPI: %[[P:.*]] = arith.select %{{.*}}, %{{.*}}, %[[SUM]] : f32
// EPI: %[[DO:.*]] = arith.andi %[[LEADER]], %{{.*}} : i1
// EPI: scf.if %[[DO]] {
// EPI-NEXT: memref.store %[[P]], %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// EPI-COUNT-127: gpu.shuffle xor %{{.*}}, %c4_i32{{(_[0-9]+)?}}, %c32_i32{{(_[0-9]+)?}} : f32
// EPI-NOT: gpu.shuffle
// EPI: gpu.return
// EPI2-LABEL: gpu.func @ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64(
// EPI2-SAME: %[[DST:[a-z0-9]+]]: memref<?x256xf32>)
// EPI2: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// EPI2-COUNT-128: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// EPI2-NOT: memref.store %{{.*}}, %[[DST]][
// EPI2: gpu.return
func.func @two_of_four(%w: !samoyeds.packed<256x512xf16, #fmt24>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x256xf32> {
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %l, %d2c0_5 : tensor<?xi32>
  %init5 = tensor.empty(%d2d1_5) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w, %x, %l outs(%init5 : tensor<?x256xf32>) {gather, top_k = 4} : !samoyeds.packed<256x512xf16, #fmt24>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

#fmt18 = #samoyeds.format<n = 1, m = 8, v = 128>

// 1:8: only warp-m 16 fits the budget (8 * 16 = 128 floats): 32-row
// blocks (threads 0..31 copy metadata), 128 / 32 = 4 row tiles, 8 x 1 x 4
// accumulators; 4 x (32 x 40 + 64 x 72 + 32 x 4) x 2 = 48128 bytes.

// CHECK-LABEL: func.func @one_of_eight(
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_1024_512_bf16_n1m8v128_gather_k1_obf16_t16x32x2x2s4k64 blocks in (%c4{{(_[0-9]+)?}}, {{.*}} dynamic_shared_memory_size %c48128_i32
// CHECK-LABEL: gpu.func @ssmm_1024_512_bf16_n1m8v128_gather_k1_obf16_t16x32x2x2s4k64(
// CHECK-DAG: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: memref.view {{.*}} to memref<4x32x40xbf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view {{.*}} to memref<4x32x4xi16, #gpu.address_space<workgroup>>
// CHECK: %[[FEW:.*]] = arith.cmpi ult, %[[TID]], %c32{{(_[0-9]+)?}} : index
// CHECK-NEXT: scf.if %[[FEW]]
// CHECK: nvgpu.device_async_copy {{.*}}, 4 : memref<128x32xi16> to memref<4x32x4xi16, #gpu.address_space<workgroup>>
// The slice loop carries 8 x 4 accumulators and 2 row indices; the row
// selection compares the row index with j = 0 .. 7.
// CHECK: %{{.*}}:34 = scf.for
// CHECK: arith.cmpi eq, %{{.*}}, %c7_i32{{(_[0-9]+)?}} : i32
// CHECK: %{{.*}}:4 = scf.for
// CHECK: gpu.return
// MMA-LABEL: gpu.func @ssmm_1024_512_bf16_n1m8v128_gather_k1_obf16_t16x32x2x2s4k64(
// MMA: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MMA-COUNT-8: nvvm.mma.sp.sync
// MMA-NOT: mma.sp
// MMA: scf.yield
func.func @one_of_eight(%w: !samoyeds.packed<1024x512xbf16, #fmt18>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %l, %d2c0_6 : tensor<?xi32>
  %init6 = tensor.empty(%d2d1_6) : tensor<?x1024xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init6 : tensor<?x1024xbf16>) {gather} : !samoyeds.packed<1024x512xbf16, #fmt18>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %r : tensor<?x1024xbf16>
}

// -----

#fmt32 = #samoyeds.format<n = 1, m = 2, v = 32>

// 64 condensed rows: 2 warps along rows (128) do not divide them, so the
// default tiling takes 1 (64 threads). V = 32 clamps block-k to 32; 8 slices
// of one stage each (the slice loop carries 2 x 4 x 4 accumulators and 8 row
// indices, the K loop one trip); 4 x (64 x 24 + 64 x 40 + 64 x 2) x 2 = 33792
// bytes.

// CHECK-LABEL: func.func @small_v32(
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_128_256_f16_n1m2v32_of16_t64x32x1x2s4k32 {{.*}} threads in (%c64{{(_[0-9]+)?}}, {{.*}} dynamic_shared_memory_size %c33792_i32
// CHECK-LABEL: gpu.func @ssmm_128_256_f16_n1m2v32_of16_t64x32x1x2s4k32(
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK-DAG: memref.view {{.*}} to memref<4x64x24xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view {{.*}} to memref<4x64x40xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view {{.*}} to memref<4x64x2xi16, #gpu.address_space<workgroup>>
// CHECK: %{{.*}}:40 = scf.for
// CHECK: %{{.*}}:16 = scf.for %{{.*}} = %{{.*}} to %c1{{(_[0-9]+)?}} step
// CHECK: gpu.return
// One k32 step per stage: 4 x 4 MMAs per iteration, 2-word (4-byte)
// metadata copies.
// MMA-LABEL: gpu.func @ssmm_128_256_f16_n1m2v32_of16_t64x32x1x2s4k32(
// MMA: nvgpu.device_async_copy {{.*}}, 2 : memref<64x16xi16> to memref<4x64x2xi16, #gpu.address_space<workgroup>>
// MMA: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// MMA-COUNT-16: nvgpu.mma.sp.sync
// MMA-NOT: mma.sp
// MMA: scf.yield
func.func @small_v32(%w: !samoyeds.packed<128x256xf16, #fmt32>, %x: tensor<?x256xf16>,
    %l: tensor<?xi32>) -> tensor<?x128xf16> {
  %d2c0_7 = arith.constant 0 : index
  %d2d1_7 = tensor.dim %l, %d2c0_7 : tensor<?xi32>
  %init7 = tensor.empty(%d2d1_7) : tensor<?x128xf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init7 : tensor<?x128xf16>) : !samoyeds.packed<128x256xf16, #fmt32>,
         tensor<?x256xf16>, tensor<?xi32> -> tensor<?x128xf16>
  return %r : tensor<?x128xf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// Two ssmm of the same configuration share one kernel; each has its launch.

// CHECK-LABEL: func.func @shared_kernel(
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64
// CHECK: gpu.module @samoyeds_kernels
// CHECK-COUNT-1: gpu.func
// CHECK-NOT: gpu.func
func.func @shared_kernel(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l1: tensor<?xi32>, %l2: tensor<?xi32>) -> (tensor<?x256xbf16>, tensor<?x256xbf16>) {
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %l1, %d2c0_8 : tensor<?xi32>
  %init8 = tensor.empty(%d2d1_8) : tensor<?x256xbf16>
  %a = samoyeds.ssmm %w, %x, %l1 outs(%init8 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  %d2c0_9 = arith.constant 0 : index
  %d2d1_9 = tensor.dim %l2, %d2c0_9 : tensor<?xi32>
  %init9 = tensor.empty(%d2d1_9) : tensor<?x256xbf16>
  %b = samoyeds.ssmm %w, %x, %l2 outs(%init9 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %a, %b : tensor<?x256xbf16>, tensor<?x256xbf16>
}

// -----

// Without ssmm the pass changes nothing: no container attribute (the only
// module header without attributes is this case's) and no gpu.module.
// CHECK-LABEL: {{^}}module {
// CHECK-NEXT: func.func @no_ssmm(
// CHECK-NOT: gpu.module
func.func @no_ssmm(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
