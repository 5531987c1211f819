// samoyeds-lower-pack-unpack: samoyeds.pack / unpack -> calls of the CPU
// runtime (lib/Runtime/CPU), on tensors, before one-shot bufferization.
//
// Why a step of its own before bufferization, and not bufferization models
// as route, dispatch, ssmm and combine have: a pack's result is a
// `!samoyeds.packed` value, which is no tensor and has no buffer, so one-shot
// bufferization cannot give it one; a memref form would have to return or
// write three storage buffers, a second op. Lowered here, a pack becomes
// `samoyeds.assemble` of its three computed storage tensors, the form every
// packed weight has when bufferization runs (the ssmm model reads the
// assemble's storage); an unpack reads the storage of its assemble. The
// runtime calls are opaque to the analysis either way, so the tensors are
// bridged to buffers here with `bufferization.to_buffer` (read-only, fully
// dynamic strided layout: any buffer of the tensor casts to it) and
// `bufferization.to_tensor restrict writable` of fresh `memref.alloc`s, which
// one-shot bufferization then folds. The runtime takes contiguous f32 / i16
// / i8 arrays, declared `llvm.emit_c_interface` with the signatures of
// docs/format.md.
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "Assembles.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSLOWERPACKUNPACK
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

using Builder = ImplicitLocOpBuilder;
using namespace mlir::samoyeds::build;

/// A memref type of `shape` with a fully dynamic strided layout: every buffer
/// of that shape casts to it.
MemRefType anyLayout(ArrayRef<int64_t> shape, Type elt) {
  SmallVector<int64_t> strides(shape.size(), ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(elt.getContext(), ShapedType::kDynamic, strides);
  return MemRefType::get(shape, elt, layout);
}

/// The buffer of a tensor operand, read-only.
Value toBuffer(Builder &b, Value tensor) {
  auto t = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, anyLayout(t.getShape(), t.getElementType()), tensor,
      /*read_only=*/true);
}

/// A fresh buffer written here, as the tensor of type `tensorType`.
Value toTensor(Builder &b, Type tensorType, Value mem) {
  return bufferization::ToTensorOp::create(b, tensorType, mem,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

Value allocStatic(Builder &b, ArrayRef<int64_t> shape, Type elt) {
  return memref::AllocOp::create(b, MemRefType::get(shape, elt));
}

/// Casts a buffer of ours (identity layout, static sizes) to the dynamically
/// sized memref of its rank that the runtime functions take.
Value castToDynamic(Builder &b, Value mem) {
  auto t = cast<MemRefType>(mem.getType());
  SmallVector<int64_t> shape(t.getRank(), ShapedType::kDynamic);
  return memref::CastOp::create(b, MemRefType::get(shape, t.getElementType()),
                                mem);
}

/// A fresh identity-layout copy of a buffer (static shape).
Value copyOf(Builder &b, Value mem) {
  auto t = cast<MemRefType>(mem.getType());
  Value copy = allocStatic(b, t.getShape(), t.getElementType());
  forEachElement(b, copy, [&](Builder &nb, ValueRange ivs) {
    store(nb, load(nb, mem, ivs), copy, ivs);
  });
  return copy;
}

struct Storage {
  PackedType type;
  Value values, metadata, rowIndices;
};

/// The three storage tensors of the packed operand of an unpack: those of
/// its defining samoyeds.assemble (a lowered samoyeds.pack has become one).
FailureOr<Storage> storageOf(UnpackOp user) {
  Value packed = user.getInput();
  if (auto assemble = packed.getDefiningOp<AssembleOp>())
    return Storage{cast<PackedType>(packed.getType()), assemble.getValues(),
                   assemble.getMetadata(), assemble.getRowIndices()};
  InFlightDiagnostic diag = user->emitOpError()
                            << "packed operand #0 has no storage: it must be "
                               "produced by samoyeds.assemble or samoyeds.pack";
  auto arg = dyn_cast<BlockArgument>(packed);
  if (arg && isa<func::FuncOp>(arg.getOwner()->getParentOp()) &&
      arg.getOwner()->isEntryBlock())
    diag << " (a packed function argument needs samoyeds-expand-storage "
            "first)";
  else if (arg)
    diag << ", not be a block argument";
  else
    diag << ", not by " << packed.getDefiningOp()->getName();
  return failure();
}

/// A private `llvm.emit_c_interface` declaration of a CPU runtime entry point.
FailureOr<func::FuncOp> runtimeFunction(ModuleOp module, Operation *user,
                                        StringRef name, TypeRange args) {
  auto type = FunctionType::get(module.getContext(), args, {});
  if (auto fn = module.lookupSymbol<func::FuncOp>(name)) {
    if (fn.getFunctionType() != type) {
      user->emitOpError() << "cannot call the runtime function '" << name
                          << "': the module declares it as "
                          << fn.getFunctionType() << ", expected " << type;
      return failure();
    }
    return fn;
  }
  if (module.lookupSymbol(name)) {
    user->emitOpError() << "cannot declare the runtime function '" << name
                        << "': the symbol is taken";
    return failure();
  }
  OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
  auto fn = func::FuncOp::create(mb, module.getLoc(), name, type);
  fn.setPrivate();
  fn->setAttr("llvm.emit_c_interface", mb.getUnitAttr());
  return fn;
}

/// The argument types of samoyeds_rt_{pack,unpack}[3]_f32 of rank `rank`:
/// four memrefs (in the order of `elts`) and n, m, v, as docs/format.md
/// declares them (dynamic sizes, identity layout).
SmallVector<Type> runtimeArgs(MLIRContext *ctx, int64_t rank,
                              ArrayRef<Type> elts) {
  SmallVector<Type> args;
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  for (Type e : elts)
    args.push_back(MemRefType::get(shape, e));
  args.append(3, IntegerType::get(ctx, 64));
  return args;
}

LogicalResult lowerPack(ModuleOp module, PackOp op) {
  Builder b(op.getLoc(), op);
  auto type = cast<PackedType>(op.getResult().getType());
  MLIRContext *ctx = op.getContext();
  Type f32 = b.getF32Type(), i16 = b.getI16Type(), i8 = b.getI8Type();
  int64_t rank = type.getShape().size();
  StringRef name = rank == 3 ? "samoyeds_rt_pack3_f32" : "samoyeds_rt_pack_f32";
  FailureOr<func::FuncOp> fn = runtimeFunction(
      module, op, name, runtimeArgs(ctx, rank, {f32, f32, i16, i8}));
  if (failed(fn))
    return failure();

  // The dense weight in f32 (exact).
  Value in = toBuffer(b, op.getInput());
  Value dense = allocStatic(b, type.getShape(), f32);
  forEachElement(b, dense, [&](Builder &nb, ValueRange ivs) {
    store(nb, toF32(nb, load(nb, in, ivs)), dense, ivs);
  });
  RankedTensorType valuesType = type.getValuesType();
  Value values32 = allocStatic(b, valuesType.getShape(), f32);
  Value meta = allocStatic(b, type.getMetadataType().getShape(), i16);
  Value rowIdx = allocStatic(b, type.getRowIndicesType().getShape(), i8);
  FormatAttr fmt = type.getFormat();
  func::CallOp::create(b, *fn,
                       ValueRange{castToDynamic(b, dense),
                                  castToDynamic(b, values32),
                                  castToDynamic(b, meta),
                                  castToDynamic(b, rowIdx), cI64(b, fmt.getN()),
                                  cI64(b, fmt.getM()), cI64(b, fmt.getV())});
  // The kept values are elements of the input: truncating back is exact.
  Value values = allocStatic(b, valuesType.getShape(), type.getElementType());
  forEachElement(b, values, [&](Builder &nb, ValueRange ivs) {
    store(nb, fromF32(nb, load(nb, values32, ivs), type.getElementType()),
          values, ivs);
  });
  Value tv = toTensor(b, valuesType, values);
  Value tm = toTensor(b, type.getMetadataType(), meta);
  Value tr = toTensor(b, type.getRowIndicesType(), rowIdx);
  Value assembled = AssembleOp::create(b, type, tv, tm, tr);
  op.getResult().replaceAllUsesWith(assembled);
  op.erase();
  return success();
}

LogicalResult lowerUnpack(ModuleOp module, UnpackOp op) {
  FailureOr<Storage> st = storageOf(op);
  if (failed(st))
    return failure();
  Builder b(op.getLoc(), op);
  PackedType type = st->type;
  MLIRContext *ctx = op.getContext();
  Type f32 = b.getF32Type(), i16 = b.getI16Type(), i8 = b.getI8Type();
  int64_t rank = type.getShape().size();
  StringRef name =
      rank == 3 ? "samoyeds_rt_unpack3_f32" : "samoyeds_rt_unpack_f32";
  FailureOr<func::FuncOp> fn = runtimeFunction(
      module, op, name, runtimeArgs(ctx, rank, {f32, i16, i8, f32}));
  if (failed(fn))
    return failure();

  Value values = toBuffer(b, st->values);
  Value values32 = allocStatic(b, type.getValuesType().getShape(), f32);
  forEachElement(b, values32, [&](Builder &nb, ValueRange ivs) {
    store(nb, toF32(nb, load(nb, values, ivs)), values32, ivs);
  });
  // Contiguous copies: the storage tensors' buffers may have any layout.
  Value meta = copyOf(b, toBuffer(b, st->metadata));
  Value rowIdx = copyOf(b, toBuffer(b, st->rowIndices));
  Value dense32 = allocStatic(b, type.getShape(), f32);
  FormatAttr fmt = type.getFormat();
  // The runtime validates the metadata and row indices (aborts if malformed).
  func::CallOp::create(
      b, *fn,
      ValueRange{castToDynamic(b, values32), castToDynamic(b, meta),
                 castToDynamic(b, rowIdx), castToDynamic(b, dense32),
                 cI64(b, fmt.getN()), cI64(b, fmt.getM()),
                 cI64(b, fmt.getV())});
  RankedTensorType resType = op.getResult().getType();
  Value out = allocStatic(b, resType.getShape(), resType.getElementType());
  forEachElement(b, out, [&](Builder &nb, ValueRange ivs) {
    store(nb, fromF32(nb, load(nb, dense32, ivs), resType.getElementType()),
          out, ivs);
  });
  op.getResult().replaceAllUsesWith(toTensor(b, resType, out));
  op.erase();
  return success();
}

struct SamoyedsLowerPackUnpackPass
    : mlir::samoyeds::impl::SamoyedsLowerPackUnpackBase<
          SamoyedsLowerPackUnpackPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;

    // Packs first: each becomes samoyeds.assemble of its computed storage, so
    // every unpack then reads its operand through an assemble.
    SmallVector<PackOp> packs;
    module.walk([&](PackOp op) { packs.push_back(op); });
    for (PackOp op : packs) {
      if (op->use_empty()) {
        op.erase();
        continue;
      }
      failed |= mlir::failed(lowerPack(module, op));
    }
    SmallVector<UnpackOp> unpacks;
    module.walk([&](UnpackOp op) { unpacks.push_back(op); });
    for (UnpackOp op : unpacks)
      failed |= mlir::failed(lowerUnpack(module, op));
    if (failed)
      return signalPassFailure();

    // Assembles left without users (those of unpacked weights) disappear.
    eraseUnusedAssembles(module);
  }
};

} // namespace
