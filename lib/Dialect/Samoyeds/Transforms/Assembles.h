// The lowerings' last step: samoyeds.assemble ops left without users.
//
// An assemble only names the storage of a packed weight; once the ops that
// read it are lowered (pack/unpack before bufferization, ssmm after it) it
// has nothing left to say, and no lowering of its own.
#ifndef SAMOYEDS_LIB_DIALECT_SAMOYEDS_TRANSFORMS_ASSEMBLES_H
#define SAMOYEDS_LIB_DIALECT_SAMOYEDS_TRANSFORMS_ASSEMBLES_H

#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace samoyeds {

inline void eraseUnusedAssembles(ModuleOp module) {
  SmallVector<AssembleOp> assembles;
  module.walk([&](AssembleOp op) { assembles.push_back(op); });
  for (AssembleOp op : assembles)
    if (op->use_empty())
      op.erase();
}

} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_DIALECT_SAMOYEDS_TRANSFORMS_ASSEMBLES_H
