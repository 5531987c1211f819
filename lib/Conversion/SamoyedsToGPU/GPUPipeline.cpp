// samoyeds-gpu-pipeline: samoyeds level -> gpu.binary + LLVM host code.
//
// Only the pipeline is here; its own steps are passes of
// include/samoyeds/Conversion/Passes.td (EmitCInterface.cpp,
// GPUHostBuffers.cpp, TileParallelLoops.cpp).
#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Conversion/SamoyedsToGPU/TargetInfo.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
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
                                     llvm::cl::init(0)};
  PassOptions::Option<int64_t> warpsM{*this, "warps-m",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(0)};
  PassOptions::Option<int64_t> warpsN{*this, "warps-n",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(0)};
  PassOptions::Option<int64_t> stages{*this, "stages",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(0)};
  PassOptions::Option<int64_t> blockK{*this, "block-k",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(0)};
  PassOptions::Option<int64_t> splitK{*this, "split-k",
                                      llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                      llvm::cl::init(0)};
  PassOptions::Option<int64_t> decodeTile{*this, "decode-tile",
                                          llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                          llvm::cl::init(0)};
  PassOptions::Option<int64_t> streamTokens{*this, "stream-tokens",
                                            llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                            llvm::cl::init(0)};
  PassOptions::Option<std::string> family{*this, "family",
                                          llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                          llvm::cl::init("")};
  PassOptions::Option<std::string> schedule{*this, "schedule",
                                            llvm::cl::desc("see convert-samoyeds-to-gpu"),
                                            llvm::cl::init("")};
  PassOptions::Option<int64_t> minBlocksPerSM{
      *this, "min-blocks-per-sm", llvm::cl::desc("see convert-samoyeds-to-gpu"),
      llvm::cl::init(0)};
};

/// Upstream's gpu-lower-to-nvvm-pipeline (buildLowerToNVVMPassPipeline)
/// with one step more: samoyeds-grid-constant-args right after
/// convert-gpu-to-nvvm, which makes the kernels' TMA descriptor arguments
/// __grid_constant__ parameters (Passes.td). Every other step, and its order,
/// is MLIR 22's (read off libMLIRGPUPipelines.a: the PTX of kernels without
/// TMA arguments is byte-identical to the upstream pipeline's).
void addLowerToNVVM(OpPassManager &pm, const gpu::GPUToNVVMPipelineOptions &o) {
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.triple = o.cubinTriple;
  target.chip = o.cubinChip;
  target.features = o.cubinFeatures;
  target.optLevel = o.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  ConvertIndexToLLVMPassOptions index;
  index.indexBitwidth = o.indexBitWidth;
  pm.addPass(createConvertIndexToLLVMPass(index));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = o.kernelUseBarePtrCallConv;
  toNVVM.indexBitwidth = o.indexBitWidth;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(toNVVM));
  pm.addNestedPass<gpu::GPUModuleOp>(mlir::samoyeds::createSamoyedsGridConstantArgs());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  GpuToLLVMConversionPassOptions toLLVM;
  toLLVM.hostBarePtrCallConv = o.hostUseBarePtrCallConv;
  toLLVM.kernelBarePtrCallConv = o.kernelUseBarePtrCallConv;
  pm.addPass(createGpuToLLVMConversionPass(toLLVM));
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = o.cubinFormat;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &opts) {
  // Before any canonicalize: this pipeline loads the GPU dialect, whose
  // memref.dim canonicalization crashes on a negative index (Passes.td).
  pm.addPass(mlir::samoyeds::createSamoyedsCheckDimIndices());
  mlir::samoyeds::addSamoyedsFrontPasses(pm);
  // Tile options are overrides of the configuration choice; the conversion
  // then reads each op's attribute.
  mlir::samoyeds::SamoyedsSelectKernelConfigOptions selectOpts;
  selectOpts.chip = opts.chip;
  selectOpts.warpM = opts.warpM;
  selectOpts.warpN = opts.warpN;
  selectOpts.warpsM = opts.warpsM;
  selectOpts.warpsN = opts.warpsN;
  selectOpts.stages = opts.stages;
  selectOpts.blockK = opts.blockK;
  selectOpts.splitK = opts.splitK;
  selectOpts.decodeTile = opts.decodeTile;
  selectOpts.streamTokens = opts.streamTokens;
  selectOpts.family = opts.family;
  selectOpts.schedule = opts.schedule;
  pm.addPass(mlir::samoyeds::createSamoyedsSelectKernelConfig(selectOpts));
  // Then everything bufferizes (route, dispatch, ssmm and combine into their
  // memref forms, BufferizableOpInterfaceImpl.cpp; the configuration
  // attributes go along), and the kernels write the outs buffers that
  // bufferization chose. No samoyeds-lower-pack-unpack here: it lowers a
  // pack to calls of the CPU runtime, which cannot read device buffers; a
  // weight is packed ahead of time and comes in as its storage.
  mlir::samoyeds::addSamoyedsBufferization(pm);
  mlir::samoyeds::ConvertSamoyedsToGPUOptions conv;
  conv.chip = opts.chip;
  conv.minBlocksPerSM = opts.minBlocksPerSM;
  pm.addPass(mlir::samoyeds::createConvertSamoyedsToGPU(conv));
  pm.addPass(createCanonicalizerPass());
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
  pm.addPass(mlir::samoyeds::createSamoyedsTileParallelLoops());
  // A func.func pass: nested, so that the pipeline also builds under an
  // explicit builtin.module(...) anchor (mlir-opt --pass-pipeline, plugins).
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(mlir::samoyeds::createSamoyedsGPUHostBuffers());
  // gpu.alloc / dealloc lower to runtime calls only in their async form: one
  // token chain per function (mgpuStreamCreate returns the caller's stream).
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(mlir::samoyeds::createSamoyedsEmitCInterface());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = opts.chip;
  // The chip table owns the PTX version (an unknown chip never gets here:
  // select-kernel-config rejects it with a diagnostic first).
  std::string error;
  std::optional<::samoyeds::gpu::TargetInfo> target =
      ::samoyeds::gpu::lookupTarget(opts.chip.getValue(), error);
  nvvm.cubinFeatures = target ? target->ptxFeatures : "+ptx85";
  nvvm.cubinFormat = opts.format;
  nvvm.optLevel = 3;
  addLowerToNVVM(pm, nvvm);
}
} // namespace

void mlir::samoyeds::registerSamoyedsGPUPipeline() {
  // The pipeline's own steps are passes of Passes.td, registered with the
  // others by registerSamoyedsConversionPasses().
  PassPipelineRegistration<GPUPipelineOptions>(
      "samoyeds-gpu-pipeline",
      "Compile samoyeds ops to Sparse-Tensor-Core kernels (gpu.binary) and "
      "LLVM host code that launches them",
      buildGPUPipeline);
}
