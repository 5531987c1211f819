// samoyeds-expand-storage: packed function arguments -> their three arrays.
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSEXPANDSTORAGE
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

struct SamoyedsExpandStoragePass
    : mlir::samoyeds::impl::SamoyedsExpandStorageBase<SamoyedsExpandStoragePass> {
  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](func::FuncOp fn) {
      if (llvm::any_of(fn.getResultTypes(), llvm::IsaPred<PackedType>)) {
        fn.emitError() << "samoyeds-expand-storage: functions returning a "
                          "packed weight are not supported; return its "
                          "storage arrays instead";
        failed = true;
        return;
      }
      if (!llvm::any_of(fn.getArgumentTypes(), llvm::IsaPred<PackedType>))
        return;
      // Callers would need their operands expanded too; the exported entry
      // points this pass exists for have none.
      if (auto uses = SymbolTable::getSymbolUses(fn, getOperation());
          uses && !uses->empty()) {
        fn.emitError() << "samoyeds-expand-storage: function '"
                       << fn.getSymName()
                       << "' takes a packed weight and has call sites; only "
                          "entry points can be expanded";
        failed = true;
        return;
      }
      if (fn.isExternal()) {
        fn.emitError() << "samoyeds-expand-storage: cannot expand the packed "
                          "arguments of an external function";
        failed = true;
        return;
      }
      Block &entry = fn.front();
      OpBuilder b = OpBuilder::atBlockBegin(&entry);
      SmallVector<Type> newInputs;
      // The attributes of the other arguments (llvm.noalias, writability...)
      // stay with them; the three storage arguments of a packed one get none.
      SmallVector<DictionaryAttr> newArgAttrs;
      DictionaryAttr none = DictionaryAttr::get(&getContext());
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
        if (isa<PackedType>(fn.getArgument(i).getType())) {
          newArgAttrs.append(3, none);
          continue;
        }
        DictionaryAttr d = fn.getArgAttrDict(i);
        newArgAttrs.push_back(d ? d : none);
      }
      // Walk backwards so inserted arguments do not shift pending indices.
      for (int64_t i = fn.getNumArguments() - 1; i >= 0; --i) {
        BlockArgument arg = entry.getArgument(i);
        auto packed = dyn_cast<PackedType>(arg.getType());
        if (!packed)
          continue;
        Location loc = arg.getLoc();
        Value v = entry.insertArgument(i + 1, packed.getValuesType(), loc);
        Value m = entry.insertArgument(i + 2, packed.getMetadataType(), loc);
        Value r = entry.insertArgument(i + 3, packed.getRowIndicesType(), loc);
        Value assembled = AssembleOp::create(b, loc, packed, v, m, r);
        arg.replaceAllUsesWith(assembled);
        entry.eraseArgument(i);
      }
      for (BlockArgument a : entry.getArguments())
        newInputs.push_back(a.getType());
      fn.removeArgAttrsAttr();
      fn.setFunctionType(
          FunctionType::get(&getContext(), newInputs, fn.getResultTypes()));
      fn.setAllArgAttrs(newArgAttrs);
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
