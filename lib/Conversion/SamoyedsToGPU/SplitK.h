// SplitK: the K splits of an ssmm launch: which V-slices a split runs, the partial accumulators in the workspace, and their sum in a fixed order.
//
// A decode step gives a launch a handful of token tiles: W2 of Mixtral at
// T = 1 has 16 row tiles x 2 experts = 32 blocks for 132 SMs, and streams its
// weight at a fifth of the chip's bandwidth. A kernel whose configuration
// allows splits (`split_k` > 1) takes three arguments after `out`: the f32
// workspace, the i32 arrival counters (one per tile, zeroed by the host
// before the launch) and `wsTiles` (index). The host launches it once with
// grid (row tiles, token tiles, S), S chosen at run time from the work
// (KernelConfig.h, splitsAtRunTime). Block (x, y, z) runs V-slices
// [z * slices / S, (z + 1) * slices / S). With S = 1 it stores its result as
// an unsplit kernel does. With S > 1 a block of a tile with work stores its
// raw accumulators (every slot, before the epilogue) into the workspace,
// fences them (membar.gl), and its thread 0 increments the tile's counter;
// the block that sees S - 1 there arrives last: it adds the S partials of
// the tile in split order, z = 0, 1, ..., and runs the epilogue on the sum.
// (A tile without work has its epilogue, of zeros, run by split 0.) The
// order of the sum is fixed, so the result does not depend on which block
// arrived last: a split launch is deterministic (docs/kernel.md, section
// 13). The workspace holds, per block, its threads' accumulator fragments
// (rows x width floats, 2 x 2 for mma.sp): row h of fragment f of thread
// `tid` of block ((z * rowTiles + x) * wsTiles + y) at floats (((block *
// fragments + f) * rows + h) * threads + tid) * width (one vector store per
// row, consecutive threads adjacent). Tile (x, y)'s counter is x * wsTiles +
// y. A tile with work has y < wsTiles (the host's bound); the kernel traps
// otherwise.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_SPLITK_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_SPLITK_H

#include "AccumulatorLayout.h"
#include "KernelSpec.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// The split-K arguments of a kernel (null Values without split-K), and the
/// splits S of the launch (its grid's z).
struct SplitKArgs {
  Value ws, counters, wsTiles, splits;
  explicit operator bool() const { return bool(ws); }
};

/// V-slices [begin, end) of split z of nz over `slices` slices.
std::pair<Value, Value> splitSlices(ImplicitLocOpBuilder &b, int64_t slices,
                                    Value z, Value nz);

/// The workspace block of tile (rowTile, tokenTile) of split z.
Value partialBlock(ImplicitLocOpBuilder &b, const KernelSpec &s,
                   const SplitKArgs &k, Value z, Value rowTile, Value tokenTile);

/// The arrival counter of tile (rowTile, tokenTile).
Value tileCounter(ImplicitLocOpBuilder &b, const SplitKArgs &k, Value rowTile,
                  Value tokenTile);

/// Stores the thread's fragments (storePartials into `block`), then counts
/// the block's arrival at counter `counter`: i1, true in every thread of
/// the block that arrived last of the S, after which the other blocks'
/// partials are visible to its loads. Every thread of the block must call
/// it (barriers).
Value arriveLast(ImplicitLocOpBuilder &b, const KernelSpec &s, const SplitKArgs &k,
                 Value block, Value counter, Value tid, ArrayRef<Value> acc,
                 ArrayRef<Value> used);

/// Stores the thread's fragments `acc` as workspace block `block`, those
/// whose `used` (i1, one per fragment) holds: a fragment whose columns are
/// all padding (past the tile's valid end) adds nothing, and at decode sizes
/// that is most of them (T = 1: one column of a tile's 64).
void storePartials(ImplicitLocOpBuilder &b, const KernelSpec &s, Value ws,
                   Value block, Value tid, ArrayRef<Value> acc,
                   ArrayRef<Value> used);

/// i1 per fragment of `layout`: some of its columns (list entries) lie
/// before the tile's valid end.
SmallVector<Value> usedFragments(ImplicitLocOpBuilder &b,
                                 const AccumulatorLayout &layout, Value tok0,
                                 Value validEnd);

/// Splits whose partials sumPartials loads before adding them, and the
/// most floats a thread loads at once for that.
constexpr int64_t kSumUnroll = 4;
constexpr int64_t kSumFloatsInFlight = 128;

/// The sum over z in [0, k.splits), in that order, of the thread's
/// fragments in workspace block blockOf(z); fragments of type `fragType`
/// (2-D: rows x width). Fragments not `used` are zero (never stored).
SmallVector<Value> sumPartials(ImplicitLocOpBuilder &b, const KernelSpec &s,
                               const SplitKArgs &k, Value tid, int64_t fragments,
                               VectorType fragType, ArrayRef<Value> used,
                               function_ref<Value(ImplicitLocOpBuilder &, Value)> blockOf);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_SPLITK_H
