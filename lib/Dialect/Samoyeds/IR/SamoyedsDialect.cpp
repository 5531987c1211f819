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
