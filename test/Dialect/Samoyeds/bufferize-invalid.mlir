// Bufferization needs ssmm's weight from samoyeds.assemble: anything else is
// a diagnostic, not a crash (the driver adds its own "failed to bufferize op").
// RUN: samoyeds-opt %s --one-shot-bufferize="bufferize-function-boundaries" -split-input-file -verify-diagnostics

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @packed_argument(%w: !w, %x: tensor<?x512xbf16>, %l: tensor<?xi32>, %y0: tensor<?x256xf32>)
    -> tensor<?x256xf32> {
  // expected-error @below {{failed to bufferize op}}
  // expected-error @below {{bufferization: the packed weight must come from samoyeds.assemble}}
  %y = samoyeds.ssmm %w, %x, %l outs(%y0 : tensor<?x256xf32>) {gather}
         : !w, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

!w = !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
func.func @unpacked(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>)
    -> tensor<256x512xbf16> {
  // expected-error @below {{failed to bufferize op}}
  // expected-error @below {{bufferization: a packed weight can only be used by samoyeds.ssmm here, not by samoyeds.unpack}}
  %w = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>, tensor<4x128xi8> -> !w
  %d = samoyeds.unpack %w : !w -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}
