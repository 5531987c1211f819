//===- SelectKernelConfig.cpp - samoyeds-select-kernel-config -------------===//
//
// Puts the kernel configuration of every ssmm into the IR, and makes each
// dispatch's padding tile agree with the token tiles of the kernels that read
// its list: a contract that was only a convention (a mismatch showed up at run
// time as NaN rows) becomes a compile-time fact.
//
//===----------------------------------------------------------------------===//
#include "ConfigAttr.h"
#include "samoyeds/Conversion/Passes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <numeric>

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSSELECTKERNELCONFIG
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;
namespace sg = ::samoyeds::gpu;

namespace {

/// Re-types the static list of `d` for `tile`, and the static results of the
/// ssmm ops that read it (their row count is the list length, C3/C4 of ssmm),
/// transitively through compact inputs. Fails on any other user of a value
/// whose type would change.
LogicalResult retile(DispatchOp d, int64_t tile) {
  auto listType = d.getList().getType();
  int64_t oldLen = listType.getDimSize(0);
  d.setTile(tile);
  if (ShapedType::isDynamic(oldLen))
    return success();
  auto idsType = d.getIndices().getType();
  if (!idsType.hasStaticShape())
    return d.emitOpError() << "dispatch tile must become " << tile
                           << " (the token tile of the kernels reading the list), "
                              "but the list has a static length ("
                           << oldLen << ") while T is dynamic; give the list a "
                                        "dynamic length";
  // Static list: T and k are static (the verifier ties the length to them).
  std::optional<int64_t> padding = llvm::checkedMul<int64_t>(int64_t(d.getNumExperts()), tile - 1);
  std::optional<int64_t> len =
      padding ? llvm::checkedAdd(idsType.getDimSize(0) * idsType.getDimSize(1), *padding)
              : std::nullopt;
  if (!len || *len > std::numeric_limits<int32_t>::max())
    return d.emitOpError() << "dispatch tile " << tile
                           << " (the kernels' token tile) makes the list longer than "
                              "2^31-1 entries";
  SmallVector<Value> changed;
  auto retype = [&](Value v, int64_t rows) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(t.getShape());
    shape[0] = rows;
    v.setType(t.clone(shape));
    changed.push_back(v);
    // The tied `outs` init must have the result's type: a fresh empty one
    // (these ops overwrite their init entirely, so its contents do not
    // matter; a dead old init folds away).
    auto result = cast<OpResult>(v);
    auto dps = cast<DestinationStyleOpInterface>(result.getOwner());
    OpBuilder b(result.getOwner());
    dps.getTiedOpOperand(result)->set(tensor::EmptyOp::create(
        b, result.getOwner()->getLoc(), shape, t.getElementType()));
  };
  retype(d.getList(), *len);
  for (size_t i = 0; i < changed.size(); ++i) {
    for (OpOperand &use : changed[i].getUses()) {
      Operation *user = use.getOwner();
      if (auto s = dyn_cast<SsmmOp>(user)) {
        if (s.getResult().getType().getDimSize(0) == oldLen &&
            !llvm::is_contained(changed, s.getResult()))
          retype(s.getResult(), *len);
        continue;
      }
      if (isa<CombineOp>(user))
        continue; // its result is T x H, whatever the list length
      return d.emitOpError()
             << "dispatch tile must become " << tile
             << " (the token tile of the kernels reading the list), which changes "
                "the static list length from "
             << oldLen << " to " << *len << ", but a value of that length is used by '"
             << user->getName() << "'; give the list a dynamic length or set the tile";
    }
  }
  return success();
}

struct SelectKernelConfigPass
    : mlir::samoyeds::impl::SamoyedsSelectKernelConfigBase<SelectKernelConfigPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<SsmmOp> ssmms;
    module.walk([&](SsmmOp op) { ssmms.push_back(op); });
    if (ssmms.empty())
      return;
    std::optional<sg::TargetInfo> target =
        gpukernels::lookupTarget(module, "samoyeds-select-kernel-config", chip);
    if (!target)
      return signalPassFailure();
    FailureOr<sg::Family> fam =
        gpukernels::parseFamilyOption(module, "samoyeds-select-kernel-config", family);
    FailureOr<sg::Schedule> sched =
        gpukernels::parseScheduleOption(module, "samoyeds-select-kernel-config", schedule);
    if (failed(fam) || failed(sched))
      return signalPassFailure();
    sg::KernelConfig overrides = gpukernels::tileOverrides(
        warpM, warpN, warpsM, warpsN, stages, blockK, splitK, decodeTile, streamTokens, *fam,
        *sched);
    bool failed = false;
    // The dispatch retiling re-types tensors: the pass runs before
    // bufferization.
    for (SsmmOp op : ssmms)
      if (!op.hasPureTensorSemantics()) {
        op.emitOpError() << "samoyeds-select-kernel-config runs on the tensor "
                            "form, before bufferization";
        return signalPassFailure();
      }
    for (SsmmOp op : ssmms) {
      FailureOr<sg::KernelConfig> c = gpukernels::resolveConfig(op, *target, overrides);
      if (::mlir::failed(c)) {
        failed = true;
        continue;
      }
      if (!op.getConfigAttr())
        op.setConfigAttr(gpukernels::toAttr(&getContext(), *c));
    }
    if (failed)
      return signalPassFailure();

    // Dispatch tiles: the lcm of the token tiles of the kernels reading the list.
    SmallVector<DispatchOp> dispatches;
    module.walk([&](DispatchOp d) { dispatches.push_back(d); });
    for (DispatchOp d : dispatches) {
      int64_t tile = 1;
      for (Operation *user : d.getList().getUsers())
        if (auto s = dyn_cast<SsmmOp>(user))
          if (s.getList() == d.getList())
            tile = std::lcm(tile, s.getConfigAttr().getTokenTile());
      if (tile == 1 || tile == d.getTile())
        continue;
      if (::mlir::failed(retile(d, tile)))
        return signalPassFailure();
    }
  }
};

} // namespace
