// RUN: samoyeds-opt --samoyeds-lower-to-loops --split-input-file --verify-diagnostics %s

// samoyeds-lower-to-loops runs after one-shot bufferization: what reaches it
// in a form it does not lower is a diagnostic naming the step that should
// have run first, not a crash.

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

func.func @ssmm_tensor_form(%v: tensor<32x32xf16>, %m: tensor<32x4xi16>, %r: tensor<2x32xi8>,
                            %x: tensor<?x64xf16>, %list: tensor<?xi32>, %y0: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %w = samoyeds.assemble %v, %m, %r : tensor<32x32xf16>, tensor<32x4xi16>, tensor<2x32xi8> -> !w
  // expected-error @+1 {{'samoyeds.ssmm' op samoyeds-lower-to-loops lowers the memref form; run one-shot-bufferize first (the tensor form has no buffers to write)}}
  %y = samoyeds.ssmm %w, %x, %list outs(%y0 : tensor<?x64xf32>) : !w, tensor<?x64xf16>, tensor<?xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @route_tensor_form(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  // expected-error @+1 {{'samoyeds.route' op samoyeds-lower-to-loops lowers the memref form; run one-shot-bufferize first}}
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

func.func @dispatch_tensor_form(%ids: tensor<3x2xi32>, %l0: tensor<126xi32>, %o0: tensor<9xi32>) -> (tensor<126xi32>, tensor<9xi32>) {
  // expected-error @+1 {{'samoyeds.dispatch' op samoyeds-lower-to-loops lowers the memref form; run one-shot-bufferize first}}
  %list, %off = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<126xi32>, tensor<9xi32>) {num_experts = 8, tile = 16}
                  : tensor<3x2xi32> -> tensor<126xi32>, tensor<9xi32>
  return %list, %off : tensor<126xi32>, tensor<9xi32>
}

// -----

// Every offending op is reported, not only the first.
func.func @combine_tensor_form(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>, %y0: tensor<?x256xf32>) -> (tensor<?x256xf32>, tensor<?x256xf32>) {
  // expected-error @+1 {{'samoyeds.combine' op samoyeds-lower-to-loops lowers the memref form; run one-shot-bufferize first}}
  %y = samoyeds.combine %r, %l, %w outs(%y0 : tensor<?x256xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  // expected-error @+1 {{'samoyeds.combine' op samoyeds-lower-to-loops lowers the memref form; run one-shot-bufferize first}}
  %z = samoyeds.combine %r, %l, %w outs(%y0 : tensor<?x256xf32>) {weighted} : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return %y, %z : tensor<?x256xf32>, tensor<?x256xf32>
}

// -----

!p = !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>

func.func @pack_unpack(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  // expected-error @+1 {{'samoyeds.pack' op must be lowered before bufferization (run samoyeds-lower-pack-unpack first; samoyeds-lower-to-loops runs after one-shot-bufferize)}}
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !p
  // expected-error @+1 {{'samoyeds.unpack' op must be lowered before bufferization (run samoyeds-lower-pack-unpack first}}
  %u = samoyeds.unpack %p : !p -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// -----

!w13 = !samoyeds.packed<8x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>
!w2 = !samoyeds.packed<8x64x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>

func.func @moe_not_decomposed(%x: tensor<?x64xbf16>, %g: tensor<8x64xbf16>, %w13: !w13, %w2: !w2) -> tensor<?x64xbf16> {
  // expected-error @+1 {{'samoyeds.moe' op must be decomposed before samoyeds-lower-to-loops (run samoyeds-decompose-moe first)}}
  %y = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2} : tensor<?x64xbf16>, tensor<8x64xbf16>, !w13, !w2 -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
