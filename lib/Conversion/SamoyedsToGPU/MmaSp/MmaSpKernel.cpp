// The mma.sp ssmm kernel: cp.async stage rings in padded row-major order, ldmatrix fragments and mma.sp.sync m16n8k32.
//
// This file holds only what is specific to the sm_80-style instruction
// family: the shared-memory carving and cp.async copies of the three stage
// rings, the ldmatrix fragments, the metadata words of the selector-0 lanes
// and the MMA itself. The K loop (software pipeline, row selection, split-K)
// is SsmmKernelBuilder's; the tile schedule and the epilogue are shared too
// (TileSchedule.h, Epilogue.h), through the accumulator layout of
// MmaSpLayout.h.
// docs/kernel.md, sections 3-6, describes the kernel.
#include "MmaSpKernel.h"
#include "MmaSpLayout.h"

#include "../SsmmKernelBuilder.h"

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

/// The mma.sp family's rings and MMAs. Values are `index` unless said
/// otherwise.
class MmaSpKernelBuilder : public SsmmKernelBuilder {
public:
  using SsmmKernelBuilder::SsmmKernelBuilder;

private:
  Value smemA, smemB;
  SmallVector<Value> bSrcRow, bSrcElems; // per B copy of this thread
  Value bChunkCol;

  void carveSharedMemory(Value dyn) override;
  Value setupTokenCopies(const TokenRowSource &tokens) override;
  void issueStage(Value kt, Value stage) override;
  SmallVector<Value> computeStage(Value stage, ValueRange tmp) override;
  Value mma(Value a, Value bFrag, Value acc, Value metaVec);
};

} // namespace

void MmaSpKernelBuilder::carveSharedMemory(Value dyn) {
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  auto view = [&](int64_t offset, ArrayRef<int64_t> shape, Type elt) -> Value {
    return memref::ViewOp::create(b, MemRefType::get(shape, elt, nullptr, wg),
                                  dyn, cIdx(b, offset), ValueRange{});
  };
  smemA = view(0, {s.stages, s.blockM(), s.aPitch()}, s.inputElt);
  smemB = view(s.stages * s.aStageBytes(), {s.stages, s.blockN(), s.bPitch()},
               s.inputElt);
  smemMeta = view(s.stages * (s.aStageBytes() + s.bStageBytes()),
                  {s.stages, s.blockM(), s.metaWords()}, b.getI16Type());
}

Value MmaSpKernelBuilder::setupTokenCopies(const TokenRowSource &tokens) {
  // Source rows of this thread's B copies (fixed over the K loop): copy q
  // covers 16 bytes (columns bChunkCol..+8) of tile row
  // tid / chunksPerRow + q * threads / chunksPerRow.
  int64_t bChunksPerRow = s.blockK / 8;
  bChunkCol = mul(b, remu(b, tid, bChunksPerRow), cIdx(b, 8));
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
  return anyValid;
}

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
  issueMetadata(kt, stage);
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

void mlir::samoyeds::gpukernels::buildMmaSpKernel(ImplicitLocOpBuilder &b,
                                                  const KernelSpec &spec,
                                                  gpu::GPUFuncOp fn) {
  MmaSpKernelBuilder(b, spec).build(fn);
}
