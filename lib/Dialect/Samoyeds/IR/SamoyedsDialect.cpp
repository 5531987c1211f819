// The samoyeds dialect, its format attribute and its packed-weight type.
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Format/Format.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

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
  // The format library owns the rules and their wording (F1, F2).
  std::string msg = fmtlib::verifyFormat({n, m, v});
  if (!msg.empty())
    return emitError() << "invalid #samoyeds.format: " << msg;
  return success();
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
    return emitError() << "packed weight must have rank 2 (R x C) or 3 "
                          "(E x R x C), got rank "
                       << shape.size();
  for (int64_t d : shape)
    if (d <= 0)
      return emitError() << "packed weight sizes must be static and positive";
  if (!elementType.isF16() && !elementType.isBF16())
    return emitError() << "packed weight element type must be f16 or bf16, got "
                       << elementType;
  if (!fmt)
    return emitError() << "packed weight needs a #samoyeds.format";
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  std::string msg =
      fmtlib::verifyShape({fmt.getN(), fmt.getM(), fmt.getV()}, rows, cols);
  if (!msg.empty())
    return emitError() << "packed weight " << rows << "x" << cols
                       << " does not fit the format: " << msg;
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
