// samoyeds-gpu-pipeline: samoyeds level -> gpu.binary + LLVM host code.
#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("Target chip: sm_90a, sm_80, ..."),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Binary format as gpu-module-to-binary: isa (PTX), bin "
                     "(cubin), fatbin"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<int64_t> warpM{*this, "warp-m",
                                     llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                     llvm::cl::init(0)};
  PassOptions::Option<int64_t> warpN{*this, "warp-n",
                                     llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                     llvm::cl::init(32)};
  PassOptions::Option<int64_t> warpsM{*this, "warps-m",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(0)};
  PassOptions::Option<int64_t> warpsN{*this, "warps-n",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(2)};
  PassOptions::Option<int64_t> stages{*this, "stages",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(4)};
  PassOptions::Option<int64_t> blockK{*this, "block-k",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(64)};
  PassOptions::Option<int64_t> minBlocksPerSM{
      *this, "min-blocks-per-sm", llvm::cl::desc("see convert-samoyeds-to-gpu"),
      llvm::cl::init(0)};
};

/// Public host functions get a C entry point (`_mlir_ciface_<name>`).
struct EmitCInterface : PassWrapper<EmitCInterface, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitCInterface)
  StringRef getDescription() const final {
    return "Give public host functions a C entry point (llvm.emit_c_interface)";
  }
  StringRef getArgument() const final { return "samoyeds-emit-c-interface"; }
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp fn) {
      if (fn.isPublic() && !fn.isExternal())
        fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(fn.getContext()));
    });
  }
};

/// Host-side buffers live on the device: the host code of a compiled layer only
/// launches kernels, and every buffer it allocates is read by a kernel.
/// memref.alloc / dealloc / copy outside GPU code become gpu.alloc / dealloc /
/// memcpy (mgpuMemAlloc: stream-ordered cuMemAllocAsync on the caller's stream).
struct HostBuffersToGPU : PassWrapper<HostBuffersToGPU, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(HostBuffersToGPU)
  StringRef getDescription() const final {
    return "Host-side memref.alloc/dealloc/copy to gpu.alloc/dealloc/memcpy; free temporaries at the end of their block";
  }
  StringRef getArgument() const final { return "samoyeds-gpu-host-buffers"; }
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

/// Tiles every outermost scf.parallel of host code so that its innermost
/// dimension becomes 128 threads (the others one block each): consecutive
/// threads then touch consecutive elements of row-major buffers. (Upstream's
/// parallel-loop tiling takes one list of sizes for loops of every rank.)
struct TileParallelLoopsForThreads
    : PassWrapper<TileParallelLoopsForThreads, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TileParallelLoopsForThreads)
  StringRef getDescription() const final {
    return "Tile outermost scf.parallel loops to 128 threads along their innermost dimension";
  }
  StringRef getArgument() const final { return "samoyeds-tile-parallel-loops"; }
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

void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &opts) {
  samoyeds::addSamoyedsFrontPasses(pm);
  samoyeds::ConvertSamoyedsToGPUOptions conv;
  conv.chip = opts.chip;
  conv.warpM = opts.warpM;
  conv.warpN = opts.warpN;
  conv.warpsM = opts.warpsM;
  conv.warpsN = opts.warpsN;
  conv.stages = opts.stages;
  conv.blockK = opts.blockK;
  conv.minBlocksPerSM = opts.minBlocksPerSM;
  pm.addPass(samoyeds::createConvertSamoyedsToGPU(conv));
  pm.addPass(createCanonicalizerPass());

  samoyeds::addSamoyedsBufferization(pm);
  // Returned buffers become out-parameters written by the kernels in place.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.hoistDynamicAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // The rest of the layer (gate logits, shared-expert gating, conversions):
  // linalg on buffers -> parallel loops -> 128 threads along the innermost
  // dimension, a block per 128 of it and per index of the others ->
  // gpu.launch -> outlined kernels.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(std::make_unique<TileParallelLoopsForThreads>());
  // A func.func pass: nested, so that the pipeline also builds under an
  // explicit builtin.module(...) anchor (mlir-opt --pass-pipeline, plugins).
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(std::make_unique<HostBuffersToGPU>());
  // gpu.alloc / dealloc lower to runtime calls only in their async form: one
  // token chain per function (mgpuStreamCreate returns the caller's stream).
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(std::make_unique<EmitCInterface>());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = opts.chip;
  nvvm.cubinFeatures = "+ptx85";
  nvvm.cubinFormat = opts.format;
  nvvm.optLevel = 3;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}
} // namespace

void mlir::samoyeds::registerSamoyedsGPUPipeline() {
  // The pipeline's own steps, registered so that each can be tested alone.
  PassRegistration<EmitCInterface>();
  PassRegistration<HostBuffersToGPU>();
  PassRegistration<TileParallelLoopsForThreads>();
  PassPipelineRegistration<GPUPipelineOptions>(
      "samoyeds-gpu-pipeline",
      "Compile samoyeds ops to Sparse-Tensor-Core kernels (gpu.binary) and "
      "LLVM host code that launches them",
      buildGPUPipeline);
}
