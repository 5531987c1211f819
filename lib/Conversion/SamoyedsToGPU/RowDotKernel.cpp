// The row-dot kernels: a linalg.generic marked samoyeds.row_dot (gate logits, shared-expert gate), tiles of 2 rows x 4 columns.
//
// samoyeds-decompose-moe marks these products; the generic linalg-to-loops
// path would give a thread per output element, each reading a whole row.
// Here lanes stride K (coalesced) and shuffles sum them (docs/kernel.md,
// section 12). Two kernels: a warp per tile (many rows), and, for a few
// rows, a block per tile whose 8 warps split K.
#include "HostLaunch.h"
#include "Kernels.h"
#include "RowDotMma.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

namespace {

using Builder = ImplicitLocOpBuilder;

constexpr int64_t kWarps = 8;
/// Rows (tokens) of a tile: a warp's lanes load kRows + nChunk vectors per
/// step for kRows * nChunk vector FMAs, where one row and one column at a
/// time needed two loads per FMA (the loads, not the FMAs, bound the kernel:
/// DeepSeek's 4096 x 2048 x 64 gate took 532 us, docs/performance.md).
constexpr int64_t kRows = 2;
/// Columns (experts) of a tile at most; grid y spreads the columns, so few
/// rows still get a block per chunk of columns.
constexpr int64_t kMaxChunk = 4;
/// The few-rows kernel runs while its grid, ceil(M / 2) x ceil(N / 4)
/// blocks each reading its 4 columns of the gate weight from L2, has at most
/// this many blocks. On the H200 (docs/results/h200-2026-12-03-decode) it
/// took 3-6 us up to 512 blocks (Mixtral's 8 experts at M = 256, DeepSeek's
/// 64 at M = 64) where the warp-per-tile kernel took 12-21 us, and 18.1 us
/// against 16.1 at 2048 blocks (DeepSeek, M = 256).
constexpr int64_t kFewRowsMaxBlocks = 1024;
/// Steps of the few-rows kernel's K loop issued together (their loads in
/// flight at once): 4 x 6 vector loads of 16 bytes per lane stay in
/// registers.
constexpr int64_t kFewRowsUnroll = 4;

/// What the kernels need to know of a row_dot.
struct RowDotShape {
  int64_t k, n;
  bool vec;       // rank-1 rhs: one output column
  int64_t nChunk; // columns per tile
  int64_t width;  // elements per lane and load (vector loads need K % width == 0)
  int64_t outputs() const { return kRows * nChunk; }
};

/// The shape, or a diagnostic. The marker is a discardable attribute: any
/// generic can carry it, so the shape the kernels assume is checked here
/// rather than trusted.
FailureOr<RowDotShape> rowDotShape(linalg::GenericOp op) {
  auto fail = [&]() {
    return op.emitOpError() << "marked samoyeds.row_dot: ";
  };
  // The memref form (the pass has checked buffer semantics): the init is
  // the output buffer.
  if (op.getDpsInputs().size() != 2 || op.getDpsInits().size() != 1)
    return fail() << "expected 2 inputs and 1 init";
  auto lt = dyn_cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto rt = dyn_cast<MemRefType>(op.getDpsInputs()[1].getType());
  auto ot = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
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
  return RowDotShape{k, n, vec, std::min<int64_t>(n, kMaxChunk),
                     k % 8 == 0 ? 8 : 1};
}

/// The kernels' arguments: lhs, rhs, init, out.
struct RowDotArgs {
  Value a, w, in, o;
};
RowDotArgs rowDotArgs(gpu::GPUFuncOp f) {
  Block &e = f.front();
  return {e.getArgument(0), e.getArgument(1), e.getArgument(2), e.getArgument(3)};
}

/// A tile's rows [row0, row0 + kRows) (those past M read row M - 1 and are
/// not stored) and this block's columns [by * nChunk, by * nChunk + nChunk)
/// (those past N read column N - 1 and are not stored).
struct Tile {
  Value n0; // the block's first column
  SmallVector<Value> rowIdx, rowOk, colIdx, colOk;
};
Tile tileOf(Builder &b, Value row0, Value m, const RowDotShape &s) {
  Tile t;
  Value lastRow = arith::SubIOp::create(b, m, cIdx(b, 1));
  for (int64_t r = 0; r < kRows; ++r) {
    Value i = add(b, row0, cIdx(b, r));
    t.rowOk.push_back(ult(b, i, m));
    t.rowIdx.push_back(arith::MinUIOp::create(b, i, lastRow));
  }
  t.n0 = mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::y), cIdx(b, s.nChunk));
  for (int64_t j = 0; j < s.nChunk; ++j) {
    Value col = add(b, t.n0, cIdx(b, j));
    t.colOk.push_back(ult(b, col, cIdx(b, s.n)));
    t.colIdx.push_back(arith::MinUIOp::create(b, col, cIdx(b, s.n - 1)));
  }
  return t;
}

VectorType accType(Builder &b, const RowDotShape &s) {
  return VectorType::get({s.width}, b.getF32Type());
}

/// One step at k offset `kk`: the tile's kRows + nChunk vector loads and its
/// kRows x nChunk vector FMAs into `acc` (row-major).
SmallVector<Value> dotStep(Builder &b, const RowDotArgs &x, const Tile &t,
                           Value kk, ValueRange acc, const RowDotShape &s) {
  auto vt = accType(b, s);
  auto load = [&](Value mem, ValueRange idx) -> Value {
    auto mt = cast<MemRefType>(mem.getType());
    // Rows are K * element bytes apart with K % width == 0, and the layer's
    // buffers start 16-byte aligned (docs/pipeline.md, "Arguments"): without the alignment the
    // NVPTX backend splits a 16-byte load into 8 scalar ones.
    int64_t bytes = s.width * mt.getElementTypeBitWidth() / 8;
    Value v = vector::LoadOp::create(
        b, VectorType::get({s.width}, mt.getElementType()), mem, idx,
        /*nontemporal=*/false, llvm::MaybeAlign(std::min<int64_t>(16, bytes)));
    return mt.getElementType().isF32() ? v
                                       : arith::ExtFOp::create(b, vt, v).getResult();
  };
  SmallVector<Value> xs, ys, next;
  for (int64_t r = 0; r < kRows; ++r)
    xs.push_back(load(x.a, ValueRange{t.rowIdx[r], kk}));
  for (int64_t j = 0; j < s.nChunk; ++j)
    ys.push_back(s.vec ? load(x.w, ValueRange{kk})
                       : load(x.w, ValueRange{t.colIdx[j], kk}));
  for (int64_t r = 0; r < kRows; ++r)
    for (int64_t j = 0; j < s.nChunk; ++j)
      next.push_back(vector::FMAOp::create(b, xs[r], ys[j], acc[r * s.nChunk + j]));
  return next;
}

/// The sum over a warp of a lane's accumulator: its elements, then a
/// butterfly of 5 xor shuffles (every lane holds the sum).
Value warpSum(Builder &b, Value acc) {
  Value v = vector::ReductionOp::create(b, vector::CombiningKind::ADD, acc);
  return warpAllReduce(b, v, [](ImplicitLocOpBuilder &b, Value x, Value y) {
    return fadd(b, x, y);
  });
}

/// out[idx] = init[idx] + v.
void storeOutput(Builder &b, const RowDotArgs &x, ValueRange idx, Value v) {
  store(b, fadd(b, load(b, x.in, idx), v), x.o, idx);
}

SmallVector<Value> outIndex(Value row, Value col, const RowDotShape &s) {
  SmallVector<Value> idx = {row};
  if (!s.vec)
    idx.push_back(col);
  return idx;
}

/// Many rows: a warp per tile of kRows x nChunk, 8 tiles (16 rows) per
/// block; lanes stride K (step 32 * width), lane 0 stores.
void buildWarpPerTile(Builder &b, gpu::GPUFuncOp f, const RowDotShape &s) {
  RowDotArgs x = rowDotArgs(f);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = remu(b, tid, 32);
  Value row0 = mul(b,
                   add(b, mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                              cIdx(b, kWarps)),
                       divu(b, tid, 32)),
                   cIdx(b, kRows));
  Value m = memref::DimOp::create(b, x.a, 0);
  // Whole warps leave together, so the shuffles below see 32 lanes.
  ifThen(b, ult(b, row0, m), [&](Builder &b) {
    Tile t = tileOf(b, row0, m, s);
    auto vt = accType(b, s);
    Value vzero = arith::ConstantOp::create(
        b, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> acc = forReduce(
        b, mul(b, lane, cIdx(b, s.width)), cIdx(b, s.k), cIdx(b, 32 * s.width),
        SmallVector<Value>(s.outputs(), vzero),
        [&](Builder &b, Value kk, ValueRange acc) {
          return dotStep(b, x, t, kk, acc, s);
        });
    Value isLane0 = cmpi(b, arith::CmpIPredicate::eq, lane, cIdx(b, 0));
    for (int64_t r = 0; r < kRows; ++r)
      for (int64_t j = 0; j < s.nChunk; ++j) {
        Value v = warpSum(b, acc[r * s.nChunk + j]);
        ifThen(b, andi(b, isLane0, andi(b, t.rowOk[r], t.colOk[j])),
               [&](Builder &b) {
                 storeOutput(b, x, outIndex(t.rowIdx[r], t.colIdx[j], s), v);
               });
      }
  });
}

/// `unroll` consecutive steps of the few-rows K loop from step `j` (null:
/// 0): step j + u of a thread is at k = kBase + 256 * width * (j + u). With
/// `guard` a step past K loads the last in-bounds vector and leaves `acc` as
/// it is (a select, not a zero product: the clamped vector may hold
/// infinities).
SmallVector<Value> fewRowsSteps(Builder &b, const RowDotArgs &x, const Tile &t,
                                Value kBase, Value j, int64_t unroll, bool guard,
                                SmallVector<Value> acc, const RowDotShape &s) {
  int64_t step = 32 * kWarps * s.width;
  Value k0 = j ? add(b, kBase, mul(b, j, cIdx(b, step))) : kBase;
  for (int64_t u = 0; u < unroll; ++u) {
    Value kk = u == 0 ? k0 : add(b, k0, cIdx(b, u * step));
    if (!guard) {
      acc = dotStep(b, x, t, kk, acc, s);
      continue;
    }
    Value ok = ult(b, kk, cIdx(b, s.k));
    SmallVector<Value> next = dotStep(
        b, x, t, arith::MinUIOp::create(b, kk, cIdx(b, s.k - s.width)), acc, s);
    for (size_t i = 0; i < acc.size(); ++i)
      acc[i] = select(b, ok, next[i], acc[i]);
  }
  return acc;
}

/// Thread tid's share of the few-rows tile: k = tid * width + 256 * width *
/// i (warp w's lanes cover 32 consecutive vectors of each block of 256), up
/// to kFewRowsUnroll steps at a time so that their loads are in flight
/// together. The trip count is static: thread 0's steps (later threads may
/// have one fewer when the step does not divide K: the guard).
SmallVector<Value> fewRowsDot(Builder &b, const RowDotArgs &x, const Tile &t,
                              Value tid, const RowDotShape &s) {
  auto vt = accType(b, s);
  Value vzero = arith::ConstantOp::create(
      b, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> acc(s.outputs(), vzero);
  int64_t step = 32 * kWarps * s.width;
  int64_t trips = (s.k + step - 1) / step;
  int64_t unroll = std::min(trips, kFewRowsUnroll);
  bool guard = s.k % step != 0 || trips % unroll != 0;
  Value kBase = mul(b, tid, cIdx(b, s.width));
  return unrolledReduce(b, trips, unroll, acc,
                        [&](Builder &b, Value j, SmallVector<Value> a) {
                          return fewRowsSteps(b, x, t, kBase, j, unroll, guard,
                                              std::move(a), s);
                        });
}

/// Few rows: a block per tile of kRows x nChunk (grid x = ceil(M / 2)) whose
/// 8 warps split K (fewRowsDot). Each warp sums its lanes by shuffles; the 8
/// partials of an output meet in workgroup memory, and thread o adds those
/// of output o in warp order (deterministic), then init, and stores. row0 <
/// M for every block, and no thread leaves before the barrier.
void buildFewRows(Builder &b, gpu::GPUFuncOp f, const RowDotShape &s) {
  RowDotArgs x = rowDotArgs(f);
  int64_t nOut = s.outputs();
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value partial = f.addWorkgroupAttribution(
      MemRefType::get({kWarps * nOut}, b.getF32Type(), nullptr, wg), b.getLoc());
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = remu(b, tid, 32), warp = divu(b, tid, 32);
  Value row0 = mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::x), cIdx(b, kRows));
  Value m = memref::DimOp::create(b, x.a, 0);
  Tile t = tileOf(b, row0, m, s);
  SmallVector<Value> acc = fewRowsDot(b, x, t, tid, s);
  Value isLane0 = cmpi(b, arith::CmpIPredicate::eq, lane, cIdx(b, 0));
  SmallVector<Value> sums;
  for (Value v : acc)
    sums.push_back(warpSum(b, v));
  ifThen(b, isLane0, [&](Builder &b) {
    for (int64_t o = 0; o < nOut; ++o)
      store(b, sums[o], partial, {add(b, mul(b, warp, cIdx(b, nOut)), cIdx(b, o))});
  });
  gpu::BarrierOp::create(b);
  ifThen(b, ult(b, tid, cIdx(b, nOut)), [&](Builder &b) {
    Value v = load(b, partial, {tid});
    for (int64_t w = 1; w < kWarps; ++w)
      v = fadd(b, v, load(b, partial, {add(b, tid, cIdx(b, w * nOut))}));
    // Output tid is row tid / nChunk, column tid % nChunk of the tile.
    Value r = add(b, row0, divu(b, tid, s.nChunk));
    Value col = add(b, t.n0, remu(b, tid, s.nChunk));
    ifThen(b, andi(b, ult(b, r, m), ult(b, col, cIdx(b, s.n))),
           [&](Builder &b) { storeOutput(b, x, outIndex(r, col, s), v); });
  });
}

} // namespace

/// out[m][n] = init[m][n] + sum_k f32(lhs[m][k]) * f32(rhs[n][k]) (rhs of
/// rank 1: n absent). Both kernels are launched; the one the row count does
/// not choose gets an empty grid (a runtime no-op: an scf.if on the host
/// would split gpu-async-region's token chain, HostLaunch.cpp). A static row
/// count builds and launches only the chosen kernel.
LogicalResult mlir::samoyeds::gpukernels::lowerRowDot(linalg::GenericOp op,
                                                      gpu::GPUModuleOp gpuModule) {
  FailureOr<RowDotShape> shape = rowDotShape(op);
  if (failed(shape))
    return failure();
  const RowDotShape &s = *shape;
  auto lt = cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto rt = cast<MemRefType>(op.getDpsInputs()[1].getType());
  ImplicitLocOpBuilder hb(op.getLoc(), op);
  Value init = op.getDpsInits()[0];
  // The kernels take init and out apart; both are the outs buffer, which
  // every output element is read from and then written to by one thread.
  Value out = outputBuffer(hb, hb.getLoc(), init);
  SmallVector<Value> buffers = {inputBuffer(hb, op.getDpsInputs()[0]),
                                inputBuffer(hb, op.getDpsInputs()[1]),
                                out == init ? out : inputBuffer(hb, init), out};
  Value rows = memref::DimOp::create(hb, buffers[0], 0);
  SmallVector<Type> argTypes;
  for (Value v : buffers)
    argTypes.push_back(v.getType());
  auto eltName = [](Type t) {
    return t.isBF16() ? "bf16" : t.isF16() ? "f16" : t.isF32() ? "f32" : "f";
  };
  int64_t staticRows = lt.getDimSize(0);
  std::string name = "row_dot_k" + std::to_string(s.k) + "_n" +
                     std::to_string(s.n) + (s.vec ? "v" : "") + "_" +
                     eltName(lt.getElementType()) + "_" +
                     eltName(rt.getElementType()) + "_" +
                     (ShapedType::isDynamic(staticRows) ? std::string("dyn")
                                                        : std::to_string(staticRows));
  Value threads = cIdx(hb, 32 * kWarps), one = cIdx(hb, 1);
  auto launch = [&](StringRef kernelName, Value gx, int64_t gy,
                    function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> build) {
    gpu::GPUFuncOp fn = getOrCreateKernel(
        gpuModule, op.getLoc(), kernelName, argTypes,
        ArrayRef<int32_t>{32 * kWarps, 1, 1},
        [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp f) {
          build(b, f);
          gpu::ReturnOp::create(b);
        });
    gpu::LaunchFuncOp::create(hb, op.getLoc(), fn,
                              gpu::KernelDim3{gx, cIdx(hb, gy), one},
                              gpu::KernelDim3{threads, one, one}, Value(), buffers);
  };
  static_assert(kRowDotMmaThreads == 32 * kWarps, "one block size for the three kernels");
  // Many rows: the tensor-core kernel where the element types allow it.
  bool mma = rowDotMmaApplies(lt.getElementType(), rt.getElementType(), s.k, s.vec);
  std::string manyName = mma ? name + "_mma" : name;
  int64_t manyRows = mma ? kRowDotMmaRows : kWarps * kRows;
  int64_t manyGy = mma ? (s.n + rowDotMmaCols(s.n) - 1) / rowDotMmaCols(s.n)
                       : (s.n + s.nChunk - 1) / s.nChunk;
  auto buildMany = [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp f) {
    if (mma)
      buildRowDotMma(b, f, s.k, s.n);
    else
      buildWarpPerTile(b, f, s);
  };
  auto buildFew = [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp f) { buildFewRows(b, f, s); };
  std::string fewName = name + "_fewrows";
  // The most rows the few-rows kernel takes (kFewRowsMaxBlocks).
  int64_t colChunks = (s.n + s.nChunk - 1) / s.nChunk;
  int64_t fewRowsMax = kRows * std::max<int64_t>(1, kFewRowsMaxBlocks / colChunks);
  Value manyGrid = arith::CeilDivUIOp::create(hb, rows, cIdx(hb, manyRows));
  Value fewGrid = arith::CeilDivUIOp::create(hb, rows, cIdx(hb, kRows));
  if (!ShapedType::isDynamic(staticRows)) {
    if (staticRows <= fewRowsMax)
      launch(fewName, fewGrid, colChunks, buildFew);
    else
      launch(manyName, manyGrid, manyGy, buildMany);
  } else {
    Value few = cmpi(hb, arith::CmpIPredicate::ule, rows, cIdx(hb, fewRowsMax));
    Value zero = cIdx(hb, 0);
    launch(manyName, select(hb, few, zero, manyGrid), manyGy, buildMany);
    launch(fewName, select(hb, few, fewGrid, zero), colChunks, buildFew);
  }
  finishOutput(hb, hb.getLoc(), out, init);
  op.erase();
  return success();
}
