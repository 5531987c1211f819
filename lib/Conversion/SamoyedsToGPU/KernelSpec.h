// KernelSpec: what shapes one generated ssmm kernel (identity, tiling, derived sizes) and its checks.
//
// The spec is filled by convert-samoyeds-to-gpu (from its options today; from
// a per-op configuration attribute later) and read by every part of the
// kernel generator. Its `name()` is the kernel's symbol: ops whose specs are
// equal share one kernel, so everything that changes the code must be in it.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELSPEC_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELSPEC_H

#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

#include <string>

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Everything that shapes one generated kernel.
struct KernelSpec {
  PackedType weight;
  Type inputElt, resultElt;
  bool gather = false, silu = false, hasScale = false;
  int64_t topK = 1;
  // Tiling.
  int64_t warpM, warpN, warpsM, warpsN, stages, blockK;
  bool orderedMetadata = false;
  int64_t smemLimit = 232448; // opt-in shared memory per block, bytes

  int64_t threads() const { return 32 * warpsM * warpsN; }
  int64_t blockM() const { return warpM * warpsM; }
  int64_t blockN() const { return warpN * warpsN; }
  int64_t mTiles() const { return warpM / 16; }
  int64_t nTiles() const { return warpN / 8; }
  int64_t kSteps() const { return blockK / 32; } // mma k32 steps per stage
  // Shared-memory row pitches in elements: padded by 16 bytes so that the 8
  // row addresses of one ldmatrix phase fall into distinct bank groups.
  int64_t aPitch() const { return blockK / 2 + 8; }
  int64_t bPitch() const { return blockK + 8; }
  int64_t metaWords() const { return blockK / 16; }
  int64_t aStageBytes() const { return blockM() * aPitch() * 2; }
  int64_t bStageBytes() const { return blockN() * bPitch() * 2; }
  int64_t metaStageBytes() const { return blockM() * metaWords() * 2; }
  int64_t smemBytes() const {
    return stages * (aStageBytes() + bStageBytes() + metaStageBytes());
  }
  /// Each condensed row keeps M accumulators, one per row of its group.
  int64_t accumulatorFloats() const {
    return weight.getFormat().getM() * warpM * warpN / 32;
  }

  /// The kernel's symbol, e.g.
  /// `ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64`.
  std::string name() const;
};

/// Register budget for accumulators per thread (of 255): leaves room for
/// fragments and addresses.
constexpr int64_t kMaxAccFloats = 200;

/// Checks that the kernel can run `spec`; the message (on `op`) says what to
/// change.
LogicalResult checkSpec(Operation *op, const KernelSpec &spec);

/// Default row tiling (warp-m / warps-m = 0 in `spec`): the largest warp tile
/// whose accumulators fit the register budget, then the most warps along rows
/// that divide the weight's condensed rows. Fields already set are kept.
void chooseRowTiling(KernelSpec &spec);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELSPEC_H
