// The samoyeds C API from C: dialect handle, format attribute and packed type
// constructors (and their rejections), parsing samoyeds IR, and the samoyeds
// passes and samoyeds-cpu-pipeline run through the pass C API.
// RUN: samoyeds-capi-test 2>&1 | FileCheck %s

#include "samoyeds-c/Dialects.h"

#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"

#include <stdio.h>
#include <string.h>

static void print(MlirStringRef s, void *user) {
  (void)user;
  fwrite(s.data, 1, s.length, stdout);
}

static MlirLogicalResult onDiagnostic(MlirDiagnostic d, void *user) {
  (void)user;
  printf("diagnostic: ");
  mlirDiagnosticPrint(d, print, NULL);
  printf("\n");
  return mlirLogicalResultSuccess();
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  MlirContext ctx = mlirContextCreate();
  mlirContextAttachDiagnosticHandler(ctx, onDiagnostic, NULL, NULL);
  MlirDialectHandle h = mlirGetDialectHandle__samoyeds__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(h);
  // CHECK: namespace: samoyeds
  printf("namespace: %.*s\n", (int)ns.length, ns.data);
  mlirDialectHandleLoadDialect(h, ctx);

  MlirAttribute fmt = mlirSamoyedsFormatAttrGet(ctx, 1, 2, 128);
  // CHECK: format: #samoyeds.format<n = 1, m = 2, v = 128> isa=1 n=1 m=2 v=128
  printf("format: ");
  mlirAttributePrint(fmt, print, NULL);
  printf(" isa=%d n=%lld m=%lld v=%lld\n", mlirAttributeIsASamoyedsFormat(fmt),
         (long long)mlirSamoyedsFormatAttrGetN(fmt),
         (long long)mlirSamoyedsFormatAttrGetM(fmt),
         (long long)mlirSamoyedsFormatAttrGetV(fmt));

  int64_t shape[3] = {8, 256, 512};
  MlirType packed = mlirSamoyedsPackedTypeGet(ctx, 3, shape, mlirBF16TypeGet(ctx), fmt);
  // CHECK: packed: !samoyeds.packed<8x256x512xbf16, #samoyeds.format<n = 1, m = 2, v = 128>> isa=1 rank=3 rows=256
  printf("packed: ");
  mlirTypePrint(packed, print, NULL);
  printf(" isa=%d rank=%ld rows=%lld\n", mlirTypeIsASamoyedsPacked(packed),
         (long)mlirSamoyedsPackedTypeGetRank(packed),
         (long long)mlirSamoyedsPackedTypeGetDimSize(packed, 1));

  // Bad parameters: a null result and the verifier's message.
  // CHECK: diagnostic: (F1) invalid #samoyeds.format: N (3) must not exceed M (2)
  // CHECK-NEXT: bad format is null: 1
  MlirAttribute bad = mlirSamoyedsFormatAttrGet(ctx, 3, 2, 128);
  printf("bad format is null: %d\n", mlirAttributeIsNull(bad));
  // CHECK: diagnostic: (P2) packed weight element type must be f16 or bf16, got 'f32'
  // CHECK-NEXT: bad packed is null: 1
  MlirType badT = mlirSamoyedsPackedTypeGet(ctx, 3, shape, mlirF32TypeGet(ctx), fmt);
  printf("bad packed is null: %d\n", mlirTypeIsNull(badT));

  // Parse samoyeds IR and run the samoyeds-cpu-pipeline through the pass C
  // API, with upstream's dialects and their interfaces registered.
  // CHECK: registered passes: 1, again: 0
  int first = mlirRegisterSamoyedsPasses();
  int again = mlirRegisterSamoyedsPasses();
  printf("registered passes: %d, again: %d\n", first, again);
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  mlirDialectHandleInsertDialect(h, registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirRegisterAllLLVMTranslations(ctx);
  const char *src =
      "func.func @f(%p: !samoyeds.packed<64x128xf16, #samoyeds.format<n = 1, m = 2, v = 64>>)"
      " -> tensor<64x128xf16> {\n"
      "  %d = samoyeds.unpack %p : !samoyeds.packed<64x128xf16, #samoyeds.format<n = 1, m = 2, v = 64>>"
      " -> tensor<64x128xf16>\n"
      "  return %d : tensor<64x128xf16>\n}\n";
  MlirModule mod = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(src));
  // CHECK: parsed: 1
  printf("parsed: %d\n", !mlirModuleIsNull(mod));
  if (mlirModuleIsNull(mod))
    return 1;
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult pr = mlirParsePassPipeline(
      opm, mlirStringRefCreateFromCString("builtin.module(samoyeds-expand-storage)"), print, NULL);
  MlirLogicalResult rr = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(mod));
  // CHECK: pipeline parsed: 1, ran: 1
  printf("pipeline parsed: %d, ran: %d\n", mlirLogicalResultIsSuccess(pr),
         mlirLogicalResultIsSuccess(rr));
  // CHECK: func.func @f(%arg0: tensor<32x64xf16>, %arg1: tensor<32x8xi16>, %arg2: tensor<2x32xi8>)
  // CHECK: samoyeds.assemble
  mlirOperationPrint(mlirModuleGetOperation(mod), print, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm);

  // The whole CPU pipeline: down to the llvm dialect.
  MlirPassManager cpu = mlirPassManagerCreate(ctx);
  pr = mlirParsePassPipeline(mlirPassManagerGetAsOpPassManager(cpu),
                             mlirStringRefCreateFromCString("builtin.module(samoyeds-cpu-pipeline)"),
                             print, NULL);
  rr = mlirPassManagerRunOnOp(cpu, mlirModuleGetOperation(mod));
  // CHECK: cpu pipeline parsed: 1, ran: 1
  // CHECK: llvm.func @f(
  // CHECK: llvm.call @samoyeds_rt_unpack_f32(
  printf("cpu pipeline parsed: %d, ran: %d\n", mlirLogicalResultIsSuccess(pr),
         mlirLogicalResultIsSuccess(rr));
  mlirOperationPrint(mlirModuleGetOperation(mod), print, NULL);
  printf("\n");
  mlirPassManagerDestroy(cpu);
  mlirModuleDestroy(mod);
  mlirContextDestroy(ctx);
  return 0;
}
