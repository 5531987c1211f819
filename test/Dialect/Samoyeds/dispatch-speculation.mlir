// samoyeds.dispatch traps on an out-of-range expert id, so it is not
// speculatable: loop-invariant code motion must leave it inside a loop that
// may run zero times (REVIEW.md D1), while a pure op beside it is hoisted.
// RUN: samoyeds-opt %s --loop-invariant-code-motion | FileCheck %s

// CHECK-LABEL: func.func @not_hoisted
// CHECK: %[[T:.*]] = arith.addi
// CHECK-NEXT: scf.for
// CHECK-NEXT: samoyeds.dispatch
func.func @not_hoisted(%ids: tensor<?x2xi32>, %n: index, %a: i32,
                       %l0: tensor<?xi32>, %o0: tensor<9xi32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (i32) {
    %list, %off = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<?xi32>, tensor<9xi32>) {num_experts = 8, tile = 64}
                    : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
    %t = arith.addi %a, %a : i32
    %e = tensor.extract %off[%c1] : tensor<9xi32>
    %s = arith.addi %acc, %e : i32
    %s2 = arith.addi %s, %t : i32
    scf.yield %s2 : i32
  }
  return %r : i32
}
