// samoyeds-lower-to-loops: the memref forms of samoyeds ops -> scf loops (the
// CPU reference).
//
// Runs after one-shot bufferization (samoyeds-cpu-pipeline: front passes,
// samoyeds-lower-pack-unpack, one-shot-bufferize, this pass, buffer
// deallocation, LLVM). route, dispatch, ssmm and combine then have their
// memref forms: every operand is a buffer of any layout, and the loops write
// the results in place into the `outs` buffers that bufferization chose (a
// function's result buffer, or a copy where the analysis needs one). Scratch
// buffers are plain `memref.alloc`s; the buffer deallocation pipeline frees
// them. Where a size the loops index with is dynamic on one side of a
// contract, a cf.assert compares the two before anything is read or written.
// All arithmetic is f32. The loops are the reference semantics of the ops
// (SamoyedsOps.td), in particular ssmm decodes the canonical storage of the
// format (Format.h) itself: they are written for clarity, not speed. The
// tensor forms, and pack / unpack (lowered on tensors, before bufferization,
// by samoyeds-lower-pack-unpack), are diagnostics here.
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "Assembles.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir {
namespace samoyeds {
#define GEN_PASS_DEF_SAMOYEDSLOWERTOLOOPS
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h.inc"
} // namespace samoyeds
} // namespace mlir

using namespace mlir;
using namespace mlir::samoyeds;

namespace {

using Builder = ImplicitLocOpBuilder;
using namespace mlir::samoyeds::build;

//===----------------------------------------------------------------------===//
// Small builders
//===----------------------------------------------------------------------===//

/// 1 / (1 + exp(-x)), f32.
Value sigmoid(Builder &b, Value x) {
  Value e = math::ExpOp::create(b, arith::NegFOp::create(b, x));
  return fdiv(b, cF32(b, 1.0f), fadd(b, cF32(b, 1.0f), e));
}

/// A scratch buffer of `shape` (static).
Value allocStatic(Builder &b, ArrayRef<int64_t> shape, Type elt) {
  return memref::AllocOp::create(b, MemRefType::get(shape, elt));
}

bool isStaticDim(Value mem, int64_t d) {
  return !cast<MemRefType>(mem.getType()).isDynamicDim(d);
}

/// Run-time size checks (cf.assert: the program stops with the message, as
/// for an out-of-range expert index). The verifiers compare static sizes;
/// where one side of a contract is dynamic, the loops of a lowering would
/// index one buffer with the size of another (an input with the size of the
/// list, an `outs` buffer with the size of an input), so the sizes are
/// compared before anything is read or written. Nothing is emitted when both
/// sizes are static (the verifier has checked them).
///
/// Checks dim(`mem`, `d`) against `want`; `wantStatic` says whether `want` is
/// a compile-time size. The message is "<op>: <what> differ at run time"
/// unless `msg` gives another.
void assertSize(Builder &b, Operation *op, Value mem, int64_t d, Value want,
                bool wantStatic, StringRef what, StringRef msg = {}) {
  if (wantStatic && isStaticDim(mem, d))
    return;
  std::string text = msg.str();
  if (text.empty()) {
    llvm::raw_string_ostream os(text);
    os << op->getName() << ": " << what << " differ at run time";
  }
  cf::AssertOp::create(b, cmpi(b, arith::CmpIPredicate::eq, dim(b, mem, d), want),
                       text);
}
/// Checks dim(`x`, `dx`) against dim(`y`, `dy`).
void assertSameSize(Builder &b, Operation *op, Value x, int64_t dx, Value y,
                    int64_t dy, StringRef what) {
  if (isStaticDim(x, dx) && isStaticDim(y, dy))
    return;
  assertSize(b, op, x, dx, dim(b, y, dy), isStaticDim(y, dy), what);
}

/// The memref form of each op: buffers only (bufferization made them).
bool isMemRefForm(Operation *op) {
  return cast<DestinationStyleOpInterface>(op).hasPureBufferSemantics();
}

//===----------------------------------------------------------------------===//
// route
//===----------------------------------------------------------------------===//

/// Index and value of the largest `vals[i]` over i in [lb, ub) with
/// `avail[i]` set; ties: the lower index. Index -1 when none is available.
std::pair<Value, Value> argmax(Builder &b, Value vals, Value avail, Value lb,
                               Value ub) {
  Value none = cIdx(b, -1);
  Value ninf = cF32(b, -std::numeric_limits<float>::infinity());
  SmallVector<Value> r = forReduce(
      b, lb, ub, {none, ninf},
      [&](Builder &nb, Value i, ValueRange acc) -> SmallVector<Value> {
        Value v = load(nb, vals, {i});
        Value first = cmpi(nb, arith::CmpIPredicate::slt, acc[0], cIdx(nb, 0));
        Value better =
            arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, v, acc[1]);
        Value take = andi(nb, load(nb, avail, {i}),
                          arith::OrIOp::create(nb, first, better));
        return {select(nb, take, i, acc[0]), select(nb, take, v, acc[1])};
      });
  return {r[0], r[1]};
}

LogicalResult lowerRoute(RouteOp op) {
  Builder b(op.getLoc(), op);
  Type f32 = b.getF32Type(), i1 = b.getI1Type();
  Value logits = op.getLogits(), bias = op.getBias();
  Value weights = op.getInits()[0], indices = op.getInits()[1];
  int64_t experts = op.getLogits().getType().getDimSize(1);
  int64_t k = op.getTopK(), nGroup = op.getNGroup(),
          topkGroup = op.getTopkGroup();
  int64_t groupSize = experts / nGroup;
  float scaling = op.getScalingFactor().convertToFloat();
  bool softmax = op.getScoring() == Scoring::softmax;

  Value t = dim(b, logits, 0);
  ShapedType wType = op.getWeightsType();
  // (C3) weights and indices have a row per token (top_k columns: static);
  // (C4) bias one entry per expert: where a side is dynamic, checked before
  // anything is written.
  const char *tokens = "the tokens of logits and weights/indices";
  assertSameSize(b, op, weights, 0, logits, 0, tokens);
  assertSameSize(b, op, indices, 0, logits, 0, tokens);
  if (bias)
    assertSize(b, op, bias, 0, cIdx(b, experts), /*wantStatic=*/true,
               "the entries of bias and the expert count");
  Value kv = cIdx(b, k);
  // Per-token scratch: scores, selection scores, availability, group scores,
  // group availability, the chosen scores.
  Value scores = allocStatic(b, {experts}, f32);
  Value sel = bias ? allocStatic(b, {experts}, f32) : scores;
  Value avail = allocStatic(b, {experts}, i1);
  Value groupScores = allocStatic(b, {nGroup}, f32);
  Value groupAvail = allocStatic(b, {nGroup}, i1);
  Value chosen = allocStatic(b, {k}, f32);
  Value numExperts = cIdx(b, experts);

  forLoop(b, 0, t, [&](Builder &b, Value tok) {
    Value zero = cIdx(b, 0);
    // 1. scores.
    if (softmax) {
      Value ninf = cF32(b, -std::numeric_limits<float>::infinity());
      Value mx = forReduce(b, zero, numExperts, {ninf},
                           [&](Builder &nb, Value e, ValueRange acc) {
                             Value l = toF32(nb, load(nb, logits, {tok, e}));
                             return SmallVector<Value>{
                                 arith::MaximumFOp::create(nb, acc[0], l)};
                           })[0];
      Value sum = forReduce(b, zero, numExperts, {cF32(b, 0.0f)},
                            [&](Builder &nb, Value e, ValueRange acc) {
                              Value l = toF32(nb, load(nb, logits, {tok, e}));
                              Value ex = math::ExpOp::create(
                                  nb, arith::SubFOp::create(nb, l, mx));
                              store(nb, ex, scores, {e});
                              return SmallVector<Value>{fadd(nb, acc[0], ex)};
                            })[0];
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, fdiv(nb, load(nb, scores, {e}), sum), scores, {e});
      });
    } else {
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, sigmoid(nb, toF32(nb, load(nb, logits, {tok, e}))), scores,
              {e});
      });
    }
    // 2. selection scores.
    if (bias)
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        Value q =
            fadd(nb, load(nb, scores, {e}), toF32(nb, load(nb, bias, {e})));
        store(nb, q, sel, {e});
      });
    // 3. eligible experts.
    if (nGroup > 1) {
      Value gs = cIdx(b, groupSize);
      Value ninf = cF32(b, -std::numeric_limits<float>::infinity());
      forLoop(b, 0, cIdx(b, nGroup), [&](Builder &nb, Value g) {
        Value lb = mul(nb, g, gs);
        // The two largest of the group (as a multiset).
        SmallVector<Value> top = forReduce(
            nb, lb, add(nb, lb, gs), {ninf, ninf},
            [&](Builder &ib, Value e, ValueRange acc) -> SmallVector<Value> {
              Value v = load(ib, sel, {e});
              Value gt1 = arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT,
                                                v, acc[0]);
              Value gt2 = arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT,
                                                v, acc[1]);
              Value m2 = select(ib, gt1, acc[0], select(ib, gt2, v, acc[1]));
              Value m1 = select(ib, gt1, v, acc[0]);
              return {m1, m2};
            });
        Value score = groupSize >= 2 ? fadd(nb, top[0], top[1]) : top[0];
        store(nb, score, groupScores, {g});
        store(nb, cBool(nb, true), groupAvail, {g});
      });
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, cBool(nb, false), avail, {e});
      });
      forLoop(b, 0, cIdx(b, topkGroup), [&](Builder &nb, Value) {
        Value best =
            argmax(nb, groupScores, groupAvail, cIdx(nb, 0), cIdx(nb, nGroup))
                .first;
        store(nb, cBool(nb, false), groupAvail, {best});
        Value lb = mul(nb, best, gs);
        forLoop(nb, lb, add(nb, lb, gs), [&](Builder &ib, Value e) {
          store(ib, cBool(ib, true), avail, {e});
        });
      });
    } else {
      forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
        store(nb, cBool(nb, true), avail, {e});
      });
    }
    // 4. top-k by repeated argmax, 5. unbiased weights.
    Value sum = forReduce(
        b, zero, kv, {cF32(b, 0.0f)},
        [&](Builder &nb, Value j, ValueRange acc) {
          Value best = argmax(nb, sel, avail, cIdx(nb, 0), numExperts).first;
          store(nb, cBool(nb, false), avail, {best});
          store(nb, arith::IndexCastOp::create(nb, nb.getI32Type(), best),
                indices, {tok, j});
          Value w = load(nb, scores, {best});
          store(nb, w, chosen, {j});
          return SmallVector<Value>{fadd(nb, acc[0], w)};
        })[0];
    forLoop(b, zero, kv, [&](Builder &nb, Value j) {
      Value w = load(nb, chosen, {j});
      if (op.getRenormalize())
        w = fdiv(nb, w, sum);
      if (scaling != 1.0f)
        w = fmul(nb, w, cF32(nb, scaling));
      store(nb, fromF32(nb, w, wType.getElementType()), weights, {tok, j});
    });
  });

  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// dispatch
//===----------------------------------------------------------------------===//

LogicalResult lowerDispatch(DispatchOp op) {
  Builder b(op.getLoc(), op);
  Value ids = op.getIndices();
  Value list = op.getInits()[0], offsets = op.getInits()[1];
  Value counts = op.hasCounts() ? op.getInits()[2] : Value();
  int64_t experts = op.getNumExperts(), tile = op.getTile();
  Value t = dim(b, ids, 0), k = dim(b, ids, 1);
  Value flat = mul(b, t, k);
  Value len = add(b, flat, cIdx(b, experts * (tile - 1)));
  Value numExperts = cIdx(b, experts), tileV = cIdx(b, tile);
  // (C2) the list has T*k + E*(tile-1) entries, (C3) offsets E + 1, (C4)
  // counts E: where a side is dynamic (T, k or a buffer), checked before
  // anything is written (else the loops below would write past a buffer).
  bool idsStatic = cast<MemRefType>(ids.getType()).hasStaticShape();
  std::string listMsg;
  if (isStaticDim(list, 0))
    listMsg = "samoyeds.dispatch: the list type has " +
              std::to_string(op.getListType().getDimSize(0)) +
              " entries but T*k + E*(tile-1) differs at run time";
  assertSize(b, op, list, 0, len, idsStatic,
             "the list length and T*k + E*(tile-1)", listMsg);
  assertSize(b, op, offsets, 0, cIdx(b, experts + 1), /*wantStatic=*/true,
             "the offsets and the expert count + 1");
  if (counts)
    assertSize(b, op, counts, 0, numExperts, /*wantStatic=*/true,
               "the counts and the expert count");
  // Tokens per expert, then the write cursor of each segment.
  Value cursor = allocStatic(b, {experts}, b.getIndexType());
  Value zero = cIdx(b, 0), one = cIdx(b, 1);
  forLoop(b, zero, numExperts,
          [&](Builder &nb, Value e) { store(nb, zero, cursor, {e}); });

  std::string msg = "samoyeds.dispatch: expert index out of range [0, " +
                    std::to_string(experts) + ")";
  auto expertOf = [&](Builder &nb, Value f) {
    Value e = toIndex(nb, load(nb, ids, {divu(nb, f, k), remu(nb, f, k)}));
    return e;
  };
  forLoop(b, zero, flat, [&](Builder &nb, Value f) {
    Value e = expertOf(nb, f);
    Value ok = andi(nb, cmpi(nb, arith::CmpIPredicate::sge, e, zero),
                    cmpi(nb, arith::CmpIPredicate::slt, e, numExperts));
    cf::AssertOp::create(nb, ok, msg);
    store(nb, add(nb, load(nb, cursor, {e}), one), cursor, {e});
  });
  // The unpadded counts, when asked for, before the cursor becomes the
  // write position.
  if (counts) {
    Type cElt = op.getCountsType().getElementType();
    forLoop(b, zero, numExperts, [&](Builder &nb, Value e) {
      store(nb,
            arith::IndexCastOp::create(nb, cElt,
                                       load(nb, cursor, {e})),
            counts, {e});
    });
  }
  // Segment starts: counts padded up to a multiple of the tile.
  Value end = forReduce(
      b, zero, numExperts, {zero}, [&](Builder &nb, Value e, ValueRange acc) {
        Value count = load(nb, cursor, {e});
        Value padded =
            mul(nb, divu(nb, add(nb, count, cIdx(nb, tile - 1)), tileV), tileV);
        store(nb, arith::IndexCastOp::create(nb, nb.getI32Type(), acc[0]),
              offsets, {e});
        store(nb, acc[0], cursor, {e});
        return SmallVector<Value>{add(nb, acc[0], padded)};
      })[0];
  store(b, arith::IndexCastOp::create(b, b.getI32Type(), end), offsets,
        {numExperts});
  // Sentinels everywhere, then the ids in ascending order.
  Value sentinel = arith::IndexCastOp::create(b, b.getI32Type(), flat);
  forLoop(b, zero, len,
          [&](Builder &nb, Value i) { store(nb, sentinel, list, {i}); });
  forLoop(b, zero, flat, [&](Builder &nb, Value f) {
    Value e = expertOf(nb, f);
    Value pos = load(nb, cursor, {e});
    store(nb, arith::IndexCastOp::create(nb, nb.getI32Type(), f), list, {pos});
    store(nb, add(nb, pos, one), cursor, {e});
  });

  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// ssmm
//===----------------------------------------------------------------------===//

LogicalResult lowerSsmm(SsmmOp op) {
  Builder b(op.getLoc(), op);
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  PackedType type = op.getPackedType();
  FormatAttr fmt = type.getFormat();
  int64_t rows = type.getRows(), cols = type.getCols(), n = fmt.getN(),
          m = fmt.getM(), v = fmt.getV();
  int64_t condRows = type.getCondensedRows(), slices = type.getNumSlices();
  bool silu = op.getEpilogue() == Epilogue::silu_mul;
  int64_t outCols = silu ? rows / 2 : rows;
  int64_t topK = op.getTopK();

  Value values = op.getStorage()[0], meta = op.getStorage()[1],
        rowIdx = op.getStorage()[2];
  Value input = op.getInput(), list = op.getList(), offsets = op.getOffsets(),
        scale = op.getScale(), out = op.getInit();

  Value zero = cIdx(b, 0);
  Value len = dim(b, list, 0);
  Type resElt = op.getResultType().getElementType();
  // (C3) without gather one input row per list entry; (C4) one result row
  // per list entry (R or R/2 columns: static); (C2) E + 1 offsets: checked
  // where a side is dynamic (the loops index input and result with the
  // list's length).
  if (!op.getGather())
    assertSameSize(b, op, input, 0, list, 0,
                   "the rows of input and the list length");
  assertSameSize(b, op, list, 0, out, 0,
                 "the list length and the result rows");
  if (offsets)
    assertSize(b, op, offsets, 0, cIdx(b, type.getNumExperts() + 1),
               /*wantStatic=*/true, "the offsets and the expert count + 1");
  Value acc = allocStatic(b, {rows}, f32);
  Value x = allocStatic(b, {cols}, f32);

  // Padding entries (and entries outside every segment) stay zero.
  Value zeroOut = fromF32(b, cF32(b, 0.0f), resElt);
  forEachElement(b, out, [&](Builder &nb, ValueRange ivs) {
    store(nb, zeroOut, out, ivs);
  });

  // Entries whose list value lies in [0, bound) are computed.
  Value bound;
  Value scaleCols = scale ? dim(b, scale, 1) : Value();
  Value scaleNumel = scale ? mul(b, dim(b, scale, 0), scaleCols) : Value();
  if (op.getGather())
    bound = mul(b, dim(b, input, 0), cIdx(b, topK));
  else if (scale)
    bound = scaleNumel;

  auto entries = [&](Builder &b, Value e, Value lb, Value ub) {
    forLoop(b, lb, ub, [&](Builder &b, Value i) {
      Value id = toIndex(b, load(b, list, {i}));
      auto compute = [&](Builder &b) {
        Value row = op.getGather() ? divu(b, id, cIdx(b, topK)) : i;
        forLoop(b, 0, cIdx(b, cols), [&](Builder &b, Value c) {
          store(b, toF32(b, load(b, input, {row, c})), x, {c});
        });
        forLoop(b, 0, cIdx(b, rows), [&](Builder &b, Value r) {
          store(b, cF32(b, 0.0f), acc, {r});
        });
        // acc[r] = sum over slices s where r is selected, over the kept
        // values of condensed row r' (r = (r'/n)*m + rowidx[s][r']).
        forLoop(b, 0, cIdx(b, slices), [&](Builder &b, Value s) {
          forLoop(b, 0, cIdx(b, condRows), [&](Builder &b, Value cr) {
            Value j = toIndexU(b, load(b, rowIdx, withExpert(e, {s, cr})));
            Value r = add(b, mul(b, divu(b, cr, cIdx(b, n)), cIdx(b, m)), j);
            Value g0 = mul(b, s, cIdx(b, v / 4));
            Value sum = forReduce(
                b, g0, add(b, g0, cIdx(b, v / 4)), {cF32(b, 0.0f)},
                [&](Builder &b, Value g, ValueRange a) -> SmallVector<Value> {
                  // Group g of 4 columns: nibble g % 4 of word g / 4;
                  // bits [1:0] the first kept position, [3:2] the second.
                  Value word = arith::ExtUIOp::create(
                      b, i32,
                      load(b, meta,
                           withExpert(e, {cr, divu(b, g, cIdx(b, 4))})));
                  Value shift = arith::IndexCastOp::create(
                      b, i32, mul(b, remu(b, g, cIdx(b, 4)), cIdx(b, 4)));
                  Value nib = arith::ShRUIOp::create(b, word, shift);
                  Value three = cI32(b, 3);
                  Value p0 = toIndexU(b, arith::AndIOp::create(b, nib, three));
                  Value p1 = toIndexU(
                      b, arith::AndIOp::create(
                             b, arith::ShRUIOp::create(b, nib, cI32(b, 2)),
                             three));
                  Value base = mul(b, g, cIdx(b, 4));
                  Value v0 = toF32(
                      b, load(b, values,
                              withExpert(e, {cr, mul(b, g, cIdx(b, 2))})));
                  Value v1 = toF32(
                      b, load(b, values,
                              withExpert(e, {cr, add(b, mul(b, g, cIdx(b, 2)),
                                                     cIdx(b, 1))})));
                  Value x0 = load(b, x, {add(b, base, p0)});
                  Value x1 = load(b, x, {add(b, base, p1)});
                  Value s0 = fadd(b, a[0], fmul(b, v0, x0));
                  return {fadd(b, s0, fmul(b, v1, x1))};
                })[0];
            store(b, fadd(b, load(b, acc, {r}), sum), acc, {r});
          });
        });
        // Epilogue, then the routing weight.
        Value sc;
        if (scale)
          sc = toF32(b, load(b, scale,
                             {divu(b, id, scaleCols), remu(b, id, scaleCols)}));
        forLoop(b, 0, cIdx(b, outCols), [&](Builder &b, Value c) {
          Value y = load(b, acc, {c});
          if (silu) {
            Value up = load(b, acc, {add(b, c, cIdx(b, outCols))});
            y = fmul(b, fmul(b, y, sigmoid(b, y)), up);
          }
          if (sc)
            y = fmul(b, y, sc);
          store(b, fromF32(b, y, resElt), out, {i, c});
        });
      };
      if (!bound) {
        compute(b);
        return;
      }
      Value valid = andi(b, cmpi(b, arith::CmpIPredicate::sge, id, cIdx(b, 0)),
                         cmpi(b, arith::CmpIPredicate::slt, id, bound));
      // Never read scale out of bounds, even with inconsistent operands.
      if (scale && op.getGather())
        valid =
            andi(b, valid, cmpi(b, arith::CmpIPredicate::slt, id, scaleNumel));
      ifThen(b, valid, compute);
    });
  };

  if (offsets) {
    forLoop(b, 0, cIdx(b, type.getNumExperts()), [&](Builder &b, Value e) {
      Value lb = toIndex(b, load(b, offsets, {e}));
      Value ub = toIndex(b, load(b, offsets, {add(b, e, cIdx(b, 1))}));
      // Clamp to the list: malformed offsets must not write out of bounds.
      lb = arith::MaxSIOp::create(b, lb, cIdx(b, 0));
      ub = arith::MinSIOp::create(b, ub, len);
      entries(b, e, lb, ub);
    });
  } else {
    entries(b, Value(), zero, len);
  }

  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// combine
//===----------------------------------------------------------------------===//

LogicalResult lowerCombine(CombineOp op) {
  Builder b(op.getLoc(), op);
  Type f32 = b.getF32Type();
  Value rows = op.getRows(), list = op.getList(), weights = op.getWeights(),
        out = op.getInit();
  Value k = dim(b, weights, 1);
  Value h = dim(b, rows, 1), len = dim(b, list, 0);
  Value flat = mul(b, dim(b, weights, 0), k);
  auto outType = cast<MemRefType>(out.getType());
  Type resElt = outType.getElementType();
  // (C1) a row per list entry, (C3) the result is tokens x row width: where
  // a side is dynamic, checked before the loops index with the other.
  assertSameSize(b, op, rows, 0, list, 0, "the rows and the list length");
  assertSameSize(b, op, weights, 0, out, 0,
                 "the tokens of weights and result");
  assertSameSize(b, op, rows, 1, out, 1, "the row widths of rows and result");
  // Accumulate in f32 (in place when the result is f32).
  Value acc = out;
  if (!resElt.isF32()) {
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < outType.getRank(); ++d)
      if (outType.isDynamicDim(d))
        dynSizes.push_back(dim(b, out, d));
    acc = memref::AllocOp::create(
        b, MemRefType::get(outType.getShape(), f32), dynSizes);
  }
  forEachElement(b, acc, [&](Builder &nb, ValueRange ivs) {
    store(nb, cF32(nb, 0.0f), acc, ivs);
  });
  Value zero = cIdx(b, 0);
  forLoop(b, zero, len, [&](Builder &b, Value i) {
    Value id = toIndex(b, load(b, list, {i}));
    Value valid = andi(b, cmpi(b, arith::CmpIPredicate::sge, id, zero),
                       cmpi(b, arith::CmpIPredicate::slt, id, flat));
    ifThen(b, valid, [&](Builder &b) {
      Value tok = divu(b, id, k);
      Value w;
      if (op.getWeighted())
        w = toF32(b, load(b, weights, {tok, remu(b, id, k)}));
      forLoop(b, 0, h, [&](Builder &b, Value c) {
        Value r = toF32(b, load(b, rows, {i, c}));
        if (w)
          r = fmul(b, w, r);
        store(b, fadd(b, load(b, acc, {tok, c}), r), acc, {tok, c});
      });
    });
  });
  if (acc != out)
    forEachElement(b, out, [&](Builder &nb, ValueRange ivs) {
      store(nb, fromF32(nb, load(nb, acc, ivs), resElt), out, ivs);
    });
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct SamoyedsLowerToLoopsPass
    : mlir::samoyeds::impl::SamoyedsLowerToLoopsBase<SamoyedsLowerToLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;
    SmallVector<Operation *> ops;
    // What this pass does not lower: each a diagnostic that names the step
    // that should have run before it.
    module.walk([&](Operation *op) {
      if (isa<MoeOp>(op)) {
        op->emitOpError() << "must be decomposed before samoyeds-lower-to-loops "
                             "(run samoyeds-decompose-moe first)";
        failed = true;
      } else if (isa<PackOp, UnpackOp>(op)) {
        op->emitOpError() << "must be lowered before bufferization (run "
                             "samoyeds-lower-pack-unpack first; "
                             "samoyeds-lower-to-loops runs after "
                             "one-shot-bufferize)";
        failed = true;
      } else if (isa<RouteOp, DispatchOp, SsmmOp, CombineOp>(op)) {
        if (isMemRefForm(op)) {
          ops.push_back(op);
          return;
        }
        op->emitOpError() << "samoyeds-lower-to-loops lowers the memref form; "
                             "run one-shot-bufferize first (the tensor form "
                             "has no buffers to write)";
        failed = true;
      }
    });
    if (failed)
      return signalPassFailure();

    for (Operation *op : ops) {
      LogicalResult r =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case([&](RouteOp o) { return lowerRoute(o); })
              .Case([&](DispatchOp o) { return lowerDispatch(o); })
              .Case([&](SsmmOp o) { return lowerSsmm(o); })
              .Case([&](CombineOp o) { return lowerCombine(o); });
      failed |= mlir::failed(r);
    }
    if (failed)
      return signalPassFailure();

    // Assembles without users (bufferization erases those of ssmm weights
    // with their last user) disappear.
    eraseUnusedAssembles(module);
  }
};

} // namespace
