// MmaSpM16N8Layout: the accumulator registers of mma.sp m16n8 (k32) fragments, as an AccumulatorLayout.
//
// PTX_NOTES (mma.sp m16n8k32, f32 accumulators): lane l holds, for each 16x8
// output tile, rows g = l / 4 and g + 8 and columns 2t, 2t + 1 (t = l % 4).
// The kernel keeps each tile as vector<2x2xf32> (the nvgpu mma type), row h
// holding row g + 8h. A warp covers warp-m x warp-n: m-tile mt, n-tile nt.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPLAYOUT_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPLAYOUT_H

#include "../AccumulatorLayout.h"
#include "../KernelSpec.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

class MmaSpM16N8Layout : public AccumulatorLayout {
public:
  /// `wm`, `wn`: the warp's position in the block's warp grid; `g`, `t`: the
  /// lane's row and column group (index values).
  MmaSpM16N8Layout(const KernelSpec &s, Value wm, Value wn, Value g, Value t);

  /// Shared-memory row (within the A tile) of m-tile `mt` of this warp. With
  /// silu_mul, gate rows are in the first half of the tile and the matching
  /// up rows in the second: m-tile mt and mt + mTiles/2 hold rows c and
  /// c + R/2 (so the epilogue pairs row tile rt with rt + rowTiles() / 2).
  Value aTileRow(ImplicitLocOpBuilder &b, int64_t mt) const;

  int64_t rowsPerFragment() const override { return 2; }
  int64_t colsPerRow() const override { return 2; }
  Value row(ImplicitLocOpBuilder &b, int64_t rt, int64_t h) const override;
  Value column(ImplicitLocOpBuilder &b, Value tileStart, int64_t ct,
               int64_t cc) const override;
  Value laneRow() const override { return g; }
  int64_t laneStrideOfRows() const override { return 4; }
  Value fragmentRow(ImplicitLocOpBuilder &b, Value frag, int64_t h) const override;
  Value element(ImplicitLocOpBuilder &b, Value frag, int64_t h,
                int64_t cc) const override;
  Value makeFragment(ImplicitLocOpBuilder &b, ArrayRef<Value> rows) const override;

private:
  const KernelSpec &s;
  Value wm, wn, g, t;
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPLAYOUT_H
