// Canonicalization: samoyeds.pack of a constant folds into samoyeds.assemble
// of the three storage constants (values, metadata, row indices). The expected
// arrays are worked out by hand from the format (docs/format.md): the metadata
// nibble of a group of 4 columns holds the first kept position in bits [1:0]
// and the second in bits [3:2]; an i16 word covers 16 columns, group q of the
// word in bits [4q+3:4q]; row indices are (slices x condensed rows).
// RUN: samoyeds-opt %s --canonicalize --split-input-file | FileCheck %s

// f16, 1:2 rows, V = 32: 2 slices of 32 columns, 1 condensed row.
// Slice 0 (columns 0..31): row 0 has L1 norm 1, row 1 has 5+6+7+1+2+3 = 24,
// so row 1 is kept (row index 1) and row 0's 1.0 is dropped.
// Slice 1 (columns 32..63): row 0 has 1+2+3+0.5+0.25+4+0.125 = 10.875, row 1
// has 1, so row 0 is kept (row index 0).
// Kept row, groups of 4 (values; nibble = p0 | p1 << 2):
//   g0  0 5 6 0        -> 5, 6     p 1,2  nibble 9
//   g1, g2 zeros       -> 0, 0     p 0,1  nibble 4 (ties keep the lower)
//   g3  0 0 0 7        -> 0, 7     p 0,3  nibble 12
//   g4  1 2 3 0        -> 2, 3     p 1,2  nibble 9 (1 dropped)
//   g5..g7 zeros       -> 0, 0     nibble 4
//   g8  0 1 0 2        -> 1, 2     p 1,3  nibble 13
//   g9  0 0 -3 0       -> 0, -3    p 0,2  nibble 8
//   g10 .5 .25 4 .125  -> .5, 4    p 0,2  nibble 8
//   g11..g15 zeros     -> 0, 0     nibble 4
// Metadata words: 0xC449 = -15287, 0x4449 = 17481, 0x488D = 18573,
// 0x4444 = 17476.
// CHECK-LABEL: func.func @f16_two_slices()
// CHECK-NOT: samoyeds.pack %
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[\[}}5.000000e+00, 6.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 7.000000e+00,
// CHECK-SAME: 2.000000e+00, 3.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00,
// CHECK-SAME: 1.000000e+00, 2.000000e+00, 0.000000e+00, -3.000000e+00, 5.000000e-01, 4.000000e+00, 0.000000e+00, 0.000000e+00,
// CHECK-SAME: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<1x32xf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<{{\[\[}}-15287, 17481, 18573, 17476]]> : tensor<1x4xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<{{\[\[}}1], [0]]> : tensor<2x1xi8>
// CHECK: %[[P:.*]] = samoyeds.assemble %[[V]], %[[M]], %[[R]] : tensor<1x32xf16>, tensor<1x4xi16>, tensor<2x1xi8> -> !samoyeds.packed<2x64xf16, #samoyeds.format<n = 1, m = 2, v = 32>>
// CHECK: return %[[P]]
func.func @f16_two_slices() -> !samoyeds.packed<2x64xf16, #samoyeds.format<n = 1, m = 2, v = 32>> {
  %c = arith.constant dense<
    [[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 1.0, 0.0, 2.0, 0.0, 0.0, -3.0, 0.0, 0.5, 0.25, 4.0, 0.125, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     [0.0, 5.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0,
      1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]]>
    : tensor<2x64xf16>
  %p = samoyeds.pack %c : tensor<2x64xf16> -> !samoyeds.packed<2x64xf16, #samoyeds.format<n = 1, m = 2, v = 32>>
  return %p : !samoyeds.packed<2x64xf16, #samoyeds.format<n = 1, m = 2, v = 32>>
}

// -----

// bf16, 2:4 rows, V = 32: one row group of 4, one slice, 2 condensed rows.
// L1 norms: row 0: 1; row 1: 1+8+2+0.5+0.25 = 11.75; row 2: 2;
// row 3: 3*4+1.5 = 13.5. Rows 1 and 3 are kept, stored in ascending row order
// (row indices 1, 3).
// Condensed row 0 (row 1):
//   g1 1 -8 2 .5 -> -8, 2    p 1,2 nibble 9;  g7 0 0 0 .25 -> 0, .25  p 0,3 nibble 12
//   words: g0..g3 = 4,9,4,4 -> 0x4494 = 17556; g4..g7 = 4,4,4,12 -> 0xC444 = -15292
// Condensed row 1 (row 3):
//   g0 3 3 3 3 -> 3, 3 (ties: lower columns) p 0,1 nibble 4
//   g5 0 0 0 -1.5 -> 0, -1.5  p 0,3 nibble 12
//   words: 0x4444 = 17476; g4..g7 = 4,12,4,4 -> 0x44C4 = 17604
// CHECK-LABEL: func.func @bf16_two_of_four()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00, -8.000000e+00, 2.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00,
// CHECK-SAME: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 2.500000e-01],
// CHECK-SAME: [3.000000e+00, 3.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00,
// CHECK-SAME: 0.000000e+00, 0.000000e+00, 0.000000e+00, -1.500000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<2x16xbf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<{{\[\[}}17556, -15292], [17476, 17604]]> : tensor<2x2xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<{{\[\[}}1, 3]]> : tensor<1x2xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]] : tensor<2x16xbf16>, tensor<2x2xi16>, tensor<1x2xi8> -> !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
func.func @bf16_two_of_four() -> !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>> {
  %c = arith.constant dense<
    [[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 0.0, 0.0, 1.0, -8.0, 2.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25],
     [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     [3.0, 3.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]>
    : tensor<4x32xbf16>
  %p = samoyeds.pack %c : tensor<4x32xbf16> -> !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  return %p : !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
}

// -----

// Two experts (bf16, 1:2, V = 32), each packed on its own:
// expert 0 keeps row 0 (norm 6 against 0): g0 1 2 3 0 -> 2, 3, p 1,2, nibble 9,
//   words 0x4449 = 17481, 0x4444 = 17476;
// expert 1 keeps row 1 (norm 11 against 1): g7 0 0 -6 5 -> -6, 5, p 2,3,
//   nibble 14, words 0x4444 = 17476, 0xE444 = -7100.
// CHECK-LABEL: func.func @bf16_experts()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[\[\[}}2.000000e+00, 3.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00,
// CHECK-SAME: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]],
// CHECK-SAME: {{\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00,
// CHECK-SAME: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, -6.000000e+00, 5.000000e+00]]]> : tensor<2x1x16xbf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<{{\[\[\[}}17481, 17476]], {{\[\[}}17476, -7100]]]> : tensor<2x1x2xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<{{\[\[\[}}0]], {{\[\[}}1]]]> : tensor<2x1x1xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]] : tensor<2x1x16xbf16>, tensor<2x1x2xi16>, tensor<2x1x1xi8> -> !samoyeds.packed<2x2x32xbf16, #samoyeds.format<n = 1, m = 2, v = 32>>
func.func @bf16_experts() -> !samoyeds.packed<2x2x32xbf16, #samoyeds.format<n = 1, m = 2, v = 32>> {
  %c = arith.constant dense<
    [[[1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
     [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -6.0, 5.0]]]>
    : tensor<2x2x32xbf16>
  %p = samoyeds.pack %c : tensor<2x2x32xbf16> -> !samoyeds.packed<2x2x32xbf16, #samoyeds.format<n = 1, m = 2, v = 32>>
  return %p : !samoyeds.packed<2x2x32xbf16, #samoyeds.format<n = 1, m = 2, v = 32>>
}

// -----

// A splat: every cell ties, so the first n rows of each group and positions
// (0, 1) of each group of 4 are kept. Values and metadata stay splats.
// CHECK-LABEL: func.func @splat_zero()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<0.000000e+00> : tensor<2x16xbf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<17476> : tensor<2x2xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<{{\[\[}}0, 1]]> : tensor<1x2xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]]
func.func @splat_zero() -> !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>> {
  %c = arith.constant dense<0.0> : tensor<4x32xbf16>
  %p = samoyeds.pack %c : tensor<4x32xbf16> -> !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  return %p : !samoyeds.packed<4x32xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
}

// -----

// A splat with experts, 2 row groups and 2 slices: row indices repeat 0, 1 in
// every (expert, slice).
// CHECK-LABEL: func.func @splat_experts()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<-2.000000e+00> : tensor<2x4x32xf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<17476> : tensor<2x4x4xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<{{\[\[\[}}0, 1, 0, 1], [0, 1, 0, 1]], {{\[\[}}0, 1, 0, 1], [0, 1, 0, 1]]]> : tensor<2x2x4xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]] : tensor<2x4x32xf16>, tensor<2x4x4xi16>, tensor<2x2x4xi8> -> !samoyeds.packed<2x8x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
func.func @splat_experts() -> !samoyeds.packed<2x8x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>> {
  %c = arith.constant dense<-2.0> : tensor<2x8x64xf16>
  %p = samoyeds.pack %c : tensor<2x8x64xf16> -> !samoyeds.packed<2x8x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  return %p : !samoyeds.packed<2x8x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
}

// -----

// A large splat folds without expanding it (1:2: row indices are a splat too).
// CHECK-LABEL: func.func @splat_large()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<1.000000e+00> : tensor<32768x32768xbf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<17476> : tensor<32768x4096xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<0> : tensor<512x32768xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]]
func.func @splat_large() -> !samoyeds.packed<65536x65536xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> {
  %c = arith.constant dense<1.0> : tensor<65536x65536xbf16>
  %p = samoyeds.pack %c : tensor<65536x65536xbf16> -> !samoyeds.packed<65536x65536xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  return %p : !samoyeds.packed<65536x65536xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
}

// -----

// A NaN splat keeps its NaNs (NaN ranks above every number and ties with NaN).
// CHECK-LABEL: func.func @splat_nan()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<0x7E00> : tensor<1x16xf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<17476> : tensor<1x2xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<0> : tensor<1x1xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]]
func.func @splat_nan() -> !samoyeds.packed<2x32xf16, #samoyeds.format<n = 1, m = 2, v = 32>> {
  %c = arith.constant dense<0x7E00> : tensor<2x32xf16>
  %p = samoyeds.pack %c : tensor<2x32xf16> -> !samoyeds.packed<2x32xf16, #samoyeds.format<n = 1, m = 2, v = 32>>
  return %p : !samoyeds.packed<2x32xf16, #samoyeds.format<n = 1, m = 2, v = 32>>
}

// -----

// A splat with a huge V: the cell packed at compile time is M x 32, not M x V.
// CHECK-LABEL: func.func @splat_huge_v()
// CHECK-DAG: %[[V:.*]] = arith.constant dense<3.000000e+00> : tensor<1x549755813888xbf16>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<17476> : tensor<1x68719476736xi16>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<0> : tensor<1x1xi8>
// CHECK: samoyeds.assemble %[[V]], %[[M]], %[[R]]
func.func @splat_huge_v() -> !samoyeds.packed<2x1099511627776xbf16, #samoyeds.format<n = 1, m = 2, v = 1099511627776>> {
  %c = arith.constant dense<3.0> : tensor<2x1099511627776xbf16>
  %p = samoyeds.pack %c : tensor<2x1099511627776xbf16> -> !samoyeds.packed<2x1099511627776xbf16, #samoyeds.format<n = 1, m = 2, v = 1099511627776>>
  return %p : !samoyeds.packed<2x1099511627776xbf16, #samoyeds.format<n = 1, m = 2, v = 1099511627776>>
}

// -----

// A splat whose row-index array would be too large to build is left alone.
// CHECK-LABEL: func.func @splat_too_large()
// CHECK: samoyeds.pack %{{.*}} : tensor<1048576x1048576xbf16>
func.func @splat_too_large() -> !samoyeds.packed<1048576x1048576xbf16, #samoyeds.format<n = 2, m = 4, v = 32>> {
  %c = arith.constant dense<1.0> : tensor<1048576x1048576xbf16>
  %p = samoyeds.pack %c : tensor<1048576x1048576xbf16> -> !samoyeds.packed<1048576x1048576xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
  return %p : !samoyeds.packed<1048576x1048576xbf16, #samoyeds.format<n = 2, m = 4, v = 32>>
}

// -----

// A pack of a value that is not a constant stays.
// CHECK-LABEL: func.func @not_constant(
// CHECK-SAME: %[[W:.*]]: tensor<256x512xbf16>
// CHECK: %[[P:.*]] = samoyeds.pack %[[W]]
// CHECK-NOT: samoyeds.assemble
// CHECK: return %[[P]]
func.func @not_constant(%w: tensor<256x512xbf16>) -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> {
  %p = samoyeds.pack %w : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  return %p : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
}

// -----

// A pack whose result is unused is dead code (pack is Pure).
// CHECK-LABEL: func.func @dead(
// CHECK-NEXT: return
func.func @dead(%w: tensor<256x512xbf16>) {
  %p = samoyeds.pack %w : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  return
}
