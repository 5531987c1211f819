// The samoyeds dialect definition.
#ifndef SAMOYEDS_BASE_TD
#define SAMOYEDS_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Samoyeds_Dialect : Dialect {
  let name = "samoyeds";
  let cppNamespace = "::mlir::samoyeds";
  let summary = "Dual-side structured-sparse Mixture-of-Experts computation";
  let description = [{
    The `samoyeds` dialect represents Mixture-of-Experts (MoE) layers whose expert
    weights are pruned to a structured sparse format that NVIDIA Sparse Tensor Cores
    execute (`mma.sp`), multiplied by the tokens that the router sends to each expert
    (the sparse activation side). Ops have value semantics on tensors; the weight format
    is the `#samoyeds.format` attribute and a packed weight is a `!samoyeds.packed` value.
    See docs/format.md for the byte layout of a packed weight and docs/pipeline.md for
    the passes.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect"];
  let hasCanonicalizer = 0;
}

class Samoyeds_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Samoyeds_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class Samoyeds_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Samoyeds_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

class Samoyeds_Op<string mnemonic, list<Trait> traits = []>
    : Op<Samoyeds_Dialect, mnemonic, traits>;

#endif // SAMOYEDS_BASE_TD
