// Named pipelines: samoyeds-bufferize (the one-shot bufferization both
// pipelines run) and samoyeds-cpu-pipeline (the executable reference semantics).
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::samoyeds::addSamoyedsFrontPasses(OpPassManager &pm) {
  pm.addPass(createSamoyedsDecomposeMoe());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createSamoyedsExpandStorage());
}

void mlir::samoyeds::addSamoyedsBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufOpts;
  bufOpts.bufferizeFunctionBoundaries = true;
  bufOpts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufOpts));
}

void mlir::samoyeds::buildSamoyedsCPUPipeline(OpPassManager &pm) {
  addSamoyedsFrontPasses(pm);
  // pack / unpack have no bufferization models (a packed value has no
  // buffer): lowered on tensors first (LowerPackUnpack.cpp says why).
  pm.addPass(createSamoyedsLowerPackUnpack());
  // Then route, dispatch, ssmm and combine bufferize into their memref forms
  // (BufferizableOpInterfaceImpl.cpp), which the loops write in place.
  addSamoyedsBufferization(pm);
  pm.addPass(createSamoyedsLowerToLoops());
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferDeallocationPipelineOptions deallocOpts;
  bufferization::buildBufferDeallocationPipeline(pm, deallocOpts);
  // The clones that deallocation inserts (a returned argument buffer).
  pm.addPass(createConvertBufferizationToMemRefPass());

  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::samoyeds::registerSamoyedsPipelines() {
  // Registered so that tests of the lowerings that take the memref forms
  // bufferize with the pipelines' options, which are set in one place.
  PassPipelineRegistration<>(
      "samoyeds-bufferize",
      "One-shot bufferization as the CPU and GPU pipelines run it: function "
      "boundaries included, identity layouts at them",
      addSamoyedsBufferization);
  PassPipelineRegistration<>(
      "samoyeds-cpu-pipeline",
      "Lower samoyeds ops (and the tensor program around them) to LLVM for "
      "execution on the CPU with mlir-runner: the reference semantics",
      buildSamoyedsCPUPipeline);
}
