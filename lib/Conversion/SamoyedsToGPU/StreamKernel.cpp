// StreamKernel: the body of the streaming ssmm kernel (the design is StreamKernel.h's comment).
#include "StreamKernel.h"
#include "Kernels.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

namespace {

using Builder = ImplicitLocOpBuilder;

struct StreamArgs {
  Value vals, meta, ridx, input, list, offsets, scale, out;
};

StreamArgs streamArgs(gpu::GPUFuncOp f, const KernelSpec &s) {
  Block &blk = f.front();
  unsigned i = 0;
  StreamArgs a;
  a.vals = blk.getArgument(i++);
  a.meta = blk.getArgument(i++);
  a.ridx = blk.getArgument(i++);
  a.input = blk.getArgument(i++);
  a.list = blk.getArgument(i++);
  if (s.weight.hasExpertDim())
    a.offsets = blk.getArgument(i++);
  if (s.hasScale)
    a.scale = blk.getArgument(i++);
  a.out = blk.getArgument(i++);
  return a;
}

// i32 arithmetic of the ballots, nibbles and selectors.
Value shl(Builder &b, Value x, Value y) { return arith::ShLIOp::create(b, x, y); }
Value shr(Builder &b, Value x, Value y) { return arith::ShRUIOp::create(b, x, y); }
Value i32Eq(Builder &b, Value x, Value y) {
  return cmpi(b, arith::CmpIPredicate::eq, x, y);
}
Value i32Ne(Builder &b, Value x, Value y) {
  return cmpi(b, arith::CmpIPredicate::ne, x, y);
}
Value ballot(Builder &b, Value pred) {
  return NVVM::VoteSyncOp::create(b, b.getI32Type(), cI32(b, -1), pred,
                                  NVVM::VoteSyncKind::ballot)
      .getRes();
}
Value popc(Builder &b, Value x) { return LLVM::CtPopOp::create(b, x.getType(), x); }
Value laneOf(Builder &b, Value v, Value srcLane) {
  return gpu::ShuffleOp::create(b, v, srcLane, cI32(b, 32), gpu::ShuffleMode::IDX)
      .getShuffleResult();
}
Value fma(Builder &b, Value x, Value y, Value z) { return LLVM::FMAOp::create(b, x, y, z); }

/// 16 bytes at `idx` of `mem` (16-byte aligned: rows of C / 2 or C elements
/// with C % 32 == 0, buffers 16-byte aligned, docs/pipeline.md "Arguments"),
/// as 4 words.
SmallVector<Value> load16(Builder &b, Value mem, ValueRange idx) {
  Type elt = cast<MemRefType>(mem.getType()).getElementType();
  Value v = vector::LoadOp::create(b, VectorType::get({8}, elt), mem, idx,
                                   /*nontemporal=*/false, llvm::MaybeAlign(16));
  Value w = vector::BitCastOp::create(b, VectorType::get({4}, b.getI32Type()), v);
  SmallVector<Value> r;
  for (int64_t i = 0; i < 4; ++i)
    r.push_back(vector::ExtractOp::create(b, w, ArrayRef<int64_t>{i}));
  return r;
}

/// The two 16-bit elements of a word as f32 (low half first).
std::pair<Value, Value> unpack(Builder &b, Value w, Type elt) {
  if (elt.isBF16()) {
    // bf16 is the high half of an f32: exact by shifting.
    Value lo = shl(b, w, cI32(b, 16));
    Value hi = arith::AndIOp::create(b, w, cI32(b, int32_t(0xffff0000u)));
    return {arith::BitcastOp::create(b, b.getF32Type(), lo),
            arith::BitcastOp::create(b, b.getF32Type(), hi)};
  }
  Value h = vector::BitCastOp::create(
      b, VectorType::get({2}, elt),
      vector::BroadcastOp::create(b, VectorType::get({1}, b.getI32Type()), w));
  Value f = arith::ExtFOp::create(b, VectorType::get({2}, b.getF32Type()), h);
  return {vector::ExtractOp::create(b, f, ArrayRef<int64_t>{0}),
          vector::ExtractOp::create(b, f, ArrayRef<int64_t>{1})};
}

/// The prmt selector that picks elements p0 and p1 (of 4 16-bit elements in
/// two words) from a metadata nibble p1 << 2 | p0: bytes 2 p0, 2 p0 + 1,
/// 2 p1, 2 p1 + 1, i.e. ((p0 | p1 << 8) * 2) * 0x11 + 0x1010.
Value selectorOf(Builder &b, Value nib) {
  Value p0 = arith::AndIOp::create(b, nib, cI32(b, 3));
  Value p1 = shl(b, arith::AndIOp::create(b, nib, cI32(b, 0xc)), cI32(b, 6));
  Value t = arith::OrIOp::create(b, p0, p1);
  return add(b, arith::MulIOp::create(b, t, cI32(b, 0x22)), cI32(b, 0x1010));
}

/// The y-th expert (y = block y) whose segment [offsets[e], offsets[e+1]) is
/// not empty, found by the warp: per window of 32 experts a ballot of the
/// non-empty ones; the lane whose count of non-empty lanes below it is the
/// rank still wanted holds the expert. Returns the expert (-1: none) as i32.
Value findExpert(Builder &b, Value offsets, int64_t experts, Value lane, Value laneI32) {
  Value want = toI32(b, gpu::BlockIdOp::create(b, gpu::Dimension::y));
  int64_t windows = (experts + 31) / 32;
  SmallVector<Value> r = forReduce(
      b, cIdx(b, 0), cIdx(b, windows * 32), cIdx(b, 32),
      ValueRange{want, cI32(b, -1)}, [&](Builder &b, Value e0, ValueRange acc) {
        Value want = acc[0], found = acc[1];
        Value e = add(b, e0, lane);
        Value inRange = ult(b, e, cIdx(b, experts));
        Value ec = arith::MinUIOp::create(b, e, cIdx(b, experts - 1));
        Value lo = load(b, offsets, ValueRange{ec});
        Value hi = load(b, offsets, ValueRange{add(b, ec, cIdx(b, 1))});
        Value active = andi(b, inRange, cmpi(b, arith::CmpIPredicate::sgt, hi, lo));
        Value mask = ballot(b, active);
        Value below = arith::SubIOp::create(b, shl(b, cI32(b, 1), laneI32), cI32(b, 1));
        Value rank = popc(b, arith::AndIOp::create(b, mask, below));
        Value hit = ballot(b, andi(b, active, i32Eq(b, rank, want)));
        Value cand = add(b, toI32(b, e0),
                         LLVM::CountTrailingZerosOp::create(b, b.getI32Type(), hit,
                                                           /*is_zero_poison=*/false));
        Value take = andi(b, cmpi(b, arith::CmpIPredicate::slt, found, cI32(b, 0)),
                          i32Ne(b, hit, cI32(b, 0)));
        return SmallVector<Value>{arith::SubIOp::create(b, want, popc(b, mask)),
                                  select(b, take, cand, found)};
      });
  return r[1];
}

/// scf.if `cond` yielding `then(b)` or `init` unchanged.
SmallVector<Value> ifUpdate(Builder &b, Value cond, ValueRange init,
                            function_ref<SmallVector<Value>(Builder &)> then) {
  auto op = scf::IfOp::create(b, init.getTypes(), cond, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&op.getThenRegion().front());
    scf::YieldOp::create(b, then(b));
    b.setInsertionPointToStart(&op.getElseRegion().front());
    scf::YieldOp::create(b, init);
  }
  return SmallVector<Value>(op.getResults());
}

/// What one chunk of list entries needs: per slot its token row, whether it
/// is routed, its entry (the output row) and its list value (the scale).
struct Slots {
  SmallVector<Value> tok, ok, entry, id;
};

class StreamBuilder {
public:
  StreamBuilder(const KernelSpec &s, const StreamArgs &a) : s(s), a(a) {
    auto f = s.weight.getFormat();
    n = f.getN();
    m = f.getM();
    v = f.getV();
    chunks = s.weight.getCols() / 16;
    halves = s.silu ? 2 : 1;
    units = streamUnits(s);
    tt = s.streamTokens;
    elt = s.inputElt;
  }

  void build(Builder &b) {
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = remu(b, tid, 32);
    laneI32 = toI32(b, lane);
    u = add(b, mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::x), cIdx(b, kStreamWarps)),
            divu(b, tid, 32));
    // Whole warps leave together: the ballots and shuffles see 32 lanes.
    ifThen(b, ult(b, u, cIdx(b, units)), [&](Builder &b) {
      if (!s.weight.hasExpertDim()) {
        segment(b, Value(), cIdx(b, 0), memref::DimOp::create(b, a.list, 0));
        return;
      }
      Value found = findExpert(b, a.offsets, s.weight.getNumExperts(), lane, laneI32);
      ifThen(b, cmpi(b, arith::CmpIPredicate::sge, found, cI32(b, 0)), [&](Builder &b) {
        Value e = arith::IndexCastUIOp::create(b, b.getIndexType(), found);
        Value start = toIndex(b, load(b, a.offsets, ValueRange{e}));
        Value end = toIndex(b, load(b, a.offsets, ValueRange{add(b, e, cIdx(b, 1))}));
        segment(b, e, start, end);
      });
    });
    gpu::ReturnOp::create(b);
  }

private:
  /// Entries [start, end) of expert e (null: no expert dimension), 32 at a
  /// time: each lane reads one, a ballot says which are routed.
  void segment(Builder &b, Value e, Value start, Value end) {
    forLoop(b, start, end, cIdx(b, 32), [&](Builder &b, Value w) {
      Value idx = add(b, w, lane);
      Value in = ult(b, idx, end);
      Value id = toIndex(b, load(b, a.list, ValueRange{select(b, in, idx, start)}));
      // Padding: list values outside [0, B) (SamoyedsOps.td), read as
      // unsigned so that negative ones are too.
      Value bound;
      if (s.gather)
        bound = mul(b, memref::DimOp::create(b, a.input, 0), cIdx(b, s.topK));
      else if (s.hasScale)
        bound = mul(b, memref::DimOp::create(b, a.scale, 0), cIdx(b, s.topK));
      Value routed = bound ? andi(b, in, ult(b, id, bound)) : in;
      Value tok = s.gather ? divu(b, id, s.topK) : idx;
      Value tokI32 = toI32(b, select(b, routed, tok, cIdx(b, 0)));
      Value idI32 = toI32(b, select(b, routed, id, cIdx(b, 0)));
      Value mask = ballot(b, routed);
      ifThen(b, i32Ne(b, mask, cI32(b, 0)), [&](Builder &b) {
        int64_t chunksPerWindow = (32 + tt - 1) / tt;
        forLoop(b, 0, cIdx(b, chunksPerWindow), [&](Builder &b, Value j) {
          Value first = arith::MulIOp::create(b, toI32(b, j), cI32(b, tt));
          Value bits = arith::AndIOp::create(b, shr(b, mask, first), cI32(b, (1 << tt) - 1));
          ifThen(b, i32Ne(b, bits, cI32(b, 0)), [&](Builder &b) {
            Slots sl;
            for (int64_t t = 0; t < tt; ++t) {
              Value slot = add(b, first, cI32(b, t));
              Value src = arith::MinUIOp::create(b, slot, cI32(b, 31));
              sl.ok.push_back(i32Ne(
                  b, arith::AndIOp::create(b, shr(b, bits, cI32(b, t)), cI32(b, 1)),
                  cI32(b, 0)));
              sl.tok.push_back(toIndex(b, laneOf(b, tokI32, src)));
              sl.id.push_back(toIndex(b, laneOf(b, idI32, src)));
              sl.entry.push_back(add(b, w, arith::IndexCastUIOp::create(
                                               b, b.getIndexType(), slot)));
            }
            chunk(b, e, sl);
          });
        });
      });
    });
  }

  /// Accumulator (half h, row j of the group, slot t).
  int64_t accIdx(int64_t h, int64_t j, int64_t t) const { return (h * m + j) * tt + t; }

  /// The unit's rows against the chunk's tokens, then the epilogue.
  void chunk(Builder &b, Value e, const Slots &sl) {
    // The unit's condensed rows: group u's N rows (and the up group's).
    SmallVector<Value> rows;
    for (int64_t h = 0; h < halves; ++h)
      for (int64_t jj = 0; jj < n; ++jj)
        rows.push_back(add(b, mul(b, add(b, u, cIdx(b, h * units)), cIdx(b, n)),
                           cIdx(b, jj)));
    int64_t step = 32 * unroll;
    int64_t trips = (chunks + step - 1) / step;
    SmallVector<Value> acc(halves * m * tt, cF32(b, 0.0f));
    acc = forReduce(b, cIdx(b, 0), cIdx(b, trips * step), cIdx(b, step), acc,
                    [&](Builder &b, Value c0, ValueRange accIn) {
                      return steps(b, e, rows, sl, c0, SmallVector<Value>(accIn));
                    });
    for (Value &x : acc)
      x = warpAllReduce(b, x, [](Builder &b, Value x, Value y) { return fadd(b, x, y); });
    Value lane0 = cmpi(b, arith::CmpIPredicate::eq, lane, cIdx(b, 0));
    Type outElt = cast<MemRefType>(a.out.getType()).getElementType();
    for (int64_t t = 0; t < tt; ++t)
      ifThen(b, andi(b, lane0, sl.ok[t]), [&](Builder &b) {
        Value sc;
        if (s.hasScale)
          sc = toF32(b, load(b, a.scale, ValueRange{divu(b, sl.id[t], s.topK),
                                                   remu(b, sl.id[t], s.topK)}));
        for (int64_t j = 0; j < m; ++j) {
          Value y = acc[accIdx(0, j, t)];
          if (s.silu) {
            // silu(gate) * up = gate / (1 + exp(-gate)) * up.
            Value den = fadd(b, cF32(b, 1.0f), expF32(b, arith::NegFOp::create(b, y)));
            y = fmul(b, fdiv(b, y, den), acc[accIdx(1, j, t)]);
          }
          if (sc)
            y = fmul(b, y, sc);
          Value row = add(b, mul(b, u, cIdx(b, m)), cIdx(b, j));
          store(b, fromF32(b, y, outElt), a.out, ValueRange{sl.entry[t], row});
        }
      });
  }

  /// `unroll` steps from chunk c0: every load first, then the FMAs.
  SmallVector<Value> steps(Builder &b, Value e, ArrayRef<Value> rows, const Slots &sl,
                           Value c0, SmallVector<Value> acc) {
    struct RowStep {
      SmallVector<Value> w;
      Value meta, sel;
    };
    SmallVector<Value> col;
    SmallVector<SmallVector<RowStep>> ld(unroll);
    for (int64_t k = 0; k < unroll; ++k) {
      Value c = add(b, c0, add(b, lane, cIdx(b, 32 * k)));
      Value in = ult(b, c, cIdx(b, chunks));
      Value cc = select(b, in, c, cIdx(b, 0));
      col.push_back(cc);
      Value slice = divu(b, mul(b, cc, cIdx(b, 16)), v);
      for (Value r : rows) {
        RowStep rs;
        rs.w = load16(b, a.vals, withExpert(e, {r, mul(b, cc, cIdx(b, 8))}));
        rs.meta = arith::ExtUIOp::create(b, b.getI32Type(),
                                         load(b, a.meta, withExpert(e, {r, cc})));
        Value j = arith::ExtUIOp::create(b, b.getI32Type(),
                                         load(b, a.ridx, withExpert(e, {slice, r})));
        // Past K: a row index that names no row adds nothing.
        rs.sel = select(b, in, j, cI32(b, m));
        ld[k].push_back(rs);
      }
    }
    for (int64_t k = 0; k < unroll; ++k) {
      // Per row: the 4 selectors and the 8 values as f32, shared by the slots.
      SmallVector<SmallVector<Value>> sels, vals;
      for (RowStep &rs : ld[k]) {
        SmallVector<Value> sq, vq;
        for (int64_t q = 0; q < 4; ++q) {
          Value nib = arith::AndIOp::create(b, shr(b, rs.meta, cI32(b, 4 * q)), cI32(b, 0xf));
          sq.push_back(selectorOf(b, nib));
          auto [lo, hi] = unpack(b, rs.w[q], elt);
          vq.push_back(lo);
          vq.push_back(hi);
        }
        sels.push_back(sq);
        vals.push_back(vq);
      }
      for (int64_t t = 0; t < tt; ++t) {
        SmallVector<Value> mine;
        for (int64_t h = 0; h < halves; ++h)
          for (int64_t j = 0; j < m; ++j)
            mine.push_back(acc[accIdx(h, j, t)]);
        // A slot without a routed token skips its loads and FMAs (uniform).
        SmallVector<Value> next = ifUpdate(b, sl.ok[t], mine, [&](Builder &b) {
          SmallVector<Value> x = load16(b, a.input, {sl.tok[t], mul(b, col[k], cIdx(b, 16))});
          SmallVector<Value> x1 = load16(
              b, a.input, {sl.tok[t], add(b, mul(b, col[k], cIdx(b, 16)), cIdx(b, 8))});
          x.append(x1.begin(), x1.end());
          SmallVector<Value> upd = mine;
          for (auto [ri, rs] : llvm::enumerate(ld[k])) {
            Value d = cF32(b, 0.0f);
            for (int64_t q = 0; q < 4; ++q) {
              Value xs = NVVM::PermuteOp::create(b, b.getI32Type(), x[2 * q], x[2 * q + 1],
                                                 sels[ri][q], NVVM::PermuteMode::DEFAULT);
              auto [xlo, xhi] = unpack(b, xs, elt);
              d = fma(b, vals[ri][2 * q], xlo, d);
              d = fma(b, vals[ri][2 * q + 1], xhi, d);
            }
            int64_t h = int64_t(ri) / n;
            for (int64_t j = 0; j < m; ++j) {
              Value& slotAcc = upd[h * m + j];
              slotAcc = fadd(b, slotAcc, select(b, i32Eq(b, rs.sel, cI32(b, j)), d,
                                                cF32(b, 0.0f)));
            }
          }
          return upd;
        });
        int64_t i = 0;
        for (int64_t h = 0; h < halves; ++h)
          for (int64_t j = 0; j < m; ++j)
            acc[accIdx(h, j, t)] = next[i++];
      }
    }
    return acc;
  }

  const KernelSpec &s;
  const StreamArgs &a;
  int64_t n, m, v, chunks, halves, units, tt;
  static constexpr int64_t unroll = kStreamUnroll;
  Type elt;
  Value lane, laneI32, u;
};

} // namespace

int64_t mlir::samoyeds::gpukernels::streamUnits(const KernelSpec &s) {
  int64_t groups = s.weight.getCondensedRows() / s.weight.getFormat().getN();
  return s.silu ? groups / 2 : groups;
}

std::string mlir::samoyeds::gpukernels::streamKernelName(const KernelSpec &s) {
  std::string full = s.name();
  std::string tag = "_" + s.tag();
  return full.substr(0, full.size() - tag.size()) + "_stream" +
         std::to_string(s.streamTokens);
}

void mlir::samoyeds::gpukernels::buildStreamKernel(ImplicitLocOpBuilder &b,
                                                   const KernelSpec &s, gpu::GPUFuncOp f) {
  StreamArgs a = streamArgs(f, s);
  StreamBuilder(s, a).build(b);
}
