// Shared pieces of convert-samoyeds-to-gpu: kernel creation and the operand and outs buffers (Kernels.cpp), exp, and the non-ssmm lowerings.
//
// The lowerings of the routing ops (route, dispatch, combine) are in
// RoutingKernels.cpp, that of the marked row dot products in
// RowDotKernel.cpp; the ssmm kernel is built from the pieces that
// SamoyedsToGPU.cpp names. Launches go through HostLaunch.h.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELS_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELS_H

#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace linalg {
class GenericOp;
} // namespace linalg
namespace samoyeds {
namespace gpukernels {

/// An operand buffer as the kernels take it, with the identity layout: `mem`
/// itself, or cast to it where that is sure to hold at run time, else a copy
/// (a subview with a dynamic offset; upstream's castOrReallocMemRefValue). The
/// memory space is the default one (checked by the pass first).
Value inputBuffer(OpBuilder &b, Value mem);

/// The buffer that the kernels write for the outs buffer `init`: `init` when
/// its layout is the identity, else a fresh one of its sizes that
/// `finishOutput` then copies into `init`.
Value outputBuffer(OpBuilder &b, Location loc, Value init);

/// After the launches that write `out` (from outputBuffer): the copy into
/// `init` where the two differ.
void finishOutput(OpBuilder &b, Location loc, Value out, Value init);

/// Returns the kernel `name` of `gpuModule`, creating it (a `gpu.func` with
/// the `kernel` attribute, `known_block_size = blockSize`, arguments
/// `argTypes`) and building its body with `body` when it does not exist.
/// `body` starts at the beginning of the entry block and must end it with
/// `gpu.return`.
gpu::GPUFuncOp
getOrCreateKernel(gpu::GPUModuleOp gpuModule, Location loc, StringRef name,
                  TypeRange argTypes, ArrayRef<int32_t> blockSize,
                  function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> body);

/// exp(x) for f32 as ex2.approx.f32(x * log2 e) in inline PTX: math.exp
/// would become a libdevice call (__nv_expf), linked only when the CUDA
/// toolkit is found at compile time (docs/kernel.md).
inline Value expF32(ImplicitLocOpBuilder &b, Value x) {
  Value arg = arith::MulFOp::create(
      b, x, arith::ConstantOp::create(b, b.getF32FloatAttr(1.4426950408889634f)));
  return NVVM::InlinePtxOp::create(b, b.getLoc(), TypeRange{b.getF32Type()},
                                   ValueRange{arg}, ValueRange{},
                                   "ex2.approx.f32 $0, $1;", Value())
      .getResult(0);
}

/// gpu.shuffle of `v` by `offset` over the 32 lanes of a warp.
inline Value warpShuffle(ImplicitLocOpBuilder &b, Value v, int32_t offset,
                         gpu::ShuffleMode mode) {
  return gpu::ShuffleOp::create(b, v, offset, 32, mode).getShuffleResult();
}

/// `combine` of `v` over the 32 lanes of a warp, by a butterfly of xor
/// shuffles at offsets 16, 8, 4, 2, 1: every lane ends with the result
/// (combine(mine, other) at each step; exact in any order only for an
/// associative, commutative combine such as max).
inline Value warpAllReduce(ImplicitLocOpBuilder &b, Value v,
                           function_ref<Value(ImplicitLocOpBuilder &, Value, Value)> combine) {
  for (int32_t d = 16; d >= 1; d /= 2)
    v = combine(b, v, warpShuffle(b, v, d, gpu::ShuffleMode::XOR));
  return v;
}

/// Whether `pred` (i1) holds in any thread of the block: bar.red.or
/// (__syncthreads_or), a barrier every thread of the block must reach.
inline Value blockAnyOf(ImplicitLocOpBuilder &b, Value pred) {
  Value any = NVVM::BarrierOp::create(
                  b, b.getI32Type(), Value(), Value(),
                  NVVM::BarrierReductionAttr::get(b.getContext(),
                                                  NVVM::BarrierReduction::OR),
                  arith::ExtUIOp::create(b, b.getI32Type(), pred))
                  .getRes();
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ne, any, build::cI32(b, 0));
}

/// `body(b, i0, acc)` over trips [0, trips) in groups of `unroll` (i0 the
/// first trip of the group), the accumulators carried: a loop, or with one
/// group (trips == unroll) a single call with i0 null, so that the steps'
/// offsets fold to constants.
inline SmallVector<Value>
unrolledReduce(ImplicitLocOpBuilder &b, int64_t trips, int64_t unroll, SmallVector<Value> init,
               function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, Value,
                                               SmallVector<Value>)> body) {
  if (trips == unroll)
    return body(b, Value(), std::move(init));
  return build::forReduce(b, build::cIdx(b, 0), build::cIdx(b, trips), build::cIdx(b, unroll),
                          init, [&](ImplicitLocOpBuilder &b, Value i, ValueRange a) {
                            return body(b, i, SmallVector<Value>(a));
                          });
}

/// Lowerings of the memref forms of the routing ops into kernels of
/// `gpuModule` plus their launches, which write the ops' outs buffers;
/// the op is erased. Diagnostics on failure.
LogicalResult lowerRoute(RouteOp op, gpu::GPUModuleOp gpuModule);
LogicalResult lowerDispatch(DispatchOp op, gpu::GPUModuleOp gpuModule);
LogicalResult lowerCombine(CombineOp op, gpu::GPUModuleOp gpuModule);

/// Lowering of a `linalg.generic` marked `samoyeds.row_dot` (buffers: lhs of
/// rank 2, rhs of rank 2 or 1, the outs buffer, which holds the init and is
/// written in place) into its two kernels (a warp per tile of rows, and for
/// few rows a block whose warps split K) and their launches, replacing the
/// op; a diagnostic when the op does not have that shape or its reduction
/// size is dynamic.
LogicalResult lowerRowDot(linalg::GenericOp op, gpu::GPUModuleOp gpuModule);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELS_H
