/* The C API of the samoyeds dialect, in MLIR's C API style (mlir-c/IR.h). */
#ifndef SAMOYEDS_C_DIALECTS_H
#define SAMOYEDS_C_DIALECTS_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mlirGetDialectHandle__samoyeds__(): insert into a registry / load with
   mlirDialectHandleInsertDialect, mlirDialectHandleLoadDialect. */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Samoyeds, samoyeds);

/* Registers the samoyeds passes and the samoyeds-cpu-pipeline and
   samoyeds-gpu-pipeline pipelines (for mlirParsePassPipeline). Returns false,
   registering nothing, when they are registered already. */
MLIR_CAPI_EXPORTED bool mlirRegisterSamoyedsPasses(void);

/* #samoyeds.format<n, m, v>. The null attribute (mlirAttributeIsNull), with a
   diagnostic on the context, when the parameters break (F1)-(F3). */
MLIR_CAPI_EXPORTED MlirAttribute mlirSamoyedsFormatAttrGet(MlirContext ctx, int64_t n,
                                                           int64_t m, int64_t v);
MLIR_CAPI_EXPORTED bool mlirAttributeIsASamoyedsFormat(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t mlirSamoyedsFormatAttrGetN(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t mlirSamoyedsFormatAttrGetM(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t mlirSamoyedsFormatAttrGetV(MlirAttribute attr);

/* !samoyeds.packed<[E x] R x C x elt, format>. The null type, with a diagnostic,
   when (P1)-(P5) fail. */
MLIR_CAPI_EXPORTED MlirType mlirSamoyedsPackedTypeGet(MlirContext ctx, intptr_t rank,
                                                      const int64_t *shape,
                                                      MlirType elementType,
                                                      MlirAttribute format);
MLIR_CAPI_EXPORTED bool mlirTypeIsASamoyedsPacked(MlirType type);
MLIR_CAPI_EXPORTED MlirAttribute mlirSamoyedsPackedTypeGetFormat(MlirType type);
MLIR_CAPI_EXPORTED MlirType mlirSamoyedsPackedTypeGetElementType(MlirType type);
MLIR_CAPI_EXPORTED intptr_t mlirSamoyedsPackedTypeGetRank(MlirType type);
MLIR_CAPI_EXPORTED int64_t mlirSamoyedsPackedTypeGetDimSize(MlirType type, intptr_t dim);

#ifdef __cplusplus
}
#endif

#endif /* SAMOYEDS_C_DIALECTS_H */
