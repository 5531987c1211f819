// Small op builders shared by the lowerings (CPU loops and GPU kernels): one
// line per arith / memref op so that index and float arithmetic reads like
// the formulas in the op descriptions.
#ifndef SAMOYEDS_UTILS_BUILDERS_H
#define SAMOYEDS_UTILS_BUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <functional>

namespace mlir {
namespace samoyeds {
namespace build {

inline Value cIdx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}
inline Value cI32(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
}
inline Value cI64(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantOp::create(b, b.getI64IntegerAttr(v));
}
inline Value cF32(ImplicitLocOpBuilder &b, float v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
}
inline Value cBool(ImplicitLocOpBuilder &b, bool v) {
  return arith::ConstantOp::create(b, b.getBoolAttr(v));
}

inline Value add(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::AddIOp::create(b, x, y);
}
inline Value mul(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::MulIOp::create(b, x, y);
}
inline Value divu(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::DivUIOp::create(b, x, y);
}
inline Value remu(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::RemUIOp::create(b, x, y);
}
/// x / k and x % k for a constant k (its constant is built after x).
inline Value divu(ImplicitLocOpBuilder &b, Value x, int64_t k) {
  return divu(b, x, cIdx(b, k));
}
inline Value remu(ImplicitLocOpBuilder &b, Value x, int64_t k) {
  return remu(b, x, cIdx(b, k));
}
inline Value cmpi(ImplicitLocOpBuilder &b, arith::CmpIPredicate p, Value x, Value y) {
  return arith::CmpIOp::create(b, p, x, y);
}
inline Value ult(ImplicitLocOpBuilder &b, Value x, Value y) {
  return cmpi(b, arith::CmpIPredicate::ult, x, y);
}
inline Value cmpf(ImplicitLocOpBuilder &b, arith::CmpFPredicate p, Value x, Value y) {
  return arith::CmpFOp::create(b, p, x, y);
}
inline Value andi(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::AndIOp::create(b, x, y);
}
inline Value ori(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::OrIOp::create(b, x, y);
}
inline Value select(ImplicitLocOpBuilder &b, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, c, x, y);
}
inline Value fadd(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::AddFOp::create(b, x, y);
}
inline Value fsub(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::SubFOp::create(b, x, y);
}
inline Value fmul(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::MulFOp::create(b, x, y);
}
inline Value fdiv(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::DivFOp::create(b, x, y);
}

inline Value load(ImplicitLocOpBuilder &b, Value mem, ValueRange idx) {
  return memref::LoadOp::create(b, mem, idx);
}
inline void store(ImplicitLocOpBuilder &b, Value v, Value mem, ValueRange idx) {
  memref::StoreOp::create(b, v, mem, idx);
}
/// Size `d` of a memref: a constant when static.
inline Value dim(ImplicitLocOpBuilder &b, Value mem, int64_t d) {
  auto t = cast<MemRefType>(mem.getType());
  if (!t.isDynamicDim(d))
    return cIdx(b, t.getDimSize(d));
  return memref::DimOp::create(b, mem, d);
}

/// Signed integer -> index (sign-extended: negative ids stay negative).
inline Value toIndex(ImplicitLocOpBuilder &b, Value v) {
  if (v.getType().isIndex())
    return v;
  return arith::IndexCastOp::create(b, b.getIndexType(), v);
}
/// Unsigned small integer -> index.
inline Value toIndexU(ImplicitLocOpBuilder &b, Value v) {
  return arith::IndexCastUIOp::create(b, b.getIndexType(), v);
}
inline Value toI32(ImplicitLocOpBuilder &b, Value v) {
  return arith::IndexCastOp::create(b, b.getI32Type(), v);
}
/// Any float -> f32 (exact for f16 / bf16).
inline Value toF32(ImplicitLocOpBuilder &b, Value v) {
  auto ft = cast<FloatType>(v.getType());
  if (ft.isF32())
    return v;
  if (ft.getWidth() < 32)
    return arith::ExtFOp::create(b, b.getF32Type(), v);
  return arith::TruncFOp::create(b, b.getF32Type(), v);
}
/// f32 -> any float (round to nearest even when narrowing).
inline Value fromF32(ImplicitLocOpBuilder &b, Value v, Type t) {
  auto ft = cast<FloatType>(t);
  if (ft.isF32())
    return v;
  if (ft.getWidth() < 32)
    return arith::TruncFOp::create(b, t, v);
  return arith::ExtFOp::create(b, t, v);
}

/// Indices with an optional leading expert index (null when absent).
inline SmallVector<Value> withExpert(Value e, std::initializer_list<Value> rest) {
  SmallVector<Value> idx;
  if (e)
    idx.push_back(e);
  idx.append(rest.begin(), rest.end());
  return idx;
}

using LoopBody = function_ref<void(ImplicitLocOpBuilder &, Value)>;
using ReduceBody =
    function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, Value, ValueRange)>;

/// scf.for iv in [lb, ub) step `step`, without results.
inline void forLoop(ImplicitLocOpBuilder &b, Value lb, Value ub, Value step,
                    LoopBody body) {
  scf::ForOp::create(b, lb, ub, step, ValueRange{},
                     [&](OpBuilder &nb, Location loc, Value iv, ValueRange) {
                       ImplicitLocOpBuilder ib(loc, nb);
                       body(ib, iv);
                       scf::YieldOp::create(ib);
                     });
}
/// scf.for iv in [lb, ub) step 1.
inline void forLoop(ImplicitLocOpBuilder &b, Value lb, Value ub, LoopBody body) {
  forLoop(b, lb, ub, cIdx(b, 1), body);
}
inline void forLoop(ImplicitLocOpBuilder &b, int64_t lb, Value ub, LoopBody body) {
  forLoop(b, cIdx(b, lb), ub, body);
}
/// scf.for with iter_args; the body returns the next values.
inline SmallVector<Value> forReduce(ImplicitLocOpBuilder &b, Value lb, Value ub,
                                    Value step, ValueRange init, ReduceBody body) {
  auto loop = scf::ForOp::create(
      b, lb, ub, step, init,
      [&](OpBuilder &nb, Location loc, Value iv, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nb);
        scf::YieldOp::create(ib, body(ib, iv, args));
      });
  return SmallVector<Value>(loop.getResults());
}
/// scf.for step 1 with iter_args.
inline SmallVector<Value> forReduce(ImplicitLocOpBuilder &b, Value lb, Value ub,
                                    ValueRange init, ReduceBody body) {
  return forReduce(b, lb, ub, cIdx(b, 1), init, body);
}
/// A loop nest over every element of `mem` (all its dimensions); the body
/// gets the indices.
inline void forEachElement(ImplicitLocOpBuilder &b, Value mem,
                           function_ref<void(ImplicitLocOpBuilder &, ValueRange)> body) {
  int64_t rank = cast<MemRefType>(mem.getType()).getRank();
  SmallVector<Value> ivs;
  std::function<void(ImplicitLocOpBuilder &, int64_t)> nest =
      [&](ImplicitLocOpBuilder &nb, int64_t d) {
        if (d == rank) {
          body(nb, ivs);
          return;
        }
        forLoop(nb, 0, dim(nb, mem, d), [&](ImplicitLocOpBuilder &ib, Value iv) {
          ivs.push_back(iv);
          nest(ib, d + 1);
          ivs.pop_back();
        });
      };
  nest(b, 0);
}
/// scf.if without results.
inline void ifThen(ImplicitLocOpBuilder &b, Value cond,
                   function_ref<void(ImplicitLocOpBuilder &)> body) {
  scf::IfOp::create(b, cond, [&](OpBuilder &nb, Location loc) {
    ImplicitLocOpBuilder ib(loc, nb);
    body(ib);
    scf::YieldOp::create(ib);
  });
}

} // namespace build
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_UTILS_BUILDERS_H
