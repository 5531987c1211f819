// samoyeds-lower-to-loops: samoyeds ops -> scf loops over memrefs (CPU
// reference).
//
// Every op reads its operands through `bufferization.to_buffer` (read-only,
// with a fully dynamic strided layout so that any buffer one-shot bufferization
// picks for the tensor casts to it), writes a fresh `memref.alloc` with scf
// loops and returns it through `bufferization.to_tensor restrict writable`.
// Scratch buffers are plain `memref.alloc`s; the buffer deallocation pipeline
// frees them. All arithmetic is f32. The loops are the reference semantics of
// the ops (SamoyedsOps.td), in particular ssmm decodes the canonical storage of
// the format (Format.h) itself: they are written for clarity, not speed.
// pack and unpack call the CPU runtime (lib/Runtime/CPU) on contiguous f32 /
// i16 / i8 copies, through private `llvm.emit_c_interface` declarations with
// the signatures of docs/format.md.
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSLOWERTOLOOPS
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

using Builder = ImplicitLocOpBuilder;
using namespace mlir::samoyeds::build;

//===----------------------------------------------------------------------===//
// Small builders
//===----------------------------------------------------------------------===//

/// 1 / (1 + exp(-x)), f32.
Value sigmoid(Builder &b, Value x) {
  Value e = math::ExpOp::create(b, arith::NegFOp::create(b, x));
  return fdiv(b, cF32(b, 1.0f), fadd(b, cF32(b, 1.0f), e));
}

/// Loop nest over every element of `mem` (all its dimensions).
void forEachElement(Builder &b, Value mem,
                    function_ref<void(Builder &, ValueRange)> body) {
  int64_t rank = cast<MemRefType>(mem.getType()).getRank();
  SmallVector<Value> ivs;
  std::function<void(Builder &, int64_t)> nest = [&](Builder &nb, int64_t d) {
    if (d == rank) {
      body(nb, ivs);
      return;
    }
    forLoop(nb, 0, dim(nb, mem, d), [&](Builder &ib, Value iv) {
      ivs.push_back(iv);
      nest(ib, d + 1);
      ivs.pop_back();
    });
  };
  nest(b, 0);
}

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

/// A fresh buffer for a result of type `t`; `dynSizes` has one value per
/// dynamic dimension of `t`.
Value allocFor(Builder &b, RankedTensorType t, ValueRange dynSizes) {
  return memref::AllocOp::create(
      b, MemRefType::get(t.getShape(), t.getElementType()), dynSizes);
}
Value allocStatic(Builder &b, ArrayRef<int64_t> shape, Type elt) {
  return memref::AllocOp::create(b, MemRefType::get(shape, elt));
}

/// The dynamic sizes of `t` given all of its sizes as values.
SmallVector<Value> dynamicOnly(RankedTensorType t, ArrayRef<Value> sizes) {
  SmallVector<Value> out;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (t.isDynamicDim(d))
      out.push_back(sizes[d]);
  return out;
}

Value toTensor(Builder &b, Type tensorType, Value mem) {
  return bufferization::ToTensorOp::create(b, tensorType, mem,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

/// Run-time size checks (cf.assert: the program stops with the message, as
/// for an out-of-range expert index). The verifiers compare static sizes;
/// where one side of a contract is dynamic, the loops of a lowering would
/// index one buffer with the size of another, so the sizes are compared
/// before anything is read or written. Nothing is emitted when both sizes are
/// static (the verifier has checked them).
///
/// Checks dim(`mem`, `d`) of a tensor of type `type` against `want` (a
/// static size, or kDynamic with `wantV` its run-time value, or kDynamic and
/// no value: nothing to check).
void assertSize(Builder &b, Operation *op, Value mem, ShapedType type,
                int64_t d, int64_t want, Value wantV, StringRef what) {
  if (!type.isDynamicDim(d) && !ShapedType::isDynamic(want))
    return;
  // A dynamic `want` without a value: the other side is sized from this one
  // (e.g. a dynamic result allocated with the list's length).
  if (ShapedType::isDynamic(want) && !wantV)
    return;
  Value have = dim(b, mem, d);
  Value expected = ShapedType::isDynamic(want) ? wantV : cIdx(b, want);
  std::string msg;
  llvm::raw_string_ostream os(msg);
  os << op->getName() << ": " << what << " differ at run time";
  cf::AssertOp::create(
      b, cmpi(b, arith::CmpIPredicate::eq, have, expected), os.str());
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

//===----------------------------------------------------------------------===//
// The lowering
//===----------------------------------------------------------------------===//

struct Storage {
  PackedType type;
  Value values, metadata, rowIndices;
};

class Lowering {
public:
  explicit Lowering(ModuleOp module) : module(module) {}

  LogicalResult lowerPack(PackOp op);
  LogicalResult lowerUnpack(UnpackOp op);
  LogicalResult lowerRoute(RouteOp op);
  LogicalResult lowerDispatch(DispatchOp op);
  LogicalResult lowerSsmm(SsmmOp op);
  LogicalResult lowerCombine(CombineOp op);

private:
  FailureOr<Storage> storageOf(Operation *user, unsigned operandNo);
  FailureOr<func::FuncOp> runtimeFunction(Operation *user, StringRef name,
                                          TypeRange args);
  ModuleOp module;
};

/// The three storage tensors of a packed operand: those of its defining
/// samoyeds.assemble (a lowered samoyeds.pack has become one).
FailureOr<Storage> Lowering::storageOf(Operation *user, unsigned operandNo) {
  Value packed = user->getOperand(operandNo);
  if (auto assemble = packed.getDefiningOp<AssembleOp>())
    return Storage{cast<PackedType>(packed.getType()), assemble.getValues(),
                   assemble.getMetadata(), assemble.getRowIndices()};
  InFlightDiagnostic diag = user->emitOpError()
                            << "packed operand #" << operandNo
                            << " has no storage: it must be produced by "
                               "samoyeds.assemble or samoyeds.pack";
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
FailureOr<func::FuncOp>
Lowering::runtimeFunction(Operation *user, StringRef name, TypeRange args) {
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

//===----------------------------------------------------------------------===//
// pack / unpack: through the format library (CPU runtime)
//===----------------------------------------------------------------------===//

LogicalResult Lowering::lowerPack(PackOp op) {
  Builder b(op.getLoc(), op);
  auto type = cast<PackedType>(op.getResult().getType());
  MLIRContext *ctx = op.getContext();
  Type f32 = b.getF32Type(), i16 = b.getI16Type(), i8 = b.getI8Type();
  int64_t rank = type.getShape().size();
  StringRef name = rank == 3 ? "samoyeds_rt_pack3_f32" : "samoyeds_rt_pack_f32";
  FailureOr<func::FuncOp> fn =
      runtimeFunction(op, name, runtimeArgs(ctx, rank, {f32, f32, i16, i8}));
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

LogicalResult Lowering::lowerUnpack(UnpackOp op) {
  FailureOr<Storage> st = storageOf(op, 0);
  if (failed(st))
    return failure();
  Builder b(op.getLoc(), op);
  PackedType type = st->type;
  MLIRContext *ctx = op.getContext();
  Type f32 = b.getF32Type(), i16 = b.getI16Type(), i8 = b.getI8Type();
  int64_t rank = type.getShape().size();
  StringRef name =
      rank == 3 ? "samoyeds_rt_unpack3_f32" : "samoyeds_rt_unpack_f32";
  FailureOr<func::FuncOp> fn =
      runtimeFunction(op, name, runtimeArgs(ctx, rank, {f32, i16, i8, f32}));
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
  Value out = allocFor(b, resType, {});
  forEachElement(b, out, [&](Builder &nb, ValueRange ivs) {
    store(nb, fromF32(nb, load(nb, dense32, ivs), resType.getElementType()),
          out, ivs);
  });
  op.getResult().replaceAllUsesWith(toTensor(b, resType, out));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// route
//===----------------------------------------------------------------------===//

/// Index and value of the largest `vals[i]` over i in [lb, ub) with
/// `avail[i]` set; ties: the lower index. Index -1 when none is available.
std::pair<Value, Value> argmax(Builder &b, Value vals, Value avail, Value lb,
                               Value ub) {
  Value none = cIdx(b, -1);
  Value ninf = cF32(b, -std::numeric_limits<float>::infinity());
  SmallVector<Value> r = forReduce(
      b, lb, ub, {none, ninf},
      [&](Builder &nb, Value i, ValueRange acc) -> SmallVector<Value> {
        Value v = load(nb, vals, {i});
        Value first = cmpi(nb, arith::CmpIPredicate::slt, acc[0], cIdx(nb, 0));
        Value better =
            arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, v, acc[1]);
        Value take = andi(nb, load(nb, avail, {i}),
                          arith::OrIOp::create(nb, first, better));
        return {select(nb, take, i, acc[0]), select(nb, take, v, acc[1])};
      });
  return {r[0], r[1]};
}

LogicalResult Lowering::lowerRoute(RouteOp op) {
  Builder b(op.getLoc(), op);
  Type f32 = b.getF32Type(), i1 = b.getI1Type();
  Value logits = toBuffer(b, op.getLogits());
  Value bias = op.getBias() ? toBuffer(b, op.getBias()) : Value();
  int64_t experts = op.getLogits().getType().getDimSize(1);
  int64_t k = op.getTopK(), nGroup = op.getNGroup(),
          topkGroup = op.getTopkGroup();
  int64_t groupSize = experts / nGroup;
  float scaling = op.getScalingFactor().convertToFloat();
  bool softmax = op.getScoring() == Scoring::softmax;

  Value t = dim(b, logits, 0);
  RankedTensorType wType = op.getWeights().getType(),
                   iType = op.getIndices().getType();
  ShapedType lType = op.getLogits().getType();
  // (C3) weights and indices have a row per token; (C4) bias one entry per
  // expert: where a side is dynamic, checked before anything is written.
  if (lType.isDynamicDim(0)) {
    if (!wType.isDynamicDim(0))
      cf::AssertOp::create(
          b, cmpi(b, arith::CmpIPredicate::eq, t, cIdx(b, wType.getDimSize(0))),
          "samoyeds.route: the tokens of logits and weights/indices differ at "
          "run time");
    else if (!iType.isDynamicDim(0))
      cf::AssertOp::create(
          b, cmpi(b, arith::CmpIPredicate::eq, t, cIdx(b, iType.getDimSize(0))),
          "samoyeds.route: the tokens of logits and weights/indices differ at "
          "run time");
  }
  if (bias)
    assertSize(b, op, bias, op.getBias().getType(), 0, experts, Value(),
               "the entries of bias and the expert count");
  Value kv = cIdx(b, k);
  Value weights = allocFor(b, wType, dynamicOnly(wType, {t, kv}));
  Value indices = allocFor(b, iType, dynamicOnly(iType, {t, kv}));
  // Per-token scratch: scores, selection scores, availability, group scores,
  // group availability, the chosen scores.
  Value scores = allocStatic(b, {experts}, f32);
  Value sel = bias ? allocStatic(b, {experts}, f32) : scores;
  Value avail = allocStatic(b, {experts}, i1);
  Value groupScores = allocStatic(b, {nGroup}, f32);
  Value groupAvail = allocStatic(b, {nGroup}, i1);
  Value chosen = allocStatic(b, {k}, f32);
  Value numExperts = cIdx(b, experts);

  forLoop(b, 0, t, [&](Builder &b, Value tok) {
    Value zero = cIdx(b, 0);
    // 1. scores.
    if (softmax) {
      Value ninf = cF32(b, -std::numeric_limits<float>::infinity());
      Value mx = forReduce(b, zero, numExperts, {ninf},
                           [&](Builder &nb, Value e, ValueRange acc) {
                             Value l = toF32(nb, load(nb, logits, {tok, e}));
                             return SmallVector<Value>{
                                 arith::MaximumFOp::create(nb, acc[0], l)};
                           })[0];
      Value sum = forReduce(b, zero, numExperts, {cF32(b, 0.0f)},
                            [&](Builder &nb, Value e, ValueRange acc) {
                              Value l = toF32(nb, load(nb, logits, {tok, e}));
                              Value ex = math::ExpOp::create(
                                  nb, arith::SubFOp::create(nb, l, mx));
                              store(nb, ex, scores, {e});
                              return SmallVector<Value>{fadd(nb, acc[0], ex)};
                            })[0];
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, fdiv(nb, load(nb, scores, {e}), sum), scores, {e});
      });
    } else {
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, sigmoid(nb, toF32(nb, load(nb, logits, {tok, e}))), scores,
              {e});
      });
    }
    // 2. selection scores.
    if (bias)
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        Value q =
            fadd(nb, load(nb, scores, {e}), toF32(nb, load(nb, bias, {e})));
        store(nb, q, sel, {e});
      });
    // 3. eligible experts.
    if (nGroup > 1) {
      Value gs = cIdx(b, groupSize);
      Value ninf = cF32(b, -std::numeric_limits<float>::infinity());
      forLoop(b, 0, cIdx(b, nGroup), [&](Builder &nb, Value g) {
        Value lb = mul(nb, g, gs);
        // The two largest of the group (as a multiset).
        SmallVector<Value> top = forReduce(
            nb, lb, add(nb, lb, gs), {ninf, ninf},
            [&](Builder &ib, Value e, ValueRange acc) -> SmallVector<Value> {
              Value v = load(ib, sel, {e});
              Value gt1 = arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT,
                                                v, acc[0]);
              Value gt2 = arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT,
                                                v, acc[1]);
              Value m2 = select(ib, gt1, acc[0], select(ib, gt2, v, acc[1]));
              Value m1 = select(ib, gt1, v, acc[0]);
              return {m1, m2};
            });
        Value score = groupSize >= 2 ? fadd(nb, top[0], top[1]) : top[0];
        store(nb, score, groupScores, {g});
        store(nb, cBool(nb, true), groupAvail, {g});
      });
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, cBool(nb, false), avail, {e});
      });
      forLoop(b, 0, cIdx(b, topkGroup), [&](Builder &nb, Value) {
        Value best =
            argmax(nb, groupScores, groupAvail, cIdx(nb, 0), cIdx(nb, nGroup))
                .first;
        store(nb, cBool(nb, false), groupAvail, {best});
        Value lb = mul(nb, best, gs);
        forLoop(nb, lb, add(nb, lb, gs), [&](Builder &ib, Value e) {
          store(ib, cBool(ib, true), avail, {e});
        });
      });
    } else {
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, cBool(nb, true), avail, {e});
      });
    }
    // 4. top-k by repeated argmax, 5. unbiased weights.
    Value sum = forReduce(
        b, zero, kv, {cF32(b, 0.0f)},
        [&](Builder &nb, Value j, ValueRange acc) {
          Value best = argmax(nb, sel, avail, cIdx(nb, 0), numExperts).first;
          store(nb, cBool(nb, false), avail, {best});
          store(nb, arith::IndexCastOp::create(nb, nb.getI32Type(), best),
                indices, {tok, j});
          Value w = load(nb, scores, {best});
          store(nb, w, chosen, {j});
          return SmallVector<Value>{fadd(nb, acc[0], w)};
        })[0];
    forLoop(b, zero, kv, [&](Builder &nb, Value j) {
      Value w = load(nb, chosen, {j});
      if (op.getRenormalize())
        w = fdiv(nb, w, sum);
      if (scaling != 1.0f)
        w = fmul(nb, w, cF32(nb, scaling));
      store(nb, fromF32(nb, w, wType.getElementType()), weights, {tok, j});
    });
  });

  op.getWeights().replaceAllUsesWith(toTensor(b, wType, weights));
  op.getIndices().replaceAllUsesWith(toTensor(b, iType, indices));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// dispatch
//===----------------------------------------------------------------------===//

LogicalResult Lowering::lowerDispatch(DispatchOp op) {
  Builder b(op.getLoc(), op);
  Value ids = toBuffer(b, op.getIndices());
  int64_t experts = op.getNumExperts(), tile = op.getTile();
  Value t = dim(b, ids, 0), k = dim(b, ids, 1);
  Value flat = mul(b, t, k);
  Value len = add(b, flat, cIdx(b, experts * (tile - 1)));
  Value numExperts = cIdx(b, experts), tileV = cIdx(b, tile);
  RankedTensorType listType = op.getList().getType(),
                   offType = op.getOffsets().getType();
  // A static list with a dynamic T or k: the verifier checked what it could;
  // the run-time T*k must give exactly that length before anything is
  // written (else the loops below would write past the list).
  if (!listType.isDynamicDim(0) &&
      !op.getIndices().getType().hasStaticShape())
    cf::AssertOp::create(
        b,
        cmpi(b, arith::CmpIPredicate::eq, len,
             cIdx(b, listType.getDimSize(0))),
        "samoyeds.dispatch: the list type has " +
            std::to_string(listType.getDimSize(0)) +
            " entries but T*k + E*(tile-1) differs at run time");
  Value list = allocFor(b, listType, dynamicOnly(listType, {len}));
  Value offsets =
      allocFor(b, offType, dynamicOnly(offType, {cIdx(b, experts + 1)}));
  // Tokens per expert, then the write cursor of each segment.
  Value cursor = allocStatic(b, {experts}, b.getIndexType());
  Value zero = cIdx(b, 0), one = cIdx(b, 1);
  forLoop(b, zero, numExperts,
          [&](Builder &nb, Value e) { store(nb, zero, cursor, {e}); });

  std::string msg = "samoyeds.dispatch: expert index out of range [0, " +
                    std::to_string(experts) + ")";
  auto expertOf = [&](Builder &nb, Value f) {
    Value e = toIndex(nb, load(nb, ids, {divu(nb, f, k), remu(nb, f, k)}));
    return e;
  };
  forLoop(b, zero, flat, [&](Builder &nb, Value f) {
    Value e = expertOf(nb, f);
    Value ok = andi(nb, cmpi(nb, arith::CmpIPredicate::sge, e, zero),
                    cmpi(nb, arith::CmpIPredicate::slt, e, numExperts));
    cf::AssertOp::create(nb, ok, msg);
    store(nb, add(nb, load(nb, cursor, {e}), one), cursor, {e});
  });
  // The unpadded counts, when asked for, before the cursor becomes the
  // write position.
  Value counts;
  if (op.getCounts()) {
    RankedTensorType cType = op.getCounts().getType();
    counts = allocFor(b, cType, dynamicOnly(cType, {numExperts}));
    forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
      store(nb,
            arith::IndexCastOp::create(nb, cType.getElementType(),
                                       load(nb, cursor, {e})),
            counts, {e});
    });
  }
  // Segment starts: counts padded up to a multiple of the tile.
  Value end = forReduce(
      b, zero, numExperts, {zero}, [&](Builder &nb, Value e, ValueRange acc) {
        Value count = load(nb, cursor, {e});
        Value padded =
            mul(nb, divu(nb, add(nb, count, cIdx(nb, tile - 1)), tileV), tileV);
        store(nb, arith::IndexCastOp::create(nb, nb.getI32Type(), acc[0]),
              offsets, {e});
        store(nb, acc[0], cursor, {e});
        return SmallVector<Value>{add(nb, acc[0], padded)};
      })[0];
  store(b, arith::IndexCastOp::create(b, b.getI32Type(), end), offsets,
        {numExperts});
  // Sentinels everywhere, then the ids in ascending order.
  Value sentinel = arith::IndexCastOp::create(b, b.getI32Type(), flat);
  forLoop(b, zero, len,
          [&](Builder &nb, Value i) { store(nb, sentinel, list, {i}); });
  forLoop(b, zero, flat, [&](Builder &nb, Value f) {
    Value e = expertOf(nb, f);
    Value pos = load(nb, cursor, {e});
    store(nb, arith::IndexCastOp::create(nb, nb.getI32Type(), f), list, {pos});
    store(nb, add(nb, pos, one), cursor, {e});
  });

  op.getList().replaceAllUsesWith(toTensor(b, listType, list));
  op.getOffsets().replaceAllUsesWith(toTensor(b, offType, offsets));
  if (counts)
    op.getCounts().replaceAllUsesWith(
        toTensor(b, op.getCounts().getType(), counts));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// ssmm
//===----------------------------------------------------------------------===//

LogicalResult Lowering::lowerSsmm(SsmmOp op) {
  FailureOr<Storage> st = storageOf(op, 0);
  if (failed(st))
    return failure();
  Builder b(op.getLoc(), op);
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  PackedType type = st->type;
  FormatAttr fmt = type.getFormat();
  int64_t rows = type.getRows(), cols = type.getCols(), n = fmt.getN(),
          m = fmt.getM(), v = fmt.getV();
  int64_t condRows = type.getCondensedRows(), slices = type.getNumSlices();
  bool silu = op.getEpilogue() == Epilogue::silu_mul;
  int64_t outCols = silu ? rows / 2 : rows;
  int64_t topK = op.getTopK();

  Value values = toBuffer(b, st->values);
  Value meta = toBuffer(b, st->metadata);
  Value rowIdx = toBuffer(b, st->rowIndices);
  Value input = toBuffer(b, op.getInput());
  Value list = toBuffer(b, op.getList());
  Value offsets = op.getOffsets() ? toBuffer(b, op.getOffsets()) : Value();
  Value scale = op.getScale() ? toBuffer(b, op.getScale()) : Value();

  Value zero = cIdx(b, 0);
  Value len = dim(b, list, 0);
  RankedTensorType resType = op.getResult().getType();
  ShapedType listType = op.getList().getType();
  Type resElt = resType.getElementType();
  // (C3) without gather one input row per list entry; (C4) one result row
  // per list entry; (C2) E + 1 offsets: checked where a side is dynamic (the
  // loops index input and result with the list's length).
  if (!op.getGather())
    assertSize(b, op, input, op.getInput().getType(), 0,
               listType.getDimSize(0), len,
               "the rows of input and the list length");
  assertSize(b, op, list, listType, 0, resType.getDimSize(0), Value(),
             "the list length and the result rows");
  if (offsets)
    assertSize(b, op, offsets, op.getOffsets().getType(), 0,
               type.getNumExperts() + 1, Value(),
               "the offsets and the expert count + 1");
  Value out =
      allocFor(b, resType, dynamicOnly(resType, {len, cIdx(b, outCols)}));
  Value acc = allocStatic(b, {rows}, f32);
  Value x = allocStatic(b, {cols}, f32);

  // Padding entries (and entries outside every segment) stay zero.
  Value zeroOut = fromF32(b, cF32(b, 0.0f), resElt);
  forEachElement(b, out, [&](Builder &nb, ValueRange ivs) {
    store(nb, zeroOut, out, ivs);
  });

  // Entries whose list value lies in [0, bound) are computed.
  Value bound;
  Value scaleCols = scale ? dim(b, scale, 1) : Value();
  Value scaleNumel = scale ? mul(b, dim(b, scale, 0), scaleCols) : Value();
  if (op.getGather())
    bound = mul(b, dim(b, input, 0), cIdx(b, topK));
  else if (scale)
    bound = scaleNumel;

  auto entries = [&](Builder &b, Value e, Value lb, Value ub) {
    forLoop(b, lb, ub, [&](Builder &b, Value i) {
      Value id = toIndex(b, load(b, list, {i}));
      auto compute = [&](Builder &b) {
        Value row = op.getGather() ? divu(b, id, cIdx(b, topK)) : i;
        forLoop(b, 0, cIdx(b, cols), [&](Builder &b, Value c) {
          store(b, toF32(b, load(b, input, {row, c})), x, {c});
        });
        forLoop(b, 0, cIdx(b, rows), [&](Builder &b, Value r) {
          store(b, cF32(b, 0.0f), acc, {r});
        });
        // acc[r] = sum over slices s where r is selected, over the kept
        // values of condensed row r' (r = (r'/n)*m + rowidx[s][r']).
        forLoop(b, 0, cIdx(b, slices), [&](Builder &b, Value s) {
          forLoop(b, 0, cIdx(b, condRows), [&](Builder &b, Value cr) {
            Value j = toIndexU(b, load(b, rowIdx, withExpert(e, {s, cr})));
            Value r = add(b, mul(b, divu(b, cr, cIdx(b, n)), cIdx(b, m)), j);
            Value g0 = mul(b, s, cIdx(b, v / 4));
            Value sum = forReduce(
                b, g0, add(b, g0, cIdx(b, v / 4)), {cF32(b, 0.0f)},
                [&](Builder &b, Value g, ValueRange a) -> SmallVector<Value> {
                  // Group g of 4 columns: nibble g % 4 of word g / 4;
                  // bits [1:0] the first kept position, [3:2] the second.
                  Value word = arith::ExtUIOp::create(
                      b, i32,
                      load(b, meta,
                           withExpert(e, {cr, divu(b, g, cIdx(b, 4))})));
                  Value shift = arith::IndexCastOp::create(
                      b, i32, mul(b, remu(b, g, cIdx(b, 4)), cIdx(b, 4)));
                  Value nib = arith::ShRUIOp::create(b, word, shift);
                  Value three = cI32(b, 3);
                  Value p0 = toIndexU(b, arith::AndIOp::create(b, nib, three));
                  Value p1 = toIndexU(
                      b, arith::AndIOp::create(
                             b, arith::ShRUIOp::create(b, nib, cI32(b, 2)),
                             three));
                  Value base = mul(b, g, cIdx(b, 4));
                  Value v0 = toF32(
                      b, load(b, values,
                              withExpert(e, {cr, mul(b, g, cIdx(b, 2))})));
                  Value v1 = toF32(
                      b, load(b, values,
                              withExpert(e, {cr, add(b, mul(b, g, cIdx(b, 2)),
                                                     cIdx(b, 1))})));
                  Value x0 = load(b, x, {add(b, base, p0)});
                  Value x1 = load(b, x, {add(b, base, p1)});
                  Value s0 = fadd(b, a[0], fmul(b, v0, x0));
                  return {fadd(b, s0, fmul(b, v1, x1))};
                })[0];
            store(b, fadd(b, load(b, acc, {r}), sum), acc, {r});
          });
        });
        // Epilogue, then the routing weight.
        Value sc;
        if (scale)
          sc = toF32(b, load(b, scale,
                             {divu(b, id, scaleCols), remu(b, id, scaleCols)}));
        forLoop(b, 0, cIdx(b, outCols), [&](Builder &b, Value c) {
          Value y = load(b, acc, {c});
          if (silu) {
            Value up = load(b, acc, {add(b, c, cIdx(b, outCols))});
            y = fmul(b, fmul(b, y, sigmoid(b, y)), up);
          }
          if (sc)
            y = fmul(b, y, sc);
          store(b, fromF32(b, y, resElt), out, {i, c});
        });
      };
      if (!bound) {
        compute(b);
        return;
      }
      Value valid = andi(b, cmpi(b, arith::CmpIPredicate::sge, id, cIdx(b, 0)),
                         cmpi(b, arith::CmpIPredicate::slt, id, bound));
      // Never read scale out of bounds, even with inconsistent operands.
      if (scale && op.getGather())
        valid =
            andi(b, valid, cmpi(b, arith::CmpIPredicate::slt, id, scaleNumel));
      ifThen(b, valid, compute);
    });
  };

  if (offsets) {
    forLoop(b, 0, cIdx(b, type.getNumExperts()), [&](Builder &b, Value e) {
      Value lb = toIndex(b, load(b, offsets, {e}));
      Value ub = toIndex(b, load(b, offsets, {add(b, e, cIdx(b, 1))}));
      // Clamp to the list: malformed offsets must not write out of bounds.
      lb = arith::MaxSIOp::create(b, lb, cIdx(b, 0));
      ub = arith::MinSIOp::create(b, ub, len);
      entries(b, e, lb, ub);
    });
  } else {
    entries(b, Value(), zero, len);
  }

  op.getResult().replaceAllUsesWith(toTensor(b, resType, out));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// combine
//===----------------------------------------------------------------------===//

LogicalResult Lowering::lowerCombine(CombineOp op) {
  Builder b(op.getLoc(), op);
  Type f32 = b.getF32Type();
  Value rows = toBuffer(b, op.getRows());
  Value list = toBuffer(b, op.getList());
  Value weights = toBuffer(b, op.getWeights());
  Value t = dim(b, weights, 0), k = dim(b, weights, 1);
  Value h = dim(b, rows, 1), len = dim(b, list, 0);
  Value flat = mul(b, t, k);
  RankedTensorType resType = op.getResult().getType();
  Type resElt = resType.getElementType();
  // (C1) a row per list entry, (C3) the result is tokens x row width: where
  // a side is dynamic, checked before the loops index with the other.
  ShapedType rowsType = op.getRows().getType(),
                   wType = op.getWeights().getType();
  assertSize(b, op, rows, rowsType, 0, op.getList().getType().getDimSize(0),
             len, "the rows and the list length");
  assertSize(b, op, weights, wType, 0, resType.getDimSize(0), Value(),
             "the tokens of weights and result");
  assertSize(b, op, rows, rowsType, 1, resType.getDimSize(1), Value(),
             "the row widths of rows and result");
  Value out = allocFor(b, resType, dynamicOnly(resType, {t, h}));
  // Accumulate in f32 (in place when the result is f32).
  Value acc = out;
  if (!resElt.isF32())
    acc = memref::AllocOp::create(b, MemRefType::get(resType.getShape(), f32),
                                  dynamicOnly(resType, {t, h}));
  forEachElement(b, acc, [&](Builder &nb, ValueRange ivs) {
    store(nb, cF32(nb, 0.0f), acc, ivs);
  });
  Value zero = cIdx(b, 0);
  forLoop(b, zero, len, [&](Builder &b, Value i) {
    Value id = toIndex(b, load(b, list, {i}));
    Value valid = andi(b, cmpi(b, arith::CmpIPredicate::sge, id, zero),
                       cmpi(b, arith::CmpIPredicate::slt, id, flat));
    ifThen(b, valid, [&](Builder &b) {
      Value tok = divu(b, id, k);
      Value w;
      if (op.getWeighted())
        w = toF32(b, load(b, weights, {tok, remu(b, id, k)}));
      forLoop(b, 0, h, [&](Builder &b, Value c) {
        Value r = toF32(b, load(b, rows, {i, c}));
        if (w)
          r = fmul(b, w, r);
        store(b, fadd(b, load(b, acc, {tok, c}), r), acc, {tok, c});
      });
    });
  });
  if (acc != out)
    forEachElement(b, out, [&](Builder &nb, ValueRange ivs) {
      store(nb, fromF32(nb, load(nb, acc, ivs), resElt), out, ivs);
    });
  op.getResult().replaceAllUsesWith(toTensor(b, resType, out));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct SamoyedsLowerToLoopsPass
    : mlir::samoyeds::impl::SamoyedsLowerToLoopsBase<SamoyedsLowerToLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Lowering lowering(module);
    bool failed = false;

    // moe must have been decomposed.
    module.walk([&](MoeOp op) {
      op.emitOpError() << "must be decomposed before samoyeds-lower-to-loops "
                          "(run samoyeds-decompose-moe first)";
      failed = true;
    });
    if (failed)
      return signalPassFailure();
    module.walk([&](DestinationStyleOpInterface op) {
      if (isa<RouteOp, DispatchOp, SsmmOp, CombineOp>(op) &&
          !op.hasPureTensorSemantics()) {
        op->emitOpError() << "samoyeds-lower-to-loops lowers the tensor form; "
                             "run it before bufferization";
        failed = true;
      }
    });
    if (failed)
      return signalPassFailure();

    // Packs first: each becomes samoyeds.assemble of its computed storage, so
    // every packed operand is then read through an assemble.
    SmallVector<PackOp> packs;
    module.walk([&](PackOp op) { packs.push_back(op); });
    for (PackOp op : packs) {
      if (op->use_empty()) {
        op.erase();
        continue;
      }
      failed |= mlir::failed(lowering.lowerPack(op));
    }

    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<UnpackOp, RouteOp, DispatchOp, SsmmOp, CombineOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      LogicalResult r =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case([&](UnpackOp o) { return lowering.lowerUnpack(o); })
              .Case([&](RouteOp o) { return lowering.lowerRoute(o); })
              .Case([&](DispatchOp o) { return lowering.lowerDispatch(o); })
              .Case([&](SsmmOp o) { return lowering.lowerSsmm(o); })
              .Case([&](CombineOp o) { return lowering.lowerCombine(o); });
      failed |= mlir::failed(r);
    }
    if (failed)
      return signalPassFailure();

    // Assembles disappear with their users.
    SmallVector<AssembleOp> assembles;
    module.walk([&](AssembleOp op) { assembles.push_back(op); });
    for (AssembleOp op : assembles)
      if (op->use_empty())
        op.erase();
  }
};

} // namespace
