// RowDotMma: the tensor-core row-dot kernel (RowDotMma.h).
//
// Lane (g, t) = (lane / 4, lane % 4) of a warp loads, per chunk of 32 of K,
// 8 consecutive elements (16 bytes) at k = 32 c + 8 t of each of its rows
// (g and g + 8 of both m16 tiles) and of each of its rhs rows (column g of
// the eight n8 tiles), and feeds them to two mma.sync m16n8k16: in the
// instruction, lane t holds the A and B elements of the k pairs {2t, 2t + 1}
// and {2t + 8, 2t + 9} of a step (PTX ISA, "Matrix Fragments for
// mma.m16n8k16"); here step s gives them the elements 4s, 4s + 1 and 4s + 2,
// 4s + 3 of its 16 bytes. A and B get the same k for the same slot, so the
// products summed are those of a k permutation within the chunk: the dot
// product, with one 16-byte load per row instead of the fragment layout's
// four 4-byte ones.
#include "RowDotMma.h"
#include "Kernels.h"

#include "samoyeds/Utils/Builders.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

namespace {

using Builder = ImplicitLocOpBuilder;

constexpr int64_t kWarps = kRowDotMmaThreads / 32;
constexpr int64_t kMTiles = kRowDotMmaRows / 16;
/// Chunks of a warp's K loop whose loads are issued before their MMAs.
constexpr int64_t kUnroll = 2;

struct MmaTile {
  int64_t k, nTiles;
  Type elt;
  Value a, w, in, o;
  Value lane, warp, g, t, row0, n0, m;
  SmallVector<Value> rowIdx; // [mt * 2 + h]: row g + 8 h of m-tile mt (clamped)
  SmallVector<Value> colIdx; // [nt]: rhs row g of n-tile nt (clamped)
  int64_t frags() const { return kMTiles * nTiles; }
};

/// The 16 bytes at k of row `row` of `mem`, as four i32 registers (bf16) or
/// four vector<2xf16> (f16), the operand types of nvvm.mma.sync.
SmallVector<Value> loadRegs(Builder &b, const MmaTile &x, Value mem, Value row, Value kk) {
  auto vt = VectorType::get({8}, x.elt);
  Value v = vector::LoadOp::create(b, vt, mem, ValueRange{row, kk},
                                   /*nontemporal=*/false, llvm::MaybeAlign(16));
  // Through i32 for both (vector.extract_strided_slice does not lower on
  // the NVVM path).
  Type i32 = b.getI32Type();
  Value w = vector::BitCastOp::create(b, VectorType::get({4}, i32), v);
  SmallVector<Value> regs;
  for (int64_t p = 0; p < 4; ++p) {
    Value r = vector::ExtractOp::create(b, w, ArrayRef<int64_t>{p});
    if (x.elt.isF16())
      r = vector::BitCastOp::create(
          b, VectorType::get({2}, x.elt),
          vector::FromElementsOp::create(b, VectorType::get({1}, i32), ValueRange{r}));
    regs.push_back(r);
  }
  return regs;
}

/// acc (vector<4xf32>: c0..c3) + A . B, one m16n8k16.
Value mma(Builder &b, const MmaTile &x, ArrayRef<Value> aRegs, ArrayRef<Value> bRegs,
          Value acc) {
  Type f32 = b.getF32Type();
  SmallVector<Value> c;
  for (int64_t i = 0; i < 4; ++i)
    c.push_back(vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{i}));
  NVVM::MMATypes ty = x.elt.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  auto op = NVVM::MmaOp::create(
      b, st, aRegs, bRegs, c, ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{ty, ty},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
  SmallVector<Value> d;
  for (int64_t i = 0; i < 4; ++i)
    d.push_back(LLVM::ExtractValueOp::create(b, op.getRes(), i));
  return vector::FromElementsOp::create(b, VectorType::get({4}, f32), d);
}

/// Chunks c of `cs` (null: past K, loaded clamped and not added): their
/// loads first, then their MMAs into acc ([mt * nTiles + nt]).
SmallVector<Value> chunkSteps(Builder &b, const MmaTile &x, ArrayRef<Value> cs,
                              ArrayRef<Value> oks, SmallVector<Value> acc) {
  Value kLane = mul(b, x.t, cIdx(b, 8));
  // regs[u]: rows (kMTiles * 2) then columns (nTiles), 4 registers each.
  SmallVector<SmallVector<SmallVector<Value>>> regs;
  for (Value c : cs) {
    Value kk = add(b, mul(b, c, cIdx(b, 32)), kLane);
    SmallVector<SmallVector<Value>> r;
    for (Value row : x.rowIdx)
      r.push_back(loadRegs(b, x, x.a, row, kk));
    for (Value col : x.colIdx)
      r.push_back(loadRegs(b, x, x.w, col, kk));
    regs.push_back(std::move(r));
  }
  for (size_t u = 0; u < cs.size(); ++u) {
    SmallVector<Value> next = acc;
    for (int64_t s = 0; s < 2; ++s)
      for (int64_t mt = 0; mt < kMTiles; ++mt) {
        const auto &r0 = regs[u][mt * 2], &r1 = regs[u][mt * 2 + 1];
        // a0: row g, pair 0; a1: row g + 8, pair 0; a2, a3: pair 1.
        SmallVector<Value> aRegs = {r0[2 * s], r1[2 * s], r0[2 * s + 1], r1[2 * s + 1]};
        for (int64_t nt = 0; nt < x.nTiles; ++nt) {
          const auto &rc = regs[u][kMTiles * 2 + nt];
          Value &a = next[mt * x.nTiles + nt];
          a = mma(b, x, aRegs, {rc[2 * s], rc[2 * s + 1]}, a);
        }
      }
    for (size_t i = 0; i < acc.size(); ++i)
      acc[i] = oks[u] ? select(b, oks[u], next[i], acc[i]) : next[i];
  }
  return acc;
}

/// Warp w's share of K: chunks w, w + 8, w + 16, ... (ceil(K / 32 / 8) of
/// them for every warp; with a guard when 8 does not divide the chunks or
/// the unroll the trips).
SmallVector<Value> warpDot(Builder &b, const MmaTile &x) {
  auto vt = VectorType::get({4}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, vt, DenseElementsAttr::get(vt, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> acc(x.frags(), zero);
  int64_t chunks = x.k / 32;
  int64_t trips = (chunks + kWarps - 1) / kWarps;
  int64_t unroll = std::min(trips, kUnroll);
  bool guard = chunks % kWarps != 0 || trips % unroll != 0;
  return unrolledReduce(b, trips, unroll, acc, [&](Builder &b, Value i0, SmallVector<Value> acc) {
    SmallVector<Value> cs, oks;
    for (int64_t u = 0; u < unroll; ++u) {
      Value i = i0 ? add(b, i0, cIdx(b, u)) : cIdx(b, u);
      Value c = add(b, x.warp, mul(b, i, cIdx(b, kWarps)));
      Value ok;
      if (guard) {
        ok = ult(b, c, cIdx(b, chunks));
        c = arith::MinUIOp::create(b, c, cIdx(b, chunks - 1));
      }
      cs.push_back(c);
      oks.push_back(ok);
    }
    return chunkSteps(b, x, cs, oks, std::move(acc));
  });
}

} // namespace

bool mlir::samoyeds::gpukernels::rowDotMmaApplies(Type lhsElt, Type rhsElt, int64_t k,
                                                  bool vec) {
  return !vec && lhsElt == rhsElt && (lhsElt.isBF16() || lhsElt.isF16()) && k % 32 == 0;
}

int64_t mlir::samoyeds::gpukernels::rowDotMmaCols(int64_t n) {
  return std::min<int64_t>(kRowDotMmaCols, (n + 7) / 8 * 8);
}

/// The 8 warps' accumulators meet by a tree in workgroup memory: warps
/// [h, 2h) store, warps [0, h) add them (h = 4, 2, 1), so warp 0 ends with
/// ((w0 + w4) + (w2 + w6)) + ((w1 + w5) + (w3 + w7)), the same order every
/// run; warp 0 adds init and stores the rows and columns in range.
void mlir::samoyeds::gpukernels::buildRowDotMma(ImplicitLocOpBuilder &b, gpu::GPUFuncOp f,
                                                int64_t k, int64_t n) {
  Block &e = f.front();
  MmaTile x;
  x.k = k;
  x.nTiles = rowDotMmaCols(n) / 8;
  x.a = e.getArgument(0);
  x.w = e.getArgument(1);
  x.in = e.getArgument(2);
  x.o = e.getArgument(3);
  x.elt = cast<MemRefType>(x.a.getType()).getElementType();
  // Workgroup memory: 4 warps' accumulators, [slot][element][lane].
  int64_t perWarp = x.frags() * 4 * 32;
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value partial = f.addWorkgroupAttribution(
      MemRefType::get({kWarps / 2 * perWarp}, b.getF32Type(), nullptr, wg), b.getLoc());
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  x.lane = remu(b, tid, 32);
  x.warp = divu(b, tid, 32);
  x.g = divu(b, x.lane, 4);
  x.t = remu(b, x.lane, 4);
  x.m = memref::DimOp::create(b, x.a, 0);
  x.row0 = mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::x), cIdx(b, kRowDotMmaRows));
  x.n0 = mul(b, gpu::BlockIdOp::create(b, gpu::Dimension::y), cIdx(b, 8 * x.nTiles));
  // Rows past M read row M - 1, columns past N column N - 1; neither is
  // stored.
  Value lastRow = arith::SubIOp::create(b, x.m, cIdx(b, 1));
  for (int64_t mt = 0; mt < kMTiles; ++mt)
    for (int64_t h = 0; h < 2; ++h)
      x.rowIdx.push_back(arith::MinUIOp::create(
          b, add(b, x.row0, add(b, x.g, cIdx(b, 16 * mt + 8 * h))), lastRow));
  for (int64_t nt = 0; nt < x.nTiles; ++nt)
    x.colIdx.push_back(arith::MinUIOp::create(b, add(b, x.n0, add(b, x.g, cIdx(b, 8 * nt))),
                                              cIdx(b, n - 1)));
  SmallVector<Value> acc = warpDot(b, x);

  auto slot = [&](ImplicitLocOpBuilder &b, Value s, int64_t f, int64_t i) {
    return add(b, mul(b, s, cIdx(b, perWarp)), add(b, cIdx(b, (f * 4 + i) * 32), x.lane));
  };
  for (int64_t h = kWarps / 2; h >= 1; h /= 2) {
    Value stores = andi(b, cmpi(b, arith::CmpIPredicate::uge, x.warp, cIdx(b, h)),
                        ult(b, x.warp, cIdx(b, 2 * h)));
    ifThen(b, stores, [&](ImplicitLocOpBuilder &b) {
      Value s = arith::SubIOp::create(b, x.warp, cIdx(b, h));
      for (int64_t f = 0; f < x.frags(); ++f)
        for (int64_t i = 0; i < 4; ++i)
          store(b, vector::ExtractOp::create(b, acc[f], ArrayRef<int64_t>{i}), partial,
                {slot(b, s, f, i)});
    });
    gpu::BarrierOp::create(b);
    // Every warp adds slot warp % h (only warps below h keep a sum that is
    // used: no branch around the loads).
    Value s = remu(b, x.warp, h);
    for (int64_t f = 0; f < x.frags(); ++f) {
      SmallVector<Value> v;
      for (int64_t i = 0; i < 4; ++i)
        v.push_back(load(b, partial, {slot(b, s, f, i)}));
      acc[f] = arith::AddFOp::create(
          b, acc[f], vector::FromElementsOp::create(b, acc[f].getType(), v));
    }
    if (h > 1)
      gpu::BarrierOp::create(b);
  }
  // c0, c1: row g, columns 2t, 2t + 1 of the n-tile; c2, c3: row g + 8.
  Value isWarp0 = cmpi(b, arith::CmpIPredicate::eq, x.warp, cIdx(b, 0));
  ifThen(b, isWarp0, [&](ImplicitLocOpBuilder &b) {
    for (int64_t mt = 0; mt < kMTiles; ++mt)
      for (int64_t nt = 0; nt < x.nTiles; ++nt)
        for (int64_t i = 0; i < 4; ++i) {
          Value row = add(b, x.row0, add(b, x.g, cIdx(b, 16 * mt + 8 * (i / 2))));
          Value col = add(b, x.n0, add(b, mul(b, x.t, cIdx(b, 2)), cIdx(b, 8 * nt + i % 2)));
          Value ok = andi(b, ult(b, row, x.m), ult(b, col, cIdx(b, n)));
          ifThen(b, ok, [&](ImplicitLocOpBuilder &b) {
            Value v = vector::ExtractOp::create(b, acc[mt * x.nTiles + nt],
                                                ArrayRef<int64_t>{i});
            store(b, fadd(b, load(b, x.in, {row, col}), v), x.o, {row, col});
          });
        }
  });
}
