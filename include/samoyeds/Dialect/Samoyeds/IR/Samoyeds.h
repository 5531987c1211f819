// The samoyeds dialect: attributes, types and ops (C++ declarations).
#ifndef SAMOYEDS_DIALECT_SAMOYEDS_IR_SAMOYEDS_H
#define SAMOYEDS_DIALECT_SAMOYEDS_IR_SAMOYEDS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOpsDialect.h.inc"
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "samoyeds/Dialect/Samoyeds/IR/SamoyedsOps.h.inc"

#endif // SAMOYEDS_DIALECT_SAMOYEDS_IR_SAMOYEDS_H
