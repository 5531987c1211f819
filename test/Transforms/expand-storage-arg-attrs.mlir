// samoyeds-expand-storage keeps the attributes of the arguments it does not
// expand (they were all dropped: REVIEW D3); the storage arguments of a packed
// one get none.
// RUN: samoyeds-opt %s --samoyeds-expand-storage | FileCheck %s

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// CHECK-LABEL: func.func @attrs(
// CHECK-SAME: %{{[^:]*}}: tensor<?x512xbf16> {bufferization.writable = false, llvm.noalias},
// CHECK-SAME: %{{[^:]*}}: tensor<128x256xbf16>, %{{[^:]*}}: tensor<128x32xi16>, %{{[^:]*}}: tensor<4x128xi8>,
// CHECK-SAME: %{{[^:]*}}: tensor<4xf32> {llvm.noalias})
func.func @attrs(%x: tensor<?x512xbf16> {llvm.noalias, bufferization.writable = false},
                 %w: !samoyeds.packed<256x512xbf16, #fmt>,
                 %y: tensor<4xf32> {llvm.noalias}) -> tensor<256x512xbf16> {
  %d = samoyeds.unpack %w : !samoyeds.packed<256x512xbf16, #fmt> -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}
