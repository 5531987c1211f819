// Verifiers and canonicalizations of the samoyeds ops. Constraint tags (C1...)
// refer to the op descriptions in SamoyedsOps.td and docs/dialect.md.
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Format/Format.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::samoyeds;
namespace fmtlib = ::samoyeds::format;

#define GET_OP_CLASSES
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOps.cpp.inc"

namespace {
/// Two sizes agree when equal or when either is dynamic.
bool sizesAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + dimStr(shape[i]);
  return s;
}
} // namespace

//===----------------------------------------------------------------------===//
// pack / unpack / assemble
//===----------------------------------------------------------------------===//

/// The dense tensor and the packed type describe the same logical weight.
static LogicalResult verifyDenseMatchesPacked(Operation *op,
                                              RankedTensorType dense,
                                              PackedType packed,
                                              StringRef denseName) {
  if (dense.getShape() != packed.getShape())
    return op->emitOpError() << "(C1) " << denseName << " shape "
                             << shapeStr(dense.getShape())
                             << " must equal the packed shape "
                             << shapeStr(packed.getShape());
  if (dense.getElementType() != packed.getElementType())
    return op->emitOpError()
           << "(C2) " << denseName << " element type " << dense.getElementType()
           << " must equal the packed element type "
           << packed.getElementType();
  return success();
}

LogicalResult PackOp::verify() {
  return verifyDenseMatchesPacked(*this, getInput().getType(),
                                  cast<PackedType>(getResult().getType()),
                                  "input");
}

LogicalResult UnpackOp::verify() {
  return verifyDenseMatchesPacked(*this, getResult().getType(),
                                  cast<PackedType>(getInput().getType()),
                                  "result");
}

LogicalResult AssembleOp::verify() {
  auto packed = cast<PackedType>(getResult().getType());
  auto check = [&](Value v, RankedTensorType expected,
                   StringRef name) -> LogicalResult {
    if (v.getType() != expected)
      return emitOpError() << "(C1) " << name << " must be " << expected
                           << " for " << packed << ", got " << v.getType();
    return success();
  };
  return success(succeeded(check(getValues(), packed.getValuesType(),
                                 "values")) &&
                 succeeded(check(getMetadata(), packed.getMetadataType(),
                                 "metadata")) &&
                 succeeded(check(getRowIndices(), packed.getRowIndicesType(),
                                 "row_indices")));
}

namespace {
/// pack(arith.constant) -> assemble(constants), computed by the format library
/// at compile time.
struct FoldConstantPack : OpRewritePattern<PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PackOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr dense;
    if (!matchPattern(op.getInput(), m_Constant(&dense)))
      return failure();
    auto type = cast<PackedType>(op.getResult().getType());
    bool isBF16 = type.getElementType().isBF16();
    auto toFloat = [&](uint16_t b) {
      return isBF16 ? fmtlib::bf16ToFloat(b) : fmtlib::halfToFloat(b);
    };
    auto fromFloat = [&](float f) {
      return isBF16 ? fmtlib::floatToBF16(f) : fmtlib::floatToHalf(f);
    };
    fmtlib::Format fmt{type.getFormat().getN(), type.getFormat().getM(),
                       type.getFormat().getV()};
    int64_t rows = type.getRows(), cols = type.getCols();
    fmtlib::PackedShape ps = fmtlib::packedShape(fmt, rows, cols);
    int64_t experts = type.getNumExperts(), per = rows * cols;

    std::vector<float> in(per), vals(fmtlib::numValues(ps));
    std::vector<uint16_t> valBits(experts * fmtlib::numValues(ps));
    std::vector<uint16_t> meta(experts * fmtlib::numMetaWords(ps));
    std::vector<uint8_t> ridx(experts * fmtlib::numRowIndices(ps));
    auto elems = dense.getValues<APFloat>();
    auto it = elems.begin();
    for (int64_t e = 0; e < experts; ++e) {
      for (int64_t i = 0; i < per; ++i, ++it)
        in[i] = toFloat((*it).bitcastToAPInt().getZExtValue());
      std::string err = fmtlib::pack(
          fmt, rows, cols, in.data(), vals.data(),
          meta.data() + e * fmtlib::numMetaWords(ps),
          ridx.data() + e * fmtlib::numRowIndices(ps));
      if (!err.empty())
        return rewriter.notifyMatchFailure(op, err);
      for (int64_t i = 0; i < fmtlib::numValues(ps); ++i)
        valBits[e * fmtlib::numValues(ps) + i] = fromFloat(vals[i]);
    }
    auto raw = [](auto &vec) {
      return ArrayRef<char>(reinterpret_cast<const char *>(vec.data()),
                            vec.size() * sizeof(vec[0]));
    };
    Location loc = op.getLoc();
    auto mk = [&](RankedTensorType t, ArrayRef<char> data) {
      return arith::ConstantOp::create(
          rewriter, loc, t, DenseElementsAttr::getFromRawBuffer(t, data));
    };
    Value v = mk(type.getValuesType(), raw(valBits));
    Value m = mk(type.getMetadataType(), raw(meta));
    Value r = mk(type.getRowIndicesType(), raw(ridx));
    rewriter.replaceOpWithNewOp<AssembleOp>(op, type, v, m, r);
    return success();
  }
};
} // namespace

void PackOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<FoldConstantPack>(context);
}

//===----------------------------------------------------------------------===//
// route
//===----------------------------------------------------------------------===//

/// The routing options shared by route and moe (C2, C5-C8 of route).
static LogicalResult verifyRouting(Operation *op, int64_t experts, int64_t topK,
                                   int64_t nGroup, int64_t topkGroup,
                                   float scaling) {
  if (topK < 1 || topK > experts)
    return op->emitOpError() << "(C2) top_k (" << topK
                             << ") must be in [1, " << experts << "]";
  if (nGroup < 1 || experts % nGroup != 0)
    return op->emitOpError() << "(C5) n_group (" << nGroup
                             << ") must be >= 1 and divide the expert count ("
                             << experts << ")";
  if (topkGroup < 1 || topkGroup > nGroup)
    return op->emitOpError() << "(C6) topk_group (" << topkGroup
                             << ") must be in [1, n_group = " << nGroup << "]";
  if (topK > topkGroup * (experts / nGroup))
    return op->emitOpError()
           << "(C7) top_k (" << topK << ") exceeds the experts of the "
           << topkGroup << " kept group(s) (" << topkGroup * (experts / nGroup)
           << ")";
  if (!(scaling > 0.0f))
    return op->emitOpError() << "(C8) scaling_factor must be positive";
  return success();
}

LogicalResult RouteOp::verify() {
  auto logits = getLogits().getType();
  int64_t experts = logits.getDimSize(1);
  if (ShapedType::isDynamic(experts))
    return emitOpError() << "(C1) the expert count (logits dimension 1) must "
                            "be static";
  if (failed(verifyRouting(*this, experts, getTopK(), getNGroup(),
                           getTopkGroup(), getScalingFactor().convertToFloat())))
    return failure();
  for (auto [name, type] :
       {std::pair<StringRef, RankedTensorType>{"weights", getWeights().getType()},
        {"indices", getIndices().getType()}}) {
    if (!sizesAgree(type.getDimSize(0), logits.getDimSize(0)) ||
        !sizesAgree(type.getDimSize(1), getTopK()) ||
        ShapedType::isDynamic(type.getDimSize(1)))
      return emitOpError() << "(C3) " << name << " must be "
                           << dimStr(logits.getDimSize(0)) << "x" << getTopK()
                           << " (tokens x top_k), got "
                           << shapeStr(type.getShape());
  }
  if (getBias() && !sizesAgree(getBias().getType().getDimSize(0), experts))
    return emitOpError() << "(C4) bias must have " << experts
                         << " entries (one per expert), got "
                         << shapeStr(getBias().getType().getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// dispatch
//===----------------------------------------------------------------------===//

LogicalResult DispatchOp::verify() {
  int64_t experts = getNumExperts(), tile = getTile();
  if (experts < 1 || tile < 1)
    return emitOpError() << "(C1) num_experts (" << experts << ") and tile ("
                         << tile << ") must be >= 1";
  auto ids = getIndices().getType();
  int64_t t = ids.getDimSize(0), k = ids.getDimSize(1);
  int64_t len = getList().getType().getDimSize(0);
  if (!ShapedType::isDynamic(t) && !ShapedType::isDynamic(k)) {
    int64_t expected = t * k + experts * (tile - 1);
    if (!sizesAgree(len, expected))
      return emitOpError() << "(C2) list must have T*k + E*(tile-1) = "
                           << expected << " entries, got " << len;
  }
  int64_t offs = getOffsets().getType().getDimSize(0);
  if (!sizesAgree(offs, experts + 1))
    return emitOpError() << "(C3) offsets must have num_experts + 1 = "
                         << experts + 1 << " entries, got " << dimStr(offs);
  return success();
}

//===----------------------------------------------------------------------===//
// ssmm
//===----------------------------------------------------------------------===//

LogicalResult SsmmOp::verify() {
  auto w = cast<PackedType>(getWeight().getType());
  auto in = getInput().getType();
  if (in.getRank() != 2)
    return emitOpError() << "(C1) input must be rank 2 (rows x "
                         << w.getCols() << "), got rank " << in.getRank();
  if (!sizesAgree(in.getDimSize(1), w.getCols()))
    return emitOpError() << "(C1) input has " << dimStr(in.getDimSize(1))
                         << " columns but the weight has " << w.getCols();
  if (in.getElementType() != w.getElementType())
    return emitOpError() << "(C1) input element type " << in.getElementType()
                         << " must equal the weight element type "
                         << w.getElementType();
  if (w.hasExpertDim() != (getOffsets() != nullptr))
    return emitOpError() << "(C2) offsets must be given exactly when the "
                            "weight has an expert dimension";
  if (getOffsets() &&
      !sizesAgree(getOffsets().getType().getDimSize(0), w.getNumExperts() + 1))
    return emitOpError() << "(C2) offsets must have " << w.getNumExperts() + 1
                         << " entries (experts + 1), got "
                         << dimStr(getOffsets().getType().getDimSize(0));
  int64_t len = getList().getType().getDimSize(0);
  if (!getGather() && !sizesAgree(in.getDimSize(0), len))
    return emitOpError() << "(C3) without gather the input must have one row "
                            "per list entry ("
                         << dimStr(len) << "), got " << dimStr(in.getDimSize(0));
  int64_t outCols = w.getRows();
  if (getEpilogue() == Epilogue::silu_mul) {
    if (w.getRows() % 2 != 0)
      return emitOpError() << "(C4) silu_mul needs an even number of weight "
                              "rows (gate over up), got "
                           << w.getRows();
    outCols = w.getRows() / 2;
  }
  auto res = getResult().getType();
  if (!sizesAgree(res.getDimSize(0), len) || res.getDimSize(1) != outCols)
    return emitOpError() << "(C4) result must be " << dimStr(len) << "x"
                         << outCols << ", got " << shapeStr(res.getShape());
  if (getTopK() < 1)
    return emitOpError() << "(C5) top_k (" << getTopK() << ") must be >= 1";
  if (getScale() && !sizesAgree(getScale().getType().getDimSize(1), getTopK()))
    return emitOpError() << "(C6) scale must have top_k = " << getTopK()
                         << " columns, got "
                         << dimStr(getScale().getType().getDimSize(1));
  return success();
}

//===----------------------------------------------------------------------===//
// combine
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  auto rows = getRows().getType();
  auto res = getResult().getType();
  if (!sizesAgree(rows.getDimSize(0), getList().getType().getDimSize(0)))
    return emitOpError() << "(C1) rows (" << dimStr(rows.getDimSize(0))
                         << ") and list ("
                         << dimStr(getList().getType().getDimSize(0))
                         << ") must have the same length";
  if (!sizesAgree(res.getDimSize(0), getWeights().getType().getDimSize(0)) ||
      !sizesAgree(res.getDimSize(1), rows.getDimSize(1)))
    return emitOpError() << "(C3) result must be "
                         << dimStr(getWeights().getType().getDimSize(0)) << "x"
                         << dimStr(rows.getDimSize(1))
                         << " (tokens x row width), got "
                         << shapeStr(res.getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// moe
//===----------------------------------------------------------------------===//

LogicalResult MoeOp::verify() {
  auto x = getInput().getType();
  if (x.getRank() != 2)
    return emitOpError() << "(C1) input must be rank 2 (tokens x hidden)";
  int64_t hidden = x.getDimSize(1);
  if (ShapedType::isDynamic(hidden))
    return emitOpError() << "(C1) the hidden size must be static";
  auto w13 = cast<PackedType>(getW13().getType());
  auto w2 = cast<PackedType>(getW2().getType());
  if (w13.getElementType() != x.getElementType() ||
      w2.getElementType() != x.getElementType())
    return emitOpError() << "(C1) input element type " << x.getElementType()
                         << " must equal the expert weights' element type";
  auto gate = getGateWeight().getType();
  int64_t experts = gate.getDimSize(0);
  if (ShapedType::isDynamic(experts) || gate.getDimSize(1) != hidden)
    return emitOpError() << "(C2) gate_weight must be E x " << hidden
                         << " with a static E, got "
                         << shapeStr(gate.getShape());
  if (!w13.hasExpertDim() || w13.getNumExperts() != experts ||
      w13.getCols() != hidden || w13.getRows() % 2 != 0)
    return emitOpError() << "(C3) w13 must be packed " << experts << "x2Ix"
                         << hidden << ", got " << shapeStr(w13.getShape());
  int64_t inter = w13.getRows() / 2;
  if (!w2.hasExpertDim() || w2.getNumExperts() != experts ||
      w2.getRows() != hidden || w2.getCols() != inter)
    return emitOpError() << "(C4) w2 must be packed " << experts << "x"
                         << hidden << "x" << inter << ", got "
                         << shapeStr(w2.getShape());
  if (getBias() && !sizesAgree(getBias().getType().getDimSize(0), experts))
    return emitOpError() << "(C5) bias must have " << experts << " entries";
  if ((getSharedW13() == nullptr) != (getSharedW2() == nullptr))
    return emitOpError() << "(C6) shared_w13 and shared_w2 go together";
  if (getSharedW13()) {
    auto s13 = cast<PackedType>(getSharedW13().getType());
    auto s2 = cast<PackedType>(getSharedW2().getType());
    if (s13.hasExpertDim() || s13.getCols() != hidden ||
        s13.getRows() % 2 != 0 || s13.getElementType() != x.getElementType())
      return emitOpError() << "(C6) shared_w13 must be packed 2Sx" << hidden
                           << " of " << x.getElementType() << ", got "
                           << shapeStr(s13.getShape());
    if (s2.hasExpertDim() || s2.getRows() != hidden ||
        s2.getCols() != s13.getRows() / 2 ||
        s2.getElementType() != x.getElementType())
      return emitOpError() << "(C6) shared_w2 must be packed " << hidden << "x"
                           << s13.getRows() / 2 << ", got "
                           << shapeStr(s2.getShape());
  }
  if (getSharedGate()) {
    if (!getSharedW13())
      return emitOpError() << "(C7) shared_gate needs shared experts";
    if (!sizesAgree(getSharedGate().getType().getDimSize(0), hidden))
      return emitOpError() << "(C7) shared_gate must have " << hidden
                           << " entries";
  }
  auto res = getResult().getType();
  if (!sizesAgree(res.getDimSize(0), x.getDimSize(0)) ||
      res.getDimSize(1) != hidden)
    return emitOpError() << "(C8) result must be " << dimStr(x.getDimSize(0))
                         << "x" << hidden << ", got " << shapeStr(res.getShape());
  if (getTile() < 1)
    return emitOpError() << "tile (" << getTile() << ") must be >= 1";
  return verifyRouting(*this, experts, getTopK(), getNGroup(), getTopkGroup(),
                       getScalingFactor().convertToFloat());
}
