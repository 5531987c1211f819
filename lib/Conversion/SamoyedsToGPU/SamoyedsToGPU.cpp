// convert-samoyeds-to-gpu: samoyeds.ssmm -> a Sparse-Tensor-Core kernel + launch.
//
// The kernel layout (tiles, shared-memory ring, fragment mapping) is described
// in docs/kernel.md; the fragment and metadata facts it relies on are those of
// shared/PTX_NOTES.md (mma.sp m16n8k32).
#include "samoyeds/Conversion/Passes.h"
#include "ConfigAttr.h"
#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_CONVERTSAMOYEDSTOGPU
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

/// Everything that shapes one generated kernel.
struct KernelSpec {
  PackedType weight;
  Type inputElt, resultElt;
  bool gather = false, silu = false, hasScale = false;
  int64_t topK = 1;
  // Tiling.
  int64_t warpM, warpN, warpsM, warpsN, stages, blockK;
  bool orderedMetadata = false;
  int64_t smemLimit = 232448; // opt-in shared memory per block, bytes

  int64_t threads() const { return 32 * warpsM * warpsN; }
  int64_t blockM() const { return warpM * warpsM; }
  int64_t blockN() const { return warpN * warpsN; }
  int64_t mTiles() const { return warpM / 16; }
  int64_t nTiles() const { return warpN / 8; }
  int64_t kSteps() const { return blockK / 32; } // mma k32 steps per stage
  // Shared-memory row pitches in elements: padded by 16 bytes so that the 8
  // row addresses of one ldmatrix phase fall into distinct bank groups.
  int64_t aPitch() const { return blockK / 2 + 8; }
  int64_t bPitch() const { return blockK + 8; }
  int64_t metaWords() const { return blockK / 16; }
  int64_t aStageBytes() const { return blockM() * aPitch() * 2; }
  int64_t bStageBytes() const { return blockN() * bPitch() * 2; }
  int64_t metaStageBytes() const { return blockM() * metaWords() * 2; }
  int64_t smemBytes() const {
    return stages * (aStageBytes() + bStageBytes() + metaStageBytes());
  }
  /// Each condensed row keeps M accumulators, one per row of its group.
  int64_t accumulatorFloats() const {
    return weight.getFormat().getM() * warpM * warpN / 32;
  }

  std::string name() const {
    auto f = weight.getFormat();
    std::string s = "ssmm";
    for (int64_t d : weight.getShape())
      s += "_" + std::to_string(d);
    s += inputElt.isBF16() ? "_bf16" : "_f16";
    s += "_n" + std::to_string(f.getN()) + "m" + std::to_string(f.getM()) +
         "v" + std::to_string(f.getV());
    if (gather)
      s += "_gather_k" + std::to_string(topK);
    if (silu)
      s += "_silu";
    if (hasScale)
      s += "_scale";
    s += resultElt.isF32() ? "_of32" : resultElt.isBF16() ? "_obf16" : "_of16";
    s += "_t" + std::to_string(warpM) + "x" + std::to_string(warpN) + "x" +
         std::to_string(warpsM) + "x" + std::to_string(warpsN) + "s" +
         std::to_string(stages) + "k" + std::to_string(blockK);
    return s;
  }
};

/// Builds the body of one kernel. Values are `index` unless said otherwise.
class KernelBuilder {
public:
  KernelBuilder(ImplicitLocOpBuilder &b, const KernelSpec &s) : b(b), s(s) {}

  void build(gpu::GPUFuncOp fn);

private:
  ImplicitLocOpBuilder &b;
  const KernelSpec &s;

  // Kernel arguments.
  Value values, meta, rowIdx, input, list, offsets, scale, out;
  // Thread geometry.
  Value tid, lane, g, t, wm, wn;
  // Tile state.
  Value expert, tok0, listLen, validEnd, poison;
  Value smemA, smemB, smemMeta;
  SmallVector<Value> bSrcRow, bSrcElems; // per B copy of this thread
  Value bChunkCol;

  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, c(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, c(y)); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value sel(Value p, Value x, Value y) {
    return arith::SelectOp::create(b, p, x, y);
  }
  Value toIndex(Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v);
  }
  Value f32c(float v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  // Accumulator fragments are vector<2x2xf32> (the nvgpu mma type); only 1-D
  // vector ops are used on them because n-D ones do not lower on the device.
  Value accRow(Value acc, int64_t h) {
    return vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{h});
  }
  Value accElem(Value acc, int64_t h, int64_t cc) {
    return vector::ExtractOp::create(b, accRow(acc, h), ArrayRef<int64_t>{cc});
  }
  Value makeAcc(Value row0, Value row1) {
    auto accType = VectorType::get({2, 2}, b.getF32Type());
    Value z = arith::ConstantOp::create(
        b, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
    z = vector::InsertOp::create(b, row0, z, ArrayRef<int64_t>{0});
    return vector::InsertOp::create(b, row1, z, ArrayRef<int64_t>{1});
  }

  /// Indices into a weight storage array, with the expert index when present.
  SmallVector<Value> widx(ArrayRef<Value> rest) {
    SmallVector<Value> idx;
    if (s.weight.hasExpertDim())
      idx.push_back(expert);
    idx.append(rest.begin(), rest.end());
    return idx;
  }

  /// Shared-memory row (within the A tile) of m-tile `mt` of warp row `wm`.
  Value aTileRow(int64_t mt) {
    int64_t mT = s.mTiles();
    if (!s.silu)
      return add(mul(wm, c(s.warpM)), c(16 * mt));
    // Gate rows in the first half of the tile, the matching up rows in the
    // second: m-tile mt and mt + mT/2 of a thread hold rows c and c + R/2.
    int64_t half = s.warpM / 2;
    if (mt < mT / 2)
      return add(mul(wm, c(half)), c(16 * mt));
    return add(add(mul(wm, c(half)), c(s.blockM() / 2)), c(16 * (mt - mT / 2)));
  }

  /// Global condensed row of A-tile row `r` of block `bx`.
  Value globalRow(Value bx, Value r) {
    if (!s.silu)
      return add(mul(bx, c(s.blockM())), r);
    int64_t half = s.blockM() / 2;
    int64_t upBase = s.weight.getCondensedRows() / 2;
    Value isUp = arith::CmpIOp::create(b, arith::CmpIPredicate::uge, r, c(half));
    Value base = mul(bx, c(half));
    Value gate = add(base, r);
    Value up = add(add(base, c(upBase)), arith::SubIOp::create(b, r, c(half)));
    return sel(isUp, up, gate);
  }

  void computeTileInfo(Value bx, Value by);
  void issueStage(Value bx, Value kt, Value stage);
  SmallVector<Value> computeStage(Value stage, ValueRange tmp);
  Value mma(Value a, Value bFrag, Value acc, Value metaVec);
  void epilogue(Value bx, ArrayRef<Value> acc);
};

Value KernelBuilder::mma(Value a, Value bFrag, Value acc, Value metaVec) {
  auto accType = VectorType::get({2, 2}, b.getF32Type());
  if (s.inputElt.isF16())
    return nvgpu::MmaSparseSyncOp::create(b, accType, a, bFrag, acc, metaVec,
                                          b.getI64ArrayAttr({16, 8, 32}),
                                          b.getI32IntegerAttr(0), UnitAttr());
  // bf16: nvgpu does not take it; nvvm.mma.sp.sync on i32 registers.
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto regs = [&](Value frag) {
    SmallVector<Value> out;
    for (int64_t r = 0; r < 4; ++r) {
      Value row = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{r});
      Value asI32 = vector::BitCastOp::create(b, VectorType::get({1}, i32), row);
      out.push_back(vector::ExtractOp::create(b, asI32, ArrayRef<int64_t>{0}));
    }
    return out;
  };
  SmallVector<Value> cRegs;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      cRegs.push_back(accElem(acc, i, j));
  Value metaI32 = vector::ExtractOp::create(
      b, vector::BitCastOp::create(b, VectorType::get({1}, i32), metaVec),
      ArrayRef<int64_t>{0});
  Value selector = arith::ConstantOp::create(b, b.getI32IntegerAttr(0));
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                     {f32, f32, f32, f32});
  auto op = NVVM::MmaSpOp::create(
      b, structType, regs(a), regs(bFrag), cRegs, metaI32, selector,
      ArrayRef<int64_t>{16, 8, 32}, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16});
  if (s.orderedMetadata)
    op.setOrderedMetadata(true);
  SmallVector<Value> d;
  for (int64_t i = 0; i < 4; ++i)
    d.push_back(LLVM::ExtractValueOp::create(b, op.getRes(), i));
  auto rowType = VectorType::get({2}, f32);
  return makeAcc(vector::FromElementsOp::create(b, rowType, ValueRange{d[0], d[1]}),
                 vector::FromElementsOp::create(b, rowType, ValueRange{d[2], d[3]}));
}

void KernelBuilder::computeTileInfo(Value bx, Value by) {
  listLen = memref::DimOp::create(b, list, 0);
  tok0 = mul(by, c(s.blockN()));
  poison = arith::ConstantOp::create(b, b.getBoolAttr(false));
  if (!s.weight.hasExpertDim()) {
    validEnd = listLen;
    return;
  }
  // The expert whose segment holds tok0: the number of segment ends <= tok0.
  int64_t experts = s.weight.getNumExperts();
  auto loop = scf::ForOp::create(b, c(0), c(experts), c(1), ValueRange{c(0)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value end = toIndex(memref::LoadOp::create(b, offsets, ValueRange{add(i, c(1))}));
    Value inc = sel(arith::CmpIOp::create(b, arith::CmpIPredicate::ule, end, tok0),
                    c(1), c(0));
    scf::YieldOp::create(b, ValueRange{add(loop.getRegionIterArgs()[0], inc)});
  }
  Value count = loop.getResult(0);
  // Past the last segment every entry is padding: any expert will do.
  expert = arith::MinUIOp::create(b, count, c(experts - 1));
  Value segEnd = toIndex(memref::LoadOp::create(b, offsets, ValueRange{add(expert, c(1))}));
  Value total = toIndex(memref::LoadOp::create(b, offsets, ValueRange{c(experts)}));
  validEnd = arith::MinUIOp::create(b, arith::MinUIOp::create(b, segEnd, total), listLen);
  // Entries of another expert inside this tile: the list was not padded to
  // the kernel's token tile. Poison the tile rather than compute it wrongly.
  Value tileEnd = arith::MinUIOp::create(b, add(tok0, c(s.blockN())),
                                         arith::MinUIOp::create(b, total, listLen));
  poison = ult(segEnd, tileEnd);
}

void KernelBuilder::issueStage(Value bx, Value kt, Value stage) {
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  int64_t thr = s.threads();
  // A: blockM rows x blockK/2 values, 16-byte chunks.
  int64_t aChunksPerRow = s.blockK / 16;
  for (int64_t q = 0; q < s.blockM() * aChunksPerRow / thr; ++q) {
    Value cIdx = add(tid, c(q * thr));
    Value row = div(cIdx, aChunksPerRow), chunk = rem(cIdx, aChunksPerRow);
    Value col = mul(chunk, c(8));
    Value gcol = add(mul(kt, c(s.blockK / 2)), col);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemA, ValueRange{stage, row, col}, values,
        widx({globalRow(bx, row), gcol}), b.getIndexAttr(8), Value(),
        b.getUnitAttr());
  }
  // Metadata: blockK/16 i16 words per row.
  auto metaCopy = [&](Value row) {
    Value gcol = mul(kt, c(s.metaWords()));
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemMeta, ValueRange{stage, row, c(0)}, meta,
        widx({globalRow(bx, row), gcol}), b.getIndexAttr(s.metaWords()),
        Value(), UnitAttr());
  };
  if (s.blockM() >= thr) {
    for (int64_t q = 0; q < s.blockM() / thr; ++q)
      metaCopy(add(tid, c(q * thr)));
  } else {
    auto ifOp = scf::IfOp::create(b, ult(tid, c(s.blockM())), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    metaCopy(tid);
  }
  // B: the routed token rows, read in place; padding rows are zero-filled.
  int64_t bChunksPerRow = s.blockK / 8;
  for (size_t q = 0; q < bSrcRow.size(); ++q) {
    Value row = add(div(tid, bChunksPerRow), c(q * thr / bChunksPerRow));
    Value gcol = add(mul(kt, c(s.blockK)), bChunkCol);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemB, ValueRange{stage, row, bChunkCol}, input,
        ValueRange{bSrcRow[q], gcol}, b.getIndexAttr(8), bSrcElems[q],
        b.getUnitAttr());
  }
}

SmallVector<Value> KernelBuilder::computeStage(Value stage, ValueRange tmp) {
  int64_t mT = s.mTiles(), nT = s.nTiles();
  SmallVector<Value> acc(tmp.begin(), tmp.end());
  auto fragType = VectorType::get({4, 2}, s.inputElt);
  Value lane16 = rem(lane, 16), laneHi = div(lane, 16);
  Value lane8 = rem(lane, 8), laneQ = div(lane, 8);
  Value tPar = rem(t, 2);
  for (int64_t kk = 0; kk < s.kSteps(); ++kk) {
    SmallVector<Value> aFrag, bFrag, metaVec;
    for (int64_t mt = 0; mt < mT; ++mt) {
      Value row = add(aTileRow(mt), lane16);
      Value col = add(c(kk * 16), mul(laneHi, c(8)));
      aFrag.push_back(nvgpu::LdMatrixOp::create(b, fragType, smemA,
                                                ValueRange{stage, row, col},
                                                false, 4));
      // Metadata: row g (low half) and row g + 8 (high half), the word of
      // this thread's k16 half (selector 0: lanes t = 0, 1 supply it).
      Value r0 = add(aTileRow(mt), g);
      Value word = add(c(kk * 2), tPar);
      Value m0 = memref::LoadOp::create(b, smemMeta, ValueRange{stage, r0, word});
      Value m1 = memref::LoadOp::create(b, smemMeta,
                                        ValueRange{stage, add(r0, c(8)), word});
      metaVec.push_back(vector::FromElementsOp::create(
          b, VectorType::get({2}, b.getI16Type()), ValueRange{m0, m1}));
    }
    for (int64_t nt = 0; nt < nT; ++nt) {
      Value row = add(add(mul(wn, c(s.warpN)), c(8 * nt)), lane8);
      Value col = add(c(kk * 32), mul(laneQ, c(8)));
      bFrag.push_back(nvgpu::LdMatrixOp::create(b, fragType, smemB,
                                                ValueRange{stage, row, col},
                                                false, 4));
    }
    for (int64_t mt = 0; mt < mT; ++mt)
      for (int64_t nt = 0; nt < nT; ++nt)
        acc[mt * nT + nt] =
            mma(aFrag[mt], bFrag[nt], acc[mt * nT + nt], metaVec[mt]);
  }
  return acc;
}

void KernelBuilder::epilogue(Value bx, ArrayRef<Value> acc) {
  auto f = s.weight.getFormat();
  int64_t n = f.getN(), m = f.getM(), mT = s.mTiles(), nT = s.nTiles();
  int64_t outTiles = s.silu ? mT / 2 : mT;
  Value nan = f32c(std::numeric_limits<float>::quiet_NaN());
  // Per column (list entry) of this thread: index, in-range flag, scale.
  SmallVector<Value> colIdx, colOk, colScale;
  for (int64_t nt = 0; nt < nT; ++nt)
    for (int64_t cc = 0; cc < 2; ++cc) {
      Value i = add(add(add(tok0, mul(wn, c(s.warpN))), c(8 * nt)),
                    add(mul(t, c(2)), c(cc)));
      colIdx.push_back(i);
      colOk.push_back(ult(i, listLen));
      if (!s.hasScale)
        continue;
      // scale.flat[list[i]] for valid entries, 0 for padding.
      Value safe = sel(ult(i, listLen), i, c(0));
      Value id = toIndex(memref::LoadOp::create(b, list, ValueRange{safe}));
      Value bound = mul(memref::DimOp::create(b, scale, 0), c(s.topK));
      Value okId = arith::AndIOp::create(b, ult(id, bound), ult(i, validEnd));
      // Loaded only for valid ids: with T = 0 the scale buffer is empty.
      auto ifOp = scf::IfOp::create(b, TypeRange{b.getF32Type()}, okId,
                                    /*withElse=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value sv = memref::LoadOp::create(
            b, scale, ValueRange{div(id, s.topK), rem(id, s.topK)});
        scf::YieldOp::create(b, sv);
        b.setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(b, f32c(0.0f));
      }
      colScale.push_back(ifOp.getResult(0));
    }
  Value store = arith::ConstantOp::create(b, b.getBoolAttr(true));
  for (int64_t mt = 0; mt < outTiles; ++mt)
    for (int64_t h = 0; h < 2; ++h) {
      Value crow = globalRow(bx, add(aTileRow(mt), add(g, c(8 * h))));
      // With N > 1 the N condensed rows of a group sit in lanes 4 apart: sum
      // them into the lane of the group's first row, which stores.
      Value leader = store;
      if (n > 1)
        leader = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, rem(g, n),
                                       c(0));
      Value groupBase = mul(div(crow, n), c(m));
      for (int64_t j = 0; j < m; ++j) {
        Value outRow = add(groupBase, c(j));
        for (int64_t nt = 0; nt < nT; ++nt)
          for (int64_t cc = 0; cc < 2; ++cc) {
            auto elem = [&](int64_t tile) -> Value {
              Value v = accElem(acc[(j * mT + tile) * nT + nt], h, cc);
              for (int64_t d = 1; d < n; d *= 2) {
                Value o = gpu::ShuffleOp::create(
                              b, v, arith::ConstantOp::create(b, b.getI32IntegerAttr(4 * d)),
                              arith::ConstantOp::create(b, b.getI32IntegerAttr(32)),
                              gpu::ShuffleMode::XOR)
                              .getShuffleResult();
                v = arith::AddFOp::create(b, v, o);
              }
              return v;
            };
            Value v = elem(mt);
            if (s.silu) {
              Value up = elem(mt + mT / 2);
              Value one = f32c(1.0f);
              Value e = gpukernels::expF32(b, arith::NegFOp::create(b, v));
              Value sig = arith::DivFOp::create(
                  b, one, arith::AddFOp::create(b, one, e));
              v = arith::MulFOp::create(b, arith::MulFOp::create(b, v, sig), up);
            }
            int64_t ci = nt * 2 + cc;
            if (s.hasScale)
              v = arith::MulFOp::create(b, v, colScale[ci]);
            v = sel(poison, nan, v);
            if (!s.resultElt.isF32())
              v = arith::TruncFOp::create(b, s.resultElt, v);
            Value doStore = arith::AndIOp::create(b, leader, colOk[ci]);
            auto ifOp = scf::IfOp::create(b, doStore, /*withElse=*/false);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(ifOp.thenBlock());
            memref::StoreOp::create(b, v, out, ValueRange{colIdx[ci], outRow});
          }
      }
    }
}

void KernelBuilder::build(gpu::GPUFuncOp fn) {
  Block &entry = fn.front();
  b.setInsertionPointToStart(&entry);
  unsigned a = 0;
  values = entry.getArgument(a++);
  meta = entry.getArgument(a++);
  rowIdx = entry.getArgument(a++);
  input = entry.getArgument(a++);
  list = entry.getArgument(a++);
  if (s.weight.hasExpertDim())
    offsets = entry.getArgument(a++);
  if (s.hasScale)
    scale = entry.getArgument(a++);
  out = entry.getArgument(a++);

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bx = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value by = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  lane = rem(tid, 32);
  Value warp = div(tid, 32);
  wm = rem(warp, s.warpsM);
  wn = div(warp, s.warpsM);
  g = div(lane, 4);
  t = rem(lane, 4);

  // Shared memory: one dynamic buffer carved into the three stage rings.
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  auto view = [&](int64_t offset, ArrayRef<int64_t> shape, Type elt) -> Value {
    return memref::ViewOp::create(b, MemRefType::get(shape, elt, nullptr, wg),
                                  dyn, c(offset), ValueRange{});
  };
  smemA = view(0, {s.stages, s.blockM(), s.aPitch()}, s.inputElt);
  smemB = view(s.stages * s.aStageBytes(), {s.stages, s.blockN(), s.bPitch()},
               s.inputElt);
  smemMeta = view(s.stages * (s.aStageBytes() + s.bStageBytes()),
                  {s.stages, s.blockM(), s.metaWords()}, b.getI16Type());

  computeTileInfo(bx, by);

  // Source rows of this thread's B copies (fixed over the K loop).
  int64_t bChunksPerRow = s.blockK / 8;
  bChunkCol = mul(rem(tid, bChunksPerRow), c(8));
  Value inRows = memref::DimOp::create(b, input, 0);
  Value bound = s.gather ? mul(inRows, c(s.topK))
                         : (s.hasScale ? mul(memref::DimOp::create(b, scale, 0),
                                             c(s.topK))
                                       : Value());
  for (int64_t q = 0; q < s.blockN() * bChunksPerRow / s.threads(); ++q) {
    Value row = add(div(tid, bChunksPerRow), c(q * s.threads() / bChunksPerRow));
    Value i = add(tok0, row);
    Value ok = ult(i, validEnd);
    Value srcRow = i;
    if (s.gather || s.hasScale) {
      Value id = toIndex(memref::LoadOp::create(b, list, ValueRange{sel(ok, i, c(0))}));
      ok = arith::AndIOp::create(b, ok, ult(id, bound));
      if (s.gather)
        srcRow = div(id, s.topK);
    }
    bSrcRow.push_back(sel(ok, srcRow, c(0)));
    bSrcElems.push_back(sel(ok, c(8), c(0)));
  }

  auto f = s.weight.getFormat();
  int64_t cols = s.weight.getCols();
  int64_t kTiles = cols / s.blockK, tilesPerSlice = f.getV() / s.blockK;
  int64_t slices = cols / f.getV();
  int64_t mT = s.mTiles(), nT = s.nTiles(), m = f.getM();
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());

  // A tile holding only padding (past the last expert segment or the list)
  // issues no copies and no MMAs: its epilogue writes zeros. Experts without
  // tokens cost nothing.
  auto accType0 = VectorType::get({2, 2}, b.getF32Type());
  auto work = scf::IfOp::create(
      b, SmallVector<Type>(f.getM() * s.mTiles() * s.nTiles(), accType0),
      ult(tok0, validEnd), /*withElse=*/true);
  b.setInsertionPointToStart(work.elseBlock());
  {
    Value z = arith::ConstantOp::create(
        b, accType0, DenseElementsAttr::get(accType0, b.getF32FloatAttr(0.0f)));
    scf::YieldOp::create(
        b, SmallVector<Value>(f.getM() * s.mTiles() * s.nTiles(), z));
  }
  b.setInsertionPointToStart(work.thenBlock());

  // Prologue: stages - 1 tiles in flight.
  Value lastGroup;
  for (int64_t st = 0; st < s.stages - 1; ++st) {
    if (st < kTiles)
      issueStage(bx, c(st), c(st));
    lastGroup = nvgpu::DeviceAsyncCreateGroupOp::create(b, tokType, ValueRange{});
  }

  auto accType = VectorType::get({2, 2}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  // acc[(j * mT + mt) * nT + nt]: original row j of the group of m-tile mt.
  int64_t nAcc = m * mT * nT, nR = mT * 2;
  Type i32 = b.getI32Type();
  auto i32c = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v)).getResult();
  };
  // Row indices of slice `sIdx` for the thread's rows g and g + 8 of each
  // m-tile, as i32.
  auto loadRowIdx = [&](Value sIdx) {
    SmallVector<Value> r;
    for (int64_t mt = 0; mt < mT; ++mt)
      for (int64_t h = 0; h < 2; ++h) {
        Value crow = globalRow(bx, add(aTileRow(mt), add(g, c(8 * h))));
        Value v = memref::LoadOp::create(b, rowIdx, widx({sIdx, crow}));
        r.push_back(arith::ExtUIOp::create(b, i32, v));
      }
    return r;
  };
  // Row selection in registers. Each condensed row keeps M accumulators; the
  // slice's MMAs accumulate into slot 0, so before a slice the accumulator of
  // the row the slice selects is swapped into slot 0. `swapWithZero` swaps
  // slot 0 with slot j of a row where eq[row][j] holds (j >= 1).
  auto swapWithZero = [&](ArrayRef<Value> accs,
                          ArrayRef<SmallVector<Value>> eq) {
    SmallVector<Value> outv(accs.begin(), accs.end());
    for (int64_t mt = 0; mt < mT; ++mt)
      for (int64_t nt = 0; nt < nT; ++nt) {
        SmallVector<SmallVector<Value>> rows(m);
        for (int64_t h = 0; h < 2; ++h) {
          ArrayRef<Value> e = eq[mt * 2 + h];
          SmallVector<Value> r;
          for (int64_t j = 0; j < m; ++j)
            r.push_back(accRow(accs[(j * mT + mt) * nT + nt], h));
          Value first = r[0];
          for (int64_t j = 1; j < m; ++j)
            first = sel(e[j], r[j], first);
          rows[0].push_back(first);
          for (int64_t j = 1; j < m; ++j)
            rows[j].push_back(sel(e[j], r[0], r[j]));
        }
        for (int64_t j = 0; j < m; ++j)
          outv[(j * mT + mt) * nT + nt] = makeAcc(rows[j][0], rows[j][1]);
      }
    return outv;
  };
  auto eqRows = [&](ArrayRef<Value> r) {
    SmallVector<SmallVector<Value>> eq(nR);
    for (int64_t i = 0; i < nR; ++i)
      for (int64_t j = 0; j < m; ++j)
        eq[i].push_back(arith::CmpIOp::create(b, arith::CmpIPredicate::eq, r[i],
                                              i32c(j)));
    return eq;
  };
  SmallVector<Value> init(nAcc, zero);
  SmallVector<Value> firstRows = loadRowIdx(c(0));
  init.append(firstRows.begin(), firstRows.end());
  auto sliceLoop = scf::ForOp::create(b, c(0), c(slices), c(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(sliceLoop.getBody());
    Value sIdx = sliceLoop.getInductionVar();
    ValueRange iter = sliceLoop.getRegionIterArgs();
    SmallVector<Value> accIn(iter.begin(), iter.begin() + nAcc);
    SmallVector<Value> cur(iter.begin() + nAcc, iter.begin() + nAcc + nR);
    // The next slice's row indices, loaded now so the K loop hides them.
    Value nextS = arith::MinUIOp::create(b, add(sIdx, c(1)), c(slices - 1));
    SmallVector<Value> nextRows = loadRowIdx(nextS);
    // The swap is its own inverse: applied before and after the slice.
    SmallVector<SmallVector<Value>> eq = eqRows(cur);
    SmallVector<Value> swapped = swapWithZero(accIn, eq);
    SmallVector<Value> runInit(swapped.begin(), swapped.begin() + mT * nT);
    auto kLoop = scf::ForOp::create(b, c(0), c(tilesPerSlice), c(1), runInit);
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value kt = add(mul(sIdx, c(tilesPerSlice)), kLoop.getInductionVar());
      nvgpu::DeviceAsyncWaitOp::create(b, lastGroup,
                                       b.getI32IntegerAttr(s.stages - 2));
      gpu::BarrierOp::create(b);
      Value next = add(kt, c(s.stages - 1));
      auto ifOp = scf::IfOp::create(b, ult(next, c(kTiles)), false);
      {
        OpBuilder::InsertionGuard g3(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        issueStage(bx, next, rem(next, s.stages));
      }
      nvgpu::DeviceAsyncCreateGroupOp::create(b, tokType, ValueRange{});
      SmallVector<Value> run =
          computeStage(rem(kt, s.stages), kLoop.getRegionIterArgs());
      scf::YieldOp::create(b, run);
    }
    for (int64_t i = 0; i < mT * nT; ++i)
      swapped[i] = kLoop.getResult(i);
    SmallVector<Value> yields = swapWithZero(swapped, eq);
    yields.append(nextRows.begin(), nextRows.end());
    scf::YieldOp::create(b, yields);
  }
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));
  SmallVector<Value> acc(sliceLoop.getResults().begin(),
                         sliceLoop.getResults().begin() + nAcc);
  scf::YieldOp::create(b, acc);
  b.setInsertionPointAfter(work);
  epilogue(bx, SmallVector<Value>(work.getResults().begin(),
                                  work.getResults().end()));
  gpu::ReturnOp::create(b);
}

} // namespace

MemRefType mlir::samoyeds::gpukernels::bufferType(Type t) {
  auto rt = cast<RankedTensorType>(t);
  return MemRefType::get(rt.getShape(), rt.getElementType());
}

Value mlir::samoyeds::gpukernels::toBuffer(OpBuilder &b, Location loc, Value tensor) {
  return bufferization::ToBufferOp::create(b, loc, bufferType(tensor.getType()),
                                           tensor, /*read_only=*/true);
}

gpu::GPUFuncOp mlir::samoyeds::gpukernels::getOrCreateKernel(
    gpu::GPUModuleOp gpuModule, Location loc, StringRef name, TypeRange argTypes,
    ArrayRef<int32_t> blockSize,
    function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> body) {
  if (auto fn = gpuModule.lookupSymbol<gpu::GPUFuncOp>(name))
    return fn;
  OpBuilder kb(gpuModule.getBodyRegion());
  kb.setInsertionPointToEnd(&gpuModule.getBodyRegion().front());
  auto fn = gpu::GPUFuncOp::create(kb, loc, name, kb.getFunctionType(argTypes, {}));
  fn->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), kb.getUnitAttr());
  fn.setKnownBlockSize(blockSize);
  ImplicitLocOpBuilder ib(loc, kb);
  ib.setInsertionPointToStart(&fn.front());
  body(ib, fn);
  return fn;
}

namespace {
using mlir::samoyeds::gpukernels::bufferType;

struct ConvertSamoyedsToGPUPass
    : mlir::samoyeds::impl::ConvertSamoyedsToGPUBase<ConvertSamoyedsToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<SsmmOp> ops;
    module.walk([&](SsmmOp op) { ops.push_back(op); });
    bool anyRouting = false;
    module.walk([&](Operation *op) {
      anyRouting |= isa<RouteOp, DispatchOp, CombineOp>(op) ||
                    op->hasAttr("samoyeds.row_dot");
    });
    if (ops.empty() && !anyRouting)
      return;
    std::optional<::samoyeds::gpu::TargetInfo> target =
        gpukernels::lookupTarget(module, "convert-samoyeds-to-gpu", chip);
    if (!target)
      return signalPassFailure();

    OpBuilder top(module.getContext());
    gpu::GPUModuleOp gpuModule;
    module.walk([&](gpu::GPUModuleOp m) {
      if (m.getName() == "samoyeds_kernels")
        gpuModule = m;
    });
    if (!gpuModule) {
      top.setInsertionPointToEnd(module.getBody());
      gpuModule = gpu::GPUModuleOp::create(top, module.getLoc(), "samoyeds_kernels");
    }
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    top.getUnitAttr());

    for (SsmmOp op : ops)
      if (failed(lower(op, gpuModule, *target)))
        return signalPassFailure();
    // The routing ops of a decomposed samoyeds.moe.
    SmallVector<Operation *> routing;
    module.walk([&](Operation *op) {
      if (isa<RouteOp, DispatchOp, CombineOp>(op))
        routing.push_back(op);
    });
    // Row dot products marked by samoyeds-decompose-moe (gate logits, shared
    // expert gate): a warp per row instead of a thread per output element.
    SmallVector<linalg::GenericOp> rowDots;
    module.walk([&](linalg::GenericOp op) {
      if (op->hasAttr("samoyeds.row_dot") && op.hasPureTensorSemantics())
        rowDots.push_back(op);
    });
    for (linalg::GenericOp op : rowDots)
      lowerRowDot(op, gpuModule);
    for (Operation *op : routing) {
      LogicalResult r =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case([&](RouteOp o) { return gpukernels::lowerRoute(o, gpuModule); })
              .Case([&](DispatchOp o) { return gpukernels::lowerDispatch(o, gpuModule); })
              .Case([&](CombineOp o) { return gpukernels::lowerCombine(o, gpuModule); });
      if (failed(r))
        return signalPassFailure();
    }
  }

  /// out[m][n] = init[m][n] + sum_k f32(lhs[m][k]) * f32(rhs[n][k]) (rhs of
  /// rank 1: n absent). Block of 8 warps, a warp per row m: lanes stride k
  /// (coalesced), a butterfly of shuffles sums them, lane 0 writes.
  void lowerRowDot(linalg::GenericOp op, gpu::GPUModuleOp gpuModule) {
    Location loc = op.getLoc();
    OpBuilder hb(op);
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value init = op.getDpsInits()[0];
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    auto ot = cast<RankedTensorType>(op.getResult(0).getType());
    bool vec = rt.getRank() == 1;
    int64_t k = lt.getDimSize(1);
    int64_t n = vec ? 1 : rt.getDimSize(0);
    SmallVector<Value> buffers = {gpukernels::toBuffer(hb, loc, lhs),
                                  gpukernels::toBuffer(hb, loc, rhs),
                                  gpukernels::toBuffer(hb, loc, init)};
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
    // Columns per block (grid y spreads the rest, so few rows still fill the
    // chip) and elements per lane load (vector loads need K % width == 0).
    int64_t nChunk = std::min<int64_t>(n, 4);
    int64_t width = k % 8 == 0 ? 8 : 1;
    gpu::GPUFuncOp fn = gpukernels::getOrCreateKernel(
        gpuModule, loc, name, argTypes, ArrayRef<int32_t>{32 * kWarps, 1, 1},
        [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp f) {
          Block &e = f.front();
          Value a = e.getArgument(0), w = e.getArgument(1), in = e.getArgument(2),
                o = e.getArgument(3);
          auto c = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, v).getResult();
          };
          auto toF32 = [&](Value v) -> Value {
            return v.getType().isF32() ? v
                                       : arith::ExtFOp::create(b, b.getF32Type(), v);
          };
          Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
          Value lane = arith::RemUIOp::create(b, tid, c(32));
          Value row = arith::AddIOp::create(
              b, arith::MulIOp::create(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                                       c(kWarps)),
              arith::DivUIOp::create(b, tid, c(32)));
          Value m = memref::DimOp::create(b, a, 0);
          // Whole warps leave together, so the shuffles below see 32 lanes.
          auto inRange = scf::IfOp::create(
              b, arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row, m), false);
          b.setInsertionPointToStart(inRange.thenBlock());
          Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f));
          // This block's columns: [by * nChunk, min(N, by * nChunk + nChunk)).
          Value n0 = arith::MulIOp::create(
              b, gpu::BlockIdOp::create(b, gpu::Dimension::y), c(nChunk));
          Value n1 = arith::MinUIOp::create(b, arith::AddIOp::create(b, n0, c(nChunk)),
                                            c(n));
          auto nLoop = scf::ForOp::create(b, n0, n1, c(1));
          b.setInsertionPointToStart(nLoop.getBody());
          Value col = nLoop.getInductionVar();
          // Each lane reads `width` consecutive elements (16 bytes of bf16).
          auto vt = VectorType::get({width}, b.getF32Type());
          Value vzero = arith::ConstantOp::create(
              b, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0.0f)));
          auto kLoop = scf::ForOp::create(b, arith::MulIOp::create(b, lane, c(width)),
                                          c(k), c(32 * width), ValueRange{vzero});
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
            Value x = load(a, ValueRange{row, kk});
            Value y = vec ? load(w, ValueRange{kk}) : load(w, ValueRange{col, kk});
            Value acc = vector::FMAOp::create(b, x, y, kLoop.getRegionIterArgs()[0]);
            scf::YieldOp::create(b, acc);
          }
          Value v = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                                kLoop.getResult(0));
          for (int64_t d = 16; d >= 1; d /= 2) {
            Value o2 = gpu::ShuffleOp::create(
                           b, v, arith::ConstantOp::create(b, b.getI32IntegerAttr(d)),
                           arith::ConstantOp::create(b, b.getI32IntegerAttr(32)),
                           gpu::ShuffleMode::XOR)
                           .getShuffleResult();
            v = arith::AddFOp::create(b, v, o2);
          }
          auto lane0 = scf::IfOp::create(
              b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, c(0)), false);
          b.setInsertionPointToStart(lane0.thenBlock());
          SmallVector<Value> idx = {row};
          if (!vec)
            idx.push_back(col);
          Value base = memref::LoadOp::create(b, in, idx);
          memref::StoreOp::create(b, arith::AddFOp::create(b, base, v), o, idx);
          b.setInsertionPointAfter(inRange);
          gpu::ReturnOp::create(b);
        });
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(hb, loc, v).getResult();
    };
    Value blocks = arith::CeilDivUIOp::create(hb, loc, rows, cst(kWarps));
    gpukernels::launchUnlessEmpty(
        hb, loc, fn,
        gpu::KernelDim3{blocks, cst((n + nChunk - 1) / nChunk), cst(1)},
        gpu::KernelDim3{cst(32 * kWarps), cst(1), cst(1)}, Value(), buffers,
        blocks);
    Value result = bufferization::ToTensorOp::create(hb, loc, ot, out,
                                                     /*restrict=*/true,
                                                     /*writable=*/true);
    op.getResult(0).replaceAllUsesWith(result);
    op.erase();
  }

  LogicalResult lower(SsmmOp op, gpu::GPUModuleOp gpuModule,
                      const ::samoyeds::gpu::TargetInfo &target) {
    auto assemble = op.getWeight().getDefiningOp<AssembleOp>();
    if (!assemble)
      return op.emitOpError()
             << "GPU lowering: the packed weight must come from "
                "samoyeds.assemble (run samoyeds-expand-storage; constant "
                "weights fold to assemble under canonicalize)";
    KernelSpec s;
    s.weight = cast<PackedType>(op.getWeight().getType());
    s.inputElt = op.getInput().getType().getElementType();
    s.resultElt = op.getResult().getType().getElementType();
    s.gather = op.getGather();
    s.silu = op.getEpilogue() == Epilogue::silu_mul;
    s.hasScale = op.getScale() != nullptr;
    s.topK = op.getTopK();
    if (!s.resultElt.isF32() && !s.resultElt.isF16() && !s.resultElt.isBF16())
      return op.emitOpError() << "GPU lowering: result element type must be "
                                 "f32, f16 or bf16, got "
                              << s.resultElt;
    // The op's configuration (samoyeds-select-kernel-config), else the
    // table/heuristic with this pass's options as overrides.
    ::samoyeds::gpu::KernelConfig overrides;
    overrides.warpM = warpM;
    overrides.warpN = warpN;
    overrides.warpsM = warpsM;
    overrides.warpsN = warpsN;
    overrides.stages = stages;
    overrides.blockK = blockK;
    FailureOr<::samoyeds::gpu::KernelConfig> config =
        gpukernels::resolveConfig(op, target, overrides);
    if (failed(config))
      return failure();
    s.warpM = config->warpM;
    s.warpN = config->warpN;
    s.warpsM = config->warpsM;
    s.warpsN = config->warpsN;
    s.stages = config->stages;
    s.blockK = config->blockK;
    s.orderedMetadata = target.orderedMetadata;
    s.smemLimit = target.smemPerBlock;
    // A block must not span two experts' segments: with the list from a
    // dispatch the contract is checked here, at compile time (a list from
    // elsewhere keeps the kernel's run-time NaN poisoning of such tiles).
    if (auto d = op.getList().getDefiningOp<DispatchOp>())
      if (d.getTile() % config->blockN())
        return op.emitOpError()
               << "GPU lowering: the dispatch tile (" << d.getTile()
               << ") is not a multiple of the kernel's token tile ("
               << config->blockN()
               << "); run samoyeds-select-kernel-config, which sets it";

    // Operands as buffers, in kernel-argument order.
    OpBuilder hb(op);
    Location loc = op.getLoc();
    SmallVector<Value> tensors = {assemble.getValues(), assemble.getMetadata(),
                                  assemble.getRowIndices(), op.getInput(),
                                  op.getList()};
    if (op.getOffsets())
      tensors.push_back(op.getOffsets());
    if (op.getScale())
      tensors.push_back(op.getScale());
    SmallVector<Value> buffers;
    for (Value tv : tensors)
      buffers.push_back(bufferization::ToBufferOp::create(
          hb, loc, bufferType(tv.getType()), tv, /*read_only=*/true));
    MemRefType outType = bufferType(op.getResult().getType());
    Value len = memref::DimOp::create(hb, loc, buffers[4], 0);
    SmallVector<Value> dynSizes;
    if (outType.isDynamicDim(0))
      dynSizes.push_back(len);
    Value outBuf = memref::AllocOp::create(hb, loc, outType, dynSizes);
    buffers.push_back(outBuf);

    // The kernel (one per distinct configuration).
    SmallVector<Type> argTypes;
    for (Value v : buffers)
      argTypes.push_back(v.getType());
    gpu::GPUFuncOp fn = gpukernels::getOrCreateKernel(
        gpuModule, loc, s.name(), argTypes,
        ArrayRef<int32_t>{int32_t(s.threads()), 1, 1},
        [&](ImplicitLocOpBuilder &ib, gpu::GPUFuncOp f) {
          KernelBuilder(ib, s).build(f);
          if (minBlocksPerSM > 0)
            f->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                       ib.getI32IntegerAttr(minBlocksPerSM));
        });

    // The launch: grid over row tiles x token tiles, skipped when empty.
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(hb, loc, v).getResult();
    };
    int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
    Value gy = arith::CeilDivUIOp::create(hb, loc, len, cst(s.blockN()));
    Value smem = arith::ConstantOp::create(hb, loc, hb.getI32IntegerAttr(s.smemBytes()));
    gpukernels::launchUnlessEmpty(
        hb, loc, fn, gpu::KernelDim3{cst(rowTiles), gy, cst(1)},
        gpu::KernelDim3{cst(s.threads()), cst(1), cst(1)}, smem, buffers, gy);
    Value result = bufferization::ToTensorOp::create(
        hb, loc, op.getResult().getType(), outBuf, /*restrict=*/true,
        /*writable=*/true);
    op.replaceAllUsesWith(result);
    op.erase();
    if (assemble->use_empty())
      assemble.erase();
    return success();
  }
};

} // namespace
