// RUN: samoyeds-opt %s --resolve-ranked-shaped-type-result-dims --cse --split-input-file | FileCheck %s

// ReifyRankedShapedTypeOpInterface: the dynamic sizes of the results in terms
// of the inputs, as the constraints give them (route C3, dispatch C2, ssmm C4,
// combine C3), so that a tensor.dim of a result needs no result at all
// (--cse merges the dims that each resolved tensor.dim creates).

// CHECK-LABEL: func.func @route(
// CHECK-SAME:    %[[L:[a-zA-Z0-9_]+]]: tensor<?x8xf32>
func.func @route(%l: tensor<?x8xf32>, %w0: tensor<?x2xf32>, %i0: tensor<?x2xi32>) -> (index, index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %w, %i = samoyeds.route %l outs(%w0, %i0 : tensor<?x2xf32>, tensor<?x2xi32>) {top_k = 2}
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  // CHECK-DAG: %[[T:.+]] = tensor.dim %[[L]], %c0
  // CHECK-DAG: %[[K:.+]] = arith.constant 2 : index
  // CHECK: return %[[T]], %[[T]], %[[K]]
  %a = tensor.dim %w, %c0 : tensor<?x2xf32>
  %b = tensor.dim %i, %c0 : tensor<?x2xi32>
  %k = tensor.dim %w, %c1 : tensor<?x2xf32>
  return %a, %b, %k : index, index, index
}

// -----

// CHECK-LABEL: func.func @dispatch(
// CHECK-SAME:    %[[IDS:[a-zA-Z0-9_]+]]: tensor<?x2xi32>
func.func @dispatch(%ids: tensor<?x2xi32>, %l0: tensor<?xi32>, %o0: tensor<?xi32>, %c0t: tensor<?xi64>) -> (index, index, index) {
  %c0 = arith.constant 0 : index
  %list, %off, %cnt = samoyeds.dispatch %ids outs(%l0, %o0, %c0t : tensor<?xi32>, tensor<?xi32>, tensor<?xi64>)
                        {num_experts = 8, tile = 16}
                        : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<?xi64>
  // T*k + E*(tile-1) = T*2 + 120; E + 1 offsets; E counts.
  // CHECK-DAG: %[[T:.+]] = tensor.dim %[[IDS]], %c0
  // CHECK-DAG: %[[TK:.+]] = arith.muli %[[T]], %c2
  // CHECK-DAG: %[[LEN:.+]] = arith.addi %[[TK]], %c120
  // CHECK-DAG: %[[NOFF:.+]] = arith.constant 9 : index
  // CHECK-DAG: %[[NCNT:.+]] = arith.constant 8 : index
  // CHECK: return %[[LEN]], %[[NOFF]], %[[NCNT]]
  %a = tensor.dim %list, %c0 : tensor<?xi32>
  %b = tensor.dim %off, %c0 : tensor<?xi32>
  %c = tensor.dim %cnt, %c0 : tensor<?xi64>
  return %a, %b, %c : index, index, index
}

// -----

!w = !samoyeds.packed<8x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>

// CHECK-LABEL: func.func @ssmm(
// CHECK-SAME:    %[[LIST:[a-zA-Z0-9_]+]]: tensor<?xi32>
func.func @ssmm(%v: tensor<8x64x32xbf16>, %m: tensor<8x64x4xi16>, %r: tensor<8x1x64xi8>,
                %x: tensor<?x64xbf16>, %list: tensor<?xi32>, %off: tensor<9xi32>,
                %y0: tensor<?x64xbf16>) -> index {
  %c0 = arith.constant 0 : index
  %w = samoyeds.assemble %v, %m, %r : tensor<8x64x32xbf16>, tensor<8x64x4xi16>, tensor<8x1x64xi8> -> !w
  %h = samoyeds.ssmm %w, %x, %list offsets(%off : tensor<9xi32>) outs(%y0 : tensor<?x64xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !w, tensor<?x64xbf16>, tensor<?xi32> -> tensor<?x64xbf16>
  // A row per list entry.
  // CHECK: %[[L:.+]] = tensor.dim %[[LIST]], %c0
  // CHECK: return %[[L]]
  %d = tensor.dim %h, %c0 : tensor<?x64xbf16>
  return %d : index
}

// -----

// CHECK-LABEL: func.func @combine(
// CHECK-SAME:    %[[ROWS:[a-zA-Z0-9_]+]]: tensor<?x?xf32>, %{{[a-zA-Z0-9_]+}}: tensor<?xi32>, %[[W:[a-zA-Z0-9_]+]]: tensor<?x2xf32>
func.func @combine(%rows: tensor<?x?xf32>, %list: tensor<?xi32>, %w: tensor<?x2xf32>, %y0: tensor<?x?xf32>) -> (index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = samoyeds.combine %rows, %list, %w outs(%y0 : tensor<?x?xf32>)
         : tensor<?x?xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x?xf32>
  // Tokens (the rows of weights) x the row width (of rows).
  // CHECK-DAG: %[[T:.+]] = tensor.dim %[[W]], %c0
  // CHECK-DAG: %[[H:.+]] = tensor.dim %[[ROWS]], %c1
  // CHECK: return %[[T]], %[[H]]
  %a = tensor.dim %y, %c0 : tensor<?x?xf32>
  %b = tensor.dim %y, %c1 : tensor<?x?xf32>
  return %a, %b : index, index
}
