// Diagnostics of the GPU lowerings of samoyeds.route / dispatch / combine
// (lib/Conversion/SamoyedsToGPU/RoutingKernels.cpp): the kernels compute in
// f32 and convert from and to f16, bf16, f32 and f64 only.
// RUN: samoyeds-opt %s -split-input-file -verify-diagnostics --samoyeds-bufferize --convert-samoyeds-to-gpu

func.func @route_f8_logits(%l: tensor<?x8xf8E4M3FN>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?x8xf8E4M3FN>
  %init1_0 = tensor.empty(%d2d1_1) : tensor<?x2xf32>
  %init1_1 = tensor.empty(%d2d1_1) : tensor<?x2xi32>
  // expected-error @+1 {{'samoyeds.route' op GPU lowering: the logits element type must be f16, bf16, f32 or f64, got 'f8E4M3FN'}}
  %w, %i = samoyeds.route %l outs(%init1_0, %init1_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf8E4M3FN> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

func.func @route_f8_bias(%l: tensor<?x8xf32>, %b: tensor<8xf8E5M2>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?x8xf32>
  %init2_0 = tensor.empty(%d2d1_2) : tensor<?x2xf32>
  %init2_1 = tensor.empty(%d2d1_2) : tensor<?x2xi32>
  // expected-error @+1 {{'samoyeds.route' op GPU lowering: the bias element type must be f16, bf16, f32 or f64, got 'f8E5M2'}}
  %w, %i = samoyeds.route %l bias(%b : tensor<8xf8E5M2>) outs(%init2_0, %init2_1 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2, scoring = #samoyeds.scoring<sigmoid>}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

func.func @route_f8_weights(%l: tensor<?x8xf32>) -> (tensor<?x2xf8E4M3FN>, tensor<?x2xi32>) {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?x8xf32>
  %init3_0 = tensor.empty(%d2d1_3) : tensor<?x2xf8E4M3FN>
  %init3_1 = tensor.empty(%d2d1_3) : tensor<?x2xi32>
  // expected-error @+1 {{'samoyeds.route' op GPU lowering: the weights element type must be f16, bf16, f32 or f64, got 'f8E4M3FN'}}
  %w, %i = samoyeds.route %l outs(%init3_0, %init3_1 : tensor<?x2xf8E4M3FN>, tensor<?x2xi32>) {top_k = 2} : tensor<?x8xf32> -> tensor<?x2xf8E4M3FN>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf8E4M3FN>, tensor<?x2xi32>
}

// -----

func.func @combine_f8_rows(%r: tensor<?x256xf8E4M3FN>, %l: tensor<?xi32>, %w: tensor<?x2xf32>)
    -> tensor<?x256xf32> {
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %w, %d2c0_4 : tensor<?x2xf32>
  %init4 = tensor.empty(%d2d1_4) : tensor<?x256xf32>
  // expected-error @+1 {{'samoyeds.combine' op GPU lowering: the rows element type must be f16, bf16, f32 or f64, got 'f8E4M3FN'}}
  %y = samoyeds.combine %r, %l, %w outs(%init4 : tensor<?x256xf32>) : tensor<?x256xf8E4M3FN>, tensor<?xi32>, tensor<?x2xf32>
         -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

func.func @combine_f8_result(%r: tensor<?x256xf32>, %l: tensor<?xi32>, %w: tensor<?x2xf32>)
    -> tensor<?x256xf8E5M2> {
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %w, %d2c0_5 : tensor<?x2xf32>
  %init5 = tensor.empty(%d2d1_5) : tensor<?x256xf8E5M2>
  // expected-error @+1 {{'samoyeds.combine' op GPU lowering: the result element type must be f16, bf16, f32 or f64, got 'f8E5M2'}}
  %y = samoyeds.combine %r, %l, %w outs(%init5 : tensor<?x256xf8E5M2>) {weighted} : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32>
         -> tensor<?x256xf8E5M2>
  return %y : tensor<?x256xf8E5M2>
}
