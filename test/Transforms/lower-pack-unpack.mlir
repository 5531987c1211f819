// RUN: samoyeds-opt --samoyeds-lower-pack-unpack --split-input-file --verify-diagnostics %s | FileCheck %s

// samoyeds-lower-pack-unpack, the step of samoyeds-cpu-pipeline before
// one-shot bufferization: pack and unpack call the CPU runtime on tensors
// bridged to buffers (to_buffer / to_tensor, which bufferization folds).

!p = !samoyeds.packed<4x64x128xf16, #samoyeds.format<n = 1, m = 2, v = 128>>

func.func @pack_unpack(%d: tensor<4x64x128xf16>) -> tensor<4x64x128xf16> {
  %p = samoyeds.pack %d : tensor<4x64x128xf16> -> !p
  %u = samoyeds.unpack %p : !p -> tensor<4x64x128xf16>
  return %u : tensor<4x64x128xf16>
}

// pack and unpack call the CPU runtime on f32 copies, declared as in
// docs/format.md.
// CHECK:       func.func private @samoyeds_rt_unpack3_f32(memref<?x?x?xf32>, memref<?x?x?xi16>, memref<?x?x?xi8>, memref<?x?x?xf32>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK:       func.func private @samoyeds_rt_pack3_f32(memref<?x?x?xf32>, memref<?x?x?xf32>, memref<?x?x?xi16>, memref<?x?x?xi8>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @pack_unpack(
// CHECK-NOT:   samoyeds.
// CHECK:       %[[D:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x64x128xf32>
// CHECK:       arith.extf %{{.*}} : f16 to f32
// CHECK:       %[[V32:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x64xf32>
// CHECK:       %[[M:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x8xi16>
// CHECK:       %[[R:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x1x32xi8>
// CHECK-DAG:   %[[DC:[a-zA-Z0-9_]+]] = memref.cast %[[D]] : memref<4x64x128xf32> to memref<?x?x?xf32>
// CHECK-DAG:   %[[VC:[a-zA-Z0-9_]+]] = memref.cast %[[V32]]
// CHECK-DAG:   %[[MC:[a-zA-Z0-9_]+]] = memref.cast %[[M]]
// CHECK-DAG:   %[[RC:[a-zA-Z0-9_]+]] = memref.cast %[[R]]
// CHECK-DAG:   %[[N:[a-zA-Z0-9_]+]] = arith.constant 1 : i64
// CHECK-DAG:   %[[MM:[a-zA-Z0-9_]+]] = arith.constant 2 : i64
// CHECK-DAG:   %[[VV:[a-zA-Z0-9_]+]] = arith.constant 128 : i64
// CHECK:       call @samoyeds_rt_pack3_f32(%[[DC]], %[[VC]], %[[MC]], %[[RC]], %[[N]], %[[MM]], %[[VV]])
// CHECK:       %[[V:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x64xf16>
// CHECK:       arith.truncf %{{.*}} : f32 to f16
// CHECK:       %[[VT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[V]] restrict writable
// CHECK:       %[[MT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[M]] restrict writable
// CHECK:       %[[RT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[R]] restrict writable
// CHECK:       bufferization.to_buffer %[[VT]] read_only
// CHECK:       %[[MB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[MT]] read_only
// CHECK:       %[[MCOPY:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x32x8xi16>
// CHECK:       %[[RB:[a-zA-Z0-9_]+]] = bufferization.to_buffer %[[RT]] read_only
// CHECK:       %[[RCOPY:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x1x32xi8>
// CHECK:       %[[OUT32:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x64x128xf32>
// CHECK-DAG:   memref.cast %[[MCOPY]] : memref<4x32x8xi16> to memref<?x?x?xi16>
// CHECK-DAG:   memref.cast %[[RCOPY]] : memref<4x1x32xi8> to memref<?x?x?xi8>
// CHECK-DAG:   memref.cast %[[OUT32]] : memref<4x64x128xf32> to memref<?x?x?xf32>
// CHECK:       call @samoyeds_rt_unpack3_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK:       %[[OUT:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x64x128xf16>
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable

// -----

!p = !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>

func.func @pack_rank2(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !p
  %u = samoyeds.unpack %p : !p -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// CHECK:       func.func private @samoyeds_rt_unpack_f32(memref<?x?xf32>, memref<?x?xi16>, memref<?x?xi8>, memref<?x?xf32>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK:       func.func private @samoyeds_rt_pack_f32(
// CHECK-LABEL: func.func @pack_rank2(
// CHECK:       call @samoyeds_rt_pack_f32(
// CHECK:       arith.truncf %{{.*}} : f32 to bf16
// CHECK:       call @samoyeds_rt_unpack_f32(

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

func.func private @load_weight() -> !w

// A packed value produced by an op the pass cannot see through.
func.func @no_storage_call() -> tensor<64x64xf16> {
  %w = func.call @load_weight() : () -> !w
  // expected-error @+1 {{'samoyeds.unpack' op packed operand #0 has no storage: it must be produced by samoyeds.assemble or samoyeds.pack, not by func.call}}
  %d = samoyeds.unpack %w : !w -> tensor<64x64xf16>
  return %d : tensor<64x64xf16>
}

// -----

// A declaration of the runtime function the module already has (the
// docs/format.md signature) is reused.
func.func private @samoyeds_rt_pack_f32(memref<?x?xf32>, memref<?x?xf32>, memref<?x?xi16>, memref<?x?xi8>, i64, i64, i64) attributes {llvm.emit_c_interface}

// CHECK-LABEL: func.func private @samoyeds_rt_pack_f32(
// CHECK-NOT:   func.func private @samoyeds_rt_pack_f32(
// CHECK-LABEL: func.func @pack_declared(
// CHECK:         call @samoyeds_rt_pack_f32(
func.func @pack_declared(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  %u = samoyeds.unpack %p : !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// -----

// A symbol of the same name with another type is a diagnostic.
func.func private @samoyeds_rt_unpack_f32(memref<?x?xf32>)

func.func @unpack_conflict(%d: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  %p = samoyeds.pack %d : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
  // expected-error @+1 {{'samoyeds.unpack' op cannot call the runtime function 'samoyeds_rt_unpack_f32': the module declares it as '(memref<?x?xf32>) -> ()', expected '(memref<?x?xf32>, memref<?x?xi16>, memref<?x?xi8>, memref<?x?xf32>, i64, i64, i64) -> ()'}}
  %u = samoyeds.unpack %p : !samoyeds.packed<64x128xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> -> tensor<64x128xbf16>
  return %u : tensor<64x128xbf16>
}

// -----

!w = !samoyeds.packed<64x64xf16, #samoyeds.format<n = 2, m = 4, v = 32>>

// A packed function argument: samoyeds-expand-storage did not run.
func.func @no_storage_argument(%w: !w) -> tensor<64x64xf16> {
  // expected-error @+1 {{'samoyeds.unpack' op packed operand #0 has no storage: it must be produced by samoyeds.assemble or samoyeds.pack (a packed function argument needs samoyeds-expand-storage first)}}
  %d = samoyeds.unpack %w : !w -> tensor<64x64xf16>
  return %d : tensor<64x64xf16>
}

// -----

!w13 = !samoyeds.packed<8x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>

// Only pack and unpack are lowered here: the rest is left to bufferization
// and samoyeds-lower-to-loops; an assemble read by an ssmm stays.
// CHECK-LABEL: func.func @others_untouched(
// CHECK:         samoyeds.assemble
// CHECK:         samoyeds.ssmm
func.func @others_untouched(%v: tensor<8x64x32xbf16>, %m: tensor<8x64x4xi16>, %r: tensor<8x1x64xi8>,
                            %x: tensor<?x64xbf16>, %list: tensor<?xi32>, %off: tensor<9xi32>,
                            %y0: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %w = samoyeds.assemble %v, %m, %r : tensor<8x64x32xbf16>, tensor<8x64x4xi16>, tensor<8x1x64xi8> -> !w13
  %h = samoyeds.ssmm %w, %x, %list offsets(%off : tensor<9xi32>) outs(%y0 : tensor<?x64xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !w13, tensor<?x64xbf16>, tensor<?xi32> -> tensor<?x64xbf16>
  return %h : tensor<?x64xbf16>
}
