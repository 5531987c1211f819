// MBarrierRing: the full and empty mbarriers of a warp-specialised stage ring (docs/kernel.md, section 17).
//
// Stage slot `st` of a `stages`-deep ring has a full barrier (the producer's
// threads arrive once the slot's copies have landed and were fenced to the
// async proxy) and an empty barrier (the MMA threads arrive once their
// wgmmas stopped reading it). K tile `kt` uses slot kt % stages in round
// kt / stages: its full barrier completes phase kt / stages, and the
// producer reuses the slot for kt + stages once the empty barrier completed
// the same phase. Waits name the phase by its parity.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_MBARRIERRING_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_MBARRIERRING_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

class MBarrierRing {
public:
  /// The barriers live at shared-window address `base` (i64, 8-byte
  /// aligned): the full ones first, then the empty ones.
  MBarrierRing(Value base, int64_t stages) : base(base), stages(stages) {}

  /// Thread 0 initialises every barrier (full: `producers` arrivals a phase,
  /// empty: `consumers`); the caller then synchronises the block.
  void init(ImplicitLocOpBuilder &b, Value tid, int64_t producers, int64_t consumers);
  /// Blocks until K tile `kt`'s slot holds its data.
  void waitFull(ImplicitLocOpBuilder &b, Value kt);
  /// Blocks until the slot of K tile `kt` (kt >= stages) was read by the
  /// MMAs of K tile kt - stages.
  void waitEmpty(ImplicitLocOpBuilder &b, Value kt);
  void arriveFull(ImplicitLocOpBuilder &b, Value kt);
  /// Adds `bytes` to the transactions K tile `kt`'s full barrier waits for
  /// (the TMA loads that complete on it, TmaLoads.h), without arriving.
  void expectFull(ImplicitLocOpBuilder &b, Value kt, int64_t bytes);
  /// The full barrier of K tile `kt`'s slot (ptr<3>): the TMA loads'.
  Value fullBarrier(ImplicitLocOpBuilder &b, Value kt);
  void arriveEmpty(ImplicitLocOpBuilder &b, Value kt);

private:
  Value base;
  int64_t stages;
  Value pointer(ImplicitLocOpBuilder &b, Value slot, bool empty);
  void wait(ImplicitLocOpBuilder &b, Value kt, bool empty);
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_MBARRIERRING_H
