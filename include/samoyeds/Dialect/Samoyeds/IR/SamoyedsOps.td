// Operations of the samoyeds dialect.
#ifndef SAMOYEDS_OPS_TD
#define SAMOYEDS_OPS_TD

include "samoyeds/Dialect/Samoyeds/IR/SamoyedsTypes.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

def Samoyeds_FloatTensor2D : RankedTensorOf<[AnyFloat], [HasAnyRankOfPred<[2]>], "2-D tensor">;
def Samoyeds_FloatTensor1D : RankedTensorOf<[AnyFloat], [HasAnyRankOfPred<[1]>], "1-D tensor">;
def Samoyeds_I32Tensor1D : RankedTensorOf<[I32], [HasAnyRankOfPred<[1]>], "1-D tensor">;
def Samoyeds_I32Tensor2D : RankedTensorOf<[I32], [HasAnyRankOfPred<[2]>], "2-D tensor">;
// Per-expert token counts (dispatch, moe): i64 is what torch counts in.
def Samoyeds_CountsTensor : RankedTensorOf<[I32, I64], [HasAnyRankOfPred<[1]>], "1-D tensor">;
// Operands of route, dispatch, ssmm and combine: a tensor (the tensor form) or
// a memref (the memref form, after bufferization; any layout).
class Samoyeds_Shaped<list<Type> elts, int rank, string what>
    : AnyTypeOf<[RankedTensorOf<elts, [HasAnyRankOfPred<[rank]>]>, MemRefRankOf<elts, [rank]>],
                what, "::mlir::ShapedType">;
def Samoyeds_FloatShaped2D : Samoyeds_Shaped<[AnyFloat], 2, "2-D tensor or memref of floats">;
def Samoyeds_FloatShaped1D : Samoyeds_Shaped<[AnyFloat], 1, "1-D tensor or memref of floats">;
def Samoyeds_I32Shaped1D : Samoyeds_Shaped<[I32], 1, "1-D tensor or memref of i32">;
def Samoyeds_I32Shaped2D : Samoyeds_Shaped<[I32], 2, "2-D tensor or memref of i32">;
def Samoyeds_HalfShaped : AnyTypeOf<[RankedTensorOf<[F16, BF16]>, MemRefOf<[F16, BF16]>],
    "ranked tensor or memref of f16 or bf16", "::mlir::ShapedType">;
// The `outs` inits; their types are the result types (the tensor form) or
// checked by the op's verifier (the memref form).
def Samoyeds_Init : AnyTypeOf<[AnyRankedTensor, AnyMemRef], "ranked tensor or memref",
                              "::mlir::ShapedType">;
def Samoyeds_PackedWeight : Type<CPred<"::llvm::isa<::mlir::samoyeds::PackedType>($_self)">,
                                 "packed weight", "::mlir::samoyeds::PackedType">;

//===----------------------------------------------------------------------===//
// Format ops
//===----------------------------------------------------------------------===//

def Samoyeds_PackOp : Samoyeds_Op<"pack", [Pure]> {
  let summary = "Prune a dense weight by magnitude to the format and compress it";
  let description = [{
    For every (row group, slice) cell keep the `n` rows of largest L1 norm over the
    slice (ties: lower row), then in each kept row keep the 2 largest magnitudes of
    every aligned 4 columns (ties: lower column). A weight that already fits the format
    is packed exactly. A `pack` of a constant folds, through the format library, into
    `samoyeds.assemble` of three constants (canonicalization).

    Constraints: (C1) the input shape equals the logical shape of the result;
    (C2) the input element type equals the result element type.

    Example:
    ```mlir
    %p = samoyeds.pack %w : tensor<256x512xbf16>
           -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F16, BF16]>:$input);
  let results = (outs Samoyeds_PackedWeight:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Samoyeds_UnpackOp : Samoyeds_Op<"unpack", [Pure]> {
  let summary = "Expand a packed weight back to its pruned dense form";
  let description = [{
    Writes the kept values at their logical positions and zeros elsewhere.

    Constraints: (C1) the result shape equals the logical shape of the input;
    (C2) the result element type equals the packed element type.

    Example:
    ```mlir
    %d = samoyeds.unpack %p : !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
           -> tensor<256x512xbf16>
    ```
  }];
  let arguments = (ins Samoyeds_PackedWeight:$input);
  let results = (outs RankedTensorOf<[F16, BF16]>:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
}

def Samoyeds_AssembleOp : Samoyeds_Op<"assemble", [Pure]> {
  let summary = "Build a packed weight from its three storage arrays";
  let description = [{
    The storage arrays are those of docs/format.md: `values`, `metadata` (i16, the
    canonical row-major 2-bit positions) and `row_indices` (i8). This is how packed
    weights enter a program from outside (function arguments are expanded into the three
    arrays by `samoyeds-expand-storage`). Malformed metadata is undefined behaviour at
    this level; the runtime and Python APIs validate what they are given.

    Constraints: (C1) each storage type is the one the packed type prescribes.

    Example:
    ```mlir
    %p = samoyeds.assemble %v, %m, %r : tensor<128x256xbf16>, tensor<128x32xi16>,
           tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F16, BF16]>:$values, RankedTensorOf<[I16]>:$metadata,
                       RankedTensorOf<[I8]>:$row_indices);
  let results = (outs Samoyeds_PackedWeight:$result);
  let assemblyFormat = [{
    $values `,` $metadata `,` $row_indices attr-dict `:` type($values) `,` type($metadata)
    `,` type($row_indices) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MoE ops
//===----------------------------------------------------------------------===//

def Samoyeds_RouteOp : Samoyeds_Op<"route", [AttrSizedOperandSegments,
    AttrSizedResultSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>]> {
  let summary = "Router: score, select top-k experts per token, compute routing weights";
  let description = [{
    For logits `L` of shape `T x E` (f32 recommended) and each token t:
    1. scores `s = softmax(L[t])` or `s = sigmoid(L[t])` (`scoring`);
    2. selection scores `q = s + bias` when `bias` (E) is given (DeepSeek-V3's
       correction bias, used for selection only), else `q = s`;
    3. when `n_group > 1`: the E experts form `n_group` groups of consecutive experts,
       each scored by the sum of its top min(2, E/n_group) selection scores; only the
       `topk_group` best groups stay eligible (ties: lower group);
    4. the `top_k` eligible experts of largest `q` (ties: lower expert), in descending
       order of `q`, are `indices[t]`;
    5. `weights[t, j] = s[indices[t, j]]` (the unbiased score); when `renormalize`,
       divided by their sum; finally multiplied by `scaling_factor`.

    Mixtral: softmax, renormalize. DeepSeek-MoE: softmax without renormalize.
    DeepSeek-V3: sigmoid, bias, groups, renormalize, scaling_factor 2.5.

    Constraints: (C1) logits rank 2 with a static expert count 1 <= E <= 2^31-1
    (indices are i32); (C2) 1 <= top_k <= E; (C3) weights are T x top_k floats and
    indices T x top_k i32, T matching the logits; (C4) bias has shape E; (C5) n_group
    >= 1 divides E;
    (C6) 1 <= topk_group <= n_group; (C7) top_k <= topk_group * E / n_group;
    (C8) scaling_factor > 0.

    Example:
    ```mlir
    %w, %ids = samoyeds.route %logits outs(%w0, %ids0 : tensor<?x2xf32>, tensor<?x2xi32>)
                 {top_k = 2, renormalize}
                 : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
    ```
  }];
  let arguments = (ins Samoyeds_FloatShaped2D:$logits,
                       Optional<Samoyeds_FloatShaped1D>:$bias,
                       I64Attr:$top_k,
                       DefaultValuedAttr<Samoyeds_ScoringAttr, "::mlir::samoyeds::Scoring::softmax">:$scoring,
                       UnitAttr:$renormalize,
                       DefaultValuedAttr<I64Attr, "1">:$n_group,
                       DefaultValuedAttr<I64Attr, "1">:$topk_group,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scaling_factor,
                       Variadic<Samoyeds_Init>:$inits);
  // None in the memref form.
  let results = (outs Optional<Samoyeds_FloatTensor2D>:$weights,
                      Optional<Samoyeds_I32Tensor2D>:$indices);
  let assemblyFormat = [{
    $logits (`bias` `(` $bias^ `:` type($bias) `)`)? `outs` `(` $inits `:` type($inits) `)`
    attr-dict `:` type($logits) (`->` type($weights)^ `,` type($indices))?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitsMutable(); }
    /// The types of the weights and indices: those of the inits (the result
    /// types in the tensor form).
    ::mlir::ShapedType getWeightsType() { return ::llvm::cast<::mlir::ShapedType>(getInits()[0].getType()); }
    ::mlir::ShapedType getIndicesType() { return ::llvm::cast<::mlir::ShapedType>(getInits()[1].getType()); }
  }];
  let hasVerifier = 1;
}

// Not Pure: an out-of-range expert id traps at run time, so the op must not be
// speculated (hoisted out of a loop that may not run, or out of a branch).
def Samoyeds_DispatchOp : Samoyeds_Op<"dispatch", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>, AttrSizedResultSegments]> {
  let summary = "Group the (token, slot) pairs by expert into tile-padded lists";
  let description = [{
    `indices` is the `T x k` expert choice of `samoyeds.route`. The flat id of
    (token t, slot j) is `t * k + j`. The result `list` holds, expert after expert, the
    flat ids routed to that expert in ascending order, each expert's segment padded
    with the sentinel `T * k` to a multiple of `tile`; `offsets[e]` is where expert e's
    segment starts and `offsets[E]` the end of the last one. The list has
    `T * k + E * (tile - 1)` entries, the worst case; entries past `offsets[E]` are
    sentinels. An expert with no token has an empty segment. An expert index outside
    `[0, E)` is a runtime error.

    The optional result `counts` (i32 or i64) holds the number of flat ids routed to
    each expert: the unpadded length of its segment (`offsets[e+1] - offsets[e]` is
    `counts[e]` rounded up to a multiple of `tile`). Its sum is `T * k`.

    This is the shape of data vLLM's `moe_align_block_size` produces: a kernel reads
    input row `id / k`, and the routing weight `weights.flat[id]`.

    Constraints: (C1) 1 <= num_experts <= 2^31-1 (expert indices are i32) and
    tile >= 1; (C2) the list is 1-D of length `T * k + E * (tile - 1)` (when T and k
    are static), and that length (its `E * (tile - 1)` part when T is dynamic) is at
    most 2^31-1 (offsets are i32); (C3) offsets has E + 1 entries; (C4) counts has E
    entries.

    Example:
    ```mlir
    %list, %off = samoyeds.dispatch %ids outs(%l0, %o0 : tensor<?xi32>, tensor<9xi32>)
                    {num_experts = 8, tile = 64}
                    : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
    %l, %o, %counts = samoyeds.dispatch %ids
                        outs(%l0, %o0, %c0 : tensor<?xi32>, tensor<9xi32>, tensor<8xi64>)
                        {num_experts = 8, tile = 64}
                        : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>, tensor<8xi64>
    ```
  }];
  let arguments = (ins Samoyeds_I32Shaped2D:$indices, I64Attr:$num_experts, I64Attr:$tile,
                       Variadic<Samoyeds_Init>:$inits);
  // None in the memref form.
  let results = (outs Optional<Samoyeds_I32Tensor1D>:$list,
                      Optional<Samoyeds_I32Tensor1D>:$offsets,
                      Optional<Samoyeds_CountsTensor>:$counts);
  let assemblyFormat = [{
    $indices `outs` `(` $inits `:` type($inits) `)` attr-dict `:` type($indices)
    (`->` type($list)^ `,` type($offsets) (`,` type($counts)^)?)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitsMutable(); }
    /// The types of list, offsets and (when given) counts: those of the inits.
    ::mlir::ShapedType getListType() { return ::llvm::cast<::mlir::ShapedType>(getInits()[0].getType()); }
    ::mlir::ShapedType getOffsetsType() { return ::llvm::cast<::mlir::ShapedType>(getInits()[1].getType()); }
    bool hasCounts() { return getInits().size() > 2; }
    ::mlir::ShapedType getCountsType() {
      return hasCounts() ? ::llvm::cast<::mlir::ShapedType>(getInits()[2].getType()) : ::mlir::ShapedType();
    }
  }];
  let hasVerifier = 1;
}

def Samoyeds_SsmmOp : Samoyeds_Op<"ssmm", [AttrSizedOperandSegments,
    DestinationStyleOpInterface, DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>]> {
  let summary = "Dual-side sparse matmul: packed weight times routed tokens";
  let description = [{
    Computes, for every entry i of `list` (length L), the row
    `out[i] = epilogue(W_e · x_i)` where:
    - `x_i = input[list[i] / top_k]` when `gather` is set (the tokens are read in place
      through the list, input is `T x C`), else `x_i = input[i]` (a compact input of L
      rows, e.g. the output of a previous ssmm);
    - `e` is the expert whose segment `[offsets[e], offsets[e+1])` holds i when the
      weight has an expert dimension (then `offsets` is required), else the only expert;
    - `epilogue` is `none` (R outputs) or `silu_mul` for a stacked gate|up weight
      (R = 2I rows: `silu(y[0:I]) * y[I:2I]`, I outputs);
    - when `scale` (T x k routing weights) is given, the row is then multiplied by
      `scale.flat[list[i]]`.
    Entry i is padding, and `out[i]` is zero, when `list[i]` is outside `[0, B)` with
    B = rows(input) * top_k under `gather`, else B = numel(scale) when `scale` is given
    (else no entry is padding), or when i >= offsets[E]. Accumulation is in f32.
    With `undef_padding` the rows of padding entries are unspecified instead of zero
    (the GPU kernels then skip the token tiles past the last expert's segment: at one
    token the list holds E*(tile-1) sentinels for a handful of routed pairs); for a
    result whose consumers read only routed entries, as `samoyeds-decompose-moe`'s
    are (the next ssmm and `combine` skip padding).

    Constraints: (C1) the input is `? x C` with C the weight's columns and the weight's
    element type; (C2) the weight has an expert dimension iff `offsets` is given, and
    offsets then has E + 1 entries; (C3) without `gather` the input has as many rows as
    the list; (C4) the result is `L x R` (`L x R/2` for `silu_mul`, R even);
    (C5) top_k >= 1; (C6) scale is rank 2 with top_k columns.

    Memref form (what one-shot bufferization makes of it; no result, the
    result is written into the init's buffer): the weight is given as its
    three storage buffers and `storage_type` is its packed type,
    `samoyeds.ssmm storage(%v, %m, %r : ...), %x, %list ... outs(%y : memref<...>)
    {...} : !samoyeds.packed<...>, memref<...>, memref<...>`. (C7) the tensor
    form has a packed weight and no storage; the memref form three storage
    memrefs of the shapes and element types of `storage_type`'s storage.
    route, dispatch and combine have the same two forms (docs/dialect.md,
    "Bufferization and the memref forms"); in both, (C0) operands and inits are
    all tensors or all memrefs.

    `config`, when present, is the GPU kernel configuration
    (`#samoyeds.kernel_config`, set by `samoyeds-select-kernel-config`); the CPU
    lowering ignores it.

    Example:
    ```mlir
    %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>)
           outs(%h0 : tensor<?x256xbf16>)
           {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
           : !samoyeds.packed<8x512x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>,
             tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
    ```
  }];
  let arguments = (ins Optional<Samoyeds_PackedWeight>:$weight,
                       Variadic<AnyMemRef>:$storage,
                       Samoyeds_HalfShaped:$input,
                       Samoyeds_I32Shaped1D:$list,
                       Optional<Samoyeds_I32Shaped1D>:$offsets,
                       Optional<Samoyeds_FloatShaped2D>:$scale,
                       DefaultValuedAttr<I64Attr, "1">:$top_k,
                       UnitAttr:$gather,
                       DefaultValuedAttr<Samoyeds_EpilogueAttr, "::mlir::samoyeds::Epilogue::none">:$epilogue,
                       OptionalAttr<Samoyeds_KernelConfigAttr>:$config,
                       UnitAttr:$undef_padding,
                       OptionalAttr<TypeAttrOf<Samoyeds_PackedType>>:$storage_type,
                       Samoyeds_Init:$init);
  // None in the memref form.
  let results = (outs Optional<Samoyeds_FloatTensor2D>:$result);
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The packed type of the weight: the weight's (tensor form) or the one
    /// that the storage memrefs hold (memref form, `storage_type`).
    ::mlir::samoyeds::PackedType getPackedType();
    /// The `samoyeds.assemble` that builds the packed weight (tensor form),
    /// or a diagnostic on the op, prefixed by `stage`, saying how to get one.
    /// Bufferization reads the weight's storage through it; the GPU lowering
    /// asks first, so that a weight without one is named before the form.
    ::mlir::FailureOr<::mlir::samoyeds::AssembleOp> getWeightAssemble(::llvm::StringRef stage);
    /// The result type: that of the init.
    ::mlir::ShapedType getResultType() { return ::llvm::cast<::mlir::ShapedType>(getInit().getType()); }
  }];
  let hasVerifier = 1;
}

def Samoyeds_CombineOp : Samoyeds_Op<"combine", [DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>]> {
  let summary = "Scatter-add expert outputs back to their tokens";
  let description = [{
    `out[t] = sum over entries i with list[i] = t * k + j (0 <= j < k) of
    (weighted ? weights[t, j] : 1) * rows[i]`, where `weights` is the `T x k` routing
    weight tensor (it gives T and k). Entries outside `[0, T*k)` are padding and
    skipped. Summation is in f32, in list order.

    Constraints: (C1) rows is `L x H`, list has L entries; (C2) weights is rank 2;
    (C3) the result is `T x H` with T the rows of weights.

    Example:
    ```mlir
    %y = samoyeds.combine %rows, %list, %w outs(%y0 : tensor<?x256xf32>)
           : tensor<?x256xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x256xf32>
    ```
  }];
  let arguments = (ins Samoyeds_FloatShaped2D:$rows, Samoyeds_I32Shaped1D:$list,
                       Samoyeds_FloatShaped2D:$weights, UnitAttr:$weighted,
                       Samoyeds_Init:$init);
  // None in the memref form.
  let results = (outs Optional<Samoyeds_FloatTensor2D>:$result);
  let assemblyFormat = [{
    $rows `,` $list `,` $weights `outs` `(` $init `:` type($init) `)` attr-dict `:`
    type($rows) `,` type($list) `,` type($weights) (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The result type: that of the init.
    ::mlir::ShapedType getResultType() { return ::llvm::cast<::mlir::ShapedType>(getInit().getType()); }
  }];
  let hasVerifier = 1;
}

def Samoyeds_MoeOp : Samoyeds_Op<"moe", [Pure, AttrSizedOperandSegments]> {
  let summary = "A whole MoE layer with SwiGLU experts in packed form";
  let description = [{
    ```
    logits        = input · gate_weight^T                    (T x E, f32)
    weights, ids  = route(logits, bias)                        (route options)
    for each expert e, tokens S_e:
      H_e         = silu(W1_e · X[S_e]^T) * (W3_e · X[S_e]^T)   (w13 = W1 over W3)
      Y[S_e]     += weights[S_e, e] * (W2_e · H_e)^T
    Y            += g(x) * shared_w2 · (silu(.) * (.))(shared_w13 · x)   (optional)
    ```
    with `g(x) = sigmoid(x · shared_gate)` when `shared_gate` (H) is given, else 1.
    `samoyeds-decompose-moe` rewrites it into route, dispatch, ssmm and combine;
    `tile` is the dispatch tile. The optional result `counts` (E entries, i32 or
    i64) is the number of (token, slot) pairs routed to each expert, `|S_e|`: the
    `counts` of the layer's own dispatch.

    Constraints: (C1) input `T x H` (H static) of the weights' element type;
    (C2) gate_weight `E x H` with a static E, a float of at most 32 bits; (C3) w13
    packed `E x 2I x H`; (C4) w2 packed `E x H x I`; (C5) bias has E entries;
    (C6) shared_w13 packed `2S x H` and shared_w2 `H x S`, both or neither, of the
    input's element type; (C7) shared_gate (H, a float of at most 32 bits) only with
    shared experts; (C8) result `T x H`, a float of at most 32 bits; (C9) the
    samoyeds.dispatch constraints C1 and C2 for num_experts = E and `tile`; (C10) the
    constraints C2 and C5-C8 of samoyeds.route on the routing attributes (reported
    as "route C2" ...); (C11) counts has E entries.

    Example:
    ```mlir
    %y = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize}
           : tensor<?x256xbf16>, tensor<8x256xbf16>,
             !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>,
             !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
             -> tensor<?x256xbf16>
    // With the per-expert token counts:
    %y2, %counts = samoyeds.moe %x, %g, %w13, %w2 {top_k = 2, renormalize}
           : tensor<?x256xbf16>, tensor<8x256xbf16>,
             !samoyeds.packed<8x1024x256xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>,
             !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
             -> tensor<?x256xbf16>, tensor<8xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F16, BF16]>:$input,
                       Samoyeds_FloatTensor2D:$gate_weight,
                       Samoyeds_PackedWeight:$w13,
                       Samoyeds_PackedWeight:$w2,
                       Optional<Samoyeds_FloatTensor1D>:$bias,
                       Optional<Samoyeds_PackedWeight>:$shared_w13,
                       Optional<Samoyeds_PackedWeight>:$shared_w2,
                       Optional<Samoyeds_FloatTensor1D>:$shared_gate,
                       I64Attr:$top_k,
                       DefaultValuedAttr<Samoyeds_ScoringAttr, "::mlir::samoyeds::Scoring::softmax">:$scoring,
                       UnitAttr:$renormalize,
                       DefaultValuedAttr<I64Attr, "1">:$n_group,
                       DefaultValuedAttr<I64Attr, "1">:$topk_group,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scaling_factor,
                       DefaultValuedAttr<I64Attr, "64">:$tile);
  let results = (outs Samoyeds_FloatTensor2D:$result,
                      Optional<Samoyeds_CountsTensor>:$counts);
  let assemblyFormat = [{
    $input `,` $gate_weight `,` $w13 `,` $w2 (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`shared` `(` $shared_w13^ `,` $shared_w2 `:` qualified(type($shared_w13)) `,`
      qualified(type($shared_w2)) `)`)?
    (`shared_gate` `(` $shared_gate^ `:` type($shared_gate) `)`)?
    attr-dict `:` type($input) `,` type($gate_weight) `,` qualified(type($w13)) `,`
    qualified(type($w2)) `->` type($result) (`,` type($counts)^)?
  }];
  let hasVerifier = 1;
}

#endif // SAMOYEDS_OPS_TD
