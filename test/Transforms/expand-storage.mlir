// samoyeds-expand-storage: packed function arguments become their three
// storage arrays followed by a samoyeds.assemble; what cannot be expanded is
// diagnosed.
// RUN: samoyeds-opt %s --samoyeds-expand-storage -split-input-file -verify-diagnostics | FileCheck %s

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// values 128x256, metadata 128x32 (i16), row indices 4x128 (i8), in place of
// the packed argument; the other arguments keep their places.
// CHECK-LABEL: func.func @one(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x512xbf16>,
// CHECK-SAME: %[[V:[^:]*]]: tensor<128x256xbf16>, %[[M:[^:]*]]: tensor<128x32xi16>, %[[R:[^:]*]]: tensor<4x128xi8>,
// CHECK-SAME: %[[Y:[^:]*]]: tensor<4xf32>) -> tensor<256x512xbf16>
// CHECK-NEXT: %[[W:.*]] = samoyeds.assemble %[[V]], %[[M]], %[[R]] : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
// CHECK-NEXT: %[[D:.*]] = samoyeds.unpack %[[W]]
// CHECK-NEXT: return %[[D]]
func.func @one(%x: tensor<?x512xbf16>, %w: !samoyeds.packed<256x512xbf16, #fmt>,
               %y: tensor<4xf32>) -> tensor<256x512xbf16> {
  %d = samoyeds.unpack %w : !samoyeds.packed<256x512xbf16, #fmt> -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}

// Several packed arguments, with an expert dimension (2 experts of 4x32 in
// 2:4 V=32: values 2x2x16, metadata 2x2x2, row indices 2x1x2), and an unused
// one: each is assembled at the entry.
// CHECK-LABEL: func.func @several(
// CHECK-SAME: %[[V0:[^:]*]]: tensor<2x2x16xf16>, %[[M0:[^:]*]]: tensor<2x2x2xi16>, %[[R0:[^:]*]]: tensor<2x1x2xi8>,
// CHECK-SAME: %[[V1:[^:]*]]: tensor<8x512x128xbf16>, %[[M1:[^:]*]]: tensor<8x512x16xi16>, %[[R1:[^:]*]]: tensor<8x2x512xi8>)
// CHECK-SAME: -> tensor<2x4x32xf16>
// CHECK-DAG: %[[A1:.*]] = samoyeds.assemble %[[V1]], %[[M1]], %[[R1]] : tensor<8x512x128xbf16>, tensor<8x512x16xi16>, tensor<8x2x512xi8> -> !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
// CHECK-DAG: %[[A0:.*]] = samoyeds.assemble %[[V0]], %[[M0]], %[[R0]] : tensor<2x2x16xf16>, tensor<2x2x2xi16>, tensor<2x1x2xi8> -> !samoyeds.packed<2x4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>
// CHECK: samoyeds.unpack %[[A0]]
func.func @several(%e: !samoyeds.packed<2x4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>>,
                   %unused: !samoyeds.packed<8x1024x256xbf16, #fmt>)
    -> tensor<2x4x32xf16> {
  %d = samoyeds.unpack %e : !samoyeds.packed<2x4x32xf16, #samoyeds.format<n = 2, m = 4, v = 32>> -> tensor<2x4x32xf16>
  return %d : tensor<2x4x32xf16>
}

// Functions without packed arguments are left alone, callers included.
// CHECK-LABEL: func.func @plain(
// CHECK-SAME: %{{.*}}: tensor<4xf32>) -> tensor<4xf32>
func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// CHECK-LABEL: func.func @calls_plain(
// CHECK: call @plain
func.func @calls_plain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = call @plain(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// A packed result cannot be expanded.
// expected-error @below {{samoyeds-expand-storage: functions returning a packed weight are not supported; return its storage arrays instead}}
func.func @returns_packed(%w: tensor<256x512xbf16>) -> !samoyeds.packed<256x512xbf16, #fmt> {
  %p = samoyeds.pack %w : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #fmt>
  return %p : !samoyeds.packed<256x512xbf16, #fmt>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// A function with a packed argument and call sites is not an entry point.
// expected-error @below {{samoyeds-expand-storage: function 'callee' takes a packed weight and has call sites; only entry points can be expanded}}
func.func @callee(%w: !samoyeds.packed<256x512xbf16, #fmt>) -> tensor<256x512xbf16> {
  %d = samoyeds.unpack %w : !samoyeds.packed<256x512xbf16, #fmt> -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}
func.func @caller(%w: tensor<256x512xbf16>) -> tensor<256x512xbf16> {
  %p = samoyeds.pack %w : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #fmt>
  %d = call @callee(%p) : (!samoyeds.packed<256x512xbf16, #fmt>) -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// An external function has no body to assemble in.
// expected-error @below {{samoyeds-expand-storage: cannot expand the packed arguments of an external function}}
func.func private @external(%w: !samoyeds.packed<256x512xbf16, #fmt>)

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// Every offending function is reported, not only the first.
// expected-error @below {{functions returning a packed weight are not supported}}
func.func private @a() -> !samoyeds.packed<256x512xbf16, #fmt>
// expected-error @below {{cannot expand the packed arguments of an external function}}
func.func private @b(%w: !samoyeds.packed<256x512xbf16, #fmt>)
