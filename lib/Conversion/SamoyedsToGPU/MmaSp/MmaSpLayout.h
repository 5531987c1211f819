// The register layouts of the mma.sp m16n8k32 family: the accumulators (MmaSpM16N8Layout, an AccumulatorLayout) and the metadata operand (MmaSpMetadataLayout).
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
  /// The lane's column group t = lane % 4 (an index value).
  Value laneColumn() const { return t; }
  int64_t laneStrideOfRows() const override { return 4; }
  Value fragmentRow(ImplicitLocOpBuilder &b, Value frag, int64_t h) const override;
  Value element(ImplicitLocOpBuilder &b, Value frag, int64_t h,
                int64_t cc) const override;
  Value makeFragment(ImplicitLocOpBuilder &b, ArrayRef<Value> rows) const override;

private:
  const KernelSpec &s;
  Value wm, wn, g, t;
};

/// The metadata layout this family reads, from the stage ring to the operand
/// register. The compiler owns it (docs/format.md section 4): the packed
/// weight holds only the format's canonical words (docs/format.md 2.2: per
/// condensed row, one i16 per 16 logical columns, ordered nibbles), which are
/// already the per-row 16-bit halves of the mma.sp metadata register, so no
/// pre-swizzled copy exists. A second family (wgmma.sp) describes its own
/// reads beside its accumulator layout.
///  - Staging: each A-tile row of a stage receives its wordsPerRow() canonical
///    words as one contiguous copy to ring row [stage][row][0..), from
///    metadata[globalRow(row)][stageColumn(kt)..).
///  - Operand: for m-tile mt and k32 step kk, lane (g, t) forms the selector-0
///    register from A-tile rows aTileRow(mt) + g (low half) and + g + 8 (high
///    half), word 2 kk + t % 2 (PTX_NOTES: t = 0 supplies the step's logical
///    columns 0-15, t = 1 columns 16-31; t = 2, 3 are ignored and load the
///    same words). The rows are those of the A fragment (MmaSpM16N8Layout).
class MmaSpMetadataLayout {
public:
  MmaSpMetadataLayout(const KernelSpec &s, const MmaSpM16N8Layout &acc)
      : s(s), acc(acc) {}

  /// i16 words per A-tile row and stage (block-k / 16): the ring's row length,
  /// as KernelConfig::metaWords sizes it, and the elements of one row's copy.
  int64_t wordsPerRow() const { return s.metaWords(); }
  /// The canonical word (column of the metadata array) where stage kt starts.
  Value stageColumn(ImplicitLocOpBuilder &b, Value kt) const;
  /// Which word of a k32 step's pair this lane supplies (t % 2); computed
  /// once per stage and passed to operand().
  Value laneWord(ImplicitLocOpBuilder &b) const;
  /// The metadata operand of m-tile mt at k32 step kk, read from slot `stage`
  /// of `ring`: vector<2xi16>, element 0 (the low half) for row g.
  Value operand(ImplicitLocOpBuilder &b, Value ring, Value stage, int64_t mt,
                int64_t kk, Value laneWord) const;

private:
  const KernelSpec &s;
  const MmaSpM16N8Layout &acc;
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_MMASP_MMASPLAYOUT_H
