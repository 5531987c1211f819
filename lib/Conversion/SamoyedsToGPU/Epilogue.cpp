// Epilogue: group reduction, silu_mul, routing-weight scale, conversion and the guarded store of one tile.
#include "Epilogue.h"
#include "Kernels.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <limits>

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

void mlir::samoyeds::gpukernels::emitEpilogue(
    ImplicitLocOpBuilder &b, const KernelSpec &s,
    const AccumulatorLayout &layout, const TileInfo &tile, Value list,
    Value scale, Value out, ArrayRef<Value> acc) {
  auto f = s.weight.getFormat();
  int64_t n = f.getN(), m = f.getM();
  int64_t rT = layout.rowTiles(), cT = layout.colTiles();
  int64_t rows = layout.rowsPerFragment(), cols = layout.colsPerRow();
  int64_t outTiles = s.silu ? rT / 2 : rT;
  Value nan = cF32(b, std::numeric_limits<float>::quiet_NaN());
  // Per column (list entry) of this thread: index, in-range flag, scale.
  SmallVector<Value> colIdx, colOk, colScale;
  for (int64_t ct = 0; ct < cT; ++ct)
    for (int64_t cc = 0; cc < cols; ++cc) {
      Value i = layout.column(b, tile.tok0, ct, cc);
      colIdx.push_back(i);
      colOk.push_back(ult(b, i, tile.listLen));
      if (!s.hasScale)
        continue;
      // scale.flat[list[i]] for valid entries, 0 for padding.
      Value safe = select(b, ult(b, i, tile.listLen), i, cIdx(b, 0));
      Value id = toIndex(b, load(b, list, ValueRange{safe}));
      Value bound = mul(b, memref::DimOp::create(b, scale, 0), cIdx(b, s.topK));
      Value okId = andi(b, ult(b, id, bound), ult(b, i, tile.validEnd));
      // Loaded only for valid ids: with T = 0 the scale buffer is empty.
      auto ifOp = scf::IfOp::create(b, TypeRange{b.getF32Type()}, okId,
                                    /*withElse=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value sv = load(b, scale, ValueRange{divu(b, id, s.topK), remu(b, id, s.topK)});
        scf::YieldOp::create(b, sv);
        b.setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(b, cF32(b, 0.0f));
      }
      colScale.push_back(ifOp.getResult(0));
    }
  Value everyLane = cBool(b, true);
  for (int64_t rt = 0; rt < outTiles; ++rt)
    for (int64_t h = 0; h < rows; ++h) {
      Value crow = globalRow(b, s, tile.rowTile, layout.row(b, rt, h));
      // With N > 1 the N condensed rows of a group sit in lanes
      // laneStrideOfRows() apart: sum them into the lane of the group's first
      // row, which stores (N divides 8, so a group's rows are lanes of one
      // fragment row).
      Value leader = everyLane;
      if (n > 1)
        leader = cmpi(b, arith::CmpIPredicate::eq, remu(b, layout.laneRow(), n),
                      cIdx(b, 0));
      Value groupBase = mul(b, divu(b, crow, n), cIdx(b, m));
      for (int64_t j = 0; j < m; ++j) {
        Value outRow = add(b, groupBase, cIdx(b, j));
        for (int64_t ct = 0; ct < cT; ++ct)
          for (int64_t cc = 0; cc < cols; ++cc) {
            auto elem = [&](int64_t tileRow) -> Value {
              Value v =
                  layout.element(b, acc[layout.slotIndex(j, tileRow, ct)], h, cc);
              for (int64_t d = 1; d < n; d *= 2) {
                Value o = gpu::ShuffleOp::create(
                              b, v, cI32(b, layout.laneStrideOfRows() * d),
                              cI32(b, 32), gpu::ShuffleMode::XOR)
                              .getShuffleResult();
                v = fadd(b, v, o);
              }
              return v;
            };
            Value v = elem(rt);
            if (s.silu) {
              // silu(gate) * up = gate / (1 + exp(-gate)) * up.
              Value up = elem(rt + rT / 2);
              Value one = cF32(b, 1.0f);
              Value e = expF32(b, arith::NegFOp::create(b, v));
              Value sig = fdiv(b, one, fadd(b, one, e));
              v = fmul(b, fmul(b, v, sig), up);
            }
            int64_t ci = ct * cols + cc;
            if (s.hasScale)
              v = fmul(b, v, colScale[ci]);
            v = select(b, tile.poison, nan, v);
            if (!s.resultElt.isF32())
              v = arith::TruncFOp::create(b, s.resultElt, v);
            Value doStore = andi(b, leader, colOk[ci]);
            auto ifOp = scf::IfOp::create(b, doStore, /*withElse=*/false);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(ifOp.thenBlock());
            store(b, v, out, ValueRange{colIdx[ci], outRow});
          }
      }
    }
}
