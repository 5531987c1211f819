// samoyeds-lower-to-loops: samoyeds ops -> scf loops over memrefs (CPU reference).
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSLOWERTOLOOPS
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {
struct SamoyedsLowerToLoopsPass
    : mlir::samoyeds::impl::SamoyedsLowerToLoopsBase<SamoyedsLowerToLoopsPass> {
  void runOnOperation() override {}
};
} // namespace
