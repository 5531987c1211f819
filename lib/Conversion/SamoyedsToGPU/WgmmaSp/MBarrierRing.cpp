// MBarrierRing: nvvm.mbarrier.* on the barriers of a stage ring (MBarrierRing.h).
#include "MBarrierRing.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

Value MBarrierRing::pointer(ImplicitLocOpBuilder &b, Value slot, bool empty) {
  Value i64Slot = arith::IndexCastUIOp::create(b, b.getI64Type(), slot);
  Value off = arith::MulIOp::create(
      b, arith::AddIOp::create(b, i64Slot, cI64(b, empty ? stages : 0)), cI64(b, 8));
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext(),
                                            static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
  Value addr = arith::AddIOp::create(b, base, off);
  return LLVM::IntToPtrOp::create(b, ptrType, addr);
}

void MBarrierRing::init(ImplicitLocOpBuilder &b, Value tid, int64_t producers,
                        int64_t consumers) {
  ifThen(b, cmpi(b, arith::CmpIPredicate::eq, tid, cIdx(b, 0)),
         [&](ImplicitLocOpBuilder &nb) {
           for (int64_t st = 0; st < stages; ++st) {
             NVVM::MBarrierInitOp::create(nb, pointer(nb, cIdx(nb, st), false),
                                          cI32(nb, producers), Value());
             NVVM::MBarrierInitOp::create(nb, pointer(nb, cIdx(nb, st), true),
                                          cI32(nb, consumers), Value());
           }
         });
}

void MBarrierRing::wait(ImplicitLocOpBuilder &b, Value kt, bool empty) {
  // Round r = kt / stages of the slot: the full barrier's phase r completes
  // when its data has landed; the slot is free for round r once the empty
  // barrier's phase r - 1 has completed (parity (r + 1) % 2).
  Value round = divu(b, kt, stages);
  Value parity = remu(b, empty ? add(b, round, cIdx(b, 1)) : round, 2);
  // Suspend-time hint of each try (ns); the op retries until the phase
  // completes.
  constexpr int64_t kTicks = 10000000;
  NVVM::MBarrierTryWaitParityOp::create(
      b, pointer(b, remu(b, kt, stages), empty),
      arith::IndexCastUIOp::create(b, b.getI32Type(), parity), cI32(b, kTicks));
}

void MBarrierRing::waitFull(ImplicitLocOpBuilder &b, Value kt) { wait(b, kt, false); }
void MBarrierRing::waitEmpty(ImplicitLocOpBuilder &b, Value kt) { wait(b, kt, true); }

void MBarrierRing::arriveFull(ImplicitLocOpBuilder &b, Value kt) {
  NVVM::MBarrierArriveOp::create(b, TypeRange{}, pointer(b, remu(b, kt, stages), false),
                                 Value(), NVVM::MemScopeKind::CTA);
}
void MBarrierRing::arriveEmpty(ImplicitLocOpBuilder &b, Value kt) {
  NVVM::MBarrierArriveOp::create(b, TypeRange{}, pointer(b, remu(b, kt, stages), true),
                                 Value(), NVVM::MemScopeKind::CTA);
}

Value MBarrierRing::fullBarrier(ImplicitLocOpBuilder &b, Value kt) {
  return pointer(b, remu(b, kt, stages), false);
}

void MBarrierRing::expectFull(ImplicitLocOpBuilder &b, Value kt, int64_t bytes) {
  NVVM::MBarrierExpectTxOp::create(
      b, fullBarrier(b, kt), cI32(b, bytes),
      NVVM::MemScopeKindAttr::get(b.getContext(), NVVM::MemScopeKind::CTA));
}
