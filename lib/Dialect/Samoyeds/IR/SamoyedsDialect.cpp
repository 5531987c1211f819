// The samoyeds dialect, its format attribute and its packed-weight type.
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Format/Format.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::samoyeds;
namespace fmtlib = ::samoyeds::format;

#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOpsDialect.cpp.inc"
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOpsTypes.cpp.inc"

void SamoyedsDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOpsTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// FormatAttr
//===----------------------------------------------------------------------===//

LogicalResult FormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t n, int64_t m, int64_t v) {
  // The format library owns the rules and their wording; the tag says which
  // constraint of the spec (docs/dialect.md) the message belongs to.
  std::string msg = fmtlib::verifyFormat({n, m, v});
  if (msg.empty())
    return success();
  StringRef tag = (n < 1 || n > m) ? "F1" : m > fmtlib::kMaxM ? "F3" : "F2";
  return emitError() << "(" << tag << ") invalid #samoyeds.format: " << msg;
}

//===----------------------------------------------------------------------===//
// KernelConfigAttr
//===----------------------------------------------------------------------===//

LogicalResult KernelConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                       KernelFamily, int64_t warpM, int64_t warpN,
                                       int64_t warpsM, int64_t warpsN, int64_t stages,
                                       int64_t blockK, int64_t splitK, KernelSchedule,
                                       int64_t decodeTile, int64_t streamTokens) {
  // Ranges only (they keep every size product of a kernel far inside 64 bits);
  // whether a configuration fits an op and a chip is the GPU passes' question.
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  auto fail = [&]() {
    return emitError() << "(K1) invalid #samoyeds.kernel_config: ";
  };
  if (!in(warpM, 1, 256) || !in(warpN, 1, 256))
    return fail() << "warp_m (" << warpM << ") and warp_n (" << warpN
                  << ") must be in [1, 256]";
  if (!in(warpsM, 1, 32) || !in(warpsN, 1, 32))
    return fail() << "warps_m (" << warpsM << ") and warps_n (" << warpsN
                  << ") must be in [1, 32]";
  if (!in(stages, 2, 16))
    return fail() << "stages (" << stages << ") must be in [2, 16]";
  if (blockK != 32 && blockK != 64 && blockK != 128)
    return fail() << "block_k (" << blockK << ") must be 32, 64 or 128";
  if (!in(splitK, 1, 64))
    return fail() << "split_k (" << splitK << ") must be in [1, 64]";
  if (decodeTile != 0 && (!in(decodeTile, 8, 256) || decodeTile % 8))
    return fail() << "decode_tile (" << decodeTile
                  << ") must be 0 or a multiple of 8 in [8, 256]";
  if (!in(streamTokens, 0, 8))
    return fail() << "stream_tokens (" << streamTokens << ") must be in [0, 8]";
  return success();
}

//===----------------------------------------------------------------------===//
// DispatchOp speculatability
//===----------------------------------------------------------------------===//

// An expert id outside [0, E) is a run-time error (a trap on the GPU, an
// assertion on the CPU): executing the op where the program would not is not
// harmless, so it is never speculatable.
Speculation::Speculatability DispatchOp::getSpeculatability() {
  return Speculation::NotSpeculatable;
}

//===----------------------------------------------------------------------===//
// PackedType
//===----------------------------------------------------------------------===//

Type PackedType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  FormatAttr fmt;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseComma() ||
      parser.parseAttribute(fmt) || parser.parseGreater())
    return {};
  return parser.getChecked<PackedType>(parser.getContext(), shape, elementType,
                                       fmt);
}

void PackedType::print(AsmPrinter &printer) const {
  printer << "<";
  for (int64_t d : getShape())
    printer << d << "x";
  printer << getElementType() << ", " << getFormat() << ">";
}

LogicalResult PackedType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape, Type elementType,
                                 FormatAttr fmt) {
  if (shape.size() != 2 && shape.size() != 3)
    return emitError() << "(P1) packed weight must have rank 2 (R x C) or 3 "
                          "(E x R x C), got rank "
                       << shape.size();
  for (int64_t d : shape)
    if (d <= 0)
      return emitError() << "(P1) packed weight sizes must be static and "
                            "positive, got "
                         << (ShapedType::isDynamic(d) ? std::string("?")
                                                      : std::to_string(d));
  if (!elementType.isF16() && !elementType.isBF16())
    return emitError() << "(P2) packed weight element type must be f16 or "
                          "bf16, got "
                       << elementType;
  if (!fmt)
    return emitError() << "packed weight needs a #samoyeds.format";
  fmtlib::Format f{fmt.getN(), fmt.getM(), fmt.getV()};
  // A format built in C++ without getChecked has not been verified yet; the
  // tags below divide by m and v.
  if (std::string msg = fmtlib::verifyFormat(f); !msg.empty())
    return emitError() << "packed weight has an invalid #samoyeds.format: "
                       << msg;
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  if (std::string msg = fmtlib::verifyShape(f, rows, cols); !msg.empty()) {
    StringRef tag = rows % f.m != 0 ? "P3" : cols % f.v != 0 ? "P4" : "P5";
    return emitError() << "(" << tag << ") packed weight " << rows << "x"
                       << cols << " does not fit the format: " << msg;
  }
  // The storage arrays are indexed with int64 (P5); the format library checks
  // one expert, the expert dimension multiplies it.
  int64_t total;
  if (shape.size() == 3 && llvm::MulOverflow(shape[0], rows * cols, total))
    return emitError() << "(P5) packed weight " << shape[0] << "x" << rows
                       << "x" << cols << " has too many elements to index";
  return success();
}

static RankedTensorType withExperts(PackedType t, ArrayRef<int64_t> dims,
                                    Type elt) {
  SmallVector<int64_t> shape;
  if (t.hasExpertDim())
    shape.push_back(t.getNumExperts());
  shape.append(dims.begin(), dims.end());
  return RankedTensorType::get(shape, elt);
}

RankedTensorType PackedType::getDenseType() const {
  return RankedTensorType::get(getShape(), getElementType());
}

RankedTensorType PackedType::getValuesType() const {
  return withExperts(*this, {getCondensedRows(), getCols() / 2},
                     getElementType());
}

RankedTensorType PackedType::getMetadataType() const {
  return withExperts(*this, {getCondensedRows(), getCols() / 16},
                     IntegerType::get(getContext(), 16));
}

RankedTensorType PackedType::getRowIndicesType() const {
  return withExperts(*this, {getNumSlices(), getCondensedRows()},
                     IntegerType::get(getContext(), 8));
}
