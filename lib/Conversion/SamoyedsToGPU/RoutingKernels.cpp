// GPU lowerings of samoyeds.route, samoyeds.dispatch and samoyeds.combine.
#include "Kernels.h"

using namespace mlir;
using namespace mlir::samoyeds;

LogicalResult gpukernels::lowerRoute(RouteOp op, gpu::GPUModuleOp) {
  return op.emitOpError() << "GPU lowering of samoyeds.route is not implemented";
}

LogicalResult gpukernels::lowerDispatch(DispatchOp op, gpu::GPUModuleOp) {
  return op.emitOpError()
         << "GPU lowering of samoyeds.dispatch is not implemented";
}

LogicalResult gpukernels::lowerCombine(CombineOp op, gpu::GPUModuleOp) {
  return op.emitOpError() << "GPU lowering of samoyeds.combine is not implemented";
}
