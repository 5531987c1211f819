// samoyeds-emit-c-interface: give the public host functions of a compiled layer a C entry point.
//
// The runtime and the Python package call a layer through
// `_mlir_ciface_<name>` (memref descriptors passed by pointer), which
// convert-func-to-llvm emits only for functions with llvm.emit_c_interface.
// Declarations (external functions) are the runtime's own: left alone.
#include "samoyeds/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSEMITCINTERFACE
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;

namespace {
struct EmitCInterface
    : samoyeds::impl::SamoyedsEmitCInterfaceBase<EmitCInterface> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp fn) {
      if (fn.isPublic() && !fn.isExternal())
        fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(fn.getContext()));
    });
  }
};
} // namespace
