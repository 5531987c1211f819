// RowSelection: loading a slice's row indices, comparing them, and swapping accumulators into slot 0.
#include "RowSelection.h"

#include "samoyeds/Utils/Builders.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

SmallVector<Value> mlir::samoyeds::gpukernels::loadRowIndices(
    ImplicitLocOpBuilder &b, const KernelSpec &s,
    const AccumulatorLayout &layout, const TileInfo &tile, Value rowIdx,
    Value slice) {
  SmallVector<Value> r;
  for (int64_t rt = 0; rt < layout.rowTiles(); ++rt)
    for (int64_t h = 0; h < layout.rowsPerFragment(); ++h) {
      Value crow = globalRow(b, s, tile.rowTile, layout.row(b, rt, h));
      Value v = load(b, rowIdx, withExpert(tile.expert, {slice, crow}));
      r.push_back(arith::ExtUIOp::create(b, b.getI32Type(), v));
    }
  return r;
}

SmallVector<SmallVector<Value>> mlir::samoyeds::gpukernels::compareRowIndices(
    ImplicitLocOpBuilder &b, const AccumulatorLayout &layout,
    ArrayRef<Value> r) {
  SmallVector<SmallVector<Value>> eq(layout.threadRows());
  for (int64_t i = 0; i < layout.threadRows(); ++i)
    for (int64_t j = 0; j < layout.slots(); ++j)
      eq[i].push_back(cmpi(b, arith::CmpIPredicate::eq, r[i], cI32(b, j)));
  return eq;
}

SmallVector<Value> mlir::samoyeds::gpukernels::swapWithSlotZero(
    ImplicitLocOpBuilder &b, const AccumulatorLayout &layout,
    ArrayRef<Value> accs, ArrayRef<SmallVector<Value>> eq) {
  int64_t m = layout.slots(), rows = layout.rowsPerFragment();
  SmallVector<Value> outv(accs.begin(), accs.end());
  // Whole fragment rows are selected: all elements of a row share its index.
  for (int64_t rt = 0; rt < layout.rowTiles(); ++rt)
    for (int64_t ct = 0; ct < layout.colTiles(); ++ct) {
      SmallVector<SmallVector<Value>> slotRows(m);
      for (int64_t h = 0; h < rows; ++h) {
        ArrayRef<Value> e = eq[rt * rows + h];
        SmallVector<Value> r;
        for (int64_t j = 0; j < m; ++j)
          r.push_back(layout.fragmentRow(b, accs[layout.slotIndex(j, rt, ct)], h));
        Value first = r[0];
        for (int64_t j = 1; j < m; ++j)
          first = select(b, e[j], r[j], first);
        slotRows[0].push_back(first);
        for (int64_t j = 1; j < m; ++j)
          slotRows[j].push_back(select(b, e[j], r[0], r[j]));
      }
      for (int64_t j = 0; j < m; ++j)
        outv[layout.slotIndex(j, rt, ct)] = layout.makeFragment(b, slotRows[j]);
    }
  return outv;
}
