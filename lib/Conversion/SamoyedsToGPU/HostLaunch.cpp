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


SsmmBuffers mlir::samoyeds::gpukernels::createSsmmBuffers(OpBuilder &hb,
                                                          SsmmOp op,
                                                          AssembleOp assemble) {
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
  return r;
}

void mlir::samoyeds::gpukernels::launchSsmmAndReplace(
    OpBuilder &hb, SsmmOp op, AssembleOp assemble, gpu::GPUFuncOp fn,
    const KernelSpec &s, const SsmmBuffers &buffers) {
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
  gpu::LaunchFuncOp::create(hb, loc, fn, gpu::KernelDim3{cst(rowTiles), gy, cst(1)},
                            gpu::KernelDim3{cst(s.threads()), cst(1), cst(1)}, smem,
                            buffers.args);
  Value result = bufferization::ToTensorOp::create(
      hb, loc, op.getResult().getType(), buffers.out, /*restrict=*/true,
      /*writable=*/true);
  op.replaceAllUsesWith(result);
  op.erase();
  if (assemble->use_empty())
    assemble.erase();
}
