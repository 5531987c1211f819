// The optional counts of samoyeds.moe through samoyeds-gpu-pipeline (the
// dispatch alone: dispatch-counts.mlir). The device check is the "counts"
// part of test/Integration/GPU/graph_check.py.
// RUN: samoyeds-opt %s --samoyeds-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=PIPE

// A whole layer with counts through samoyeds-gpu-pipeline: the C entry point
// takes x, gate, the three arrays of w13 and of w2, then the out-parameters
// y and counts (10 descriptors; 9 without counts), and the PTX has the
// counting scan kernel (and no other scan kernel: the layer's dispatch is
// the counting one).
// The counts buffer is the caller's (buffer-results-to-out-params hoists its
// static allocation): the scan kernel writes it, nothing copies it.
// PIPE-LABEL: llvm.func @layer_counts(
// PIPE: gpu.launch_func <%{{.*}} : !llvm.ptr> @samoyeds_kernels::@dispatch_e4_t64_k2_scan_counts_i64
// PIPE-NOT: @mgpuMemcpy
// PIPE-LABEL: llvm.func @_mlir_ciface_layer_counts(
// PIPE-SAME: %arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: !llvm.ptr, %arg4: !llvm.ptr, %arg5: !llvm.ptr, %arg6: !llvm.ptr, %arg7: !llvm.ptr, %arg8: !llvm.ptr, %arg9: !llvm.ptr)
// PIPE-SAME: attributes
// PIPE: gpu.binary @samoyeds_kernels
// PIPE-SAME: .entry dispatch_e4_t64_k2_count(
// PIPE-SAME: .entry dispatch_e4_t64_k2_scan_counts_i64(
// PIPE-SAME: .entry dispatch_e4_t64_k2_scatter(
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>
func.func @layer_counts(%x: tensor<?x256xbf16>, %gate: tensor<4x256xbf16>,
                        %w13: !samoyeds.packed<4x256x256xbf16, #fmt>,
                        %w2: !samoyeds.packed<4x256x128xbf16, #fmt>)
    -> (tensor<?x256xbf16>, tensor<4xi64>) {
  %y, %c = samoyeds.moe %x, %gate, %w13, %w2 {top_k = 2, tile = 64}
         : tensor<?x256xbf16>, tensor<4x256xbf16>,
           !samoyeds.packed<4x256x256xbf16, #fmt>,
           !samoyeds.packed<4x256x128xbf16, #fmt> -> tensor<?x256xbf16>, tensor<4xi64>
  return %y, %c : tensor<?x256xbf16>, tensor<4xi64>
}
