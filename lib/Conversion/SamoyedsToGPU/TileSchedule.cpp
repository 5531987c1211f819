// TileSchedule: tile -> expert / valid range / poison, global weight rows, and token-row sources.
#include "TileSchedule.h"

#include "samoyeds/Utils/Builders.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

TileInfo mlir::samoyeds::gpukernels::computeTileInfo(ImplicitLocOpBuilder &b,
                                                     const KernelSpec &s,
                                                     TileCoords coords,
                                                     Value list, Value offsets) {
  TileInfo ti;
  ti.rowTile = coords.rowTile;
  ti.listLen = memref::DimOp::create(b, list, 0);
  ti.tok0 = mul(b, coords.tokenTile, cIdx(b, s.blockN()));
  ti.poison = arith::ConstantOp::create(b, b.getBoolAttr(false));
  if (!s.weight.hasExpertDim()) {
    ti.validEnd = ti.listLen;
    return ti;
  }
  // The expert whose segment holds tok0: the number of segment ends <= tok0.
  // (A scan over the E + 1 offsets, by every thread: no shared state.)
  int64_t experts = s.weight.getNumExperts();
  auto loop = scf::ForOp::create(b, cIdx(b, 0), cIdx(b, experts), cIdx(b, 1),
                                 ValueRange{cIdx(b, 0)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value end = toIndex(b, load(b, offsets, ValueRange{add(b, i, cIdx(b, 1))}));
    Value inc = select(b, cmpi(b, arith::CmpIPredicate::ule, end, ti.tok0),
                       cIdx(b, 1), cIdx(b, 0));
    scf::YieldOp::create(b, ValueRange{add(b, loop.getRegionIterArgs()[0], inc)});
  }
  Value count = loop.getResult(0);
  // Past the last segment every entry is padding: any expert will do.
  ti.expert = arith::MinUIOp::create(b, count, cIdx(b, experts - 1));
  Value segEnd =
      toIndex(b, load(b, offsets, ValueRange{add(b, ti.expert, cIdx(b, 1))}));
  Value total = toIndex(b, load(b, offsets, ValueRange{cIdx(b, experts)}));
  ti.validEnd = arith::MinUIOp::create(
      b, arith::MinUIOp::create(b, segEnd, total), ti.listLen);
  // Entries of another expert inside this tile: the list was not padded to
  // the kernel's token tile. Poison the tile rather than compute it wrongly.
  Value tileEnd =
      arith::MinUIOp::create(b, add(b, ti.tok0, cIdx(b, s.blockN())),
                             arith::MinUIOp::create(b, total, ti.listLen));
  ti.poison = ult(b, segEnd, tileEnd);
  return ti;
}

Value mlir::samoyeds::gpukernels::tileHasWork(ImplicitLocOpBuilder &b,
                                              const TileInfo &tile) {
  if (tile.work)
    return tile.work;
  return ult(b, tile.tok0, tile.validEnd);
}

Value mlir::samoyeds::gpukernels::globalRow(ImplicitLocOpBuilder &b,
                                            const KernelSpec &s, Value rowTile,
                                            Value r) {
  if (!s.silu)
    return add(b, mul(b, rowTile, cIdx(b, s.blockM())), r);
  int64_t half = s.blockM() / 2;
  int64_t upBase = s.weight.getCondensedRows() / 2;
  Value isUp = cmpi(b, arith::CmpIPredicate::uge, r, cIdx(b, half));
  Value base = mul(b, rowTile, cIdx(b, half));
  Value gate = add(b, base, r);
  Value up = add(b, add(b, base, cIdx(b, upBase)),
                 arith::SubIOp::create(b, r, cIdx(b, half)));
  return select(b, isUp, up, gate);
}

TokenRowSource::TokenRowSource(ImplicitLocOpBuilder &b, const KernelSpec &s,
                               const TileInfo &tile, Value input, Value list,
                               Value scale)
    : s(s), tile(tile), list(list) {
  // Valid ids are < T * top_k: T from the input with gather, from the scale
  // (one weight per routed pair) otherwise.
  Value inRows = memref::DimOp::create(b, input, 0);
  // A compact input (no gather) is read at the list position: it must have
  // as many rows as the list (ssmm C3). With both sizes dynamic that is a
  // run-time fact: the kernel traps (the runtime's sticky error) rather than
  // read past the input.
  if (!s.gather)
    ifThen(b, ult(b, inRows, memref::DimOp::create(b, list, 0)),
           [&](ImplicitLocOpBuilder &nb) { LLVM::Trap::create(nb); });
  bound = s.gather ? mul(b, inRows, cIdx(b, s.topK))
                   : (s.hasScale ? mul(b, memref::DimOp::create(b, scale, 0),
                                       cIdx(b, s.topK))
                                 : Value());
}

TokenRowSource::Row TokenRowSource::source(ImplicitLocOpBuilder &b,
                                           Value rowInTile) const {
  Value i = add(b, tile.tok0, rowInTile);
  Value ok = ult(b, i, tile.validEnd);
  Value srcRow = i;
  if (s.gather || s.hasScale) {
    // The list is read only for valid entries (index 0 otherwise: in bounds).
    Value id = toIndex(
        b, load(b, list, ValueRange{select(b, ok, i, cIdx(b, 0))}));
    ok = andi(b, ok, ult(b, id, bound));
    if (s.gather)
      srcRow = divu(b, id, s.topK);
  }
  return {select(b, ok, srcRow, cIdx(b, 0)), ok};
}
