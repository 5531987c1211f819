// samoyeds-decompose-moe: a whole MoE layer into route, dispatch, ssmm, combine.
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "llvm/Support/CheckedArithmetic.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSDECOMPOSEMOE
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

/// sigmoid(v) = 1 / (1 + exp(-v)), f32.
Value sigmoid(OpBuilder &b, Location loc, Value v) {
  Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

/// An empty f32 tensor of `shape` whose dynamic sizes are taken from `dynSizes`.
Value zeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
            ValueRange dynSizes) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type(), dynSizes);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// The `outs` init of a result of type `type`: `tensor.empty` whose dynamic
/// sizes are those of `sizes` (one value per dimension; null where static).
Value emptyInit(OpBuilder &b, Location loc, RankedTensorType type,
                ArrayRef<Value> sizes) {
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dyn.push_back(sizes[d]);
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dyn);
}

SmallVector<Value> dynamicDims(OpBuilder &b, Location loc, Value t,
                               ArrayRef<int64_t> dims) {
  SmallVector<Value> out;
  auto type = cast<RankedTensorType>(t.getType());
  for (int64_t d : dims)
    if (type.isDynamicDim(d))
      out.push_back(tensor::DimOp::create(b, loc, t, d));
  return out;
}

/// lhs (M x K) · rhs^T where rhs is N x K (rank 2) or K (rank 1: a matvec),
/// accumulated in f32: M x N or M.
Value matmulTransposedB(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  MLIRContext *ctx = b.getContext();
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  bool vec = rt.getRank() == 1;
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(vec ? 1 : 2, ctx);
  SmallVector<int64_t> shape = {lt.getDimSize(0)};
  if (!vec)
    shape.push_back(rt.getDimSize(0));
  Value init = zeros(b, loc, shape, dynamicDims(b, loc, lhs, {0}));
  unsigned nd = vec ? 2 : 3;
  SmallVector<AffineMap> maps = {
      AffineMap::get(nd, 0, {m, k}, ctx),
      vec ? AffineMap::get(nd, 0, {k}, ctx) : AffineMap::get(nd, 0, {n, k}, ctx),
      vec ? AffineMap::get(nd, 0, {m}, ctx) : AffineMap::get(nd, 0, {m, n}, ctx)};
  SmallVector<utils::IteratorType> iters(nd, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  auto gen = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init}, maps,
      iters, [](OpBuilder &nb, Location l, ValueRange args) {
        Value p = arith::MulFOp::create(nb, l, toF32(nb, l, args[0]),
                                        toF32(nb, l, args[1]));
        linalg::YieldOp::create(nb, l,
                                ValueRange{arith::AddFOp::create(nb, l, args[2], p)});
      });
  // Marks the row dot product for convert-samoyeds-to-gpu, which gives it a
  // warp-per-row kernel (a discardable hint; the CPU path ignores it).
  gen->setAttr("samoyeds.row_dot", b.getUnitAttr());
  return gen.getResult(0);
}

struct DecomposeMoe : OpRewritePattern<MoeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MoeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = op.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    int64_t t = xType.getDimSize(0), hidden = xType.getDimSize(1);
    int64_t experts = op.getGateWeight().getType().getDimSize(0);
    int64_t k = op.getTopK(), tile = op.getTile();
    auto w13 = cast<PackedType>(op.getW13().getType());
    int64_t inter = w13.getRows() / 2;
    // The list length T*k + E*(tile-1); (C9) bounds it, checked arithmetic
    // keeps this independent of the verifier having run.
    int64_t len = ShapedType::kDynamic;
    if (!ShapedType::isDynamic(t)) {
      std::optional<int64_t> pairs = llvm::checkedMul(t, k);
      std::optional<int64_t> padding = llvm::checkedMul(experts, tile - 1);
      std::optional<int64_t> sum =
          pairs && padding ? llvm::checkedAdd(*pairs, *padding) : std::nullopt;
      if (!sum)
        return op.emitOpError()
               << "samoyeds-decompose-moe: the list length T*k + E*(tile-1) "
                  "overflows int64 (T = "
               << t << ", k = " << k << ", E = " << experts
               << ", tile = " << tile << ")";
      len = *sum;
    }

    Value logits = matmulTransposedB(b, loc, x, op.getGateWeight());
    // The sizes of the results, for their `outs` inits: the tokens, and the
    // list length T*k + E*(tile-1) (null where static).
    Value tokens = xType.isDynamicDim(0) ? tensor::DimOp::create(b, loc, x, 0)
                                         : Value();
    Value listLen;
    if (ShapedType::isDynamic(len))
      listLen = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, tokens,
                                arith::ConstantIndexOp::create(b, loc, k)),
          arith::ConstantIndexOp::create(b, loc, experts * (tile - 1)));
    auto wType = RankedTensorType::get({t, k}, f32);
    auto iType = RankedTensorType::get({t, k}, i32);
    auto route = RouteOp::create(
        b, loc, wType, iType, logits, op.getBias(), op.getTopKAttr(),
        op.getScoringAttr(), op.getRenormalizeAttr(), op.getNGroupAttr(),
        op.getTopkGroupAttr(), op.getScalingFactorAttr(),
        ValueRange{emptyInit(b, loc, wType, {tokens, Value()}),
                   emptyInit(b, loc, iType, {tokens, Value()})});
    // The layer's counts are those of its dispatch (which has them anyway:
    // they are its unpadded segment lengths); without them the dispatch is
    // the plain one.
    auto listType = RankedTensorType::get({len}, i32);
    auto offType = RankedTensorType::get({experts + 1}, i32);
    SmallVector<Value> dispatchInits = {emptyInit(b, loc, listType, {listLen}),
                                        emptyInit(b, loc, offType, {Value()})};
    Type countsType = op.getCounts() ? op.getCounts().getType() : Type();
    if (countsType)
      dispatchInits.push_back(
          emptyInit(b, loc, cast<RankedTensorType>(countsType),
                    {arith::ConstantIndexOp::create(b, loc, experts)}));
    auto dispatch = DispatchOp::create(
        b, loc, listType, offType, countsType, route.getIndices(),
        b.getI64IntegerAttr(experts), b.getI64IntegerAttr(tile), dispatchInits);

    auto silu = EpilogueAttr::get(b.getContext(), Epilogue::silu_mul);
    auto none = EpilogueAttr::get(b.getContext(), Epilogue::none);
    auto ssmm = [&](Value w, Value in, Value list, Value offsets, Value scale,
                    int64_t topK, bool gather, EpilogueAttr epi, Type elt,
                    int64_t rows, Value rowsV, int64_t cols) -> Value {
      // The padding rows of every ssmm here are read by nobody: the W2 ssmm
      // and combine skip padding entries, and the shared expert's list has
      // none.
      auto type = RankedTensorType::get({rows, cols}, elt);
      return SsmmOp::create(b, loc, type, w, /*storage=*/ValueRange(), in,
                            list, offsets, scale, b.getI64IntegerAttr(topK),
                            gather ? b.getUnitAttr() : UnitAttr(), epi,
                            KernelConfigAttr(), /*undef_padding=*/b.getUnitAttr(),
                            /*storage_type=*/TypeAttr(),
                            emptyInit(b, loc, type, {rowsV, Value()}))
          .getResult();
    };
    Type elt = xType.getElementType();
    Value h = ssmm(op.getW13(), x, dispatch.getList(), dispatch.getOffsets(),
                   Value(), k, /*gather=*/true, silu, elt, len, listLen, inter);
    Value rows = ssmm(op.getW2(), h, dispatch.getList(), dispatch.getOffsets(),
                      route.getWeights(), k, /*gather=*/false, none, f32, len,
                      listLen, hidden);
    auto yType = RankedTensorType::get({t, hidden}, f32);
    Value y = CombineOp::create(b, loc, yType, rows, dispatch.getList(),
                                route.getWeights(), UnitAttr(),
                                emptyInit(b, loc, yType, {tokens, Value()}))
                  .getResult();

    if (op.getSharedW13()) {
      auto s13 = cast<PackedType>(op.getSharedW13().getType());
      SmallVector<Value> tDyn = dynamicDims(b, loc, x, {0});
      // Every token, in order: the shared expert sees the whole batch.
      Value all = tensor::GenerateOp::create(
          b, loc, RankedTensorType::get({t}, i32), tDyn,
          [&](OpBuilder &nb, Location l, ValueRange idx) {
            Value v = arith::IndexCastOp::create(nb, l, nb.getI32Type(), idx[0]);
            tensor::YieldOp::create(nb, l, v);
          });
      Value hs = ssmm(op.getSharedW13(), x, all, Value(), Value(), 1,
                      /*gather=*/true, silu, elt, t, tokens, s13.getRows() / 2);
      Value ys = ssmm(op.getSharedW2(), hs, all, Value(), Value(), 1,
                      /*gather=*/false, none, f32, t, tokens, hidden);
      Value gate = op.getSharedGate()
                       ? matmulTransposedB(b, loc, x, op.getSharedGate())
                       : Value();
      MLIRContext *ctx = b.getContext();
      AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
      SmallVector<AffineMap> maps = {id2}; // ys, then the gate, then y
      SmallVector<Value> ins = {ys};
      if (gate) {
        maps.push_back(AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx));
        ins.push_back(gate);
      }
      maps.push_back(id2);
      y = linalg::GenericOp::create(
              b, loc, y.getType(), ins, ValueRange{y}, maps,
              SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value s = args[0];
                if (gate)
                  s = arith::MulFOp::create(nb, l, s, sigmoid(nb, l, args[1]));
                linalg::YieldOp::create(
                    nb, l, ValueRange{arith::AddFOp::create(nb, l, args.back(), s)});
              })
              .getResult(0);
    }

    Type resElt = op.getResult().getType().getElementType();
    if (resElt != f32) {
      MLIRContext *ctx = b.getContext();
      AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
      Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{t, hidden},
                                           resElt, dynamicDims(b, loc, x, {0}));
      y = linalg::GenericOp::create(
              b, loc, init.getType(), ValueRange{y}, ValueRange{init},
              SmallVector<AffineMap>{id2, id2},
              SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value v = arith::TruncFOp::create(nb, l, resElt, args[0]);
                linalg::YieldOp::create(nb, l, ValueRange{v});
              })
              .getResult(0);
    }
    if (y.getType() != op.getResult().getType())
      y = tensor::CastOp::create(b, loc, op.getResult().getType(), y);
    if (op.getCounts())
      rewriter.replaceOp(op, {y, dispatch.getCounts()});
    else
      rewriter.replaceOp(op, y);
    return success();
  }
};

struct SamoyedsDecomposeMoePass
    : mlir::samoyeds::impl::SamoyedsDecomposeMoeBase<SamoyedsDecomposeMoePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeMoe>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A moe left over could not be decomposed (its error is reported).
    if (getOperation()->walk([](MoeOp) { return WalkResult::interrupt(); })
            .wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
