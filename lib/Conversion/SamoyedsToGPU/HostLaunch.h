// HostLaunch: the host side of a generated kernel: operand buffers, the outs buffer, the launch and the erasure of the op.
//
// convert-samoyeds-to-gpu lowers the memref forms (one-shot bufferization
// ran first): the kernels read the operands' buffers and write the outs
// buffer that bufferization chose, in place (the GPU pipeline then turns
// returned buffers into out-parameters, so they write the caller's memory).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H

#include "KernelSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// The buffers of one ssmm, in kernel-argument order: values, metadata,
/// row_indices, input, list, [offsets], [scale] (identity layouts:
/// inputBuffer), then the result buffer `out` (list length x output rows:
/// the outs buffer, or with another layout a fresh one copied into it after
/// the launches: outputBuffer); with split-K the kernels take the workspace,
/// `splits` and `wsTiles` after them (SplitK.h).
struct SsmmBuffers {
  SmallVector<Value> args;
  Value listLen;
  Value out;
  /// Routed pairs of the call (index): T * k, or the list length.
  Value pairs;
};

/// Builds the buffers of `op` (memref form) before it.
SsmmBuffers createSsmmBuffers(OpBuilder &hb, SsmmOp op, const KernelSpec &s);

/// The samoyeds.dispatch that writes `op`'s list (its list outs buffer is
/// the list, earlier in the block), or null. Lowered after the ssmm ops.
DispatchOp listDispatch(SsmmOp op);

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
/// Then erases
/// `op` (the kernels wrote `buffers.out`).
void launchSsmmAndReplace(OpBuilder &hb, SsmmOp op,
                          ArrayRef<SsmmKernel> kernels, const SsmmKernel *stream,
                          const SsmmBuffers &buffers,
                          const ::samoyeds::gpu::TargetInfo &target);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_HOSTLAUNCH_H
