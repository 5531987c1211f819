// SamoyedsPassPlugin: `mlir-opt --load-pass-plugin=...` adds the samoyeds passes
// and the samoyeds-cpu-pipeline / samoyeds-gpu-pipeline pipelines to an
// unmodified upstream mlir-opt. Load SamoyedsDialectPlugin too, so that the
// tool can parse samoyeds ops.
#include "samoyeds/InitSamoyeds.h"

#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "SamoyedsPasses", LLVM_VERSION_STRING, []() {
            if (!samoyeds::registerAllSamoyedsPasses())
              llvm::errs() << "SamoyedsPassPlugin: this tool already registers "
                              "the samoyeds passes; plugin ignored\n";
          }};
}
