// HostLaunch: the host side of a generated kernel: operand buffers, the result buffer, the launch and the replacement of the op.
//
// convert-samoyeds-to-gpu bufferizes its ops by hand: tensors in
// (`bufferization.to_buffer`, read-only), a fresh `memref.alloc` out, and
// `bufferization.to_tensor restrict writable` in place of the op's result
// (the GPU pipeline then turns returned buffers into out-parameters).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H

#include "KernelSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// The buffers of one ssmm, in kernel-argument order: values, metadata,
/// row_indices, input, list, [offsets], [scale], then the fresh result
/// buffer `out` (list length x output rows), and with split-K (SplitK.h) the
/// workspace, `splits` (1: launch 1) and `wsTiles`.
struct SsmmBuffers {
  SmallVector<Value> args;
  Value listLen;
  Value out;
  /// With split-K: the splits S the launch uses (index; chosen at run time).
  Value splits;
};

/// Builds the buffers of `op` (whose weight is `assemble`) before it; with
/// split-K also the run-time choice of S for a chip of `smCount` SMs and the
/// workspace for it.
SsmmBuffers createSsmmBuffers(OpBuilder &hb, SsmmOp op, AssembleOp assemble,
                              const KernelSpec &s, int64_t smCount);

/// Launches `fn` with one block per tile (condensed rows / blockM x
/// ceildiv(list length, blockN), nothing for an empty list; x S splits) and
/// the spec's dynamic shared memory, and with S > 1 the launch of `sumFn`
/// that sums the splits; then replaces `op` by the result buffer and erases it (and
/// `assemble` once unused).
void launchSsmmAndReplace(OpBuilder &hb, SsmmOp op, AssembleOp assemble,
                          gpu::GPUFuncOp fn, gpu::GPUFuncOp sumFn,
                          const KernelSpec &s,
                          const SsmmBuffers &buffers);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H
