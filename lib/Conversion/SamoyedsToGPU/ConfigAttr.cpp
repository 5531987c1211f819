//===- ConfigAttr.cpp - Between #samoyeds.kernel_config and KernelConfig ---===//
#include "ConfigAttr.h"

using namespace mlir;
using namespace mlir::samoyeds;
namespace sg = ::samoyeds::gpu;

sg::SsmmProblem gpukernels::problemOf(SsmmOp op) {
  PackedType w = op.getPackedType();
  sg::SsmmProblem p;
  p.rows = w.getRows();
  p.cols = w.getCols();
  p.experts = w.hasExpertDim() ? w.getShape().front() : 0;
  p.n = w.getFormat().getN();
  p.m = w.getFormat().getM();
  p.v = w.getFormat().getV();
  p.silu = op.getEpilogue() == Epilogue::silu_mul;
  int64_t len = op.getList().getType().getDimSize(0);
  p.listLen = ShapedType::isDynamic(len) ? -1 : len;
  p.undefPadding = op.getUndefPadding();
  return p;
}

sg::KernelConfig gpukernels::fromAttr(KernelConfigAttr a) {
  sg::KernelConfig c;
  c.family = a.getFamily() == KernelFamily::wgmma_sp ? sg::Family::WgmmaSp
                                                      : sg::Family::MmaSp;
  c.warpM = a.getWarpM();
  c.warpN = a.getWarpN();
  c.warpsM = a.getWarpsM();
  c.warpsN = a.getWarpsN();
  c.stages = a.getStages();
  c.blockK = a.getBlockK();
  c.splitK = a.getSplitK();
  switch (a.getSchedule()) {
  case KernelSchedule::grid: c.schedule = sg::Schedule::Grid; break;
  case KernelSchedule::persistent: c.schedule = sg::Schedule::Persistent; break;
  case KernelSchedule::warp_specialized: c.schedule = sg::Schedule::WarpSpecialized; break;
  }
  c.decodeTile = a.getDecodeTile();
  c.streamTokens = a.getStreamTokens();
  return c;
}

KernelConfigAttr gpukernels::toAttr(MLIRContext *ctx, const sg::KernelConfig &c) {
  return KernelConfigAttr::get(
      ctx, c.family == sg::Family::WgmmaSp ? KernelFamily::wgmma_sp : KernelFamily::mma_sp,
      c.warpM, c.warpN, c.warpsM, c.warpsN, c.stages, c.blockK, c.splitK,
      c.schedule == sg::Schedule::Persistent        ? KernelSchedule::persistent
      : c.schedule == sg::Schedule::WarpSpecialized ? KernelSchedule::warp_specialized
                                                    : KernelSchedule::grid,
      c.decodeTile, c.streamTokens);
}

std::optional<sg::TargetInfo> gpukernels::lookupTarget(Operation *where, StringRef pass,
                                                       StringRef chip) {
  std::string error;
  std::optional<sg::TargetInfo> t = sg::lookupTarget(chip.str(), error);
  if (!t)
    where->emitError() << pass << ": " << error;
  return t;
}

FailureOr<sg::Family> gpukernels::parseFamilyOption(Operation *where, StringRef pass,
                                                    StringRef family) {
  if (family.empty())
    return sg::Family::Auto;
  if (family == "mma_sp")
    return sg::Family::MmaSp;
  if (family == "wgmma_sp")
    return sg::Family::WgmmaSp;
  where->emitError() << pass << ": family '" << family
                     << "' is not one of mma_sp, wgmma_sp";
  return failure();
}

FailureOr<sg::Schedule> gpukernels::parseScheduleOption(Operation *where, StringRef pass,
                                                        StringRef schedule) {
  if (schedule.empty())
    return sg::Schedule::Auto;
  if (schedule == "grid")
    return sg::Schedule::Grid;
  if (schedule == "warp_specialized")
    return sg::Schedule::WarpSpecialized;
  where->emitError() << pass << ": schedule '" << schedule
                     << "' is not one of grid, warp_specialized";
  return failure();
}

FailureOr<sg::KernelConfig> gpukernels::resolveConfig(SsmmOp op,
                                                      const sg::TargetInfo &target,
                                                      const sg::KernelConfig &overrides) {
  sg::SsmmProblem p = problemOf(op);
  sg::KernelConfig c = op.getConfigAttr() ? fromAttr(op.getConfigAttr())
                                          : sg::selectConfig(p, target, overrides);
  std::string msg = sg::checkConfig(p, target, c);
  if (!msg.empty())
    return op.emitOpError() << "GPU lowering: " << msg;
  return c;
}
