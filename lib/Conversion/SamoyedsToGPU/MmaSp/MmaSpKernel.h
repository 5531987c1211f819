// The mma.sp (sm_80+) ssmm kernel body: cp.async staging, ldmatrix fragments, mma.sp.sync, the software pipeline.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPKERNEL_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPKERNEL_H

#include "../KernelSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Builds the body of `fn` (arguments: values, metadata, row_indices, input,
/// list, [offsets], [scale], out) for `spec`, ending with gpu.return. One
/// block per tile: blockIdx.x is the row tile, blockIdx.y the token tile.
void buildMmaSpKernel(ImplicitLocOpBuilder &b, const KernelSpec &spec,
                      gpu::GPUFuncOp fn);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPKERNEL_H
