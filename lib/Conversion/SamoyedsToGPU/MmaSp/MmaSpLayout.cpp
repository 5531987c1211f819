// MmaSpM16N8Layout and MmaSpMetadataLayout: rows, columns and element access of the mma.sp m16n8 accumulator fragments; the metadata words of the stage ring and of the operand register.
#include "MmaSpLayout.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

MmaSpM16N8Layout::MmaSpM16N8Layout(const KernelSpec &s, Value wm, Value wn,
                                   Value g, Value t)
    : AccumulatorLayout(s.weight.getFormat().getM(), s.mTiles(), s.nTiles()),
      s(s), wm(wm), wn(wn), g(g), t(t) {}

Value MmaSpM16N8Layout::aTileRow(ImplicitLocOpBuilder &b, int64_t mt) const {
  int64_t mT = s.mTiles();
  if (!s.silu)
    return add(b, mul(b, wm, cIdx(b, s.warpM)), cIdx(b, 16 * mt));
  int64_t half = s.warpM / 2;
  if (mt < mT / 2)
    return add(b, mul(b, wm, cIdx(b, half)), cIdx(b, 16 * mt));
  return add(b, add(b, mul(b, wm, cIdx(b, half)), cIdx(b, s.blockM() / 2)),
             cIdx(b, 16 * (mt - mT / 2)));
}

Value MmaSpM16N8Layout::row(ImplicitLocOpBuilder &b, int64_t rt,
                            int64_t h) const {
  return add(b, aTileRow(b, rt), add(b, g, cIdx(b, 8 * h)));
}

Value MmaSpM16N8Layout::column(ImplicitLocOpBuilder &b, Value tileStart,
                               int64_t ct, int64_t cc) const {
  return add(b,
             add(b, add(b, tileStart, mul(b, wn, cIdx(b, s.warpN))),
                 cIdx(b, 8 * ct)),
             add(b, mul(b, t, cIdx(b, 2)), cIdx(b, cc)));
}

// Only 1-D vector ops are used on the fragments: n-D ones do not lower on the
// device.
Value MmaSpM16N8Layout::fragmentRow(ImplicitLocOpBuilder &b, Value frag,
                                    int64_t h) const {
  return vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{h});
}

Value MmaSpM16N8Layout::element(ImplicitLocOpBuilder &b, Value frag, int64_t h,
                                int64_t cc) const {
  return vector::ExtractOp::create(b, fragmentRow(b, frag, h),
                                   ArrayRef<int64_t>{cc});
}

Value MmaSpM16N8Layout::makeFragment(ImplicitLocOpBuilder &b,
                                     ArrayRef<Value> rows) const {
  auto accType = VectorType::get({2, 2}, b.getF32Type());
  Value z = arith::ConstantOp::create(
      b, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  z = vector::InsertOp::create(b, rows[0], z, ArrayRef<int64_t>{0});
  return vector::InsertOp::create(b, rows[1], z, ArrayRef<int64_t>{1});
}

Value MmaSpMetadataLayout::stageColumn(ImplicitLocOpBuilder &b, Value kt) const {
  return mul(b, kt, cIdx(b, wordsPerRow()));
}

Value MmaSpMetadataLayout::laneWord(ImplicitLocOpBuilder &b) const {
  return remu(b, acc.laneColumn(), 2);
}

Value MmaSpMetadataLayout::operand(ImplicitLocOpBuilder &b, Value ring,
                                   Value stage, int64_t mt, int64_t kk,
                                   Value laneWord) const {
  Value r0 = add(b, acc.aTileRow(b, mt), acc.laneRow());
  Value word = add(b, cIdx(b, kk * 2), laneWord);
  Value m0 = load(b, ring, ValueRange{stage, r0, word});
  Value m1 = load(b, ring, ValueRange{stage, add(b, r0, cIdx(b, 8)), word});
  return vector::FromElementsOp::create(
      b, VectorType::get({2}, b.getI16Type()), ValueRange{m0, m1});
}
