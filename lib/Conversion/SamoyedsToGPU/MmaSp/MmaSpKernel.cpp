// The mma.sp ssmm kernel: cp.async stage ring, ldmatrix + mma.sp.sync m16n8k32, and the K loop that ties them to the shared pieces.
//
// This file holds only what is specific to the sm_80-style instruction
// family: the shared-memory carving and cp.async copies of the three stage
// rings, the software pipeline (stages - 1 copies in flight, wait/barrier
// per K tile), the ldmatrix fragments, the metadata words of the selector-0
// lanes and the MMA itself. The tile schedule, the row selection and the
// epilogue are shared with other families (TileSchedule.h, RowSelection.h,
// Epilogue.h) through the accumulator layout of MmaSpLayout.h.
// docs/kernel.md, sections 3-6, describes the kernel.
#include "MmaSpKernel.h"
#include "MmaSpLayout.h"

#include "../Epilogue.h"
#include "../RowSelection.h"
#include "../SplitK.h"
#include "../TileSchedule.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

namespace {

/// Builds the body of one kernel. Values are `index` unless said otherwise.
class MmaSpKernelBuilder {
public:
  MmaSpKernelBuilder(ImplicitLocOpBuilder &b, const KernelSpec &s) : b(b), s(s) {}

  void build(gpu::GPUFuncOp fn);

private:
  ImplicitLocOpBuilder &b;
  const KernelSpec &s;

  // Kernel arguments.
  Value values, meta, rowIdx, input, list, offsets, scale, out;
  // Thread geometry.
  Value tid, lane, g, t, wm, wn;
  std::unique_ptr<MmaSpM16N8Layout> layout;
  TileInfo tile;
  Value smemA, smemB, smemMeta;
  SmallVector<Value> bSrcRow, bSrcElems; // per B copy of this thread
  Value bChunkCol;

  SplitKArgs split;
  Value bx, by;

  /// The accumulators of the tile after the K loop over all V-slices, or
  /// over [range.first, range.second) (a split).
  SmallVector<Value> mainLoop(std::optional<std::pair<Value, Value>> range);
  void issueStage(Value kt, Value stage);
  SmallVector<Value> computeStage(Value stage, ValueRange tmp);
  Value mma(Value a, Value bFrag, Value acc, Value metaVec);
};

} // namespace

Value MmaSpKernelBuilder::mma(Value a, Value bFrag, Value acc, Value metaVec) {
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
      cRegs.push_back(layout->element(b, acc, i, j));
  Value metaI32 = vector::ExtractOp::create(
      b, vector::BitCastOp::create(b, VectorType::get({1}, i32), metaVec),
      ArrayRef<int64_t>{0});
  Value selector = cI32(b, 0);
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                     {f32, f32, f32, f32});
  auto op = NVVM::MmaSpOp::create(
      b, structType, regs(a), regs(bFrag), cRegs, metaI32, selector,
      ArrayRef<int64_t>{16, 8, 32}, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16});
  // sm_90 needs the ordered-metadata form of the instruction (PTX_NOTES).
  if (s.orderedMetadata)
    op.setOrderedMetadata(true);
  SmallVector<Value> d;
  for (int64_t i = 0; i < 4; ++i)
    d.push_back(LLVM::ExtractValueOp::create(b, op.getRes(), i));
  auto rowType = VectorType::get({2}, f32);
  // Row 1 is built first: that is the order the generated IR has always had.
  Value row1 = vector::FromElementsOp::create(b, rowType, ValueRange{d[2], d[3]});
  Value row0 = vector::FromElementsOp::create(b, rowType, ValueRange{d[0], d[1]});
  return layout->makeFragment(b, {row0, row1});
}

void MmaSpKernelBuilder::issueStage(Value kt, Value stage) {
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  int64_t thr = s.threads();
  Value bx = tile.rowTile;
  // A: blockM rows x blockK/2 values, 16-byte chunks.
  int64_t aChunksPerRow = s.blockK / 16;
  for (int64_t q = 0; q < s.blockM() * aChunksPerRow / thr; ++q) {
    Value chunkIdx = add(b, tid, cIdx(b, q * thr));
    Value row = divu(b, chunkIdx, aChunksPerRow),
          chunk = remu(b, chunkIdx, aChunksPerRow);
    Value col = mul(b, chunk, cIdx(b, 8));
    Value gcol = add(b, mul(b, kt, cIdx(b, s.blockK / 2)), col);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemA, ValueRange{stage, row, col}, values,
        withExpert(tile.expert, {globalRow(b, s, bx, row), gcol}),
        b.getIndexAttr(8), Value(), b.getUnitAttr());
  }
  // Metadata: the row's canonical words of the stage, as MmaSpLayout.h's
  // metadata layout places them (4 to 16 bytes: cp.async.ca, which takes
  // sizes below 16).
  MmaSpMetadataLayout metaLayout(s, *layout);
  auto metaCopy = [&](Value row) {
    Value gcol = metaLayout.stageColumn(b, kt);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemMeta, ValueRange{stage, row, cIdx(b, 0)}, meta,
        withExpert(tile.expert, {globalRow(b, s, bx, row), gcol}),
        b.getIndexAttr(metaLayout.wordsPerRow()), Value(), UnitAttr());
  };
  if (s.blockM() >= thr) {
    for (int64_t q = 0; q < s.blockM() / thr; ++q)
      metaCopy(add(b, tid, cIdx(b, q * thr)));
  } else {
    auto ifOp = scf::IfOp::create(b, ult(b, tid, cIdx(b, s.blockM())), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    metaCopy(tid);
  }
  // B: the routed token rows, read in place; padding rows are zero-filled
  // (source size 0).
  int64_t bChunksPerRow = s.blockK / 8;
  for (size_t q = 0; q < bSrcRow.size(); ++q) {
    Value row = add(b, divu(b, tid, bChunksPerRow), cIdx(b, q * thr / bChunksPerRow));
    Value gcol = add(b, mul(b, kt, cIdx(b, s.blockK)), bChunkCol);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemB, ValueRange{stage, row, bChunkCol}, input,
        ValueRange{bSrcRow[q], gcol}, b.getIndexAttr(8), bSrcElems[q],
        b.getUnitAttr());
  }
}

SmallVector<Value> MmaSpKernelBuilder::computeStage(Value stage, ValueRange tmp) {
  int64_t mT = s.mTiles(), nT = s.nTiles();
  SmallVector<Value> acc(tmp.begin(), tmp.end());
  auto fragType = VectorType::get({4, 2}, s.inputElt);
  Value lane16 = remu(b, lane, 16), laneHi = divu(b, lane, 16);
  Value lane8 = remu(b, lane, 8), laneQ = divu(b, lane, 8);
  MmaSpMetadataLayout metaLayout(s, *layout);
  Value laneWord = metaLayout.laneWord(b);
  for (int64_t kk = 0; kk < s.kSteps(); ++kk) {
    SmallVector<Value> aFrag, bFrag, metaVec;
    for (int64_t mt = 0; mt < mT; ++mt) {
      // A (values, 16 x 16 per m-tile and k32 step): ldmatrix x4, lanes 0-15
      // address rows of the low 8 columns, lanes 16-31 of the high ones.
      Value row = add(b, layout->aTileRow(b, mt), lane16);
      Value col = add(b, cIdx(b, kk * 16), mul(b, laneHi, cIdx(b, 8)));
      aFrag.push_back(nvgpu::LdMatrixOp::create(b, fragType, smemA,
                                                ValueRange{stage, row, col},
                                                false, 4));
      // Metadata: the operand register of the m-tile (MmaSpLayout.h).
      metaVec.push_back(
          metaLayout.operand(b, smemMeta, stage, mt, kk, laneWord));
    }
    for (int64_t nt = 0; nt < nT; ++nt) {
      // B (8 tokens x 32 k per n-tile): ldmatrix x4, lane group q addresses
      // the q-th 8 columns.
      Value row = add(b, add(b, mul(b, wn, cIdx(b, s.warpN)), cIdx(b, 8 * nt)), lane8);
      Value col = add(b, cIdx(b, kk * 32), mul(b, laneQ, cIdx(b, 8)));
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

void MmaSpKernelBuilder::build(gpu::GPUFuncOp fn) {
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
  if (s.splitK > 1) {
    split.ws = entry.getArgument(a++);
    split.splits = entry.getArgument(a++);
    split.wsTiles = entry.getArgument(a++);
  }

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  bx = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  by = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  lane = remu(b, tid, 32);
  Value warp = divu(b, tid, 32);
  wm = remu(b, warp, s.warpsM);
  wn = divu(b, warp, s.warpsM);
  g = divu(b, lane, 4);
  t = remu(b, lane, 4);
  layout = std::make_unique<MmaSpM16N8Layout>(s, wm, wn, g, t);

  // Shared memory: one dynamic buffer carved into the three stage rings.
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  auto view = [&](int64_t offset, ArrayRef<int64_t> shape, Type elt) -> Value {
    return memref::ViewOp::create(b, MemRefType::get(shape, elt, nullptr, wg),
                                  dyn, cIdx(b, offset), ValueRange{});
  };
  smemA = view(0, {s.stages, s.blockM(), s.aPitch()}, s.inputElt);
  smemB = view(s.stages * s.aStageBytes(), {s.stages, s.blockN(), s.bPitch()},
               s.inputElt);
  smemMeta = view(s.stages * (s.aStageBytes() + s.bStageBytes()),
                  {s.stages, s.blockM(), s.metaWords()}, b.getI16Type());

  tile = computeTileInfo(b, s, TileCoords{bx, by}, list, offsets);

  // Source rows of this thread's B copies (fixed over the K loop): copy q
  // covers 16 bytes (columns bChunkCol..+8) of tile row
  // tid / chunksPerRow + q * threads / chunksPerRow.
  int64_t bChunksPerRow = s.blockK / 8;
  bChunkCol = mul(b, remu(b, tid, bChunksPerRow), cIdx(b, 8));
  TokenRowSource tokens(b, s, tile, input, list, scale);
  Value anyValid;
  for (int64_t q = 0; q < s.blockN() * bChunksPerRow / s.threads(); ++q) {
    Value row =
        add(b, divu(b, tid, bChunksPerRow), cIdx(b, q * s.threads() / bChunksPerRow));
    TokenRowSource::Row src = tokens.source(b, row);
    bSrcRow.push_back(src.row);
    // cp.async source size: 8 elements, or 0 to zero-fill padding.
    bSrcElems.push_back(select(b, src.valid, cIdx(b, 8), cIdx(b, 0)));
    anyValid = anyValid ? ori(b, anyValid, src.valid) : src.valid;
  }
  // A tile has work when any of its entries is a routed token: the copies
  // of all threads cover its rows, and bar.red.or (__syncthreads_or) joins
  // them. Inside an expert's segment a tile may hold only the segment's
  // padding (sentinels), when the dispatch tile is a multiple of the
  // kernel's: with the decode tile's 16 entries in 64-entry segments three
  // of four tiles were such, and streamed their weight rows for nothing.
  if (anyValid) {
    Value any = NVVM::BarrierOp::create(
                    b, b.getI32Type(), Value(), Value(),
                    NVVM::BarrierReductionAttr::get(b.getContext(),
                                                    NVVM::BarrierReduction::OR),
                    arith::ExtUIOp::create(b, b.getI32Type(), anyValid))
                    .getRes();
    tile.work = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, any, cI32(b, 0));
  }

  SmallVector<Value> acc;
  if (split && s.sumSplits) {
    // The second launch of a split (SplitK.h): the sum of the partials of
    // the tile, in split order, then the epilogue. No copies, no MMAs.
    auto accType = VectorType::get({2, 2}, b.getF32Type());
    SmallVector<Type> types(layout->numFragments(), accType);
    auto sum = scf::IfOp::create(b, types, tileHasWork(b, tile), /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(sum.thenBlock());
      scf::YieldOp::create(
          b, sumPartials(b, s, split, tid, layout->numFragments(), accType,
                         usedFragments(b, *layout, tile.tok0, tile.validEnd),
                         [&](ImplicitLocOpBuilder &nb, Value z) {
                           return partialBlock(nb, s, split, z, bx, by);
                         }));
      b.setInsertionPointToStart(sum.elseBlock());
      Value zero = arith::ConstantOp::create(
          b, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
      scf::YieldOp::create(b, SmallVector<Value>(layout->numFragments(), zero));
    }
    acc.assign(sum.getResults().begin(), sum.getResults().end());
  } else if (!split) {
    acc = mainLoop(std::nullopt);
  } else {
    // The first launch of a split: this split's slices; with more than one
    // split the partials go to the workspace instead of the epilogue.
    Value bz = gpu::BlockIdOp::create(b, gpu::Dimension::z);
    Value nz = gpu::GridDimOp::create(b, gpu::Dimension::z);
    auto f = s.weight.getFormat();
    acc = mainLoop(splitSlices(b, s.weight.getCols() / f.getV(), bz, nz));
    Value partial = cmpi(b, arith::CmpIPredicate::ugt, nz, cIdx(b, 1));
    auto store = scf::IfOp::create(b, andi(b, partial, tileHasWork(b, tile)),
                                   /*withElse=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(store.thenBlock());
      // The host sized the workspace for the tiles that can have work.
      ifThen(b, cmpi(b, arith::CmpIPredicate::uge, by, split.wsTiles),
             [&](ImplicitLocOpBuilder &nb) { LLVM::Trap::create(nb); });
      storePartials(b, s, split.ws, partialBlock(b, s, split, bz, bx, by), tid, acc,
                    usedFragments(b, *layout, tile.tok0, tile.validEnd));
    }
    auto direct = scf::IfOp::create(
        b, cmpi(b, arith::CmpIPredicate::eq, nz, cIdx(b, 1)), /*withElse=*/false);
    b.setInsertionPointToStart(direct.thenBlock());
  }
  emitEpilogue(b, s, *layout, tile, list, scale, out, acc);
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
}

SmallVector<Value>
MmaSpKernelBuilder::mainLoop(std::optional<std::pair<Value, Value>> range) {
  auto f = s.weight.getFormat();
  int64_t cols = s.weight.getCols();
  int64_t kTiles = cols / s.blockK, tilesPerSlice = f.getV() / s.blockK;
  int64_t slices = cols / f.getV();
  int64_t mT = s.mTiles(), nT = s.nTiles(), m = f.getM();
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());

  // A tile holding only padding issues no copies and no MMAs: the else
  // branch yields zero accumulators for the epilogue.
  auto accType0 = VectorType::get({2, 2}, b.getF32Type());
  auto work = scf::IfOp::create(
      b, SmallVector<Type>(layout->numFragments(), accType0),
      tileHasWork(b, tile), /*withElse=*/true);
  b.setInsertionPointToStart(work.elseBlock());
  {
    Value z = arith::ConstantOp::create(
        b, accType0, DenseElementsAttr::get(accType0, b.getF32FloatAttr(0.0f)));
    scf::YieldOp::create(b, SmallVector<Value>(layout->numFragments(), z));
  }
  b.setInsertionPointToStart(work.thenBlock());

  // The K tiles this block runs: all of them, or those of its split's
  // slices (SplitK.h). Without a split the bounds are constants, and the
  // prologue's guards fold away.
  Value sBegin = range ? range->first : cIdx(b, 0);
  Value sEnd = range ? range->second : cIdx(b, slices);
  Value kBegin = mul(b, sBegin, cIdx(b, tilesPerSlice));
  Value kEnd = range ? mul(b, sEnd, cIdx(b, tilesPerSlice)) : cIdx(b, kTiles);

  // Prologue: stages - 1 tiles in flight.
  Value lastGroup;
  for (int64_t st = 0; st < s.stages - 1; ++st) {
    if (!range) {
      if (st < kTiles)
        issueStage(cIdx(b, st), cIdx(b, st));
    } else {
      Value kt = add(b, kBegin, cIdx(b, st));
      auto ifOp = scf::IfOp::create(b, ult(b, kt, kEnd), /*withElse=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      issueStage(kt, remu(b, kt, s.stages));
    }
    lastGroup = nvgpu::DeviceAsyncCreateGroupOp::create(b, tokType, ValueRange{});
  }

  auto accType = VectorType::get({2, 2}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  // acc[slotIndex(j, mt, nt)]: original row j of the group of m-tile mt; the
  // slice loop carries them and the row indices of the current slice.
  int64_t nAcc = m * mT * nT, nR = layout->threadRows();
  SmallVector<Value> init(nAcc, zero);
  SmallVector<Value> firstRows =
      loadRowIndices(b, s, *layout, tile, rowIdx, sBegin);
  init.append(firstRows.begin(), firstRows.end());
  auto sliceLoop = scf::ForOp::create(b, sBegin, sEnd, cIdx(b, 1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(sliceLoop.getBody());
    Value sIdx = sliceLoop.getInductionVar();
    ValueRange iter = sliceLoop.getRegionIterArgs();
    SmallVector<Value> accIn(iter.begin(), iter.begin() + nAcc);
    SmallVector<Value> cur(iter.begin() + nAcc, iter.begin() + nAcc + nR);
    // The next slice's row indices, loaded now so the K loop hides them.
    Value nextS = arith::MinUIOp::create(b, add(b, sIdx, cIdx(b, 1)), cIdx(b, slices - 1));
    SmallVector<Value> nextRows =
        loadRowIndices(b, s, *layout, tile, rowIdx, nextS);
    // The swap is its own inverse: applied before and after the slice.
    SmallVector<SmallVector<Value>> eq = compareRowIndices(b, *layout, cur);
    SmallVector<Value> swapped = swapWithSlotZero(b, *layout, accIn, eq);
    // Slot 0 (the first mT * nT fragments) is what the MMAs accumulate into.
    SmallVector<Value> runInit(swapped.begin(), swapped.begin() + mT * nT);
    auto kLoop = scf::ForOp::create(b, cIdx(b, 0), cIdx(b, tilesPerSlice), cIdx(b, 1), runInit);
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value kt = add(b, mul(b, sIdx, cIdx(b, tilesPerSlice)), kLoop.getInductionVar());
      // Stage kt has landed once at most stages - 2 groups are pending; the
      // barrier also frees the slot the next copy overwrites.
      nvgpu::DeviceAsyncWaitOp::create(b, lastGroup,
                                       b.getI32IntegerAttr(s.stages - 2));
      gpu::BarrierOp::create(b);
      Value next = add(b, kt, cIdx(b, s.stages - 1));
      auto ifOp = scf::IfOp::create(b, ult(b, next, kEnd), false);
      {
        OpBuilder::InsertionGuard g3(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        issueStage(next, remu(b, next, s.stages));
      }
      // One group per iteration, even an empty one, keeps the wait count
      // above exact.
      nvgpu::DeviceAsyncCreateGroupOp::create(b, tokType, ValueRange{});
      SmallVector<Value> run =
          computeStage(remu(b, kt, s.stages), kLoop.getRegionIterArgs());
      scf::YieldOp::create(b, run);
    }
    for (int64_t i = 0; i < mT * nT; ++i)
      swapped[i] = kLoop.getResult(i);
    SmallVector<Value> yields = swapWithSlotZero(b, *layout, swapped, eq);
    yields.append(nextRows.begin(), nextRows.end());
    scf::YieldOp::create(b, yields);
  }
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));
  SmallVector<Value> acc(sliceLoop.getResults().begin(),
                         sliceLoop.getResults().begin() + nAcc);
  scf::YieldOp::create(b, acc);
  b.setInsertionPointAfter(work);
  return SmallVector<Value>(work.getResults().begin(), work.getResults().end());
}

void mlir::samoyeds::gpukernels::buildMmaSpKernel(ImplicitLocOpBuilder &b,
                                                  const KernelSpec &spec,
                                                  gpu::GPUFuncOp fn) {
  MmaSpKernelBuilder(b, spec).build(fn);
}
