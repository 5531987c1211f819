// RUN: samoyeds-opt --samoyeds-lower-to-loops --split-input-file %s | FileCheck %s \
// RUN:   --implicit-check-not=bufferization. --implicit-check-not="{{^ *}}samoyeds."

// samoyeds-lower-to-loops lowers the memref forms (what one-shot
// bufferization makes of the ops, test/Dialect/Samoyeds/bufferize.mlir): the
// loops write the results in place into the `outs` buffers, here function
// arguments; the only allocations are static scratch buffers. The diagnostics
// are in lower-to-loops-invalid.mlir.

!w13 = !samoyeds.packed<8x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>

func.func @ssmm(%v: memref<8x64x32xbf16>, %m: memref<8x64x4xi16>, %r: memref<8x1x64xi8>,
                %x: memref<?x64xbf16>, %list: memref<?xi32>, %off: memref<9xi32>,
                %s: memref<?x2xf32>, %out: memref<?x64xbf16>) {
  samoyeds.ssmm storage(%v, %m, %r : memref<8x64x32xbf16>, memref<8x64x4xi16>, memref<8x1x64xi8>), %x, %list
         offsets(%off : memref<9xi32>) scale(%s : memref<?x2xf32>) outs(%out : memref<?x64xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !w13, memref<?x64xbf16>, memref<?xi32>
  return
}

// Gathered tokens, 3-D weight with offsets, silu_mul and scale.
// CHECK-LABEL: func.func @ssmm(
// CHECK-SAME:    %[[V:[a-zA-Z0-9_]+]]: memref<8x64x32xbf16>, %[[M:[a-zA-Z0-9_]+]]: memref<8x64x4xi16>, %[[R:[a-zA-Z0-9_]+]]: memref<8x1x64xi8>, %[[X:[a-zA-Z0-9_]+]]: memref<?x64xbf16>, %[[LIST:[a-zA-Z0-9_]+]]: memref<?xi32>, %[[OFF:[a-zA-Z0-9_]+]]: memref<9xi32>, %[[S:[a-zA-Z0-9_]+]]: memref<?x2xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<?x64xbf16>)
// The list and the out buffer are both dynamic: their sizes are compared
// before anything is written.
// CHECK:       %[[L:[a-zA-Z0-9_]+]] = memref.dim %[[LIST]]
// CHECK:       %[[ROWS:[a-zA-Z0-9_]+]] = memref.dim %[[OUT]]
// CHECK:       %[[L2:[a-zA-Z0-9_]+]] = memref.dim %[[LIST]]
// CHECK:       %[[EQ:[a-zA-Z0-9_]+]] = arith.cmpi eq, %[[L2]], %[[ROWS]]
// CHECK:       cf.assert %[[EQ]], "samoyeds.ssmm: the list length and the result rows differ at run time"
// Scratch only (the accumulator and the token row): the result is the out
// buffer.
// CHECK-NOT:   memref.alloc
// CHECK:       %[[ACC:[a-zA-Z0-9_]+]] = memref.alloc() : memref<128xf32>
// CHECK:       %[[XR:[a-zA-Z0-9_]+]] = memref.alloc() : memref<64xf32>
// CHECK-NOT:   memref.alloc
// Padding rows are zero: every element of the out buffer.
// CHECK:       %[[NROWS:[a-zA-Z0-9_]+]] = memref.dim %[[OUT]]
// CHECK:       scf.for %[[ZI:[a-zA-Z0-9_]+]] = %{{.*}} to %[[NROWS]]
// CHECK:         scf.for %[[ZJ:[a-zA-Z0-9_]+]] = %{{.*}} to %c64
// CHECK:           memref.store %{{.*}}, %[[OUT]][%[[ZI]], %[[ZJ]]] : memref<?x64xbf16>
// One loop per expert over its segment [offsets[e], offsets[e+1]), clamped
// to the list.
// CHECK:       scf.for %[[E:[a-zA-Z0-9_]+]] = %{{.*}} to %c8
// CHECK:         %[[LO:[a-zA-Z0-9_]+]] = memref.load %[[OFF]][%[[E]]]
// CHECK:         %[[HI:[a-zA-Z0-9_]+]] = memref.load %[[OFF]][%{{.*}}]
// CHECK:         arith.minsi %{{.*}}, %[[L]] : index
// CHECK:         scf.for %[[I:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} {
// CHECK:           %[[ID:[a-zA-Z0-9_]+]] = memref.load %[[LIST]][%[[I]]]
// CHECK:           scf.if
// The token row read in place: input[list[i] / top_k].
// CHECK:             %[[ROW:[a-zA-Z0-9_]+]] = arith.divui %{{.*}}, %c2
// CHECK:             scf.for
// CHECK:               memref.load %[[X]][%[[ROW]], %{{.*}}] : memref<?x64xbf16>
// CHECK:               arith.extf %{{.*}} : bf16 to f32
// CHECK:               memref.store %{{.*}}, %[[XR]]
// CHECK:             scf.for
// CHECK:               memref.store %{{.*}}, %[[ACC]]
// Slices, condensed rows: original row (r'/n)*m + rowidx[e][s][r'].
// CHECK:             scf.for %[[SL:[a-zA-Z0-9_]+]] =
// CHECK:               scf.for %[[CR:[a-zA-Z0-9_]+]] =
// CHECK:                 %[[J:[a-zA-Z0-9_]+]] = memref.load %[[R]][%[[E]], %[[SL]], %[[CR]]]
// CHECK:                 arith.index_castui %[[J]] : i8 to index
// Groups of 4 columns: nibble g % 4 of metadata word g / 4.
// CHECK:                 scf.for %[[G:[a-zA-Z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32) {
// CHECK:                   %[[WI:[a-zA-Z0-9_]+]] = arith.divui %[[G]], %c4
// CHECK:                   %[[WORD:[a-zA-Z0-9_]+]] = memref.load %[[M]][%[[E]], %[[CR]], %[[WI]]]
// CHECK:                   arith.extui %[[WORD]] : i16 to i32
// CHECK:                   arith.shrui
// CHECK:                   arith.andi %{{.*}}, %c3_i32
// CHECK:                   arith.shrui %{{.*}}, %c2_i32
// CHECK:                   memref.load %[[V]][%[[E]], %[[CR]], %{{.*}}]
// CHECK:                   memref.load %[[V]][%[[E]], %[[CR]], %{{.*}}]
// CHECK:                   arith.mulf
// CHECK:                   arith.addf
// CHECK:                   scf.yield
// CHECK:                 memref.store %{{.*}}, %[[ACC]]
// Routing weight scale.flat[list[i]], then silu(gate) * up * scale, written
// into row i of the out buffer.
// CHECK:             memref.load %[[S]]
// CHECK:             scf.for
// CHECK:               math.exp
// CHECK:               arith.mulf
// CHECK:               arith.mulf
// CHECK:               arith.mulf
// CHECK:               arith.truncf %{{.*}} : f32 to bf16
// CHECK:               memref.store %{{.*}}, %[[OUT]][%[[I]], %{{.*}}] : memref<?x64xbf16>
// CHECK:       return
// CHECK-NEXT:  }

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

func.func @ssmm_compact(%v: memref<32x32xf16>, %m: memref<32x4xi16>, %r: memref<2x32xi8>,
                        %x: memref<?x64xf16, strided<[?, 1], offset: ?>>, %list: memref<?xi32>,
                        %out: memref<16x64xf32>) {
  samoyeds.ssmm storage(%v, %m, %r : memref<32x32xf16>, memref<32x4xi16>, memref<2x32xi8>), %x, %list
         outs(%out : memref<16x64xf32>) : !w, memref<?x64xf16, strided<[?, 1], offset: ?>>, memref<?xi32>
  return
}

// Compact input (any layout), rank-2 weight, a static out buffer: every
// entry is computed from input[i]; the dynamic sides are checked first.
// CHECK-LABEL: func.func @ssmm_compact(
// CHECK-SAME:    %[[X:[a-zA-Z0-9_]+]]: memref<?x64xf16, strided<[?, 1], offset: ?>>, %[[LIST:[a-zA-Z0-9_]+]]: memref<?xi32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<16x64xf32>)
// CHECK:       cf.assert %{{.*}}, "samoyeds.ssmm: the rows of input and the list length differ at run time"
// CHECK:       %[[L:[a-zA-Z0-9_]+]] = memref.dim %[[LIST]]
// CHECK:       %[[EQ:[a-zA-Z0-9_]+]] = arith.cmpi eq, %[[L]], %c16
// CHECK:       cf.assert %[[EQ]], "samoyeds.ssmm: the list length and the result rows differ at run time"
// CHECK-NOT:   memref.alloc(%
// CHECK:       scf.for %[[I:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK-NOT:     scf.if
// CHECK:         memref.load %[[X]][%[[I]], %{{.*}}] : memref<?x64xf16, strided<[?, 1], offset: ?>>
// CHECK:         memref.store %{{.*}}, %[[OUT]][%[[I]], %{{.*}}] : memref<16x64xf32>

// -----

func.func @route(%l: memref<?x16xf32>, %b: memref<16xf32>, %w: memref<?x4xf32>, %i: memref<?x4xi32>) {
  samoyeds.route %l bias(%b : memref<16xf32>) outs(%w, %i : memref<?x4xf32>, memref<?x4xi32>)
             {top_k = 4, scoring = #samoyeds.scoring<sigmoid>, renormalize, n_group = 4,
              topk_group = 2, scaling_factor = 2.5 : f32}
             : memref<?x16xf32>
  return
}

// CHECK-LABEL: func.func @route(
// CHECK-SAME:    %[[LB:[a-zA-Z0-9_]+]]: memref<?x16xf32>, %[[BB:[a-zA-Z0-9_]+]]: memref<16xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<?x4xf32>, %[[IDS:[a-zA-Z0-9_]+]]: memref<?x4xi32>)
// The out buffers have a row per token of the logits.
// CHECK:       %[[WT:[a-zA-Z0-9_]+]] = memref.dim %[[W]]
// CHECK:       arith.cmpi eq, %[[WT]], %{{.*}}
// CHECK:       cf.assert %{{.*}}, "samoyeds.route: the tokens of logits and weights/indices differ at run time"
// CHECK:       %[[IT:[a-zA-Z0-9_]+]] = memref.dim %[[IDS]]
// CHECK:       arith.cmpi eq, %[[IT]], %{{.*}}
// CHECK:       cf.assert %{{.*}}, "samoyeds.route: the tokens of logits and weights/indices differ at run time"
// CHECK-NOT:   memref.alloc(%
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
// Top-4 experts by repeated argmax, written into the indices buffer.
// CHECK:         scf.for %[[J:[a-zA-Z0-9_]+]] = %{{.*}} to %c4 {{.*}} -> (f32)
// CHECK:           scf.for {{.*}} to %c16{{[_0-9]*}} {{.*}} -> (index, f32)
// CHECK:             arith.cmpf ogt
// CHECK:           memref.store %{{.*}}, %[[IDS]][%[[T]], %[[J]]] : memref<?x4xi32>
// Renormalise, scaling factor 2.5, into the weights buffer.
// CHECK:         scf.for %[[J2:[a-zA-Z0-9_]+]] =
// CHECK:           arith.divf
// CHECK:           arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           memref.store %{{.*}}, %[[W]][%[[T]], %[[J2]]] : memref<?x4xf32>
// CHECK:       return

// -----

func.func @route_softmax(%l: memref<?x8xf32>, %w: memref<?x2xbf16>, %i: memref<?x2xi32>) {
  samoyeds.route %l outs(%w, %i : memref<?x2xbf16>, memref<?x2xi32>) {top_k = 2} : memref<?x8xf32>
  return
}

// Softmax with max subtraction; no groups, no renormalisation; bf16 weights.
// CHECK-LABEL: func.func @route_softmax(
// CHECK-SAME:    %[[W:[a-zA-Z0-9_]+]]: memref<?x2xbf16>, %{{[a-zA-Z0-9_]+}}: memref<?x2xi32>)
// CHECK:       scf.for
// CHECK:         scf.for {{.*}} -> (f32)
// CHECK:           arith.maximumf
// CHECK:         scf.for {{.*}} -> (f32)
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         scf.for
// CHECK:           arith.divf
// CHECK-NOT:     arith.maximumf
// CHECK:         %[[WB:[a-zA-Z0-9_]+]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK:         memref.store %[[WB]], %[[W]]

// -----

func.func @dispatch(%ids: memref<?x2xi32>, %list: memref<?xi32>, %off: memref<9xi32>) {
  samoyeds.dispatch %ids outs(%list, %off : memref<?xi32>, memref<9xi32>) {num_experts = 8, tile = 16}
                  : memref<?x2xi32>
  return
}

// CHECK-LABEL: func.func @dispatch(
// CHECK-SAME:    %[[IDS:[a-zA-Z0-9_]+]]: memref<?x2xi32>, %[[LIST:[a-zA-Z0-9_]+]]: memref<?xi32>, %[[OFF:[a-zA-Z0-9_]+]]: memref<9xi32>)
// CHECK:       %[[T:[a-zA-Z0-9_]+]] = memref.dim %[[IDS]], %c0
// CHECK:       %[[TK:[a-zA-Z0-9_]+]] = arith.muli %[[T]], %c2
// CHECK:       %[[LEN:[a-zA-Z0-9_]+]] = arith.addi %[[TK]], %c120
// The list buffer must have T*k + E*(tile-1) entries.
// CHECK:       %[[N:[a-zA-Z0-9_]+]] = memref.dim %[[LIST]]
// CHECK:       %[[EQ:[a-zA-Z0-9_]+]] = arith.cmpi eq, %[[N]], %[[LEN]]
// CHECK:       cf.assert %[[EQ]], "samoyeds.dispatch: the list length and T*k + E*(tile-1) differ at run time"
// CHECK:       %[[CUR:[a-zA-Z0-9_]+]] = memref.alloc() : memref<8xindex>
// CHECK-NOT:   memref.alloc
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
// CHECK:       return

// -----

func.func @dispatch_counts(%ids: memref<3x2xi32>, %list: memref<126xi32>, %off: memref<9xi32>, %c: memref<8xi64>) {
  samoyeds.dispatch %ids outs(%list, %off, %c : memref<126xi32>, memref<9xi32>, memref<8xi64>) {num_experts = 8, tile = 16}
                      : memref<3x2xi32>
  return
}

// Static sizes: nothing to check at run time. The counts are the per-expert
// tallies, copied out (as i64) before the tallies become the segments' write
// cursors; padding is added only to the offsets.
// CHECK-LABEL: func.func @dispatch_counts(
// CHECK-SAME:    %[[OFF:[a-zA-Z0-9_]+]]: memref<9xi32>, %[[CNT:[a-zA-Z0-9_]+]]: memref<8xi64>)
// CHECK:       %[[CUR:[a-zA-Z0-9_]+]] = memref.alloc() : memref<8xindex>
// CHECK:         cf.assert %{{.*}}, "samoyeds.dispatch: expert index out of range [0, 8)"
// CHECK-NOT:   cf.assert
// CHECK:       scf.for %[[E:[a-zA-Z0-9_]+]] =
// CHECK-NEXT:    %[[N:[a-zA-Z0-9_]+]] = memref.load %[[CUR]][%[[E]]] : memref<8xindex>
// CHECK-NEXT:    %[[N64:[a-zA-Z0-9_]+]] = arith.index_cast %[[N]] : index to i64
// CHECK-NEXT:    memref.store %[[N64]], %[[CNT]][%[[E]]] : memref<8xi64>
// CHECK:       scf.for {{.*}} -> (index)
// CHECK:         arith.divui %{{.*}}, %c16
// CHECK:         memref.store %{{.*}}, %[[OFF]]

// -----

func.func @combine(%rows: memref<?x64xf32>, %list: memref<?xi32>, %w: memref<?x2xf32>, %y: memref<?x64xbf16>) {
  samoyeds.combine %rows, %list, %w outs(%y : memref<?x64xbf16>) {weighted}
         : memref<?x64xf32>, memref<?xi32>, memref<?x2xf32>
  return
}

// Weighted, f32 accumulation in a scratch buffer of the out buffer's size,
// then converted into the bf16 out buffer.
// CHECK-LABEL: func.func @combine(
// CHECK-SAME:    %[[ROWS:[a-zA-Z0-9_]+]]: memref<?x64xf32>, %[[LIST:[a-zA-Z0-9_]+]]: memref<?xi32>, %[[WTS:[a-zA-Z0-9_]+]]: memref<?x2xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<?x64xbf16>)
// CHECK:       cf.assert %{{.*}}, "samoyeds.combine: the rows and the list length differ at run time"
// CHECK:       cf.assert %{{.*}}, "samoyeds.combine: the tokens of weights and result differ at run time"
// CHECK:       %[[T:[a-zA-Z0-9_]+]] = memref.dim %[[OUT]], %c0
// CHECK:       %[[ACC:[a-zA-Z0-9_]+]] = memref.alloc(%[[T]]) : memref<?x64xf32>
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
// CHECK:       scf.for
// CHECK:         scf.for
// CHECK:           %[[B:[a-zA-Z0-9_]+]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK:           memref.store %[[B]], %[[OUT]]

// -----

func.func @combine_f32(%rows: memref<?x64xf32>, %list: memref<?xi32>, %w: memref<?x2xf32>, %y: memref<?x64xf32>) {
  samoyeds.combine %rows, %list, %w outs(%y : memref<?x64xf32>)
         : memref<?x64xf32>, memref<?xi32>, memref<?x2xf32>
  return
}

// An f32 out buffer accumulates in place: no allocation at all.
// CHECK-LABEL: func.func @combine_f32(
// CHECK-SAME:    %[[ROWS:[a-zA-Z0-9_]+]]: memref<?x64xf32>, %{{[a-zA-Z0-9_]+}}: memref<?xi32>, %{{[a-zA-Z0-9_]+}}: memref<?x2xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<?x64xf32>)
// CHECK-NOT:   memref.alloc
// CHECK:       memref.store %{{.*}}, %[[OUT]]
// CHECK-NOT:   memref.alloc
// CHECK:       %[[R:[a-zA-Z0-9_]+]] = memref.load %[[ROWS]]
// CHECK:       %[[A:[a-zA-Z0-9_]+]] = memref.load %[[OUT]]
// CHECK:       %[[S:[a-zA-Z0-9_]+]] = arith.addf %[[A]], %[[R]]
// CHECK:       memref.store %[[S]], %[[OUT]]
// CHECK-NOT:   memref.alloc
// CHECK:       return
