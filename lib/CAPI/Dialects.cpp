// The C API of the samoyeds dialect (include/samoyeds-c/Dialects.h).
#include "samoyeds-c/Dialects.h"

#include "samoyeds/InitSamoyeds.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::samoyeds;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Samoyeds, samoyeds, SamoyedsDialect)

bool mlirRegisterSamoyedsPasses(void) { return registerAllSamoyedsPasses(); }

MlirAttribute mlirSamoyedsFormatAttrGet(MlirContext ctx, int64_t n, int64_t m,
                                        int64_t v) {
  MLIRContext *c = unwrap(ctx);
  return wrap(FormatAttr::getChecked(
      [c] { return emitError(UnknownLoc::get(c)); }, c, n, m, v));
}

bool mlirAttributeIsASamoyedsFormat(MlirAttribute attr) {
  return isa<FormatAttr>(unwrap(attr));
}
int64_t mlirSamoyedsFormatAttrGetN(MlirAttribute attr) {
  return cast<FormatAttr>(unwrap(attr)).getN();
}
int64_t mlirSamoyedsFormatAttrGetM(MlirAttribute attr) {
  return cast<FormatAttr>(unwrap(attr)).getM();
}
int64_t mlirSamoyedsFormatAttrGetV(MlirAttribute attr) {
  return cast<FormatAttr>(unwrap(attr)).getV();
}

MlirType mlirSamoyedsPackedTypeGet(MlirContext ctx, intptr_t rank,
                                   const int64_t *shape, MlirType elementType,
                                   MlirAttribute format) {
  MLIRContext *c = unwrap(ctx);
  auto fmt = dyn_cast_or_null<FormatAttr>(unwrap(format));
  if (!fmt) {
    emitError(UnknownLoc::get(c)) << "!samoyeds.packed needs a #samoyeds.format";
    return wrap(Type());
  }
  return wrap(PackedType::getChecked(
      [c] { return emitError(UnknownLoc::get(c)); }, c,
      llvm::ArrayRef<int64_t>(shape, rank), unwrap(elementType), fmt));
}

bool mlirTypeIsASamoyedsPacked(MlirType type) {
  return isa<PackedType>(unwrap(type));
}
MlirAttribute mlirSamoyedsPackedTypeGetFormat(MlirType type) {
  return wrap(cast<PackedType>(unwrap(type)).getFormat());
}
MlirType mlirSamoyedsPackedTypeGetElementType(MlirType type) {
  return wrap(cast<PackedType>(unwrap(type)).getElementType());
}
intptr_t mlirSamoyedsPackedTypeGetRank(MlirType type) {
  return cast<PackedType>(unwrap(type)).getShape().size();
}
int64_t mlirSamoyedsPackedTypeGetDimSize(MlirType type, intptr_t dim) {
  return cast<PackedType>(unwrap(type)).getShape()[dim];
}
