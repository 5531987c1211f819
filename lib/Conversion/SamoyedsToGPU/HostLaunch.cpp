// HostLaunch: operand and result buffers of an ssmm, the empty-grid guard, and the launch over its tiles.
#include "HostLaunch.h"
#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;


namespace {
/// Index arithmetic of the host code.
struct HostMath {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, Value y) { return arith::CeilDivUIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxUIOp::create(b, loc, x, y); }
  Value gt1(Value x) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, x, c(1));
  }
  Value select(Value p, Value x, Value y) {
    return arith::SelectOp::create(b, loc, p, x, y);
  }
};

/// The workspace floats a split launch may use (64 MiB): S is lowered to fit.
constexpr int64_t kMaxWorkspaceFloats = int64_t(16) << 20;

/// The split-K arguments of `op`'s kernel (SplitK.h): the number of splits
/// S, chosen here at run time (KernelConfig.h, splitsAtRunTime, is the
/// reference), the workspace and the bound wsTiles on the token tiles that
/// can have work.
void addSplitK(OpBuilder &hb, SsmmOp op, const KernelSpec &s, int64_t smCount,
               SsmmBuffers &r) {
  HostMath h{hb, op.getLoc()};
  Location loc = op.getLoc();
  int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
  int64_t slices = s.weight.getCols() / s.weight.getFormat().getV();
  Value gy = h.ceilDiv(r.listLen, h.c(s.blockN()));
  // Routed pairs: T * k from the input (gather) or the scale, else the list.
  Value pairs = r.listLen;
  if (s.gather)
    pairs = h.mul(memref::DimOp::create(hb, loc, r.args[3], 0), h.c(s.topK));
  else if (s.hasScale)
    pairs = h.mul(memref::DimOp::create(hb, loc, r.args[r.args.size() - 2], 0),
                  h.c(s.topK));
  // Token tiles with work: at most one per pair, and never more than the grid.
  Value work = h.max(h.min(gy, pairs), h.c(1));
  // The tiles that can have work lie before offsets[E]; for a dispatch list
  // (segments padded to its tile, a multiple of blockN) that is fewer than
  // min(E, pairs) * tile / blockN + ceil(pairs / blockN) tiles.
  Value wsTiles = gy;
  if (auto d = op.getList().getDefiningOp<DispatchOp>())
    if (s.weight.hasExpertDim() && d.getTile() % s.blockN() == 0) {
      Value experts = h.min(h.c(s.weight.getNumExperts()), pairs);
      Value bound = h.add(h.mul(experts, h.c(d.getTile() / s.blockN())),
                          h.ceilDiv(pairs, h.c(s.blockN())));
      wsTiles = h.min(gy, bound);
    }
  // S = clamp(blocksPerSM * SMs / (rowTiles * work), 1, min(split_k, slices)).
  Value target = h.c(::samoyeds::gpu::kBlocksPerSM * smCount);
  Value splits = h.div(target, h.mul(h.c(rowTiles), work));
  splits = h.max(h.min(splits, h.c(std::min(s.splitK, slices))), h.c(1));
  // ... and within the workspace cap.
  Value perSplit = h.mul(h.mul(h.c(rowTiles), wsTiles),
                         h.c(s.accumulatorFloats() * s.threads()));
  Value fit = h.div(h.c(kMaxWorkspaceFloats), h.max(perSplit, h.c(1)));
  splits = h.max(h.min(splits, fit), h.c(1));
  Value floats = h.select(h.gt1(splits), h.mul(splits, perSplit), h.c(4));
  Value ws = memref::AllocOp::create(
      hb, loc, MemRefType::get({ShapedType::kDynamic}, hb.getF32Type()),
      ValueRange{floats});
  r.args.append({ws, h.c(1), wsTiles});
  r.splits = splits;
}
} // namespace

SsmmBuffers mlir::samoyeds::gpukernels::createSsmmBuffers(OpBuilder &hb,
                                                          SsmmOp op,
                                                          AssembleOp assemble,
                                                          const KernelSpec &s,
                                                          int64_t smCount) {
  Location loc = op.getLoc();
  SmallVector<Value> tensors = {assemble.getValues(), assemble.getMetadata(),
                                assemble.getRowIndices(), op.getInput(),
                                op.getList()};
  if (op.getOffsets())
    tensors.push_back(op.getOffsets());
  if (op.getScale())
    tensors.push_back(op.getScale());
  SsmmBuffers r;
  for (Value tv : tensors)
    r.args.push_back(toBuffer(hb, loc, tv));
  MemRefType outType = bufferType(op.getResult().getType());
  // The result has one row per list entry (args[4] is the list).
  r.listLen = memref::DimOp::create(hb, loc, r.args[4], 0);
  SmallVector<Value> dynSizes;
  if (outType.isDynamicDim(0))
    dynSizes.push_back(r.listLen);
  r.out = memref::AllocOp::create(hb, loc, outType, dynSizes);
  r.args.push_back(r.out);
  if (s.splitK > 1)
    addSplitK(hb, op, s, smCount, r);
  return r;
}

void mlir::samoyeds::gpukernels::launchSsmmAndReplace(
    OpBuilder &hb, SsmmOp op, AssembleOp assemble, gpu::GPUFuncOp fn,
    gpu::GPUFuncOp sumFn, const KernelSpec &s, const SsmmBuffers &buffers) {
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(hb, loc, v).getResult();
  };
  // The grid: row tiles x token tiles, skipped when the list is empty.
  int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
  Value gy = arith::CeilDivUIOp::create(hb, loc, buffers.listLen, cst(s.blockN()));
  Value smem = arith::ConstantOp::create(hb, loc, hb.getI32IntegerAttr(s.smemBytes()));
  // No guard for an empty list (gy = 0): the runtime's launch is a no-op
  // for an empty grid, and an scf.if here would split gpu-async-region's
  // token chain into a stream synchronisation per launch.
  Value gz = buffers.splits ? buffers.splits : cst(1);
  gpu::LaunchFuncOp::create(hb, loc, fn, gpu::KernelDim3{cst(rowTiles), gy, gz},
                            gpu::KernelDim3{cst(s.threads()), cst(1), cst(1)}, smem,
                            buffers.args);
  if (buffers.splits) {
    // The sum of the splits (SplitK.h): splits = S, an empty grid for S = 1.
    SmallVector<Value> args = buffers.args;
    args[args.size() - 2] = buffers.splits;
    Value many = arith::CmpIOp::create(hb, loc, arith::CmpIPredicate::ugt,
                                       buffers.splits, cst(1));
    Value gy2 = arith::SelectOp::create(hb, loc, many, gy, cst(0));
    // It copies nothing: no shared memory.
    gpu::LaunchFuncOp::create(hb, loc, sumFn, gpu::KernelDim3{cst(rowTiles), gy2, cst(1)},
                              gpu::KernelDim3{cst(s.threads()), cst(1), cst(1)},
                              arith::ConstantOp::create(hb, loc, hb.getI32IntegerAttr(0)),
                              args);
  }
  Value result = bufferization::ToTensorOp::create(
      hb, loc, op.getResult().getType(), buffers.out, /*restrict=*/true,
      /*writable=*/true);
  op.replaceAllUsesWith(result);
  op.erase();
  if (assemble->use_empty())
    assemble.erase();
}
