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
    %w, %ids     = samoyeds.route %logits [bias(...)] outs(...) {routing attributes}
    %list, %off  = samoyeds.dispatch %ids outs(...) {num_experts = E, tile = tile}
    %h           = samoyeds.ssmm %w13, %x, %list offsets(%off) outs(...)
                     {gather, top_k, epilogue = silu_mul}
    %rows        = samoyeds.ssmm %w2, %h, %list offsets(%off) scale(%w) outs(...) {top_k}  (f32)
    %y           = samoyeds.combine %rows, %list, %w outs(...)
    ```
    Every `outs` init is a `tensor.empty` of the result's type, its dynamic sizes
    `T` (`tensor.dim` of the input) and `L = T*k + E*(tile-1)`.
    plus, with shared experts, two ssmm over all tokens (the list is `0..T-1`) whose
    result is scaled by `sigmoid(x · shared_gate)` when given and added to `%y`, and a
    final conversion to the result element type. H is kept in the input element type,
    as the GPU kernel keeps it. A `moe` with the optional `counts` result gets a
    dispatch with `counts` of that type, which replaces it
    (`%list, %off, %counts = samoyeds.dispatch ...`); without it the dispatch has none.
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

def SamoyedsLowerPackUnpack
    : Pass<"samoyeds-lower-pack-unpack", "::mlir::ModuleOp"> {
  let summary = "Lower samoyeds.pack and unpack to CPU runtime calls, before bufferization";
  let description = [{
    `pack` and `unpack` have no bufferization models: a `!samoyeds.packed` value
    has no buffer. This pass, the step of `samoyeds-cpu-pipeline` before one-shot
    bufferization, lowers them on tensors: a `pack` becomes `samoyeds.assemble` of
    its three storage tensors, computed by `samoyeds_rt_pack_f32` (or `pack3`, rank
    3) of the format library through the CPU runtime (libsamoyeds_cpu_runtime); an
    `unpack` reads the storage of the weight's `samoyeds.assemble` (after
    `samoyeds-expand-storage`, or of a lowered `pack`) and calls
    `samoyeds_rt_unpack_f32` (`unpack3`), which validates the storage. The calls
    take contiguous f32 / i16 / i8 buffers, bridged from and to the tensors with
    `bufferization.to_buffer` and `bufferization.to_tensor restrict writable`; the
    runtime functions are declared `llvm.emit_c_interface` with the signatures of
    docs/format.md.

    Before:
    ```mlir
    %p = samoyeds.pack %d : tensor<64x128xbf16> -> !samoyeds.packed<64x128xbf16, #fmt>
    ```
    After:
    ```mlir
    call @samoyeds_rt_pack_f32(%dense, %v32, %m, %r, %n, %mm, %v) : (...) -> ()
    %p = samoyeds.assemble %tv, %tm, %tr : ... -> !samoyeds.packed<64x128xbf16, #fmt>
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def SamoyedsLowerToLoops : Pass<"samoyeds-lower-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower the memref forms of samoyeds ops to scf loops (the CPU reference)";
  let description = [{
    Runs after one-shot bufferization (`samoyeds-cpu-pipeline` orders it so): the
    memref forms of `route`, `dispatch`, `ssmm` and `combine` become scf loops that
    write their results in place into the op's `outs` buffers, which bufferization
    chose. Scratch buffers are `memref.alloc`s, freed by the buffer deallocation
    pipeline. All arithmetic is f32. Where the verifier cannot compare two sizes
    (one is dynamic), the loops are preceded by `cf.assert`s that compare them at
    run time; runtime errors (an expert index out of range in dispatch) abort
    through `cf.assert` as well.

    The tensor forms are a diagnostic (run one-shot bufferization first), as are
    `moe` (run `samoyeds-decompose-moe` first) and `pack` / `unpack` (lowered before
    bufferization by `samoyeds-lower-pack-unpack`).

    Before:
    ```mlir
    samoyeds.combine %rows, %list, %w outs(%y : memref<?x256xf32>) {weighted}
      : memref<?x256xf32>, memref<?xi32>, memref<?x2xf32>
    ```
    After:
    ```mlir
    scf.for %t ... { scf.for %c ... { memref.store %zero, %y[%t, %c] } }
    scf.for %i = %c0 to %len step %c1 { ... memref.store %sum, %y[%tok, %c] ... }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def SamoyedsRaiseSparseMatmul
    : Pass<"samoyeds-raise-sparse-matmul", "::mlir::ModuleOp"> {
  let summary = "Raise 2:4 sparse_tensor matmuls (upstream's sparsifier form) to samoyeds.ssmm";
  let description = [{
    Imports programs written for upstream's 2:4 path. A `linalg.matmul` (default,
    transposed or any other `indexing_maps`) or a `linalg.generic` contraction
    with one reduction and two parallel loops, on tensors, whose one input (the
    weight) has a `#sparse_tensor.encoding` with a `structured[2, 4]` level along
    the reduction dimension, such as upstream's
    ```mlir
    #NV_24 = #sparse_tensor.encoding<{map = (i, j) -> (i : dense,
               j floordiv 4 : dense, j mod 4 : structured[2, 4])}>
    ```
    becomes `samoyeds.ssmm` of the weight packed to the plain 2:4 format
    (`#samoyeds.format<n = 1, m = 1, v = V>`, N = M: every row kept; V the largest
    of 128, 64, 32 dividing the reduction size), reading the other input's rows
    through an identity list (`gather`, `top_k = 1`). Transposes are inserted
    where the operands or the result are laid out the other way (`C = A * B` with
    a sparse `A`: `C^T = ssmm(A, B^T)`); a non-zero accumulator is added back
    with `linalg.add`.

    The weight's dense values come from the `sparse_tensor.convert` that made
    the sparse tensor, from a constant, or, for a `func.func` argument used only
    by raised matmuls, from the argument itself, which becomes a dense tensor
    (the caller passes the 2:4 weight dense), or, with `pack-arguments`, the
    packed weight. Requirements, else the op is left
    alone: f16 or bf16 inputs of one type, a static weight with a reduction size
    that is a multiple of 32, a float result. Accumulation is in f32 (ssmm's),
    also for an f16 result.

    Before:
    ```mlir
    %y = linalg.matmul indexing_maps = [affine_map<(t, r, c) -> (t, c)>,
                                        affine_map<(t, r, c) -> (r, c)>,
                                        affine_map<(t, r, c) -> (t, r)>]
           ins(%x, %w : tensor<?x512xf16>, tensor<256x512xf16, #NV_24>)
           outs(%zero : tensor<?x256xf32>) -> tensor<?x256xf32>
    ```
    After:
    ```mlir
    %p = samoyeds.pack %wd : tensor<256x512xf16>
           -> !samoyeds.packed<256x512xf16, #samoyeds.format<n = 1, m = 1, v = 128>>
    %l = tensor.generate %t { ... index_cast ... } : tensor<?xi32>
    %y0 = tensor.empty(%t) : tensor<?x256xf32>
    %y = samoyeds.ssmm %p, %x, %l outs(%y0 : tensor<?x256xf32>) {gather} : ... -> tensor<?x256xf32>
    ```
  }];
  let options = [
    Option<"packArguments", "pack-arguments", "bool", /*default=*/"false",
           "A sparse weight argument becomes `!samoyeds.packed` (of the R x C "
           "weight, C along the reduction) instead of a dense tensor: the "
           "caller passes it packed (the format library, samoyeds.pack in "
           "Python). samoyeds-gpu-pipeline needs this: it packs no weight at "
           "run time.">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::samoyeds::SamoyedsDialect"];
}

#endif // SAMOYEDS_PASSES_TD
