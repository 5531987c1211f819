// Split-K of the ssmm kernel (SplitK.h, HostLaunch.cpp): what
// convert-samoyeds-to-gpu makes of an ssmm whose configuration allows K
// splits. The host picks S at run time, S = clamp(2 x 132 SMs / (row tiles x
// max(1, min(token tiles, pairs))), 1, min(split_k, V-slices)), lowered to fit
// a 64 MiB workspace, zeroes one arrival counter per tile (gpu.memset) and
// launches kernel <name>_sk<N> with grid z = S. With S > 1 each block stores
// its partials, counts its arrival, and the last block of a tile adds the S
// partials in split order and runs the epilogue. The unsplit kernel itself
// is ssmm-kernel.mlir's.
//
// As in ssmm-kernel.mlir, each fact has its own prefix, values are tied by
// SSA names and the host arithmetic is matched as a DAG, so the order of
// independent ops does not matter. PART and DIRECT run with
// --strict-whitespace: they capture the indentation of an scf.if to say that
// the stores lie inside it.
//   HOST    S, wsTiles, the workspace and counter sizes and the launch (also:
//           the clamp to the slices when split_k is larger)
//   ORDER   allocations, the memset of the counters, then the one launch
//   SLICE   split z of nz runs slices z*4/nz .. (z+1)*4/nz
//   PART    the partials stored to the workspace when nz > 1
//   ARRIVE  the release fence, the counter increment by thread 0, its
//           broadcast (bar.red.or) and the acquire fence
//   TRAP    the trap for a token tile at or past wsTiles
//   DIRECT  the epilogue: nz == 1, the last block, or split 0 without work
//   SUM     the last block's loop over the splits
//   SUMU    a decode-sized kernel's sum loads four splits before adding them
//   GROUP   wsTiles for a list made by samoyeds.dispatch
//   NOSPLIT split_k = 1: one kernel, no workspace, no counters
//   PTXZ/PTXST/PTXLD  the PTX: %nctaid.z, the partial stores, the
//           fences and the atomic, the sum's loads
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --samoyeds-bufferize --convert-samoyeds-to-gpu="split-k=4 decode-tile=1" -o %t
// RUN: FileCheck %s --input-file=%t --check-prefix=HOST
// RUN: FileCheck %s --input-file=%t --check-prefix=ORDER
// RUN: FileCheck %s --input-file=%t --check-prefix=SLICE
// RUN: FileCheck %s --input-file=%t --check-prefix=PART --strict-whitespace
// RUN: FileCheck %s --input-file=%t --check-prefix=ARRIVE
// RUN: FileCheck %s --input-file=%t --check-prefix=TRAP
// RUN: FileCheck %s --input-file=%t --check-prefix=DIRECT --strict-whitespace
// RUN: FileCheck %s --input-file=%t --check-prefix=SUM
// RUN: FileCheck %s --input-file=%t --check-prefix=SUMU
// RUN: FileCheck %s --input-file=%t --check-prefix=GROUP
// RUN: FileCheck %s --input-file=%t --check-prefix=NOSPLIT
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa split-k=4 decode-tile=1" -o %t.ptx
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTXZ
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTXST
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTXLD

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// bf16, gathered tokens, 2-D weight, default tiling (ssmm-kernel.mlir):
// 128 condensed rows = 1 row tile of 128, token tiles of 64, 512 / 128 = 4
// V-slices. One row tile is fewer than the 132 SMs, so the heuristic allows
// min(16, 4) = 4 splits: kernel ..._sk4. Per thread 2 x 4 x 4 = 32
// accumulator fragments of 2 x 2 floats (128 floats), 128 threads: a block's
// partials are 16384 floats.

// pairs = rows(input) x top_k (1); work = max(min(gy, pairs), 1);
// S = 264 / (1 row tile x work), clamped to [1, min(4, 4)]; the list is not a
// dispatch list, so wsTiles = gy; a split's workspace is 1 x wsTiles x 16384
// floats and S is lowered to at most 16M floats (64 MiB) / that. The
// workspace holds S splits (4 floats when S = 1: the kernel then writes
// none); the counters are one per tile that can have work, 1 x wsTiles (at
// least 1), zeroed before the launch.
// The kernel writes the outs buffer (bufferization's), which is returned.
// HOST-LABEL: func.func @bf16_gather(
// HOST-SAME: %[[XB:[a-z0-9]+]]: memref<?x512xbf16>, %[[LB:[a-z0-9]+]]: memref<?xi32>)
// HOST: %[[OUT:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x256xbf16>
// HOST-DAG: %[[LEN:.*]] = memref.dim %[[LB]], %c0{{(_[0-9]+)?}} : memref<?xi32>
// HOST-DAG: %[[GY:.*]] = arith.ceildivui %[[LEN]], %c64{{(_[0-9]+)?}} : index
// HOST-DAG: %[[T:.*]] = memref.dim %[[XB]], %c0{{(_[0-9]+)?}} : memref<?x512xbf16>
// HOST-DAG: %[[PAIRS:.*]] = arith.muli %[[T]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[WMIN:.*]] = arith.minui %[[GY]], %[[PAIRS]] : index
// HOST-DAG: %[[WORK:.*]] = arith.maxui %[[WMIN]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[BLOCKS:.*]] = arith.muli %c1{{(_[0-9]+)?}}, %[[WORK]] : index
// HOST-DAG: %[[S0:.*]] = arith.divui %c264{{(_[0-9]+)?}}, %[[BLOCKS]] : index
// HOST-DAG: %[[S1:.*]] = arith.minui %[[S0]], %c4{{(_[0-9]+)?}} : index
// HOST-DAG: %[[S2:.*]] = arith.maxui %[[S1]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[TILES:.*]] = arith.muli %c1{{(_[0-9]+)?}}, %[[GY]] : index
// HOST-DAG: %[[PER:.*]] = arith.muli %[[TILES]], %c16384{{(_[0-9]+)?}} : index
// HOST-DAG: %[[PER1:.*]] = arith.maxui %[[PER]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[FIT:.*]] = arith.divui %c16777216{{(_[0-9]+)?}}, %[[PER1]] : index
// HOST-DAG: %[[S3:.*]] = arith.minui %[[S2]], %[[FIT]] : index
// HOST-DAG: %[[S:.*]] = arith.maxui %[[S3]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[ALL:.*]] = arith.muli %[[S]], %[[PER]] : index
// HOST-DAG: %[[FLOATS:.*]] = arith.select %[[MANY:[0-9]+]], %[[ALL]], %c4{{(_[0-9]+)?}} : index
// HOST-DAG: %[[MANY]] = arith.cmpi ugt, %[[S]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[WS:.*]] = memref.alloc(%[[FLOATS]]) : memref<?xf32>
// HOST-DAG: %[[NC:.*]] = arith.muli %c1{{(_[0-9]+)?}}, %[[GY]] : index
// HOST-DAG: %[[NC1:.*]] = arith.maxui %[[NC]], %c1{{(_[0-9]+)?}} : index
// HOST-DAG: %[[CNT:.*]] = memref.alloc(%[[NC1]]) : memref<?xi32>
// HOST-DAG: gpu.memset %[[CNT]], %c0_i32{{(_[0-9]+)?}} : memref<?xi32>, i32
// The launch: grid (1, token tiles, S), the unsplit kernel's shared memory;
// after out: the workspace, the counters and wsTiles.
// HOST-DAG: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4 blocks in (%c1{{(_[0-9]+)?}}, %{{[0-9]+}}, %[[S]]) threads in (%c128{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) dynamic_shared_memory_size %c81920_i32 args(%{{.*}} : memref<128x256xbf16>, %{{.*}} : memref<128x32xi16>, %{{.*}} : memref<4x128xi8>, %[[XB]] : memref<?x512xbf16>, %[[LB]] : memref<?xi32>, %[[OUT]] : memref<?x256xbf16>, %[[WS]] : memref<?xf32>, %[[CNT]] : memref<?xi32>, %[[GY]] : index)
// HOST: return %[[OUT]]

// The counters are zeroed after their allocation and before the launch, the
// only one: no second kernel.
// ORDER-LABEL: func.func @bf16_gather(
// ORDER: memref.alloc(%{{.*}}) : memref<?xf32>
// ORDER: %[[C:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// ORDER-NOT: gpu.launch_func
// ORDER: gpu.memset %[[C]]
// ORDER-NOT: gpu.launch_func
// ORDER: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4 blocks
// ORDER-NOT: gpu.launch_func
// ORDER: return
// ORDER-LABEL: gpu.module @samoyeds_kernels
// ORDER: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// ORDER-NOT: gpu.func
// ORDER-LABEL: func.func @layer(

// Split z = block_id z of nz = grid_dim z: V-slices
// [z * 4 / nz, (z + 1) * 4 / nz), i.e. K tiles [begin * 2, end * 2) (2
// stages of block-k 64 per slice). The row indices are loaded first for
// slice begin, the slice loop runs begin .. end, and the prologue's first
// stage and the K loop's prefetch are bounded by end * 2 rather than by 8.
// SLICE-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// SLICE-SAME: %[[RIDX:[a-z0-9]+]]: memref<4x128xi8>
// SLICE-DAG: %[[BZ:.*]] = gpu.block_id z
// SLICE-DAG: %[[NZ:.*]] = gpu.grid_dim z
// SLICE-DAG: %[[ZS:.*]] = arith.muli %[[BZ]], %c4{{(_[0-9]+)?}} : index
// SLICE-DAG: %[[BEGIN:.*]] = arith.divui %[[ZS]], %[[NZ]] : index
// SLICE-DAG: %[[Z1:.*]] = arith.addi %[[BZ]], %c1{{(_[0-9]+)?}} : index
// SLICE-DAG: %[[Z1S:.*]] = arith.muli %[[Z1]], %c4{{(_[0-9]+)?}} : index
// SLICE-DAG: %[[END:.*]] = arith.divui %[[Z1S]], %[[NZ]] : index
// SLICE-DAG: %[[KBEGIN:.*]] = arith.muli %[[BEGIN]], %c2{{(_[0-9]+)?}} : index
// SLICE-DAG: %[[KEND:.*]] = arith.muli %[[END]], %c2{{(_[0-9]+)?}} : index
// SLICE-DAG: %[[KT0:.*]] = arith.addi %[[KBEGIN]], %c0{{(_[0-9]+)?}} : index
// SLICE-DAG: arith.cmpi ult, %[[KT0]], %[[KEND]] : index
// SLICE-DAG: memref.load %[[RIDX]][%[[BEGIN]], %{{.*}}] : memref<4x128xi8>
// SLICE: scf.for %{{[a-z0-9_]+}} = %[[BEGIN]] to %[[END]] step
// SLICE: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// SLICE: %[[NEXT:.*]] = arith.addi %{{.*}}, %c3{{(_[0-9]+)?}} : index
// SLICE: arith.cmpi ult, %[[NEXT]], %[[KEND]] : index
// SLICE: gpu.return

// With nz > 1 and work in the tile, the thread stores each of its 32
// fragments as 2 rows of 2 floats: 64 vector stores into workspace block
// (z * 1 + x) * wsTiles + y, row h of fragment f at float
// (((block * 32 + f) * 2 + h) * 128 + tid) * 2. All of them inside the
// scf.if (the indentation captured as IND) that yields whether the block
// arrived last, after the pipeline drained.
// PART-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// PART-SAME: %[[WS:[a-z0-9]+]]: memref<?xf32>, %{{[a-z0-9]+}}: memref<?xi32>, %[[WST:[a-z0-9]+]]: index)
// PART-DAG: %[[TID:.*]] = gpu.thread_id{{ +}}x
// PART-DAG: %[[BX:.*]] = gpu.block_id{{ +}}x
// PART-DAG: %[[BY:.*]] = gpu.block_id{{ +}}y
// PART-DAG: %[[BZ:.*]] = gpu.block_id{{ +}}z
// PART-DAG: %[[NZ:.*]] = gpu.grid_dim{{ +}}z
// PART-NOT: vector.store
// PART: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// PART-NOT: vector.store
// PART: %[[MANY:.*]] = arith.cmpi ugt, %[[NZ]], %c1{{(_[0-9]+)?}} : index
// PART-NOT: vector.store
// PART: %[[DO:.*]] = arith.andi %[[MANY]], %{{.*}} : i1
// PART-NEXT: {{^}}[[IND: +]]%{{[0-9]+}} = scf.if %[[DO]] -> (i1) {{[{]$}}
// PART-NOT: {{^}}[[IND]]{{[}]$}}
// PART: %[[ZR:.*]] = arith.muli %[[BZ]], %c1{{(_[0-9]+)?}} : index
// PART: %[[ZX:.*]] = arith.addi %[[ZR]], %[[BX]] : index
// PART: %[[ZXW:.*]] = arith.muli %[[ZX]], %[[WST]] : index
// PART: %[[BLK:.*]] = arith.addi %[[ZXW]], %[[BY]] : index
// PART-NOT: {{^}}[[IND]]{{[}]$}}
// PART: %[[F:.*]] = arith.muli %[[BLK]], %c32{{(_[0-9]+)?}} : index
// PART: %[[F0:.*]] = arith.addi %[[F]], %c0{{(_[0-9]+)?}} : index
// PART: %[[H:.*]] = arith.muli %[[F0]], %c2{{(_[0-9]+)?}} : index
// PART: %[[H0:.*]] = arith.addi %[[H]], %c0{{(_[0-9]+)?}} : index
// PART: %[[TH:.*]] = arith.muli %[[H0]], %c128{{(_[0-9]+)?}} : index
// PART: %[[TT:.*]] = arith.addi %[[TH]], %[[TID]] : index
// PART: %[[OFF:.*]] = arith.muli %[[TT]], %c2{{(_[0-9]+)?}} : index
// PART-NOT: {{^}}[[IND]]{{[}]$}}
// PART-NEXT: vector.store %{{.*}}, %[[WS]][%[[OFF]]] {alignment = 8 : i64} : memref<?xf32>, vector<2xf32>
// PART-NOT: {{^}}[[IND]]{{[}]$}}
// PART-COUNT-63: vector.store %{{.*}}, %[[WS]][%{{.*}}] {alignment = 8 : i64} : memref<?xf32>, vector<2xf32>
// PART-NOT: vector.store
// PART: {{^}}[[IND]]{{[}]}} else {
// PART-NOT: vector.store
// PART: gpu.return

// The host bounded the workspace by wsTiles token tiles: a tile with work
// at y >= wsTiles traps before it stores (only a split launch stores).
// TRAP-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// TRAP-SAME: %[[WS:[a-z0-9]+]]: memref<?xf32>, %{{[a-z0-9]+}}: memref<?xi32>, %[[WST:[a-z0-9]+]]: index)
// TRAP-DAG: %[[BY:.*]] = gpu.block_id y
// TRAP-DAG: %[[NZ:.*]] = gpu.grid_dim z
// TRAP-NOT: llvm.intr.trap
// TRAP: arith.cmpi ugt, %[[NZ]], %c1{{(_[0-9]+)?}} : index
// TRAP-NOT: llvm.intr.trap
// TRAP: %[[OVER:.*]] = arith.cmpi uge, %[[BY]], %[[WST]] : index
// TRAP-NEXT: scf.if %[[OVER]] {
// TRAP-NEXT: llvm.intr.trap
// TRAP-NEXT: }
// TRAP-NOT: llvm.intr.trap
// TRAP-NOT: vector.store
// TRAP: vector.store %{{.*}}, %[[WS]][
// TRAP-NOT: llvm.intr.trap
// TRAP: gpu.return

// The block's arrival (SplitK.h, arriveLast): after its partial stores a
// release fence and a barrier; thread 0 increments the tile's counter
// x * wsTiles + y and compares the old value with nz - 1; bar.red.or gives
// its answer to every thread, and an acquire fence precedes the loads of
// the last block's sum.
// ARRIVE-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// ARRIVE-SAME: %[[CNT:[a-z0-9]+]]: memref<?xi32>, %[[WST:[a-z0-9]+]]: index)
// ARRIVE-DAG: %[[TID:.*]] = gpu.thread_id x
// ARRIVE-DAG: %[[BX:.*]] = gpu.block_id x
// ARRIVE-DAG: %[[BY:.*]] = gpu.block_id y
// ARRIVE-DAG: %[[NZ:.*]] = gpu.grid_dim z
// ARRIVE-NOT: nvvm.memory.barrier
// ARRIVE: %[[CX:.*]] = arith.muli %[[BX]], %[[WST]] : index
// ARRIVE: %[[CI:.*]] = arith.addi %[[CX]], %[[BY]] : index
// ARRIVE-NOT: nvvm.memory.barrier
// ARRIVE: vector.store
// ARRIVE-NOT: memref.atomic_rmw
// ARRIVE: nvvm.memory.barrier <gpu>
// ARRIVE-NEXT: gpu.barrier
// ARRIVE: %[[T0:.*]] = arith.cmpi eq, %[[TID]], %c0{{(_[0-9]+)?}} : index
// ARRIVE: %[[ISLAST:.*]] = scf.if %[[T0]] -> (i1) {
// ARRIVE: %[[OLD:.*]] = memref.atomic_rmw addi %c1_i32{{(_[0-9]+)?}}, %[[CNT]][%[[CI]]] : (i32, memref<?xi32>) -> i32
// ARRIVE: %[[SM1:.*]] = arith.subi %[[NZ]], %c1{{(_[0-9]+)?}} : index
// ARRIVE: %[[SM1I:.*]] = arith.index_cast %[[SM1]] : index to i32
// ARRIVE: %[[EQ:.*]] = arith.cmpi eq, %[[OLD]], %[[SM1I]] : i32
// ARRIVE: scf.yield %[[EQ]] : i1
// ARRIVE: } else {
// ARRIVE: scf.yield %false{{(_[0-9]+)?}} : i1
// ARRIVE: %[[EXT:.*]] = arith.extui %[[ISLAST]] : i1 to i32
// ARRIVE: %[[RED:.*]] = nvvm.barrier #nvvm.reduction<or> %[[EXT]] -> i32
// ARRIVE: %[[ISLASTB:.*]] = arith.cmpi ne, %[[RED]], %c0_i32{{(_[0-9]+)?}} : i32
// ARRIVE-NEXT: nvvm.memory.barrier <gpu>
// ARRIVE-NEXT: scf.yield %[[ISLASTB]] : i1
// ARRIVE-NOT: memref.atomic_rmw
// ARRIVE-NOT: nvvm.memory.barrier
// ARRIVE: gpu.return

// The epilogue (128 guarded output stores: 4 n-tiles x 2 columns x 4
// m-tiles x 2 rows x 2 row slots) runs inside one scf.if, on nz == 1, or
// the block arrived last, or the tile has no work and z == 0 (its zero
// accumulators); no store elsewhere.
// DIRECT-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// DIRECT-SAME: %[[DST:[a-z0-9]+]]: memref<?x256xbf16>, %{{[a-z0-9]+}}: memref<?xf32>
// DIRECT-DAG: %[[BZ:.*]] = gpu.block_id{{ +}}z
// DIRECT-DAG: %[[NZ:.*]] = gpu.grid_dim{{ +}}z
// DIRECT-NOT: memref.store %{{.*}}, %[[DST]][
// DIRECT: %[[MANY:.*]] = arith.cmpi ugt, %[[NZ]], %c1{{(_[0-9]+)?}} : index
// DIRECT: %[[DO:.*]] = arith.andi %[[MANY]], %[[WORK:[0-9]+]] : i1
// DIRECT: %[[LAST:.*]] = scf.if %[[DO]] -> (i1)
// DIRECT-NOT: memref.store %{{.*}}, %[[DST]][
// DIRECT: %[[NOWORK:.*]] = arith.xori %[[WORK]], %true{{(_[0-9]+)?}} : i1
// DIRECT: %[[FIRST:.*]] = arith.cmpi eq, %[[BZ]], %c0{{(_[0-9]+)?}} : index
// DIRECT: %[[ZW:.*]] = arith.andi %[[NOWORK]], %[[FIRST]] : i1
// DIRECT: %[[ONE:.*]] = arith.xori %[[MANY]], %true{{(_[0-9]+)?}} : i1
// DIRECT: %[[E1:.*]] = arith.ori %[[ONE]], %[[LAST]] : i1
// DIRECT: %[[E:.*]] = arith.ori %[[E1]], %[[ZW]] : i1
// DIRECT-NOT: memref.store %{{.*}}, %[[DST]][
// DIRECT: {{^}}[[IND: +]]scf.if %[[E]] {{[{]$}}
// DIRECT-NOT: {{^}}[[IND]]{{[}]$}}
// DIRECT-COUNT-128: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xbf16>
// DIRECT-NOT: memref.store %{{.*}}, %[[DST]][
// DIRECT: {{^}}[[IND]]{{[}]$}}
// DIRECT-NOT: memref.store %{{.*}}, %[[DST]][
// DIRECT: gpu.return

// The last block's sum: an scf.if on its arrival yields, for the last
// block, an scf.for over z in [0, nz) from zero accumulators, each step
// loading the 64 rows of block (z * 1 + x) * wsTiles + y at the offsets the
// stores used and adding them in; for the others, the block's own
// accumulators (those of the main loop). The epilogue stores the result.
// SUM-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// SUM-SAME: %[[DST:[a-z0-9]+]]: memref<?x256xbf16>, %[[WS:[a-z0-9]+]]: memref<?xf32>, %{{[a-z0-9]+}}: memref<?xi32>, %[[WST:[a-z0-9]+]]: index)
// SUM-SAME: kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// SUM-DAG: %[[TID:.*]] = gpu.thread_id x
// SUM-DAG: %[[BX:.*]] = gpu.block_id x
// SUM-DAG: %[[BY:.*]] = gpu.block_id y
// SUM-DAG: %[[NZ:.*]] = gpu.grid_dim z
// SUM: %[[OWN:[0-9]+]]:32 = scf.if %{{.*}} -> (vector<2x2xf32>,
// SUM: %[[LAST:.*]] = scf.if %{{.*}} -> (i1) {
// SUM: %[[ACC:.*]]:32 = scf.if %[[LAST]] -> (vector<2x2xf32>,
// SUM: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// SUM: %{{.*}}:32 = scf.for %[[Z:[a-z0-9_]+]] = %c0{{(_[0-9]+)?}} to %[[NZ]] step %c1{{(_[0-9]+)?}} iter_args(%[[A0:[a-z0-9_]+]] = %[[ZERO]],
// SUM: %[[ZR:.*]] = arith.muli %[[Z]], %c1{{(_[0-9]+)?}} : index
// SUM: %[[ZX:.*]] = arith.addi %[[ZR]], %[[BX]] : index
// SUM: %[[ZXW:.*]] = arith.muli %[[ZX]], %[[WST]] : index
// SUM: %[[BLK:.*]] = arith.addi %[[ZXW]], %[[BY]] : index
// SUM: %[[F:.*]] = arith.muli %[[BLK]], %c32{{(_[0-9]+)?}} : index
// SUM: %[[F0:.*]] = arith.addi %[[F]], %c0{{(_[0-9]+)?}} : index
// SUM: %[[H:.*]] = arith.muli %[[F0]], %c2{{(_[0-9]+)?}} : index
// SUM: %[[H0:.*]] = arith.addi %[[H]], %c0{{(_[0-9]+)?}} : index
// SUM: %[[TH:.*]] = arith.muli %[[H0]], %c128{{(_[0-9]+)?}} : index
// SUM: %[[TT:.*]] = arith.addi %[[TH]], %[[TID]] : index
// SUM: %[[SPARE:.*]] = arith.muli %[[TT]], %c2{{(_[0-9]+)?}} : index
// A fragment with no valid column was never stored: its load is redirected
// to the thread's first row of the block (the offset above, row 0 of
// fragment 0) and the add skipped. The 32 fragments are 128 floats a split,
// kSumFloatsInFlight: one split per iteration (step 1), its 64 loads before
// its adds.
// SUM: %[[SAFE:.*]] = arith.select %[[USED:.*]], %{{[0-9]+}}, %[[SPARE]] : index
// SUM: %[[LD:.*]] = vector.load %[[WS]][%[[SAFE]]] {alignment = 8 : i64} : memref<?xf32>, vector<2xf32>
// SUM-COUNT-63: vector.load %[[WS]][%{{.*}}] {alignment = 8 : i64} : memref<?xf32>, vector<2xf32>
// SUM-NOT: vector.load
// SUM: %[[R0:.*]] = vector.extract %[[A0]][0] : vector<2xf32> from vector<2x2xf32>
// SUM: %[[ADD:.*]] = arith.addf %[[R0]], %[[LD]] : vector<2xf32>
// SUM: arith.select %[[USED]], %[[ADD]], %[[R0]] : vector<2xf32>
// SUM-NOT: vector.load
// SUM: scf.yield
// SUM-NOT: vector.load
// SUM: } else {
// SUM-NEXT: scf.yield %[[OWN]]#0, %[[OWN]]#1,
// SUM-NOT: vector.load
// SUM-NOT: memref.store %{{.*}}, %[[DST]][
// SUM: vector.extract %[[ACC]]#{{[0-9]+}}
// SUM-COUNT-128: memref.store %{{.*}}, %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xbf16>
// SUM-NOT: memref.store %{{.*}}, %[[DST]][
// SUM-NOT: vector.load
// SUM: gpu.return
// SUM-LABEL: func.func @layer(


func.func @bf16_gather(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// The PTX of the kernel: it reads the split count (%nctaid.z), stores its
// partials as pairs of floats, then membar.gl, the counter's
// atom.global.add, membar.gl again, and (the last block) loads the partials
// as pairs. (The NVPTX back end of LLVM 22 types the f32 pairs .b32.)
// PTXZ-LABEL: gpu.binary @samoyeds_kernels
// PTXZ-SAME: .visible .entry ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// PTXZ-NOT: .entry
// PTXZ-SAME: %nctaid.z;
// PTXZ-NOT: .entry
// PTXZ-SAME: ">]
// PTXST-LABEL: gpu.binary @samoyeds_kernels
// PTXST-SAME: .visible .entry ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// PTXST-NOT: membar.gl
// PTXST-SAME: \09st.global.v2.{{[bf]}}32 \09[%rd{{[0-9]+}}{{(\+[0-9]+)?}}], {%r{{[0-9]+}}, %r{{[0-9]+}}};
// PTXST-NOT: atom.global
// PTXST-SAME: membar.gl;
// PTXST-SAME: \09atom.global.add.u32 \09%r{{[0-9]+}}, [%rd{{[0-9]+}}], 1;
// PTXST-NOT: st.global.v2
// PTXST-SAME: membar.gl;
// PTXST-NOT: atom.global
// PTXST-SAME: ">]
// PTXLD-LABEL: gpu.binary @samoyeds_kernels
// PTXLD-SAME: .visible .entry ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk4(
// PTXLD-NOT: ld.global.v2
// PTXLD-SAME: atom.global.add.u32
// PTXLD-NOT: ld.global.v2
// PTXLD-SAME: membar.gl;
// PTXLD-SAME: \09ld.global.v2.{{[bf]}}32 \09{%r{{[0-9]+}}, %r{{[0-9]+}}}, [%rd{{[0-9]+}}{{(\+-?[0-9]+)?}}];
// PTXLD-SAME: ">]

// -----

// A decomposed Mixtral-style layer (select-kernel-config.mlir's @layer) with
// T = 16, k = 2, E = 8 and a dispatch tile of 128 = 2 token tiles of 64: the
// list has 16 * 2 + 8 * 127 = 1048 entries, 17 token tiles, but only the
// tiles before offsets[E] have work, fewer than
// min(E, pairs) * 128 / 64 + ceil(pairs / 64), so wsTiles = min(gy, that).
// The pairs are rows(input) * top_k for the gathered W13, rows(scale) * top_k
// for W2. W13 (silu_mul, 512 condensed rows) has 4 row tiles and 2 slices
// (split_k 2), W2 one row tile and 4 slices (split_k 4).
#f = #samoyeds.format<n = 1, m = 2, v = 128>
// Both ssmm read the list buffer that the dispatch writes (its outs buffer).
// GROUP-LABEL: func.func @layer(
// GROUP-SAME: %[[XB:[a-z0-9]+]]: memref<16x256xbf16>, %[[SB:[a-z0-9]+]]: memref<16x2xf32>
// GROUP: %[[LB:.*]] = memref.alloc() {{.*}}: memref<1048xi32>
// GROUP: gpu.launch_func @samoyeds_kernels::@dispatch_e8_t128_k2_scatter
// GROUP-DAG: %[[LEN:.*]] = memref.dim %[[LB]], %c0{{(_[0-9]+)?}} : memref<1048xi32>
// GROUP-DAG: %[[GY:.*]] = arith.ceildivui %[[LEN]], %c64{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[T:.*]] = memref.dim %[[XB]], %c0{{(_[0-9]+)?}} : memref<16x256xbf16>
// GROUP-DAG: %[[PAIRS:.*]] = arith.muli %[[T]], %c2{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[EXP:.*]] = arith.minui %c8{{(_[0-9]+)?}}, %[[PAIRS]] : index
// GROUP-DAG: %[[SEGS:.*]] = arith.muli %[[EXP]], %c2{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[TAIL:.*]] = arith.ceildivui %[[PAIRS]], %c64{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[BOUND:.*]] = arith.addi %[[SEGS]], %[[TAIL]] : index
// GROUP-DAG: %[[WST:.*]] = arith.minui %[[GY]], %[[BOUND]] : index
// GROUP-DAG: %[[WMIN:.*]] = arith.minui %[[GY]], %[[PAIRS]] : index
// Tiles with work for the split count: of a dispatch list at most
// ceil(pairs / 64) + min(E, pairs).
// GROUP-DAG: %[[WACT:.*]] = arith.addi %[[WTAIL:.*]], %[[WEXP:.*]] : index
// GROUP-DAG: %[[WB:.*]] = arith.minui %[[WMIN]], %[[WACT]] : index
// GROUP-DAG: %[[WORK:.*]] = arith.maxui %[[WB]], %c1{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[BLOCKS:.*]] = arith.muli %c4{{(_[0-9]+)?}}, %[[WORK]] : index
// GROUP-DAG: %[[S0:.*]] = arith.divui %c264{{(_[0-9]+)?}}, %[[BLOCKS]] : index
// GROUP-DAG: %[[S1:.*]] = arith.minui %[[S0]], %c2{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[TILES:.*]] = arith.muli %c4{{(_[0-9]+)?}}, %[[WST]] : index
// GROUP-DAG: %[[PER:.*]] = arith.muli %[[TILES]], %c16384{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[WS:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// GROUP-DAG: %[[NC:.*]] = arith.muli %c4{{(_[0-9]+)?}}, %[[WST]] : index
// GROUP-DAG: %[[NC1:.*]] = arith.maxui %[[NC]], %c1{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[CNT:.*]] = memref.alloc(%[[NC1]]) : memref<?xi32>
// GROUP: gpu.memset %[[CNT]]
// GROUP: gpu.launch_func @samoyeds_kernels::@ssmm_8_1024_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64_sk4 blocks in (%c4{{(_[0-9]+)?}}, {{.*}} args({{.*}}, %[[WS]] : memref<?xf32>, %[[CNT]] : memref<?xi32>, %[[WST]] : index)
// GROUP-NOT: _sum
// GROUP-DAG: %[[LEN2:.*]] = memref.dim %[[LB]], %c0{{(_[0-9]+)?}} : memref<1048xi32>
// GROUP-DAG: %[[GY2:.*]] = arith.ceildivui %[[LEN2]], %c64{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[T2:.*]] = memref.dim %[[SB]], %c0{{(_[0-9]+)?}} : memref<16x2xf32>
// GROUP-DAG: %[[PAIRS2:.*]] = arith.muli %[[T2]], %c2{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[EXP2:.*]] = arith.minui %c8{{(_[0-9]+)?}}, %[[PAIRS2]] : index
// GROUP-DAG: %[[SEGS2:.*]] = arith.muli %[[EXP2]], %c2{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[TAIL2:.*]] = arith.ceildivui %[[PAIRS2]], %c64{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[BOUND2:.*]] = arith.addi %[[SEGS2]], %[[TAIL2]] : index
// GROUP-DAG: %[[WST2:.*]] = arith.minui %[[GY2]], %[[BOUND2]] : index
// GROUP-DAG: %[[WMIN2:.*]] = arith.minui %[[GY2]], %[[PAIRS2]] : index
// GROUP-DAG: %[[WACT2:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// GROUP-DAG: %[[WB2:.*]] = arith.minui %[[WMIN2]], %[[WACT2]] : index
// GROUP-DAG: %[[WORK2:.*]] = arith.maxui %[[WB2]], %c1{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[BLOCKS2:.*]] = arith.muli %c1{{(_[0-9]+)?}}, %[[WORK2]] : index
// GROUP-DAG: %[[S02:.*]] = arith.divui %c264{{(_[0-9]+)?}}, %[[BLOCKS2]] : index
// GROUP-DAG: %[[S12:.*]] = arith.minui %[[S02]], %c4{{(_[0-9]+)?}} : index
// GROUP-DAG: %[[TILES2:.*]] = arith.muli %c1{{(_[0-9]+)?}}, %[[WST2]] : index
// GROUP-DAG: %[[PER2:.*]] = arith.muli %[[TILES2]], %c16384{{(_[0-9]+)?}} : index
// GROUP: gpu.launch_func @samoyeds_kernels::@ssmm_8_256_512_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64_sk4 blocks in (%c1{{(_[0-9]+)?}}, {{.*}} args({{.*}}, %[[SB]] : memref<16x2xf32>, %{{.*}} : memref<1048x256xf32>, %{{.*}} : memref<?xf32>, %{{.*}} : memref<?xi32>, %[[WST2]] : index)
// GROUP-NOT: _sum
// GROUP: samoyeds_kernels::@combine_gather
// GROUP-LABEL: func.func @explicit_no_split(
func.func @layer(%ids: tensor<16x2xi32>, %x: tensor<16x256xbf16>, %s: tensor<16x2xf32>,
    %w13: !samoyeds.packed<8x1024x256xbf16, #f>, %w2: !samoyeds.packed<8x256x512xbf16, #f>)
    -> tensor<16x256xf32> {
  %init2_0 = tensor.empty() : tensor<1048xi32>
  %init2_1 = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init2_0, %init2_1 : tensor<1048xi32>, tensor<9xi32>) {num_experts = 8, tile = 128} : tensor<16x2xi32> -> tensor<1048xi32>, tensor<9xi32>
  %init3 = tensor.empty() : tensor<1048x512xbf16>
  %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%init3 : tensor<1048x512xbf16>) {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<8x1024x256xbf16, #f>, tensor<16x256xbf16>, tensor<1048xi32> -> tensor<1048x512xbf16>
  %init4 = tensor.empty() : tensor<1048x256xf32>
  %r = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<16x2xf32>) outs(%init4 : tensor<1048x256xf32>) {top_k = 2}
         : !samoyeds.packed<8x256x512xbf16, #f>, tensor<1048x512xbf16>, tensor<1048xi32> -> tensor<1048x256xf32>
  %init5 = tensor.empty() : tensor<16x256xf32>
  %y = samoyeds.combine %r, %list, %s outs(%init5 : tensor<16x256xf32>) : tensor<1048x256xf32>, tensor<1048xi32>, tensor<16x2xf32> -> tensor<16x256xf32>
  return %y : tensor<16x256xf32>
}

// -----

// split_k = 1 in the attribute: the unsplit kernel alone, no S, no
// workspace, no counters.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
// NOSPLIT-LABEL: func.func @explicit_no_split(
// NOSPLIT-NOT: memref<?xf32>
// NOSPLIT-NOT: memref<?xi32>, i32
// NOSPLIT-NOT: %c264
// NOSPLIT: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64 blocks in (%c1{{(_[0-9]+)?}}, %{{[0-9]+}}, %c1{{(_[0-9]+)?}}) threads in (%c128{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}}) dynamic_shared_memory_size %c81920_i32 args(%{{.*}} : memref<128x256xbf16>, %{{.*}} : memref<128x32xi16>, %{{.*}} : memref<4x128xi8>, %{{.*}} : memref<?x512xbf16>, %{{.*}} : memref<?xi32>, %{{.*}} : memref<?x256xbf16>)
// NOSPLIT-NOT: gpu.launch_func
// NOSPLIT-NOT: memref<?xf32>
// NOSPLIT: return
// NOSPLIT: gpu.module @samoyeds_kernels
// NOSPLIT-NEXT: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// NOSPLIT-SAME: %{{[a-z0-9]+}}: memref<?x256xbf16>) kernel
// NOSPLIT-NOT: gpu.block_id z
// NOSPLIT-NOT: gpu.grid_dim
// NOSPLIT-NOT: memref<?xf32>
// NOSPLIT-NOT: gpu.func
// NOSPLIT-LABEL: func.func @more_splits_than_slices(
func.func @explicit_no_split(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %l, %d2c0_6 : tensor<?xi32>
  %init6 = tensor.empty(%d2d1_6) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init6 : tensor<?x256xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 1>}
         : !samoyeds.packed<256x512xbf16, #fmt>, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

// split_k = 8 in the attribute, but only 4 V-slices: the kernel is _sk8,
// and S is clamped to min(8, 4) = 4, as many splits as slices.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
// HOST-LABEL: func.func @more_splits_than_slices(
// HOST-DAG: %[[S0:.*]] = arith.divui %c264{{(_[0-9]+)?}}, %{{.*}} : index
// HOST-DAG: %[[S1:.*]] = arith.minui %[[S0]], %c4{{(_[0-9]+)?}} : index
// HOST-DAG: %[[S2:.*]] = arith.maxui %[[S1]], %c1{{(_[0-9]+)?}} : index
// HOST: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64_sk8 blocks
// HOST-NOT: _sum
func.func @more_splits_than_slices(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_7 = arith.constant 0 : index
  %d2d1_7 = tensor.dim %l, %d2c0_7 : tensor<?xi32>
  %init7 = tensor.empty(%d2d1_7) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init7 : tensor<?x256xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 8>}
         : !samoyeds.packed<256x512xbf16, #fmt>, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

// A decode-sized tile (warp-n 16, warps 4 x 1: 8 fragments, 32 floats a
// split): the last block's sum takes 4 splits a step (kSumUnroll, 128
// floats in flight). Split z0 + u is clamped to S - 1 for its loads and its
// adds are selected on z0 + u < S; the 4 x 16 loads come before the first
// add, and each row adds the splits in order z0, z0 + 1, z0 + 2, z0 + 3.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
// SUMU-LABEL: gpu.func @ssmm_256_2048_bf16_n1m2v128_gather_k1_obf16_t32x16x4x1s4k64_sk8(
// SUMU-SAME: %[[WS:[a-z0-9]+]]: memref<?xf32>, %{{[a-z0-9]+}}: memref<?xi32>, %{{[a-z0-9]+}}: index)
// SUMU: %[[SPLITS:.*]] = gpu.grid_dim z
// SUMU: scf.for %[[Z0:[a-z0-9_]+]] = %c0{{(_[0-9]+)?}} to %[[SPLITS]] step %c4{{(_[0-9]+)?}} iter_args(%[[A0:[a-z0-9_]+]] =
// SUMU: %[[U0:.*]] = arith.addi %[[Z0]], %c0{{(_[0-9]+)?}} : index
// SUMU: %[[IN0:.*]] = arith.cmpi ult, %[[U0]], %[[SPLITS]] : index
// SUMU: %[[LAST0:.*]] = arith.subi %[[SPLITS]], %c1{{(_[0-9]+)?}} : index
// SUMU: arith.minui %[[U0]], %[[LAST0]] : index
// SUMU: %[[TK0:.*]] = arith.andi %{{.*}}, %[[IN0]] : i1
// SUMU: %[[OFF0:.*]] = arith.select %[[TK0]], %{{.*}}, %{{[0-9]+}} : index
// SUMU: %[[L0:.*]] = vector.load %[[WS]][%[[OFF0]]] {alignment = 8 : i64} : memref<?xf32>, vector<2xf32>
// SUMU-COUNT-15: vector.load %[[WS]]
// SUMU-NOT: arith.addf
// SUMU: %[[U1:.*]] = arith.addi %[[Z0]], %c1{{(_[0-9]+)?}} : index
// SUMU: %[[IN1:.*]] = arith.cmpi ult, %[[U1]], %[[SPLITS]] : index
// SUMU: %[[L1:.*]] = vector.load %[[WS]]
// SUMU-COUNT-15: vector.load %[[WS]]
// SUMU-NOT: arith.addf
// SUMU: arith.addi %[[Z0]], %c2{{(_[0-9]+)?}} : index
// SUMU: %[[L2:.*]] = vector.load %[[WS]]
// SUMU-COUNT-15: vector.load %[[WS]]
// SUMU-NOT: arith.addf
// SUMU: arith.addi %[[Z0]], %c3{{(_[0-9]+)?}} : index
// SUMU: %[[L3:.*]] = vector.load %[[WS]]
// SUMU-COUNT-15: vector.load %[[WS]]
// SUMU-NOT: vector.load
// SUMU: %[[R:.*]] = vector.extract %[[A0]][0] : vector<2xf32> from vector<2x2xf32>
// SUMU: %[[S0:.*]] = arith.addf %[[R]], %[[L0]] : vector<2xf32>
// SUMU: %[[T0:.*]] = arith.select %{{.*}}, %[[S0]], %[[R]] : vector<2xf32>
// SUMU: %[[S1:.*]] = arith.addf %[[T0]], %[[L1]] : vector<2xf32>
// SUMU: %[[T1:.*]] = arith.select %{{.*}}, %[[S1]], %[[T0]] : vector<2xf32>
// SUMU: %[[S2:.*]] = arith.addf %[[T1]], %[[L2]] : vector<2xf32>
// SUMU: %[[T2:.*]] = arith.select %{{.*}}, %[[S2]], %[[T1]] : vector<2xf32>
// SUMU: %[[S3:.*]] = arith.addf %[[T2]], %[[L3]] : vector<2xf32>
// SUMU: arith.select %{{.*}}, %[[S3]], %[[T2]] : vector<2xf32>
// SUMU-NOT: vector.load
// SUMU: scf.yield
func.func @sum_unrolled(%w: !samoyeds.packed<256x2048xbf16, #fmt>, %x: tensor<?x2048xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %l, %d2c0_8 : tensor<?xi32>
  %init8 = tensor.empty(%d2d1_8) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init8 : tensor<?x256xbf16>) {gather, config = #samoyeds.kernel_config<family = mma_sp, warp_m = 32, warp_n = 16, warps_m = 4, warps_n = 1, stages = 4, block_k = 64, split_k = 8>}
         : !samoyeds.packed<256x2048xbf16, #fmt>, tensor<?x2048xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}
