// GPU lowerings of samoyeds.route, samoyeds.dispatch and samoyeds.combine.
//
// Each op, in its memref form (one-shot bufferization ran first), becomes on
// the host one or more `gpu.launch_func` (unguarded: an empty grid is a
// runtime no-op) that read the operands' buffers and write the op's outs
// buffers in place. Host-side temporaries are `memref.alloc` +
// `memref.dealloc` after the last launch that reads them. The kernels are
// simple one-element-per-thread loops with `index` arithmetic (route without
// groups: one warp per token, with shuffles); they are deterministic (no
// float atomics, no order that depends on scheduling). Semantics are those of
// the CPU reference (samoyeds-lower-to-loops, SamoyedsOps.td); docs/kernel.md,
// section "Routing kernels", describes the kernels and where results may
// differ from the CPU in the last bits.
//
// Kernel arguments have canonical types (leading dimension dynamic, the
// other dimensions as the op's static configuration fixes them), so that
// every op with the same configuration shares one kernel, named after that
// configuration.
#include "HostLaunch.h"
#include "Kernels.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

using Builder = ImplicitLocOpBuilder;
using namespace mlir::samoyeds::build;
using gpukernels::warpAllReduce;
using gpukernels::warpShuffle;

/// Threads per block of the route kernels (one thread, or one warp, per
/// token).
constexpr int64_t kRouteThreads = 128;
constexpr int64_t kWarpSize = 32;
/// Tokens per block of the warp-per-token route kernel.
constexpr int64_t kRouteWarps = kRouteThreads / kWarpSize;
/// The warp-per-token route kernel keeps E / 32 scores per lane in
/// registers: up to 8 (E = 256, DeepSeek-V3's router) without spilling.
constexpr int64_t kRouteWarpMaxExperts = 256;
/// Threads per block of the element-wise kernels (combine).
constexpr int64_t kElemThreads = 256;
/// Flat ids per block of the dispatch count / scatter kernels.
constexpr int64_t kDispatchChunk = 256;

//===----------------------------------------------------------------------===//
// Small builders (kernel and host)
//===----------------------------------------------------------------------===//

/// 1 / (1 + exp(-x)).
Value sigmoid(Builder &b, Value x) {
  Value one = cF32(b, 1.0f);
  Value e = gpukernels::expF32(b, arith::NegFOp::create(b, x));
  return fdiv(b, one, fadd(b, one, e));
}

/// Aborts the kernel (PTX `trap`): the launch, and the runtime call that made
/// it, report an error.
void trapIf(Builder &b, Value cond) {
  ifThen(b, cond, [&](Builder &nb) { LLVM::Trap::create(nb); });
}

/// A short, symbol-safe name of an element type.
std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  for (char &ch : s)
    if (!llvm::isAlnum(ch))
      ch = '_';
  return s;
}
/// A static size, or "d" for a dynamic one.
std::string sizeName(int64_t v) {
  return ShapedType::isDynamic(v) ? "d" : std::to_string(v);
}

bool supportedFloat(Type t) {
  return t.isF16() || t.isBF16() || t.isF32() || t.isF64();
}
LogicalResult checkFloat(Operation *op, StringRef what, Type tensorType) {
  Type elt = cast<ShapedType>(tensorType).getElementType();
  if (supportedFloat(elt))
    return success();
  return op->emitOpError()
         << "GPU lowering: the " << what
         << " element type must be f16, bf16, f32 or f64, got " << elt;
}

//===----------------------------------------------------------------------===//
// Host side
//===----------------------------------------------------------------------===//

/// `mem` as a memref of `shape` (same element type, identity layout), through
/// memref.cast when the type differs (static <-> dynamic sizes).
Value castTo(Builder &b, Value mem, ArrayRef<int64_t> shape) {
  auto t = cast<MemRefType>(mem.getType());
  auto target = MemRefType::get(shape, t.getElementType());
  if (t == target)
    return mem;
  return memref::CastOp::create(b, target, mem);
}

/// gpu.launch_func of `fn` on a 1-D grid of `grid` blocks of `threads`
/// threads. An empty grid needs no guard: the project runtime's launch is a
/// no-op for it, and a host scf.if would split gpu-async-region's token
/// chain (a stream synchronisation per launch).
void launch(Builder &b, gpu::GPUFuncOp fn, Value grid, int64_t threads,
            ValueRange args) {
  Value one = cIdx(b, 1);
  gpu::LaunchFuncOp::create(b, b.getLoc(), fn, gpu::KernelDim3{grid, one, one},
                            gpu::KernelDim3{cIdx(b, threads), one, one}, Value(), args);
}

Value ceilDiv(Builder &b, Value x, int64_t y) {
  return arith::CeilDivUIOp::create(b, x, cIdx(b, y));
}

SmallVector<Type> typesOf(ValueRange vs) {
  SmallVector<Type> ts;
  for (Value v : vs)
    ts.push_back(v.getType());
  return ts;
}

gpu::GPUFuncOp kernel(gpu::GPUModuleOp m, Location loc, StringRef name,
                      ValueRange args, int64_t threads,
                      function_ref<void(Builder &, gpu::GPUFuncOp)> body) {
  return gpukernels::getOrCreateKernel(
      m, loc, name, typesOf(args), ArrayRef<int32_t>{int32_t(threads), 1, 1},
      [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp fn) {
        body(b, fn);
        gpu::ReturnOp::create(b);
      });
}

/// Thread index, block index and the global thread index of a 1-D launch.
struct Ids {
  Value tid, bid, gid;
};
Ids threadIds(Builder &b, int64_t threads) {
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  return {tid, bid, add(b, mul(b, bid, cIdx(b, threads)), tid)};
}

//===----------------------------------------------------------------------===//
// route
//===----------------------------------------------------------------------===//

struct RouteSpec {
  int64_t experts, topK, nGroup, topkGroup;
  bool softmax, renormalize, hasBias;
  float scaling;
  Type logitsElt, biasElt, weightsElt;

  /// Whether the warp-per-token kernel runs it: group-limited routing keeps
  /// the thread-per-token kernel (its group scans are serial per token
  /// anyway), as does E beyond the lanes' registers.
  bool warpPerToken() const {
    return nGroup == 1 && experts <= kRouteWarpMaxExperts;
  }

  std::string name() const {
    std::string s = std::string("route_") + (softmax ? "softmax" : "sigmoid") +
                    "_e" + std::to_string(experts) + "_k" +
                    std::to_string(topK);
    if (nGroup > 1)
      s += "_g" + std::to_string(nGroup) + "x" + std::to_string(topkGroup);
    if (renormalize)
      s += "_renorm";
    if (scaling != 1.0f) {
      std::string v;
      llvm::raw_string_ostream os(v);
      os << llvm::format("%.9g", double(scaling));
      for (char &ch : v)
        ch = ch == '.' ? 'p' : ch == '-' ? 'm' : ch == '+' ? '_' : ch;
      s += "_s" + v;
    }
    s += "_l" + typeName(logitsElt);
    if (hasBias)
      s += "_b" + typeName(biasElt);
    s += "_w" + typeName(weightsElt);
    if (warpPerToken())
      s += "_warp";
    return s;
  }
};

/// The selection key of a score: q, or -inf for NaN, so that the order "key
/// descending, expert ascending" is total.
Value selectionKey(Builder &b, Value q) {
  const float inf = std::numeric_limits<float>::infinity();
  return select(b, cmpf(b, arith::CmpFPredicate::UNO, q, q), cF32(b, -inf), q);
}

/// (kx, ix) comes strictly after (pk, pi) in the order (key descending,
/// index ascending). Indices are index or i32, keys never NaN.
Value after(Builder &b, Value kx, Value ix, Value pk, Value pi) {
  using F = arith::CmpFPredicate;
  return ori(b, cmpf(b, F::OLT, kx, pk),
             andi(b, cmpf(b, F::OEQ, kx, pk),
                  cmpi(b, arith::CmpIPredicate::sgt, ix, pi)));
}

/// Candidate key kx beats the best so far (bk, bi) of an ascending scan (bi
/// < 0: nothing yet); on equal keys the earlier, lower index stays.
Value beats(Builder &b, Value kx, Value bk, Value bi) {
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(bi.getType()));
  return ori(b, cmpi(b, arith::CmpIPredicate::slt, bi, zero),
             cmpf(b, arith::CmpFPredicate::OGT, kx, bk));
}

/// The route kernel's arguments (bias null without one).
struct RouteArgs {
  Value logits, bias, weights, indices;
};
RouteArgs routeArgs(gpu::GPUFuncOp fn, const RouteSpec &s) {
  Block &entry = fn.front();
  unsigned a = 0;
  RouteArgs r;
  r.logits = entry.getArgument(a++);
  r.bias = s.hasBias ? entry.getArgument(a++) : Value();
  r.weights = entry.getArgument(a++);
  r.indices = entry.getArgument(a++);
  return r;
}

/// The run-time size checks of both route kernels, in every thread.
void routeChecks(Builder &b, const RouteArgs &r, Value numTok,
                 const RouteSpec &s) {
  using P = arith::CmpIPredicate;
  // (C3) one weights / indices row per token: with a static result type and
  // dynamic logits the sizes can differ at run time; the kernel traps (the
  // runtime's sticky error) instead of writing past the results.
  trapIf(b, ori(b, cmpi(b, P::ne, dim(b, r.weights, 0), numTok),
                cmpi(b, P::ne, dim(b, r.indices, 0), numTok)));
  // (C4) bias has E entries: read for every expert, so a shorter one traps.
  if (r.bias)
    trapIf(b, cmpi(b, P::ne, dim(b, r.bias, 0), cIdx(b, s.experts)));
}

/// One thread per token. Selection uses the strict total order "key
/// descending, expert ascending", with key(q) = q, or -inf for NaN: pass j
/// picks the best eligible expert strictly after pass j-1's pick in that
/// order, so no per-thread arrays are needed. Scores are recomputed from the
/// logits where needed (deterministically: the same instructions each time).
void buildRouteKernel(Builder &b, gpu::GPUFuncOp fn, const RouteSpec &s) {
  using P = arith::CmpIPredicate;
  using F = arith::CmpFPredicate;
  // Plain values, not structured bindings: the lambdas below capture them
  // (C++17).
  RouteArgs args = routeArgs(fn, s);
  Value logits = args.logits, bias = args.bias, weights = args.weights,
        indices = args.indices;
  Ids ids = threadIds(b, kRouteThreads);
  Value tok = ids.gid;
  Value numTok = dim(b, logits, 0);
  routeChecks(b, args, numTok, s);
  ifThen(b, cmpi(b, P::ult, tok, numTok), [&](Builder &b) {
    const float inf = std::numeric_limits<float>::infinity();
    Value zero = cIdx(b, 0), numExperts = cIdx(b, s.experts);
    Value minusOne = cIdx(b, -1);
    auto logit = [&](Builder &b, Value e) {
      return toF32(b, load(b, logits, {tok, e}));
    };
    // 1. Softmax statistics (max-subtracted), in expert order.
    Value mx, sum;
    if (s.softmax) {
      mx = forReduce(b, zero, numExperts, {cF32(b, -inf)},
                     [&](Builder &b, Value e, ValueRange acc) {
                       return SmallVector<Value>{
                           arith::MaximumFOp::create(b, acc[0], logit(b, e))};
                     })[0];
      sum = forReduce(b, zero, numExperts, {cF32(b, 0.0f)},
                      [&](Builder &b, Value e, ValueRange acc) {
                        Value ex = gpukernels::expF32(b, fsub(b, logit(b, e), mx));
                        return SmallVector<Value>{fadd(b, acc[0], ex)};
                      })[0];
    }
    auto score = [&](Builder &b, Value e) -> Value {
      if (s.softmax)
        return fdiv(b, gpukernels::expF32(b, fsub(b, logit(b, e), mx)), sum);
      return sigmoid(b, logit(b, e));
    };
    // 2. Selection score.
    auto selection = [&](Builder &b, Value e) -> Value {
      Value q = score(b, e);
      if (bias)
        q = fadd(b, q, toF32(b, load(b, bias, {e})));
      return q;
    };

    int64_t groupSize = s.experts / s.nGroup;
    // Scans group g: its key (sum of its top min(2, size) selection scores,
    // as the CPU reference computes it) and, when `pk` is given, its best
    // expert strictly after (pk, pi) (index -1 if none).
    auto scanGroup = [&](Builder &b, Value g, Value pk,
                         Value pi) -> std::array<Value, 3> {
      Value lb = mul(b, g, cIdx(b, groupSize));
      SmallVector<Value> init = {cF32(b, -inf), cF32(b, -inf)};
      if (pk)
        init.append({cF32(b, -inf), minusOne});
      SmallVector<Value> r = forReduce(
          b, lb, add(b, lb, cIdx(b, groupSize)), init,
          [&](Builder &b, Value e, ValueRange acc) -> SmallVector<Value> {
            Value q = selection(b, e);
            Value gt1 = cmpf(b, F::OGT, q, acc[0]);
            Value gt2 = cmpf(b, F::OGT, q, acc[1]);
            SmallVector<Value> next = {
                select(b, gt1, q, acc[0]),
                select(b, gt1, acc[0], select(b, gt2, q, acc[1]))};
            if (pk) {
              Value kx = selectionKey(b, q);
              Value take = andi(b, after(b, kx, e, pk, pi),
                                beats(b, kx, acc[2], acc[3]));
              next.push_back(select(b, take, kx, acc[2]));
              next.push_back(select(b, take, e, acc[3]));
            }
            return next;
          });
      Value gscore = groupSize >= 2 ? fadd(b, r[0], r[1]) : r[0];
      return std::array<Value, 3>{selectionKey(b, gscore), pk ? r[2] : Value(),
                                  pk ? r[3] : Value()};
    };

    // 3. Group threshold: the topk_group-th group in the order (key
    // descending, group ascending); group g is kept iff it is not after it.
    Value thrK, thrI;
    if (s.nGroup > 1) {
      SmallVector<Value> thr = forReduce(
          b, zero, cIdx(b, s.topkGroup), {cF32(b, inf), minusOne},
          [&](Builder &b, Value, ValueRange prev) {
            return forReduce(
                b, zero, cIdx(b, s.nGroup), {cF32(b, -inf), minusOne},
                [&](Builder &b, Value g,
                    ValueRange best) -> SmallVector<Value> {
                  Value gk = scanGroup(b, g, Value(), Value())[0];
                  Value take = andi(b, after(b, gk, g, prev[0], prev[1]),
                                    beats(b, gk, best[0], best[1]));
                  return {select(b, take, gk, best[0]), select(b, take, g, best[1])};
                });
          });
      thrK = thr[0];
      thrI = thr[1];
    }

    // 4. top_k passes; 5. the sum of the unbiased scores of the picks.
    Value total = forReduce(
        b, zero, cIdx(b, s.topK), {cF32(b, inf), minusOne, cF32(b, 0.0f)},
        [&](Builder &b, Value j, ValueRange prev) -> SmallVector<Value> {
          SmallVector<Value> best;
          if (s.nGroup > 1) {
            best = forReduce(
                b, zero, cIdx(b, s.nGroup), {cF32(b, -inf), minusOne},
                [&](Builder &b, Value g, ValueRange acc) -> SmallVector<Value> {
                  auto [gk, cbk, cbi] = scanGroup(b, g, prev[0], prev[1]);
                  Value kept = ori(b, cmpf(b, F::OGT, gk, thrK),
                                   andi(b, cmpf(b, F::OEQ, gk, thrK),
                                        cmpi(b, P::sle, g, thrI)));
                  // Groups are scanned in order: on equal keys the earlier
                  // group's (lower) expert stays.
                  Value take =
                      andi(b, andi(b, kept, cmpi(b, P::sge, cbi, zero)),
                           beats(b, cbk, acc[0], acc[1]));
                  return {select(b, take, cbk, acc[0]), select(b, take, cbi, acc[1])};
                });
          } else {
            best = forReduce(
                b, zero, numExperts, {cF32(b, -inf), minusOne},
                [&](Builder &b, Value e, ValueRange acc) -> SmallVector<Value> {
                  Value kx = selectionKey(b, selection(b, e));
                  Value take = andi(b, after(b, kx, e, prev[0], prev[1]),
                                    beats(b, kx, acc[0], acc[1]));
                  return {select(b, take, kx, acc[0]), select(b, take, e, acc[1])};
                });
          }
          // A pick always exists (top_k <= eligible experts, the order is
          // total); the clamp only keeps the load in bounds regardless.
          store(b, toI32(b, best[1]), indices, {tok, j});
          Value w = score(b, arith::MaxSIOp::create(b, best[1], zero));
          return {best[0], best[1], fadd(b, prev[2], w)};
        })[2];

    // Weights in pick order: the unbiased score (recomputed: the same
    // instructions give the same value), renormalised, scaled.
    forLoop(b, zero, cIdx(b, s.topK), [&](Builder &b, Value j) {
      Value e = toIndex(b, load(b, indices, {tok, j}));
      Value w = score(b, arith::MaxSIOp::create(b, e, zero));
      if (s.renormalize)
        w = fdiv(b, w, total);
      if (s.scaling != 1.0f)
        w = fmul(b, w, cF32(b, s.scaling));
      store(b, fromF32(b, w, s.weightsElt), weights, {tok, j});
    });
  });
}

//===----------------------------------------------------------------------===//
// route, one warp per token (n_group = 1, E <= 256)
//===----------------------------------------------------------------------===//

/// The experts lane `lane` owns: e = lane + 32 i for i < ceil(E / 32).
/// `valid[i]` (e < E) is null where every lane's e is below E; `at[i]` is e
/// clamped to E - 1, so that an absent expert's loads stay in bounds.
struct LaneExperts {
  SmallVector<Value> at, id, valid; // index, i32, i1 or null
};
LaneExperts laneExperts(Builder &b, Value lane, int64_t experts) {
  LaneExperts x;
  for (int64_t i = 0; i * kWarpSize < experts; ++i) {
    Value e = i == 0 ? lane : add(b, lane, cIdx(b, i * kWarpSize));
    bool full = (i + 1) * kWarpSize <= experts;
    x.valid.push_back(full ? Value() : ult(b, e, cIdx(b, experts)));
    x.at.push_back(full ? e
                        : arith::MinUIOp::create(b, e, cIdx(b, experts - 1)));
    x.id.push_back(toI32(b, e));
  }
  return x;
}

/// sum_e ex(e) for e = 0 .. E-1 in expert order, ex(e) being register e / 32
/// of lane e % 32: the serial order of the thread-per-token kernel, so the
/// sum is bit-identical to it. Every lane adds the same broadcasts, so every
/// lane holds the sum.
Value expertOrderSum(Builder &b, ArrayRef<Value> ex, int64_t experts) {
  Value sum = cF32(b, 0.0f);
  for (int64_t e = 0; e < experts; ++e)
    sum = fadd(b, sum, warpShuffle(b, ex[e / kWarpSize], int32_t(e % kWarpSize),
                                   gpu::ShuffleMode::IDX));
  return sum;
}

/// The unbiased scores s(e) of a lane's experts (entries of absent experts
/// are garbage, never picked), with the thread-per-token kernel's
/// instructions: softmax exp(l - max) / sum, the max by a butterfly (exact in
/// any order), the sum in expert order; or the sigmoid.
SmallVector<Value> laneScores(Builder &b, Value logits, Value tok,
                              const LaneExperts &x, const RouteSpec &s) {
  const float inf = std::numeric_limits<float>::infinity();
  SmallVector<Value> l;
  for (Value e : x.at)
    l.push_back(toF32(b, load(b, logits, {tok, e})));
  SmallVector<Value> out;
  if (!s.softmax) {
    for (Value v : l)
      out.push_back(sigmoid(b, v));
    return out;
  }
  Value mx = cF32(b, -inf);
  for (size_t i = 0; i < l.size(); ++i)
    mx = arith::MaximumFOp::create(
        b, mx, x.valid[i] ? select(b, x.valid[i], l[i], cF32(b, -inf)) : l[i]);
  mx = warpAllReduce(b, mx, [](Builder &b, Value x, Value y) {
    return arith::MaximumFOp::create(b, x, y).getResult();
  });
  SmallVector<Value> ex;
  for (Value v : l)
    ex.push_back(gpukernels::expF32(b, fsub(b, v, mx)));
  Value sum = expertOrderSum(b, ex, s.experts);
  for (Value v : ex)
    out.push_back(fdiv(b, v, sum));
  return out;
}

/// A candidate of a top_k pass: selection key, expert (i32, -1 for none) and
/// unbiased score.
struct Pick {
  Value key, id, score;
};

/// This lane's best expert strictly after `prev` in the order (key
/// descending, expert ascending), by the thread-per-token kernel's scan.
Pick laneBest(Builder &b, const LaneExperts &x, ArrayRef<Value> keys,
              ArrayRef<Value> scores, const Pick &prev) {
  const float inf = std::numeric_limits<float>::infinity();
  Pick best{cF32(b, -inf), cI32(b, -1), cF32(b, 0.0f)};
  for (size_t i = 0; i < keys.size(); ++i) {
    Value take = andi(b, after(b, keys[i], x.id[i], prev.key, prev.id),
                      beats(b, keys[i], best.key, best.id));
    if (x.valid[i])
      take = andi(b, x.valid[i], take);
    best = {select(b, take, keys[i], best.key), select(b, take, x.id[i], best.id),
            select(b, take, scores[i], best.score)};
  }
  return best;
}

/// The warp's best of the lanes' candidates: a butterfly of 5 xor shuffles,
/// each lane keeping the better of its pair under the same total order (none
/// loses to any expert). Each expert belongs to one lane, so the pairs never
/// tie and every lane ends with the same pick.
Pick warpBest(Builder &b, Pick mine) {
  using P = arith::CmpIPredicate;
  for (int32_t d = kWarpSize / 2; d >= 1; d /= 2) {
    Pick other{warpShuffle(b, mine.key, d, gpu::ShuffleMode::XOR),
               warpShuffle(b, mine.id, d, gpu::ShuffleMode::XOR),
               warpShuffle(b, mine.score, d, gpu::ShuffleMode::XOR)};
    Value better =
        andi(b, cmpi(b, P::sge, other.id, cI32(b, 0)),
             ori(b, cmpi(b, P::slt, mine.id, cI32(b, 0)),
                 after(b, mine.key, mine.id, other.key, other.id)));
    mine = {select(b, better, other.key, mine.key),
            select(b, better, other.id, mine.id),
            select(b, better, other.score, mine.score)};
  }
  return mine;
}

/// Pick j of register r of lane l: j = l + 32 r.
Value laneSlot(Builder &b, Value lane, int64_t r) {
  return r == 0 ? lane : add(b, lane, cIdx(b, r * kWarpSize));
}

/// One warp per token (4 per block): lane l holds the experts l + 32 i in
/// registers. Same decisions and bits as buildRouteKernel for n_group = 1:
/// the same scores, the softmax sum in expert order, the same total order;
/// pass j's pick is the warp's best strictly after pass j-1's. Pick j is
/// kept by lane j % 32 (register j / 32), which stores it at the end.
void buildRouteWarpKernel(Builder &b, gpu::GPUFuncOp fn, const RouteSpec &s) {
  using P = arith::CmpIPredicate;
  const float inf = std::numeric_limits<float>::infinity();
  RouteArgs args = routeArgs(fn, s);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = remu(b, tid, kWarpSize);
  Value tok = add(b, mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                         cIdx(b, kRouteWarps)),
                  divu(b, tid, kWarpSize));
  Value numTok = dim(b, args.logits, 0);
  routeChecks(b, args, numTok, s);
  // The token is the same for the whole warp: the shuffles see 32 lanes.
  ifThen(b, ult(b, tok, numTok), [&](Builder &b) {
    LaneExperts x = laneExperts(b, lane, s.experts);
    SmallVector<Value> scores = laneScores(b, args.logits, tok, x, s);
    SmallVector<Value> keys;
    for (size_t i = 0; i < scores.size(); ++i) {
      Value q = scores[i];
      if (args.bias)
        q = fadd(b, q, toF32(b, load(b, args.bias, {x.at[i]})));
      keys.push_back(selectionKey(b, q));
    }
    // Loop state: the previous pick, the sum of the picks' scores (in pick
    // order), then this lane's picks (expert, score) per register.
    int64_t slots = (s.topK + kWarpSize - 1) / kWarpSize;
    SmallVector<Value> init = {cF32(b, inf), cI32(b, -1), cF32(b, 0.0f)};
    for (int64_t r = 0; r < slots; ++r)
      init.append({cI32(b, -1), cF32(b, 0.0f)});
    SmallVector<Value> state = forReduce(
        b, cIdx(b, 0), cIdx(b, s.topK), init,
        [&](Builder &b, Value j, ValueRange st) -> SmallVector<Value> {
          Pick p = warpBest(b, laneBest(b, x, keys, scores,
                                        Pick{st[0], st[1], Value()}));
          SmallVector<Value> next = {p.key, p.id, fadd(b, st[2], p.score)};
          for (int64_t r = 0; r < slots; ++r) {
            Value mine = cmpi(b, P::eq, j, laneSlot(b, lane, r));
            next.push_back(select(b, mine, p.id, st[3 + 2 * r]));
            next.push_back(select(b, mine, p.score, st[4 + 2 * r]));
          }
          return next;
        });
    Value total = state[2];
    for (int64_t r = 0; r < slots; ++r) {
      Value j = laneSlot(b, lane, r);
      ifThen(b, ult(b, j, cIdx(b, s.topK)), [&](Builder &b) {
        store(b, state[3 + 2 * r], args.indices, {tok, j});
        Value w = state[4 + 2 * r];
        if (s.renormalize)
          w = fdiv(b, w, total);
        if (s.scaling != 1.0f)
          w = fmul(b, w, cF32(b, s.scaling));
        store(b, fromF32(b, w, s.weightsElt), args.weights, {tok, j});
      });
    }
  });
}

//===----------------------------------------------------------------------===//
// dispatch
//===----------------------------------------------------------------------===//

struct DispatchSpec {
  int64_t experts, tile, k; // k may be dynamic
  Type countsElt;           // the element type of the counts result, or null
  int64_t threads() const {
    return std::min<int64_t>(1024, (experts + 31) / 32 * 32);
  }
  std::string name(StringRef stage) const {
    return "dispatch_e" + std::to_string(experts) + "_t" +
           std::to_string(tile) + "_k" + sizeName(k) + "_" + stage.str();
  }
};

/// Loads chunk `bid` of the flat ids (ids[f / k][f % k]) into `smem`; returns
/// the chunk's first flat id and its length. With `check`, an expert id
/// outside [0, E) traps.
std::pair<Value, Value> stageChunk(Builder &b, const DispatchSpec &s, Value ids,
                                   Value smem, Value tid, Value bid,
                                   bool check) {
  using P = arith::CmpIPredicate;
  Value k = dim(b, ids, 1);
  Value flat = mul(b, dim(b, ids, 0), k);
  Value base = mul(b, bid, cIdx(b, kDispatchChunk));
  Value len = arith::MinUIOp::create(b, cIdx(b, kDispatchChunk),
                                     arith::SubIOp::create(b, flat, base));
  forLoop(b, tid, len, cIdx(b, s.threads()), [&](Builder &b, Value j) {
    Value f = add(b, base, j);
    Value id = load(b, ids, {divu(b, f, k), remu(b, f, k)});
    if (check)
      trapIf(b, ori(b, cmpi(b, P::slt, id, cI32(b, 0)),
                    cmpi(b, P::sge, id, cI32(b, s.experts))));
    store(b, id, smem, {j});
  });
  gpu::BarrierOp::create(b);
  return {base, len};
}

/// Kernel 1 (grid: one block per chunk of 256 flat ids): hist[c][e] = the
/// number of ids of expert e in chunk c.
void buildDispatchCount(Builder &b, gpu::GPUFuncOp fn, const DispatchSpec &s,
                        Value smem) {
  Value ids = fn.getArgument(0), hist = fn.getArgument(1);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value len = stageChunk(b, s, ids, smem, tid, bid, /*check=*/true).second;
  Value experts = cIdx(b, s.experts);
  forLoop(b, tid, experts, cIdx(b, s.threads()), [&](Builder &b, Value e) {
    Value e32 = toI32(b, e);
    Value count = forReduce(
        b, cIdx(b, 0), len, {cIdx(b, 0)},
        [&](Builder &b, Value j, ValueRange acc) {
          Value hit =
              cmpi(b, arith::CmpIPredicate::eq, load(b, smem, {j}), e32);
          return SmallVector<Value>{
              add(b, acc[0],
                  arith::IndexCastUIOp::create(b, b.getIndexType(), hit))};
        })[0];
    store(b, toI32(b, count), hist, {add(b, mul(b, bid, experts), e)});
  });
}

/// Kernel 2 (one block): per expert, the exclusive prefix of hist over the
/// chunks (in place) and the total count (row `chunks`, and argument 4 when
/// the dispatch has a counts result); offsets by a serial prefix of the
/// padded counts (thread 0); sentinels in each segment's padding and in the
/// tail [offsets[E], L).
void buildDispatchScan(Builder &b, gpu::GPUFuncOp fn, const DispatchSpec &s) {
  using P = arith::CmpIPredicate;
  Value ids = fn.getArgument(0), hist = fn.getArgument(1),
        offsets = fn.getArgument(2), list = fn.getArgument(3);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value zero = cIdx(b, 0), step = cIdx(b, s.threads());
  Value experts = cIdx(b, s.experts), tile = cIdx(b, s.tile);
  Value flat = mul(b, dim(b, ids, 0), dim(b, ids, 1));
  Value chunks = ceilDiv(b, flat, kDispatchChunk);
  Value listLen = dim(b, list, 0);
  Value sentinel = toI32(b, flat);
  forLoop(b, tid, experts, step, [&](Builder &b, Value e) {
    Value count = forReduce(b, zero, chunks, {zero},
                            [&](Builder &b, Value c, ValueRange acc) {
                              Value at = add(b, mul(b, c, experts), e);
                              Value h = toIndex(b, load(b, hist, {at}));
                              store(b, toI32(b, acc[0]), hist, {at});
                              return SmallVector<Value>{add(b, acc[0], h)};
                            })[0];
    store(b, toI32(b, count), hist, {add(b, mul(b, chunks, experts), e)});
    if (s.countsElt)
      store(b, arith::IndexCastOp::create(b, s.countsElt, count),
            fn.getArgument(4), {e});
    Value padded = mul(b, ceilDiv(b, count, s.tile), tile);
    store(b, toI32(b, padded), offsets, {add(b, e, cIdx(b, 1))});
  });
  gpu::BarrierOp::create(b);
  ifThen(b, cmpi(b, P::eq, tid, zero), [&](Builder &b) {
    // The offsets are i32: a list longer than 2^31-1 cannot be described.
    trapIf(b, cmpi(b, P::ugt, listLen,
                   cIdx(b, std::numeric_limits<int32_t>::max())));
    // A static list type with a dynamic T or k: the list must have exactly
    // T*k + E*(tile-1) entries, else the scatter would write past it. The
    // trap becomes the runtime's sticky error; the scatter does not run.
    trapIf(b, cmpi(b, P::ne, listLen,
                   add(b, flat, cIdx(b, s.experts * (s.tile - 1)))));
    store(b, cI32(b, 0), offsets, {zero});
    forReduce(
        b, zero, experts, {zero}, [&](Builder &b, Value e, ValueRange acc) {
          Value next = add(
              b, acc[0], toIndex(b, load(b, offsets, {add(b, e, cIdx(b, 1))})));
          store(b, toI32(b, next), offsets, {add(b, e, cIdx(b, 1))});
          return SmallVector<Value>{next};
        });
  });
  gpu::BarrierOp::create(b);
  forLoop(b, tid, experts, step, [&](Builder &b, Value e) {
    Value start = toIndex(b, load(b, offsets, {e}));
    Value end = toIndex(b, load(b, offsets, {add(b, e, cIdx(b, 1))}));
    Value count =
        toIndex(b, load(b, hist, {add(b, mul(b, chunks, experts), e)}));
    forLoop(b, add(b, start, count), end,
            [&](Builder &b, Value i) { store(b, sentinel, list, {i}); });
  });
  Value used = toIndex(b, load(b, offsets, {experts}));
  forLoop(b, add(b, used, tid), listLen, step,
          [&](Builder &b, Value i) { store(b, sentinel, list, {i}); });
}

/// Kernel 3 (one block per chunk): each expert's thread writes the chunk's
/// ids of that expert, ascending, from offsets[e] + hist[c][e] on.
void buildDispatchScatter(Builder &b, gpu::GPUFuncOp fn, const DispatchSpec &s,
                          Value smem) {
  Value ids = fn.getArgument(0), hist = fn.getArgument(1),
        offsets = fn.getArgument(2), list = fn.getArgument(3);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  auto [base, len] = stageChunk(b, s, ids, smem, tid, bid, /*check=*/false);
  Value experts = cIdx(b, s.experts);
  forLoop(b, tid, experts, cIdx(b, s.threads()), [&](Builder &b, Value e) {
    Value e32 = toI32(b, e);
    Value start =
        add(b, toIndex(b, load(b, offsets, {e})),
            toIndex(b, load(b, hist, {add(b, mul(b, bid, experts), e)})));
    forReduce(
        b, cIdx(b, 0), len, {start},
        [&](Builder &b, Value j, ValueRange pos) -> SmallVector<Value> {
          Value hit =
              cmpi(b, arith::CmpIPredicate::eq, load(b, smem, {j}), e32);
          ifThen(b, hit, [&](Builder &b) {
            store(b, toI32(b, add(b, base, j)), list, {pos[0]});
          });
          return {add(b, pos[0],
                      arith::IndexCastUIOp::create(b, b.getIndexType(), hit))};
        });
  });
}

//===----------------------------------------------------------------------===//
// combine
//===----------------------------------------------------------------------===//

/// inv[i] = -1 for every flat id.
void buildInvInit(Builder &b, gpu::GPUFuncOp fn) {
  Value inv = fn.getArgument(0);
  Ids t = threadIds(b, kElemThreads);
  ifThen(b, cmpi(b, arith::CmpIPredicate::ult, t.gid, dim(b, inv, 0)),
         [&](Builder &b) { store(b, cI32(b, -1), inv, {t.gid}); });
}

/// For each list entry i with a valid id (in [0, flat)): inv[id] = i by an
/// atomic exchange; a second entry for the same id (old value != -1) makes
/// it -2 (duplicate). Every entry after the first exchanges and then writes
/// -2, so whatever the interleaving the final value of a duplicated id is -2.
void buildInvScatter(Builder &b, gpu::GPUFuncOp fn) {
  using P = arith::CmpIPredicate;
  Value list = fn.getArgument(0), inv = fn.getArgument(1),
        weights = fn.getArgument(2);
  Ids t = threadIds(b, kElemThreads);
  ifThen(b, cmpi(b, P::ult, t.gid, dim(b, list, 0)), [&](Builder &b) {
    Value id = toIndex(b, load(b, list, {t.gid}));
    Value flat = mul(b, dim(b, weights, 0), dim(b, weights, 1));
    Value valid =
        andi(b, cmpi(b, P::sge, id, cIdx(b, 0)), cmpi(b, P::slt, id, flat));
    ifThen(b, valid, [&](Builder &b) {
      Value old =
          memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::assign,
                                      toI32(b, t.gid), inv, ValueRange{id});
      ifThen(b, cmpi(b, P::ne, old, cI32(b, -1)), [&](Builder &b) {
        memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::assign,
                                    cI32(b, -2), inv, ValueRange{id});
      });
    });
  });
}

/// out[t][c] = sum over slots j = 0..k-1 present in the list (inv >= 0) of
/// (weighted ? weights[t][j] : 1) * rows[inv[t*k+j]][c], in slot order; NaN
/// when a slot of the token was duplicated (inv = -2). One thread per (t, c).
void buildCombineGather(Builder &b, gpu::GPUFuncOp fn, bool weighted,
                        Type outElt) {
  using P = arith::CmpIPredicate;
  Value rows = fn.getArgument(0), weights = fn.getArgument(1),
        inv = fn.getArgument(2), out = fn.getArgument(3);
  Ids t = threadIds(b, kElemThreads);
  Value numTok = dim(b, out, 0), h = dim(b, out, 1), k = dim(b, weights, 1);
  // (C3) the result is tokens x row width: where a static result type meets
  // dynamic operands the sizes can differ at run time; trap (the runtime's
  // sticky error) rather than read past weights, inv or rows.
  trapIf(b, ori(b, cmpi(b, P::ne, numTok, dim(b, weights, 0)),
                cmpi(b, P::ne, h, dim(b, rows, 1))));
  Value numRows = dim(b, rows, 0);
  ifThen(b, cmpi(b, P::ult, t.gid, mul(b, numTok, h)), [&](Builder &b) {
    Value tok = divu(b, t.gid, h), c = remu(b, t.gid, h);
    Value zero = cIdx(b, 0);
    Value slot0 = mul(b, tok, k);
    SmallVector<Value> r = forReduce(
        b, zero, k, {cF32(b, 0.0f), cBool(b, false)},
        [&](Builder &b, Value j, ValueRange acc) -> SmallVector<Value> {
          Value src = toIndex(b, load(b, inv, {add(b, slot0, j)}));
          Value dup = cmpi(b, P::eq, src, cIdx(b, -2));
          Value present = cmpi(b, P::sge, src, zero);
          auto ifOp = scf::IfOp::create(b, TypeRange{b.getF32Type()}, present,
                                        /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPointToStart(ifOp.thenBlock());
            // (C1) a row per list entry: an entry past the rows traps.
            trapIf(b, cmpi(b, P::uge, src, numRows));
            Value v = toF32(b, load(b, rows, {src, c}));
            if (weighted)
              v = fmul(b, toF32(b, load(b, weights, {tok, j})), v);
            scf::YieldOp::create(b, fadd(b, acc[0], v));
            b.setInsertionPointToStart(ifOp.elseBlock());
            scf::YieldOp::create(b, acc[0]);
          }
          return {ifOp.getResult(0), ori(b, acc[1], dup)};
        });
    Value v =
        select(b, r[1], cF32(b, std::numeric_limits<float>::quiet_NaN()), r[0]);
    store(b, fromF32(b, v, outElt), out, {tok, c});
  });
}

} // namespace

//===----------------------------------------------------------------------===//
// The lowerings
//===----------------------------------------------------------------------===//

LogicalResult gpukernels::lowerRoute(RouteOp op, gpu::GPUModuleOp gpuModule) {
  if (failed(checkFloat(op, "logits", op.getLogits().getType())) ||
      (op.getBias() &&
       failed(checkFloat(op, "bias", op.getBias().getType()))) ||
      failed(checkFloat(op, "weights", op.getWeightsType())))
    return failure();
  RouteSpec s;
  s.experts = op.getLogits().getType().getDimSize(1);
  s.topK = op.getTopK();
  s.nGroup = op.getNGroup();
  s.topkGroup = op.getTopkGroup();
  s.softmax = op.getScoring() == Scoring::softmax;
  s.renormalize = op.getRenormalize();
  s.hasBias = op.getBias() != nullptr;
  s.scaling = op.getScalingFactor().convertToFloat();
  s.logitsElt = op.getLogits().getType().getElementType();
  s.biasElt = s.hasBias ? op.getBias().getType().getElementType() : Type();
  s.weightsElt = op.getWeightsType().getElementType();

  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value logits = gpukernels::inputBuffer(b, op.getLogits());
  Value numTok = dim(b, logits, 0);
  Value weightsInit = op.getInits()[0], indicesInit = op.getInits()[1];
  Value weights = gpukernels::outputBuffer(b, b.getLoc(), weightsInit);
  Value indices = gpukernels::outputBuffer(b, b.getLoc(), indicesInit);
  int64_t dyn = ShapedType::kDynamic;
  SmallVector<Value> args = {castTo(b, logits, {dyn, s.experts})};
  if (s.hasBias)
    // Dynamic in the kernel signature: a bias of dynamic size is checked
    // against E on the device (a static one is E by the verifier, C4).
    args.push_back(castTo(b, gpukernels::inputBuffer(b, op.getBias()), {dyn}));
  args.push_back(castTo(b, weights, {dyn, s.topK}));
  args.push_back(castTo(b, indices, {dyn, s.topK}));
  bool warp = s.warpPerToken();
  gpu::GPUFuncOp fn =
      kernel(gpuModule, op.getLoc(), s.name(), args, kRouteThreads,
             [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) {
               if (warp)
                 buildRouteWarpKernel(kb, f, s);
               else
                 buildRouteKernel(kb, f, s);
             });
  launch(b, fn, ceilDiv(b, numTok, warp ? kRouteWarps : kRouteThreads),
         kRouteThreads, args);
  gpukernels::finishOutput(b, b.getLoc(), weights, weightsInit);
  gpukernels::finishOutput(b, b.getLoc(), indices, indicesInit);
  op.erase();
  return success();
}

LogicalResult gpukernels::lowerDispatch(DispatchOp op,
                                        gpu::GPUModuleOp gpuModule) {
  DispatchSpec s;
  s.experts = op.getNumExperts();
  s.tile = op.getTile();
  s.k = op.getIndices().getType().getDimSize(1);
  if (op.hasCounts())
    s.countsElt = op.getCountsType().getElementType();
  int64_t dyn = ShapedType::kDynamic;

  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value ids = gpukernels::inputBuffer(b, op.getIndices());
  Value flat = mul(b, dim(b, ids, 0), dim(b, ids, 1));
  ValueRange inits = op.getInits();
  // The scan kernel checks the list's length (T*k + E*(tile-1)).
  Value list = gpukernels::outputBuffer(b, b.getLoc(), inits[0]);
  // The offsets have E + 1 entries (the verifier checks a static size; a
  // dynamic one is cast to it).
  Value offsets = gpukernels::outputBuffer(b, b.getLoc(), inits[1]);
  // Per (chunk, expert) counts, then their exclusive prefixes; the last row
  // holds each expert's total (so the buffer is never empty).
  Value chunks = ceilDiv(b, flat, kDispatchChunk);
  Value hist = memref::AllocOp::create(
      b, MemRefType::get({dyn}, b.getI32Type()),
      ValueRange{mul(b, add(b, chunks, cIdx(b, 1)), cIdx(b, s.experts))});

  SmallVector<Value> countArgs = {castTo(b, ids, {dyn, s.k}), hist};
  SmallVector<Value> args = {countArgs[0], hist,
                             castTo(b, offsets, {s.experts + 1}),
                             castTo(b, list, {dyn})};
  // The counts are the scan's per-expert totals: one more argument of that
  // kernel (whose name then says so), nothing else changes.
  SmallVector<Value> scanArgs = args;
  Value counts;
  std::string scanName = "scan";
  if (s.countsElt) {
    counts = gpukernels::outputBuffer(b, b.getLoc(), inits[2]);
    scanArgs.push_back(castTo(b, counts, {s.experts}));
    scanName += "_counts_" + typeName(s.countsElt);
  }
  auto wg =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto chunkType =
      MemRefType::get({kDispatchChunk}, b.getI32Type(), nullptr, wg);
  Location loc = op.getLoc();
  gpu::GPUFuncOp count = kernel(
      gpuModule, loc, s.name("count"), countArgs, s.threads(),
      [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) {
        buildDispatchCount(kb, f, s, f.addWorkgroupAttribution(chunkType, loc));
      });
  gpu::GPUFuncOp scan =
      kernel(gpuModule, loc, s.name(scanName), scanArgs, s.threads(),
             [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) {
               buildDispatchScan(kb, f, s);
             });
  gpu::GPUFuncOp scatter =
      kernel(gpuModule, loc, s.name("scatter"), args, s.threads(),
             [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) {
               buildDispatchScatter(kb, f, s,
                                    f.addWorkgroupAttribution(chunkType, loc));
             });
  launch(b, count, chunks, s.threads(), countArgs);
  launch(b, scan, cIdx(b, 1), s.threads(), scanArgs);
  launch(b, scatter, chunks, s.threads(), args);
  memref::DeallocOp::create(b, hist);
  gpukernels::finishOutput(b, loc, list, inits[0]);
  gpukernels::finishOutput(b, loc, offsets, inits[1]);
  if (counts)
    gpukernels::finishOutput(b, loc, counts, inits[2]);
  op.erase();
  return success();
}

LogicalResult gpukernels::lowerCombine(CombineOp op,
                                       gpu::GPUModuleOp gpuModule) {
  if (failed(checkFloat(op, "rows", op.getRows().getType())) ||
      failed(checkFloat(op, "weights", op.getWeights().getType())) ||
      failed(checkFloat(op, "result", op.getResultType())))
    return failure();
  int64_t dyn = ShapedType::kDynamic;
  int64_t hs = op.getRows().getType().getDimSize(1);
  int64_t ks = op.getWeights().getType().getDimSize(1);
  Type rowsElt = op.getRows().getType().getElementType();
  Type wElt = op.getWeights().getType().getElementType();
  Type outElt = op.getResultType().getElementType();
  bool weighted = op.getWeighted();

  ImplicitLocOpBuilder b(op.getLoc(), op);
  Location loc = op.getLoc();
  Value rows = gpukernels::inputBuffer(b, op.getRows());
  Value list = gpukernels::inputBuffer(b, op.getList());
  Value weights = gpukernels::inputBuffer(b, op.getWeights());
  Value numTok = dim(b, weights, 0), h = dim(b, rows, 1);
  Value flat = mul(b, numTok, dim(b, weights, 1));
  // The gather kernel checks the result's sizes (tokens x row width).
  Value out = gpukernels::outputBuffer(b, loc, op.getInit());
  // The inverse of the list: flat id -> list entry, -1 absent, -2 duplicated.
  // At least one element (a zero-byte device allocation may fail).
  Value inv = memref::AllocOp::create(
      b, MemRefType::get({dyn}, b.getI32Type()),
      ValueRange{arith::MaxUIOp::create(b, flat, cIdx(b, 1))});

  Value listArg = castTo(b, list, {dyn});
  Value wArg = castTo(b, weights, {dyn, ks});
  Value rowsArg = castTo(b, rows, {dyn, hs});
  Value outArg = castTo(b, out, {dyn, hs});
  SmallVector<Value> initArgs = {inv};
  SmallVector<Value> scatterArgs = {listArg, inv, wArg};
  SmallVector<Value> gatherArgs = {rowsArg, wArg, inv, outArg};

  gpu::GPUFuncOp init = kernel(
      gpuModule, loc, "combine_inv_init", initArgs, kElemThreads,
      [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) { buildInvInit(kb, f); });
  std::string wName = "_k" + sizeName(ks) + "_w" + typeName(wElt);
  gpu::GPUFuncOp scatter =
      kernel(gpuModule, loc, "combine_inv_scatter" + wName, scatterArgs,
             kElemThreads, [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) {
               buildInvScatter(kb, f);
             });
  std::string gName = "combine_gather_h" + sizeName(hs) + wName + "_r" +
                      typeName(rowsElt) + "_o" + typeName(outElt) +
                      (weighted ? "_weighted" : "");
  gpu::GPUFuncOp gather =
      kernel(gpuModule, loc, gName, gatherArgs, kElemThreads,
             [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp f) {
               buildCombineGather(kb, f, weighted, outElt);
             });
  launch(b, init, ceilDiv(b, flat, kElemThreads), kElemThreads, initArgs);
  launch(b, scatter, ceilDiv(b, dim(b, list, 0), kElemThreads), kElemThreads,
         scatterArgs);
  launch(b, gather, ceilDiv(b, mul(b, numTok, h), kElemThreads), kElemThreads,
         gatherArgs);
  memref::DeallocOp::create(b, inv);
  gpukernels::finishOutput(b, loc, out, op.getInit());
  op.erase();
  return success();
}
