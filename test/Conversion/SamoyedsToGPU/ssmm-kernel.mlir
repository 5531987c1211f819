// The kernel and launch that convert-samoyeds-to-gpu generates for
// samoyeds.ssmm (docs/kernel.md): tiles, shared-memory ring, cp.async
// pipeline, ldmatrix + mma.sp, row selection, epilogues, launch. Default
// tiling options; ssmm-kernel-options.mlir varies them.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --convert-samoyeds-to-gpu | FileCheck %s --implicit-check-not=samoyeds.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-expand-storage --convert-samoyeds-to-gpu="chip=sm_80" | FileCheck %s --check-prefix=SM80

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// bf16, gathered tokens, 2-D weight: 128 condensed rows = one 128 x 64 block
// tile (default warp tile 64 x 32, 2 x 2 warps), 4 stages of block-k 64.

// No samoyeds op survives anywhere (--implicit-check-not on the RUN line),
// and the module is a container module for the kernels.
// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @bf16_gather(
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<128x256xbf16>, %[[M:[a-z0-9]+]]: tensor<128x32xi16>, %[[RI:[a-z0-9]+]]: tensor<4x128xi8>, %[[X:[a-z0-9]+]]: tensor<?x512xbf16>, %[[L:[a-z0-9]+]]: tensor<?xi32>) -> tensor<?x256xbf16>
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %[[V]] read_only : tensor<128x256xbf16> to memref<128x256xbf16>
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %[[M]] read_only : tensor<128x32xi16> to memref<128x32xi16>
// CHECK-DAG: %[[RB:.*]] = bufferization.to_buffer %[[RI]] read_only : tensor<4x128xi8> to memref<4x128xi8>
// CHECK-DAG: %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x512xbf16> to memref<?x512xbf16>
// CHECK-DAG: %[[LB:.*]] = bufferization.to_buffer %[[L]] read_only : tensor<?xi32> to memref<?xi32>
// CHECK: %[[LEN:.*]] = memref.dim %[[LB]], %{{.*}} : memref<?xi32>
// CHECK: %[[OUT:.*]] = memref.alloc(%[[LEN]]) : memref<?x256xbf16>
// CHECK: %[[GY:.*]] = arith.ceildivui %[[LEN]], %{{.*}} : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 81920 : i32
// CHECK-DAG: %[[NTHREADS:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// No host guard: the runtime treats an empty grid as a no-op, and an scf.if
// would split gpu-async-region's token chain (a stream sync per launch).
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64
// CHECK-SAME: blocks in (%{{[a-z0-9_]+}}, %[[GY]], %{{[a-z0-9_]+}}) threads in (%[[NTHREADS]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}})
// CHECK-SAME: dynamic_shared_memory_size %[[SMEM]]
// CHECK-SAME: args(%[[VB]] : memref<128x256xbf16>, %[[MB]] : memref<128x32xi16>, %[[RB]] : memref<4x128xi8>, %[[XB]] : memref<?x512xbf16>, %[[LB]] : memref<?xi32>, %[[OUT]] : memref<?x256xbf16>)
// CHECK-NEXT: %[[RES:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<?x256xbf16> to tensor<?x256xbf16>
// CHECK-NEXT: return %[[RES]]

// CHECK-LABEL: gpu.module @samoyeds_kernels
// CHECK-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// CHECK-SAME: %[[VALS:[a-z0-9]+]]: memref<128x256xbf16>, %[[META:[a-z0-9]+]]: memref<128x32xi16>, %[[RIDX:[a-z0-9]+]]: memref<4x128xi8>, %[[IN:[a-z0-9]+]]: memref<?x512xbf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %[[DST:[a-z0-9]+]]: memref<?x256xbf16>)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[BY:.*]] = gpu.block_id y

// One dynamic buffer carved into the three rings: A (stages x 128 rows x
// (32 + 8) values), B (stages x 64 tokens x (64 + 8)), metadata (stages x 128
// rows x 4 words).
// CHECK: %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: %[[SA:.*]] = memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[OFFB:.*]] = arith.constant 40960 : index
// CHECK-NEXT: %[[SB:.*]] = memref.view %[[DYN]][%[[OFFB]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[OFFM:.*]] = arith.constant 77824 : index
// CHECK-NEXT: %[[SM:.*]] = memref.view %[[DYN]][%[[OFFM]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CHECK: %[[LLEN:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// A 2-D weight has a single expert: no tile is poisoned.
// CHECK: %[[POISON:.*]] = arith.constant false

// Source rows of this thread's token copies: input row list[i] / top_k, or
// (padding) row 0 with 0 source elements.
// CHECK: %[[ROWS:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x512xbf16>
// CHECK: %[[BOUND:.*]] = arith.muli %[[ROWS]], %{{.*}} : index
// CHECK: %[[INLIST:.*]] = arith.cmpi ult, %{{.*}}, %[[LLEN]] : index
// CHECK: %[[ENTRY:.*]] = memref.load %[[LIST]][%{{.*}}] : memref<?xi32>
// CHECK: %[[ID:.*]] = arith.index_cast %[[ENTRY]] : i32 to index
// CHECK: %[[INB:.*]] = arith.cmpi ult, %[[ID]], %[[BOUND]] : index
// CHECK: %[[OK:.*]] = arith.andi %[[INLIST]], %[[INB]] : i1
// CHECK: %[[TOK:.*]] = arith.divui %[[ID]], %{{.*}} : index
// CHECK: %[[SRC:.*]] = arith.select %[[OK]], %[[TOK]], %{{.*}} : index
// CHECK: %[[ELEMS:.*]] = arith.select %[[OK]], %{{.*}}, %{{.*}} : index

// Prologue: stages - 1 = 3 commit groups, each 4 value chunks, 1 metadata
// copy (4 words = 8 bytes, through L1) and 4 token chunks per thread.
// CHECK-COUNT-4: nvgpu.device_async_copy %[[VALS]][%{{.*}}, %{{.*}}], %[[SA]][%{{.*}}, %{{.*}}, %{{.*}}], 8 {bypassL1} : memref<128x256xbf16> to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// CHECK-NOT: nvgpu.device_async_copy %[[VALS]]
// CHECK: nvgpu.device_async_copy %[[META]][%{{.*}}, %{{.*}}], %[[SM]][%{{.*}}, %{{.*}}, %{{.*}}], 4 : memref<128x32xi16> to memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %[[IN]][%[[SRC]], %{{.*}}], %[[SB]][%{{.*}}, %{{.*}}, %{{.*}}], 8, %[[ELEMS]] {bypassL1} : memref<?x512xbf16> to memref<4x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-3: nvgpu.device_async_copy %[[IN]][%{{.*}}, %{{.*}}], %[[SB]][%{{.*}}, %{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1}
// CHECK-NEXT: nvgpu.device_async_create_group
// CHECK: nvgpu.device_async_create_group
// CHECK: %[[LAST:.*]] = nvgpu.device_async_create_group
// CHECK-NOT: nvgpu.device_async_create_group

// Slice loop (4 slices of V = 128) carrying the M x 4 x 4 = 32
// accumulators (acc[(j * 4 + mt) * 4 + nt]: row j of the group, m-tile mt,
// n-tile nt) and the row-selection state. The row indices (i8, zero-extended)
// of the thread's 8 rows are read per slice from row_indices[slice][row].
// Row selection is in registers: vector selects keyed on the row index move
// the accumulator of the row the slice selects into the slot the K loop's
// MMAs accumulate into (docs/kernel.md has the scheme).
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: %[[RI0:.*]] = memref.load %[[RIDX]][%{{.*}}, %{{.*}}] : memref<4x128xi8>
// CHECK-NEXT: arith.extui %[[RI0]] : i8 to i32
// CHECK: %[[ACC:.*]]:{{[0-9]+}} = scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{[a-z0-9]+}} = %[[ZERO]],
// CHECK-SAME: -> (vector<2x2xf32>,
// CHECK: memref.load %[[RIDX]][%{{.*}}, %{{.*}}] : memref<4x128xi8>
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<2xf32>

// K loop (2 stages per slice) carrying the 4 x 4 fragments the MMAs
// accumulate into.
// CHECK: %[[KLOOP:.*]]:16 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK: nvgpu.device_async_wait %[[LAST]] {numGroups = 2 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: scf.if %{{.*}} {
// CHECK: nvgpu.device_async_copy %[[VALS]]
// CHECK: nvgpu.device_async_copy %[[META]]
// CHECK: nvgpu.device_async_copy %[[IN]]
// CHECK: {{^ *}}}{{$}}
// CHECK-NEXT: nvgpu.device_async_create_group

// Fragments: ldmatrix x4 of A (per m-tile), two 16-bit metadata loads (rows g
// and g + 8) forming the vector<2xi16>, ldmatrix x4 of B (per n-tile).
// CHECK: nvgpu.ldmatrix %[[SA]][%{{.*}}, %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<4x128x40xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK: %[[MLO:.*]] = memref.load %[[SM]][%{{.*}}, %[[R0:.*]], %[[W:.*]]] : memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CHECK: %[[R8:.*]] = arith.addi %[[R0]], %{{.*}} : index
// CHECK-NEXT: %[[MHI:.*]] = memref.load %[[SM]][%{{.*}}, %[[R8]], %[[W]]] : memref<4x128x4xi16, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[MVEC:.*]] = vector.from_elements %[[MLO]], %[[MHI]] : vector<2xi16>
// CHECK-COUNT-3: nvgpu.ldmatrix %[[SA]]
// CHECK: nvgpu.ldmatrix %[[SB]][%{{.*}}, %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<4x64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK-COUNT-3: nvgpu.ldmatrix %[[SB]]

// bf16: nvvm.mma.sp.sync on i32 registers, ordered metadata on sm_90a.
// CHECK: %[[MI32:.*]] = vector.bitcast %[[MVEC]] : vector<2xi16> to vector<1xi32>
// CHECK-NEXT: %[[MWORD:.*]] = vector.extract %[[MI32]][0] : i32 from vector<1xi32>
// CHECK: nvvm.mma.sp.sync A[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] sparseMetadata[%[[MWORD]]] selector[%{{.*}}] {multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, orderedMetadata, shape = #nvvm.shape<m = 16, n = 8, k = 32>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: nvgpu.mma.sp.sync
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK: scf.yield
// CHECK-NEXT: }

// Epilogue: drain the pipeline, then per element: poison select, convert,
// store only for list entries inside the list.
// CHECK-NEXT: nvgpu.device_async_wait %[[LAST]] {numGroups = 0 : i32}
// CHECK: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: %[[INRANGE:.*]] = arith.cmpi ult, %[[COL:.*]], %[[LLEN]] : index
// CHECK: %[[E0:.*]] = vector.extract %{{.*}}[0] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: %[[V0:.*]] = vector.extract %[[E0]][0] : f32 from vector<2xf32>
// CHECK-NEXT: %[[P0:.*]] = arith.select %[[POISON]], %[[NAN]], %[[V0]] : f32
// CHECK-NEXT: %[[B0:.*]] = arith.truncf %[[P0]] : f32 to bf16
// CHECK-NEXT: %[[DO:.*]] = arith.andi %{{.*}}, %[[INRANGE]] : i1
// CHECK-NEXT: scf.if %[[DO]] {
// CHECK-NEXT: memref.store %[[B0]], %[[DST]][%[[COL]], %{{.*}}] : memref<?x256xbf16>
// CHECK-NEXT: }
// CHECK-NOT: gpu.shuffle
// CHECK: gpu.return

// chip=sm_80: the same kernel without ordered metadata.
// SM80-LABEL: gpu.func @ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(
// SM80: nvvm.mma.sp.sync
// SM80-SAME: {multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 32>}
// SM80-NOT: orderedMetadata
// SM80: gpu.return

func.func @bf16_gather(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %r = samoyeds.ssmm %w, %x, %l {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// f16, compact input (row i of the input for list entry i), 256 condensed rows:
// 2 row tiles. The MMA is nvgpu.mma.sp.sync (plain .sp on every chip).

// CHECK-LABEL: func.func @f16_compact(
// CHECK: %[[BX:.*]] = arith.constant 2 : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64 blocks in (%[[BX]], %{{.*}}, %{{.*}})
// CHECK-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<?x512xf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %{{.*}}: memref<?x512xf16>)
// CHECK: %[[BY:.*]] = gpu.block_id y
// CHECK: %[[LLEN:.*]] = memref.dim %[[LIST]]
// CHECK-NEXT: %{{.*}} = arith.constant 64 : index
// CHECK-NEXT: %[[TOK0:.*]] = arith.muli %[[BY]], %{{.*}} : index
// The token rows are the list positions themselves: the list is not read,
// and an input with fewer rows than the list (both dynamic) traps rather
// than being read past its end (ssmm C3 at run time).
// CHECK-NOT: memref.load %[[LIST]]
// CHECK: %[[INROWS:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x512xf16>
// CHECK: %[[LROWS:.*]] = memref.dim %[[LIST]], %{{.*}} : memref<?xi32>
// CHECK-NEXT: %[[SHORT:.*]] = arith.cmpi ult, %[[INROWS]], %[[LROWS]] : index
// CHECK-NEXT: scf.if %[[SHORT]] {
// CHECK-NEXT: llvm.intr.trap
// CHECK-NOT: memref.load %[[LIST]]
// CHECK: %[[I:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK-NEXT: %[[OK:.*]] = arith.cmpi ult, %[[I]], %[[LLEN]] : index
// CHECK-NEXT: %{{.*}} = arith.constant 0 : index
// CHECK-NEXT: %[[SRC:.*]] = arith.select %[[OK]], %[[I]], %{{.*}} : index
// CHECK: nvgpu.device_async_copy %[[IN]][%[[SRC]], %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1} : memref<?x512xf16> to memref<4x64x72xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.ldmatrix {{.*}} -> vector<4x2xf16>
// CHECK: nvgpu.mma.sp.sync(%{{.*}}, %{{.*}}, %{{.*}}) metadata(%{{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x2xf16>, vector<4x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT: nvvm.mma.sp.sync
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: gpu.return

// SM80-LABEL: gpu.func @ssmm_512_512_f16_n1m2v128_of16_t64x32x2x2s4k64(
// SM80: nvgpu.mma.sp.sync
// SM80-NOT: nvvm.mma.sp.sync
// SM80: gpu.return
func.func @f16_compact(%w: !samoyeds.packed<512x512xf16, #fmt>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x512xf16> {
  %r = samoyeds.ssmm %w, %x, %l : !samoyeds.packed<512x512xf16, #fmt>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x512xf16>
  return %r : tensor<?x512xf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// 8 experts, stacked gate|up (R = 512, 256 condensed rows: gate 0..127, up
// 128..255), top_k = 2 gather, silu_mul. A block holds 64 gate rows and the
// 64 matching up rows: 128 / 64 = 2 row tiles.

// CHECK-LABEL: func.func @experts_silu(
// CHECK-SAME: %{{.*}}: tensor<8x256x128xbf16>, %{{.*}}: tensor<8x256x16xi16>, %{{.*}}: tensor<8x2x256xi8>, %{{.*}}: tensor<?x256xbf16>, %{{.*}}: tensor<?xi32>, %[[OFF:[a-z0-9]+]]: tensor<9xi32>)
// CHECK: %[[OFFB:.*]] = bufferization.to_buffer %[[OFF]] read_only : tensor<9xi32> to memref<9xi32>
// CHECK: %[[BX:.*]] = arith.constant 2 : index
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64 blocks in (%[[BX]],
// CHECK-SAME: %[[OFFB]] : memref<9xi32>, %{{.*}} : memref<?x256xbf16>)
// CHECK-LABEL: gpu.func @ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64(
// CHECK-SAME: %[[VALS:[a-z0-9]+]]: memref<8x256x128xbf16>, %[[META:[a-z0-9]+]]: memref<8x256x16xi16>, %[[RIDX:[a-z0-9]+]]: memref<8x2x256xi8>, %[[IN:[a-z0-9]+]]: memref<?x256xbf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %[[OFFS:[a-z0-9]+]]: memref<9xi32>, %[[DST:[a-z0-9]+]]: memref<?x256xbf16>)

// The expert of the tile: the number of segment ends <= the tile's first
// entry (clamped to E - 1); the tile is poisoned when its expert's segment
// ends before the tile (or the list) does.
// CHECK: %[[BY:.*]] = gpu.block_id y
// CHECK: %[[TOK0:.*]] = arith.muli %[[BY]], %{{.*}} : index
// CHECK: %[[COUNT:.*]] = scf.for %[[E:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[N:.*]] = %{{.*}}) -> (index) {
// CHECK: %[[END:.*]] = memref.load %[[OFFS]][%{{.*}}] : memref<9xi32>
// CHECK: arith.cmpi ule, %{{.*}}, %[[TOK0]] : index
// CHECK: scf.yield
// CHECK: %[[EXPERT:.*]] = arith.minui %[[COUNT]], %{{.*}} : index
// CHECK: %[[SEGEND:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[TOTAL:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[M1:.*]] = arith.minui %[[SEGEND]], %[[TOTAL]] : index
// CHECK-NEXT: %[[VALIDEND:.*]] = arith.minui %[[M1]], %{{.*}} : index
// CHECK-DAG: %[[LIM:.*]] = arith.minui %[[TOTAL]], %{{.*}} : index
// CHECK-DAG: %[[TEND0:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK: %[[TILEEND:.*]] = arith.minui %[[TEND0]], %[[LIM]] : index
// CHECK-NEXT: %[[POISON:.*]] = arith.cmpi ult, %[[SEGEND]], %[[TILEEND]] : index

// top_k = 2: entry id reads input row id / 2; ids >= rows * 2 are padding.
// CHECK: %[[ROWS:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x256xbf16>
// CHECK: %[[K:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[BOUND:.*]] = arith.muli %[[ROWS]], %[[K]] : index
// CHECK: %[[OK0:.*]] = arith.cmpi ult, %{{.*}}, %[[VALIDEND]] : index
// CHECK: %[[ID:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-NEXT: arith.cmpi ult, %[[ID]], %[[BOUND]] : index
// CHECK: %[[K2:.*]] = arith.constant 2 : index
// CHECK-NEXT: arith.divui %[[ID]], %[[K2]] : index

// The weight arrays are indexed by the expert. A-tile rows 0..63 are gate
// rows (global row bx * 64 + r), rows 64..127 the up rows bx * 64 + 128 + r - 64.
// CHECK: %[[ISUP:.*]] = arith.cmpi uge, %[[R:.*]], %{{.*}} : index
// CHECK: %[[GATE:.*]] = arith.addi %{{.*}}, %[[R]] : index
// CHECK: %[[RMH:.*]] = arith.subi %[[R]], %{{.*}} : index
// CHECK: %[[UP:.*]] = arith.addi %{{.*}}, %[[RMH]] : index
// CHECK-NEXT: %[[GROW:.*]] = arith.select %[[ISUP]], %[[UP]], %[[GATE]] : index
// CHECK-NEXT: nvgpu.device_async_copy %[[VALS]][%[[EXPERT]], %[[GROW]], %{{.*}}], %{{.*}}, 8 {bypassL1} : memref<8x256x128xbf16>
// CHECK: nvgpu.device_async_copy %[[META]][%[[EXPERT]], %{{.*}}, %{{.*}}], %{{.*}}, 4 : memref<8x256x16xi16>
// CHECK: memref.load %[[RIDX]][%[[EXPERT]], %{{.*}}, %{{.*}}] : memref<8x2x256xi8>
// CHECK: nvvm.mma.sp.sync

// silu(gate) * up, per element: the gate value of m-tile mt with the up value
// of m-tile mt + 2 (same row j, same n-tile, same register) in this thread.
// A tile of padding only skips the loads and MMAs: its accumulators are zero.
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK: } else {
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK-NEXT: scf.yield %[[Z]], %[[Z]],
// CHECK: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: %[[GV:.*]] = vector.extract %{{.*}}[0] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: %[[G:.*]] = vector.extract %[[GV]][0] : f32 from vector<2xf32>
// CHECK-NEXT: %[[UV:.*]] = vector.extract %{{.*}}[0] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: %[[U:.*]] = vector.extract %[[UV]][0] : f32 from vector<2xf32>
// exp(-x) is ex2.approx(-x * log2 e) in inline PTX (no libdevice call).
// CHECK-NEXT: %[[FONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[G]] : f32
// CHECK-NEXT: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK-NEXT: %[[ARG:.*]] = arith.mulf %[[NEG]], %[[LOG2E]] : f32
// CHECK-NEXT: %[[EXP:.*]] = nvvm.inline_ptx "ex2.approx.f32 $0, $1;" ro(%[[ARG]] : f32) -> f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[FONE]], %[[EXP]] : f32
// CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[FONE]], %[[DEN]] : f32
// CHECK-NEXT: %[[SILU:.*]] = arith.mulf %[[G]], %[[SIG]] : f32
// CHECK-NEXT: %[[PROD:.*]] = arith.mulf %[[SILU]], %[[U]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.select %[[POISON]], %[[NAN]], %[[PROD]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[P]] : f32 to bf16
// CHECK: memref.store %[[T]], %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xbf16>
// CHECK: gpu.return
func.func @experts_silu(%w: !samoyeds.packed<8x512x256xbf16, #fmt>, %x: tensor<?x256xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>) -> tensor<?x256xbf16> {
  %r = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<9xi32>)
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
// CHECK-SAME: memref<9xi32>, %{{.*}} : memref<?x2xf32>, %{{.*}} : memref<?x256xf32>)
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<?x256xf32> to tensor<?x256xf32>
// CHECK-LABEL: gpu.func @ssmm_8_256_256_bf16_n1m2v128_scale_of32_t64x32x2x2s4k64(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<?x256xbf16>, %[[LIST:[a-z0-9]+]]: memref<?xi32>, %{{.*}}: memref<9xi32>, %[[SCALE:[a-z0-9]+]]: memref<?x2xf32>, %[[DST:[a-z0-9]+]]: memref<?x256xf32>)

// Token rows: the bound is numel(scale); the source row is i itself.
// CHECK: %[[BY:.*]] = gpu.block_id y
// CHECK: %[[TOK0:.*]] = arith.muli %[[BY]], %{{.*}} : index
// CHECK: %[[SROWS:.*]] = memref.dim %[[SCALE]], %{{.*}} : memref<?x2xf32>
// CHECK-NEXT: %[[BOUND:.*]] = arith.muli %[[SROWS]], %{{.*}} : index
// CHECK: %[[I:.*]] = arith.addi %[[TOK0]], %{{.*}} : index
// CHECK-NEXT: %[[INSEG:.*]] = arith.cmpi ult, %[[I]], %{{.*}} : index
// CHECK: %[[ID:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-NEXT: %[[INB:.*]] = arith.cmpi ult, %[[ID]], %[[BOUND]] : index
// CHECK-NEXT: %[[OK:.*]] = arith.andi %[[INSEG]], %[[INB]] : i1
// CHECK-NEXT: %{{.*}} = arith.constant 0 : index
// CHECK-NEXT: %[[SRC:.*]] = arith.select %[[OK]], %[[I]], %{{.*}} : index
// CHECK: nvgpu.device_async_copy %[[IN]][%[[SRC]], %{{.*}}]

// Epilogue: per column the scale, 0 for padding; the f32 result is stored
// without conversion.
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// The scale is loaded only for a valid id (with T = 0 the buffer is empty).
// CHECK: %[[OKID:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// CHECK-NEXT: %[[S0:.*]] = scf.if %[[OKID]] -> (f32) {
// CHECK-NEXT: %[[K:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[TOKEN:.*]] = arith.divui %[[ID:.*]], %[[K]] : index
// CHECK-NEXT: %[[K1:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[SLOT:.*]] = arith.remui %[[ID]], %[[K1]] : index
// CHECK-NEXT: %[[SV:.*]] = memref.load %[[SCALE]][%[[TOKEN]], %[[SLOT]]] : memref<?x2xf32>
// CHECK-NEXT: scf.yield %[[SV]] : f32
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[FZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: scf.yield %[[FZERO]] : f32
// CHECK-NOT: arith.truncf
// CHECK: %[[V:.*]] = vector.extract %{{.*}}[0] : f32 from vector<2xf32>
// CHECK-NEXT: %[[SCALED:.*]] = arith.mulf %[[V]], %[[S0]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.select %{{.*}}, %{{.*}}, %[[SCALED]] : f32
// CHECK-NOT: arith.truncf
// CHECK: memref.store %[[P]], %[[DST]][%{{.*}}, %{{.*}}] : memref<?x256xf32>
// CHECK-NOT: arith.truncf
// CHECK: gpu.return
func.func @experts_scale_f32(%w: !samoyeds.packed<8x256x256xbf16, #fmt>, %x: tensor<?x256xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>, %s: tensor<?x2xf32>) -> tensor<?x256xf32> {
  %r = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>)
         {top_k = 2} : !samoyeds.packed<8x256x256xbf16, #fmt>, tensor<?x256xbf16>,
         tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

#fmt24 = #samoyeds.format<n = 2, m = 4, v = 128>

// N = 2: the 2 condensed rows of a group are in lanes 4 apart; their sums are
// combined with one xor-4 shuffle and the group's first lane stores. M = 4:
// 4 * 64 = 256 > 200 accumulator floats, so the default tiling takes warp-m
// 32 (128 floats): 64-row blocks, 128 / 64 = 2 row tiles, 4 x 2 x 4 = 32
// accumulators. With 64 block rows for 128 threads, only threads 0..63 copy
// metadata.

// CHECK-LABEL: func.func @two_of_four(
// CHECK: %[[SMEM:.*]] = arith.constant 59392 : i32
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64 {{.*}} dynamic_shared_memory_size %[[SMEM]]
// CHECK-LABEL: gpu.func @ssmm_256_512_f16_n2m4v128_gather_k4_of32_t32x32x2x2s4k64(
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[LANE:.*]] = arith.remui %[[TID:.*]], %{{.*}} : index
// CHECK: %[[G:.*]] = arith.divui %[[LANE]], %{{.*}} : index
// CHECK: memref.view {{.*}} to memref<4x64x40xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x64x4xi16, #gpu.address_space<workgroup>>
// CHECK: %[[FEW:.*]] = arith.cmpi ult, %[[TID]], %{{c64(_[0-9]+)?}} : index
// CHECK-NEXT: scf.if %[[FEW]] {
// CHECK: nvgpu.device_async_copy %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %[[TID]], %{{.*}}], 4 : memref<128x32xi16>
// CHECK: %{{.*}}:{{[0-9]+}} = scf.for
// CHECK: %{{.*}}:8 = scf.for
// CHECK: nvgpu.mma.sp.sync
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK: %[[LEADER:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: %[[X:.*]] = vector.extract %{{.*}}[0] : f32 from vector<2xf32>
// CHECK-NEXT: %[[W32:.*]] = arith.constant 32 : i32
// CHECK-NEXT: %[[XOR4:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[OTHER:.*]], %{{.*}} = gpu.shuffle xor %[[X]], %[[XOR4]], %[[W32]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[X]], %[[OTHER]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.select %{{.*}}, %{{.*}}, %[[SUM]] : f32
// CHECK-NEXT: %[[DO:.*]] = arith.andi %[[LEADER]], %{{.*}} : i1
// CHECK-NEXT: scf.if %[[DO]] {
// CHECK-NEXT: memref.store %[[P]], %{{.*}} : memref<?x256xf32>
// CHECK: gpu.return
func.func @two_of_four(%w: !samoyeds.packed<256x512xf16, #fmt24>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x256xf32> {
  %r = samoyeds.ssmm %w, %x, %l {gather, top_k = 4} : !samoyeds.packed<256x512xf16, #fmt24>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

#fmt18 = #samoyeds.format<n = 1, m = 8, v = 128>

// 1:8: only warp-m 16 fits the budget (8 * 16 = 128 floats): 32-row
// blocks (threads 0..31 copy metadata), 128 / 32 = 4 row tiles, 8 x 1 x 4
// accumulators.

// CHECK-LABEL: func.func @one_of_eight(
// CHECK: %[[SMEM:.*]] = arith.constant 48128 : i32
// CHECK: %[[BX:.*]] = arith.constant 4 : index
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_1024_512_bf16_n1m8v128_gather_k1_obf16_t16x32x2x2s4k64 blocks in (%[[BX]], {{.*}} dynamic_shared_memory_size %[[SMEM]]
// CHECK-LABEL: gpu.func @ssmm_1024_512_bf16_n1m8v128_gather_k1_obf16_t16x32x2x2s4k64(
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: memref.view {{.*}} to memref<4x32x40xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[FEW:.*]] = arith.cmpi ult, %[[TID]], %{{c32(_[0-9]+)?}} : index
// CHECK-NEXT: scf.if %[[FEW]]
// CHECK: nvgpu.device_async_copy {{.*}}, 4 : memref<128x32xi16> to memref<4x32x4xi16, #gpu.address_space<workgroup>>
// CHECK: %{{.*}}:{{[0-9]+}} = scf.for
// The row selection compares the row index with j = 0 .. 7.
// CHECK: %[[J7:.*]] = arith.constant 7 : i32
// CHECK-NEXT: arith.cmpi eq, %{{.*}}, %[[J7]] : i32
// CHECK: %{{.*}}:4 = scf.for
// CHECK: gpu.return
func.func @one_of_eight(%w: !samoyeds.packed<1024x512xbf16, #fmt18>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %r = samoyeds.ssmm %w, %x, %l {gather} : !samoyeds.packed<1024x512xbf16, #fmt18>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %r : tensor<?x1024xbf16>
}

// -----

#fmt32 = #samoyeds.format<n = 1, m = 2, v = 32>

// 64 condensed rows: 2 warps along rows (128) do not divide them, so the
// default tiling takes 1 (64 threads). V = 32 clamps block-k to 32; 8 slices
// of one stage each.

// CHECK-LABEL: func.func @small_v32(
// CHECK: %[[SMEM:.*]] = arith.constant 33792 : i32
// CHECK-NEXT: %[[NT:.*]] = arith.constant 64 : index
// CHECK-NOT: scf.if
// CHECK: gpu.launch_func @samoyeds_kernels::@ssmm_128_256_f16_n1m2v32_of16_t64x32x1x2s4k32 {{.*}} threads in (%[[NT]], {{.*}} dynamic_shared_memory_size %[[SMEM]]
// CHECK-LABEL: gpu.func @ssmm_128_256_f16_n1m2v32_of16_t64x32x1x2s4k32(
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK: memref.view {{.*}} to memref<4x64x24xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x64x40xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x64x2xi16, #gpu.address_space<workgroup>>
// CHECK: arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: %{{.*}}:{{[0-9]+}} = scf.for %{{.*}} = %{{.*}} to %{{c8(_[0-9]+)?}} step
// CHECK: gpu.return
func.func @small_v32(%w: !samoyeds.packed<128x256xf16, #fmt32>, %x: tensor<?x256xf16>,
    %l: tensor<?xi32>) -> tensor<?x128xf16> {
  %r = samoyeds.ssmm %w, %x, %l : !samoyeds.packed<128x256xf16, #fmt32>,
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
  %a = samoyeds.ssmm %w, %x, %l1 {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  %b = samoyeds.ssmm %w, %x, %l2 {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %a, %b : tensor<?x256xbf16>, tensor<?x256xbf16>
}

// -----

// Without ssmm the pass changes nothing (no gpu.module, no container attribute).

// CHECK-LABEL: func.func @no_ssmm(
// CHECK-NOT: gpu.container_module
// CHECK-NOT: gpu.module
func.func @no_ssmm(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
