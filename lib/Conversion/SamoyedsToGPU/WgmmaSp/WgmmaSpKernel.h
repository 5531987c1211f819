// The wgmma.sp (sm_90a) ssmm kernel body: cp.async into core-matrix stage rings, wgmma.mma_async.sp m64nNk32 from shared-memory descriptors.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPKERNEL_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPKERNEL_H

#include "../KernelSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Builds the body of `fn` for `spec` (family wgmma_sp, checked by
/// checkConfig); the arguments are those of buildMmaSpKernel.
void buildWgmmaSpKernel(ImplicitLocOpBuilder &b, const KernelSpec &spec,
                        gpu::GPUFuncOp fn);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPKERNEL_H
