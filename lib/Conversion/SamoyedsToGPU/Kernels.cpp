// Kernels: buffer types of tensors and the creation (once per name) of the gpu.func kernels of @samoyeds_kernels.
#include "Kernels.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

using namespace mlir;
using namespace mlir::samoyeds;

MemRefType mlir::samoyeds::gpukernels::bufferType(Type t) {
  auto rt = cast<RankedTensorType>(t);
  return MemRefType::get(rt.getShape(), rt.getElementType());
}

Value mlir::samoyeds::gpukernels::toBuffer(OpBuilder &b, Location loc, Value tensor) {
  return bufferization::ToBufferOp::create(b, loc, bufferType(tensor.getType()),
                                           tensor, /*read_only=*/true);
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
