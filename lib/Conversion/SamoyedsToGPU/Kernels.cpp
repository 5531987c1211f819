// Kernels: the identity-layout operand and outs buffers the kernels take, and the creation (once per name) of the gpu.func kernels of @samoyeds_kernels.
#include "Kernels.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::samoyeds;

namespace {
/// The identity-layout type of the buffer `mem`.
MemRefType identityType(Value mem) {
  auto t = cast<MemRefType>(mem.getType());
  return MemRefType::get(t.getShape(), t.getElementType());
}
} // namespace

Value mlir::samoyeds::gpukernels::inputBuffer(OpBuilder &b, Value mem) {
  MemRefType t = identityType(mem);
  if (mem.getType() == t)
    return mem;
  // The default options: memref.alloc and memref.copy, which the GPU
  // pipeline's samoyeds-gpu-host-buffers turns into device ones.
  FailureOr<Value> buf = bufferization::castOrReallocMemRefValue(
      b, mem, t, bufferization::BufferizationOptions());
  // Same element type and memory space: it does not fail.
  assert(succeeded(buf) && "cast or copy of a buffer of the default memory space");
  return *buf;
}

Value mlir::samoyeds::gpukernels::outputBuffer(OpBuilder &b, Location loc, Value init) {
  MemRefType t = identityType(init);
  if (init.getType() == t)
    return init;
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (t.isDynamicDim(d))
      dyn.push_back(memref::DimOp::create(b, loc, init, d));
  return memref::AllocOp::create(b, loc, t, dyn);
}

void mlir::samoyeds::gpukernels::finishOutput(OpBuilder &b, Location loc, Value out,
                                              Value init) {
  if (out == init)
    return;
  memref::CopyOp::create(b, loc, out, init);
  memref::DeallocOp::create(b, loc, out);
}

gpu::GPUFuncOp mlir::samoyeds::gpukernels::getOrCreateKernel(
    gpu::GPUModuleOp gpuModule, Location loc, StringRef name, TypeRange argTypes,
    ArrayRef<int32_t> blockSize,
    function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> body) {
  // The name says everything that shapes the kernel: ops with the same
  // configuration share it.
  if (auto fn = gpuModule.lookupSymbol<gpu::GPUFuncOp>(name))
    return fn;
  OpBuilder kb(gpuModule.getBodyRegion());
  kb.setInsertionPointToEnd(&gpuModule.getBodyRegion().front());
  auto fn = gpu::GPUFuncOp::create(kb, loc, name, kb.getFunctionType(argTypes, {}));
  fn->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), kb.getUnitAttr());
  fn.setKnownBlockSize(blockSize);
  ImplicitLocOpBuilder ib(loc, kb);
  ib.setInsertionPointToStart(&fn.front());
  body(ib, fn);
  return fn;
}
