// The row-dot kernel: a linalg.generic marked samoyeds.row_dot (gate logits, shared-expert gate), a warp per tile of 2 rows x 4 columns.
//
// samoyeds-decompose-moe marks these products; the generic linalg-to-loops
// path would give a thread per output element, each reading a whole row.
// Here lanes stride K (coalesced), a butterfly of shuffles sums them, lane 0
// writes (docs/kernel.md, section 12).
#include "HostLaunch.h"
#include "Kernels.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;

/// out[m][n] = init[m][n] + sum_k f32(lhs[m][k]) * f32(rhs[n][k]) (rhs of
/// rank 1: n absent). Block of 8 warps, a warp per 2 rows m x 4 columns n:
/// lanes stride k (coalesced), a butterfly of shuffles sums each of the 8,
/// lane 0 writes.
LogicalResult mlir::samoyeds::gpukernels::lowerRowDot(linalg::GenericOp op,
                                                      gpu::GPUModuleOp gpuModule) {
  // The marker is a discardable attribute: any generic can carry it, so the
  // shape the kernel assumes is checked here rather than trusted.
  auto fail = [&]() {
    return op.emitOpError() << "marked samoyeds.row_dot: ";
  };
  if (op.getDpsInputs().size() != 2 || op.getDpsInits().size() != 1 ||
      op.getNumResults() != 1)
    return fail() << "expected 2 inputs, 1 init and 1 result";
  auto lt = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto rt = dyn_cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto ot = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!lt || !rt || !ot || lt.getRank() != 2 || (rt.getRank() != 1 && rt.getRank() != 2) ||
      ot.getRank() != rt.getRank())
    return fail() << "expected a rank-2 lhs, a rank-1 or rank-2 rhs and a result "
                     "of the rhs's rank";
  bool vec = rt.getRank() == 1;
  int64_t k = lt.getDimSize(1);
  int64_t n = vec ? 1 : rt.getDimSize(0);
  if (ShapedType::isDynamic(k) || ShapedType::isDynamic(n))
    return fail() << "the reduction size (" << (ShapedType::isDynamic(k) ? "?" : std::to_string(k))
                  << ") and the rhs rows must be static";
  // The kernel sizes its grid and loads from these: zero sizes or sizes that
  // disagree between the operands are refused, not divided by.
  int64_t rk = rt.getDimSize(rt.getRank() - 1);
  int64_t on = vec ? 1 : ot.getDimSize(1);
  if (k < 1 || n < 1 || rk != k || (!ShapedType::isDynamic(on) && on != n))
    return fail() << "the reduction size (" << k << ") must be >= 1 and the rhs's ("
                  << (ShapedType::isDynamic(rk) ? "?" : std::to_string(rk))
                  << "), the rhs rows (" << n << ") >= 1 and the result's columns ("
                  << (ShapedType::isDynamic(on) ? "?" : std::to_string(on)) << ")";
  Location loc = op.getLoc();
  OpBuilder hb(op);
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  SmallVector<Value> buffers = {toBuffer(hb, loc, lhs),
                                toBuffer(hb, loc, rhs),
                                toBuffer(hb, loc, init)};
  Value rows = memref::DimOp::create(hb, loc, buffers[0], 0);
  SmallVector<Value> dyn;
  if (ot.isDynamicDim(0))
    dyn.push_back(rows);
  Value out = memref::AllocOp::create(hb, loc, bufferType(ot), dyn);
  buffers.push_back(out);
  SmallVector<Type> argTypes;
  for (Value v : buffers)
    argTypes.push_back(v.getType());
  auto eltName = [](Type t) {
    return t.isBF16() ? "bf16" : t.isF16() ? "f16" : t.isF32() ? "f32" : "f";
  };
  std::string name = "row_dot_k" + std::to_string(k) + "_n" +
                     std::to_string(n) + (vec ? "v" : "") + "_" +
                     eltName(lt.getElementType()) + "_" +
                     eltName(rt.getElementType()) + "_" +
                     (ShapedType::isDynamic(lt.getDimSize(0))
                          ? std::string("dyn")
                          : std::to_string(lt.getDimSize(0)));
  constexpr int64_t kWarps = 8;
  // A warp computes a register tile of kRows rows x nChunk columns: per step
  // its lanes load kRows + nChunk vectors for kRows * nChunk vector FMAs,
  // where one row and one column at a time needed two loads per FMA (the
  // loads, not the FMAs, bound the kernel: DeepSeek's 4096 x 2048 x 64 gate
  // took 532 us, docs/performance.md). Grid y spreads the columns, so few
  // rows still fill the chip. Lanes load `width` elements (vector loads need
  // K % width == 0).
  constexpr int64_t kRows = 2;
  int64_t nChunk = std::min<int64_t>(n, 4);
  int64_t width = k % 8 == 0 ? 8 : 1;
  gpu::GPUFuncOp fn = getOrCreateKernel(
      gpuModule, loc, name, argTypes, ArrayRef<int32_t>{32 * kWarps, 1, 1},
      [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp f) {
        Block &e = f.front();
        Value a = e.getArgument(0), w = e.getArgument(1), in = e.getArgument(2),
              o = e.getArgument(3);
        auto c = [&](int64_t v) {
          return arith::ConstantIndexOp::create(b, v).getResult();
        };
        auto ult = [&](Value x, Value y) {
          return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y).getResult();
        };
        Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
        Value lane = arith::RemUIOp::create(b, tid, c(32));
        Value row0 = arith::MulIOp::create(
            b,
            arith::AddIOp::create(
                b, arith::MulIOp::create(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                                         c(kWarps)),
                arith::DivUIOp::create(b, tid, c(32))),
            c(kRows));
        Value m = memref::DimOp::create(b, a, 0);
        // Whole warps leave together, so the shuffles below see 32 lanes.
        auto inRange = scf::IfOp::create(b, ult(row0, m), false);
        b.setInsertionPointToStart(inRange.thenBlock());
        // The warp's rows (those past M read row M - 1 and are not stored)
        // and this block's columns [by * nChunk, by * nChunk + nChunk)
        // (those past N read column N - 1 and are not stored).
        Value lastRow = arith::SubIOp::create(b, m, c(1));
        SmallVector<Value> rowIdx, rowOk, colIdx, colOk;
        for (int64_t r = 0; r < kRows; ++r) {
          Value i = arith::AddIOp::create(b, row0, c(r));
          rowOk.push_back(ult(i, m));
          rowIdx.push_back(arith::MinUIOp::create(b, i, lastRow));
        }
        Value n0 = arith::MulIOp::create(
            b, gpu::BlockIdOp::create(b, gpu::Dimension::y), c(nChunk));
        for (int64_t j = 0; j < nChunk; ++j) {
          Value col = arith::AddIOp::create(b, n0, c(j));
          colOk.push_back(ult(col, c(n)));
          colIdx.push_back(arith::MinUIOp::create(b, col, c(n - 1)));
        }
        auto vt = VectorType::get({width}, b.getF32Type());
        Value vzero = arith::ConstantOp::create(
            b, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0.0f)));
        auto kLoop = scf::ForOp::create(b, arith::MulIOp::create(b, lane, c(width)),
                                        c(k), c(32 * width),
                                        SmallVector<Value>(kRows * nChunk, vzero));
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(kLoop.getBody());
          Value kk = kLoop.getInductionVar();
          auto load = [&](Value mem, ValueRange idx) -> Value {
            auto mt = cast<MemRefType>(mem.getType());
            Value v = vector::LoadOp::create(
                b, VectorType::get({width}, mt.getElementType()), mem, idx);
            return mt.getElementType().isF32()
                       ? v
                       : arith::ExtFOp::create(b, vt, v).getResult();
          };
          SmallVector<Value> xs, ys, acc;
          for (int64_t r = 0; r < kRows; ++r)
            xs.push_back(load(a, ValueRange{rowIdx[r], kk}));
          for (int64_t j = 0; j < nChunk; ++j)
            ys.push_back(vec ? load(w, ValueRange{kk}) : load(w, ValueRange{colIdx[j], kk}));
          for (int64_t r = 0; r < kRows; ++r)
            for (int64_t j = 0; j < nChunk; ++j)
              acc.push_back(vector::FMAOp::create(
                  b, xs[r], ys[j], kLoop.getRegionIterArgs()[r * nChunk + j]));
          scf::YieldOp::create(b, acc);
        }
        Value isLane0 =
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, c(0));
        for (int64_t r = 0; r < kRows; ++r)
          for (int64_t j = 0; j < nChunk; ++j) {
            Value v = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                                  kLoop.getResult(r * nChunk + j));
            for (int64_t d = 16; d >= 1; d /= 2) {
              Value o2 = gpu::ShuffleOp::create(
                             b, v, arith::ConstantOp::create(b, b.getI32IntegerAttr(d)),
                             arith::ConstantOp::create(b, b.getI32IntegerAttr(32)),
                             gpu::ShuffleMode::XOR)
                             .getShuffleResult();
              v = arith::AddFOp::create(b, v, o2);
            }
            Value store = arith::AndIOp::create(
                b, isLane0, arith::AndIOp::create(b, rowOk[r], colOk[j]));
            auto st = scf::IfOp::create(b, store, false);
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPointToStart(st.thenBlock());
            SmallVector<Value> idx = {rowIdx[r]};
            if (!vec)
              idx.push_back(colIdx[j]);
            Value base = memref::LoadOp::create(b, in, idx);
            memref::StoreOp::create(b, arith::AddFOp::create(b, base, v), o, idx);
          }
        b.setInsertionPointAfter(inRange);
        gpu::ReturnOp::create(b);
      });
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(hb, loc, v).getResult();
  };
  Value blocks = arith::CeilDivUIOp::create(hb, loc, rows, cst(kWarps * kRows));
  gpu::LaunchFuncOp::create(
      hb, loc, fn, gpu::KernelDim3{blocks, cst((n + nChunk - 1) / nChunk), cst(1)},
      gpu::KernelDim3{cst(32 * kWarps), cst(1), cst(1)}, Value(), buffers);
  Value result = bufferization::ToTensorOp::create(hb, loc, ot, out,
                                                   /*restrict=*/true,
                                                   /*writable=*/true);
  op.getResult(0).replaceAllUsesWith(result);
  op.erase();
  return success();
}
