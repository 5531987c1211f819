// samoyeds-opt: the opt-style driver with the samoyeds dialect, its passes and
// pipelines, and the upstream dialects and passes used around them.
#include "samoyeds/Dialect/Samoyeds/Transforms/BufferizableOpInterfaceImpl.h"
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  // The upstream registrations come whole: the pipelines need the bufferization
  // and convert-to-llvm external models of many dialects, and users run
  // upstream passes (gpu-module-to-binary, one-shot-bufferize) around ours.
  mlir::registerAllPasses();
  mlir::samoyeds::registerSamoyedsPasses();
  mlir::samoyeds::registerSamoyedsPipelines();
  mlir::samoyeds::registerSamoyedsConversionPasses();
  mlir::samoyeds::registerSamoyedsGPUPipeline();

  mlir::DialectRegistry registry;
  registry.insert<mlir::samoyeds::SamoyedsDialect>();
  mlir::samoyeds::registerBufferizableOpInterfaceExternalModels(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Samoyeds optimizer driver\n", registry));
}
