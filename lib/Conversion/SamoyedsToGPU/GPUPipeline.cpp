// samoyeds-gpu-pipeline: samoyeds level -> gpu.binary + LLVM host code.
#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
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
};

/// Public host functions get a C entry point (`_mlir_ciface_<name>`).
struct EmitCInterface : PassWrapper<EmitCInterface, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitCInterface)
  StringRef getArgument() const final { return "samoyeds-emit-c-interface"; }
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp fn) {
      if (fn.isPublic() && !fn.isExternal())
        fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(fn.getContext()));
    });
  }
};

void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &opts) {
  pm.addPass(samoyeds::createSamoyedsDecomposeMoe());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(samoyeds::createSamoyedsExpandStorage());
  samoyeds::ConvertSamoyedsToGPUOptions conv;
  conv.chip = opts.chip;
  conv.warpM = opts.warpM;
  conv.warpN = opts.warpN;
  conv.warpsM = opts.warpsM;
  conv.warpsN = opts.warpsN;
  conv.stages = opts.stages;
  conv.blockK = opts.blockK;
  pm.addPass(samoyeds::createConvertSamoyedsToGPU(conv));
  pm.addPass(createCanonicalizerPass());

  bufferization::OneShotBufferizePassOptions buf;
  buf.bufferizeFunctionBoundaries = true;
  buf.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(buf));
  // Returned buffers become out-parameters written by the kernels in place.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.hoistDynamicAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
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
  PassPipelineRegistration<GPUPipelineOptions>(
      "samoyeds-gpu-pipeline",
      "Compile samoyeds ops to Sparse-Tensor-Core kernels (gpu.binary) and "
      "LLVM host code that launches them",
      buildGPUPipeline);
}
