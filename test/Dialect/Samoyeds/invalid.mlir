// Every diagnostic of the samoyeds attributes, types and op verifiers, and of
// their ODS constraints and parsers. Each case is named after the constraint
// it violates (docs/dialect.md).
// RUN: samoyeds-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// #samoyeds.format
//===----------------------------------------------------------------------===//

// F1: n >= 1.
// expected-error @below {{(F1) invalid #samoyeds.format: N (0) must be at least 1}}
func.func @f() attributes {fmt = #samoyeds.format<n = 0, m = 2, v = 128>} { return }

// -----

// F1: negative n.
// expected-error @below {{(F1) invalid #samoyeds.format: N (-1) must be at least 1}}
func.func @f() attributes {fmt = #samoyeds.format<n = -1, m = 2, v = 128>} { return }

// -----

// F1: m >= 1.
// expected-error @below {{(F1) invalid #samoyeds.format: M (0) must be at least 1}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 0, v = 128>} { return }

// -----

// F1: n <= m.
// expected-error @below {{(F1) invalid #samoyeds.format: N (3) must not exceed M (2)}}
func.func @f() attributes {fmt = #samoyeds.format<n = 3, m = 2, v = 128>} { return }

// -----

// F3: m <= 256 (row indices are uint8).
// expected-error @below {{(F3) invalid #samoyeds.format: M (512) must not exceed 256 (row indices are stored as uint8)}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 512, v = 128>} { return }

// -----

// F2: v a multiple of 32.
// expected-error @below {{(F2) invalid #samoyeds.format: V (100) must be a positive multiple of 32}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2, v = 100>} { return }

// -----

// F2: v positive.
// expected-error @below {{(F2) invalid #samoyeds.format: V (0) must be a positive multiple of 32}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2, v = 0>} { return }

// -----

// F2: v negative.
// expected-error @below {{(F2) invalid #samoyeds.format: V (-128) must be a positive multiple of 32}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2, v = -128>} { return }

// -----

// F2: the largest int64 is not a multiple of 32.
// expected-error @below {{(F2) invalid #samoyeds.format: V (9223372036854775807) must be a positive multiple of 32}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2, v = 9223372036854775807>} { return }

// -----

// Parser: a missing parameter.
// expected-error @below {{expected ','}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2>} { return }

// -----

// Parser: an unknown parameter.
// expected-error @below {{expected '>'}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2, v = 128, w = 4>} { return }

// -----

// Parser: a parameter given twice.
// expected-error @below {{duplicate or unknown struct parameter name: n}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, n = 2, v = 128>} { return }

// -----

// Parser: not an integer.
// expected-error @below {{expected integer value}}
// expected-error @below {{failed to parse Samoyeds_FormatAttr parameter 'n'}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1.5, m = 2, v = 128>} { return }

// -----

// Parser: an integer beyond int64.
// expected-error @below {{integer value too large}}
// expected-error @below {{failed to parse Samoyeds_FormatAttr parameter 'v'}}
func.func @f() attributes {fmt = #samoyeds.format<n = 1, m = 2, v = 9223372036854775808>} { return }

// -----

// Parser: no parameters at all.
// expected-error @below {{expected '<'}}
func.func @f() attributes {fmt = #samoyeds.format} { return }

// -----

// Parser: an unknown attribute mnemonic.
// expected-error @below {{unknown attribute `formt` in dialect `samoyeds`}}
func.func @f() attributes {fmt = #samoyeds.formt<n = 1, m = 2, v = 128>} { return }

// -----

// Parser: an unknown scoring function.
// expected-error @below {{expected ::mlir::samoyeds::Scoring to be one of: softmax, sigmoid}}
// expected-error @below {{failed to parse Samoyeds_ScoringAttr parameter 'value'}}
func.func @f() attributes {s = #samoyeds.scoring<tanh>} { return }

// -----

// Parser: an unknown epilogue.
// expected-error @below {{expected ::mlir::samoyeds::Epilogue to be one of: none, silu_mul}}
// expected-error @below {{failed to parse Samoyeds_EpilogueAttr parameter 'value'}}
func.func @f() attributes {e = #samoyeds.epilogue<gelu>} { return }

//===----------------------------------------------------------------------===//
// !samoyeds.packed
//===----------------------------------------------------------------------===//

// -----

// P1: rank 1.
// expected-error @below {{(P1) packed weight must have rank 2 (R x C) or 3 (E x R x C), got rank 1}}
func.func @f(%w: !samoyeds.packed<512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P1: rank 4.
// expected-error @below {{(P1) packed weight must have rank 2 (R x C) or 3 (E x R x C), got rank 4}}
func.func @f(%w: !samoyeds.packed<2x8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P1: rank 0.
// expected-error @below {{(P1) packed weight must have rank 2 (R x C) or 3 (E x R x C), got rank 0}}
func.func @f(%w: !samoyeds.packed<bf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P1: a zero size.
// expected-error @below {{(P1) packed weight sizes must be static and positive, got 0}}
func.func @f(%w: !samoyeds.packed<0x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P1: a dynamic size (rejected by the parser).
// expected-error @below {{expected static shape}}
func.func @f(%w: !samoyeds.packed<?x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P1: a negative size is no dimension at all.
// expected-error @below {{expected non-function type}}
func.func @f(%w: !samoyeds.packed<-2x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P1: a size beyond int64.
// expected-error @below {{invalid dimension}}
func.func @f(%w: !samoyeds.packed<99999999999999999999x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P2: f32.
// expected-error @below {{(P2) packed weight element type must be f16 or bf16, got 'f32'}}
func.func @f(%w: !samoyeds.packed<256x512xf32, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P2: an integer.
// expected-error @below {{(P2) packed weight element type must be f16 or bf16, got 'i16'}}
func.func @f(%w: !samoyeds.packed<256x512xi16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P2: a vector.
// expected-error @below {{(P2) packed weight element type must be f16 or bf16, got 'vector<2xf16>'}}
func.func @f(%w: !samoyeds.packed<256x512xvector<2xf16>, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P3: rows a multiple of m.
// expected-error @below {{(P3) packed weight 255x512 does not fit the format: rows (255) must be a multiple of M (2)}}
func.func @f(%w: !samoyeds.packed<255x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P3: rows a multiple of m, with an expert dimension.
// expected-error @below {{(P3) packed weight 6x32 does not fit the format: rows (6) must be a multiple of M (4)}}
func.func @f(%w: !samoyeds.packed<8x6x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>)

// -----

// P4: cols a multiple of v.
// expected-error @below {{(P4) packed weight 256x500 does not fit the format: cols (500) must be a multiple of V (128)}}
func.func @f(%w: !samoyeds.packed<256x500xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P4: cols a multiple of v (a multiple of 32 but not of v).
// expected-error @below {{(P4) packed weight 256x96 does not fit the format: cols (96) must be a multiple of V (64)}}
func.func @f(%w: !samoyeds.packed<256x96xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>)

// -----

// P5: R x C must be representable.
// expected-error @below {{(P5) packed weight 4611686018427387904x128 does not fit the format: rows x cols (4611686018427387904 x 128) is too large to index}}
func.func @f(%w: !samoyeds.packed<4611686018427387904x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// P5: E x R x C must be representable.
// expected-error @below {{(P5) packed weight 1000000000x1000000000x1024 has too many elements to index}}
func.func @f(%w: !samoyeds.packed<1000000000x1000000000x1024xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// An invalid format inside a packed type.
// expected-error @below {{(F2) invalid #samoyeds.format: V (48) must be a positive multiple of 32}}
func.func @f(%w: !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 48>>)

// -----

// Parser: the format is missing.
// expected-error @below {{expected ','}}
func.func @f(%w: !samoyeds.packed<256x512xbf16>)

// -----

// Parser: another attribute instead of the format.
// expected-error @below {{invalid kind of attribute specified}}
func.func @f(%w: !samoyeds.packed<256x512xbf16, 4 : i64>)

// -----

// Parser: the closing '>' is missing.
// expected-error @below {{unbalanced '<' character in pretty dialect name}}
func.func @f(%w: !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128> i32)

// -----

// Parser: no element type.
// expected-error @below {{expected non-function type}}
func.func @f(%w: !samoyeds.packed<256x512x, #samoyeds.format<n = 1, m = 2, v = 128>>)

// -----

// Parser: an unknown type mnemonic.
// expected-error @below {{type `pack` in dialect `samoyeds`}}
func.func @f(%w: !samoyeds.pack<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>)

//===----------------------------------------------------------------------===//
// samoyeds.pack
//===----------------------------------------------------------------------===//

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%d: tensor<256x256xbf16>) {
  // C1: the input shape is the logical shape.
  // expected-error @below {{'samoyeds.pack' op (C1) input shape 256x256 must equal the packed shape 256x512}}
  %p = samoyeds.pack %d : tensor<256x256xbf16> -> !w
  return
}

// -----

!w = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%d: tensor<256x512xbf16>) {
  // C1: the expert dimension is part of the shape.
  // expected-error @below {{'samoyeds.pack' op (C1) input shape 256x512 must equal the packed shape 8x256x512}}
  %p = samoyeds.pack %d : tensor<256x512xbf16> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%d: tensor<?x512xbf16>) {
  // C1: a dynamic input size does not match a static packed size.
  // expected-error @below {{'samoyeds.pack' op (C1) input shape ?x512 must equal the packed shape 256x512}}
  %p = samoyeds.pack %d : tensor<?x512xbf16> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%d: tensor<256x512xf16>) {
  // C2: the element types agree.
  // expected-error @below {{'samoyeds.pack' op (C2) input element type 'f16' must equal the packed element type 'bf16'}}
  %p = samoyeds.pack %d : tensor<256x512xf16> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%d: tensor<256x512xf32>) {
  // ODS: the input is f16 or bf16.
  // expected-error @below {{'samoyeds.pack' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type values, but got 'tensor<256x512xf32>'}}
  %p = samoyeds.pack %d : tensor<256x512xf32> -> !w
  return
}

// -----

func.func @f(%d: tensor<256x512xbf16>) {
  // ODS: the result is a packed weight.
  // expected-error @below {{'samoyeds.pack' op result #0 must be packed weight, but got 'tensor<256x512xbf16>'}}
  %p = "samoyeds.pack"(%d) : (tensor<256x512xbf16>) -> tensor<256x512xbf16>
  return
}

// -----

func.func @f(%d: tensor<256x512xbf16>) {
  // ODS: the result is a packed weight (custom form).
  // expected-error @below {{'samoyeds.pack' op result #0 must be packed weight, but got 'tensor<256x512xbf16>'}}
  %p = samoyeds.pack %d : tensor<256x512xbf16> -> tensor<256x512xbf16>
  return
}

// -----

// Parser: a missing operand.
func.func @f() {
  // expected-error @below {{expected SSA operand}}
  %p = samoyeds.pack : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  return
}

// -----

func.func @f(%d: tensor<256x512xbf16>) {
  // ODS: one operand.
  // expected-error @below {{'samoyeds.pack' op requires a single operand}}
  %p = "samoyeds.pack"(%d, %d) : (tensor<256x512xbf16>, tensor<256x512xbf16>) -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.unpack
//===----------------------------------------------------------------------===//

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%p: !w) {
  // C1: the result shape is the logical shape.
  // expected-error @below {{'samoyeds.unpack' op (C1) result shape 512x256 must equal the packed shape 256x512}}
  %d = samoyeds.unpack %p : !w -> tensor<512x256xbf16>
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%p: !w) {
  // C2: the element types agree.
  // expected-error @below {{'samoyeds.unpack' op (C2) result element type 'f16' must equal the packed element type 'bf16'}}
  %d = samoyeds.unpack %p : !w -> tensor<256x512xf16>
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%p: !w) {
  // ODS: the result is f16 or bf16.
  // expected-error @below {{'samoyeds.unpack' op result #0 must be ranked tensor of 16-bit float or bfloat16 type values, but got 'tensor<256x512xf32>'}}
  %d = samoyeds.unpack %p : !w -> tensor<256x512xf32>
  return
}

// -----

func.func @f(%d: tensor<256x512xbf16>) {
  // ODS: the operand is a packed weight.
  // expected-error @below {{'samoyeds.unpack' op operand #0 must be packed weight, but got 'tensor<256x512xbf16>'}}
  %p = "samoyeds.unpack"(%d) : (tensor<256x512xbf16>) -> tensor<256x512xbf16>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.assemble
//===----------------------------------------------------------------------===//

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<256x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>) {
  // C1: values are (R*n/m) x (C/2).
  // expected-error @below {{'samoyeds.assemble' op (C1) values must be 'tensor<128x256xbf16>' for '!samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>', got 'tensor<256x256xbf16>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<256x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>) {
  // C1: values have the packed element type.
  // expected-error @below {{'samoyeds.assemble' op (C1) values must be 'tensor<128x256xbf16>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x64xi16>, %r: tensor<4x128xi8>) {
  // C1: metadata are (R*n/m) x (C/16).
  // expected-error @below {{'samoyeds.assemble' op (C1) metadata must be 'tensor<128x32xi16>' for '!samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>', got 'tensor<128x64xi16>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x64xi16>, tensor<4x128xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<128x4xi8>) {
  // C1: row indices are (C/v) x (R*n/m).
  // expected-error @below {{'samoyeds.assemble' op (C1) row_indices must be 'tensor<4x128xi8>' for '!samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>', got 'tensor<128x4xi8>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<128x4xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<2x4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
func.func @f(%v: tensor<2x16xf16>, %m: tensor<2x2x2xi16>, %r: tensor<2x1x2xi8>) {
  // C1: an expert dimension leads every storage array.
  // expected-error @below {{'samoyeds.assemble' op (C1) values must be 'tensor<2x2x16xf16>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<2x16xf16>, tensor<2x2x2xi16>, tensor<2x1x2xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<?x128xi8>) {
  // C1: the storage types are static.
  // expected-error @below {{'samoyeds.assemble' op (C1) row_indices must be 'tensor<4x128xi8>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<?x128xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xi16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>) {
  // ODS: values are f16 or bf16.
  // expected-error @below {{'samoyeds.assemble' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type values, but got 'tensor<128x256xi16>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xi16>, tensor<128x32xi16>, tensor<4x128xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi32>, %r: tensor<4x128xi8>) {
  // ODS: metadata are i16.
  // expected-error @below {{'samoyeds.assemble' op operand #1 must be ranked tensor of 16-bit signless integer values, but got 'tensor<128x32xi32>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi32>, tensor<4x128xi8> -> !w
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xui8>) {
  // ODS: row indices are signless i8.
  // expected-error @below {{'samoyeds.assemble' op operand #2 must be ranked tensor of 8-bit signless integer values, but got 'tensor<4x128xui8>'}}
  %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xui8> -> !w
  return
}

// -----

func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>) {
  // ODS: the result is a packed weight.
  // expected-error @below {{'samoyeds.assemble' op result #0 must be packed weight, but got 'tensor<256x512xbf16>'}}
  %p = "samoyeds.assemble"(%v, %m, %r) : (tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8>) -> tensor<256x512xbf16>
  return
}

// -----

func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>) {
  // ODS: three operands.
  // expected-error @below {{'samoyeds.assemble' op expected 3 operands, but found 2}}
  %p = "samoyeds.assemble"(%v, %m) : (tensor<128x256xbf16>, tensor<128x32xi16>) -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.route
//===----------------------------------------------------------------------===//

// -----

func.func @f(%l: tensor<?x?xf32>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?x?xf32>
  %init1_0 = tensor.empty(%d2d1_1) : tensor<?x2xf32>
  %init1_1 = tensor.empty(%d2d1_1) : tensor<?x2xi32>
  // C1: the expert count is static.
  // expected-error @below {{'samoyeds.route' op (C1) the expert count (logits dimension 1) must be static}}
  %w, %i = samoyeds.route %l outs(%init1_0, %init1_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x?xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x0xf32>) {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?x0xf32>
  %init2_0 = tensor.empty(%d2d1_2) : tensor<?x1xf32>
  %init2_1 = tensor.empty(%d2d1_2) : tensor<?x1xi32>
  // C1: at least one expert.
  // expected-error @below {{'samoyeds.route' op (C1) the expert count (0) must be in [1, 2147483647] (indices are i32)}}
  %w, %i = samoyeds.route %l outs(%init2_0, %init2_1 : tensor<?x1xf32>, tensor<?x1xi32>) {top_k = 1} : tensor<?x0xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return
}

// -----

func.func @f(%l: tensor<?x3000000000xf32>) {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?x3000000000xf32>
  %init3_0 = tensor.empty(%d2d1_3) : tensor<?x1xf32>
  %init3_1 = tensor.empty(%d2d1_3) : tensor<?x1xi32>
  // C1: expert indices fit i32.
  // expected-error @below {{'samoyeds.route' op (C1) the expert count (3000000000) must be in [1, 2147483647] (indices are i32)}}
  %w, %i = samoyeds.route %l outs(%init3_0, %init3_1 : tensor<?x1xf32>, tensor<?x1xi32>) {top_k = 1} : tensor<?x3000000000xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?x8xf32>
  %init4_0 = tensor.empty(%d2d1_4) : tensor<?x0xf32>
  %init4_1 = tensor.empty(%d2d1_4) : tensor<?x0xi32>
  // C2: top_k >= 1.
  // expected-error @below {{'samoyeds.route' op (C2) top_k (0) must be in [1, 8]}}
  %w, %i = samoyeds.route %l outs(%init4_0, %init4_1 : tensor<?x0xf32>, tensor<?x0xi32>) {top_k = 0} : tensor<?x8xf32> -> tensor<?x0xf32>, tensor<?x0xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %l, %d2c0_5 : tensor<?x8xf32>
  %init5_0 = tensor.empty(%d2d1_5) : tensor<?x9xf32>
  %init5_1 = tensor.empty(%d2d1_5) : tensor<?x9xi32>
  // C2: top_k <= E.
  // expected-error @below {{'samoyeds.route' op (C2) top_k (9) must be in [1, 8]}}
  %w, %i = samoyeds.route %l outs(%init5_0, %init5_1 : tensor<?x9xf32>, tensor<?x9xi32>) {top_k = 9} : tensor<?x8xf32> -> tensor<?x9xf32>, tensor<?x9xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %l, %d2c0_6 : tensor<?x8xf32>
  %init6_0 = tensor.empty(%d2d1_6) : tensor<?x2xf32>
  %init6_1 = tensor.empty(%d2d1_6) : tensor<?x2xi32>
  // C2: a huge top_k.
  // expected-error @below {{'samoyeds.route' op (C2) top_k (9223372036854775807) must be in [1, 8]}}
  %w, %i = samoyeds.route %l outs(%init6_0, %init6_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 9223372036854775807} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_7 = arith.constant 0 : index
  %d2d1_7 = tensor.dim %l, %d2c0_7 : tensor<?x8xf32>
  %init7_0 = tensor.empty(%d2d1_7) : tensor<?x3xf32>
  %init7_1 = tensor.empty(%d2d1_7) : tensor<?x2xi32>
  // C3: weights are T x top_k.
  // expected-error @below {{'samoyeds.route' op (C3) weights must be ?x2 (tokens x top_k), got ?x3}}
  %w, %i = samoyeds.route %l outs(%init7_0, %init7_1 : tensor<?x3xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<16x8xf32>) {
  %init8_0 = tensor.empty() : tensor<16x2xf32>
  %init8_1 = tensor.empty() : tensor<15x2xi32>
  // C3: indices have T rows.
  // expected-error @below {{'samoyeds.route' op (C3) indices must be 16x2 (tokens x top_k), got 15x2}}
  %w, %i = samoyeds.route %l outs(%init8_0, %init8_1 : tensor<16x2xf32>, tensor<15x2xi32>) {top_k = 2} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<15x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_9 = arith.constant 0 : index
  %d2d1_9 = tensor.dim %l, %d2c0_9 : tensor<?x8xf32>
  %d2c2_9 = arith.constant 2 : index
  %init9_0 = tensor.empty(%d2d1_9, %d2c2_9) : tensor<?x?xf32>
  %init9_1 = tensor.empty(%d2d1_9) : tensor<?x2xi32>
  // C3: the top_k dimension is static.
  // expected-error @below {{'samoyeds.route' op (C3) weights must be ?x2 (tokens x top_k), got ?x?}}
  %w, %i = samoyeds.route %l outs(%init9_0, %init9_1 : tensor<?x?xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x?xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>, %b: tensor<4xf32>) {
  %d2c0_10 = arith.constant 0 : index
  %d2d1_10 = tensor.dim %l, %d2c0_10 : tensor<?x8xf32>
  %init10_0 = tensor.empty(%d2d1_10) : tensor<?x2xf32>
  %init10_1 = tensor.empty(%d2d1_10) : tensor<?x2xi32>
  // C4: bias has E entries.
  // expected-error @below {{'samoyeds.route' op (C4) bias must have 8 entries (one per expert), got 4}}
  %w, %i = samoyeds.route %l bias(%b : tensor<4xf32>) outs(%init10_0, %init10_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_11 = arith.constant 0 : index
  %d2d1_11 = tensor.dim %l, %d2c0_11 : tensor<?x8xf32>
  %init11_0 = tensor.empty(%d2d1_11) : tensor<?x2xf32>
  %init11_1 = tensor.empty(%d2d1_11) : tensor<?x2xi32>
  // C5: n_group divides E.
  // expected-error @below {{'samoyeds.route' op (C5) n_group (3) must be >= 1 and divide the expert count (8)}}
  %w, %i = samoyeds.route %l outs(%init11_0, %init11_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, n_group = 3} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_12 = arith.constant 0 : index
  %d2d1_12 = tensor.dim %l, %d2c0_12 : tensor<?x8xf32>
  %init12_0 = tensor.empty(%d2d1_12) : tensor<?x2xf32>
  %init12_1 = tensor.empty(%d2d1_12) : tensor<?x2xi32>
  // C5: n_group >= 1.
  // expected-error @below {{'samoyeds.route' op (C5) n_group (0) must be >= 1 and divide the expert count (8)}}
  %w, %i = samoyeds.route %l outs(%init12_0, %init12_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, n_group = 0} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_13 = arith.constant 0 : index
  %d2d1_13 = tensor.dim %l, %d2c0_13 : tensor<?x8xf32>
  %init13_0 = tensor.empty(%d2d1_13) : tensor<?x2xf32>
  %init13_1 = tensor.empty(%d2d1_13) : tensor<?x2xi32>
  // C5: the most negative n_group.
  // expected-error @below {{'samoyeds.route' op (C5) n_group (-9223372036854775808) must be >= 1}}
  %w, %i = samoyeds.route %l outs(%init13_0, %init13_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, n_group = -9223372036854775808} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_14 = arith.constant 0 : index
  %d2d1_14 = tensor.dim %l, %d2c0_14 : tensor<?x8xf32>
  %init14_0 = tensor.empty(%d2d1_14) : tensor<?x2xf32>
  %init14_1 = tensor.empty(%d2d1_14) : tensor<?x2xi32>
  // C6: topk_group <= n_group.
  // expected-error @below {{'samoyeds.route' op (C6) topk_group (5) must be in [1, n_group = 4]}}
  %w, %i = samoyeds.route %l outs(%init14_0, %init14_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, n_group = 4, topk_group = 5} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_15 = arith.constant 0 : index
  %d2d1_15 = tensor.dim %l, %d2c0_15 : tensor<?x8xf32>
  %init15_0 = tensor.empty(%d2d1_15) : tensor<?x2xf32>
  %init15_1 = tensor.empty(%d2d1_15) : tensor<?x2xi32>
  // C6: topk_group >= 1.
  // expected-error @below {{'samoyeds.route' op (C6) topk_group (0) must be in [1, n_group = 1]}}
  %w, %i = samoyeds.route %l outs(%init15_0, %init15_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, topk_group = 0} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_16 = arith.constant 0 : index
  %d2d1_16 = tensor.dim %l, %d2c0_16 : tensor<?x8xf32>
  %init16_0 = tensor.empty(%d2d1_16) : tensor<?x3xf32>
  %init16_1 = tensor.empty(%d2d1_16) : tensor<?x3xi32>
  // C7: the kept groups hold at least top_k experts (1 group of 2 here).
  // expected-error @below {{'samoyeds.route' op (C7) top_k (3) exceeds the experts of the 1 kept group(s) (2)}}
  %w, %i = samoyeds.route %l outs(%init16_0, %init16_1 : tensor<?x3xf32>, tensor<?x3xi32>) {top_k = 3, n_group = 4, topk_group = 1} : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_17 = arith.constant 0 : index
  %d2d1_17 = tensor.dim %l, %d2c0_17 : tensor<?x8xf32>
  %init17_0 = tensor.empty(%d2d1_17) : tensor<?x2xf32>
  %init17_1 = tensor.empty(%d2d1_17) : tensor<?x2xi32>
  // C8: scaling_factor > 0.
  // expected-error @below {{'samoyeds.route' op (C8) scaling_factor must be positive}}
  %w, %i = samoyeds.route %l outs(%init17_0, %init17_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, scaling_factor = 0.0 : f32} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_18 = arith.constant 0 : index
  %d2d1_18 = tensor.dim %l, %d2c0_18 : tensor<?x8xf32>
  %init18_0 = tensor.empty(%d2d1_18) : tensor<?x2xf32>
  %init18_1 = tensor.empty(%d2d1_18) : tensor<?x2xi32>
  // C8: negative.
  // expected-error @below {{'samoyeds.route' op (C8) scaling_factor must be positive}}
  %w, %i = samoyeds.route %l outs(%init18_0, %init18_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, scaling_factor = -2.5 : f32} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_19 = arith.constant 0 : index
  %d2d1_19 = tensor.dim %l, %d2c0_19 : tensor<?x8xf32>
  %init19_0 = tensor.empty(%d2d1_19) : tensor<?x2xf32>
  %init19_1 = tensor.empty(%d2d1_19) : tensor<?x2xi32>
  // C8: NaN is not positive.
  // expected-error @below {{'samoyeds.route' op (C8) scaling_factor must be positive}}
  %w, %i = samoyeds.route %l outs(%init19_0, %init19_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, scaling_factor = 0x7FC00000 : f32} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<8xf32>) {
  %d2c0_20 = arith.constant 0 : index
  %d2d1_20 = tensor.dim %l, %d2c0_20 : tensor<8xf32>
  %init20_0 = tensor.empty(%d2d1_20) : tensor<?x2xf32>
  %init20_1 = tensor.empty(%d2d1_20) : tensor<?x2xi32>
  // ODS: logits are a 2-D float tensor.
  // expected-error @below {{'samoyeds.route' op operand #0 must be 2-D tensor or memref of floats, but got 'tensor<8xf32>'}}
  %w, %i = samoyeds.route %l outs(%init20_0, %init20_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xi32>) {
  %d2c0_21 = arith.constant 0 : index
  %d2d1_21 = tensor.dim %l, %d2c0_21 : tensor<?x8xi32>
  %init21_0 = tensor.empty(%d2d1_21) : tensor<?x2xf32>
  %init21_1 = tensor.empty(%d2d1_21) : tensor<?x2xi32>
  // ODS: float logits.
  // expected-error @below {{'samoyeds.route' op operand #0 must be 2-D tensor or memref of floats, but got 'tensor<?x8xi32>'}}
  %w, %i = samoyeds.route %l outs(%init21_0, %init21_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xi32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>, %b: tensor<1x8xf32>) {
  %d2c0_22 = arith.constant 0 : index
  %d2d1_22 = tensor.dim %l, %d2c0_22 : tensor<?x8xf32>
  %init22_0 = tensor.empty(%d2d1_22) : tensor<?x2xf32>
  %init22_1 = tensor.empty(%d2d1_22) : tensor<?x2xi32>
  // ODS: the bias is 1-D.
  // expected-error @below {{'samoyeds.route' op operand #1 must be 1-D tensor or memref of floats, but got 'tensor<1x8xf32>'}}
  %w, %i = samoyeds.route %l bias(%b : tensor<1x8xf32>) outs(%init22_0, %init22_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_23 = arith.constant 0 : index
  %d2d1_23 = tensor.dim %l, %d2c0_23 : tensor<?x8xf32>
  %init23_0 = tensor.empty(%d2d1_23) : tensor<?x2xi32>
  %init23_1 = tensor.empty(%d2d1_23) : tensor<?x2xi32>
  // ODS: float weights.
  // expected-error @below {{'samoyeds.route' op result #0 must be 2-D tensor of floating-point values, but got 'tensor<?x2xi32>'}}
  %w, %i = samoyeds.route %l outs(%init23_0, %init23_1 : tensor<?x2xi32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_24 = arith.constant 0 : index
  %d2d1_24 = tensor.dim %l, %d2c0_24 : tensor<?x8xf32>
  %init24_0 = tensor.empty(%d2d1_24) : tensor<?x2xf32>
  %init24_1 = tensor.empty(%d2d1_24) : tensor<?x2xi64>
  // ODS: i32 indices.
  // expected-error @below {{'samoyeds.route' op result #1 must be 2-D tensor of 32-bit signless integer values, but got 'tensor<?x2xi64>'}}
  %w, %i = samoyeds.route %l outs(%init24_0, %init24_1 : tensor<?x2xf32>, tensor<?x2xi64>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi64>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_25 = arith.constant 0 : index
  %d2d1_25 = tensor.dim %l, %d2c0_25 : tensor<?x8xf32>
  %init25_0 = tensor.empty(%d2d1_25) : tensor<?x2xf32>
  %init25_1 = tensor.empty(%d2d1_25) : tensor<?x2xi32>
  // ODS: top_k is required.
  // expected-error @below {{'samoyeds.route' op requires attribute 'top_k'}}
  %w, %i = samoyeds.route %l outs(%init25_0, %init25_1 : tensor<?x2xf32>, tensor<?x2xi32>) : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_26 = arith.constant 0 : index
  %d2d1_26 = tensor.dim %l, %d2c0_26 : tensor<?x8xf32>
  %init26_0 = tensor.empty(%d2d1_26) : tensor<?x2xf32>
  %init26_1 = tensor.empty(%d2d1_26) : tensor<?x2xi32>
  // ODS: top_k is an i64.
  // expected-error @below {{'samoyeds.route' op attribute 'top_k' failed to satisfy constraint: 64-bit signless integer attribute}}
  %w, %i = samoyeds.route %l outs(%init26_0, %init26_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2 : i32} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_27 = arith.constant 0 : index
  %d2d1_27 = tensor.dim %l, %d2c0_27 : tensor<?x8xf32>
  %init27_0 = tensor.empty(%d2d1_27) : tensor<?x2xf32>
  %init27_1 = tensor.empty(%d2d1_27) : tensor<?x2xi32>
  // ODS: scoring is a #samoyeds.scoring.
  // expected-error @below {{'samoyeds.route' op attribute 'scoring' failed to satisfy constraint: router scoring function}}
  %w, %i = samoyeds.route %l outs(%init27_0, %init27_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, scoring = 1 : i32} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_28 = arith.constant 0 : index
  %d2d1_28 = tensor.dim %l, %d2c0_28 : tensor<?x8xf32>
  %init28_0 = tensor.empty(%d2d1_28) : tensor<?x2xf32>
  %init28_1 = tensor.empty(%d2d1_28) : tensor<?x2xi32>
  // ODS: scaling_factor is an f32.
  // expected-error @below {{'samoyeds.route' op attribute 'scaling_factor' failed to satisfy constraint: 32-bit float attribute}}
  %w, %i = samoyeds.route %l outs(%init28_0, %init28_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, scaling_factor = 2.5 : f64} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_29 = arith.constant 0 : index
  %d2d1_29 = tensor.dim %l, %d2c0_29 : tensor<?x8xf32>
  %init29_0 = tensor.empty(%d2d1_29) : tensor<?x2xf32>
  %init29_1 = tensor.empty(%d2d1_29) : tensor<?x2xi32>
  // ODS: renormalize is a unit attribute.
  // expected-error @below {{'samoyeds.route' op attribute 'renormalize' failed to satisfy constraint: unit attribute}}
  %w, %i = samoyeds.route %l outs(%init29_0, %init29_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, renormalize = true} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_30 = arith.constant 0 : index
  %d2d1_30 = tensor.dim %l, %d2c0_30 : tensor<?x8xf32>
  %init30_0 = tensor.empty(%d2d1_30) : tensor<?x2xf32>
  %init30_1 = tensor.empty(%d2d1_30) : tensor<?x2xi32>
  // ODS: n_group is an i64.
  // expected-error @below {{'samoyeds.route' op attribute 'n_group' failed to satisfy constraint: 64-bit signless integer attribute}}
  %w, %i = samoyeds.route %l outs(%init30_0, %init30_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, n_group = "4"} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  // ODS: two results.
  // expected-error @below {{'samoyeds.route' op (C0) takes two inits (weights, indices), got 0}}
  %w = "samoyeds.route"(%l) <{operandSegmentSizes = array<i32: 1, 0, 0>, resultSegmentSizes = array<i32: 1, 0>, top_k = 2}> : (tensor<?x8xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  // ODS: at most one bias.
  // expected-error @below {{'samoyeds.route' op operand group starting at #1 requires 0 or 1 element, but found 2}}
  %w:2 = "samoyeds.route"(%l, %l, %l) <{operandSegmentSizes = array<i32: 1, 2, 0>, resultSegmentSizes = array<i32: 1, 1>, top_k = 2}> : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>) {
  %d2c0_31 = arith.constant 0 : index
  %d2d1_31 = tensor.dim %l, %d2c0_31 : tensor<?x8xf32>
  %init31 = tensor.empty(%d2d1_31) : tensor<?x2xf32>
  // Parser: one result type for two results.
  // expected-error @below {{expected ','}}
  %w, %i = samoyeds.route %l outs(%init31 : tensor<?x2xf32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf32>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.dispatch
//===----------------------------------------------------------------------===//

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_32 = arith.constant 0 : index
  %d2d1_32 = tensor.dim %i, %d2c0_32 : tensor<?x2xi32>
  %d2c2_32 = arith.constant 2 : index
  %d2m_32 = arith.muli %d2d1_32, %d2c2_32 : index
  %d2l_32 = arith.addi %d2m_32, %d2c0_32 : index
  %init32_0 = tensor.empty(%d2l_32) : tensor<?xi32>
  %init32_1 = tensor.empty() : tensor<1xi32>
  // C1: num_experts >= 1.
  // expected-error @below {{'samoyeds.dispatch' op (C1) num_experts (0) and tile (64) must be >= 1}}
  %l, %o = samoyeds.dispatch %i outs(%init32_0, %init32_1 : tensor<?xi32>, tensor<1xi32>) {num_experts = 0, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<1xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_33 = arith.constant 0 : index
  %d2d1_33 = tensor.dim %i, %d2c0_33 : tensor<?x2xi32>
  %d2c2_33 = arith.constant 2 : index
  %d2m_33 = arith.muli %d2d1_33, %d2c2_33 : index
  %d2c-8_33 = arith.constant -8 : index
  %d2l_33 = arith.addi %d2m_33, %d2c-8_33 : index
  %init33_0 = tensor.empty(%d2l_33) : tensor<?xi32>
  %init33_1 = tensor.empty() : tensor<9xi32>
  // C1: tile >= 1.
  // expected-error @below {{'samoyeds.dispatch' op (C1) num_experts (8) and tile (0) must be >= 1}}
  %l, %o = samoyeds.dispatch %i outs(%init33_0, %init33_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 0} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_34 = arith.constant 0 : index
  %d2d1_34 = tensor.dim %i, %d2c0_34 : tensor<?x2xi32>
  %d2c2_34 = arith.constant 2 : index
  %d2m_34 = arith.muli %d2d1_34, %d2c2_34 : index
  %d2l_34 = arith.addi %d2m_34, %d2c0_34 : index
  %init34_0 = tensor.empty(%d2l_34) : tensor<?xi32>
  %d2cbig_34 = arith.constant 0 : index
  %init34_1 = tensor.empty(%d2cbig_34) : tensor<?xi32>
  // C1: expert indices are i32.
  // expected-error @below {{'samoyeds.dispatch' op (C1) num_experts (9223372036854775807) must be at most 2147483647 (expert indices are i32)}}
  %l, %o = samoyeds.dispatch %i outs(%init34_0, %init34_1 : tensor<?xi32>, tensor<?xi32>) {num_experts = 9223372036854775807, tile = 1} : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>
  return
}

// -----

func.func @f(%i: tensor<16x2xi32>) {
  %init35_0 = tensor.empty() : tensor<32xi32>
  %init35_1 = tensor.empty() : tensor<9xi32>
  // C2: T*k + E*(tile-1) = 32 + 8*63 = 536 entries.
  // expected-error @below {{'samoyeds.dispatch' op (C2) list must have T*k + E*(tile-1) = 536 entries, got 32}}
  %l, %o = samoyeds.dispatch %i outs(%init35_0, %init35_1 : tensor<32xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<16x2xi32>) {
  %d2c0_36 = arith.constant 0 : index
  %d2d1_36 = tensor.dim %i, %d2c0_36 : tensor<16x2xi32>
  %d2c2_36 = arith.constant 2 : index
  %d2m_36 = arith.muli %d2d1_36, %d2c2_36 : index
  %d2cbig_36 = arith.constant 0 : index
  %d2l_36 = arith.addi %d2m_36, %d2cbig_36 : index
  %init36_0 = tensor.empty(%d2l_36) : tensor<?xi32>
  %init36_1 = tensor.empty() : tensor<9xi32>
  // C2: the list length must fit the i32 offsets (and not overflow int64).
  // expected-error @below {{'samoyeds.dispatch' op (C2) the list length T*k + E*(tile-1) with T = 16, k = 2, E = 8, tile = 9223372036854775807 exceeds 2147483647 (offsets are i32)}}
  %l, %o = samoyeds.dispatch %i outs(%init36_0, %init36_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 9223372036854775807} : tensor<16x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_37 = arith.constant 0 : index
  %d2d1_37 = tensor.dim %i, %d2c0_37 : tensor<?x2xi32>
  %d2c2_37 = arith.constant 2 : index
  %d2m_37 = arith.muli %d2d1_37, %d2c2_37 : index
  %d2cbig_37 = arith.constant 0 : index
  %d2l_37 = arith.addi %d2m_37, %d2cbig_37 : index
  %init37_0 = tensor.empty(%d2l_37) : tensor<?xi32>
  %init37_1 = tensor.empty() : tensor<9xi32>
  // C2: with a dynamic T the padding alone must fit.
  // expected-error @below {{'samoyeds.dispatch' op (C2) the list length T*k + E*(tile-1) with T = ?, k = 2, E = 8, tile = 268435457 exceeds 2147483647 (offsets are i32)}}
  %l, %o = samoyeds.dispatch %i outs(%init37_0, %init37_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 268435457} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %init38_0 = tensor.empty() : tensor<5xi32>
  %init38_1 = tensor.empty() : tensor<9xi32>
  // C2: a static list shorter than the padding E*(tile-1) = 8*63 = 504 (the
  // CPU code wrote past it).
  // expected-error @below {{'samoyeds.dispatch' op (C2) list must have T*k + E*(tile-1) >= 504 entries (E = 8, tile = 64), got 5}}
  %l, %o = samoyeds.dispatch %i outs(%init38_0, %init38_1 : tensor<5xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<5xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %init39_0 = tensor.empty() : tensor<509xi32>
  %init39_1 = tensor.empty() : tensor<9xi32>
  // C2: 509 - 504 = 5 = T*k is not a multiple of k = 2.
  // expected-error @below {{'samoyeds.dispatch' op (C2) list length 509 minus E*(tile-1) = 504 is not a multiple of k = 2}}
  %l, %o = samoyeds.dispatch %i outs(%init39_0, %init39_1 : tensor<509xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<509xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<0x?xi32>) {
  %init40_0 = tensor.empty() : tensor<506xi32>
  %init40_1 = tensor.empty() : tensor<9xi32>
  // C2: no token: T*k = 0 whatever k is.
  // expected-error @below {{'samoyeds.dispatch' op (C2) list must have T*k + E*(tile-1) = 504 entries, got 506}}
  %l, %o = samoyeds.dispatch %i outs(%init40_0, %init40_1 : tensor<506xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<0x?xi32> -> tensor<506xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<9223372036854775807x2xi32>) {
  %d2c0_41 = arith.constant 0 : index
  %d2d1_41 = tensor.dim %i, %d2c0_41 : tensor<9223372036854775807x2xi32>
  %d2c2_41 = arith.constant 2 : index
  %d2m_41 = arith.muli %d2d1_41, %d2c2_41 : index
  %d2l_41 = arith.addi %d2m_41, %d2c0_41 : index
  %init41_0 = tensor.empty(%d2l_41) : tensor<?xi32>
  %init41_1 = tensor.empty() : tensor<9xi32>
  // C2: T*k overflows int64.
  // expected-error @below {{'samoyeds.dispatch' op (C2) the list length T*k + E*(tile-1) with T = 9223372036854775807, k = 2, E = 8, tile = 1 exceeds 2147483647 (offsets are i32)}}
  %l, %o = samoyeds.dispatch %i outs(%init41_0, %init41_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 1} : tensor<9223372036854775807x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_42 = arith.constant 0 : index
  %d2d1_42 = tensor.dim %i, %d2c0_42 : tensor<?x2xi32>
  %d2c2_42 = arith.constant 2 : index
  %d2m_42 = arith.muli %d2d1_42, %d2c2_42 : index
  %d2c504_42 = arith.constant 504 : index
  %d2l_42 = arith.addi %d2m_42, %d2c504_42 : index
  %init42_0 = tensor.empty(%d2l_42) : tensor<?xi32>
  %init42_1 = tensor.empty() : tensor<8xi32>
  // C3: offsets have E + 1 entries.
  // expected-error @below {{'samoyeds.dispatch' op (C3) offsets must have num_experts + 1 = 9 entries, got 8}}
  %l, %o = samoyeds.dispatch %i outs(%init42_0, %init42_1 : tensor<?xi32>, tensor<8xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<8xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_43 = arith.constant 0 : index
  %d2d1_43 = tensor.dim %i, %d2c0_43 : tensor<?x2xi32>
  %d2c2_43 = arith.constant 2 : index
  %d2m_43 = arith.muli %d2d1_43, %d2c2_43 : index
  %d2c504_43 = arith.constant 504 : index
  %d2l_43 = arith.addi %d2m_43, %d2c504_43 : index
  %init43_0 = tensor.empty(%d2l_43) : tensor<?xi32>
  %init43_1 = tensor.empty() : tensor<9xi32>
  %init43_2 = tensor.empty() : tensor<9xi64>
  // C4: counts have E entries.
  // expected-error @below {{'samoyeds.dispatch' op (C4) counts must have num_experts = 8 entries, got 9}}
  %l, %o, %c = samoyeds.dispatch %i outs(%init43_0, %init43_1, %init43_2 : tensor<?xi32>, tensor<9xi32>, tensor<9xi64>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<9xi64>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_44 = arith.constant 0 : index
  %d2d1_44 = tensor.dim %i, %d2c0_44 : tensor<?x2xi32>
  %d2c2_44 = arith.constant 2 : index
  %d2m_44 = arith.muli %d2d1_44, %d2c2_44 : index
  %d2c504_44 = arith.constant 504 : index
  %d2l_44 = arith.addi %d2m_44, %d2c504_44 : index
  %init44_0 = tensor.empty(%d2l_44) : tensor<?xi32>
  %init44_1 = tensor.empty() : tensor<9xi32>
  %init44_2 = tensor.empty() : tensor<8xf32>
  // ODS: integer counts, i32 or i64.
  // expected-error @below {{'samoyeds.dispatch' op result #2 must be 1-D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<8xf32>'}}
  %l, %o, %c = samoyeds.dispatch %i outs(%init44_0, %init44_1, %init44_2 : tensor<?xi32>, tensor<9xi32>, tensor<8xf32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xf32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_45 = arith.constant 0 : index
  %d2d1_45 = tensor.dim %i, %d2c0_45 : tensor<?x2xi32>
  %d2c2_45 = arith.constant 2 : index
  %d2m_45 = arith.muli %d2d1_45, %d2c2_45 : index
  %d2c504_45 = arith.constant 504 : index
  %d2l_45 = arith.addi %d2m_45, %d2c504_45 : index
  %init45_0 = tensor.empty(%d2l_45) : tensor<?xi32>
  %init45_1 = tensor.empty() : tensor<9xi32>
  %init45_2 = tensor.empty() : tensor<8x1xi64>
  // ODS: 1-D counts.
  // expected-error @below {{'samoyeds.dispatch' op result #2 must be 1-D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<8x1xi64>'}}
  %l, %o, %c = samoyeds.dispatch %i outs(%init45_0, %init45_1, %init45_2 : tensor<?xi32>, tensor<9xi32>, tensor<8x1xi64>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8x1xi64>
  return
}

// -----

func.func @f(%i: tensor<?x2xi64>) {
  %d2c0_46 = arith.constant 0 : index
  %d2d1_46 = tensor.dim %i, %d2c0_46 : tensor<?x2xi64>
  %d2c2_46 = arith.constant 2 : index
  %d2m_46 = arith.muli %d2d1_46, %d2c2_46 : index
  %d2c504_46 = arith.constant 504 : index
  %d2l_46 = arith.addi %d2m_46, %d2c504_46 : index
  %init46_0 = tensor.empty(%d2l_46) : tensor<?xi32>
  %init46_1 = tensor.empty() : tensor<9xi32>
  // ODS: i32 indices.
  // expected-error @below {{'samoyeds.dispatch' op operand #0 must be 2-D tensor or memref of i32, but got 'tensor<?x2xi64>'}}
  %l, %o = samoyeds.dispatch %i outs(%init46_0, %init46_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi64> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?xi32>) {
  %d2c0_47 = arith.constant 0 : index
  %d2d1_47 = tensor.dim %i, %d2c0_47 : tensor<?xi32>
  %d2c1_47 = arith.constant 1 : index
  %d2d3_47 = tensor.dim %i, %d2c1_47 : tensor<?xi32>
  %d2m_47 = arith.muli %d2d1_47, %d2d3_47 : index
  %d2c504_47 = arith.constant 504 : index
  %d2l_47 = arith.addi %d2m_47, %d2c504_47 : index
  %init47_0 = tensor.empty(%d2l_47) : tensor<?xi32>
  %init47_1 = tensor.empty() : tensor<9xi32>
  // ODS: 2-D indices.
  // expected-error @below {{'samoyeds.dispatch' op operand #0 must be 2-D tensor or memref of i32, but got 'tensor<?xi32>'}}
  %l, %o = samoyeds.dispatch %i outs(%init47_0, %init47_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_48 = arith.constant 0 : index
  %d2d1_48 = tensor.dim %i, %d2c0_48 : tensor<?x2xi32>
  %d2c2_48 = arith.constant 2 : index
  %d2m_48 = arith.muli %d2d1_48, %d2c2_48 : index
  %d2c504_48 = arith.constant 504 : index
  %d2l_48 = arith.addi %d2m_48, %d2c504_48 : index
  %init48_0 = tensor.empty(%d2l_48) : tensor<?x1xi32>
  %init48_1 = tensor.empty() : tensor<9xi32>
  // ODS: a 1-D list.
  // expected-error @below {{'samoyeds.dispatch' op result #0 must be 1-D tensor of 32-bit signless integer values, but got 'tensor<?x1xi32>'}}
  %l, %o = samoyeds.dispatch %i outs(%init48_0, %init48_1 : tensor<?x1xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?x1xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_49 = arith.constant 0 : index
  %d2d1_49 = tensor.dim %i, %d2c0_49 : tensor<?x2xi32>
  %d2c2_49 = arith.constant 2 : index
  %d2m_49 = arith.muli %d2d1_49, %d2c2_49 : index
  %d2c504_49 = arith.constant 504 : index
  %d2l_49 = arith.addi %d2m_49, %d2c504_49 : index
  %init49_0 = tensor.empty(%d2l_49) : tensor<?xi32>
  %init49_1 = tensor.empty() : tensor<9xi64>
  // ODS: i32 offsets.
  // expected-error @below {{'samoyeds.dispatch' op result #1 must be 1-D tensor of 32-bit signless integer values, but got 'tensor<9xi64>'}}
  %l, %o = samoyeds.dispatch %i outs(%init49_0, %init49_1 : tensor<?xi32>, tensor<9xi64>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi64>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_50 = arith.constant 0 : index
  %d2d1_50 = tensor.dim %i, %d2c0_50 : tensor<?x2xi32>
  %d2c2_50 = arith.constant 2 : index
  %d2m_50 = arith.muli %d2d1_50, %d2c2_50 : index
  %d2l_50 = arith.addi %d2m_50, %d2c0_50 : index
  %init50_0 = tensor.empty(%d2l_50) : tensor<?xi32>
  %init50_1 = tensor.empty() : tensor<9xi32>
  // ODS: tile is required.
  // expected-error @below {{'samoyeds.dispatch' op requires attribute 'tile'}}
  %l, %o = samoyeds.dispatch %i outs(%init50_0, %init50_1 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

// -----

func.func @f(%i: tensor<?x2xi32>) {
  %d2c0_51 = arith.constant 0 : index
  %d2d1_51 = tensor.dim %i, %d2c0_51 : tensor<?x2xi32>
  %d2c2_51 = arith.constant 2 : index
  %d2m_51 = arith.muli %d2d1_51, %d2c2_51 : index
  %d2c63_51 = arith.constant 63 : index
  %d2l_51 = arith.addi %d2m_51, %d2c63_51 : index
  %init51_0 = tensor.empty(%d2l_51) : tensor<?xi32>
  %init51_1 = tensor.empty() : tensor<9xi32>
  // ODS: num_experts is required.
  // expected-error @below {{'samoyeds.dispatch' op requires attribute 'num_experts'}}
  %l, %o = samoyeds.dispatch %i outs(%init51_0, %init51_1 : tensor<?xi32>, tensor<9xi32>) {tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.ssmm
//===----------------------------------------------------------------------===//

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_52 = arith.constant 0 : index
  %d2d1_52 = tensor.dim %l, %d2c0_52 : tensor<?xi32>
  %init52 = tensor.empty(%d2d1_52) : tensor<?x512xf32>
  // C1: a 2-D input.
  // expected-error @below {{'samoyeds.ssmm' op (C1) input must be rank 2 (rows x 256), got rank 1}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init52 : tensor<?x512xf32>) {gather} : !w, tensor<256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x128xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_53 = arith.constant 0 : index
  %d2d1_53 = tensor.dim %l, %d2c0_53 : tensor<?xi32>
  %init53 = tensor.empty(%d2d1_53) : tensor<?x512xf32>
  // C1: input columns are the weight's columns.
  // expected-error @below {{'samoyeds.ssmm' op (C1) input has 128 columns but the weight has 256}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init53 : tensor<?x512xf32>) {gather} : !w, tensor<?x128xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_54 = arith.constant 0 : index
  %d2d1_54 = tensor.dim %l, %d2c0_54 : tensor<?xi32>
  %init54 = tensor.empty(%d2d1_54) : tensor<?x512xf32>
  // C1: the input has the weight's element type.
  // expected-error @below {{'samoyeds.ssmm' op (C1) input element type 'f16' must equal the weight element type 'bf16'}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init54 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>) {
  %d2c0_55 = arith.constant 0 : index
  %d2d1_55 = tensor.dim %l, %d2c0_55 : tensor<?xi32>
  %init55 = tensor.empty(%d2d1_55) : tensor<?x512xf32>
  // C2: an expert dimension needs offsets.
  // expected-error @below {{'samoyeds.ssmm' op (C2) offsets must be given exactly when the weight has an expert dimension}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init55 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<2xi32>) {
  %d2c0_56 = arith.constant 0 : index
  %d2d1_56 = tensor.dim %l, %d2c0_56 : tensor<?xi32>
  %init56 = tensor.empty(%d2d1_56) : tensor<?x512xf32>
  // C2: no offsets without an expert dimension.
  // expected-error @below {{'samoyeds.ssmm' op (C2) offsets must be given exactly when the weight has an expert dimension}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<2xi32>) outs(%init56 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<8xi32>) {
  %d2c0_57 = arith.constant 0 : index
  %d2d1_57 = tensor.dim %l, %d2c0_57 : tensor<?xi32>
  %init57 = tensor.empty(%d2d1_57) : tensor<?x512xf32>
  // C2: offsets have E + 1 entries.
  // expected-error @below {{'samoyeds.ssmm' op (C2) offsets must have 9 entries (experts + 1), got 8}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<8xi32>) outs(%init57 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<100x256xbf16>, %l: tensor<536xi32>, %o: tensor<9xi32>) {
  %init58 = tensor.empty() : tensor<536x512xf32>
  // C3: without gather, one input row per list entry.
  // expected-error @below {{'samoyeds.ssmm' op (C3) without gather the input must have one row per list entry (536), got 100}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init58 : tensor<536x512xf32>) : !w, tensor<100x256xbf16>, tensor<536xi32> -> tensor<536x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x510x256xbf16, #samoyeds.format<n = 1, m = 3, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_59 = arith.constant 0 : index
  %d2d1_59 = tensor.dim %l, %d2c0_59 : tensor<?xi32>
  %init59 = tensor.empty(%d2d1_59) : tensor<?x255xf32>
  // C4: silu_mul splits the rows in two halves (R even) -- 510 / 2 = 255 ok.
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init59 : tensor<?x255xf32>) {gather, epilogue = #samoyeds.epilogue<silu_mul>} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x255xf32>
  return
}

// -----

!w = !samoyeds.packed<8x513x256xbf16, #samoyeds.format<n = 1, m = 3, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_60 = arith.constant 0 : index
  %d2d1_60 = tensor.dim %l, %d2c0_60 : tensor<?xi32>
  %init60 = tensor.empty(%d2d1_60) : tensor<?x256xf32>
  // C4: silu_mul needs an even R.
  // expected-error @below {{'samoyeds.ssmm' op (C4) silu_mul needs an even number of weight rows (gate over up), got 513}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init60 : tensor<?x256xf32>) {gather, epilogue = #samoyeds.epilogue<silu_mul>} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_61 = arith.constant 0 : index
  %d2d1_61 = tensor.dim %l, %d2c0_61 : tensor<?xi32>
  %init61 = tensor.empty(%d2d1_61) : tensor<?x512xf32>
  // C4: silu_mul halves the output width.
  // expected-error @below {{'samoyeds.ssmm' op (C4) result must be ?x256, got ?x512}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init61 : tensor<?x512xf32>) {gather, epilogue = #samoyeds.epilogue<silu_mul>} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<536xi32>, %o: tensor<9xi32>) {
  %init62 = tensor.empty() : tensor<535x512xf32>
  // C4: one result row per list entry.
  // expected-error @below {{'samoyeds.ssmm' op (C4) result must be 536x512, got 535x512}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init62 : tensor<535x512xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<536xi32> -> tensor<535x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_63 = arith.constant 0 : index
  %d2d1_63 = tensor.dim %l, %d2c0_63 : tensor<?xi32>
  %d2c1_63 = arith.constant 1 : index
  %init63 = tensor.empty(%d2d1_63, %d2c1_63) : tensor<?x?xf32>
  // C4: the output width is static.
  // expected-error @below {{'samoyeds.ssmm' op (C4) result must be ?x512, got ?x?}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init63 : tensor<?x?xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x?xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_64 = arith.constant 0 : index
  %d2d1_64 = tensor.dim %l, %d2c0_64 : tensor<?xi32>
  %init64 = tensor.empty(%d2d1_64) : tensor<?x512xf32>
  // C5: top_k >= 1.
  // expected-error @below {{'samoyeds.ssmm' op (C5) top_k (0) must be >= 1}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init64 : tensor<?x512xf32>) {gather, top_k = 0} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  %d2c0_65 = arith.constant 0 : index
  %d2d1_65 = tensor.dim %l, %d2c0_65 : tensor<?xi32>
  %init65 = tensor.empty(%d2d1_65) : tensor<?x512xf32>
  // C5: a negative top_k (compared signed; a fuzz find, the GPU lowering
  // aborted on the kernel name row_..._k-2147483648).
  // expected-error @below {{'samoyeds.ssmm' op (C5) top_k (-2147483648) must be >= 1}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) outs(%init65 : tensor<?x512xf32>) {gather, top_k = -2147483648} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>, %s: tensor<?x3xf32>) {
  %d2c0_66 = arith.constant 0 : index
  %d2d1_66 = tensor.dim %l, %d2c0_66 : tensor<?xi32>
  %init66 = tensor.empty(%d2d1_66) : tensor<?x512xf32>
  // C6: scale has top_k columns.
  // expected-error @below {{'samoyeds.ssmm' op (C6) scale must have top_k = 2 columns, got 3}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) scale(%s : tensor<?x3xf32>) outs(%init66 : tensor<?x512xf32>) {gather, top_k = 2} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>, %s: tensor<?xf32>) {
  %d2c0_67 = arith.constant 0 : index
  %d2d1_67 = tensor.dim %l, %d2c0_67 : tensor<?xi32>
  %init67 = tensor.empty(%d2d1_67) : tensor<?x512xf32>
  // C6 (ODS): scale is rank 2.
  // expected-error @below {{'samoyeds.ssmm' op operand #4 must be 2-D tensor or memref of floats, but got 'tensor<?xf32>'}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9xi32>) scale(%s : tensor<?xf32>) outs(%init67 : tensor<?x512xf32>) {gather, top_k = 2} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%w: tensor<512x256xbf16>, %x: tensor<?x256xbf16>, %l: tensor<?xi32>) {
  // ODS: the weight is packed.
  // expected-error @below {{'samoyeds.ssmm' op operand #0 must be packed weight, but got 'tensor<512x256xbf16>'}}
  %y = "samoyeds.ssmm"(%w, %x, %l, %x) <{operandSegmentSizes = array<i32: 1, 0, 1, 1, 0, 0, 1>}> : (tensor<512x256xbf16>, tensor<?x256xbf16>, tensor<?xi32>, tensor<?x256xbf16>) -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xf32>, %l: tensor<?xi32>) {
  %d2c0_68 = arith.constant 0 : index
  %d2d1_68 = tensor.dim %l, %d2c0_68 : tensor<?xi32>
  %init68 = tensor.empty(%d2d1_68) : tensor<?x512xf32>
  // ODS: the input is f16 or bf16.
  // expected-error @below {{'samoyeds.ssmm' op operand #1 must be ranked tensor or memref of f16 or bf16, but got 'tensor<?x256xf32>'}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init68 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xf32>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi64>) {
  %d2c0_69 = arith.constant 0 : index
  %d2d1_69 = tensor.dim %l, %d2c0_69 : tensor<?xi64>
  %init69 = tensor.empty(%d2d1_69) : tensor<?x512xf32>
  // ODS: an i32 list.
  // expected-error @below {{'samoyeds.ssmm' op operand #2 must be 1-D tensor or memref of i32, but got 'tensor<?xi64>'}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init69 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi64> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9x1xi32>) {
  %d2c0_70 = arith.constant 0 : index
  %d2d1_70 = tensor.dim %l, %d2c0_70 : tensor<?xi32>
  %init70 = tensor.empty(%d2d1_70) : tensor<?x512xf32>
  // ODS: 1-D offsets.
  // expected-error @below {{'samoyeds.ssmm' op operand #3 must be 1-D tensor or memref of i32, but got 'tensor<9x1xi32>'}}
  %y = samoyeds.ssmm %w, %x, %l offsets(%o : tensor<9x1xi32>) outs(%init70 : tensor<?x512xf32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>) {
  %d2c0_71 = arith.constant 0 : index
  %d2d1_71 = tensor.dim %l, %d2c0_71 : tensor<?xi32>
  %init71 = tensor.empty(%d2d1_71) : tensor<?x512xi32>
  // ODS: a float result.
  // expected-error @below {{'samoyeds.ssmm' op result #0 must be 2-D tensor of floating-point values, but got 'tensor<?x512xi32>'}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init71 : tensor<?x512xi32>) {gather} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xi32>
  return
}

// -----

!w = !samoyeds.packed<512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>) {
  %d2c0_72 = arith.constant 0 : index
  %d2d1_72 = tensor.dim %l, %d2c0_72 : tensor<?xi32>
  %init72 = tensor.empty(%d2d1_72) : tensor<?x512xf32>
  // ODS: the epilogue is a #samoyeds.epilogue.
  // expected-error @below {{'samoyeds.ssmm' op attribute 'epilogue' failed to satisfy constraint: fused ssmm epilogue}}
  %y = samoyeds.ssmm %w, %x, %l outs(%init72 : tensor<?x512xf32>) {gather, epilogue = 1 : i32} : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  // ODS: the operand segments add up to the operand count.
  // expected-error @below {{'samoyeds.ssmm' op operand count (4) does not match with the total size (6) specified in attribute 'operandSegmentSizes'}}
  %y = "samoyeds.ssmm"(%w, %x, %l, %o) <{operandSegmentSizes = array<i32: 1, 0, 1, 1, 1, 1, 1>}> : (!w, tensor<?x256xbf16>, tensor<?xi32>, tensor<9xi32>) -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  // ODS: the operand segment sizes are not negative.
  // expected-error @below {{'samoyeds.ssmm' op 'operandSegmentSizes' attribute cannot have negative elements}}
  %y = "samoyeds.ssmm"(%w, %x, %l, %o) <{operandSegmentSizes = array<i32: 1, 0, 1, 1, -1, 1, 1>}> : (!w, tensor<?x256xbf16>, tensor<?xi32>, tensor<9xi32>) -> tensor<?x512xf32>
  return
}

// -----

!w = !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %o: tensor<9xi32>) {
  // ODS: one segment size per operand group.
  // expected-error @below {{size mismatch in attribute conversion: 4 vs 7}}
  %y = "samoyeds.ssmm"(%w, %x, %l, %o) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> : (!w, tensor<?x256xbf16>, tensor<?xi32>, tensor<9xi32>) -> tensor<?x512xf32>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.combine
//===----------------------------------------------------------------------===//

// -----

func.func @f(%r: tensor<536x256xf32>, %l: tensor<535xi32>, %w: tensor<?x2xf32>) {
  %d2c0_73 = arith.constant 0 : index
  %d2d1_73 = tensor.dim %w, %d2c0_73 : tensor<?x2xf32>
  %init73 = tensor.empty(%d2d1_73) : tensor<?x256xf32>
  // C1: one row per list entry.
  // expected-error @below {{'samoyeds.combine' op (C1) rows (536) and list (535) must have the same length}}
  %y = samoyeds.combine %r, %l, %w outs(%init73 : tensor<?x256xf32>) : tensor<536x256xf32>, tensor<535xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?xf32>) {
  %d2c0_74 = arith.constant 0 : index
  %d2d1_74 = tensor.dim %w, %d2c0_74 : tensor<?xf32>
  %init74 = tensor.empty(%d2d1_74) : tensor<?x256xf32>
  // C2 (ODS): weights are rank 2.
  // expected-error @below {{'samoyeds.combine' op operand #2 must be 2-D tensor or memref of floats, but got 'tensor<?xf32>'}}
  %y = samoyeds.combine %r, %l, %w outs(%init74 : tensor<?x256xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<?xf32> -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<16x2xf32>) {
  %init75 = tensor.empty() : tensor<17x256xf32>
  // C3: T rows, the rows of weights.
  // expected-error @below {{'samoyeds.combine' op (C3) result must be 16x256 (tokens x row width), got 17x256}}
  %y = samoyeds.combine %r, %l, %w outs(%init75 : tensor<17x256xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<16x2xf32> -> tensor<17x256xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>) {
  %d2c0_76 = arith.constant 0 : index
  %d2d1_76 = tensor.dim %w, %d2c0_76 : tensor<?x2xf32>
  %init76 = tensor.empty(%d2d1_76) : tensor<?x128xf32>
  // C3: H columns, the width of rows.
  // expected-error @below {{'samoyeds.combine' op (C3) result must be ?x256 (tokens x row width), got ?x128}}
  %y = samoyeds.combine %r, %l, %w outs(%init76 : tensor<?x128xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xi32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>) {
  %d2c0_77 = arith.constant 0 : index
  %d2d1_77 = tensor.dim %w, %d2c0_77 : tensor<?x2xf32>
  %init77 = tensor.empty(%d2d1_77) : tensor<?x256xf32>
  // ODS: float rows.
  // expected-error @below {{'samoyeds.combine' op operand #0 must be 2-D tensor or memref of floats, but got 'tensor<?x256xi32>'}}
  %y = samoyeds.combine %r, %l, %w outs(%init77 : tensor<?x256xf32>) : tensor<?x256xi32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?x1xi32>, %w: tensor<?x2xf32>) {
  %d2c0_78 = arith.constant 0 : index
  %d2d1_78 = tensor.dim %w, %d2c0_78 : tensor<?x2xf32>
  %init78 = tensor.empty(%d2d1_78) : tensor<?x256xf32>
  // ODS: a 1-D list.
  // expected-error @below {{'samoyeds.combine' op operand #1 must be 1-D tensor or memref of i32, but got 'tensor<?x1xi32>'}}
  %y = samoyeds.combine %r, %l, %w outs(%init78 : tensor<?x256xf32>) : tensor<?x256xf32>, tensor<?x1xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>) {
  %d2c0_79 = arith.constant 0 : index
  %d2d1_79 = tensor.dim %w, %d2c0_79 : tensor<?x2xf32>
  %init79 = tensor.empty(%d2d1_79) : tensor<?xf32>
  // ODS: a 2-D result.
  // expected-error @below {{'samoyeds.combine' op result #0 must be 2-D tensor of floating-point values, but got 'tensor<?xf32>'}}
  %y = samoyeds.combine %r, %l, %w outs(%init79 : tensor<?xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>) {
  %d2c0_80 = arith.constant 0 : index
  %d2d1_80 = tensor.dim %w, %d2c0_80 : tensor<?x2xf32>
  %init80 = tensor.empty(%d2d1_80) : tensor<?x256xf32>
  // ODS: weighted is a unit attribute.
  // expected-error @below {{'samoyeds.combine' op attribute 'weighted' failed to satisfy constraint: unit attribute}}
  %y = samoyeds.combine %r, %l, %w outs(%init80 : tensor<?x256xf32>) {weighted = 1} : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return
}

//===----------------------------------------------------------------------===//
// samoyeds.moe
//===----------------------------------------------------------------------===//

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C1: a 2-D input.
  // expected-error @below {{'samoyeds.moe' op (C1) input must be rank 2 (tokens x hidden)}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x?xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C1: a static hidden size.
  // expected-error @below {{'samoyeds.moe' op (C1) the hidden size must be static}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x?xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C1: input and expert weights share the element type.
  // expected-error @below {{'samoyeds.moe' op (C1) input element type 'bf16' must equal the expert weights' element type}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<?x256xbf16>, %a: !w13, %b: !w2) {
  // C2: a static expert count.
  // expected-error @below {{'samoyeds.moe' op (C2) gate_weight must be E x 256 with a static E, got ?x256}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<?x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x128xbf16>, %a: !w13, %b: !w2) {
  // C2: the gate is E x H.
  // expected-error @below {{'samoyeds.moe' op (C2) gate_weight must be E x 256 with a static E, got 8x128}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x128xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xf64>, %a: !w13, %b: !w2) {
  // C2: the gate converts to f32.
  // expected-error @below {{'samoyeds.moe' op (C2) gate_weight element type must be a float of at most 32 bits (the layer computes in f32), got 'f64'}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xf64>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<4x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C3: w13 has E experts.
  // expected-error @below {{'samoyeds.moe' op (C3) w13 must be packed 8x2Ix256, got 4x1024x256}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C3: w13 has an expert dimension.
  // expected-error @below {{'samoyeds.moe' op (C3) w13 must be packed 8x2Ix256, got 1024x256}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1023x256xbf16, #samoyeds.format<n = 1, m = 1, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C3: w13 stacks gate over up (2I rows).
  // expected-error @below {{'samoyeds.moe' op (C3) w13 must be packed 8x2Ix256, got 8x1023x256}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C3: w13 has H columns.
  // expected-error @below {{'samoyeds.moe' op (C3) w13 must be packed 8x2Ix256, got 8x1024x512}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C4: w2 is E x H x I.
  // expected-error @below {{'samoyeds.moe' op (C4) w2 must be packed 8x256x512, got 8x256x256}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C4: w2 has an expert dimension.
  // expected-error @below {{'samoyeds.moe' op (C4) w2 must be packed 8x256x512, got 256x512}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %bias: tensor<4xf32>) {
  // C5: bias has E entries.
  // expected-error @below {{'samoyeds.moe' op (C5) bias must have 8 entries}}
  %y = samoyeds.moe %x, %g, %a, %b bias(%bias : tensor<4xf32>) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13) {
  // C6: shared_w13 without shared_w2 (only the generic form can say it).
  // expected-error @below {{'samoyeds.moe' op (C6) shared_w13 and shared_w2 go together}}
  %y = "samoyeds.moe"(%x, %g, %a, %b, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1, 0, 0>, top_k = 2 : i64}> : (tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2, !s13) -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<2x256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13, %t: !s2) {
  // C6: shared_w13 has no expert dimension.
  // expected-error @below {{'samoyeds.moe' op (C6) shared_w13 must be packed 2Sx256 of 'bf16', got 2x256x256}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%s, %t : !s13, !s2) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<256x256xf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13, %t: !s2) {
  // C6: shared_w13 has the input element type.
  // expected-error @below {{'samoyeds.moe' op (C6) shared_w13 must be packed 2Sx256 of 'bf16', got 256x256}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%s, %t : !s13, !s2) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13, %t: !s2) {
  // C6: shared_w2 is H x S.
  // expected-error @below {{'samoyeds.moe' op (C6) shared_w2 must be packed 256x128, got 256x256}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%s, %t : !s13, !s2) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %sg: tensor<256xbf16>) {
  // C7: shared_gate only with shared experts.
  // expected-error @below {{'samoyeds.moe' op (C7) shared_gate needs shared experts}}
  %y = samoyeds.moe %x, %g, %a, %b shared_gate(%sg : tensor<256xbf16>) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13, %t: !s2, %sg: tensor<128xbf16>) {
  // C7: shared_gate has H entries.
  // expected-error @below {{'samoyeds.moe' op (C7) shared_gate must have 256 entries}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%s, %t : !s13, !s2) shared_gate(%sg : tensor<128xbf16>) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13, %t: !s2, %sg: tensor<256xf64>) {
  // C7: shared_gate converts to f32.
  // expected-error @below {{'samoyeds.moe' op (C7) shared_gate element type must be a float of at most 32 bits (the layer computes in f32), got 'f64'}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%s, %t : !s13, !s2) shared_gate(%sg : tensor<256xf64>) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<16x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C8: the result is T x H.
  // expected-error @below {{'samoyeds.moe' op (C8) result must be 16x256, got 8x256}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<16x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<8x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C8: the result width is static H.
  // expected-error @below {{'samoyeds.moe' op (C8) result must be ?x256, got ?x?}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x?xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C8: the result converts from f32.
  // expected-error @below {{'samoyeds.moe' op (C8) result element type must be a float of at most 32 bits (the layer computes in f32), got 'f64'}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xf64>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C9: tile >= 1.
  // expected-error @below {{'samoyeds.moe' op (C9) num_experts (8) and tile (0) must be >= 1}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2, tile = 0} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<3000000000x64x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>
!w2 = !samoyeds.packed<3000000000x64x32xbf16, #samoyeds.format<n = 1, m = 1, v = 32>>
func.func @f(%x: tensor<?x64xbf16>, %g: tensor<3000000000x64xbf16>, %a: !w13, %b: !w2) {
  // C9: expert indices are i32.
  // expected-error @below {{'samoyeds.moe' op (C9) num_experts (3000000000) must be at most 2147483647 (expert indices are i32)}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x64xbf16>, tensor<3000000000x64xbf16>, !w13, !w2 -> tensor<?x64xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<16x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C9: the dispatch list fits the i32 offsets.
  // expected-error @below {{'samoyeds.moe' op (C9) the list length T*k + E*(tile-1) with T = 16, k = 2, E = 8, tile = 9223372036854775807 exceeds 2147483647 (offsets are i32)}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2, tile = 9223372036854775807} : tensor<16x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<16x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C10 (route C2): top_k in [1, E].
  // expected-error @below {{'samoyeds.moe' op (route C2) top_k (9) must be in [1, 8]}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 9} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C10 (route C5): n_group divides E.
  // expected-error @below {{'samoyeds.moe' op (route C5) n_group (3) must be >= 1 and divide the expert count (8)}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2, n_group = 3} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C10 (route C6): topk_group <= n_group.
  // expected-error @below {{'samoyeds.moe' op (route C6) topk_group (3) must be in [1, n_group = 2]}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2, n_group = 2, topk_group = 3} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C10 (route C7): the kept groups hold top_k experts.
  // expected-error @below {{'samoyeds.moe' op (route C7) top_k (4) exceeds the experts of the 1 kept group(s) (2)}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 4, n_group = 4, topk_group = 1} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C10 (route C8): scaling_factor > 0.
  // expected-error @below {{'samoyeds.moe' op (route C8) scaling_factor must be positive}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2, scaling_factor = -1.0 : f32} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xf32>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // ODS: the input is f16 or bf16.
  // expected-error @below {{'samoyeds.moe' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type values, but got 'tensor<?x256xf32>'}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xf32>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xi8>, %a: !w13, %b: !w2) {
  // ODS: a float gate.
  // expected-error @below {{'samoyeds.moe' op operand #1 must be 2-D tensor of floating-point values, but got 'tensor<8x256xi8>'}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xi8>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: tensor<8x1024x256xbf16>, %b: !w2) {
  // ODS: w13 is packed.
  // expected-error @below {{'samoyeds.moe' op operand #2 must be packed weight, but got 'tensor<8x1024x256xbf16>'}}
  %y = "samoyeds.moe"(%x, %g, %a, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0>, top_k = 2 : i64}> : (tensor<?x256xbf16>, tensor<8x256xbf16>, tensor<8x1024x256xbf16>, !w2) -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %bias: tensor<1x8xf32>) {
  // ODS: a 1-D bias.
  // expected-error @below {{'samoyeds.moe' op operand #4 must be 1-D tensor of floating-point values, but got 'tensor<1x8xf32>'}}
  %y = samoyeds.moe %x, %g, %a, %b bias(%bias : tensor<1x8xf32>) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: tensor<256x256xbf16>, %t: !s2) {
  // ODS: shared_w13 is packed.
  // expected-error @below {{'samoyeds.moe' op operand #4 must be packed weight, but got 'tensor<256x256xbf16>'}}
  %y = "samoyeds.moe"(%x, %g, %a, %b, %s, %t) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1, 1, 0>, top_k = 2 : i64}> : (tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2, tensor<256x256xbf16>, !s2) -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s13 = !samoyeds.packed<256x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!s2 = !samoyeds.packed<256x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2, %s: !s13, %t: !s2, %sg: tensor<1x256xbf16>) {
  // ODS: a 1-D shared_gate.
  // expected-error @below {{'samoyeds.moe' op operand #6 must be 1-D tensor of floating-point values, but got 'tensor<1x256xbf16>'}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%s, %t : !s13, !s2) shared_gate(%sg : tensor<1x256xbf16>) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // ODS: top_k is required.
  // expected-error @below {{'samoyeds.moe' op requires attribute 'top_k'}}
  %y = samoyeds.moe %x, %g, %a, %b : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // ODS: a 2-D result.
  // expected-error @below {{'samoyeds.moe' op result #0 must be 2-D tensor of floating-point values, but got 'tensor<?xbf16>'}}
  %y = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // Parser: shared needs both weights.
  // expected-error @below {{expected ','}}
  %y = samoyeds.moe %x, %g, %a, %b shared(%a : !w13) {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // C11: counts have E entries.
  // expected-error @below {{'samoyeds.moe' op (C11) counts must have E = 8 entries, got 4}}
  %y, %c = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>, tensor<4xi64>
  return
}

// -----

!w13 = !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
!w2 = !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%x: tensor<?x256xbf16>, %g: tensor<8x256xbf16>, %a: !w13, %b: !w2) {
  // ODS: integer counts, i32 or i64.
  // expected-error @below {{'samoyeds.moe' op result #1 must be 1-D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<8xi16>'}}
  %y, %c = samoyeds.moe %x, %g, %a, %b {top_k = 2} : tensor<?x256xbf16>, tensor<8x256xbf16>, !w13, !w2 -> tensor<?x256xbf16>, tensor<8xi16>
  return
}

//===----------------------------------------------------------------------===//
// outs: each result has an init of its type (DestinationStyleOpInterface)
//===----------------------------------------------------------------------===//

// -----

func.func @f(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: memref<?x2xi32>) {
  // expected-error @below {{'samoyeds.route' op (C0) operands and inits must all be tensors (the tensor form) or all memrefs (the memref form)}}
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, memref<?x2xi32>) {top_k = 2}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: tensor<?x2xi64>) {
  // expected-error @below {{'samoyeds.route' op expected type of operand #2 ('tensor<?x2xi64>') to match type of corresponding result ('tensor<?x2xi32>')}}
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, tensor<?x2xi64>) {top_k = 2}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>) {
  // expected-error @below {{'samoyeds.route' op (C0) takes two inits (weights, indices), got 1}}
  %w, %i = samoyeds.route %l outs(%w0 : tensor<?x2xf32>) {top_k = 2}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @f(%ids: tensor<16x2xi32>, %l0: tensor<536xi32>, %o0: tensor<9xi32>) {
  // expected-error @below {{'samoyeds.dispatch' op expected the number of tensor results (3) to be equal to the number of output tensors (2)}}
  %l, %o, %c = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<536xi32>, tensor<9xi32>)
                 {num_experts = 8, tile = 64}
                 : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>, tensor<8xi64>
  return
}

// -----

func.func @f(%ids: tensor<16x2xi32>, %l0: tensor<?xi32>, %o0: tensor<9xi32>) {
  // A dynamic init does not stand for a static result: the types are equal.
  // expected-error @below {{'samoyeds.dispatch' op expected type of operand #1 ('tensor<?xi32>') to match type of corresponding result ('tensor<536xi32>')}}
  %l, %o = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<?xi32>, tensor<9xi32>)
             {num_experts = 8, tile = 64} : tensor<16x2xi32> -> tensor<536xi32>, tensor<9xi32>
  return
}

// -----

!w = !samoyeds.packed<512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: tensor<?x256xbf16>, %l: tensor<?xi32>, %y0: tensor<?x512xbf16>) {
  // expected-error @below {{'samoyeds.ssmm' op expected type of operand #3 ('tensor<?x512xbf16>') to match type of corresponding result ('tensor<?x512xf32>')}}
  %y = samoyeds.ssmm %w, %x, %l outs(%y0 : tensor<?x512xbf16>) {gather}
         : !w, tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>, %y0: tensor<?x128xf32>) {
  // The op's constraints read the init type: C3 reports it first.
  // expected-error @below {{'samoyeds.combine' op (C3) result must be ?x256 (tokens x row width), got ?x128}}
  %y = samoyeds.combine %r, %l, %w outs(%y0 : tensor<?x128xf32>)
         : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return
}

//===----------------------------------------------------------------------===//
// The memref forms
//===----------------------------------------------------------------------===//

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>, %y0: memref<?x256xf32>) {
  // expected-error @below {{'samoyeds.combine' op (C0) operands and inits must all be tensors (the tensor form) or all memrefs (the memref form)}}
  samoyeds.combine %r, %l, %w outs(%y0 : memref<?x256xf32>)
    : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @f(%l: memref<?x8xf32>, %w0: memref<?x2xf32>) {
  // expected-error @below {{'samoyeds.route' op (C0) takes two inits (weights, indices), got 1}}
  samoyeds.route %l outs(%w0 : memref<?x2xf32>) {top_k = 2} : memref<?x8xf32>
  return
}

// -----

func.func @f(%l: memref<?x8xf32>, %w0: memref<?x2xf32>, %i0: memref<?x2xi64>) {
  // expected-error @below {{'samoyeds.route' op (C0) the indices init must be a 2-D memref of i32, got 'memref<?x2xi64>'}}
  samoyeds.route %l outs(%w0, %i0 : memref<?x2xf32>, memref<?x2xi64>) {top_k = 2} : memref<?x8xf32>
  return
}

// -----

func.func @f(%i: memref<16x2xi32>, %l0: memref<536xi32>) {
  // expected-error @below {{'samoyeds.dispatch' op (C0) takes two or three inits (list, offsets[, counts]), got 1}}
  samoyeds.dispatch %i outs(%l0 : memref<536xi32>) {num_experts = 8, tile = 64} : memref<16x2xi32>
  return
}

// -----

func.func @f(%i: memref<16x2xi32>, %l0: memref<535xi32>, %o0: memref<9xi32>) {
  // The constraints of the tensor form hold for the memref form's inits.
  // expected-error @below {{'samoyeds.dispatch' op (C2) list must have T*k + E*(tile-1) = 536 entries, got 535}}
  samoyeds.dispatch %i outs(%l0, %o0 : memref<535xi32>, memref<9xi32>) {num_experts = 8, tile = 64} : memref<16x2xi32>
  return
}

// -----

func.func @f(%v: memref<128x256xbf16>, %m: memref<128x16xi16>, %r: memref<4x128xi8>,
             %x: memref<?x512xbf16>, %l: memref<?xi32>, %y0: memref<?x256xf32>) {
  // expected-error @below {{'samoyeds.ssmm' op (C7) storage metadata must be 'memref<128x32xi16>' (any layout) for '!samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>', got 'memref<128x16xi16>'}}
  samoyeds.ssmm storage(%v, %m, %r : memref<128x256xbf16>, memref<128x16xi16>, memref<4x128xi8>),
    %x, %l outs(%y0 : memref<?x256xf32>) {gather}
    : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, memref<?x512xbf16>, memref<?xi32>
  return
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @f(%w: !w, %x: memref<?x512xbf16>, %l: memref<?xi32>, %y0: memref<?x256xf32>) {
  // expected-error @below {{'samoyeds.ssmm' op (C7) the memref form takes the weight as storage(values, metadata, row_indices) memrefs and their storage_type}}
  samoyeds.ssmm %w, %x, %l outs(%y0 : memref<?x256xf32>) {gather} : !w, memref<?x512xbf16>, memref<?xi32>
  return
}

// -----

func.func @f(%v: memref<128x256xbf16>, %m: memref<128x32xi16>, %r: memref<4x128xi8>,
             %x: tensor<?x512xbf16>, %l: tensor<?xi32>, %y0: tensor<?x256xf32>) {
  // expected-error @below {{'samoyeds.ssmm' op (C0) operands and inits must all be tensors (the tensor form) or all memrefs (the memref form)}}
  %y = samoyeds.ssmm storage(%v, %m, %r : memref<128x256xbf16>, memref<128x32xi16>, memref<4x128xi8>),
    %x, %l outs(%y0 : tensor<?x256xf32>) {gather}
    : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%x: memref<?x512xbf16>, %l: memref<?xi32>, %y0: memref<?x256xf32>) {
  // expected-error @+2 {{expected a !samoyeds.packed type, got 'f32'}}
  samoyeds.ssmm storage(%x, %x, %x : memref<?x512xbf16>, memref<?x512xbf16>, memref<?x512xbf16>),
    %x, %l outs(%y0 : memref<?x256xf32>) : f32, memref<?x512xbf16>, memref<?xi32>
  return
}

// -----

func.func @f(%x: tensor<?x512xbf16>, %l: tensor<?xi32>, %y0: tensor<?x256xf32>) {
  // expected-error @below {{'samoyeds.ssmm' op (C7) the tensor form takes the weight as a !samoyeds.packed value, not storage buffers}}
  %y = "samoyeds.ssmm"(%x, %l, %y0) <{operandSegmentSizes = array<i32: 0, 0, 1, 1, 0, 0, 1>}>
         : (tensor<?x512xbf16>, tensor<?xi32>, tensor<?x256xf32>) -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>, %y0: tensor<?x256xbf16>) {
  // expected-error @below {{'samoyeds.combine' op expected type of operand #3 ('tensor<?x256xbf16>') to match type of corresponding result ('tensor<?x256xf32>')}}
  %y = samoyeds.combine %r, %l, %w outs(%y0 : tensor<?x256xbf16>)
         : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return
}
