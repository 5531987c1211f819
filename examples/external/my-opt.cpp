// my-opt: a downstream compiler's opt tool with samoyeds registered next to
// upstream MLIR, built against an installed samoyeds (find_package(Samoyeds)).
#include "samoyeds/InitSamoyeds.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::samoyeds::registerAllSamoyedsPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::samoyeds::registerSamoyedsDialect(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "my-opt: upstream MLIR + samoyeds\n", registry));
}
