// HostLaunch: operand and outs buffers of an ssmm, the empty-grid guard, and the launch over its tiles.
#include "HostLaunch.h"
#include "Kernels.h"
#include "StreamKernel.h"
#include "WgmmaSp/TmaLoads.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

/// The split-K plan of one kernel variant (SplitK.h): the number of splits
/// S, chosen here at run time (KernelConfig.h, splitsAtRunTime, is the
/// reference), the workspace floats it needs and the bound wsTiles on the
/// token tiles that can have work.
struct SplitPlan {
  Value splits, wsTiles, floats, counters;
};

/// A bound on the token tiles of kernel `s` that can have work, out of the
/// `gy` of the whole list: they lie before offsets[E], and for a dispatch
/// list (segments padded to its tile, a multiple of blockN) that is fewer
/// than min(E, pairs) * tile / blockN + ceil(pairs / blockN) tiles. At one
/// token a list of T*k + E*(tile-1) entries has thousands of entries and a
/// few routed pairs: the bound is what an undef_padding launch covers.
Value workTiles(HostMath &h, SsmmOp op, const KernelSpec &s, Value pairs, Value gy) {
  DispatchOp d = listDispatch(op);
  if (!d || !s.weight.hasExpertDim() || d.getTile() % s.blockN() != 0)
    return gy;
  Value experts = h.min(h.c(s.weight.getNumExperts()), pairs);
  Value bound = h.add(h.mul(experts, h.c(d.getTile() / s.blockN())),
                      h.ceilDiv(pairs, h.c(s.blockN())));
  return h.min(gy, bound);
}

/// The plan of a launch of `gy` token tiles, of which the first `wsTiles`
/// (workTiles) can have work. `dispatched`: the list comes from a dispatch
/// over the weight's experts.
SplitPlan planSplits(HostMath &h, const KernelSpec &s,
                     const ::samoyeds::gpu::TargetInfo &target, Value pairs, Value gy,
                     Value wsTiles, bool dispatched) {
  int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
  int64_t slices = s.weight.getCols() / s.weight.getFormat().getV();
  // Token tiles with work: at most one per pair, and never more than the grid.
  Value work = h.min(gy, pairs);
  // Of a dispatch list, expert e's n_e routed entries fill ceil(n_e /
  // blockN) tiles: at most ceil(pairs / blockN) + min(E, pairs) in all.
  // (Mixtral's W2 at T = 16, 32 pairs over 8 experts and 16-entry tiles:
  // at most 10 tiles with work, where one per pair counted 32 and chose no
  // split: 16 row tiles x 8 = 128 blocks for 132 SMs, 1.3 TB/s.)
  if (dispatched)
    work = h.min(work, h.add(h.ceilDiv(pairs, h.c(s.blockN())),
                             h.min(h.c(s.weight.getNumExperts()), pairs)));
  work = h.max(work, h.c(1));
  // S = clamp(blocksPerSM * SMs / (rowTiles * work), 1, min(split_k, slices)).
  Value want = h.c(::samoyeds::gpu::splitBlocksPerSM(s, target) * target.smCount);
  Value splits = h.div(want, h.mul(h.c(rowTiles), work));
  splits = h.max(h.min(splits, h.c(std::min(s.splitK, slices))), h.c(1));
  // ... and within the workspace cap.
  Value perSplit = h.mul(h.mul(h.c(rowTiles), wsTiles),
                         h.c(s.accumulatorFloats() * s.threads()));
  Value fit = h.div(h.c(kMaxWorkspaceFloats), h.max(perSplit, h.c(1)));
  splits = h.max(h.min(splits, fit), h.c(1));
  Value floats = h.select(h.gt1(splits), h.mul(splits, perSplit), h.c(4));
  // One arrival counter per tile that can have work.
  Value counters = h.max(h.mul(h.c(rowTiles), wsTiles), h.c(1));
  return {splits, wsTiles, floats, counters};
}

/// The runtime's tensor-map encoder (CUDARuntime.h): eleven i64 in, a pointer
/// to the cached host CUtensorMap out. Declared once per module.
func::FuncOp tensorMapEncoder(OpBuilder &hb, Location loc, ModuleOp module) {
  constexpr llvm::StringLiteral kName = "samoyeds_rt_tensor_map";
  if (auto fn = module.lookupSymbol<func::FuncOp>(kName))
    return fn;
  OpBuilder mb(module.getBodyRegion());
  mb.setInsertionPointToStart(module.getBody());
  SmallVector<Type> in(11, mb.getI64Type());
  auto fn = func::FuncOp::create(
      mb, loc, kName, mb.getFunctionType(in, {LLVM::LLVMPointerType::get(mb.getContext())}));
  fn.setPrivate();
  return fn;
}

/// The tensor map of `buffer` (rank 3: expert, row, column; or rank 2) for
/// the boxes of `l`, by value.
Value tensorMap(OpBuilder &hb, Location loc, ModuleOp module, Value buffer,
                const TmaLoad &l) {
  HostMath h{hb, loc};
  auto md = memref::ExtractStridedMetadataOp::create(hb, loc, buffer);
  int64_t rank = cast<MemRefType>(buffer.getType()).getRank();
  auto sizes = md.getSizes(), strides = md.getStrides();
  constexpr int64_t kElementBytes = 2; // values (bf16, f16) and metadata (i16)
  Value base = h.add(memref::ExtractAlignedPointerAsIndexOp::create(hb, loc, buffer),
                     h.mul(md.getOffset(), h.c(kElementBytes)));
  Value cols = sizes[rank - 1], rows = sizes[rank - 2];
  Value rowStride = h.mul(strides[rank - 2], h.c(kElementBytes));
  Value experts = rank == 3 ? sizes[0] : h.c(1);
  Value expertStride = rank == 3 ? h.mul(strides[0], h.c(kElementBytes)) : h.mul(rows, rowStride);
  SmallVector<Value> args;
  for (Value v : {base, h.c(kElementBytes), cols, rows, experts, rowStride, expertStride,
                  h.c(l.boxCols), h.c(l.boxRows), h.c(1), h.c(l.swizzleBytes)})
    args.push_back(arith::IndexCastUIOp::create(hb, loc, hb.getI64Type(), v));
  func::FuncOp enc = tensorMapEncoder(hb, loc, module);
  Value ptr = func::CallOp::create(hb, loc, enc, args).getResult(0);
  return LLVM::LoadOp::create(hb, loc, tensorMapArgType(hb.getContext()), ptr, /*alignment=*/64);
}

/// The tensor-map operands of a kernel of `s` (TmaLoads.h): the values',
/// then the metadata's where TMA loads it.
SmallVector<Value> tensorMapOperands(OpBuilder &hb, Location loc, ModuleOp module,
                                     const SsmmBuffers &buffers, const KernelSpec &s) {
  SmallVector<Value> maps;
  if (!usesTma(s))
    return maps;
  maps.push_back(tensorMap(hb, loc, module, buffers.args[0], valuesLoad(s)));
  if (std::optional<TmaLoad> m = metadataLoad(s))
    maps.push_back(tensorMap(hb, loc, module, buffers.args[1], *m));
  return maps;
}
} // namespace

DispatchOp mlir::samoyeds::gpukernels::listDispatch(SsmmOp op) {
  Value list = op.getList();
  for (Operation *user : list.getUsers())
    if (auto d = dyn_cast<DispatchOp>(user))
      if (d.getInits().front() == list && d->getBlock() == op->getBlock() &&
          d->isBeforeInBlock(op))
        return d;
  return DispatchOp();
}

SsmmBuffers mlir::samoyeds::gpukernels::createSsmmBuffers(OpBuilder &hb,
                                                          SsmmOp op,
                                                          const KernelSpec &s) {
  Location loc = op.getLoc();
  SmallVector<Value> operands(op.getStorage());
  operands.append({op.getInput(), op.getList()});
  if (op.getOffsets())
    operands.push_back(op.getOffsets());
  if (op.getScale())
    operands.push_back(op.getScale());
  SsmmBuffers r;
  for (Value v : operands)
    r.args.push_back(inputBuffer(hb, v));
  // The result has one row per list entry (args[4] is the list).
  r.listLen = memref::DimOp::create(hb, loc, r.args[4], 0);
  r.out = outputBuffer(hb, loc, op.getInit());
  // Routed pairs: T * k from the input (gather) or the scale, else the list.
  HostMath h{hb, loc};
  r.pairs = r.listLen;
  if (s.gather)
    r.pairs = h.mul(memref::DimOp::create(hb, loc, r.args[3], 0), h.c(s.topK));
  else if (s.hasScale)
    r.pairs = h.mul(memref::DimOp::create(hb, loc, r.args.back(), 0), h.c(s.topK));
  r.args.push_back(r.out);
  return r;
}

SmallVector<Type> mlir::samoyeds::gpukernels::kernelArgTypes(const SsmmBuffers &b,
                                                             const KernelSpec &s) {
  SmallVector<Type> types;
  for (Value v : b.args)
    types.push_back(v.getType());
  if (s.splitK > 1) {
    MLIRContext *ctx = b.out.getContext();
    types.push_back(MemRefType::get({ShapedType::kDynamic}, Float32Type::get(ctx)));
    types.push_back(MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 32)));
    types.push_back(IndexType::get(ctx));
  }
  for (int64_t i = 0, e = tensorMapArgs(s); i < e; ++i)
    types.push_back(tensorMapArgType(b.out.getContext()));
  return types;
}

void mlir::samoyeds::gpukernels::launchSsmmAndReplace(
    OpBuilder &hb, SsmmOp op, ArrayRef<SsmmKernel> kernels,
    const SsmmKernel *stream, const SsmmBuffers &buffers,
    const ::samoyeds::gpu::TargetInfo &target) {
  Location loc = op.getLoc();
  HostMath h{hb, loc};
  const KernelSpec &main = kernels.front().spec;
  int64_t experts = main.weight.hasExpertDim() ? main.weight.getNumExperts() : 1;
  // The list is a dispatch's over the weight's experts: its segments with
  // entries are those of experts with routed pairs.
  bool dispatched = main.weight.hasExpertDim() && listDispatch(op);
  // With a stream kernel a call runs it alone when its pairs are few; the
  // tiled kernels' grids are then empty.
  Value useStream;
  if (stream)
    useStream = arith::CmpIOp::create(hb, loc, arith::CmpIPredicate::ule, buffers.pairs,
                                      h.c(stream->spec.streamTokens * experts));
  // With a decode kernel (kernels[1]) a call runs one of the two: the other's
  // grid is empty (a runtime no-op; an scf.if here would split
  // gpu-async-region's token chain into a stream synchronisation per launch).
  Value useDecode;
  if (kernels.size() > 1) {
    useDecode = arith::CmpIOp::create(
        hb, loc, arith::CmpIPredicate::ule, buffers.pairs,
        h.c(main.decodeTile * experts));
  }
  SmallVector<Value> gys;
  // Per kernel (the two may be of different families and row tiles): its
  // split plan when it splits.
  SmallVector<std::optional<SplitPlan>> plans;
  for (auto [i, k] : llvm::enumerate(kernels)) {
    // The token tiles launched: the list's, or with undef_padding those
    // before the bound (the rest are padding, left unwritten: SamoyedsOps.td).
    Value listTiles = h.ceilDiv(buffers.listLen, h.c(k.spec.blockN()));
    bool split = k.spec.splitK > 1;
    Value bound = op.getUndefPadding() || split
                      ? workTiles(h, op, k.spec, buffers.pairs, listTiles)
                      : Value();
    Value tiles = op.getUndefPadding() ? bound : listTiles;
    Value gy = tiles;
    if (useDecode)
      gy = h.select(i == 0 ? arith::XOrIOp::create(
                                 hb, loc, useDecode,
                                 arith::ConstantOp::create(hb, loc, hb.getBoolAttr(true)))
                                 .getResult()
                           : useDecode,
                    gy, h.c(0));
    if (useStream)
      gy = h.select(useStream, h.c(0), gy);
    gys.push_back(gy);
    plans.push_back(split ? std::optional<SplitPlan>(planSplits(h, k.spec, target,
                                                                buffers.pairs, tiles, bound,
                                                                dispatched))
                          : std::nullopt);
  }
  // One workspace and one set of arrival counters, for the kernel that runs.
  Value ws, counters;
  // Their sizes: those of the plan of the kernel that runs (plans[1] is the
  // decode kernel's).
  Value floats, counts;
  for (const std::optional<SplitPlan> &p : plans)
    if (p) {
      floats = floats ? h.select(useDecode, p->floats, floats) : p->floats;
      counts = counts ? h.select(useDecode, p->counters, counts) : p->counters;
    }
  if (floats) {
    ws = memref::AllocOp::create(
        hb, loc, MemRefType::get({ShapedType::kDynamic}, hb.getF32Type()),
        ValueRange{floats});
    // Zeroed on the stream before the launch (cuMemsetD32Async): the
    // allocation comes from the pool with the last call's contents.
    counters = memref::AllocOp::create(
        hb, loc, MemRefType::get({ShapedType::kDynamic}, hb.getI32Type()),
        ValueRange{counts});
    gpu::MemsetOp::create(hb, loc, Type(), ValueRange{}, counters,
                          arith::ConstantOp::create(hb, loc, hb.getI32IntegerAttr(0)));
  }
  for (auto [i, k] : llvm::enumerate(kernels)) {
    const KernelSpec &s = k.spec;
    int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
    SmallVector<Value> args = buffers.args;
    Value gz = h.c(1);
    if (s.splitK > 1) {
      args.append({ws, counters, plans[i]->wsTiles});
      gz = plans[i]->splits;
    }
    args.append(tensorMapOperands(hb, loc, op->getParentOfType<ModuleOp>(), buffers, s));
    Value smem = arith::ConstantOp::create(hb, loc, hb.getI32IntegerAttr(s.smemBytes()));
    // No guard for an empty list (gy = 0) either: an empty grid.
    gpu::LaunchFuncOp::create(hb, loc, k.fn, gpu::KernelDim3{h.c(rowTiles), gys[i], gz},
                              gpu::KernelDim3{h.c(s.blockThreads()), h.c(1), h.c(1)}, smem,
                              args);
  }
  if (stream) {
    // Block y takes the y-th expert with a non-empty segment: of a dispatch
    // list those are the experts with routed pairs, at most min(E, pairs).
    Value slots = dispatched ? h.min(h.c(experts), buffers.pairs) : h.c(experts);
    Value gy = h.select(useStream, slots, h.c(0));
    int64_t gx = (streamUnits(stream->spec) + kStreamWarps - 1) / kStreamWarps;
    Value smem = arith::ConstantOp::create(hb, loc, hb.getI32IntegerAttr(0));
    gpu::LaunchFuncOp::create(hb, loc, stream->fn, gpu::KernelDim3{h.c(gx), gy, h.c(1)},
                              gpu::KernelDim3{h.c(32 * kStreamWarps), h.c(1), h.c(1)},
                              smem, buffers.args);
  }
  op.erase();
}
