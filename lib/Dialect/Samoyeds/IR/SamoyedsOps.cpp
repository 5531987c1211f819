// Verifiers and canonicalizations of the samoyeds ops. Constraint tags (C1...)
// refer to the op descriptions in SamoyedsOps.td and docs/dialect.md.
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Format/Format.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

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
template <typename T> ArrayRef<char> rawBytes(const std::vector<T> &vec) {
  return ArrayRef<char>(reinterpret_cast<const char *>(vec.data()),
                        vec.size() * sizeof(T));
}

/// pack(arith.constant) -> assemble(constants), computed by the format library
/// at compile time.
struct FoldConstantPack : OpRewritePattern<PackOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Largest row-index array built for a splat with n > 1 (a splat of a huge
  /// shape is cheap to write down but not to expand).
  static constexpr int64_t kMaxSplatRowIndices = int64_t(1) << 26;

  LogicalResult matchAndRewrite(PackOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr dense;
    if (!matchPattern(op.getInput(), m_Constant(&dense)))
      return failure();
    auto type = cast<PackedType>(op.getResult().getType());
    bool isBF16 = type.getElementType().isBF16();
    auto toFloat = [&](const APFloat &f) {
      auto b = static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
      return isBF16 ? fmtlib::bf16ToFloat(b) : fmtlib::halfToFloat(b);
    };
    auto fromFloat = [&](float f) {
      return isBF16 ? fmtlib::floatToBF16(f) : fmtlib::floatToHalf(f);
    };
    fmtlib::Format fmt{type.getFormat().getN(), type.getFormat().getM(),
                       type.getFormat().getV()};
    Location loc = op.getLoc();
    auto mk = [&](RankedTensorType t, ArrayRef<char> data) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc, t, DenseElementsAttr::getFromRawBuffer(t, data));
    };

    if (dense.isSplat()) {
      // Every (row group, slice) cell of a splat packs the same way, and as
      // all its norms and magnitudes tie whatever V is, like a cell of the
      // narrowest slice: pack one M x 32 cell and repeat it (V may be huge).
      fmtlib::Format cellFmt{fmt.n, fmt.m, fmtlib::kVMultiple};
      std::vector<float> cell(cellFmt.m * cellFmt.v,
                              toFloat(dense.getSplatValue<APFloat>()));
      fmtlib::PackedShape cs = fmtlib::packedShape(cellFmt, cellFmt.m, cellFmt.v);
      std::vector<float> vals(fmtlib::numValues(cs));
      std::vector<uint16_t> meta(fmtlib::numMetaWords(cs));
      std::vector<uint8_t> ridx(fmtlib::numRowIndices(cs));
      std::string err = fmtlib::pack(cellFmt, cellFmt.m, cellFmt.v, cell.data(),
                                     vals.data(), meta.data(), ridx.data());
      if (!err.empty())
        return rewriter.notifyMatchFailure(op, err);
      // Compared as bits: a NaN splat packs to NaNs.
      std::vector<uint16_t> valBits(vals.size());
      llvm::transform(vals, valBits.begin(), fromFloat);
      if (!llvm::all_equal(valBits) || !llvm::all_equal(meta))
        return rewriter.notifyMatchFailure(op, "splat cell packs unevenly");
      RankedTensorType ridxType = type.getRowIndicesType();
      std::vector<uint8_t> ridxAll;
      if (llvm::all_equal(ridx)) {
        ridxAll.assign(1, ridx[0]);
      } else {
        if (ridxType.getNumElements() > kMaxSplatRowIndices)
          return rewriter.notifyMatchFailure(op, "splat too large to fold");
        // Condensed row r of every slice is the (r % n)-th selected row.
        ridxAll.resize(ridxType.getNumElements());
        for (size_t i = 0; i < ridxAll.size(); ++i)
          ridxAll[i] = ridx[i % ridx.size()];
      }
      Value v = mk(type.getValuesType(),
                   rawBytes(std::vector<uint16_t>{valBits[0]}));
      Value m = mk(type.getMetadataType(),
                   rawBytes(std::vector<uint16_t>{meta[0]}));
      Value r = mk(ridxType, rawBytes(ridxAll));
      rewriter.replaceOpWithNewOp<AssembleOp>(op, type, v, m, r);
      return success();
    }

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
        in[i] = toFloat(*it);
      std::string err = fmtlib::pack(
          fmt, rows, cols, in.data(), vals.data(),
          meta.data() + e * fmtlib::numMetaWords(ps),
          ridx.data() + e * fmtlib::numRowIndices(ps));
      if (!err.empty())
        return rewriter.notifyMatchFailure(op, err);
      for (int64_t i = 0; i < fmtlib::numValues(ps); ++i)
        valBits[e * fmtlib::numValues(ps) + i] = fromFloat(vals[i]);
    }
    Value v = mk(type.getValuesType(), rawBytes(valBits));
    Value m = mk(type.getMetadataType(), rawBytes(meta));
    Value r = mk(type.getRowIndicesType(), rawBytes(ridx));
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

/// The routing options shared by route and moe (C2, C5-C8 of route). `tag`
/// prefixes the constraint number: "" for route, "route " for moe, whose own
/// C2, C5... mean other things.
static LogicalResult verifyRouting(Operation *op, StringRef tag,
                                   int64_t experts, int64_t topK,
                                   int64_t nGroup, int64_t topkGroup,
                                   float scaling) {
  if (topK < 1 || topK > experts)
    return op->emitOpError() << "(" << tag << "C2) top_k (" << topK
                             << ") must be in [1, " << experts << "]";
  if (nGroup < 1 || experts % nGroup != 0)
    return op->emitOpError() << "(" << tag << "C5) n_group (" << nGroup
                             << ") must be >= 1 and divide the expert count ("
                             << experts << ")";
  if (topkGroup < 1 || topkGroup > nGroup)
    return op->emitOpError() << "(" << tag << "C6) topk_group (" << topkGroup
                             << ") must be in [1, n_group = " << nGroup << "]";
  if (topK > topkGroup * (experts / nGroup))
    return op->emitOpError()
           << "(" << tag << "C7) top_k (" << topK
           << ") exceeds the experts of the " << topkGroup
           << " kept group(s) (" << topkGroup * (experts / nGroup) << ")";
  if (!(scaling > 0.0f))
    return op->emitOpError() << "(" << tag
                             << "C8) scaling_factor must be positive";
  return success();
}

//===----------------------------------------------------------------------===//
// The two forms of route, dispatch, ssmm and combine
//===----------------------------------------------------------------------===//

/// (C0) The tensor form has tensor operands and inits and a result per init
/// (the DestinationStyleOpInterface verifier ties their types); the memref
/// form, what bufferization makes of it, has memref operands and inits and no
/// results. A packed weight is neither.
static LogicalResult verifyForm(Operation *op) {
  bool tensors = false, memrefs = false;
  for (Value v : op->getOperands()) {
    tensors |= isa<TensorType>(v.getType());
    memrefs |= isa<MemRefType>(v.getType());
  }
  if (tensors && memrefs)
    return op->emitOpError() << "(C0) operands and inits must all be tensors "
                                "(the tensor form) or all memrefs (the memref "
                                "form)";
  return success();
}

/// (C0) In the memref form no result type constrains an init: the init of
/// `name` must be a memref of rank `rank` whose element type `eltOk` accepts
/// (`what` says which).
static LogicalResult verifyMemRefInit(Operation *op, StringRef name, Value init,
                                      int64_t rank,
                                      function_ref<bool(Type)> eltOk,
                                      StringRef what) {
  auto t = dyn_cast<MemRefType>(init.getType());
  if (!t || (t.getRank() == rank && eltOk(t.getElementType())))
    return success();
  return op->emitOpError() << "(C0) the " << name << " init must be a " << rank
                           << "-D memref of " << what << ", got " << t;
}

static bool isFloat(Type t) { return isa<FloatType>(t); }
static bool isI32(Type t) { return t.isInteger(32); }

/// Memory effects of the memref form: inputs are read, inits written (and
/// only written: the ops overwrite every element). The tensor form has none.
static void getFormEffects(
    Operation *op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  auto dps = cast<DestinationStyleOpInterface>(op);
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (dps.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// The tensor form may be speculated (no effects, no traps); the memref form
/// writes memory.
static Speculation::Speculatability formSpeculatability(Operation *op) {
  return cast<DestinationStyleOpInterface>(op).hasPureTensorSemantics()
             ? Speculation::Speculatable
             : Speculation::NotSpeculatable;
}

void RouteOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  getFormEffects(*this, effects);
}
void DispatchOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  getFormEffects(*this, effects);
}
void SsmmOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  getFormEffects(*this, effects);
}
void CombineOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  getFormEffects(*this, effects);
}
Speculation::Speculatability RouteOp::getSpeculatability() {
  return formSpeculatability(*this);
}
Speculation::Speculatability SsmmOp::getSpeculatability() {
  return formSpeculatability(*this);
}
Speculation::Speculatability CombineOp::getSpeculatability() {
  return formSpeculatability(*this);
}

/// Expert indices, flat (token, slot) ids and list offsets are i32.
static constexpr int64_t kMaxI32 = std::numeric_limits<int32_t>::max();

/// The sizes of a dispatch of T x k choices (either may be dynamic) to E
/// experts padded to `tile`: 1 <= E <= 2^31-1 and tile >= 1 (tag `c1`), and
/// the worst-case list length T*k + E*(tile-1) fits the i32 offsets (tag `c2`;
/// only E*(tile-1) is known when T or k is dynamic). Sets `len` to that length,
/// or to kDynamic when it is not known.
static LogicalResult verifyDispatchSizes(Operation *op, StringRef c1,
                                         StringRef c2, int64_t t, int64_t k,
                                         int64_t experts, int64_t tile,
                                         int64_t &len) {
  if (experts < 1 || tile < 1)
    return op->emitOpError() << "(" << c1 << ") num_experts (" << experts
                             << ") and tile (" << tile << ") must be >= 1";
  if (experts > kMaxI32)
    return op->emitOpError() << "(" << c1 << ") num_experts (" << experts
                             << ") must be at most " << kMaxI32
                             << " (expert indices are i32)";
  bool known = !ShapedType::isDynamic(t) && !ShapedType::isDynamic(k);
  int64_t padding, pairs = 0;
  bool overflow = llvm::MulOverflow(experts, tile - 1, padding) ||
                  (known && llvm::MulOverflow(t, k, pairs)) ||
                  llvm::AddOverflow(pairs, padding, len);
  if (overflow || len > kMaxI32)
    return op->emitOpError()
           << "(" << c2 << ") the list length T*k + E*(tile-1) with T = "
           << dimStr(t) << ", k = " << dimStr(k) << ", E = " << experts
           << ", tile = " << tile << " exceeds " << kMaxI32
           << " (offsets are i32)";
  if (!known)
    len = ShapedType::kDynamic;
  return success();
}

LogicalResult RouteOp::verify() {
  if (failed(verifyForm(*this)))
    return failure();
  if (getInits().size() != 2)
    return emitOpError() << "(C0) takes two inits (weights, indices), got "
                         << getInits().size();
  if (failed(verifyMemRefInit(*this, "weights", getInits()[0], 2, isFloat,
                              "floats")) ||
      failed(verifyMemRefInit(*this, "indices", getInits()[1], 2, isI32, "i32")))
    return failure();
  auto logits = getLogits().getType();
  int64_t experts = logits.getDimSize(1);
  if (ShapedType::isDynamic(experts))
    return emitOpError() << "(C1) the expert count (logits dimension 1) must "
                            "be static";
  if (experts < 1 || experts > kMaxI32)
    return emitOpError() << "(C1) the expert count (" << experts
                         << ") must be in [1, " << kMaxI32
                         << "] (indices are i32)";
  if (failed(verifyRouting(*this, "", experts, getTopK(), getNGroup(),
                           getTopkGroup(), getScalingFactor().convertToFloat())))
    return failure();
  for (auto [name, type] :
       {std::pair<StringRef, ShapedType>{"weights", getWeightsType()},
        {"indices", getIndicesType()}}) {
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
  if (failed(verifyForm(*this)))
    return failure();
  if (getInits().size() != 2 && getInits().size() != 3)
    return emitOpError() << "(C0) takes two or three inits (list, offsets[, "
                            "counts]), got "
                         << getInits().size();
  if (failed(verifyMemRefInit(*this, "list", getInits()[0], 1, isI32, "i32")) ||
      failed(verifyMemRefInit(*this, "offsets", getInits()[1], 1, isI32,
                              "i32")) ||
      (hasCounts() &&
       failed(verifyMemRefInit(
           *this, "counts", getInits()[2], 1,
           [](Type t) { return t.isInteger(32) || t.isInteger(64); },
           "i32 or i64"))))
    return failure();
  int64_t experts = getNumExperts();
  auto ids = getIndices().getType();
  int64_t t = ids.getDimSize(0), k = ids.getDimSize(1);
  int64_t expected;
  if (failed(verifyDispatchSizes(*this, "C1", "C2", t, k, experts, getTile(),
                                 expected)))
    return failure();
  int64_t len = getListType().getDimSize(0);
  if (!sizesAgree(len, expected))
    return emitOpError() << "(C2) list must have T*k + E*(tile-1) = "
                         << expected << " entries, got " << len;
  // A static list with a dynamic T or k: T*k = len - E*(tile-1) must be a
  // non-negative multiple of the static one of T and k (the rest is checked
  // at run time by the lowerings).
  if (!ShapedType::isDynamic(len) && ShapedType::isDynamic(expected)) {
    int64_t padding = experts * (getTile() - 1); // Checked by C2 above.
    if (len < padding)
      return emitOpError() << "(C2) list must have T*k + E*(tile-1) >= "
                           << padding << " entries (E = " << experts
                           << ", tile = " << getTile() << "), got " << len;
    int64_t known = ShapedType::isDynamic(t) ? k : t;
    if (!ShapedType::isDynamic(known) && known > 0 &&
        (len - padding) % known != 0)
      return emitOpError()
             << "(C2) list length " << len << " minus E*(tile-1) = " << padding
             << " is not a multiple of " << (ShapedType::isDynamic(t) ? "k" : "T")
             << " = " << known;
    if (known == 0 && len != padding)
      return emitOpError() << "(C2) list must have T*k + E*(tile-1) = "
                           << padding << " entries, got " << len;
  }
  int64_t offs = getOffsetsType().getDimSize(0);
  if (!sizesAgree(offs, experts + 1))
    return emitOpError() << "(C3) offsets must have num_experts + 1 = "
                         << experts + 1 << " entries, got " << dimStr(offs);
  if (hasCounts() && !sizesAgree(getCountsType().getDimSize(0), experts))
    return emitOpError() << "(C4) counts must have num_experts = " << experts
                         << " entries, got "
                         << dimStr(getCountsType().getDimSize(0));
  return success();
}

//===----------------------------------------------------------------------===//
// ssmm
//===----------------------------------------------------------------------===//

// The assembly format, in the tensor form
//   %w, %x, %list [offsets(...)] [scale(...)] outs(%init : T) {attrs}
//     : !samoyeds.packed<...>, Tx, Tlist -> T
// and in the memref form
//   storage(%v, %m, %r : Mv, Mm, Mr), %x, %list ... outs(%init : M) {attrs}
//     : !samoyeds.packed<...>, Mx, Mlist
// where the packed type is `storage_type`: both forms spell the weight's
// type in the same place (hand-written: a declarative format cannot put an
// attribute there).
ParseResult SsmmOp::parse(OpAsmParser &parser, OperationState &result) {
  using Operand = OpAsmParser::UnresolvedOperand;
  Operand weight, input, list, offsets, scale, init;
  SmallVector<Operand, 3> storage;
  SmallVector<Type, 3> storageTypes;
  bool hasWeight = false, hasOffsets = false, hasScale = false;
  Type offsetsType, scaleType, initType, packedType, inputType, listType;
  auto parseGroup = [&](Operand &v, Type &t) {
    return failure(parser.parseLParen() || parser.parseOperand(v) ||
                   parser.parseColonType(t) || parser.parseRParen());
  };
  if (succeeded(parser.parseOptionalKeyword("storage"))) {
    if (parser.parseLParen() || parser.parseOperandList(storage) ||
        parser.parseColonTypeList(storageTypes) || parser.parseRParen())
      return failure();
  } else {
    if (parser.parseOperand(weight))
      return failure();
    hasWeight = true;
  }
  if (parser.parseComma() || parser.parseOperand(input) || parser.parseComma() ||
      parser.parseOperand(list))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("offsets"))) {
    hasOffsets = true;
    if (failed(parseGroup(offsets, offsetsType)))
      return failure();
  }
  if (succeeded(parser.parseOptionalKeyword("scale"))) {
    hasScale = true;
    if (failed(parseGroup(scale, scaleType)))
      return failure();
  }
  if (parser.parseKeyword("outs") || failed(parseGroup(init, initType)))
    return failure();
  // As a declarative format does: an inherent attribute of the wrong kind is
  // a parse error (it would not become a property).
  llvm::SMLoc attrLoc = parser.getCurrentLocation();
  if (parser.parseOptionalAttrDict(result.attributes) ||
      failed(verifyInherentAttrs(result.name, result.attributes, [&]() {
        return parser.emitError(attrLoc)
               << "'" << result.name.getStringRef() << "' op ";
      })) ||
      parser.parseColon())
    return failure();
  llvm::SMLoc typeLoc = parser.getCurrentLocation();
  if (parser.parseType(packedType) || parser.parseComma() ||
      parser.parseType(inputType) || parser.parseComma() ||
      parser.parseType(listType))
    return failure();
  if (succeeded(parser.parseOptionalArrow())) {
    Type resultType;
    if (parser.parseType(resultType))
      return failure();
    result.addTypes(resultType);
  }
  if (!isa<PackedType>(packedType))
    return parser.emitError(typeLoc) << "expected a !samoyeds.packed type, got "
                                     << packedType;
  Properties &props = result.getOrAddProperties<Properties>();
  props.operandSegmentSizes = {int32_t(hasWeight), int32_t(storage.size()), 1,
                               1, int32_t(hasOffsets), int32_t(hasScale), 1};
  if (!hasWeight)
    props.storage_type = TypeAttr::get(packedType);
  if ((hasWeight && parser.resolveOperand(weight, packedType, result.operands)) ||
      parser.resolveOperands(storage, storageTypes, parser.getNameLoc(),
                             result.operands) ||
      parser.resolveOperand(input, inputType, result.operands) ||
      parser.resolveOperand(list, listType, result.operands) ||
      (hasOffsets &&
       parser.resolveOperand(offsets, offsetsType, result.operands)) ||
      (hasScale && parser.resolveOperand(scale, scaleType, result.operands)) ||
      parser.resolveOperand(init, initType, result.operands))
    return failure();
  return success();
}

void SsmmOp::print(OpAsmPrinter &p) {
  p << ' ';
  if (getWeight())
    p << getWeight();
  else
    p << "storage(" << getStorage() << " : " << getStorage().getTypes() << ")";
  p << ", " << getInput() << ", " << getList();
  if (getOffsets())
    p << " offsets(" << getOffsets() << " : " << getOffsets().getType() << ")";
  if (getScale())
    p << " scale(" << getScale() << " : " << getScale().getType() << ")";
  p << " outs(" << getInit() << " : " << getInit().getType() << ")";
  // Default-valued attributes are elided, as a declarative format does.
  SmallVector<StringRef, 4> elided = {getOperandSegmentSizesAttrName(),
                                      getStorageTypeAttrName()};
  if (getTopK() == 1)
    elided.push_back(getTopKAttrName());
  if (getEpilogue() == Epilogue::none)
    elided.push_back(getEpilogueAttrName());
  p.printOptionalAttrDict((*this)->getAttrs(), elided);
  p << " : ";
  if (getWeight())
    p << getWeight().getType();
  else if (getStorageTypeAttr())
    p << getStorageTypeAttr().getValue();
  else
    p << "<<no storage_type>>";
  p << ", " << getInput().getType() << ", " << getList().getType();
  if (getResult())
    p << " -> " << getResult().getType();
}

PackedType SsmmOp::getPackedType() {
  if (getWeight())
    return cast<PackedType>(getWeight().getType());
  if (std::optional<Type> t = getStorageType())
    return cast<PackedType>(*t);
  return PackedType();
}

FailureOr<AssembleOp> SsmmOp::getWeightAssemble(StringRef stage) {
  if (Value w = getWeight())
    if (auto assemble = w.getDefiningOp<AssembleOp>())
      return assemble;
  return emitOpError() << stage
                       << ": the packed weight must come from samoyeds.assemble "
                          "(run samoyeds-expand-storage; constant weights fold "
                          "to assemble under canonicalize)";
}

/// (C7) The weight: a `!samoyeds.packed` value in the tensor form; in the
/// memref form its three storage buffers (values, metadata, row_indices, of
/// the shapes and element types of `storage_type`'s storage, any layout).
static LogicalResult verifySsmmWeight(SsmmOp op) {
  bool memrefForm = isa<MemRefType>(op.getInit().getType());
  if (!memrefForm) {
    if (!op.getWeight() || !op.getStorage().empty() || op.getStorageTypeAttr())
      return op.emitOpError()
             << "(C7) the tensor form takes the weight as a !samoyeds.packed "
                "value, not storage buffers";
    return success();
  }
  if (op.getWeight() || op.getStorage().size() != 3 || !op.getStorageTypeAttr())
    return op.emitOpError()
           << "(C7) the memref form takes the weight as storage(values, "
              "metadata, row_indices) memrefs and their storage_type";
  PackedType packed = op.getPackedType();
  std::pair<StringRef, RankedTensorType> expected[] = {
      {"values", packed.getValuesType()},
      {"metadata", packed.getMetadataType()},
      {"row_indices", packed.getRowIndicesType()}};
  for (auto [v, e] : llvm::zip(op.getStorage(), expected)) {
    auto t = cast<MemRefType>(v.getType());
    if (t.getShape() != e.second.getShape() ||
        t.getElementType() != e.second.getElementType())
      return op.emitOpError()
             << "(C7) storage " << e.first << " must be "
             << MemRefType::get(e.second.getShape(), e.second.getElementType())
             << " (any layout) for " << packed << ", got " << t;
  }
  return success();
}

LogicalResult SsmmOp::verify() {
  if (failed(verifyForm(*this)) || failed(verifySsmmWeight(*this)) ||
      failed(verifyMemRefInit(*this, "result", getInit(), 2, isFloat,
                              "floats")))
    return failure();
  PackedType w = getPackedType();
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
  ShapedType res = getResultType();
  if (!sizesAgree(res.getDimSize(0), len) || res.getDimSize(1) != outCols)
    return emitOpError() << "(C4) result must be " << dimStr(len) << "x"
                         << outCols << ", got " << shapeStr(res.getShape());
  // I64Attr accessors return uint64_t: compare as the signed value the IR
  // spells (top_k = -1 was accepted and reached the kernel name).
  const int64_t topK = static_cast<int64_t>(getTopK());
  if (topK < 1)
    return emitOpError() << "(C5) top_k (" << topK << ") must be >= 1";
  if (getScale() && !sizesAgree(getScale().getType().getDimSize(1), topK))
    return emitOpError() << "(C6) scale must have top_k = " << topK
                         << " columns, got "
                         << dimStr(getScale().getType().getDimSize(1));
  return success();
}

//===----------------------------------------------------------------------===//
// combine
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  if (failed(verifyForm(*this)) ||
      failed(verifyMemRefInit(*this, "result", getInit(), 2, isFloat,
                              "floats")))
    return failure();
  auto rows = getRows().getType();
  ShapedType res = getResultType();
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
// Result shapes (ReifyRankedShapedTypeOpInterface)
//===----------------------------------------------------------------------===//

// The sizes of the results in terms of the inputs, as the constraints of the
// op descriptions give them (a dynamic result size is the init's at run time;
// the lowerings check that the two agree). Static result sizes are returned
// as they are. The memref form has no results: nothing to reify.

/// Size `d` of a tensor input: a constant when static, else a tensor.dim.
static OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto t = cast<ShapedType>(v.getType());
  if (!t.isDynamicDim(d))
    return b.getIndexAttr(t.getDimSize(d));
  return tensor::DimOp::create(b, loc, v, d).getResult();
}

/// The shape of `result`, each dynamic size from `sizes` (one per dimension;
/// entries at static dimensions are ignored).
static SmallVector<OpFoldResult> shapeOf(OpBuilder &b, Value result,
                                         ArrayRef<OpFoldResult> sizes) {
  auto t = cast<ShapedType>(result.getType());
  SmallVector<OpFoldResult> shape;
  for (int64_t d = 0; d < t.getRank(); ++d)
    shape.push_back(t.isDynamicDim(d) ? sizes[d]
                                      : OpFoldResult(b.getIndexAttr(
                                            t.getDimSize(d))));
  return shape;
}

LogicalResult RouteOp::reifyResultShapes(OpBuilder &b,
                                         ReifiedRankedShapedTypeDims &shapes) {
  // (C3) tokens x top_k.
  if (!getWeights())
    return success();
  OpFoldResult t;
  if (getWeights().getType().isDynamicDim(0) ||
      getIndices().getType().isDynamicDim(0))
    t = sizeOf(b, getLoc(), getLogits(), 0);
  OpFoldResult k = b.getIndexAttr(getTopK());
  shapes.push_back(shapeOf(b, getWeights(), {t, k}));
  shapes.push_back(shapeOf(b, getIndices(), {t, k}));
  return success();
}

LogicalResult
DispatchOp::reifyResultShapes(OpBuilder &b,
                              ReifiedRankedShapedTypeDims &shapes) {
  if (!getList())
    return success();
  Location loc = getLoc();
  int64_t experts = getNumExperts();
  // (C2) T*k + E*(tile-1) list entries; built only when the list is dynamic.
  OpFoldResult len;
  if (getList().getType().isDynamicDim(0)) {
    auto asValue = [&](OpFoldResult f) -> Value {
      if (auto v = dyn_cast<Value>(f))
        return v;
      return arith::ConstantIndexOp::create(
          b, loc, cast<IntegerAttr>(cast<Attribute>(f)).getInt());
    };
    Value tk = arith::MulIOp::create(
        b, loc, asValue(sizeOf(b, loc, getIndices(), 0)),
        asValue(sizeOf(b, loc, getIndices(), 1)));
    len = arith::AddIOp::create(
              b, loc, tk,
              arith::ConstantIndexOp::create(b, loc,
                                             experts * (getTile() - 1)))
              .getResult();
  }
  shapes.push_back(shapeOf(b, getList(), {len}));
  // (C3) E + 1 offsets, (C4) E counts.
  shapes.push_back(shapeOf(b, getOffsets(), {b.getIndexAttr(experts + 1)}));
  if (getCounts())
    shapes.push_back(shapeOf(b, getCounts(), {b.getIndexAttr(experts)}));
  return success();
}

LogicalResult SsmmOp::reifyResultShapes(OpBuilder &b,
                                        ReifiedRankedShapedTypeDims &shapes) {
  // (C4) a row per list entry (R or R/2 columns: static).
  if (!getResult())
    return success();
  OpFoldResult len = getResult().getType().isDynamicDim(0)
                         ? sizeOf(b, getLoc(), getList(), 0)
                         : OpFoldResult();
  shapes.push_back(shapeOf(b, getResult(), {len, OpFoldResult()}));
  return success();
}

LogicalResult
CombineOp::reifyResultShapes(OpBuilder &b,
                             ReifiedRankedShapedTypeDims &shapes) {
  // (C3) tokens (the rows of weights) x the row width.
  if (!getResult())
    return success();
  OpFoldResult t = getResult().getType().isDynamicDim(0)
                       ? sizeOf(b, getLoc(), getWeights(), 0)
                       : OpFoldResult();
  OpFoldResult h = getResult().getType().isDynamicDim(1)
                       ? sizeOf(b, getLoc(), getRows(), 1)
                       : OpFoldResult();
  shapes.push_back(shapeOf(b, getResult(), {t, h}));
  return success();
}

//===----------------------------------------------------------------------===//
// moe
//===----------------------------------------------------------------------===//

/// The layer computes in f32: the gate, shared gate and result element types
/// must convert from / to f32 with extf / truncf.
static LogicalResult verifyAtMost32Bits(Operation *op, StringRef tag,
                                        StringRef name, RankedTensorType type) {
  if (type.getElementTypeBitWidth() > 32)
    return op->emitOpError() << "(" << tag << ") " << name
                             << " element type must be a float of at most "
                                "32 bits (the layer computes in f32), got "
                             << type.getElementType();
  return success();
}

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
  if (failed(verifyAtMost32Bits(*this, "C2", "gate_weight", gate)))
    return failure();
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
    if (failed(verifyAtMost32Bits(*this, "C7", "shared_gate",
                                  getSharedGate().getType())))
      return failure();
  }
  auto res = getResult().getType();
  if (!sizesAgree(res.getDimSize(0), x.getDimSize(0)) ||
      res.getDimSize(1) != hidden)
    return emitOpError() << "(C8) result must be " << dimStr(x.getDimSize(0))
                         << "x" << hidden << ", got " << shapeStr(res.getShape());
  if (failed(verifyAtMost32Bits(*this, "C8", "result", res)))
    return failure();
  if (getCounts() &&
      !sizesAgree(getCounts().getType().getDimSize(0), experts))
    return emitOpError() << "(C11) counts must have E = " << experts
                         << " entries, got "
                         << dimStr(getCounts().getType().getDimSize(0));
  // Routing first: the dispatch sizes below use a valid top_k.
  if (failed(verifyRouting(*this, "route ", experts, getTopK(), getNGroup(),
                           getTopkGroup(),
                           getScalingFactor().convertToFloat())))
    return failure();
  int64_t len;
  return verifyDispatchSizes(*this, "C9", "C9", x.getDimSize(0), getTopK(),
                             experts, getTile(), len);
}
