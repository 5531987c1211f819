// SplitK: slice ranges of a split, and the partial accumulators in the workspace (SplitK.h).
#include "SplitK.h"

#include "samoyeds/Utils/Builders.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

std::pair<Value, Value> mlir::samoyeds::gpukernels::splitSlices(
    ImplicitLocOpBuilder &b, int64_t slices, Value z, Value nz) {
  // z * slices / nz: every split gets floor or ceil of slices / nz (nz <=
  // slices: the host clamps it), and the ranges tile [0, slices).
  Value n = cIdx(b, slices);
  Value begin = arith::DivUIOp::create(b, mul(b, z, n), nz);
  Value end = arith::DivUIOp::create(b, mul(b, add(b, z, cIdx(b, 1)), n), nz);
  return {begin, end};
}

Value mlir::samoyeds::gpukernels::partialBlock(ImplicitLocOpBuilder &b,
                                               const KernelSpec &s,
                                               const SplitKArgs &k, Value z,
                                               Value rowTile, Value tokenTile) {
  int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
  return add(b, mul(b, add(b, mul(b, z, cIdx(b, rowTiles)), rowTile), k.wsTiles),
             tokenTile);
}

namespace {
/// Float offset of row h of fragment f of thread tid in workspace block
/// `block` (fragments of `rows` rows of `width` floats; row by row, so that
/// the rows of consecutive threads are adjacent).
Value rowOffset(ImplicitLocOpBuilder &b, const KernelSpec &s, Value block,
                int64_t fragments, int64_t rows, int64_t f, int64_t h, Value tid,
                int64_t width) {
  Value frag = add(b, mul(b, block, cIdx(b, fragments)), cIdx(b, f));
  Value row = add(b, mul(b, frag, cIdx(b, rows)), cIdx(b, h));
  return mul(b, add(b, mul(b, row, cIdx(b, s.threads())), tid), cIdx(b, width));
}
} // namespace

SmallVector<Value> mlir::samoyeds::gpukernels::usedFragments(
    ImplicitLocOpBuilder &b, const AccumulatorLayout &layout, Value tok0,
    Value validEnd) {
  // Column tile ct of fragment f is f % colTiles() (slotIndex); a thread's
  // lowest column of it is column(ct, 0).
  SmallVector<Value> perTile;
  for (int64_t ct = 0; ct < layout.colTiles(); ++ct)
    perTile.push_back(ult(b, layout.column(b, tok0, ct, 0), validEnd));
  SmallVector<Value> used;
  for (int64_t f = 0; f < layout.numFragments(); ++f)
    used.push_back(perTile[f % layout.colTiles()]);
  return used;
}

// Fragments are moved row by row (vector.extract / vector.insert of 1-D
// rows): an n-D vector.shape_cast does not lower on the NVVM path.
void mlir::samoyeds::gpukernels::storePartials(ImplicitLocOpBuilder &b,
                                               const KernelSpec &s, Value ws,
                                               Value block, Value tid,
                                               ArrayRef<Value> acc,
                                               ArrayRef<Value> used) {
  for (auto [f, frag] : llvm::enumerate(acc)) {
    auto t = cast<VectorType>(frag.getType());
    int64_t rows = t.getDimSize(0), width = t.getDimSize(1);
    ifThen(b, used[f], [&](ImplicitLocOpBuilder &nb) {
      for (int64_t h = 0; h < rows; ++h) {
        Value row = vector::ExtractOp::create(nb, frag, ArrayRef<int64_t>{h});
        Value off = rowOffset(nb, s, block, acc.size(), rows, f, h, tid, width);
        vector::StoreOp::create(nb, row, ws, ValueRange{off}, /*nontemporal=*/false,
                                llvm::MaybeAlign(width * 4));
      }
    });
  }
}

SmallVector<Value> mlir::samoyeds::gpukernels::sumPartials(
    ImplicitLocOpBuilder &b, const KernelSpec &s, const SplitKArgs &k, Value tid,
    int64_t fragments, VectorType fragType, ArrayRef<Value> used,
    function_ref<Value(ImplicitLocOpBuilder &, Value)> blockOf) {
  int64_t rows = fragType.getDimSize(0), width = fragType.getDimSize(1);
  auto rowType = VectorType::get({width}, fragType.getElementType());
  Value zero = arith::ConstantOp::create(
      b, fragType, DenseElementsAttr::get(fragType, b.getF32FloatAttr(0.0f)));
  Value zeroRow = arith::ConstantOp::create(
      b, rowType, DenseElementsAttr::get(rowType, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> init(fragments, zero);
  return forReduce(
      b, cIdx(b, 0), k.splits, init,
      [&](ImplicitLocOpBuilder &nb, Value z, ValueRange acc) {
        Value block = blockOf(nb, z);
        SmallVector<Value> next;
        for (int64_t f = 0; f < fragments; ++f) {
          Value sum = zero;
          for (int64_t h = 0; h < rows; ++h) {
            // An unused fragment was never stored: its load reads element 0
            // (always allocated; one cache line for all of them, no traffic)
            // and counts as zero, without a branch in the loop.
            Value off = select(
                nb, used[f], rowOffset(nb, s, block, fragments, rows, f, h, tid, width),
                cIdx(nb, 0));
            Value p = vector::LoadOp::create(nb, rowType, k.ws, ValueRange{off},
                                             /*nontemporal=*/false,
                                             llvm::MaybeAlign(width * 4));
            p = select(nb, used[f], p, zeroRow);
            Value a = vector::ExtractOp::create(nb, acc[f], ArrayRef<int64_t>{h});
            sum = vector::InsertOp::create(nb, arith::AddFOp::create(nb, a, p), sum,
                                           ArrayRef<int64_t>{h});
          }
          next.push_back(sum);
        }
        return next;
      });
}
