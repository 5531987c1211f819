// One place that registers everything samoyeds adds to an MLIR tool: the
// dialect, the passes and the named pipelines. Upstream dialects and passes are
// left to the host tool (mlir-opt already registers them; registering them
// twice is a fatal error).
#ifndef SAMOYEDS_INITSAMOYEDS_H
#define SAMOYEDS_INITSAMOYEDS_H

#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/BufferizableOpInterfaceImpl.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"

namespace mlir {
namespace samoyeds {

/// Adds the samoyeds dialect to `registry`. Returns false (and adds nothing)
/// when the registry already holds a dialect named `samoyeds`, e.g. a plugin
/// loaded into a tool that links the dialect itself.
inline bool registerSamoyedsDialect(DialectRegistry &registry) {
  if (registry.getDialectAllocator(SamoyedsDialect::getDialectNamespace()))
    return false;
  registry.insert<SamoyedsDialect>();
  registerBufferizableOpInterfaceExternalModels(registry);
  return true;
}

/// Registers the samoyeds passes and the samoyeds-cpu-pipeline and
/// samoyeds-gpu-pipeline pipelines. Returns false (and registers nothing) when
/// they are registered already: the pass registry aborts on a second
/// registration of the same name.
inline bool registerAllSamoyedsPasses() {
  if (PassPipelineInfo::lookup("samoyeds-cpu-pipeline"))
    return false;
  registerSamoyedsPasses();
  registerSamoyedsPipelines();
  registerSamoyedsConversionPasses();
  registerSamoyedsGPUPipeline();
  return true;
}

} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_INITSAMOYEDS_H
