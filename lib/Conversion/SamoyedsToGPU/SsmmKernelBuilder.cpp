// SsmmKernelBuilder: the shared ssmm kernel body (SsmmKernelBuilder.h).
#include "SsmmKernelBuilder.h"

#include "Epilogue.h"
#include "Kernels.h"
#include "RowSelection.h"
#include "WgmmaSp/TmaLoads.h"

#include "samoyeds/Conversion/Passes.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

void SsmmKernelBuilder::issueMetadata(Value kt, Value stage) {
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  Value bx = tile.rowTile;
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
  int64_t copiers = s.copyThreads();
  if (s.blockM() >= copiers) {
    for (int64_t q = 0; q < s.blockM() / copiers; ++q)
      metaCopy(add(b, copyTid, cIdx(b, q * copiers)));
  } else {
    auto ifOp = scf::IfOp::create(b, ult(b, copyTid, cIdx(b, s.blockM())), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    metaCopy(copyTid);
  }
}

void SsmmKernelBuilder::build(gpu::GPUFuncOp fn) {
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
    split.counters = entry.getArgument(a++);
    split.wsTiles = entry.getArgument(a++);
  }
  // Tensor maps: by value in the IR, read through a private copy, which
  // samoyeds-grid-constant-args replaces by the __grid_constant__ parameter.
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  int64_t maps = tensorMapArgs(s);
  if (maps)
    fn->setAttr(kGridConstantArgsAttr, b.getI64IntegerAttr(maps));
  for (int64_t i = 0; i < maps; ++i, ++a) {
    Value arg = entry.getArgument(a);
    Value copy = LLVM::AllocaOp::create(b, ptrType, arg.getType(), cI32(b, 1), 64);
    LLVM::StoreOp::create(b, arg, copy);
    tensorMaps.push_back(copy);
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
  // Warp-specialised, the producer warpgroup's threads copy; every thread
  // computes the copy indices of its place in a warpgroup, so that the
  // block's OR of their validity below covers all token rows.
  copyTid = s.warpSpecialized() ? remu(b, tid, s.copyThreads()) : tid;

  // Shared memory: one dynamic buffer, carved by the family into its rings.
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  carveSharedMemory(dyn);

  tile = computeTileInfo(b, s, TileCoords{bx, by}, list, offsets);

  TokenRowSource tokens(b, s, tile, input, list, scale);
  Value anyValid = setupTokenCopies(tokens);
  // A tile has work when any of its entries is a routed token: the copies
  // of all threads cover its rows, and bar.red.or (__syncthreads_or) joins
  // them. Inside an expert's segment a tile may hold only the segment's
  // padding (sentinels), when the dispatch tile is a multiple of the
  // kernel's: with the decode tile's 16 entries in 64-entry segments three
  // of four tiles were such, and streamed their weight rows for nothing.
  if (anyValid)
    tile.work = blockAnyOf(b, anyValid);

  SmallVector<Value> acc;
  if (!split) {
    acc = mainLoop(std::nullopt);
  } else {
    // A split (SplitK.h): this split's slices; with more than one split the
    // partials go to the workspace, and the tile's last block to arrive
    // adds them all in split order and runs the epilogue.
    Value bz = gpu::BlockIdOp::create(b, gpu::Dimension::z);
    split.splits = gpu::GridDimOp::create(b, gpu::Dimension::z);
    auto f = s.weight.getFormat();
    acc = mainLoop(splitSlices(b, s.weight.getCols() / f.getV(), bz, split.splits));
    Value partial = cmpi(b, arith::CmpIPredicate::ugt, split.splits, cIdx(b, 1));
    Value work = tileHasWork(b, tile);
    SmallVector<Value> used = usedFragments(b, *layout, tile.tok0, tile.validEnd);
    // Both conditions are the same for every thread of the block: the
    // barriers inside are reached by all or none.
    auto arrive = scf::IfOp::create(b, b.getI1Type(), andi(b, partial, work),
                                    /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(arrive.thenBlock());
      // The host sized the workspace and counters for the tiles that can
      // have work.
      ifThen(b, cmpi(b, arith::CmpIPredicate::uge, by, split.wsTiles),
             [&](ImplicitLocOpBuilder &nb) { LLVM::Trap::create(nb); });
      scf::YieldOp::create(
          b, arriveLast(b, s, split, partialBlock(b, s, split, bz, bx, by),
                        tileCounter(b, split, bx, by), tid, acc, used));
      b.setInsertionPointToStart(arrive.elseBlock());
      scf::YieldOp::create(b, ValueRange{cBool(b, false)});
    }
    Value last = arrive.getResult(0);
    auto accType = VectorType::get({2, 2}, b.getF32Type());
    auto sum = scf::IfOp::create(b, SmallVector<Type>(acc.size(), accType), last,
                                 /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(sum.thenBlock());
      scf::YieldOp::create(
          b, sumPartials(b, s, split, tid, layout->numFragments(), accType, used,
                         [&](ImplicitLocOpBuilder &nb, Value z) {
                           return partialBlock(nb, s, split, z, bx, by);
                         }));
      b.setInsertionPointToStart(sum.elseBlock());
      scf::YieldOp::create(b, acc);
    }
    acc.assign(sum.getResults().begin(), sum.getResults().end());
    // The epilogue: unsplit (S = 1), the last block of a tile with work, or
    // split 0 of a tile without (its zero accumulators: padding rows).
    Value noWork = arith::XOrIOp::create(b, work, cBool(b, true));
    Value first = cmpi(b, arith::CmpIPredicate::eq, bz, cIdx(b, 0));
    Value epilogue = ori(b, ori(b, arith::XOrIOp::create(b, partial, cBool(b, true)), last),
                         andi(b, noWork, first));
    auto direct = scf::IfOp::create(b, epilogue, /*withElse=*/false);
    b.setInsertionPointToStart(direct.thenBlock());
  }
  if (Value mma = mmaThread()) {
    // Only the MMA threads hold accumulators and store them.
    auto ifOp = scf::IfOp::create(b, mma, /*withElse=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
  emitEpilogue(b, s, *layout, tile, list, scale, out, acc);
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
}

void SsmmKernelBuilder::pipelinePrologue(Value kBegin, Value kEnd, bool split) {
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  int64_t kTiles = s.weight.getCols() / s.blockK;
  // stages - 1 tiles in flight. Without a split the bounds are constants and
  // the guards fold away.
  for (int64_t st = 0; st < s.stages - 1; ++st) {
    if (!split) {
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
}

SmallVector<Value> SsmmKernelBuilder::kTileStep(Value kt, Value kEnd, ValueRange acc) {
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  // Stage kt has landed once at most stages - 2 groups are pending; the
  // barrier also frees the slot the next copy overwrites.
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(s.stages - 2));
  stageLanded();
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
  return computeStage(remu(b, kt, s.stages), acc);
}

void SsmmKernelBuilder::pipelineDrain() {
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));
}

SmallVector<Value>
SsmmKernelBuilder::mainLoop(std::optional<std::pair<Value, Value>> range) {
  auto f = s.weight.getFormat();
  int64_t cols = s.weight.getCols();
  int64_t kTiles = cols / s.blockK, tilesPerSlice = f.getV() / s.blockK;
  int64_t slices = cols / f.getV();

  // A tile holding only padding issues no copies and no MMAs: the else
  // branch yields zero accumulators for the epilogue.
  auto accType = VectorType::get({2, 2}, b.getF32Type());
  auto zeros = [&]() {
    Value z = arith::ConstantOp::create(
        b, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
    scf::YieldOp::create(b, SmallVector<Value>(layout->numFragments(), z));
  };
  SmallVector<Type> accTypes(layout->numFragments(), accType);
  auto work = scf::IfOp::create(b, accTypes, tileHasWork(b, tile), /*withElse=*/true);
  b.setInsertionPointToStart(work.elseBlock());
  zeros();
  b.setInsertionPointToStart(work.thenBlock());

  // The K tiles this block runs: all of them, or those of its split's
  // slices (SplitK.h).
  Value sBegin = range ? range->first : cIdx(b, 0);
  Value sEnd = range ? range->second : cIdx(b, slices);
  Value kBegin = mul(b, sBegin, cIdx(b, tilesPerSlice));
  Value kEnd = range ? mul(b, sEnd, cIdx(b, tilesPerSlice)) : cIdx(b, kTiles);
  pipelinePrologue(kBegin, kEnd, range.has_value());
  SmallVector<Value> acc;
  if (Value mma = mmaThread()) {
    auto role = scf::IfOp::create(b, accTypes, mma, /*withElse=*/true);
    b.setInsertionPointToStart(role.elseBlock());
    zeros();
    b.setInsertionPointToStart(role.thenBlock());
    scf::YieldOp::create(b, sliceLoop(sBegin, sEnd, kEnd));
    b.setInsertionPointAfter(role);
    acc.assign(role.getResults().begin(), role.getResults().end());
  } else {
    acc = sliceLoop(sBegin, sEnd, kEnd);
  }
  scf::YieldOp::create(b, acc);
  b.setInsertionPointAfter(work);
  return SmallVector<Value>(work.getResults().begin(), work.getResults().end());
}

SmallVector<Value> SsmmKernelBuilder::sliceLoop(Value sBegin, Value sEnd, Value kEnd) {
  auto f = s.weight.getFormat();
  int64_t cols = s.weight.getCols();
  int64_t tilesPerSlice = f.getV() / s.blockK, slices = cols / f.getV();
  int64_t mT = s.mTiles(), nT = s.nTiles(), m = f.getM();
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
  auto loop = scf::ForOp::create(b, sBegin, sEnd, cIdx(b, 1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value sIdx = loop.getInductionVar();
    ValueRange iter = loop.getRegionIterArgs();
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
      scf::YieldOp::create(b, kTileStep(kt, kEnd, kLoop.getRegionIterArgs()));
    }
    for (int64_t i = 0; i < mT * nT; ++i)
      swapped[i] = kLoop.getResult(i);
    SmallVector<Value> yields = swapWithSlotZero(b, *layout, swapped, eq);
    yields.append(nextRows.begin(), nextRows.end());
    scf::YieldOp::create(b, yields);
  }
  pipelineDrain();
  return SmallVector<Value>(loop.getResults().begin(), loop.getResults().begin() + nAcc);
}
