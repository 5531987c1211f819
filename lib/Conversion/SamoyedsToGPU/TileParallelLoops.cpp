// samoyeds-tile-parallel-loops: tile each outermost host scf.parallel so that its innermost dimension maps to 128 threads.
//
// Consecutive threads then touch consecutive elements of row-major buffers
// (the other dimensions get one block per index). Upstream's parallel-loop
// tiling takes one list of sizes for loops of every rank, so it cannot say
// "128 along the last dimension" for loops of different ranks.
#include "samoyeds/Conversion/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSTILEPARALLELLOOPS
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;

namespace {
struct TileParallelLoopsForThreads
    : samoyeds::impl::SamoyedsTileParallelLoopsBase<TileParallelLoopsForThreads> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          !op->getParentOfType<gpu::GPUModuleOp>())
        loops.push_back(op);
    });
    for (scf::ParallelOp op : loops) {
      SmallVector<int64_t> sizes(op.getNumLoops(), 1);
      sizes.back() = 128;
      scf::tileParallelLoop(op, sizes, /*noMinMaxBounds=*/true);
    }
  }
};
} // namespace
