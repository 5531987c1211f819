// Test-only plugin built for a plugin API this MLIR does not speak: loading it
// must fail with a message (test/Plugins/bad-plugin.mlir), not crash.
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION + 1, "SamoyedsBadVersion", "0",
          [](DialectRegistry *) {}};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION + 1, "SamoyedsBadVersion", "0", []() {}};
}
