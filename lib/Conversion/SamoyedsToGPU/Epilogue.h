// Epilogue: from a tile's accumulators to the stored result (group reduction, silu_mul, scale, padding, poison), over an AccumulatorLayout.
//
// What happens to an accumulator after the K loop depends on the op (its
// epilogue, scale, result type) and on which thread holds which (row,
// column), not on the MMA instruction: written once against the layout
// (docs/kernel.md, section 7).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_EPILOGUE_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_EPILOGUE_H

#include "AccumulatorLayout.h"
#include "TileSchedule.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Stores the tile's results into `out` (list entries x output rows). `acc`
/// holds every slot of the thread's accumulators: slot j of a condensed row
/// is output row j of its group. With N > 1 the N condensed rows of a group
/// are summed across lanes first; with silu_mul, row tile rt (gate) is paired
/// with row tile rt + rowTiles() / 2 (up). `scale` (null without) holds one
/// routing weight per (token, k). Padding entries are not stored; a poisoned
/// tile stores NaN.
void emitEpilogue(ImplicitLocOpBuilder &b, const KernelSpec &s,
                  const AccumulatorLayout &layout, const TileInfo &tile,
                  Value list, Value scale, Value out, ArrayRef<Value> acc);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_EPILOGUE_H
