// SamoyedsDialectPlugin: `mlir-opt --load-dialect-plugin=...` adds the samoyeds
// dialect to an unmodified upstream mlir-opt (which must use the same
// libMLIR.so: the plugin links it, it does not carry a copy).
#include "samoyeds/InitSamoyeds.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Samoyeds", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            if (!samoyeds::registerSamoyedsDialect(*registry))
              llvm::errs() << "SamoyedsDialectPlugin: this tool already "
                              "registers a `samoyeds` dialect; plugin ignored\n";
          }};
}
