// The wgmma.sp ssmm kernel: the shared K loop (SsmmKernelBuilder) with core-matrix stage rings and warpgroup MMAs.
//
// Each warpgroup (4 warps, 128 threads) owns 64 condensed rows of the block
// tile per instruction (two instructions, gate and up rows, with silu_mul)
// and all blockN tokens: per k32 step it issues one
// wgmma.mma_async.sp.m64n<blockN>k32 per m-tile, reading A and B from the
// stage ring through matrix descriptors (WgmmaSpLayout.h) and the metadata
// register from the metadata ring. Its accumulators are, per warp, those of
// the mma.sp m16n8 layout repeated along N (PTX ISA, wgmma D fragment), so the
// row selection and the epilogue are the mma.sp kernel's.
//
// The data path is the mma.sp kernel's: all threads issue the cp.async copies
// of a stage (whole 128-byte lines of a row per warp, into the swizzled rings
// of WgmmaSpLayout.h), stages - 1 in flight; after a stage lands
// each thread fences its writes to the async proxy (fence.proxy.async),
// the block synchronises, and the warpgroups issue the stage's wgmmas as one
// commit group and wait for it before the next stage (the row exchange of
// the next V-slice touches the accumulators).
//
// With schedule = warp_specialized (docs/kernel.md, section 17) one more
// warpgroup, after the MMA warpgroups, only copies: it fills the ring
// through an MBarrierRing (full and empty barriers per slot) and the MMA
// warpgroups wait on the slot's full barrier instead of a block barrier, so
// neither side waits for the other's slowest thread and the two MMA
// warpgroups drift apart (one exchanges rows while the other multiplies).
#include "WgmmaSpKernel.h"
#include "MBarrierRing.h"
#include "WgmmaSpLayout.h"
#include "WgmmaSpOps.h"
#include "TmaLoads.h"

#include "../TileSchedule.h"

#include "../SsmmKernelBuilder.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

namespace {

class WgmmaSpKernelBuilder : public SsmmKernelBuilder {
public:
  WgmmaSpKernelBuilder(ImplicitLocOpBuilder &b, const KernelSpec &s)
      : SsmmKernelBuilder(b, s), aTile(s.blockM(), 2 * s.aPitch()),
        bTile(s.blockN(), 2 * s.bPitch()) {}

private:
  SwizzledTile aTile, bTile;
  Value smemA, smemB; // [stage][element] in the swizzled layout
  Value smemBase;     // i64 shared-window address of the (aligned) rings
  std::unique_ptr<MBarrierRing> ring; // warp-specialised only
  // Per B copy of this thread: source row, source size, column, element
  // offset in the stage.
  SmallVector<Value> bSrcRow, bSrcElems, bCol, bDst;

  void carveSharedMemory(Value dyn) override;
  Value setupTokenCopies(const TokenRowSource &tokens) override;
  void issueStage(Value kt, Value stage) override;
  /// The TMA loads of K tile `kt` into slot `stage` (TmaLoads.h).
  void issueTmaLoads(Value kt, Value stage);
  void stageLanded() override;
  SmallVector<Value> computeStage(Value stage, ValueRange acc) override;

  // Warp-specialised schedule (s.warpSpecialized()); else the defaults.
  void pipelinePrologue(Value kBegin, Value kEnd, bool split) override;
  SmallVector<Value> kTileStep(Value kt, Value kEnd, ValueRange acc) override;
  void pipelineDrain() override;
  Value mmaThread() override;
  /// Copy groups the producer leaves in flight before it publishes a slot.
  int64_t producerLag() const { return std::max<int64_t>(s.stages - 2, 0); }
};

} // namespace

void WgmmaSpKernelBuilder::carveSharedMemory(Value dyn) {
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  // The rings start at the buffer's first 1024-byte boundary (the swizzle
  // atoms' alignment); KernelConfig::smemBytes asks for the slack.
  int64_t align = ::samoyeds::gpu::KernelConfig::kWgmmaSmemAlign;
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, dyn);
  Value shift = remu(b, arith::SubIOp::create(b, cIdx(b, align), remu(b, base, align)),
                     align);
  smemBase = arith::IndexCastUIOp::create(b, b.getI64Type(), add(b, base, shift));
  auto view = [&](int64_t offset, ArrayRef<int64_t> shape, Type elt) -> Value {
    return memref::ViewOp::create(b, MemRefType::get(shape, elt, nullptr, wg),
                                  dyn, add(b, shift, cIdx(b, offset)), ValueRange{});
  };
  smemA = view(0, {s.stages, s.aStageBytes() / 2}, s.inputElt);
  smemB = view(s.stages * s.aStageBytes(), {s.stages, s.bStageBytes() / 2}, s.inputElt);
  smemMeta = view(s.stages * (s.aStageBytes() + s.bStageBytes()),
                  {s.stages, s.blockM(), s.metaWords()}, b.getI16Type());
  if (s.warpSpecialized()) {
    int64_t rings = s.stages * (s.aStageBytes() + s.bStageBytes() + s.metaStageBytes());
    ring = std::make_unique<MBarrierRing>(add(b, smemBase, cI64(b, rings)), s.stages);
  }
}

Value WgmmaSpKernelBuilder::setupTokenCopies(const TokenRowSource &tokens) {
  Value anyValid;
  int64_t copiers = s.copyThreads();
  for (int64_t q = 0; q < bTile.numChunks() / copiers; ++q) {
    Value x = add(b, copyTid, cIdx(b, q * copiers));
    Value r = bTile.chunkRow(b, x), c = bTile.chunkColumn(b, x);
    TokenRowSource::Row src = tokens.source(b, r);
    bSrcRow.push_back(src.row);
    // cp.async source size: 8 elements, or 0 to zero-fill padding.
    bSrcElems.push_back(select(b, src.valid, cIdx(b, 8), cIdx(b, 0)));
    bCol.push_back(mul(b, c, cIdx(b, 8)));
    bDst.push_back(divu(b, bTile.chunkOffsetBytes(b, r, c), 2));
    anyValid = anyValid ? ori(b, anyValid, src.valid) : src.valid;
  }
  return anyValid;
}

void WgmmaSpKernelBuilder::issueTmaLoads(Value kt, Value stage) {
  TmaLoad v = valuesLoad(s);
  std::optional<TmaLoad> m = metadataLoad(s);
  Type i32 = b.getI32Type();
  auto ptr3 = LLVM::LLVMPointerType::get(
      b.getContext(), static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
  auto ptr7 = LLVM::LLVMPointerType::get(
      b.getContext(), static_cast<unsigned>(NVVM::NVVMMemorySpace::SharedCluster));
  // One thread of the producer issues them: the full barrier waits for
  // their bytes (expect_tx) besides the producer's 128 arrivals, which come
  // after the cp.async token rows landed, so the phase cannot complete
  // before the bytes were expected.
  ifThen(b, cmpi(b, arith::CmpIPredicate::eq, copyTid, cIdx(b, 0)),
         [&](ImplicitLocOpBuilder &nb) {
    ring->expectFull(nb, kt, tmaStageBytes(s));
    Value mbar = ring->fullBarrier(nb, kt);
    Value expert = tile.expert ? arith::IndexCastUIOp::create(nb, i32, tile.expert).getResult()
                               : cI32(nb, 0);
    auto toI64 = [&](Value idx) { return arith::IndexCastUIOp::create(nb, nb.getI64Type(), idx); };
    // Boxes of `l` for map `map` into the ring at byte `ringBase` (stage
    // `stageBytes` apart): atom a of half h lands at a * blockM * atom row
    // bytes + h * boxRows * atom row bytes (WgmmaSpLayout.h's atom blocks).
    auto load = [&](Value map, const TmaLoad &l, int64_t ringBase, int64_t stageBytes) {
      int64_t rowBytes = l.boxCols * 2;
      Value stageAddr = add(nb, smemBase,
                            toI64(add(nb, cIdx(nb, ringBase), mul(nb, stage, cIdx(nb, stageBytes)))));
      for (int64_t h = 0; h < l.halves; ++h) {
        Value row = arith::IndexCastUIOp::create(
            nb, i32, globalRow(nb, s, tile.rowTile, cIdx(nb, h * l.boxRows)));
        for (int64_t a = 0; a < l.atoms; ++a) {
          int64_t off = a * s.blockM() * rowBytes + h * l.boxRows * rowBytes;
          // The op names the destination in the shared::cluster window (PTX
          // 8.5 has no shared::cta form); this CTA's shared::cta addresses
          // are valid there.
          Value dst = LLVM::AddrSpaceCastOp::create(
              nb, ptr7, LLVM::IntToPtrOp::create(nb, ptr3, add(nb, stageAddr, cI64(nb, off))));
          Value col = arith::IndexCastUIOp::create(
              nb, i32, add(nb, mul(nb, kt, cIdx(nb, l.colsPerStage)), cIdx(nb, a * l.boxCols)));
          NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
              nb, dst, map, ValueRange{col, row, expert}, mbar, ValueRange{}, Value(),
              Value(), NVVM::TMALoadMode::TILE, /*isCTAOnly=*/false,
              NVVM::CTAGroupKindAttr(), Value());
        }
      }
    };
    load(tensorMaps[0], v, 0, s.aStageBytes());
    if (m)
      load(tensorMaps[1], *m, s.stages * (s.aStageBytes() + s.bStageBytes()),
           s.metaStageBytes());
  });
}

void WgmmaSpKernelBuilder::issueStage(Value kt, Value stage) {
  Type tokType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  int64_t thr = s.copyThreads();
  // A (and the metadata where TMA takes it) by TMA when warp-specialised;
  // otherwise chunk x of the stage is 16 bytes of tile row chunkRow(x).
  bool tma = usesTma(s);
  if (tma)
    issueTmaLoads(kt, stage);
  for (int64_t q = 0; !tma && q < aTile.numChunks() / thr; ++q) {
    Value x = add(b, copyTid, cIdx(b, q * thr));
    Value row = aTile.chunkRow(b, x), c = aTile.chunkColumn(b, x);
    Value gcol = add(b, mul(b, kt, cIdx(b, s.blockK / 2)), mul(b, c, cIdx(b, 8)));
    Value dst = divu(b, aTile.chunkOffsetBytes(b, row, c), 2);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemA, ValueRange{stage, dst}, values,
        withExpert(tile.expert, {globalRow(b, s, tile.rowTile, row), gcol}),
        b.getIndexAttr(8), Value(), b.getUnitAttr());
  }
  if (!tma || !metadataLoad(s))
    issueMetadata(kt, stage);
  // B: the routed token rows, read in place; padding rows are zero-filled.
  for (size_t q = 0; q < bSrcRow.size(); ++q) {
    Value gcol = add(b, mul(b, kt, cIdx(b, s.blockK)), bCol[q]);
    nvgpu::DeviceAsyncCopyOp::create(
        b, tokType, smemB, ValueRange{stage, bDst[q]}, input,
        ValueRange{bSrcRow[q], gcol}, b.getIndexAttr(8), bSrcElems[q],
        b.getUnitAttr());
  }
}

void WgmmaSpKernelBuilder::stageLanded() {
  // cp.async writes through the generic proxy; wgmma reads through the
  // async proxy. Each thread fences its own landed copies before the barrier
  // that hands them to the warpgroups.
  NVVM::FenceProxyOp::create(
      b, NVVM::ProxyKind::async_shared,
      NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
}

SmallVector<Value> WgmmaSpKernelBuilder::computeStage(Value stage, ValueRange accIn) {
  int64_t mT = s.mTiles(), nT = s.nTiles();
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  MmaSpMetadataLayout metaLayout(s, *layout);
  Value laneWord = metaLayout.laneWord(b);
  // The warpgroup's first A-tile row of m-tile mt: the warp's row less its
  // place in the warpgroup (16 rows per warp).
  Value warpInGroup = remu(b, wm, ::samoyeds::gpu::kWgmmaWarpsPerGroup);
  auto groupRow = [&](int64_t mt) {
    return arith::SubIOp::create(b, layout->aTileRow(b, mt),
                                 mul(b, warpInGroup, cIdx(b, 16)));
  };
  auto toI64 = [&](Value idx) { return arith::IndexCastUIOp::create(b, i64, idx); };
  Value aStage = add(b, toI64(mul(b, stage, cIdx(b, s.aStageBytes()))), smemBase);
  Value bStage = add(b, toI64(add(b, cIdx(b, s.stages * s.aStageBytes()),
                                  mul(b, stage, cIdx(b, s.bStageBytes())))),
                     smemBase);
  // The metadata registers of the stage, read before the instructions.
  SmallVector<Value> metaReg(mT * s.kSteps());
  SmallVector<Value> aRow(mT);
  for (int64_t mt = 0; mt < mT; ++mt) {
    // Byte offset of the warpgroup's first row in each atom block.
    aRow[mt] = toI64(mul(b, groupRow(mt), cIdx(b, aTile.atomBytes)));
    for (int64_t kk = 0; kk < s.kSteps(); ++kk) {
      Value v = metaLayout.operand(b, smemMeta, stage, mt, kk, laneWord);
      metaReg[mt * s.kSteps() + kk] = vector::ExtractOp::create(
          b, vector::BitCastOp::create(b, VectorType::get({1}, i32), v),
          ArrayRef<int64_t>{0});
    }
  }
  // Accumulators in instruction order: for n8 block nt, rows g then g + 8.
  SmallVector<SmallVector<Value>> acc(mT);
  for (int64_t mt = 0; mt < mT; ++mt)
    for (int64_t nt = 0; nt < nT; ++nt)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t cc = 0; cc < 2; ++cc)
          acc[mt].push_back(layout->element(b, accIn[mt * nT + nt], h, cc));
  NVVM::WgmmaFenceAlignedOp::create(b);
  for (int64_t kk = 0; kk < s.kSteps(); ++kk) {
    // A k32 step: 16 compressed columns (32 bytes of an A row) and 32 token
    // columns (64 bytes of a B row).
    Value bDesc = matrixDescriptor(
        b, add(b, bStage, cI64(b, bTile.kOffsetBytes(64 * kk))), bTile);
    for (int64_t mt = 0; mt < mT; ++mt) {
      Value aDesc = matrixDescriptor(
          b, add(b, add(b, aStage, aRow[mt]), cI64(b, aTile.kOffsetBytes(32 * kk))),
          aTile);
      acc[mt] = wgmmaSp(b, s.blockN(), s.inputElt, aDesc, bDesc,
                        metaReg[mt * s.kSteps() + kk], acc[mt]);
    }
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  SmallVector<Value> all;
  for (int64_t mt = 0; mt < mT; ++mt)
    all.append(acc[mt]);
  all = wgmmaWait(b, 0, all);
  SmallVector<Value> out;
  auto rowType = VectorType::get({2}, b.getF32Type());
  for (int64_t mt = 0; mt < mT; ++mt)
    for (int64_t nt = 0; nt < nT; ++nt) {
      int64_t base = (mt * nT + nt) * 4;
      Value r0 = vector::FromElementsOp::create(b, rowType,
                                                ValueRange{all[base], all[base + 1]});
      Value r1 = vector::FromElementsOp::create(
          b, rowType, ValueRange{all[base + 2], all[base + 3]});
      out.push_back(layout->makeFragment(b, {r0, r1}));
    }
  return out;
}

void WgmmaSpKernelBuilder::pipelinePrologue(Value kBegin, Value kEnd, bool split) {
  if (!s.warpSpecialized())
    return SsmmKernelBuilder::pipelinePrologue(kBegin, kEnd, split);
  ring->init(b, tid, s.copyThreads(), s.threads());
  // The barriers' initialisation is visible to every thread after this.
  gpu::BarrierOp::create(b);
  // The producer warpgroup: for each K tile, wait until its slot was read
  // (the round before), issue its copies as one group, and publish the tile
  // producerLag() groups back: cp.async writes through the generic proxy,
  // so each thread waits for its own copies, fences them to the async proxy
  // (which wgmma reads through) and then arrives on the slot's full barrier.
  auto producer = scf::IfOp::create(b, arith::XOrIOp::create(b, mmaThread(), cBool(b, true)),
                                    /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(producer.thenBlock());
  int64_t lag = producerLag();
  auto loop = scf::ForOp::create(b, kBegin, kEnd, cIdx(b, 1));
  {
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kt = loop.getInductionVar();
    ifThen(b, cmpi(b, arith::CmpIPredicate::uge, kt, add(b, kBegin, cIdx(b, s.stages))),
           [&](ImplicitLocOpBuilder &nb) { ring->waitEmpty(nb, kt); });
    issueStage(kt, remu(b, kt, s.stages));
    NVVM::CpAsyncCommitGroupOp::create(b);
    auto publish = scf::IfOp::create(
        b, cmpi(b, arith::CmpIPredicate::uge, kt, add(b, kBegin, cIdx(b, lag))),
        /*withElse=*/false);
    OpBuilder::InsertionGuard g3(b);
    b.setInsertionPointToStart(publish.thenBlock());
    NVVM::CpAsyncWaitGroupOp::create(b, lag);
    stageLanded();
    ring->arriveFull(b, arith::SubIOp::create(b, kt, cIdx(b, lag)));
  }
  // The last `lag` tiles (fewer when the loop was shorter).
  NVVM::CpAsyncWaitGroupOp::create(b, 0);
  stageLanded();
  Value tailBegin = arith::MaxUIOp::create(
      b, kBegin,
      select(b, cmpi(b, arith::CmpIPredicate::uge, kEnd, cIdx(b, lag)),
             arith::SubIOp::create(b, kEnd, cIdx(b, lag)), cIdx(b, 0)));
  auto tail = scf::ForOp::create(b, tailBegin, kEnd, cIdx(b, 1));
  b.setInsertionPointToStart(tail.getBody());
  ring->arriveFull(b, tail.getInductionVar());
}

SmallVector<Value> WgmmaSpKernelBuilder::kTileStep(Value kt, Value kEnd, ValueRange acc) {
  if (!s.warpSpecialized())
    return SsmmKernelBuilder::kTileStep(kt, kEnd, acc);
  ring->waitFull(b, kt);
  // computeStage ends with wgmma.wait_group 0: the slot is no longer read.
  SmallVector<Value> out = computeStage(remu(b, kt, s.stages), acc);
  ring->arriveEmpty(b, kt);
  return out;
}

void WgmmaSpKernelBuilder::pipelineDrain() {
  if (!s.warpSpecialized())
    SsmmKernelBuilder::pipelineDrain();
}

Value WgmmaSpKernelBuilder::mmaThread() {
  if (!s.warpSpecialized())
    return Value();
  return ult(b, tid, cIdx(b, s.threads()));
}

void mlir::samoyeds::gpukernels::buildWgmmaSpKernel(ImplicitLocOpBuilder &b,
                                                    const KernelSpec &spec,
                                                    gpu::GPUFuncOp fn) {
  WgmmaSpKernelBuilder(b, spec).build(fn);
}
