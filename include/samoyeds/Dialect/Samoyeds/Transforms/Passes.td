// Passes of the samoyeds dialect.
#ifndef SAMOYEDS_PASSES_TD
#define SAMOYEDS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SamoyedsDecomposeMoe : Pass<"samoyeds-decompose-moe"> {
  let summary = "Rewrite samoyeds.moe into route, dispatch, ssmm and combine";
  let description = [{
    Each `samoyeds.moe` becomes:
    ```mlir
    %logits      = linalg.generic (x · gate_weight^T, f32)
    %w, %ids     = samoyeds.route %logits [bias(...)] {routing attributes}
    %list, %off  = samoyeds.dispatch %ids {num_experts = E, tile = tile}
    %h           = samoyeds.ssmm %w13, %x, %list offsets(%off) {gather, top_k, epilogue = silu_mul}
    %rows        = samoyeds.ssmm %w2, %h, %list offsets(%off) scale(%w) {top_k}   (f32)
    %y           = samoyeds.combine %rows, %list, %w
    ```
    plus, with shared experts, two ssmm over all tokens (the list is `0..T-1`) whose
    result is scaled by `sigmoid(x · shared_gate)` when given and added to `%y`, and a
    final conversion to the result element type. H is kept in the input element type,
    as the GPU kernel keeps it.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def SamoyedsExpandStorage : Pass<"samoyeds-expand-storage", "::mlir::ModuleOp"> {
  let summary = "Expand packed-weight function arguments into their three arrays";
  let description = [{
    A `func.func` argument of type `!samoyeds.packed<...>` becomes three arguments
    (values, metadata, row_indices; docs/format.md) followed at the entry by a
    `samoyeds.assemble`. This is the signature the compile driver exports and the
    runtime calls. Call sites of such a function, and packed results, are rejected
    with a diagnostic.

    Before:
    ```mlir
    func.func @f(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>)
    ```
    After:
    ```mlir
    func.func @f(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>, %r: tensor<4x128xi8>,
                 %x: tensor<?x512xbf16>) {
      %w = samoyeds.assemble %v, %m, %r : ... -> !samoyeds.packed<256x512xbf16, #fmt>
    ```
  }];
}

def SamoyedsLowerToLoops : Pass<"samoyeds-lower-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower samoyeds ops to scf loops over memrefs (the CPU reference)";
  let description = [{
    Every samoyeds op except `moe` (run `samoyeds-decompose-moe` first) becomes loops
    over memrefs obtained with `bufferization.to_buffer`, writing a fresh
    `memref.alloc` that is returned through `bufferization.to_tensor`; the rest of the
    program stays on tensors for one-shot bufferization. All arithmetic is f32.
    Packed operands must come from `samoyeds.assemble` (after
    `samoyeds-expand-storage`) or `samoyeds.pack`; `pack` and `unpack` call the
    format library through the CPU runtime (`samoyeds_rt_pack_f32` and friends in
    libsamoyeds_cpu_runtime). Runtime errors (an expert index out of range in
    dispatch) abort through `cf.assert`.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

#endif // SAMOYEDS_PASSES_TD
