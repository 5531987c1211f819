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
/// buffer `out` (list length x output rows); with split-K the kernels take
/// the workspace, `splits` and `wsTiles` after them (SplitK.h).
struct SsmmBuffers {
  SmallVector<Value> args;
  Value listLen;
  Value out;
  /// Routed pairs of the call (index): T * k, or the list length.
  Value pairs;
};

/// Builds the buffers of `op` (whose weight is `assemble`) before it.
SsmmBuffers createSsmmBuffers(OpBuilder &hb, SsmmOp op, AssembleOp assemble,
                              const KernelSpec &s);

/// The argument types of a kernel of spec `s` over `b`.
SmallVector<Type> kernelArgTypes(const SsmmBuffers &b, const KernelSpec &s);

/// A kernel of the op.
struct SsmmKernel {
  KernelSpec spec;
  gpu::GPUFuncOp fn;
};

/// Launches `kernels[0]` with one block per tile (condensed rows / blockM x
/// ceildiv(list length, blockN), nothing for an empty list, or the tiles
/// that can have work for an undef_padding op; x S splits, chosen at run time
/// for `target`'s SM count and the blocks per SM the kernel's shared memory
/// allows, with the workspace and the arrival counters, zeroed before the
/// launch: SplitK.h). With a decode kernel `kernels[1]` (a smaller
/// token tile), a call whose routed pairs are at most decodeTile * experts
/// launches that one instead (the other's grid is empty). With a stream
/// kernel (StreamKernel.h), a call whose routed pairs are at most
/// streamTokens * experts launches only that one: grid (ceil(units / 8),
/// experts with entries: at most min(E, pairs) for a dispatch list, else E).
/// Then replaces
/// `op` by the result buffer and erases it (and `assemble` once unused).
void launchSsmmAndReplace(OpBuilder &hb, SsmmOp op, AssembleOp assemble,
                          ArrayRef<SsmmKernel> kernels, const SsmmKernel *stream,
                          const SsmmBuffers &buffers,
                          const ::samoyeds::gpu::TargetInfo &target);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H
