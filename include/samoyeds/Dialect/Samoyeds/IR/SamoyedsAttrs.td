// Attributes and enums of the samoyeds dialect: the weight format, router scoring, epilogues.
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

#endif // SAMOYEDS_ATTRS_TD
