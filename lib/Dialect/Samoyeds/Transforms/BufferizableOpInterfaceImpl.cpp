// One-shot bufferization of route, dispatch, ssmm and combine into their
// memref forms (SamoyedsOps.td), the destination-style way: every result is
// written into the buffer of its `outs` init, in place when the analysis
// allows it and into a copy otherwise.
//
// The ops overwrite every element of their results, so an init is written
// but never read: an init whose tensor is read later costs a fresh buffer,
// not a copy of its contents.
//
// ssmm's packed weight is not a tensor: one-shot bufferization does not see
// it. Its memref form takes the three storage buffers instead, those of the
// `samoyeds.assemble` that builds the weight (samoyeds-expand-storage makes
// one of every packed function argument, canonicalize one of every constant
// pack). The assemble's model only declares that it reads its storage (so
// the analysis keeps the storage intact up to there); the ssmm models
// bufferize through it and erase it with its last user. A weight built
// otherwise is a diagnostic. Limitation: the analysis sees the storage read
// at the assemble, not at the ssmm; a write into a storage tensor between
// the two is not detected (no producer here writes weights).
#include "samoyeds/Dialect/Samoyeds/Transforms/BufferizableOpInterfaceImpl.h"
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::samoyeds;

namespace {

/// The buffers of `values` (tensors; null stays null).
FailureOr<SmallVector<Value>> buffersOf(RewriterBase &rewriter, ValueRange values,
                                        const BufferizationOptions &options,
                                        const BufferizationState &state) {
  SmallVector<Value> out;
  for (Value v : values) {
    if (!v) {
      out.push_back(Value());
      continue;
    }
    FailureOr<Value> buf = getBuffer(rewriter, v, options, state);
    if (failed(buf))
      return failure();
    out.push_back(*buf);
  }
  return out;
}

/// Shared by the four ops: inputs are read, inits only written, and each
/// init's buffer is its result's.
template <typename ConcreteModel, typename OpTy>
struct SamoyedsDstModel : DstBufferizableOpInterfaceExternalModel<ConcreteModel, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }
};

struct RouteModel : SamoyedsDstModel<RouteModel, RouteOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto op = cast<RouteOp>(o);
    FailureOr<SmallVector<Value>> ins =
        buffersOf(rewriter, {op.getLogits(), op.getBias()}, options, state);
    FailureOr<SmallVector<Value>> inits =
        buffersOf(rewriter, op.getInits(), options, state);
    if (failed(ins) || failed(inits))
      return failure();
    RouteOp::create(rewriter, op.getLoc(), Type(), Type(), (*ins)[0], (*ins)[1],
                    op.getTopKAttr(), op.getScoringAttr(),
                    op.getRenormalizeAttr(), op.getNGroupAttr(),
                    op.getTopkGroupAttr(), op.getScalingFactorAttr(), *inits);
    replaceOpWithBufferizedValues(rewriter, op, *inits);
    return success();
  }
};

struct DispatchModel : SamoyedsDstModel<DispatchModel, DispatchOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto op = cast<DispatchOp>(o);
    FailureOr<SmallVector<Value>> ids =
        buffersOf(rewriter, {op.getIndices()}, options, state);
    FailureOr<SmallVector<Value>> inits =
        buffersOf(rewriter, op.getInits(), options, state);
    if (failed(ids) || failed(inits))
      return failure();
    DispatchOp::create(rewriter, op.getLoc(), Type(), Type(), Type(), (*ids)[0],
                       op.getNumExpertsAttr(), op.getTileAttr(), *inits);
    replaceOpWithBufferizedValues(rewriter, op, *inits);
    return success();
  }
};

struct SsmmModel : SamoyedsDstModel<SsmmModel, SsmmOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto op = cast<SsmmOp>(o);
    FailureOr<AssembleOp> weight = op.getWeightAssemble("bufferization");
    if (failed(weight))
      return failure();
    AssembleOp assemble = *weight;
    FailureOr<SmallVector<Value>> storage =
        buffersOf(rewriter,
                  {assemble.getValues(), assemble.getMetadata(),
                   assemble.getRowIndices()},
                  options, state);
    FailureOr<SmallVector<Value>> ins = buffersOf(
        rewriter, {op.getInput(), op.getList(), op.getOffsets(), op.getScale(),
                   op.getInit()},
        options, state);
    if (failed(storage) || failed(ins))
      return failure();
    SsmmOp::create(rewriter, op.getLoc(), Type(), Value(), *storage, (*ins)[0],
                   (*ins)[1], (*ins)[2], (*ins)[3], op.getTopKAttr(),
                   op.getGatherAttr(), op.getEpilogueAttr(), op.getConfigAttr(),
                   op.getUndefPaddingAttr(),
                   TypeAttr::get(op.getWeight().getType()), (*ins)[4]);
    replaceOpWithBufferizedValues(rewriter, op, (*ins)[4]);
    if (assemble->use_empty())
      rewriter.eraseOp(assemble);
    return success();
  }
};

struct CombineModel : SamoyedsDstModel<CombineModel, CombineOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto op = cast<CombineOp>(o);
    FailureOr<SmallVector<Value>> ins = buffersOf(
        rewriter, {op.getRows(), op.getList(), op.getWeights(), op.getInit()},
        options, state);
    if (failed(ins))
      return failure();
    CombineOp::create(rewriter, op.getLoc(), Type(), (*ins)[0], (*ins)[1],
                      (*ins)[2], op.getWeightedAttr(), (*ins)[3]);
    replaceOpWithBufferizedValues(rewriter, op, (*ins)[3]);
    return success();
  }
};

/// The weight's storage is read (by the ssmm users, which bufferize through
/// the assemble and erase it); nothing is written or aliased.
struct AssembleModel
    : BufferizableOpInterface::ExternalModel<AssembleModel, AssembleOp> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &,
                              const AnalysisState &) const {
    return true;
  }
  bool bufferizesToMemoryWrite(Operation *, OpOperand &,
                               const AnalysisState &) const {
    return false;
  }
  AliasingValueList getAliasingValues(Operation *, OpOperand &,
                                      const AnalysisState &) const {
    return {};
  }
  LogicalResult bufferize(Operation *op, RewriterBase &,
                          const BufferizationOptions &,
                          BufferizationState &) const {
    for (Operation *user : op->getUsers())
      if (!isa<SsmmOp>(user))
        return op->emitOpError()
               << "bufferization: a packed weight can only be used by "
                  "samoyeds.ssmm here, not by "
               << user->getName()
               << " (lower samoyeds.unpack before bufferization)";
    // Left to its ssmm users.
    return success();
  }
};

} // namespace

void mlir::samoyeds::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, SamoyedsDialect *) {
    RouteOp::attachInterface<RouteModel>(*ctx);
    DispatchOp::attachInterface<DispatchModel>(*ctx);
    SsmmOp::attachInterface<SsmmModel>(*ctx);
    CombineOp::attachInterface<CombineModel>(*ctx);
    AssembleOp::attachInterface<AssembleModel>(*ctx);
  });
}
