// samoyeds-grid-constant-args: a kernel's trailing samoyeds.grid_constant_args arguments become byval __grid_constant__ parameters (Passes.td says why).
#include "samoyeds/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSGRIDCONSTANTARGS
#include "samoyeds/Conversion/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;

namespace {
/// The private copies of `arg`: its every use is `llvm.store %arg, %copy`
/// into a one-element `llvm.alloca` of its type. Empty (and a diagnostic)
/// otherwise.
LogicalResult collectCopies(BlockArgument arg, SmallVectorImpl<LLVM::StoreOp> &stores) {
  for (Operation *user : arg.getUsers()) {
    auto store = dyn_cast<LLVM::StoreOp>(user);
    auto alloca = store ? store.getAddr().getDefiningOp<LLVM::AllocaOp>() : nullptr;
    if (!store || store.getValue() != arg || !alloca ||
        alloca.getElemType() != arg.getType())
      return user->emitError("a grid-constant kernel argument may only be stored "
                             "into a private copy of its type");
    stores.push_back(store);
  }
  return success();
}

struct GridConstantArgs
    : samoyeds::impl::SamoyedsGridConstantArgsBase<GridConstantArgs> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    WalkResult r = getOperation().walk([&](LLVM::LLVMFuncOp fn) -> WalkResult {
      if (fn.isExternal())
        return WalkResult::advance();
      auto count = fn->getAttrOfType<IntegerAttr>(samoyeds::kGridConstantArgsAttr);
      if (!count)
        return WalkResult::advance();
      int64_t n = count.getInt(), args = fn.getNumArguments();
      if (n < 0 || n > args) {
        fn.emitError() << samoyeds::kGridConstantArgsAttr << " = " << n << " but the kernel has "
                       << args << " arguments";
        return WalkResult::interrupt();
      }
      fn->removeAttr(samoyeds::kGridConstantArgsAttr);
      SmallVector<Type> inputs(fn.getFunctionType().getParams());
      bool changed = false;
      for (unsigned i = args - n; i < args; ++i) {
        BlockArgument arg = fn.getArgument(i);
        Type valueType = arg.getType();
        if (!isa<LLVM::LLVMArrayType, LLVM::LLVMStructType>(valueType)) {
          fn.emitError() << "grid-constant argument " << i
                         << " must be an LLVM array or struct, got " << valueType;
          return WalkResult::interrupt();
        }
        SmallVector<LLVM::StoreOp> stores;
        if (failed(collectCopies(arg, stores)))
          return WalkResult::interrupt();
        // The stores go first (they use the value), then the copies' uses
        // move to the parameter's address.
        llvm::SetVector<Operation *> copies;
        for (LLVM::StoreOp store : stores) {
          copies.insert(store.getAddr().getDefiningOp());
          store.erase();
        }
        arg.setType(ptr);
        for (Operation *copy : copies) {
          copy->getResult(0).replaceAllUsesWith(arg);
          copy->erase();
        }
        inputs[i] = ptr;
        fn.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(), TypeAttr::get(valueType));
        fn.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                      IntegerAttr::get(IntegerType::get(ctx, 32), 64));
        fn.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(), UnitAttr::get(ctx));
        changed = true;
      }
      if (changed)
        fn.setFunctionType(LLVM::LLVMFunctionType::get(
            fn.getFunctionType().getReturnType(), inputs, fn.isVarArg()));
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
