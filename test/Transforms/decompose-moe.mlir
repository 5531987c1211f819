// samoyeds-decompose-moe: samoyeds.moe -> gate matmul, route, dispatch, two
// ssmm, combine (+ shared experts) and the final conversion.
// RUN: samoyeds-opt %s --samoyeds-decompose-moe --split-input-file | FileCheck %s

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<8x1024x256xbf16, #fmt>
!w2 = !samoyeds.packed<8x256x512xbf16, #fmt>

// Mixtral, dynamic T: every size that depends on T stays dynamic.
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @mixtral(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x256xbf16>, %[[G:[^:]*]]: tensor<8x256xbf16>, %[[W13:[^:]*]]: !samoyeds.packed<8x1024x256xbf16, {{.*}}>, %[[W2:[^:]*]]: !samoyeds.packed<8x256x512xbf16
// CHECK-NOT: samoyeds.moe
// The gate logits, x . gate_weight^T accumulated in f32.
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x256xbf16>
// CHECK: %[[E0:.*]] = tensor.empty(%[[T]]) : tensor<?x8xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<?x8xf32>)
// CHECK: %[[LOGITS:.*]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[G]] : tensor<?x256xbf16>, tensor<8x256xbf16>) outs(%[[Z]] : tensor<?x8xf32>)
// CHECK: ^bb0(%[[A:.*]]: bf16, %[[B:.*]]: bf16, %[[ACC:.*]]: f32):
// CHECK-DAG: %[[BF:.*]] = arith.extf %[[B]] : bf16 to f32
// CHECK-DAG: %[[AF:.*]] = arith.extf %[[A]] : bf16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[AF]], %[[BF]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.yield %[[S]] : f32
// The outs inits: tensor.empty with T, and the list length L = T*2 + 8*63.
// CHECK: %[[T2:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x256xbf16>
// CHECK: %[[TK:.*]] = arith.muli %[[T2]], %{{.*}} : index
// CHECK: %[[L:.*]] = arith.addi %[[TK]], %{{.*}} : index
// CHECK: %[[WI:.*]] = tensor.empty(%[[T2]]) : tensor<?x2xf32>
// CHECK: %[[II:.*]] = tensor.empty(%[[T2]]) : tensor<?x2xi32>
// CHECK: %[[W:.*]], %[[IDS:.*]] = samoyeds.route %[[LOGITS]] outs(%[[WI]], %[[II]] : tensor<?x2xf32>, tensor<?x2xi32>) {renormalize, top_k = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
// CHECK: %[[LI:.*]] = tensor.empty(%[[L]]) : tensor<?xi32>
// CHECK: %[[OI:.*]] = tensor.empty() : tensor<9xi32>
// CHECK: %[[LIST:.*]], %[[OFF:.*]] = samoyeds.dispatch %[[IDS]] outs(%[[LI]], %[[OI]] : tensor<?xi32>, tensor<9xi32>) {num_experts = 8 : i64, tile = 64 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
// CHECK: %[[HI:.*]] = tensor.empty(%[[L]]) : tensor<?x512xbf16>
// CHECK: %[[H:.*]] = samoyeds.ssmm %[[W13]], %[[X]], %[[LIST]] offsets(%[[OFF]] : tensor<9xi32>) outs(%[[HI]] : tensor<?x512xbf16>) {epilogue = #samoyeds.epilogue<silu_mul>, gather, top_k = 2 : i64, undef_padding} : {{.*}}, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xbf16>
// CHECK: %[[RI:.*]] = tensor.empty(%[[L]]) : tensor<?x256xf32>
// CHECK: %[[ROWS:.*]] = samoyeds.ssmm %[[W2]], %[[H]], %[[LIST]] offsets(%[[OFF]] : tensor<9xi32>) scale(%[[W]] : tensor<?x2xf32>) outs(%[[RI]] : tensor<?x256xf32>) {top_k = 2 : i64, undef_padding} : {{.*}}, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf32>
// Both ssmms are undef_padding: the W2 ssmm and combine read no padding row.
// The routing weight is applied by the second ssmm, so combine is unweighted.
// CHECK: %[[YI:.*]] = tensor.empty(%[[T2]]) : tensor<?x256xf32>
// CHECK: %[[Y:.*]] = samoyeds.combine %[[ROWS]], %[[LIST]], %[[W]] outs(%[[YI]] : tensor<?x256xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
// CHECK: %[[E1:.*]] = tensor.empty(%{{.*}}) : tensor<?x256xbf16>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]] : tensor<?x256xf32>) outs(%[[E1]] : tensor<?x256xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: return %[[R]] : tensor<?x256xbf16>
func.func @mixtral(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %w13: !w13,
                   %w2: !w2) -> tensor<?x256xbf16> {
  %y = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize}
         : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<8x1024x256xbf16, #fmt>
!w2 = !samoyeds.packed<8x256x512xbf16, #fmt>

// Static T = 16, k = 2, E = 8, tile = 64: the list has the worst-case
// 16 * 2 + 8 * (64 - 1) = 536 entries. An f32 result needs no conversion; the
// routing attributes and the bias are passed on to route.
// CHECK-LABEL: func.func @static_tokens(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x256xbf16>, %[[G:[^:]*]]: tensor<8x256xf32>, %{{[^:]*}}: !samoyeds.packed{{.*}}, %{{[^:]*}}: !samoyeds.packed{{.*}}, %[[BIAS:[^:]*]]: tensor<8xf32>
// CHECK: %[[LOGITS:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[G]] : tensor<16x256xbf16>, tensor<8x256xf32>) outs(%{{.*}} : tensor<16x8xf32>)
// The f32 gate is used as is.
// CHECK: ^bb0(%[[A:.*]]: bf16, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[AF:.*]] = arith.extf %[[A]] : bf16 to f32
// CHECK-NEXT: arith.mulf %[[AF]], %[[B]] : f32
// CHECK: %[[W:.*]], %[[IDS:.*]] = samoyeds.route %[[LOGITS]] bias(%[[BIAS]] : tensor<8xf32>) outs({{[^)]*}}) {n_group = 4 : i64, scaling_factor = 2.500000e+00 : f32, scoring = #samoyeds.scoring<sigmoid>, top_k = 2 : i64, topk_group = 2 : i64} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
// CHECK: %[[LIST:.*]], %[[OFF:.*]] = samoyeds.dispatch %[[IDS]] outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
// CHECK: %[[H:.*]] = samoyeds.ssmm %{{.*}}, %[[X]], %[[LIST]] offsets(%[[OFF]] : tensor<9xi32>) {{.*}} : {{.*}}, tensor<16x256xbf16>, tensor<536xi32> -> tensor<536x512xbf16>
// CHECK: %[[ROWS:.*]] = samoyeds.ssmm %{{.*}}, %[[H]], %[[LIST]] {{.*}} -> tensor<536x256xf32>
// CHECK: %[[Y:.*]] = samoyeds.combine %[[ROWS]], %[[LIST]], %[[W]] outs({{[^)]*}}) : tensor<536x256xf32>, tensor<536xi32>, tensor<16x2xf32> -> tensor<16x256xf32>
// CHECK-NOT: arith.truncf
// CHECK: return %[[Y]] : tensor<16x256xf32>
func.func @static_tokens(%x: tensor<16x256xbf16>, %g: tensor<8x256xf32>,
                         %w13: !w13, %w2: !w2, %bias: tensor<8xf32>)
    -> tensor<16x256xf32> {
  %y = samoyeds.moe %x, %g, %w13, %w2 bias(%bias : tensor<8xf32>)
         {top_k = 2, scoring = #samoyeds.scoring<sigmoid>, n_group = 4,
          topk_group = 2, scaling_factor = 2.5 : f32}
         : tensor<16x256xbf16>, tensor<8x256xf32>, !w13, !w2 -> tensor<16x256xf32>
  return %y : tensor<16x256xf32>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<4x512x128xf16, #fmt>
!w2 = !samoyeds.packed<4x128x256xf16, #fmt>

// Static T = 3, k = 1, E = 4, tile = 16: 3 + 4 * 15 = 63 entries; an f16
// layer; a dynamic result type gets a cast from the static computation.
// CHECK-LABEL: func.func @static_to_dynamic(
// CHECK: samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 4 : i64, tile = 16 : i64} : tensor<3x1xi32> -> tensor<63xi32>, tensor<5xi32>
// CHECK: samoyeds.ssmm {{.*}} -> tensor<63x256xf16>
// CHECK: samoyeds.ssmm {{.*}} -> tensor<63x128xf32>
// CHECK: %[[Y:.*]] = samoyeds.combine {{.*}} -> tensor<3x128xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<3x128xf32>) outs(%{{.*}} : tensor<3x128xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[C:.*]] = tensor.cast %[[R]] : tensor<3x128xf16> to tensor<?x128xf16>
// CHECK: return %[[C]]
func.func @static_to_dynamic(%x: tensor<3x128xf16>, %g: tensor<4x128xf16>,
                             %w13: !w13, %w2: !w2) -> tensor<?x128xf16> {
  %y = samoyeds.moe %x, %g, %w13, %w2 {top_k = 1, tile = 16}
         : tensor<3x128xf16>, tensor<4x128xf16>, !w13, !w2 -> tensor<?x128xf16>
  return %y : tensor<?x128xf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<8x1024x256xbf16, #fmt>
!w2 = !samoyeds.packed<8x256x512xbf16, #fmt>
!s13 = !samoyeds.packed<256x256xbf16, #fmt>
!s2 = !samoyeds.packed<256x128xbf16, #fmt>

// Shared experts with a sigmoid gate (Qwen2-MoE): the shared expert sees every
// token (list 0..T-1, top_k 1), its output is scaled by sigmoid(x . shared_gate)
// and added to the routed output.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @shared_gated(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x256xbf16>, %{{[^:]*}}: tensor<8x256xbf16>, %{{[^:]*}}: !samoyeds.packed{{.*}}, %{{[^:]*}}: !samoyeds.packed{{.*}}, %[[S13:[^:]*]]: !samoyeds.packed<256x256xbf16{{.*}}, %[[S2:[^:]*]]: !samoyeds.packed<256x128xbf16{{.*}}, %[[SG:[^:]*]]: tensor<256xbf16>
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[Y:.*]] = samoyeds.combine
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x256xbf16>
// CHECK: %[[ALL:.*]] = tensor.generate %[[T]] {
// CHECK-NEXT: ^bb0(%[[I:.*]]: index):
// CHECK-NEXT: %[[I32:.*]] = arith.index_cast %[[I]] : index to i32
// CHECK-NEXT: tensor.yield %[[I32]] : i32
// CHECK-NEXT: } : tensor<?xi32>
// CHECK: %[[HS:.*]] = samoyeds.ssmm %[[S13]], %[[X]], %[[ALL]] outs({{[^)]*}}) {epilogue = #samoyeds.epilogue<silu_mul>, gather, undef_padding} : {{.*}}, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x128xbf16>
// CHECK: %[[YS:.*]] = samoyeds.ssmm %[[S2]], %[[HS]], %[[ALL]] outs({{[^)]*}}) {undef_padding} : {{.*}}, tensor<?x128xbf16>, tensor<?xi32> -> tensor<?x256xf32>
// CHECK: %[[GATE:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[SG]] : tensor<?x256xbf16>, tensor<256xbf16>) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[YS]], %[[GATE]] : tensor<?x256xf32>, tensor<?xf32>) outs(%[[Y]] : tensor<?x256xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %[[GV:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[GV]] : f32
// CHECK-NEXT: %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[EXP]], %[[ONE]] : f32
// CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT: %[[SC:.*]] = arith.mulf %[[V]], %[[SIG]] : f32
// CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[SC]] : f32
// CHECK-NEXT: linalg.yield %[[ADD]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x256xf32>) outs(%{{.*}} : tensor<?x256xbf16>)
// CHECK: arith.truncf
func.func @shared_gated(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>,
                        %w13: !w13, %w2: !w2, %s13: !s13, %s2: !s2,
                        %sg: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = samoyeds.moe %x, %g, %w13, %w2 shared(%s13, %s2 : !s13, !s2)
         shared_gate(%sg : tensor<256xbf16>) {top_k = 4}
         : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<8x1024x256xbf16, #fmt>
!w2 = !samoyeds.packed<8x256x512xbf16, #fmt>
!s13 = !samoyeds.packed<256x256xbf16, #fmt>
!s2 = !samoyeds.packed<256x128xbf16, #fmt>

// Shared experts without a gate (DeepSeek-MoE): a plain sum, no sigmoid.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @shared_ungated(
// CHECK: %[[Y:.*]] = samoyeds.combine
// CHECK: %[[ALL:.*]] = tensor.generate
// CHECK: %[[HS:.*]] = samoyeds.ssmm %{{.*}}, %{{.*}}, %[[ALL]] outs({{[^)]*}}) {epilogue = #samoyeds.epilogue<silu_mul>, gather, undef_padding}
// CHECK: %[[YS:.*]] = samoyeds.ssmm %{{.*}}, %[[HS]], %[[ALL]] outs({{[^)]*}}) {undef_padding} :
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[YS]] : tensor<16x256xf32>) outs(%[[Y]] : tensor<16x256xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[V]] : f32
// CHECK-NEXT: linalg.yield %[[ADD]] : f32
// CHECK-NOT: math.exp
// CHECK: return
func.func @shared_ungated(%x: tensor<16x256xbf16>, %g: tensor<8x256xbf16>,
                          %w13: !w13, %w2: !w2, %s13: !s13, %s2: !s2)
    -> tensor<16x256xf32> {
  %y = samoyeds.moe %x, %g, %w13, %w2 shared(%s13, %s2 : !s13, !s2) {top_k = 2}
         : tensor<16x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<16x256xf32>
  return %y : tensor<16x256xf32>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<8x1024x256xbf16, #fmt>
!w2 = !samoyeds.packed<8x256x512xbf16, #fmt>

// The per-expert counts of the layer are the counts of its dispatch, in the
// layer's element type; the rest of the layer is unchanged.
// CHECK-LABEL: func.func @counts(
// CHECK: %[[W:.*]], %[[IDS:.*]] = samoyeds.route
// CHECK: %[[LIST:.*]], %[[OFF:.*]], %[[C:.*]] = samoyeds.dispatch %[[IDS]] outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
// CHECK: samoyeds.ssmm %{{.*}}, %{{.*}}, %[[LIST]] offsets(%[[OFF]] : tensor<9xi32>)
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: return %[[R]], %[[C]] : tensor<?x256xbf16>, tensor<8xi64>
func.func @counts(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %w13: !w13,
                  %w2: !w2) -> (tensor<?x256xbf16>, tensor<8xi64>) {
  %y, %c = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize}
         : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>, tensor<8xi64>
  return %y, %c : tensor<?x256xbf16>, tensor<8xi64>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
!w13 = !samoyeds.packed<8x1024x256xbf16, #fmt>
!w2 = !samoyeds.packed<8x256x512xbf16, #fmt>

// i32 counts of a dynamic size: the dispatch gets exactly that type.
// CHECK-LABEL: func.func @counts_i32(
// CHECK: %{{.*}}, %{{.*}}, %[[C:.*]] = samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 16 : i64} : tensor<16x2xi32> -> tensor<152xi32>, tensor<9xi32>, tensor<?xi32>
// CHECK: return %{{.*}}, %[[C]] : tensor<16x256xf32>, tensor<?xi32>
func.func @counts_i32(%x: tensor<16x256xbf16>, %g: tensor<8x256xbf16>, %w13: !w13,
                      %w2: !w2) -> (tensor<16x256xf32>, tensor<?xi32>) {
  %y, %c = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, tile = 16}
         : tensor<16x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<16x256xf32>, tensor<?xi32>
  return %y, %c : tensor<16x256xf32>, tensor<?xi32>
}
