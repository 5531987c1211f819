// The wgmma.mma_async.sp instruction and a wgmma.wait_group that owns the accumulators, as inline PTX.
//
// MLIR 22 has no op for the sparse wgmma (nvvm.wgmma.mma_async is dense
// only, docs/ptx-notes.md), so it is an `llvm.inline_asm` whose accumulators
// are tied inputs/outputs. The wait is inline asm too, with the same
// accumulators tied through it: the values the wgmma asm returns are only
// valid once its group has completed, and a wait that does not mention them
// (the nvvm.wgmma.wait.group op) would let LLVM move their uses above it.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPOPS_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPOPS_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// `wgmma.mma_async.sp.sync.aligned.m64n<n>k32.f32.<t>.<t>` with A and B
/// from the descriptors `descA`, `descB` (i64), metadata `meta` (i32),
/// selector 0, scale-d 1 (accumulate), no transposes. `acc` are the n / 2
/// f32 accumulators of the thread in the instruction's order (for each n8
/// block j: row g cols 2t, 2t+1, then row g+8); returns their new values.
/// `inputElt` is bf16 or f16.
SmallVector<Value> wgmmaSp(ImplicitLocOpBuilder &b, int64_t n, Type inputElt,
                           Value descA, Value descB, Value meta,
                           ArrayRef<Value> acc);

/// `wgmma.wait_group.sync.aligned <pending>` with `acc` (f32) tied through
/// it; returns them (use these, not the inputs, after the wait).
SmallVector<Value> wgmmaWait(ImplicitLocOpBuilder &b, int64_t pending,
                             ArrayRef<Value> acc);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPOPS_H
