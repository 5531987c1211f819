// SplitK: slice ranges of a split, and the partial accumulators in the workspace (SplitK.h).
#include "SplitK.h"
#include "Kernels.h"

#include "samoyeds/Utils/Builders.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

std::pair<Value, Value> mlir::samoyeds::gpukernels::splitSlices(
    ImplicitLocOpBuilder &b, int64_t slices, Value z, Value nz) {
  // z * slices / nz: every split gets floor or ceil of slices / nz (nz <=
  // slices: the host clamps it), and the ranges tile [0, slices).
  Value n = cIdx(b, slices);
  Value begin = arith::DivUIOp::create(b, mul(b, z, n), nz);
  Value end = arith::DivUIOp::create(b, mul(b, add(b, z, cIdx(b, 1)), n), nz);
  return {begin, end};
}

Value mlir::samoyeds::gpukernels::partialBlock(ImplicitLocOpBuilder &b,
                                               const KernelSpec &s,
                                               const SplitKArgs &k, Value z,
                                               Value rowTile, Value tokenTile) {
  int64_t rowTiles = s.weight.getCondensedRows() / s.blockM();
  return add(b, mul(b, add(b, mul(b, z, cIdx(b, rowTiles)), rowTile), k.wsTiles),
             tokenTile);
}

Value mlir::samoyeds::gpukernels::tileCounter(ImplicitLocOpBuilder &b,
                                              const SplitKArgs &k, Value rowTile,
                                              Value tokenTile) {
  return add(b, mul(b, rowTile, k.wsTiles), tokenTile);
}

Value mlir::samoyeds::gpukernels::arriveLast(ImplicitLocOpBuilder &b,
                                             const KernelSpec &s,
                                             const SplitKArgs &k, Value block,
                                             Value counter, Value tid,
                                             ArrayRef<Value> acc,
                                             ArrayRef<Value> used) {
  storePartials(b, s, k.ws, block, tid, acc, used);
  // Release: each thread's stores are visible on the whole GPU before the
  // barrier, so before thread 0's increment (the pattern of CUDA's
  // threadFenceReduction sample).
  auto gpuScope = NVVM::MemScopeKindAttr::get(b.getContext(), NVVM::MemScopeKind::GPU);
  NVVM::MembarOp::create(b, gpuScope);
  gpu::BarrierOp::create(b);
  Value isThread0 = cmpi(b, arith::CmpIPredicate::eq, tid, cIdx(b, 0));
  auto inc = scf::IfOp::create(b, b.getI1Type(), isThread0, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inc.thenBlock());
    Value old = memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi, cI32(b, 1),
                                            k.counters, ValueRange{counter});
    Value lastOld = arith::IndexCastOp::create(
        b, b.getI32Type(), arith::SubIOp::create(b, k.splits, cIdx(b, 1)));
    scf::YieldOp::create(b, cmpi(b, arith::CmpIPredicate::eq, old, lastOld));
    b.setInsertionPointToStart(inc.elseBlock());
    scf::YieldOp::create(b, ValueRange{cBool(b, false)});
  }
  // Thread 0's answer to the whole block (bar.red.or), then acquire: the
  // last block's loads of the other splits' partials come after the fence.
  Value last = blockAnyOf(b, inc.getResult(0));
  NVVM::MembarOp::create(b, gpuScope);
  return last;
}

namespace {
/// Float offset of row h of fragment f of thread tid in workspace block
/// `block` (fragments of `rows` rows of `width` floats; row by row, so that
/// the rows of consecutive threads are adjacent).
Value rowOffset(ImplicitLocOpBuilder &b, const KernelSpec &s, Value block,
                int64_t fragments, int64_t rows, int64_t f, int64_t h, Value tid,
                int64_t width) {
  Value frag = add(b, mul(b, block, cIdx(b, fragments)), cIdx(b, f));
  Value row = add(b, mul(b, frag, cIdx(b, rows)), cIdx(b, h));
  return mul(b, add(b, mul(b, row, cIdx(b, s.threads())), tid), cIdx(b, width));
}
} // namespace

SmallVector<Value> mlir::samoyeds::gpukernels::usedFragments(
    ImplicitLocOpBuilder &b, const AccumulatorLayout &layout, Value tok0,
    Value validEnd) {
  // Column tile ct of fragment f is f % colTiles() (slotIndex); a thread's
  // lowest column of it is column(ct, 0).
  SmallVector<Value> perTile;
  for (int64_t ct = 0; ct < layout.colTiles(); ++ct)
    perTile.push_back(ult(b, layout.column(b, tok0, ct, 0), validEnd));
  SmallVector<Value> used;
  for (int64_t f = 0; f < layout.numFragments(); ++f)
    used.push_back(perTile[f % layout.colTiles()]);
  return used;
}

// Fragments are moved row by row (vector.extract / vector.insert of 1-D
// rows): an n-D vector.shape_cast does not lower on the NVVM path.
void mlir::samoyeds::gpukernels::storePartials(ImplicitLocOpBuilder &b,
                                               const KernelSpec &s, Value ws,
                                               Value block, Value tid,
                                               ArrayRef<Value> acc,
                                               ArrayRef<Value> used) {
  for (auto [f, frag] : llvm::enumerate(acc)) {
    auto t = cast<VectorType>(frag.getType());
    int64_t rows = t.getDimSize(0), width = t.getDimSize(1);
    ifThen(b, used[f], [&](ImplicitLocOpBuilder &nb) {
      for (int64_t h = 0; h < rows; ++h) {
        Value row = vector::ExtractOp::create(nb, frag, ArrayRef<int64_t>{h});
        Value off = rowOffset(nb, s, block, acc.size(), rows, f, h, tid, width);
        vector::StoreOp::create(nb, row, ws, ValueRange{off}, /*nontemporal=*/false,
                                llvm::MaybeAlign(width * 4));
      }
    });
  }
}

SmallVector<Value> mlir::samoyeds::gpukernels::sumPartials(
    ImplicitLocOpBuilder &b, const KernelSpec &s, const SplitKArgs &k, Value tid,
    int64_t fragments, VectorType fragType, ArrayRef<Value> used,
    function_ref<Value(ImplicitLocOpBuilder &, Value)> blockOf) {
  int64_t rows = fragType.getDimSize(0), width = fragType.getDimSize(1);
  auto rowType = VectorType::get({width}, fragType.getElementType());
  Value zero = arith::ConstantOp::create(
      b, fragType, DenseElementsAttr::get(fragType, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> init(fragments, zero);
  // Up to kSumUnroll splits per iteration, their loads issued before their
  // adds: one block per tile sums, and one split per iteration waited a
  // round trip per split (the sums, then a kernel of their own, took 14-24
  // us on the H200 on 2026-12-02). The adds stay in split order; a split past S is
  // skipped by a select, not added as zero, so the sum is the
  // one-split-at-a-time sum bit for bit. At most kSumFloatsInFlight floats
  // are loaded per iteration: the unroll costs registers (the 64-token
  // kernel's 32 fragments are 128 floats a split, the decode kernel's 8 are
  // 32).
  int64_t perSplit = fragments * rows * width;
  int64_t unroll = std::max<int64_t>(
      1, std::min<int64_t>({kSumUnroll, s.splitK, kSumFloatsInFlight / perSplit}));
  return forReduce(
      b, cIdx(b, 0), k.splits, cIdx(b, unroll), init,
      [&](ImplicitLocOpBuilder &b, Value z0, ValueRange acc) {
        // live[u]: split z0 + u exists (null without unrolling: it does).
        SmallVector<Value> live;
        // Fragment f of split z0 + u is loaded and added.
        auto taken = [&](int64_t u, int64_t f) {
          return live[u] ? andi(b, used[f], live[u]) : used[f];
        };
        // loaded[u][f * rows + h]: row h of fragment f of split z0 + u.
        SmallVector<SmallVector<Value>> loaded;
        for (int64_t u = 0; u < unroll; ++u) {
          // A split past S has no block: its loads read split S - 1's and
          // are discarded.
          Value z = z0, inRange;
          if (unroll > 1) {
            z = add(b, z0, cIdx(b, u));
            inRange = ult(b, z, k.splits);
            z = arith::MinUIOp::create(b, z,
                                       arith::SubIOp::create(b, k.splits, cIdx(b, 1)));
          }
          live.push_back(inRange);
          Value block = blockOf(b, z);
          // An unused fragment was never stored: its load reads the
          // thread's first row of the block instead (lanes' addresses
          // adjacent) and is discarded. Redirected to element 0 of the
          // workspace, the loads of every block met on one L2 line (at T = 1
          // three lanes in four have no used fragment); spreading them took
          // Mixtral's W2 sum at T = 1 from 20.1 to 16.4 us on the H200.
          Value spare = rowOffset(b, s, block, fragments, rows, 0, 0, tid, width);
          SmallVector<Value> rowsOf;
          for (int64_t f = 0; f < fragments; ++f)
            for (int64_t h = 0; h < rows; ++h) {
              Value off = select(b, taken(u, f),
                                 rowOffset(b, s, block, fragments, rows, f, h, tid, width),
                                 spare);
              rowsOf.push_back(vector::LoadOp::create(b, rowType, k.ws, ValueRange{off},
                                                      /*nontemporal=*/false,
                                                      llvm::MaybeAlign(width * 4)));
            }
          loaded.push_back(rowsOf);
        }
        SmallVector<Value> next;
        for (int64_t f = 0; f < fragments; ++f) {
          Value frag = acc[f];
          for (int64_t h = 0; h < rows; ++h) {
            Value a = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{h});
            for (int64_t u = 0; u < unroll; ++u)
              a = select(b, taken(u, f),
                         arith::AddFOp::create(b, a, loaded[u][f * rows + h]), a);
            frag = vector::InsertOp::create(b, a, frag, ArrayRef<int64_t>{h});
          }
          next.push_back(frag);
        }
        return next;
      });
}
