// samoyeds-gpu-host-buffers: host-side memref.alloc / dealloc / copy become gpu.alloc / dealloc / memcpy.
//
// Host-side buffers live on the device: the host code of a compiled layer
// only launches kernels, and every buffer it allocates is read by a kernel.
// gpu.alloc lowers to mgpuMemAlloc: stream-ordered cuMemAllocAsync on the
// caller's stream.
#include "samoyeds/Conversion/Passes.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSGPUHOSTBUFFERS
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;

namespace {
struct HostBuffersToGPU
    : samoyeds::impl::SamoyedsGPUHostBuffersBase<HostBuffersToGPU> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (op->getParentOfType<gpu::GPUModuleOp>() ||
          op->getParentOfType<gpu::LaunchOp>())
        return;
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto a = dyn_cast<memref::AllocOp>(op)) {
        auto g = gpu::AllocOp::create(b, loc, a.getType(), Type(), ValueRange{},
                                      a.getDynamicSizes(), a.getSymbolOperands(),
                                      /*hostShared=*/false);
        a.replaceAllUsesWith(g.getMemref());
        // Temporaries die at the end of their block: frees are stream-ordered
        // (cuMemFreeAsync), so they follow the kernels that use the buffer.
        // (Upstream's ownership-based deallocation rejects gpu.launch_func,
        // whose memory effects are unknown.)
        Operation *term = g->getBlock()->getTerminator();
        bool escapes = llvm::is_contained(term->getOperands(), g.getMemref());
        bool freed = llvm::any_of(g.getMemref().getUsers(), [](Operation *u) {
          return isa<memref::DeallocOp, gpu::DeallocOp>(u);
        });
        if (!escapes && !freed) {
          b.setInsertionPoint(term);
          gpu::DeallocOp::create(b, loc, Type(), ValueRange{}, g.getMemref());
        }
      } else if (auto d = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(b, loc, Type(), ValueRange{}, d.getMemref());
      } else if (auto c = dyn_cast<memref::CopyOp>(op)) {
        gpu::MemcpyOp::create(b, loc, Type(), ValueRange{}, c.getTarget(),
                              c.getSource());
      }
      op->erase();
    }
  }
};
} // namespace
