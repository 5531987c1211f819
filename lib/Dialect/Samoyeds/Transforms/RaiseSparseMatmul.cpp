// samoyeds-raise-sparse-matmul: upstream 2:4 sparse_tensor matmuls to samoyeds.ssmm.
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSRAISESPARSEMATMUL
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

/// The tensor dimension that a 2:4 encoding compresses, i.e. the one mapped to
/// `d floordiv 4 : dense, d mod 4 : structured[2, 4]` below another dense level
/// (upstream's #NV_24 and its transpose); nullopt for any other encoding.
std::optional<unsigned> structured24Dim(Type type) {
  auto enc = sparse_tensor::getSparseTensorEncoding(type);
  auto rtt = dyn_cast<RankedTensorType>(type);
  if (!enc || !rtt || rtt.getRank() != 2 || enc.getLvlRank() != 3)
    return std::nullopt;
  ArrayRef<sparse_tensor::LevelType> lts = enc.getLvlTypes();
  if (!sparse_tensor::isDenseLT(lts[0]) || !sparse_tensor::isDenseLT(lts[1]) ||
      !sparse_tensor::isValidNOutOfMLT(lts[2], 2, 4))
    return std::nullopt;
  AffineMap map = enc.getDimToLvl();
  if (!map || map.getNumDims() != 2 || map.getNumResults() != 3)
    return std::nullopt;
  for (unsigned s = 0; s < 2; ++s) {
    AffineExpr o = getAffineDimExpr(1 - s, rtt.getContext());
    AffineExpr d = getAffineDimExpr(s, rtt.getContext());
    if (map.getResult(0) == o && map.getResult(1) == d.floorDiv(4) &&
        map.getResult(2) == d % 4)
      return s;
  }
  return std::nullopt;
}

/// The loop index that result `r` of `map` reads (a projected permutation).
unsigned loopOf(AffineMap map, unsigned r) {
  return cast<AffineDimExpr>(map.getResult(r)).getPosition();
}

/// A contraction that can become one ssmm: loop `p` runs over the weight's
/// rows, `q` over the tokens, `k` is the reduction.
struct Candidate {
  linalg::LinalgOp op;
  unsigned sparseIdx; // input operand holding the 2:4 weight
  unsigned structDim; // its compressed tensor dimension (along k)
  unsigned p, q, k;
};

std::optional<Candidate> match(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  Candidate c{op, 0, 0, 0, 0, dims->k[0]};
  int found = 0;
  for (unsigned i = 0; i < 2; ++i)
    if (auto s = structured24Dim(op.getDpsInputs()[i].getType())) {
      c.sparseIdx = i;
      c.structDim = *s;
      ++found;
    }
  if (found != 1 || sparse_tensor::getSparseTensorEncoding(
                        op.getDpsInits()[0].getType()) ||
      sparse_tensor::getSparseTensorEncoding(
          op.getDpsInputs()[1 - c.sparseIdx].getType()))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap m : maps)
    if (m.getNumResults() != 2 || !m.isProjectedPermutation())
      return std::nullopt;
  // 2:4 must run along the reduction, as the Sparse Tensor Core's does.
  AffineMap sMap = maps[c.sparseIdx];
  if (loopOf(sMap, c.structDim) != c.k)
    return std::nullopt;
  c.p = loopOf(sMap, 1 - c.structDim);
  c.q = (c.p == dims->m[0]) ? dims->n[0] : dims->m[0];

  auto wType = cast<RankedTensorType>(op.getDpsInputs()[c.sparseIdx].getType());
  auto xType = cast<RankedTensorType>(op.getDpsInputs()[1 - c.sparseIdx].getType());
  auto oType = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  Type elt = wType.getElementType();
  if (!(elt.isF16() || elt.isBF16()) || xType.getElementType() != elt ||
      !isa<FloatType>(oType.getElementType()) || !wType.hasStaticShape())
    return std::nullopt;
  int64_t cols = wType.getDimSize(c.structDim);
  if (cols % 32 != 0)
    return std::nullopt;
  return c;
}

/// The dense tensor behind the sparse weight, when the program has it:
/// the source of the sparse_tensor.convert that made it, or a constant.
/// Function arguments are handled by the caller.
Value denseSource(OpBuilder &b, Value sparse) {
  if (auto conv = sparse.getDefiningOp<sparse_tensor::ConvertOp>())
    if (!sparse_tensor::getSparseTensorEncoding(conv.getSource().getType()))
      return conv.getSource();
  DenseElementsAttr attr;
  if (matchPattern(sparse, m_Constant(&attr))) {
    auto t = cast<RankedTensorType>(sparse.getType());
    auto dense = RankedTensorType::get(t.getShape(), t.getElementType());
    b.setInsertionPointAfterValue(sparse);
    return arith::ConstantOp::create(b, sparse.getLoc(), attr.reshape(dense));
  }
  return Value();
}

Value transpose2D(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : {1, 0})
    sizes.push_back(t.isDynamicDim(d)
                        ? OpFoldResult(tensor::DimOp::create(b, loc, v, d).getResult())
                        : OpFoldResult(b.getIndexAttr(t.getDimSize(d))));
  Value init = tensor::EmptyOp::create(b, loc, sizes, t.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

bool isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

/// The plain 2:4 format: N = M = 1 (every row kept), V the largest of
/// 128, 64, 32 dividing the reduction size.
FormatAttr plain24(MLIRContext *ctx, int64_t cols) {
  int64_t v = cols % 128 == 0 ? 128 : cols % 64 == 0 ? 64 : 32;
  return FormatAttr::get(ctx, 1, 1, v);
}

/// The packed type of the weight of `c`: R x C, C along the reduction.
PackedType packedTypeOf(const Candidate &c) {
  linalg::LinalgOp op = c.op;
  auto t = cast<RankedTensorType>(op.getDpsInputs()[c.sparseIdx].getType());
  int64_t r = t.getDimSize(1 - c.structDim), cols = t.getDimSize(c.structDim);
  return PackedType::get(t.getContext(), {r, cols}, t.getElementType(),
                         plain24(t.getContext(), cols));
}

/// Rewrites `c` into ssmm. The weight is `dense` (a tensor laid out as the
/// sparse operand), packed here, or `packed`, a value of packedTypeOf(c).
void raise(const Candidate &c, Value dense, Value packed) {
  linalg::LinalgOp op = c.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();

  // The weight as R x C (C along the reduction), packed exactly (it is 2:4).
  Value pack = packed;
  if (!pack) {
    Value w = c.structDim == 1 ? dense : transpose2D(b, loc, dense);
    pack = PackOp::create(b, loc, packedTypeOf(c), w);
  }
  // (A packed argument is retyped after all rewrites: its type is still the
  // sparse tensor here, so the packed type comes from the candidate.)
  PackedType wType = packedTypeOf(c);

  // The tokens as T x C.
  unsigned xIdx = 1 - c.sparseIdx;
  Value x = op.getDpsInputs()[xIdx];
  if (loopOf(maps[xIdx], 0) != c.q)
    x = transpose2D(b, loc, x);
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<Value> tDyn;
  if (xType.isDynamicDim(0))
    tDyn.push_back(tensor::DimOp::create(b, loc, x, 0));
  int64_t t = xType.getDimSize(0);
  Value list = tensor::GenerateOp::create(
      b, loc, RankedTensorType::get({t}, b.getI32Type()), tDyn,
      [&](OpBuilder &nb, Location l, ValueRange idx) {
        Value v = arith::IndexCastOp::create(nb, l, nb.getI32Type(), idx[0]);
        tensor::YieldOp::create(nb, l, v);
      });

  Value init = op.getDpsInits()[0];
  auto oType = cast<RankedTensorType>(init.getType());
  auto yType =
      RankedTensorType::get({t, wType.getRows()}, oType.getElementType());
  Value yInit = tensor::EmptyOp::create(b, loc, yType.getShape(),
                                        yType.getElementType(), tDyn);
  Value y = SsmmOp::create(b, loc, yType, pack, /*storage=*/ValueRange(), x,
                           list, Value(), Value(), b.getI64IntegerAttr(1),
                           b.getUnitAttr(), EpilogueAttr::get(ctx, Epilogue::none),
                           KernelConfigAttr(), /*undef_padding=*/UnitAttr(),
                           /*storage_type=*/TypeAttr(), yInit)
                .getResult();
  if (loopOf(maps[2], 0) != c.q)
    y = transpose2D(b, loc, y);
  if (y.getType() != oType)
    y = tensor::CastOp::create(b, loc, oType, y);
  if (!isZeroInit(init))
    y = linalg::AddOp::create(b, loc, TypeRange{oType}, ValueRange{y, init},
                              ValueRange{init})
            .getResult(0);
  op->getResult(0).replaceAllUsesWith(y);
  op->erase();
}

struct RaiseSparseMatmul
    : samoyeds::impl::SamoyedsRaiseSparseMatmulBase<RaiseSparseMatmul> {
  using SamoyedsRaiseSparseMatmulBase::SamoyedsRaiseSparseMatmulBase;
  void runOnOperation() override {
    SmallVector<Candidate> cands;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto c = match(op))
        cands.push_back(*c);
    });

    // A sparse function argument becomes dense only when every use of it is
    // a raised matmul: other users would still need the sparse type.
    llvm::DenseMap<Value, unsigned> raisedUses;
    for (Candidate &c : cands)
      ++raisedUses[c.op.getDpsInputs()[c.sparseIdx]];
    llvm::SetVector<BlockArgument> denseArgs;
    for (auto [v, n] : raisedUses) {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || !arg.getOwner()->isEntryBlock())
        continue;
      // Retyping the argument of a function that is called would break the
      // calls.
      auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
      if (!func || !SymbolTable::symbolKnownUseEmpty(func, getOperation()))
        continue;
      unsigned uses = std::distance(arg.use_begin(), arg.use_end());
      if (uses == n)
        denseArgs.insert(arg);
    }

    // With pack-arguments, such an argument becomes the packed weight itself
    // when all its matmuls read it the same way.
    llvm::DenseMap<Value, Type> argTypes;
    for (Candidate &c : cands) {
      auto arg = dyn_cast<BlockArgument>(c.op.getDpsInputs()[c.sparseIdx]);
      if (!arg || !denseArgs.contains(arg))
        continue;
      auto t = cast<RankedTensorType>(arg.getType());
      Type dense = RankedTensorType::get(t.getShape(), t.getElementType());
      Type want = packArguments ? Type(packedTypeOf(c)) : dense;
      auto [it, inserted] = argTypes.try_emplace(arg, want);
      if (!inserted && it->second != want)
        it->second = dense;
    }

    llvm::SetVector<Operation *> converts;
    for (Candidate &c : cands) {
      Value sparse = c.op.getDpsInputs()[c.sparseIdx];
      OpBuilder b(c.op);
      Value dense, packed;
      if (auto arg = dyn_cast<BlockArgument>(sparse)) {
        if (!denseArgs.contains(arg))
          continue;
        if (isa<PackedType>(argTypes[arg]))
          packed = arg; // retyped below
        else
          dense = arg;
      } else {
        dense = denseSource(b, sparse);
        if (Operation *def = sparse.getDefiningOp())
          converts.insert(def);
      }
      if (!dense && !packed)
        continue;
      raise(c, dense, packed);
    }

    for (BlockArgument arg : denseArgs) {
      arg.setType(argTypes[arg]);
      auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
      SmallVector<Type> inputs(func.getArgumentTypes());
      inputs[arg.getArgNumber()] = arg.getType();
      func.setType(FunctionType::get(&getContext(), inputs,
                                     func.getResultTypes()));
    }
    // The conversions (and constants) that only fed raised matmuls.
    for (Operation *def : converts)
      if (def->use_empty())
        def->erase();
  }
};

} // namespace
