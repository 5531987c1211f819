//===- ConfigAttr.h - Between #samoyeds.kernel_config and KernelConfig -*- C++ -*-===//
//
// The MLIR face of KernelConfig.h: the problem an ssmm op poses, the
// attribute <-> struct conversion, and the one place that turns a failed
// check into a diagnostic, shared by samoyeds-select-kernel-config and
// convert-samoyeds-to-gpu.
//
//===----------------------------------------------------------------------===//
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_CONFIGATTR_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_CONFIGATTR_H

#include "samoyeds/Conversion/SamoyedsToGPU/KernelConfig.h"
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

::samoyeds::gpu::SsmmProblem problemOf(SsmmOp op);
::samoyeds::gpu::KernelConfig fromAttr(KernelConfigAttr a);
KernelConfigAttr toAttr(MLIRContext *ctx, const ::samoyeds::gpu::KernelConfig &c);

/// The tile options both passes take (0 = chosen), as overrides of the choice.
inline ::samoyeds::gpu::KernelConfig tileOverrides(int64_t warpM, int64_t warpN,
                                                  int64_t warpsM, int64_t warpsN,
                                                  int64_t stages, int64_t blockK,
                                                  int64_t splitK,
                                                  int64_t decodeTile,
                                                  int64_t streamTokens,
                                                  ::samoyeds::gpu::Family family =
                                                      ::samoyeds::gpu::Family::Auto,
                                                  ::samoyeds::gpu::Schedule schedule =
                                                      ::samoyeds::gpu::Schedule::Auto) {
  ::samoyeds::gpu::KernelConfig c;
  c.family = family;
  c.schedule = schedule;
  c.warpM = warpM;
  c.warpN = warpN;
  c.warpsM = warpsM;
  c.warpsN = warpsN;
  c.stages = stages;
  c.blockK = blockK;
  c.splitK = splitK;
  c.decodeTile = decodeTile;
  c.streamTokens = streamTokens;
  return c;
}

/// The `family` option of the passes: "" is chosen (Family::Auto), "mma_sp"
/// and "wgmma_sp" are overrides; anything else is a diagnostic on `where`.
FailureOr<::samoyeds::gpu::Family> parseFamilyOption(Operation *where, StringRef pass,
                                                      StringRef family);

/// The `schedule` option: "" is chosen (Schedule::Auto), "grid" and
/// "warp_specialized" are overrides; anything else is a diagnostic.
FailureOr<::samoyeds::gpu::Schedule> parseScheduleOption(Operation *where, StringRef pass,
                                                         StringRef schedule);

/// The chip's facts, or a diagnostic on `where` (prefixed by `pass`).
std::optional<::samoyeds::gpu::TargetInfo> lookupTarget(Operation *where, StringRef pass,
                                                        StringRef chip);

/// The configuration of `op`: its attribute when present, else the table and
/// heuristic with `overrides`; a diagnostic on `op` when it cannot run there.
FailureOr<::samoyeds::gpu::KernelConfig>
resolveConfig(SsmmOp op, const ::samoyeds::gpu::TargetInfo &target,
              const ::samoyeds::gpu::KernelConfig &overrides);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_CONFIGATTR_H
