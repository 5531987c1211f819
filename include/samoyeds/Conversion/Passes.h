// Conversion passes of the samoyeds dialect and the GPU pipeline.
#ifndef SAMOYEDS_CONVERSION_PASSES_H
#define SAMOYEDS_CONVERSION_PASSES_H

#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace samoyeds {

#define GEN_PASS_DECL
#include "samoyeds/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "samoyeds/Conversion/Passes.h.inc"

/// The kernel attribute samoyeds-grid-constant-args rewrites (Passes.td):
/// the number of trailing grid-constant arguments.
constexpr llvm::StringLiteral kGridConstantArgsAttr = "samoyeds.grid_constant_args";

/// Registers `samoyeds-gpu-pipeline`.
void registerSamoyedsGPUPipeline();

} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_CONVERSION_PASSES_H
