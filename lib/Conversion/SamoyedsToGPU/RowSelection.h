// RowSelection: N:M row selection in registers, over an AccumulatorLayout (docs/kernel.md, section 6).
//
// Each condensed row keeps M accumulators (slots), one per original row of
// its group. The MMAs of a V-slice always accumulate into slot 0, so before
// the slice the accumulator of the row that the slice's row index selects is
// swapped into slot 0, and swapped back after it (the swap is its own
// inverse). Selecting in registers keeps the MMA loop free of indirection;
// only the layout (which thread holds which row) is instruction-specific.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ROWSELECTION_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ROWSELECTION_H

#include "AccumulatorLayout.h"
#include "TileSchedule.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// The row indices (`rowIdx[(expert,) slice, crow]`, as i32) of V-slice
/// `slice` for each row the thread holds, in AccumulatorLayout::threadRows()
/// order.
SmallVector<Value> loadRowIndices(ImplicitLocOpBuilder &b, const KernelSpec &s,
                                  const AccumulatorLayout &layout,
                                  const TileInfo &tile, Value rowIdx,
                                  Value slice);

/// eq[r][j] (i1): thread row r's index selects group row j, for every j in
/// [0, M) (entry 0 is not used by the swap).
SmallVector<SmallVector<Value>>
compareRowIndices(ImplicitLocOpBuilder &b, const AccumulatorLayout &layout,
                  ArrayRef<Value> rowIndices);

/// Swaps, per thread row, slot 0 with the slot j >= 1 where eq[row][j] holds
/// (no swap for j = 0). `accs` holds every slot (AccumulatorLayout order).
SmallVector<Value> swapWithSlotZero(ImplicitLocOpBuilder &b,
                                    const AccumulatorLayout &layout,
                                    ArrayRef<Value> accs,
                                    ArrayRef<SmallVector<Value>> eq);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ROWSELECTION_H
