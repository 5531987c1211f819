// StreamKernel: the ssmm kernel for calls with a token or two per expert, FP32 FMAs on the weight streamed with 16-byte loads.
//
// At decode sizes an ssmm is bound by the bytes of its weight; the tensor-core
// kernels stage the weight through shared memory for token tiles of 16 or 64
// list entries and reached 1.8 TB/s at one token per expert (Mixtral's W1|W3,
// docs/results/h200-2026-12-03-fold/NOTES.md). This kernel has no shared
// memory and no block barrier (docs/kernel.md, section 16):
// - a warp per unit: the N condensed rows of one row group (and, with
//   silu_mul, those of its up group), its lanes along K, 16 logical columns
//   (one 16-byte load of values and one metadata word per row) per lane and
//   step, kStreamUnroll steps of loads in flight;
// - block y takes the y-th expert with a non-empty segment (a ballot over the
//   offsets, per warp), and walks its segment in windows of 32 entries and
//   chunks of `streamTokens` entries; a chunk without a routed entry costs
//   nothing;
// - a kept value pairs with its token's column through one `prmt` per
//   group of 4 columns (the metadata nibble selects the two 16-bit halves),
//   the products accumulate in f32 into the row its row index names;
// - a butterfly over the warp, then lane 0 applies the epilogue (silu_mul,
//   the routing-weight scale) and stores the routed rows only: the op must
//   have undef_padding.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_STREAMKERNEL_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_STREAMKERNEL_H

#include "KernelSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Warps of a block (one unit each), and the K steps (of 32 x 16 columns)
/// whose loads a lane issues together. 2 for every unit: in the prototype
/// (benchmarks/proto/stream_proto.cu) 4 and 8 were slower for a silu_mul
/// unit of two rows (Mixtral W1|W3 at T = 1: 49.1 us at 2, 56.3 at 4, 73.0
/// at 8), and in the generated kernel 4 was slower for a one-row W2 unit
/// too (Mixtral W2 at T = 1: 28.8 us at 2, 39.4 at 4; the prototype had it
/// the other way, 35.3 against 40.1: docs/results/h200-2026-12-03-stream).
constexpr int64_t kStreamWarps = 8, kStreamUnroll = 2;


/// The units of one expert: row groups (of the gate half with silu_mul).
int64_t streamUnits(const KernelSpec &s);

/// The kernel's symbol: the spec's name with `_stream<slots>` for the tiling.
std::string streamKernelName(const KernelSpec &s);

/// The body of the stream kernel of `s` (arguments as the tiled kernels'
/// without split-K: SsmmBuffers), ending with gpu.return. Launch: grid
/// (ceil(units / kStreamWarps), expert slots), kStreamWarps * 32 threads.
void buildStreamKernel(ImplicitLocOpBuilder &b, const KernelSpec &s, gpu::GPUFuncOp f);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_STREAMKERNEL_H
