// samoyeds-check-dim-indices: a tensor.dim / memref.dim of a negative constant
// index is a diagnostic (Passes.td says why: an upstream crash it keeps out).
#include "samoyeds/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSCHECKDIMINDICES
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;

namespace {
struct SamoyedsCheckDimIndicesPass
    : mlir::samoyeds::impl::SamoyedsCheckDimIndicesBase<SamoyedsCheckDimIndicesPass> {
  void runOnOperation() override {
    WalkResult r = getOperation().walk([](Operation *op) {
      std::optional<int64_t> index;
      if (auto d = dyn_cast<memref::DimOp>(op))
        index = d.getConstantIndex();
      else if (auto d = dyn_cast<tensor::DimOp>(op))
        index = d.getConstantIndex();
      if (!index || *index >= 0)
        return WalkResult::advance();
      op->emitOpError() << "dimension index " << *index
                        << " is out of range (the GPU pipeline refuses it: "
                           "upstream's canonicalization of memref.dim would "
                           "crash on it)";
      return WalkResult::interrupt();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
