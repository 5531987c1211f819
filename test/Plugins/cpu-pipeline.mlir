// Upstream mlir-opt with the samoyeds plugins: the dialect parses, the passes
// and samoyeds-cpu-pipeline are registered, and the pipeline reaches LLVM.
// RUN: %upstream_mlir_opt %s --load-dialect-plugin=%plugins/SamoyedsDialectPlugin.so \
// RUN:   --load-pass-plugin=%plugins/SamoyedsPassPlugin.so \
// RUN:   --pass-pipeline="builtin.module(samoyeds-cpu-pipeline)" \
// RUN:   | FileCheck %s --implicit-check-not=samoyeds.
// RUN: %upstream_mlir_opt %s --load-dialect-plugin=%plugins/SamoyedsDialectPlugin.so \
// RUN:   --load-pass-plugin=%plugins/SamoyedsPassPlugin.so \
// RUN:   --pass-pipeline="builtin.module(samoyeds-expand-storage)" \
// RUN:   | FileCheck %s --check-prefix=EXPAND
// RUN: %upstream_mlir_opt --load-dialect-plugin=%plugins/SamoyedsDialectPlugin.so \
// RUN:   --show-dialects | FileCheck %s --check-prefix=DIALECTS
// RUN: %upstream_mlir_opt --load-pass-plugin=%plugins/SamoyedsPassPlugin.so --help \
// RUN:   | FileCheck %s --check-prefix=HELP

// DIALECTS: Available Dialects:
// DIALECTS-SAME: samoyeds
// HELP-DAG: --samoyeds-cpu-pipeline
// HELP-DAG: --samoyeds-gpu-pipeline
// HELP-DAG: --samoyeds-decompose-moe
// HELP-DAG: --convert-samoyeds-to-gpu

!w = !samoyeds.packed<64x128xf16, #samoyeds.format<n = 1, m = 2, v = 64>>

// EXPAND-LABEL: func.func @ssmm(
// EXPAND-SAME: %{{.*}}: tensor<32x64xf16>, %{{.*}}: tensor<32x8xi16>, %{{.*}}: tensor<2x32xi8>
// EXPAND: samoyeds.assemble
// EXPAND: samoyeds.ssmm

// CHECK-LABEL: llvm.func @ssmm(
// CHECK-DAG: llvm.call @malloc
// CHECK-DAG: llvm.fmul
// CHECK-DAG: llvm.fadd
// CHECK: llvm.return
func.func @ssmm(%w: !w, %x: tensor<?x128xf16>, %l: tensor<?xi32>) -> tensor<?x64xf32> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x64xf32>
  %y = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x64xf32>) {gather}
         : !w, tensor<?x128xf16>, tensor<?xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
