// An expert index outside [0, E) makes samoyeds.dispatch abort at run time
// (cf.assert). The assert prints with puts on stdout before abort(), which
// does not flush stdio buffers: stdbuf makes stdout line buffered so that the
// message survives the pipe.
//
// RUN: samoyeds-opt --samoyeds-cpu-pipeline %s | \
// RUN:   not --crash stdbuf -oL mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%runner_libs 2>&1 | FileCheck %s
//
// The program runs up to the dispatch...
// CHECK:      sizes = [3, 2]
// CHECK-NEXT: {{\[}}[0, 3],
// ...which aborts with the message, before printing the list.
// CHECK:      samoyeds.dispatch: expert index out of range [0, 4)
// CHECK-NOT:  sizes = [10]

func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}

func.func @main() {
  // Token 2, slot 1 chooses expert 4 of 4.
  %ids = arith.constant dense<[[0, 3], [3, 1], [0, 4]]> : tensor<3x2xi32>
  %im = bufferization.to_buffer %ids : tensor<3x2xi32> to memref<3x2xi32>
  %iu = memref.cast %im : memref<3x2xi32> to memref<*xi32>
  call @printMemrefI32(%iu) : (memref<*xi32>) -> ()
  %init1_0 = tensor.empty() : tensor<10xi32>
  %init1_1 = tensor.empty() : tensor<5xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init1_0, %init1_1 : tensor<10xi32>, tensor<5xi32>) {num_experts = 4, tile = 2}
                  : tensor<3x2xi32> -> tensor<10xi32>, tensor<5xi32>
  %lm = bufferization.to_buffer %list : tensor<10xi32> to memref<10xi32>
  %lu = memref.cast %lm : memref<10xi32> to memref<*xi32>
  call @printMemrefI32(%lu) : (memref<*xi32>) -> ()
  return
}
