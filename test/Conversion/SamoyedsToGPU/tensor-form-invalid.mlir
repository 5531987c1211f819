// convert-samoyeds-to-gpu lowers the memref forms (the GPU pipeline runs
// one-shot bufferization first): a tensor-form op is a diagnostic naming the
// step to run first, except for an ssmm whose packed weight has no
// samoyeds.assemble, which bufferization could not take either (the
// diagnostic is the dialect's, SsmmOp::getWeightAssemble, shared with the
// bufferization model). These cases were in invalid.mlir, which now
// bufferizes its inputs first.
// RUN: samoyeds-opt %s -split-input-file -verify-diagnostics --convert-samoyeds-to-gpu

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// The packed weight is a function argument, not samoyeds.assemble (no
// samoyeds-expand-storage ran).
func.func @weight_not_assembled(%w: !samoyeds.packed<256x512xbf16, #fmt>,
    %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: the packed weight must come from samoyeds.assemble (run samoyeds-expand-storage; constant weights fold to assemble under canonicalize)}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// A non-constant samoyeds.pack stays a pack: not lowerable either.
func.func @weight_from_pack(%d: tensor<256x512xbf16>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %w = samoyeds.pack %d : tensor<256x512xbf16> -> !samoyeds.packed<256x512xbf16, #fmt>
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x256xbf16>
  // expected-error @+1 {{the packed weight must come from samoyeds.assemble}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init2 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

func.func @ssmm_tensor_form(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>,
    %ri: tensor<4x128xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>,
    %init: tensor<?x256xbf16>) -> tensor<?x256xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<128x256xbf16>, tensor<128x32xi16>,
         tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #fmt>
  // expected-error @+1 {{'samoyeds.ssmm' op convert-samoyeds-to-gpu lowers the memref form; run one-shot-bufferize first (the tensor form has no buffers to write)}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

func.func @route_tensor_form(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  // expected-error @+1 {{'samoyeds.route' op convert-samoyeds-to-gpu lowers the memref form; run one-shot-bufferize first}}
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

func.func @dispatch_tensor_form(%ids: tensor<?x2xi32>, %l0: tensor<?xi32>, %o0: tensor<9xi32>)
    -> (tensor<?xi32>, tensor<9xi32>) {
  // expected-error @+1 {{'samoyeds.dispatch' op convert-samoyeds-to-gpu lowers the memref form; run one-shot-bufferize first}}
  %l, %o = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  return %l, %o : tensor<?xi32>, tensor<9xi32>
}

// -----

func.func @combine_tensor_form(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>,
    %y0: tensor<?x256xf32>) -> tensor<?x256xf32> {
  // expected-error @+1 {{'samoyeds.combine' op convert-samoyeds-to-gpu lowers the memref form; run one-shot-bufferize first}}
  %y = samoyeds.combine %r, %l, %w outs(%y0 : tensor<?x256xf32>) : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// A marked row dot on tensors.
func.func @row_dot_tensor_form(%x: tensor<?x256xf32>, %g: tensor<8x256xf32>, %o0: tensor<?x8xf32>)
    -> tensor<?x8xf32> {
  // expected-error @+1 {{'linalg.generic' op convert-samoyeds-to-gpu lowers the memref form; run one-shot-bufferize first}}
  %o = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %g : tensor<?x256xf32>, tensor<8x256xf32>) outs(%o0 : tensor<?x8xf32>)
      attrs = {samoyeds.row_dot} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %o : tensor<?x8xf32>
}

// -----

// Buffers of another memory space than the host's device buffers.
func.func @memory_space(%l: memref<?x8xf32, 1>, %w0: memref<?x2xf32>, %i0: memref<?x2xi32>) {
  // expected-error @+1 {{'samoyeds.route' op GPU lowering: buffers must be in the default memory space, got 'memref<?x8xf32, 1>'}}
  samoyeds.route %l outs(%w0, %i0 : memref<?x2xf32>, memref<?x2xi32>) {top_k = 2} : memref<?x8xf32, 1>
  return
}
