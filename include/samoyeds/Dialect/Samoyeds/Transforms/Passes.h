// Pass declarations and registration of the samoyeds dialect.
#ifndef SAMOYEDS_DIALECT_SAMOYEDS_TRANSFORMS_PASSES_H
#define SAMOYEDS_DIALECT_SAMOYEDS_TRANSFORMS_PASSES_H

#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace samoyeds {

#define GEN_PASS_DECL
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"

/// Registers `samoyeds-bufferize` and `samoyeds-cpu-pipeline` (the GPU
/// pipeline registers itself, GPUPipeline.cpp).
void registerSamoyedsPipelines();

/// Adds the passes of `samoyeds-cpu-pipeline` to `pm`.
void buildSamoyedsCPUPipeline(OpPassManager &pm);

/// The front of both pipelines: samoyeds-decompose-moe, canonicalize,
/// samoyeds-expand-storage.
void addSamoyedsFrontPasses(OpPassManager &pm);

/// One-shot bufferization as both pipelines use it: function boundaries
/// included, identity layouts at them (the exported C signatures).
void addSamoyedsBufferization(OpPassManager &pm);

} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_DIALECT_SAMOYEDS_TRANSFORMS_PASSES_H
