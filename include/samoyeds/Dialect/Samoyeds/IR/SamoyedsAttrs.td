// Attributes and enums of the samoyeds dialect: the weight format, router scoring, epilogues,
// kernel configurations.
#ifndef SAMOYEDS_ATTRS_TD
#define SAMOYEDS_ATTRS_TD

include "samoyeds/Dialect/Samoyeds/IR/SamoyedsBase.td"
include "mlir/IR/EnumAttr.td"

def Samoyeds_FormatAttr : Samoyeds_Attr<"Format", "format"> {
  let summary = "Dual-side structured sparse weight format (N:M rows, slice V, 2:4 elements)";
  let description = [{
    Rows of a weight are cut into groups of `m` consecutive rows and columns into
    slices of `v` columns. In every (row group, slice) cell exactly `n` of the `m` rows
    are selected; inside a selected row every aligned group of 4 columns keeps at most
    2 non-zeros (the 2:4 pattern of the Sparse Tensor Core). Density is (n/m)/2.

    Constraints: (F1) 1 <= n <= m; (F2) v is a positive multiple of 32, the K of one
    `mma.sp` step for 16-bit types; (F3) m <= 256 (row indices are stored as i8).

    Example:
    ```mlir
    #samoyeds.format<n = 1, m = 2, v = 128>
    ```
  }];
  let parameters = (ins "int64_t":$n, "int64_t":$m, "int64_t":$v);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Density of kept values: (n / m) / 2.
    double getDensity() const { return double(getN()) / double(getM()) / 2.0; }
  }];
}

def Samoyeds_Scoring : I32EnumAttr<"Scoring", "router scoring function", [
    I32EnumAttrCase<"softmax", 0>, I32EnumAttrCase<"sigmoid", 1>]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::samoyeds";
}
def Samoyeds_ScoringAttr : EnumAttr<Samoyeds_Dialect, Samoyeds_Scoring, "scoring"> {
  let assemblyFormat = "`<` $value `>`";
}

def Samoyeds_Epilogue : I32EnumAttr<"Epilogue", "fused ssmm epilogue", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"silu_mul", 1>]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::samoyeds";
}
def Samoyeds_EpilogueAttr : EnumAttr<Samoyeds_Dialect, Samoyeds_Epilogue, "epilogue"> {
  let assemblyFormat = "`<` $value `>`";
}

def Samoyeds_KernelFamily : I32EnumAttr<"KernelFamily", "sparse MMA instruction family of a kernel", [
    I32EnumAttrCase<"mma_sp", 0>, I32EnumAttrCase<"wgmma_sp", 1>]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::samoyeds";
}
def Samoyeds_KernelSchedule : I32EnumAttr<"KernelSchedule", "how a kernel's blocks walk its tiles", [
    I32EnumAttrCase<"grid", 0>, I32EnumAttrCase<"persistent", 1>,
    I32EnumAttrCase<"warp_specialized", 2>]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::samoyeds";
}

def Samoyeds_KernelConfigAttr : Samoyeds_Attr<"KernelConfig", "kernel_config"> {
  let summary = "The GPU kernel configuration of one samoyeds.ssmm";
  let description = [{
    How the GPU lowering builds the kernel of an `ssmm`: the sparse MMA
    instruction `family` (`mma_sp`: `mma.sp.sync`, sm_80 and newer; `wgmma_sp`:
    `wgmma.mma_async.sp`, sm_90a), the warp tile (`warp_m` condensed weight rows
    by `warp_n` list entries), the warps of a block along rows and tokens, the
    depth of the copy pipeline (`stages`), the logical K columns per stage
    (`block_k`), the number of K splits (`split_k`) and the `schedule` (`grid`: a
    block per tile; `persistent`: a block per SM walking the tiles;
    `warp_specialized`, wgmma_sp only: a block per tile with a producer
    warpgroup that only copies and MMA warpgroups that only multiply,
    handing stages over through mbarriers). The token
    tile of the kernel is `warp_n * warps_n`: the list's dispatch tile must be a
    multiple of it. `decode_tile` (0: none) asks for a second kernel of the
    same rows, stages, block_k and split_k with a token tile of `decode_tile`
    list entries (warps_n = 1), launched instead of the first when a call
    routes few tokens (docs/kernel.md, section 14); it divides the token tile.
    `stream_tokens` (0: none) asks for a third kernel without tensor cores, FP32
    FMAs streaming the weight with 16-byte loads, `stream_tokens` list entries at
    a time (docs/kernel.md, section 16), launched instead of the others when a call
    routes at most `stream_tokens` pairs per expert (for `undef_padding` ops).

    `samoyeds-select-kernel-config` sets it on every ssmm that has none; an
    attribute already there is kept. Whether a configuration can run a given
    op on a given chip (divisibility, registers, shared memory) is checked by
    that pass and by the GPU lowering; the attribute itself only checks its
    ranges.

    Constraints: (K1) warp_m, warp_n in [1, 256]; warps_m, warps_n in [1, 32];
    stages in [2, 16]; block_k is 32, 64 or 128; split_k in [1, 64];
    decode_tile 0 or a multiple of 8 in [8, 256]; stream_tokens in [0, 8].

    Example:
    ```mlir
    #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2,
                            warps_n = 2, stages = 4, block_k = 64>
    ```
  }];
  let parameters = (ins
    EnumParameter<Samoyeds_KernelFamily>:$family,
    "int64_t":$warp_m, "int64_t":$warp_n, "int64_t":$warps_m, "int64_t":$warps_n,
    "int64_t":$stages, "int64_t":$block_k,
    DefaultValuedParameter<"int64_t", "1">:$split_k,
    DefaultValuedParameter<"::mlir::samoyeds::KernelSchedule",
                           "::mlir::samoyeds::KernelSchedule::grid">:$schedule,
    DefaultValuedParameter<"int64_t", "0">:$decode_tile,
    DefaultValuedParameter<"int64_t", "0">:$stream_tokens);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// List entries per block: the tile the dispatch list must be padded to.
    int64_t getTokenTile() const { return getWarpN() * getWarpsN(); }
  }];
}

#endif // SAMOYEDS_ATTRS_TD
