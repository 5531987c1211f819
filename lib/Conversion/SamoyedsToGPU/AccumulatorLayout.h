// AccumulatorLayout: which accumulator element of a thread holds which (row, column) of the block tile.
//
// Row selection and the epilogues do not depend on the MMA instruction, only
// on this mapping; each instruction family (mma.sp m16n8 in MmaSp/, wgmma.sp
// m64nN next) describes its registers with one subclass, so those parts are
// written once.
//
// A thread's accumulators are fragments, indexed by `slotIndex(j, rt, ct)`:
//  - slot j in [0, slots()): the j-th original row of the condensed row's
//    N:M group (each condensed row keeps one accumulator per row it may
//    select; the MMAs accumulate into slot 0, RowSelection.h),
//  - row tile rt in [0, rowTiles()) and column tile ct in [0, colTiles()):
//    the fragment of the instruction's output tile.
// A fragment holds rowsPerFragment() rows (h) of colsPerRow() elements (cc).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ACCUMULATORLAYOUT_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ACCUMULATORLAYOUT_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

class AccumulatorLayout {
public:
  AccumulatorLayout(int64_t slots, int64_t rowTiles, int64_t colTiles)
      : numSlots(slots), numRowTiles(rowTiles), numColTiles(colTiles) {}
  virtual ~AccumulatorLayout() = default;

  int64_t slots() const { return numSlots; }
  int64_t rowTiles() const { return numRowTiles; }
  int64_t colTiles() const { return numColTiles; }
  /// All fragments of a thread (every slot).
  int64_t numFragments() const { return numSlots * numRowTiles * numColTiles; }
  /// Fragments of one slot (what one MMA step updates).
  int64_t fragmentsPerSlot() const { return numRowTiles * numColTiles; }
  int64_t slotIndex(int64_t j, int64_t rt, int64_t ct) const {
    return (j * numRowTiles + rt) * numColTiles + ct;
  }
  /// Distinct rows a thread holds: row h of row tile rt is number
  /// rt * rowsPerFragment() + h.
  int64_t threadRows() const { return numRowTiles * rowsPerFragment(); }

  virtual int64_t rowsPerFragment() const = 0;
  virtual int64_t colsPerRow() const = 0;

  /// Row within the block's row tile (condensed rows, before the tile
  /// schedule maps it to the weight) of row h of row tile rt.
  virtual Value row(ImplicitLocOpBuilder &b, int64_t rt, int64_t h) const = 0;
  /// List position of element cc of the rows of column tile ct, for a tile
  /// whose columns start at `tileStart`.
  virtual Value column(ImplicitLocOpBuilder &b, Value tileStart, int64_t ct,
                       int64_t cc) const = 0;

  /// The thread's row index among the rows held by the lanes of its warp
  /// that share its columns: consecutive rows differ by one, and their lanes
  /// by laneStrideOfRows(). (The N condensed rows of a group are reduced over
  /// these lanes by shuffles.) row(rt, h) equals it modulo 8.
  virtual Value laneRow() const = 0;
  virtual int64_t laneStrideOfRows() const = 0;

  /// Row h of a fragment (colsPerRow() elements), one element, and a fragment
  /// made of its rows.
  virtual Value fragmentRow(ImplicitLocOpBuilder &b, Value frag,
                            int64_t h) const = 0;
  virtual Value element(ImplicitLocOpBuilder &b, Value frag, int64_t h,
                        int64_t cc) const = 0;
  virtual Value makeFragment(ImplicitLocOpBuilder &b,
                             ArrayRef<Value> rows) const = 0;

private:
  int64_t numSlots, numRowTiles, numColTiles;
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ACCUMULATORLAYOUT_H
