// The samoyeds-gpu-pipeline's own steps, one at a time.
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-host-buffers | FileCheck %s --check-prefix=BUF
// RUN: samoyeds-opt %s -split-input-file --samoyeds-tile-parallel-loops | FileCheck %s --check-prefix=TILE
// RUN: samoyeds-opt %s -split-input-file --samoyeds-emit-c-interface | FileCheck %s --check-prefix=CIF

// Host buffers become device buffers; a temporary is freed at the end of its
// block, after the kernels that use it (frees are stream-ordered), and a buffer
// already freed or returned is left alone.
// BUF-LABEL: func.func @temporaries(
// BUF-SAME: %[[N:.*]]: index, %[[OUT:.*]]: memref<?xf32>)
// BUF: %[[T:.*]] = gpu.alloc  (%[[N]]) : memref<?xf32>
// BUF: %[[F:.*]] = gpu.alloc  () : memref<4xf32>
// BUF: gpu.memcpy  %[[OUT]], %[[T]] : memref<?xf32>, memref<?xf32>
// BUF-NEXT: gpu.dealloc  %[[F]] : memref<4xf32>
// BUF-NEXT: %[[R:.*]] = gpu.alloc  () : memref<8xf32>
// BUF-NEXT: gpu.dealloc  %[[T]] : memref<?xf32>
// BUF-NEXT: return %[[R]]
// BUF-NOT: memref.alloc(
// BUF-NOT: memref.dealloc
// BUF-NOT: memref.copy
func.func @temporaries(%n: index, %out: memref<?xf32>) -> memref<8xf32> {
  %t = memref.alloc(%n) : memref<?xf32>
  %f = memref.alloc() : memref<4xf32>
  memref.copy %t, %out : memref<?xf32> to memref<?xf32>
  memref.dealloc %f : memref<4xf32>
  %r = memref.alloc() : memref<8xf32>
  return %r : memref<8xf32>
}

// Kernels keep their own memref ops.
// BUF-LABEL: gpu.module @k
// BUF: memref.alloca
gpu.module @k {
  gpu.func @f() kernel {
    %a = memref.alloca() : memref<4xf32>
    gpu.return
  }
}

// -----

// 128 threads along the innermost dimension, one block per index of the others.
// TILE-LABEL: func.func @loops(
// TILE: %[[C128:.*]] = arith.constant 128 : index
// TILE: %[[S0:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// TILE: %[[S1:.*]] = arith.muli %{{.*}}, %[[C128]] : index
// TILE: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%[[S0]], %[[S1]]) {
// TILE-NEXT: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%[[S0]], %[[S1]]) step
// TILE: scf.if
// A 1-D loop: 128 along its only dimension.
// TILE: %[[C128B:.*]] = arith.constant 128 : index
// TILE: %[[S2:.*]] = arith.muli %{{.*}}, %[[C128B]] : index
// TILE: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%[[S2]]) {
// TILE-NEXT: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[S2]]) step
func.func @loops(%a: memref<?x?xf32>, %b: memref<?xf32>, %m: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    memref.store %cst, %a[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %cst, %b[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Public functions with a body get a C entry point; declarations and private
// functions do not.
// CIF-LABEL: func.func @entry(
// CIF-SAME: attributes {llvm.emit_c_interface}
// CIF-LABEL: func.func private @helper(
// CIF-NOT: llvm.emit_c_interface
// CIF-LABEL: func.func private @decl(
// CIF-NOT: llvm.emit_c_interface
func.func @entry(%a: memref<?xf32>) {
  return
}
func.func private @helper(%a: memref<?xf32>) {
  return
}
func.func private @decl(memref<?xf32>)
