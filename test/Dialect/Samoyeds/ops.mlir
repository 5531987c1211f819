// Round trip of every samoyeds op, attribute and type, in the custom and the
// generic form.
// RUN: samoyeds-opt %s | samoyeds-opt | FileCheck %s
// RUN: samoyeds-opt %s --mlir-print-op-generic | samoyeds-opt | FileCheck %s

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
#fmt24 = #samoyeds.format<n = 2, m = 4, v = 32>

// The format parameters may come in any order; they print as n, m, v.
// CHECK-LABEL: func.func @attributes()
// CHECK-SAME: a = #samoyeds.format<n = 1, m = 2, v = 128>
// CHECK-SAME: b = #samoyeds.format<n = 2, m = 4, v = 32>
// CHECK-SAME: c = #samoyeds.format<n = 1, m = 1, v = 64>
// CHECK-SAME: d = #samoyeds.format<n = 3, m = 256, v = 4096>
// CHECK-SAME: e = #samoyeds.scoring<softmax>
// CHECK-SAME: f = #samoyeds.scoring<sigmoid>
// CHECK-SAME: g = #samoyeds.epilogue<none>
// CHECK-SAME: h = #samoyeds.epilogue<silu_mul>
func.func @attributes() attributes {
    a = #fmt, b = #samoyeds.format<v = 32, m = 4, n = 2>,
    c = #samoyeds.format<n = 1, m = 1, v = 64>,
    d = #samoyeds.format<n = 3, m = 256, v = 4096>,
    e = #samoyeds.scoring<softmax>, f = #samoyeds.scoring<sigmoid>,
    g = #samoyeds.epilogue<none>, h = #samoyeds.epilogue<silu_mul>} {
  return
}

// CHECK-LABEL: func.func @packed_types(
// CHECK-SAME: !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
// CHECK-SAME: !samoyeds.packed<256x512xf16, #samoyeds.format<n = 1, m = 2, v = 128>>
// CHECK-SAME: !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
// CHECK-SAME: !samoyeds.packed<2x4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
// CHECK-SAME: !samoyeds.packed<1x1x64xbf16, #samoyeds.format<n = 1, m = 1, v = 64>>
func.func @packed_types(
    %a: !samoyeds.packed<256x512xbf16, #fmt>,
    %b: !samoyeds.packed<256x512xf16, #samoyeds.format<n = 1, m = 2, v = 128>>,
    %c: !samoyeds.packed<8x1024x256xbf16, #fmt>,
    %d: !samoyeds.packed<2x4x32xf16, #fmt24>,
    %e: !samoyeds.packed<1x1x64xbf16, #samoyeds.format<n = 1, m = 1, v = 64>>) {
  return
}

// CHECK-LABEL: func.func @pack_unpack(
func.func @pack_unpack(%w: tensor<256x512xbf16>, %h: tensor<4x32xf16>,
                       %e: tensor<8x1024x256xbf16>) {
  // CHECK: %[[P:.*]] = samoyeds.pack %{{.*}} : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  %p = samoyeds.pack %w : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #fmt>
  // CHECK: samoyeds.unpack %[[P]] : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<256x512xbf16>
  %d = samoyeds.unpack %p : !samoyeds.packed<256x512xbf16, #fmt> -> tensor<256x512xbf16>
  // CHECK: %[[Q:.*]] = samoyeds.pack %{{.*}} : tensor<4x32xf16> -> !samoyeds.packed<4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  %q = samoyeds.pack %h : tensor<4x32xf16> -> !samoyeds.packed<4x32xf16, #fmt24>
  // CHECK: samoyeds.unpack %[[Q]] : !samoyeds.packed<4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>> -> tensor<4x32xf16>
  %hd = samoyeds.unpack %q : !samoyeds.packed<4x32xf16, #fmt24> -> tensor<4x32xf16>
  // CHECK: %[[E:.*]] = samoyeds.pack %{{.*}} : tensor<8x1024x256xbf16> -> !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  %pe = samoyeds.pack %e : tensor<8x1024x256xbf16> -> !samoyeds.packed<8x1024x256xbf16, #fmt>
  // CHECK: samoyeds.unpack %[[E]] : !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<8x1024x256xbf16>
  %ed = samoyeds.unpack %pe : !samoyeds.packed<8x1024x256xbf16, #fmt> -> tensor<8x1024x256xbf16>
  return
}

// Storage of 256x512 1:2 V=128: values 128x256, metadata 128x32, row indices
// 4x128; of 2x4x32 2:4 V=32: values 2x2x16, metadata 2x2x2, row indices 2x1x2.
// CHECK-LABEL: func.func @assemble(
func.func @assemble(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>,
                    %r: tensor<4x128xi8>, %ev: tensor<2x2x16xf16>,
                    %em: tensor<2x2x2xi16>, %er: tensor<2x1x2xi8>) {
  // CHECK: samoyeds.assemble %{{.*}}, %{{.*}}, %{{.*}} : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>,
         tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #fmt>
  // CHECK: samoyeds.assemble %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x2x16xf16>, tensor<2x2x2xi16>, tensor<2x1x2xi8> -> !samoyeds.packed<2x4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  %q = samoyeds.assemble %ev, %em, %er : tensor<2x2x16xf16>, tensor<2x2x2xi16>,
         tensor<2x1x2xi8> -> !samoyeds.packed<2x4x32xf16, #fmt24>
  return
}

// Attributes equal to their default (scoring softmax, n_group 1, topk_group 1,
// scaling_factor 1.0) are not printed.
// CHECK-LABEL: func.func @route(
func.func @route(%l: tensor<?x8xf32>, %b: tensor<8xf32>, %s: tensor<16x64xf32>,
                 %h: tensor<?x8xf16>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?x8xf32>
  %init1_0 = tensor.empty(%d2d1_1) : tensor<?x2xf32>
  %init1_1 = tensor.empty(%d2d1_1) : tensor<?x2xi32>
  // CHECK: samoyeds.route %{{.*}} outs({{[^)]*}}) {renormalize, top_k = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %w, %ids = samoyeds.route %l outs(%init1_0, %init1_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, renormalize}
               : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?x8xf32>
  %init2_0 = tensor.empty(%d2d1_2) : tensor<?x1xf32>
  %init2_1 = tensor.empty(%d2d1_2) : tensor<?x1xi32>
  // CHECK: samoyeds.route %{{.*}} outs({{[^)]*}}) {top_k = 1 : i64} : tensor<?x8xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  %w1, %ids1 = samoyeds.route %l outs(%init2_0, %init2_1 : tensor<?x1xf32>, tensor<?x1xi32>) {top_k = 1, scoring = #samoyeds.scoring<softmax>,
                 n_group = 1, topk_group = 1, scaling_factor = 1.0 : f32}
               : tensor<?x8xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?x8xf32>
  %init3_0 = tensor.empty(%d2d1_3) : tensor<?x2xf32>
  %init3_1 = tensor.empty(%d2d1_3) : tensor<?x2xi32>
  // DeepSeek-V3 style: sigmoid, correction bias, groups, scaling.
  // CHECK: samoyeds.route %{{.*}} bias(%{{.*}} : tensor<8xf32>) outs({{[^)]*}}) {n_group = 4 : i64, renormalize, scaling_factor = 2.500000e+00 : f32, scoring = #samoyeds.scoring<sigmoid>, top_k = 2 : i64, topk_group = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %w2, %ids2 = samoyeds.route %l bias(%b : tensor<8xf32>) outs(%init3_0, %init3_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2,
                 scoring = #samoyeds.scoring<sigmoid>, renormalize, n_group = 4,
                 topk_group = 2, scaling_factor = 2.5 : f32}
               : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %init4_0 = tensor.empty() : tensor<16x64xf32>
  %init4_1 = tensor.empty() : tensor<16x64xi32>
  // Static token count, all experts selected, f16 logits and weights.
  // CHECK: samoyeds.route %{{.*}} outs({{[^)]*}}) {top_k = 64 : i64} : tensor<16x64xf32> -> tensor<16x64xf32>, tensor<16x64xi32>
  %w3, %ids3 = samoyeds.route %s outs(%init4_0, %init4_1 : tensor<16x64xf32>, tensor<16x64xi32>) {top_k = 64}
               : tensor<16x64xf32> -> tensor<16x64xf32>, tensor<16x64xi32>
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %h, %d2c0_5 : tensor<?x8xf16>
  %init5_0 = tensor.empty(%d2d1_5) : tensor<?x2xf16>
  %init5_1 = tensor.empty(%d2d1_5) : tensor<?x2xi32>
  // CHECK: samoyeds.route %{{.*}} outs({{[^)]*}}) {top_k = 2 : i64} : tensor<?x8xf16> -> tensor<?x2xf16>, tensor<?x2xi32>
  %w4, %ids4 = samoyeds.route %h outs(%init5_0, %init5_1 : tensor<?x2xf16>, tensor<?x2xi32>) {top_k = 2}
               : tensor<?x8xf16> -> tensor<?x2xf16>, tensor<?x2xi32>
  return
}

// CHECK-LABEL: func.func @dispatch(
func.func @dispatch(%ids: tensor<?x2xi32>, %sids: tensor<16x2xi32>) {
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %ids, %d2c0_6 : tensor<?x2xi32>
  %d2c2_6 = arith.constant 2 : index
  %d2m_6 = arith.muli %d2d1_6, %d2c2_6 : index
  %d2c504_6 = arith.constant 504 : index
  %d2l_6 = arith.addi %d2m_6, %d2c504_6 : index
  %init6_0 = tensor.empty(%d2l_6) : tensor<?xi32>
  %init6_1 = tensor.empty() : tensor<9xi32>
  // CHECK: samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init6_0, %init6_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64}
                  : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  %init7_0 = tensor.empty() : tensor<536xi32>
  %init7_1 = tensor.empty() : tensor<9xi32>
  // 16 * 2 + 8 * (64 - 1) = 536 entries.
  // CHECK: samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  %l2, %o2 = samoyeds.dispatch %sids outs(%init7_0, %init7_1 : tensor<536xi32>, tensor<9xi32>) {num_experts = 8, tile = 64}
               : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %sids, %d2c0_8 : tensor<16x2xi32>
  %d2c2_8 = arith.constant 2 : index
  %d2m_8 = arith.muli %d2d1_8, %d2c2_8 : index
  %d2l_8 = arith.addi %d2m_8, %d2c0_8 : index
  %init8_0 = tensor.empty(%d2l_8) : tensor<?xi32>
  %d2c9_8 = arith.constant 9 : index
  %init8_1 = tensor.empty(%d2c9_8) : tensor<?xi32>
  // tile 1: no padding; dynamic result sizes are allowed.
  // CHECK: samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 1 : i64} : tensor<16x2xi32> -> tensor<?xi32>, tensor<?xi32>
  %l3, %o3 = samoyeds.dispatch %sids outs(%init8_0, %init8_1 : tensor<?xi32>, tensor<?xi32>) {num_experts = 8, tile = 1}
               : tensor<16x2xi32> -> tensor<?xi32>, tensor<?xi32>
  %d2c0_9 = arith.constant 0 : index
  %d2d1_9 = tensor.dim %ids, %d2c0_9 : tensor<?x2xi32>
  %d2c2_9 = arith.constant 2 : index
  %d2m_9 = arith.muli %d2d1_9, %d2c2_9 : index
  %d2c504_9 = arith.constant 504 : index
  %d2l_9 = arith.addi %d2m_9, %d2c504_9 : index
  %init9_0 = tensor.empty(%d2l_9) : tensor<?xi32>
  %init9_1 = tensor.empty() : tensor<9xi32>
  %init9_2 = tensor.empty() : tensor<8xi64>
  // The optional per-expert counts, i64 or i32 (a dynamic size agrees with E).
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
  %l4, %o4, %c4 = samoyeds.dispatch %ids outs(%init9_0, %init9_1, %init9_2 : tensor<?xi32>, tensor<9xi32>, tensor<8xi64>) {num_experts = 8, tile = 64}
                    : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
  %init10_0 = tensor.empty() : tensor<536xi32>
  %init10_1 = tensor.empty() : tensor<9xi32>
  %d2c8_10 = arith.constant 8 : index
  %init10_2 = tensor.empty(%d2c8_10) : tensor<?xi32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = samoyeds.dispatch %{{.*}} outs({{[^)]*}}) {num_experts = 8 : i64, tile = 64 : i64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>, tensor<?xi32>
  %l5, %o5, %c5 = samoyeds.dispatch %sids outs(%init10_0, %init10_1, %init10_2 : tensor<536xi32>, tensor<9xi32>, tensor<?xi32>) {num_experts = 8, tile = 64}
                    : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>, tensor<?xi32>
  return
}

// CHECK-LABEL: func.func @ssmm(
func.func @ssmm(%w13: !samoyeds.packed<8x512x256xbf16, #fmt>,
                %w2: !samoyeds.packed<8x256x256xbf16, #fmt>,
                %s13: !samoyeds.packed<512x256xf16, #fmt>,
                %x: tensor<?x256xbf16>, %xh: tensor<16x256xf16>,
                %list: tensor<?xi32>, %slist: tensor<16xi32>,
                %off: tensor<9xi32>, %w: tensor<?x2xf32>) {
  %d2c0_11 = arith.constant 0 : index
  %d2d1_11 = tensor.dim %list, %d2c0_11 : tensor<?xi32>
  %init11 = tensor.empty(%d2d1_11) : tensor<?x256xbf16>
  // Gate|up with the SiLU product, reading the tokens through the list.
  // CHECK: %[[H:.*]] = samoyeds.ssmm %{{.*}}, %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) outs({{[^)]*}}) {epilogue = #samoyeds.epilogue<silu_mul>, gather, top_k = 2 : i64} : !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%init11 : tensor<?x256xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<8x512x256xbf16, #fmt>, tensor<?x256xbf16>,
           tensor<?xi32> -> tensor<?x256xbf16>
  %d2c0_12 = arith.constant 0 : index
  %d2d1_12 = tensor.dim %list, %d2c0_12 : tensor<?xi32>
  %init12 = tensor.empty(%d2d1_12) : tensor<?x256xf32>
  // Down projection on the compact rows, scaled by the routing weights, f32,
  // its padding rows unspecified.
  // CHECK: samoyeds.ssmm %{{.*}}, %[[H]], %{{.*}} offsets(%{{.*}} : tensor<9xi32>) scale(%{{.*}} : tensor<?x2xf32>) outs({{[^)]*}}) {top_k = 2 : i64, undef_padding} : !samoyeds.packed<8x256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  %y = samoyeds.ssmm %w2, %h, %list offsets(%off : tensor<9xi32>)
         scale(%w : tensor<?x2xf32>) outs(%init12 : tensor<?x256xf32>) {top_k = 2, undef_padding}
         : !samoyeds.packed<8x256x256xbf16, #fmt>, tensor<?x256xbf16>,
           tensor<?xi32> -> tensor<?x256xf32>
  %d2c0_13 = arith.constant 0 : index
  %d2d1_13 = tensor.dim %list, %d2c0_13 : tensor<?xi32>
  %init13 = tensor.empty(%d2d1_13) : tensor<?x256xbf16>
  // All of gather, scale and silu_mul at once; epilogue none is the default.
  // CHECK: samoyeds.ssmm %{{.*}}, %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) scale(%{{.*}} : tensor<?x2xf32>) outs({{[^)]*}}) {gather, top_k = 2 : i64} : !samoyeds.packed<8x256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  %z = samoyeds.ssmm %w2, %x, %list offsets(%off : tensor<9xi32>)
         scale(%w : tensor<?x2xf32>) outs(%init13 : tensor<?x256xbf16>) {top_k = 2, gather, epilogue = #samoyeds.epilogue<none>}
         : !samoyeds.packed<8x256x256xbf16, #fmt>, tensor<?x256xbf16>,
           tensor<?xi32> -> tensor<?x256xbf16>
  %init14 = tensor.empty() : tensor<16x256xf16>
  // A weight without an expert dimension takes no offsets; top_k defaults to 1.
  // CHECK: samoyeds.ssmm %{{.*}}, %{{.*}}, %{{.*}} outs({{[^)]*}}) {epilogue = #samoyeds.epilogue<silu_mul>, gather} : !samoyeds.packed<512x256xf16, #samoyeds.format<n = 1, m = 2, v = 128>>, tensor<16x256xf16>, tensor<16xi32> -> tensor<16x256xf16>
  %s = samoyeds.ssmm %s13, %xh, %slist outs(%init14 : tensor<16x256xf16>)
         {gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<512x256xf16, #fmt>, tensor<16x256xf16>,
           tensor<16xi32> -> tensor<16x256xf16>
  %init15 = tensor.empty() : tensor<16x512xf32>
  // CHECK: samoyeds.ssmm %{{.*}}, %{{.*}}, %{{.*}} outs({{[^)]*}}) : !samoyeds.packed<512x256xf16, #samoyeds.format<n = 1, m = 2, v = 128>>, tensor<16x256xf16>, tensor<16xi32> -> tensor<16x512xf32>
  %t = samoyeds.ssmm %s13, %xh, %slist outs(%init15 : tensor<16x512xf32>)
         : !samoyeds.packed<512x256xf16, #fmt>, tensor<16x256xf16>,
           tensor<16xi32> -> tensor<16x512xf32>
  return
}

// CHECK-LABEL: func.func @combine(
func.func @combine(%rows: tensor<?x256xf32>, %list: tensor<?xi32>,
                   %w: tensor<?x2xf32>, %srows: tensor<536x256xf32>,
                   %slist: tensor<536xi32>, %sw: tensor<16x2xf32>) {
  %d2c0_16 = arith.constant 0 : index
  %d2d1_16 = tensor.dim %w, %d2c0_16 : tensor<?x2xf32>
  %init16 = tensor.empty(%d2d1_16) : tensor<?x256xf32>
  // CHECK: samoyeds.combine %{{.*}}, %{{.*}}, %{{.*}} outs({{[^)]*}}) : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  %y = samoyeds.combine %rows, %list, %w outs(%init16 : tensor<?x256xf32>) : tensor<?x256xf32>, tensor<?xi32>,
         tensor<?x2xf32> -> tensor<?x256xf32>
  %init17 = tensor.empty() : tensor<16x256xbf16>
  // CHECK: samoyeds.combine %{{.*}}, %{{.*}}, %{{.*}} outs({{[^)]*}}) {weighted} : tensor<536x256xf32>, tensor<536xi32>, tensor<16x2xf32> -> tensor<16x256xbf16>
  %z = samoyeds.combine %srows, %slist, %sw outs(%init17 : tensor<16x256xbf16>) {weighted} : tensor<536x256xf32>,
         tensor<536xi32>, tensor<16x2xf32> -> tensor<16x256xbf16>
  return
}

// CHECK-LABEL: func.func @moe(
func.func @moe(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>,
               %w13: !samoyeds.packed<8x1024x256xbf16, #fmt>,
               %w2: !samoyeds.packed<8x256x512xbf16, #fmt>,
               %bias: tensor<8xf32>,
               %s13: !samoyeds.packed<256x256xbf16, #fmt>,
               %s2: !samoyeds.packed<256x128xbf16, #fmt>,
               %sg: tensor<256xbf16>, %gf: tensor<8x256xf32>,
               %xs: tensor<16x256xbf16>) {
  // Mixtral.
  // CHECK: samoyeds.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {renormalize, top_k = 2 : i64} : tensor<?x256xbf16>, tensor<8x256xbf16>, !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<?x256xbf16>
  %a = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize}
         : tensor<?x256xbf16>, tensor<8x256xbf16>,
           !samoyeds.packed<8x1024x256xbf16, #fmt>,
           !samoyeds.packed<8x256x512xbf16, #fmt> -> tensor<?x256xbf16>
  // Qwen2-MoE: shared expert with a sigmoid gate; f32 result, static T, f32
  // gate weight, tile 16.
  // CHECK: samoyeds.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} shared(%{{.*}}, %{{.*}} : !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>) shared_gate(%{{.*}} : tensor<256xbf16>) {tile = 16 : i64, top_k = 4 : i64} : tensor<16x256xbf16>, tensor<8x256xf32>, !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<16x256xf32>
  %b = samoyeds.moe %xs, %gf, %w13, %w2
         shared(%s13, %s2 : !samoyeds.packed<256x256xbf16, #fmt>,
                            !samoyeds.packed<256x128xbf16, #fmt>)
         shared_gate(%sg : tensor<256xbf16>) {top_k = 4, tile = 16}
         : tensor<16x256xbf16>, tensor<8x256xf32>,
           !samoyeds.packed<8x1024x256xbf16, #fmt>,
           !samoyeds.packed<8x256x512xbf16, #fmt> -> tensor<16x256xf32>
  // DeepSeek-V3: every routing option, a bias and ungated shared experts.
  // CHECK: samoyeds.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8xf32>) shared(%{{.*}}, %{{.*}} : !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>) {n_group = 4 : i64, renormalize, scaling_factor = 2.500000e+00 : f32, scoring = #samoyeds.scoring<sigmoid>, tile = 128 : i64, top_k = 2 : i64, topk_group = 2 : i64} : tensor<?x256xbf16>, tensor<8x256xbf16>
  %c = samoyeds.moe %x, %g, %w13, %w2 bias(%bias : tensor<8xf32>)
         shared(%s13, %s2 : !samoyeds.packed<256x256xbf16, #fmt>,
                            !samoyeds.packed<256x128xbf16, #fmt>)
         {top_k = 2, scoring = #samoyeds.scoring<sigmoid>, renormalize,
          n_group = 4, topk_group = 2, scaling_factor = 2.5 : f32, tile = 128}
         : tensor<?x256xbf16>, tensor<8x256xbf16>,
           !samoyeds.packed<8x1024x256xbf16, #fmt>,
           !samoyeds.packed<8x256x512xbf16, #fmt> -> tensor<?x256xbf16>
  // Bias only; a dynamic result T against a static input T.
  // CHECK: samoyeds.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8xf32>) {top_k = 1 : i64} : tensor<16x256xbf16>, {{.*}} -> tensor<?x256xbf16>
  %d = samoyeds.moe %xs, %g, %w13, %w2 bias(%bias : tensor<8xf32>) {top_k = 1}
         : tensor<16x256xbf16>, tensor<8x256xbf16>,
           !samoyeds.packed<8x1024x256xbf16, #fmt>,
           !samoyeds.packed<8x256x512xbf16, #fmt> -> tensor<?x256xbf16>
  // The optional per-expert token counts (i64, i32 or of a dynamic size).
  // CHECK: %{{.*}}, %{{.*}} = samoyeds.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {renormalize, top_k = 2 : i64} : tensor<?x256xbf16>, tensor<8x256xbf16>, !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<?x256xbf16>, tensor<8xi64>
  %e, %ec = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize}
         : tensor<?x256xbf16>, tensor<8x256xbf16>,
           !samoyeds.packed<8x1024x256xbf16, #fmt>,
           !samoyeds.packed<8x256x512xbf16, #fmt> -> tensor<?x256xbf16>, tensor<8xi64>
  // CHECK: %{{.*}}, %{{.*}} = samoyeds.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8xf32>) shared(%{{.*}}, %{{.*}} : {{.*}}) {top_k = 2 : i64} : tensor<16x256xbf16>, {{.*}} -> tensor<16x256xf32>, tensor<?xi32>
  %f, %fc = samoyeds.moe %xs, %g, %w13, %w2 bias(%bias : tensor<8xf32>)
         shared(%s13, %s2 : !samoyeds.packed<256x256xbf16, #fmt>,
                            !samoyeds.packed<256x128xbf16, #fmt>) {top_k = 2}
         : tensor<16x256xbf16>, tensor<8x256xbf16>,
           !samoyeds.packed<8x1024x256xbf16, #fmt>,
           !samoyeds.packed<8x256x512xbf16, #fmt> -> tensor<16x256xf32>, tensor<?xi32>
  return
}

// The memref forms (what bufferization makes of the four destination-style
// ops): memref operands and inits, no results; ssmm takes the weight's
// storage buffers and spells its packed type in the same place.
// CHECK-LABEL: func.func @memref_forms
func.func @memref_forms(%l: memref<?x8xf32>, %b: memref<8xf32>, %w0: memref<?x2xf32>,
                        %i0: memref<?x2xi32>, %list: memref<?xi32>, %off: memref<9xi32>,
                        %cnt: memref<8xi64>, %v: memref<8x256x128xbf16>,
                        %m: memref<8x256x16xi16>, %r: memref<8x2x256xi8>,
                        %x: memref<?x256xbf16, strided<[?, 1], offset: ?>>,
                        %h0: memref<?x256xbf16>, %y0: memref<?x256xf32>) {
  // CHECK: samoyeds.route %{{.*}} bias(%{{.*}} : memref<8xf32>) outs(%{{.*}}, %{{.*}} : memref<?x2xf32>, memref<?x2xi32>) {top_k = 2 : i64} : memref<?x8xf32>{{$}}
  samoyeds.route %l bias(%b : memref<8xf32>) outs(%w0, %i0 : memref<?x2xf32>, memref<?x2xi32>)
    {top_k = 2} : memref<?x8xf32>
  // CHECK: samoyeds.dispatch %{{.*}} outs(%{{.*}}, %{{.*}}, %{{.*}} : memref<?xi32>, memref<9xi32>, memref<8xi64>) {num_experts = 8 : i64, tile = 64 : i64} : memref<?x2xi32>{{$}}
  samoyeds.dispatch %i0 outs(%list, %off, %cnt : memref<?xi32>, memref<9xi32>, memref<8xi64>)
    {num_experts = 8, tile = 64} : memref<?x2xi32>
  // CHECK: samoyeds.ssmm storage(%{{.*}}, %{{.*}}, %{{.*}} : memref<8x256x128xbf16>, memref<8x256x16xi16>, memref<8x2x256xi8>), %{{.*}}, %{{.*}} offsets(%{{.*}} : memref<9xi32>) outs(%{{.*}} : memref<?x256xbf16>) {epilogue = #samoyeds.epilogue<silu_mul>, gather, top_k = 2 : i64} : !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, memref<?x256xbf16, strided<[?, 1], offset: ?>>, memref<?xi32>{{$}}
  samoyeds.ssmm storage(%v, %m, %r : memref<8x256x128xbf16>, memref<8x256x16xi16>, memref<8x2x256xi8>),
    %x, %list offsets(%off : memref<9xi32>) outs(%h0 : memref<?x256xbf16>)
    {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
    : !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>,
      memref<?x256xbf16, strided<[?, 1], offset: ?>>, memref<?xi32>
  // CHECK: samoyeds.combine %{{.*}}, %{{.*}}, %{{.*}} outs(%{{.*}} : memref<?x256xf32>) {weighted} : memref<?x256xbf16>, memref<?xi32>, memref<?x2xf32>{{$}}
  samoyeds.combine %h0, %list, %w0 outs(%y0 : memref<?x256xf32>) {weighted}
    : memref<?x256xbf16>, memref<?xi32>, memref<?x2xf32>
  return
}
