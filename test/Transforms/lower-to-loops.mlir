// RUN: samoyeds-opt --samoyeds-lower-to-loops --split-input-file --verify-diagnostics %s | FileCheck %s

!w13 = !samoyeds.packed<8x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>

func.func @ssmm(%v: tensor<8x64x32xbf16>, %m: tensor<8x64x4xi16>, %r: tensor<8x1x64xi8>,
                %x: tensor<?x64xbf16>, %list: tensor<?xi32>, %off: tensor<9xi32>,
                %s: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %w = samoyeds.assemble %v, %m, %r : tensor<8x64x32xbf16>, tensor<8x64x4xi16>, tensor<8x1x64xi8> -> !w13
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %list, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x64xbf16>
  %h = samoyeds.ssmm %w, %x, %list offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>) outs(%init1 : tensor<?x64xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !w13, tensor<?x64xbf16>, tensor<?xi32> -> tensor<?x64xbf16>
  return %h : tensor<?x64xbf16>
}

// Gathered tokens, 3-D weight with offsets, silu_mul and scale.
// CHECK-LABEL: func.func @ssmm(
// CHECK-SAME:    %[[V:[a-zA-Z0-9_]+]]: tensor<8x64x32xbf16>, %[[M:[a-zA-Z0-9_]+]]: tensor<8x64x4xi16>, %[[R:[a-zA-Z0-9_]+]]: tensor<8x1x64xi8>, %[[X:[a-zA-Z0-9_]+]]: tensor<?x64xbf16>, %[[LIST:[a-zA-Z0-9_]+]]: tensor<?xi32>, %[[OFF:[a-zA-Z0-9_]+]]: tensor<9xi32>, %[[S:[a-zA-Z0-9_]+]]: tensor<?x2xf32>)
// CHECK-NOT:   samoyeds.
// CHECK-DAG:   %[[VB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[V]] read_only : tensor<8x64x32xbf16> to memref<8x64x32xbf16, strided<[?, ?, ?], offset: ?>>
// CHECK-DAG:   %[[MB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[M]] read_only
// CHECK-DAG:   %[[RB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[R]] read_only
// CHECK-DAG:   %[[XB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[X]] read_only
// CHECK-DAG:   %[[LB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[LIST]] read_only
// CHECK-DAG:   %[[OB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[OFF]] read_only
// CHECK-DAG:   %[[SB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[S]] read_only
// CHECK:       %[[L:[a-zA-Z0-9_]+]] = memref.dim %[[LB]]
// CHECK:       %[[OUT:[a-zA-Z0-9_]+]] = memref.alloc(%[[L]]) : memref<?x64xbf16>
// CHECK:       %[[ACC:[a-zA-Z0-9_]+]] = memref.alloc() : memref<128xf32>
// CHECK:       %[[XR:[a-zA-Z0-9_]+]] = memref.alloc() : memref<64xf32>
// Padding rows are zero.
// CHECK:       scf.for
// CHECK:         scf.for
// CHECK:           memref.store %{{.*}}, %[[OUT]]
// One loop per expert over its segment [offsets[e], offsets[e+1]).
// CHECK:       scf.for %[[E:[a-zA-Z0-9_]+]] = %{{.*}} to %c8
// CHECK:         %[[LO:[a-zA-Z0-9_]+]] = memref.load %[[OB]][%[[E]]]
// CHECK:         %[[HI:[a-zA-Z0-9_]+]] = memref.load %[[OB]][%{{.*}}]
// CHECK:         scf.for %[[I:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} {
// CHECK:           %[[ID:[a-zA-Z0-9_]+]] = memref.load %[[LB]][%[[I]]]
// CHECK:           scf.if
// The token row read in place: input[list[i] / top_k].
// CHECK:             %[[ROW:[a-zA-Z0-9_]+]] = arith.divui %{{.*}}, %c2
// CHECK:             scf.for
// CHECK:               memref.load %[[XB]][%[[ROW]], %{{.*}}] : memref<?x64xbf16
// CHECK:               arith.extf %{{.*}} : bf16 to f32
// CHECK:               memref.store %{{.*}}, %[[XR]]
// CHECK:             scf.for
// CHECK:               memref.store %{{.*}}, %[[ACC]]
// Slices, condensed rows: original row (r'/n)*m + rowidx[e][s][r'].
// CHECK:             scf.for %[[SL:[a-zA-Z0-9_]+]] =
// CHECK:               scf.for %[[CR:[a-zA-Z0-9_]+]] =
// CHECK:                 %[[J:[a-zA-Z0-9_]+]] = memref.load %[[RB]][%[[E]], %[[SL]], %[[CR]]]
// CHECK:                 arith.index_castui %[[J]] : i8 to index
// Groups of 4 columns: nibble g % 4 of metadata word g / 4.
// CHECK:                 scf.for %[[G:[a-zA-Z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32) {
// CHECK:                   %[[WI:[a-zA-Z0-9_]+]] = arith.divui %[[G]], %c4
// CHECK:                   %[[WORD:[a-zA-Z0-9_]+]] = memref.load %[[MB]][%[[E]], %[[CR]], %[[WI]]]
// CHECK:                   arith.extui %[[WORD]] : i16 to i32
// CHECK:                   arith.shrui
// CHECK:                   arith.andi %{{.*}}, %c3_i32
// CHECK:                   arith.shrui %{{.*}}, %c2_i32
// CHECK:                   memref.load %[[VB]][%[[E]], %[[CR]], %{{.*}}]
// CHECK:                   memref.load %[[VB]][%[[E]], %[[CR]], %{{.*}}]
// CHECK:                   arith.mulf
// CHECK:                   arith.addf
// CHECK:                   scf.yield
// CHECK:                 memref.store %{{.*}}, %[[ACC]]
// Routing weight scale.flat[list[i]], then silu(gate) * up * scale.
// CHECK:             memref.load %[[SB]]
// CHECK:             scf.for
// CHECK:               math.exp
// CHECK:               arith.mulf
// CHECK:               arith.mulf
// CHECK:               arith.mulf
// CHECK:               arith.truncf %{{.*}} : f32 to bf16
// CHECK:               memref.store %{{.*}}, %[[OUT]][%[[I]], %{{.*}}]
// CHECK:       %[[RES:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<?x64xbf16> to tensor<?x64xbf16>
// CHECK:       return %[[RES]]

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

func.func @ssmm_compact(%v: tensor<32x32xf16>, %m: tensor<32x4xi16>, %r: tensor<2x32xi8>,
                        %x: tensor<?x64xf16>, %list: tensor<?xi32>) -> tensor<?x64xf32> {
  %w = samoyeds.assemble %v, %m, %r : tensor<32x32xf16>, tensor<32x4xi16>, tensor<2x32xi8> -> !w
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %list, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x64xf32>
  %y = samoyeds.ssmm %w, %x, %list outs(%init2 : tensor<?x64xf32>) : !w, tensor<?x64xf16>, tensor<?xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Compact input, rank-2 weight: every entry is computed from input[i].
// CHECK-LABEL: func.func @ssmm_compact(
// CHECK-NOT:   samoyeds.
// CHECK:       %[[XB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg3 read_only
// CHECK:       %[[OUT:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?x64xf32>
// CHECK:       scf.for %[[I:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK-NOT:     scf.if
// CHECK:         memref.load %[[XB]][%[[I]], %{{.*}}] : memref<?x64xf16
// CHECK:         memref.store %{{.*}}, %[[OUT]][%[[I]], %{{.*}}] : memref<?x64xf32>
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable

// -----

func.func @route(%l: tensor<?x16xf32>, %b: tensor<16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?x16xf32>
  %init3_0 = tensor.empty(%d2d1_3) : tensor<?x4xf32>
  %init3_1 = tensor.empty(%d2d1_3) : tensor<?x4xi32>
  %w, %i = samoyeds.route %l bias(%b : tensor<16xf32>) outs(%init3_0, %init3_1 : tensor<?x4xf32>, tensor<?x4xi32>)
             {top_k = 4, scoring = #samoyeds.scoring<sigmoid>, renormalize, n_group = 4,
              topk_group = 2, scaling_factor = 2.5 : f32}
             : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// CHECK-LABEL: func.func @route(
// CHECK-NOT:   samoyeds.
// CHECK:       %[[LB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg0 read_only
// CHECK:       %[[BB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg1 read_only
// CHECK:       %[[W:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?x4xf32>
// CHECK:       %[[IDS:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?x4xi32>
// CHECK:       scf.for %[[T:[a-zA-Z0-9_]+]] =
// Sigmoid scores, then selection scores with the bias.
// CHECK:         memref.load %[[LB]][%[[T]], %{{.*}}]
// CHECK:         arith.negf
// CHECK:         math.exp
// CHECK:         memref.load %[[BB]]
// CHECK:         arith.addf
// Group scores: the top 2 of each group of 4 experts.
// CHECK:         scf.for
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, f32)
// CHECK:             arith.cmpf ogt
// CHECK:           arith.addf
// topk_group = 2 groups by argmax (ties: lower index).
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c2
// CHECK:           scf.for {{.*}} -> (index, f32)
// Top-4 experts by repeated argmax.
// CHECK:         scf.for %[[J:[a-zA-Z0-9_]+]] = %{{.*}} to %c4 {{.*}} -> (f32)
// CHECK:           scf.for {{.*}} to %c16 {{.*}} -> (index, f32)
// CHECK:             arith.cmpf ogt
// CHECK:           memref.store %{{.*}}, %[[IDS]][%[[T]], %[[J]]] : memref<?x4xi32>
// Renormalise, scaling factor 2.5.
// CHECK:         scf.for
// CHECK:           arith.divf
// CHECK:           arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           memref.store %{{.*}}, %[[W]]
// CHECK:       bufferization.to_tensor %[[W]] restrict writable : memref<?x4xf32> to tensor<?x4xf32>
// CHECK:       bufferization.to_tensor %[[IDS]] restrict writable : memref<?x4xi32> to tensor<?x4xi32>

// -----

func.func @route_softmax(%l: tensor<?x8xf32>) -> (tensor<?x2xbf16>, tensor<?x2xi32>) {
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?x8xf32>
  %init4_0 = tensor.empty(%d2d1_4) : tensor<?x2xbf16>
  %init4_1 = tensor.empty(%d2d1_4) : tensor<?x2xi32>
  %w, %i = samoyeds.route %l outs(%init4_0, %init4_1 : tensor<?x2xbf16>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xbf16>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xbf16>, tensor<?x2xi32>
}

// Softmax with max subtraction; no groups, no renormalisation; bf16 weights.
// CHECK-LABEL: func.func @route_softmax(
// CHECK:       scf.for
// CHECK:         scf.for {{.*}} -> (f32)
// CHECK:           arith.maximumf
// CHECK:         scf.for {{.*}} -> (f32)
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         scf.for
// CHECK:           arith.divf
// CHECK-NOT:     arith.maximumf
// CHECK:         arith.truncf %{{.*}} : f32 to bf16

// -----

func.func @dispatch(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<9xi32>) {
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %ids, %d2c0_5 : tensor<?x2xi32>
  %d2c2_5 = arith.constant 2 : index
  %d2m_5 = arith.muli %d2d1_5, %d2c2_5 : index
  %d2c120_5 = arith.constant 120 : index
  %d2l_5 = arith.addi %d2m_5, %d2c120_5 : index
  %init5_0 = tensor.empty(%d2l_5) : tensor<?xi32>
  %init5_1 = tensor.empty() : tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init5_0, %init5_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 16}
                  : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return %list, %off : tensor<?xi32>, tensor<9xi32>
}

// CHECK-LABEL: func.func @dispatch(
// CHECK:       %[[IDS:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg0 read_only
// CHECK:       %[[T:[a-zA-Z0-9_]+]] = memref.dim %[[IDS]], %c0
// CHECK:       %[[TK:[a-zA-Z0-9_]+]] = arith.muli %[[T]], %c2
// CHECK:       %[[LEN:[a-zA-Z0-9_]+]] = arith.addi %[[TK]], %c120
// CHECK:       %[[LIST:[a-zA-Z0-9_]+]] = memref.alloc(%[[LEN]]) : memref<?xi32>
// CHECK:       %[[OFF:[a-zA-Z0-9_]+]] = memref.alloc() : memref<9xi32>
// Count the tokens of each expert; out-of-range ids abort.
// CHECK:       scf.for %{{.*}} = %{{.*}} to %[[TK]]
// CHECK:         cf.assert %{{.*}}, "samoyeds.dispatch: expert index out of range [0, 8)"
// Segment starts, padded to the tile.
// CHECK:       scf.for {{.*}} -> (index)
// CHECK:         arith.divui %{{.*}}, %c16
// CHECK:         memref.store %{{.*}}, %[[OFF]]
// CHECK:       memref.store %{{.*}}, %[[OFF]][%c8]
// Sentinel T*k everywhere, then the flat ids in ascending order.
// CHECK:       %[[SENT:[a-zA-Z0-9_]+]] = arith.index_cast %[[TK]] : index to i32
// CHECK:       scf.for %{{.*}} = %{{.*}} to %[[LEN]]
// CHECK:         memref.store %[[SENT]], %[[LIST]]
// CHECK:       scf.for %[[F:[a-zA-Z0-9_]+]] = %{{.*}} to %[[TK]]
// CHECK:         %[[FI:[a-zA-Z0-9_]+]] = arith.index_cast %[[F]] : index to i32
// CHECK:         memref.store %[[FI]], %[[LIST]]
// CHECK:       bufferization.to_tensor %[[LIST]] restrict writable : memref<?xi32> to tensor<?xi32>
// CHECK:       bufferization.to_tensor %[[OFF]] restrict writable : memref<9xi32> to tensor<9xi32>

// -----

func.func @dispatch_counts(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<9xi32>, tensor<8xi64>) {
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %ids, %d2c0_6 : tensor<?x2xi32>
  %d2c2_6 = arith.constant 2 : index
  %d2m_6 = arith.muli %d2d1_6, %d2c2_6 : index
  %d2c120_6 = arith.constant 120 : index
  %d2l_6 = arith.addi %d2m_6, %d2c120_6 : index
  %init6_0 = tensor.empty(%d2l_6) : tensor<?xi32>
  %init6_1 = tensor.empty() : tensor<9xi32>
  %init6_2 = tensor.empty() : tensor<8xi64>
  %list, %off, %c = samoyeds.dispatch %ids outs(%init6_0, %init6_1, %init6_2 : tensor<?xi32>, tensor<9xi32>, tensor<8xi64>) {num_experts = 8, tile = 16}
                      : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
  return %list, %off, %c : tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
}

// The counts are the per-expert tallies, copied out (as i64) before the
// tallies become the segments' write cursors; padding is added only to the
// offsets.
// CHECK-LABEL: func.func @dispatch_counts(
// CHECK:       %[[OFF:[a-zA-Z0-9_]+]] = memref.alloc() : memref<9xi32>
// CHECK:       %[[CUR:[a-zA-Z0-9_]+]] = memref.alloc() : memref<8xindex>
// CHECK:         cf.assert %{{.*}}, "samoyeds.dispatch: expert index out of range [0, 8)"
// CHECK:       %[[CNT:[a-zA-Z0-9_]+]] = memref.alloc() : memref<8xi64>
// CHECK:       scf.for %[[E:[a-zA-Z0-9_]+]] =
// CHECK-NEXT:    %[[N:[a-zA-Z0-9_]+]] = memref.load %[[CUR]][%[[E]]] : memref<8xindex>
// CHECK-NEXT:    %[[N64:[a-zA-Z0-9_]+]] = arith.index_cast %[[N]] : index to i64
// CHECK-NEXT:    memref.store %[[N64]], %[[CNT]][%[[E]]] : memref<8xi64>
// CHECK:       scf.for {{.*}} -> (index)
// CHECK:         arith.divui %{{.*}}, %c16
// CHECK:         memref.store %{{.*}}, %[[OFF]]
// CHECK:       bufferization.to_tensor %[[OFF]] restrict writable : memref<9xi32> to tensor<9xi32>
// CHECK:       bufferization.to_tensor %[[CNT]] restrict writable : memref<8xi64> to tensor<8xi64>

// -----

func.func @combine(%rows: tensor<?x64xf32>, %list: tensor<?xi32>, %w: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %d2c0_7 = arith.constant 0 : index
  %d2d1_7 = tensor.dim %w, %d2c0_7 : tensor<?x2xf32>
  %init7 = tensor.empty(%d2d1_7) : tensor<?x64xbf16>
  %y = samoyeds.combine %rows, %list, %w outs(%init7 : tensor<?x64xbf16>) {weighted}
         : tensor<?x64xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// Weighted, f32 accumulation in a scratch buffer, bf16 result.
// CHECK-LABEL: func.func @combine(
// CHECK:       %[[ROWS:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg0 read_only
// CHECK:       %[[LIST:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg1 read_only
// CHECK:       %[[WTS:[a-zA-Z0-9_]+]] = bufferization.to_buffer %arg2 read_only
// CHECK:       %[[OUT:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?x64xbf16>
// CHECK:       %[[ACC:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?x64xf32>
// CHECK:       scf.for %[[I:[a-zA-Z0-9_]+]] =
// CHECK:         memref.load %[[LIST]][%[[I]]]
// CHECK:         scf.if
// CHECK:           %[[TOK:[a-zA-Z0-9_]+]] = arith.divui
// CHECK:           %[[W:[a-zA-Z0-9_]+]] = memref.load %[[WTS]]
// CHECK:           scf.for %[[H:[a-zA-Z0-9_]+]] =
// CHECK:             %[[R:[a-zA-Z0-9_]+]] = memref.load %[[ROWS]][%[[I]], %[[H]]]
// CHECK:             %[[P:[a-zA-Z0-9_]+]] = arith.mulf %[[W]], %[[R]]
// CHECK:             %[[A:[a-zA-Z0-9_]+]] = memref.load %[[ACC]][%[[TOK]], %[[H]]]
// CHECK:             arith.addf %[[A]], %[[P]]
// CHECK:             memref.store %{{.*}}, %[[ACC]][%[[TOK]], %[[H]]]
// CHECK:       arith.truncf %{{.*}} : f32 to bf16
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable

// -----

!p = !samoyeds.packed<4x64x128xf16, #samoyeds.format<n = 1, m = 2, v = 128>>

func.func @pack_unpack(%d: tensor<4x64x128xf16>) -> tensor<4x64x128xf16> {
  %p = samoyeds.pack %d : tensor<4x64x128xf16> -> !p
  %u = samoyeds.unpack %p : !p -> tensor<4x64x128xf16>
  return %u : tensor<4x64x128xf16>
}

// pack and unpack call the CPU runtime on f32 copies, declared as in
// docs/format.md.
// CHECK:       func.func private @samoyeds_rt_unpack3_f32(memref<?x?x?xf32>, memref<?x?x?xi16>, memref<?x?x?xi8>, memref<?x?x?xf32>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK:       func.func private @samoyeds_rt_pack3_f32(memref<?x?x?xf32>, memref<?x?x?xf32>, memref<?x?x?xi16>, memref<?x?x?xi8>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @pack_unpack(
// CHECK-NOT:   samoyeds.
// CHECK:       %[[D:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x64x128xf32>
// CHECK:       arith.extf %{{.*}} : f16 to f32
// CHECK:       %[[V32:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x64xf32>
// CHECK:       %[[M:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x8xi16>
// CHECK:       %[[R:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x1x32xi8>
// CHECK-DAG:   %[[DC:[a-zA-Z0-9_]+]] = memref.cast %[[D]] : memref<4x64x128xf32> to memref<?x?x?xf32>
// CHECK-DAG:   %[[VC:[a-zA-Z0-9_]+]] = memref.cast %[[V32]]
// CHECK-DAG:   %[[MC:[a-zA-Z0-9_]+]] = memref.cast %[[M]]
// CHECK-DAG:   %[[RC:[a-zA-Z0-9_]+]] = memref.cast %[[R]]
// CHECK-DAG:   %[[N:[a-zA-Z0-9_]+]] = arith.constant 1 : i64
// CHECK-DAG:   %[[MM:[a-zA-Z0-9_]+]] = arith.constant 2 : i64
// CHECK-DAG:   %[[VV:[a-zA-Z0-9_]+]] = arith.constant 128 : i64
// CHECK:       call @samoyeds_rt_pack3_f32(%[[DC]], %[[VC]], %[[MC]], %[[RC]], %[[N]], %[[MM]], %[[VV]])
// CHECK:       %[[V:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x64xf16>
// CHECK:       arith.truncf %{{.*}} : f32 to f16
// CHECK:       %[[VT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[V]] restrict writable
// CHECK:       %[[MT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[M]] restrict writable
// CHECK:       %[[RT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[R]] restrict writable
// CHECK:       bufferization.to_buffer %[[VT]] read_only
// CHECK:       %[[MB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[MT]] read_only
// CHECK:       %[[MCOPY:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x8xi16>
// CHECK:       %[[RB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[RT]] read_only
// CHECK:       %[[RCOPY:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x1x32xi8>
// CHECK:       %[[OUT32:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x64x128xf32>
// CHECK-DAG:   memref.cast %[[MCOPY]] : memref<4x32x8xi16> to memref<?x?x?xi16>
// CHECK-DAG:   memref.cast %[[RCOPY]] : memref<4x1x32xi8> to memref<?x?x?xi8>
// CHECK-DAG:   memref.cast %[[OUT32]] : memref<4x64x128xf32> to memref<?x?x?xf32>
// CHECK:       call @samoyeds_rt_unpack3_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK:       %[[OUT:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x64x128xf16>
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable

// -----

!p = !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>

func.func @pack_rank2(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !p
  %u = samoyeds.unpack %p : !p -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// CHECK:       func.func private @samoyeds_rt_unpack_f32(memref<?x?xf32>, memref<?x?xi16>, memref<?x?xi8>, memref<?x?xf32>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK:       func.func private @samoyeds_rt_pack_f32(
// CHECK-LABEL: func.func @pack_rank2(
// CHECK:       call @samoyeds_rt_pack_f32(
// CHECK:       arith.truncf %{{.*}} : f32 to bf16
// CHECK:       call @samoyeds_rt_unpack_f32(

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

// A packed function argument: samoyeds-expand-storage did not run.
func.func @no_storage_argument(%w: !w, %x: tensor<?x64xf16>, %list: tensor<?xi32>) -> tensor<?x64xf32> {
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %list, %d2c0_8 : tensor<?xi32>
  %init8 = tensor.empty(%d2d1_8) : tensor<?x64xf32>
  // expected-error @+1 {{'samoyeds.ssmm' op packed operand #0 has no storage: it must be produced by samoyeds.assemble or samoyeds.pack (a packed function argument needs samoyeds-expand-storage first)}}
  %y = samoyeds.ssmm %w, %x, %list outs(%init8 : tensor<?x64xf32>) : !w, tensor<?x64xf16>, tensor<?xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

func.func private @load_weight() -> !w

// A packed value produced by an op the pass cannot see through.
func.func @no_storage_call() -> tensor<64x64xf16> {
  %w = func.call @load_weight() : () -> !w
  // expected-error @+1 {{'samoyeds.unpack' op packed operand #0 has no storage: it must be produced by samoyeds.assemble or samoyeds.pack, not by func.call}}
  %d = samoyeds.unpack %w : !w -> tensor<64x64xf16>
  return %d : tensor<64x64xf16>
}

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

// A packed loop-carried value: the pass does not look through regions.
func.func @no_storage_block_argument(%v: tensor<32x32xf16>, %m: tensor<32x4xi16>, %r: tensor<2x32xi8>,
                                     %x: tensor<?x64xf16>, %list: tensor<?xi32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %w0 = samoyeds.assemble %v, %m, %r : tensor<32x32xf16>, tensor<32x4xi16>, tensor<2x32xi8> -> !w
  %w1 = scf.for %i = %c0 to %n step %c1 iter_args(%w = %w0) -> (!w) {
    %d2c0_9 = arith.constant 0 : index
    %d2d1_9 = tensor.dim %list, %d2c0_9 : tensor<?xi32>
    %init9 = tensor.empty(%d2d1_9) : tensor<?x64xf32>
    // expected-error @+1 {{'samoyeds.ssmm' op packed operand #0 has no storage: it must be produced by samoyeds.assemble or samoyeds.pack, not be a block argument}}
    %y = samoyeds.ssmm %w, %x, %list outs(%init9 : tensor<?x64xf32>) : !w, tensor<?x64xf16>, tensor<?xi32> -> tensor<?x64xf32>
    scf.yield %w : !w
  }
  return
}

// -----

!w13 = !samoyeds.packed<8x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>
!w2 = !samoyeds.packed<8x64x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>

func.func @moe_not_decomposed(%x: tensor<?x64xbf16>, %g: tensor<8x64xbf16>, %w13: !w13, %w2: !w2) -> tensor<?x64xbf16> {
  // expected-error @+1 {{'samoyeds.moe' op must be decomposed before samoyeds-lower-to-loops (run samoyeds-decompose-moe first)}}
  %y = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2} : tensor<?x64xbf16>, tensor<8x64xbf16>, !w13, !w2 -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// A declaration of the runtime function the module already has (the
// docs/format.md signature) is reused.
func.func private @samoyeds_rt_pack_f32(memref<?x?xf32>, memref<?x?xf32>, memref<?x?xi16>, memref<?x?xi8>, i64, i64, i64) attributes {llvm.emit_c_interface}

// CHECK-LABEL: func.func private @samoyeds_rt_pack_f32(
// CHECK-NOT:   func.func private @samoyeds_rt_pack_f32(
// CHECK-LABEL: func.func @pack_declared(
// CHECK:         call @samoyeds_rt_pack_f32(
func.func @pack_declared(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  %u = samoyeds.unpack %p : !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// -----

// A symbol of the same name with another type is a diagnostic.
func.func private @samoyeds_rt_unpack_f32(memref<?x?xf32>)

func.func @unpack_conflict(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  // expected-error @+1 {{'samoyeds.unpack' op cannot call the runtime function 'samoyeds_rt_unpack_f32': the module declares it as '(memref<?x?xf32>) -> ()', expected '(memref<?x?xf32>, memref<?x?xi16>, memref<?x?xi8>, memref<?x?xf32>, i64, i64, i64) -> ()'}}
  %u = samoyeds.unpack %p : !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// -----

// The lowering reads the tensor form; a memref form (after bufferization)
// is a diagnostic.
func.func @memref_form(%r: memref<?x256xf32>, %l: memref<?xi32>, %w: memref<?x2xf32>, %y0: memref<?x256xf32>) {
  // expected-error @+1 {{'samoyeds.combine' op samoyeds-lower-to-loops lowers the tensor form; run it before bufferization}}
  samoyeds.combine %r, %l, %w outs(%y0 : memref<?x256xf32>) : memref<?x256xf32>, memref<?xi32>, memref<?x2xf32>
  return
}
