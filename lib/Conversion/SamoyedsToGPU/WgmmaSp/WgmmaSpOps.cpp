// wgmma.mma_async.sp and the tied wait as llvm.inline_asm (WgmmaSpOps.h).
#include "WgmmaSpOps.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <string>

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;

namespace {
/// Inline asm returning `acc.size()` f32 values tied to `acc`, which come
/// after `inputs` ("=f" outputs $0.., then `inputConstraints`, then "0", "1",
/// ...).
SmallVector<Value> tiedAsm(ImplicitLocOpBuilder &b, const std::string &text,
                           ArrayRef<Value> inputs, StringRef inputConstraints,
                           ArrayRef<Value> acc) {
  int64_t k = acc.size();
  std::string cons;
  for (int64_t i = 0; i < k; ++i)
    cons += std::string(i ? "," : "") + "=f";
  if (!inputConstraints.empty())
    cons += "," + inputConstraints.str();
  for (int64_t i = 0; i < k; ++i)
    cons += "," + std::to_string(i);
  SmallVector<Value> operands(inputs.begin(), inputs.end());
  operands.append(acc.begin(), acc.end());
  SmallVector<Type> fields(k, b.getF32Type());
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), fields);
  auto op = LLVM::InlineAsmOp::create(
      b, structType, operands, b.getStringAttr(text), b.getStringAttr(cons),
      /*has_side_effects=*/b.getUnitAttr(), /*is_align_stack=*/UnitAttr(),
      LLVM::TailCallKindAttr::get(b.getContext(), LLVM::TailCallKind::None),
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/ArrayAttr());
  SmallVector<Value> out;
  for (int64_t i = 0; i < k; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, op.getRes(), i));
  return out;
}
} // namespace

SmallVector<Value> mlir::samoyeds::gpukernels::wgmmaSp(
    ImplicitLocOpBuilder &b, int64_t n, Type inputElt, Value descA, Value descB,
    Value meta, ArrayRef<Value> acc) {
  int64_t k = acc.size();
  std::string t = inputElt.isF16() ? "f16" : "bf16";
  std::string regs;
  for (int64_t i = 0; i < k; ++i)
    regs += std::string(i ? ", " : "") + "$" + std::to_string(i);
  // Operands after the outputs: $k descA, $k+1 descB, $k+2 metadata,
  // $k+3 scale-d (a register: PTX takes scale-d as a predicate).
  std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, $" + std::to_string(k + 3) +
                     ", 0;\nwgmma.mma_async.sp.sync.aligned.m64n" +
                     std::to_string(n) + "k32.f32." + t + "." + t + " {" + regs +
                     "}, $" + std::to_string(k) + ", $" + std::to_string(k + 1) +
                     ", $" + std::to_string(k + 2) + ", 0, p, 1, 1, 0, 0;\n}";
  Value scaleD = build::cI32(b, 1);
  return tiedAsm(b, text, {descA, descB, meta, scaleD}, "l,l,r,r", acc);
}

SmallVector<Value> mlir::samoyeds::gpukernels::wgmmaWait(ImplicitLocOpBuilder &b,
                                                         int64_t pending,
                                                         ArrayRef<Value> acc) {
  return tiedAsm(b, "wgmma.wait_group.sync.aligned " + std::to_string(pending) + ";",
                 {}, "", acc);
}
