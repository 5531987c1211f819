// convert-samoyeds-to-gpu: the pass. It walks the module and hands each op to its lowering.
//
// samoyeds.ssmm -> a Sparse-Tensor-Core kernel + launch, built from the pieces
// of this directory (docs/kernel.md, "Source map"): the spec and its checks
// (KernelSpec.h; the tiling is the op's #samoyeds.kernel_config, chosen and
// checked by KernelConfig.h), the host side (HostLaunch.h), and the body of the
// configuration's instruction family (MmaSp/MmaSpKernel.h: mma.sp, sm_80+;
// WgmmaSp/WgmmaSpKernel.h: wgmma.mma_async.sp, sm_90a).
// route / dispatch / combine and the marked row dot products have their own
// kernels (RoutingKernels.cpp, RowDotKernel.cpp). The fragment and metadata
// facts the kernels rely on are those of docs/ptx-notes.md (mma.sp m16n8k32).
#include "samoyeds/Conversion/Passes.h"
#include "ConfigAttr.h"
#include "HostLaunch.h"
#include "KernelSpec.h"
#include "Kernels.h"
#include "MmaSp/MmaSpKernel.h"
#include "StreamKernel.h"
#include "WgmmaSp/WgmmaSpKernel.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_CONVERTSAMOYEDSTOGPU
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;

namespace {

/// The lowerings take the memref forms, in the default memory space (the
/// host's device buffers). A tensor-form op (or a marked row dot on tensors)
/// is a diagnostic naming the step that should have run first; for an ssmm
/// whose weight has no samoyeds.assemble that one is named first, since
/// bufferization would stop on it too.
LogicalResult checkMemRefForms(ModuleOp module) {
  WalkResult r = module.walk([&](Operation *op) {
    bool ours = isa<RouteOp, DispatchOp, SsmmOp, CombineOp>(op);
    auto generic = dyn_cast<linalg::GenericOp>(op);
    bool rowDot = generic && op->hasAttr("samoyeds.row_dot");
    if (!ours && !rowDot)
      return WalkResult::advance();
    auto dps = dyn_cast<DestinationStyleOpInterface>(op);
    if (dps && !dps.hasPureBufferSemantics()) {
      if (auto ssmm = dyn_cast<SsmmOp>(op))
        if (failed(ssmm.getWeightAssemble("GPU lowering")))
          return WalkResult::interrupt();
      op->emitOpError() << "convert-samoyeds-to-gpu lowers the memref form; run "
                           "one-shot-bufferize first (the tensor form has no "
                           "buffers to write)";
      return WalkResult::interrupt();
    }
    for (Value v : op->getOperands())
      if (auto t = dyn_cast<MemRefType>(v.getType()); t && t.getMemorySpace()) {
        op->emitOpError() << "GPU lowering: buffers must be in the default memory "
                             "space, got "
                          << t;
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

struct ConvertSamoyedsToGPUPass
    : mlir::samoyeds::impl::ConvertSamoyedsToGPUBase<ConvertSamoyedsToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<SsmmOp> ops;
    module.walk([&](SsmmOp op) { ops.push_back(op); });
    bool anyRouting = false;
    module.walk([&](Operation *op) {
      anyRouting |= isa<RouteOp, DispatchOp, CombineOp>(op) ||
                    op->hasAttr("samoyeds.row_dot");
    });
    if (ops.empty() && !anyRouting)
      return;
    // The lowerings read and write buffers: one-shot bufferization runs
    // first (the GPU pipeline's order).
    if (failed(checkMemRefForms(module)))
      return signalPassFailure();
    std::optional<::samoyeds::gpu::TargetInfo> target =
        lookupTarget(module, "convert-samoyeds-to-gpu", chip);
    if (!target)
      return signalPassFailure();

    OpBuilder top(module.getContext());
    gpu::GPUModuleOp gpuModule;
    module.walk([&](gpu::GPUModuleOp m) {
      if (m.getName() == "samoyeds_kernels")
        gpuModule = m;
    });
    if (!gpuModule) {
      top.setInsertionPointToEnd(module.getBody());
      gpuModule = gpu::GPUModuleOp::create(top, module.getLoc(), "samoyeds_kernels");
    }
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    top.getUnitAttr());

    for (SsmmOp op : ops)
      if (failed(lower(op, gpuModule, *target)))
        return signalPassFailure();
    // The routing ops of a decomposed samoyeds.moe.
    SmallVector<Operation *> routing;
    module.walk([&](Operation *op) {
      if (isa<RouteOp, DispatchOp, CombineOp>(op))
        routing.push_back(op);
    });
    // Row dot products marked by samoyeds-decompose-moe (gate logits, shared
    // expert gate): a warp per row instead of a thread per output element.
    SmallVector<linalg::GenericOp> rowDots;
    module.walk([&](linalg::GenericOp op) {
      if (op->hasAttr("samoyeds.row_dot"))
        rowDots.push_back(op);
    });
    for (linalg::GenericOp op : rowDots)
      if (failed(lowerRowDot(op, gpuModule)))
        return signalPassFailure();
    for (Operation *op : routing) {
      LogicalResult r =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case([&](RouteOp o) { return lowerRoute(o, gpuModule); })
              .Case([&](DispatchOp o) { return lowerDispatch(o, gpuModule); })
              .Case([&](CombineOp o) { return lowerCombine(o, gpuModule); });
      if (failed(r))
        return signalPassFailure();
    }
  }

  LogicalResult lower(SsmmOp op, gpu::GPUModuleOp gpuModule,
                      const ::samoyeds::gpu::TargetInfo &target) {
    KernelSpec s;
    s.weight = op.getPackedType();
    s.inputElt = op.getInput().getType().getElementType();
    s.resultElt = op.getResultType().getElementType();
    s.gather = op.getGather();
    s.silu = op.getEpilogue() == Epilogue::silu_mul;
    s.hasScale = op.getScale() != nullptr;
    s.topK = op.getTopK();
    if (!s.resultElt.isF32() && !s.resultElt.isF16() && !s.resultElt.isBF16())
      return op.emitOpError() << "GPU lowering: result element type must be "
                                 "f32, f16 or bf16, got "
                              << s.resultElt;
    // The op's configuration (samoyeds-select-kernel-config), else the
    // table/heuristic with this pass's options as overrides.
    FailureOr<::samoyeds::gpu::Family> fam =
        parseFamilyOption(op, "convert-samoyeds-to-gpu", family);
    FailureOr<::samoyeds::gpu::Schedule> sched =
        parseScheduleOption(op, "convert-samoyeds-to-gpu", schedule);
    if (failed(fam) || failed(sched))
      return failure();
    FailureOr<::samoyeds::gpu::KernelConfig> config = resolveConfig(
        op, target, tileOverrides(warpM, warpN, warpsM, warpsN, stages, blockK,
                                  splitK, decodeTile, streamTokens, *fam, *sched));
    if (failed(config))
      return failure();
    s.tiling() = *config;
    s.orderedMetadata = target.orderedMetadata;
    // A block must not span two experts' segments: with the list from a
    // dispatch the contract is checked here, at compile time (a list from
    // elsewhere keeps the kernel's run-time NaN poisoning of such tiles).
    if (DispatchOp d = listDispatch(op))
      if (d.getTile() % s.blockN())
        return op.emitOpError()
               << "GPU lowering: the dispatch tile (" << d.getTile()
               << ") is not a multiple of the kernel's token tile (" << s.blockN()
               << "); run samoyeds-select-kernel-config, which sets it";

    // Host side: the operand and outs buffers, in kernel-argument order.
    OpBuilder hb(op);
    SsmmBuffers buffers = createSsmmBuffers(hb, op, s);

    // The kernels (one per distinct configuration): the op's, and with a
    // decode tile one for few routed pairs (docs/kernel.md, section 14).
    // Arguments per kernel: a decode kernel may split K where the main one
    // does not (a wgmma_sp kernel's decode kernel is an mma_sp one).
    auto kernel = [&](const KernelSpec &ks) {
      return getOrCreateKernel(
          gpuModule, op.getLoc(), ks.name(), kernelArgTypes(buffers, ks),
          ArrayRef<int32_t>{int32_t(ks.blockThreads()), 1, 1},
          [&](ImplicitLocOpBuilder &ib, gpu::GPUFuncOp f) {
            if (ks.family == ::samoyeds::gpu::Family::WgmmaSp)
              buildWgmmaSpKernel(ib, ks, f);
            else
              buildMmaSpKernel(ib, ks, f);
            if (minBlocksPerSM > 0)
              f->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                         ib.getI32IntegerAttr(minBlocksPerSM));
          });
    };
    auto kernelsOf = [&](const KernelSpec &ks) { return SsmmKernel{ks, kernel(ks)}; };
    SmallVector<SsmmKernel> kernels = {kernelsOf(s)};
    if (std::optional<::samoyeds::gpu::KernelConfig> d =
            ::samoyeds::gpu::decodeConfig(problemOf(op), target, s.tiling())) {
      KernelSpec ds = s;
      ds.tiling() = *d;
      kernels.push_back(kernelsOf(ds));
    }

    // With stream_tokens, the kernel for a token or two per expert (section
    // 16); it writes routed rows only (checkConfig: undef_padding).
    std::optional<SsmmKernel> stream;
    if (s.streamTokens > 0) {
      KernelSpec ss = s;
      // Its arguments: those of a kernel without split-K and without TMA
      // (it reads the weight with plain loads; a warp-specialised wgmma.sp
      // configuration would give it the tensor maps that its launch does
      // not pass).
      ss.splitK = 1;
      ss.schedule = ::samoyeds::gpu::Schedule::Grid;
      auto fn = getOrCreateKernel(
          gpuModule, op.getLoc(), streamKernelName(ss), kernelArgTypes(buffers, ss),
          ArrayRef<int32_t>{int32_t(32 * kStreamWarps), 1, 1},
          [&](ImplicitLocOpBuilder &ib, gpu::GPUFuncOp f) { buildStreamKernel(ib, ss, f); });
      stream = SsmmKernel{ss, fn};
    }

    // After the op, which the launch erases: the copy into an outs buffer
    // of another layout.
    OpBuilder after(op->getContext());
    after.setInsertionPointAfter(op);
    Value init = op.getInit();
    launchSsmmAndReplace(hb, op, kernels, stream ? &*stream : nullptr, buffers, target);
    finishOutput(after, after.getUnknownLoc(), buffers.out, init);
    return success();
  }
};

} // namespace
