// Types of the samoyeds dialect: the packed (pruned and compressed) weight.
#ifndef SAMOYEDS_TYPES_TD
#define SAMOYEDS_TYPES_TD

include "samoyeds/Dialect/Samoyeds/IR/SamoyedsAttrs.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def Samoyeds_PackedType : Samoyeds_Type<"Packed", "packed"> {
  let summary = "A weight pruned and compressed to a #samoyeds.format";
  let description = [{
    The logical shape is `[E x] R x C` (an optional leading expert dimension, then
    R output rows and C input columns, the reduction dimension). Element type f16 or
    bf16. The value is stored as three arrays (docs/format.md): `values`
    `[E x] (R*n/m) x (C/2)` of the element type, `metadata`
    `[E x] (R*n/m) x (C/16)` of i16 and `row_indices` `[E x] (C/v) x (R*n/m)` of i8.

    Constraints: (P1) rank 2 or 3, all sizes static and positive; (P2) element type f16
    or bf16; (P3) R is a multiple of m; (P4) C is a multiple of v; (P5) the element
    count `[E x] R x C` fits in int64; and the format's own F1-F3.

    Example:
    ```mlir
    !samoyeds.packed<8x28672x4096xbf16, #samoyeds.format<n = 1, m = 2, v = 128>>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape, "Type":$elementType,
                        "FormatAttr":$format);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let skipDefaultBuilders = 0;
  let extraClassDeclaration = [{
    bool hasExpertDim() const { return getShape().size() == 3; }
    int64_t getNumExperts() const { return hasExpertDim() ? getShape()[0] : 1; }
    int64_t getRows() const { return getShape()[getShape().size() - 2]; }
    int64_t getCols() const { return getShape().back(); }
    int64_t getCondensedRows() const {
      return getRows() / getFormat().getM() * getFormat().getN();
    }
    int64_t getNumSlices() const { return getCols() / getFormat().getV(); }
    /// The dense tensor type this weight is the packed form of.
    ::mlir::RankedTensorType getDenseType() const;
    /// The three storage tensor types (docs/format.md).
    ::mlir::RankedTensorType getValuesType() const;
    ::mlir::RankedTensorType getMetadataType() const;
    ::mlir::RankedTensorType getRowIndicesType() const;
  }];
}

#endif // SAMOYEDS_TYPES_TD
