// KernelSpec: what shapes one generated ssmm kernel (identity and tiling).
//
// The spec is filled by convert-samoyeds-to-gpu from the op and its kernel
// configuration (checked by KernelConfig.h's checkConfig) and read by every
// part of the kernel generator. Its `name()` is the kernel's symbol: ops whose specs are
// equal share one kernel, so everything that changes the code must be in it.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELSPEC_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELSPEC_H

#include "samoyeds/Conversion/SamoyedsToGPU/KernelConfig.h"
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"

#include <string>

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Everything that shapes one generated kernel: the op's identity (weight,
/// types, epilogue) and its tiling, the op's kernel configuration. The tile
/// arithmetic (threads, block tile, shared-memory pitches and sizes) is
/// KernelConfig's: one owner for what the selection pass checks and what the
/// emitter lays out.
struct KernelSpec : ::samoyeds::gpu::KernelConfig {
  PackedType weight;
  Type inputElt, resultElt;
  bool gather = false, silu = false, hasScale = false;
  int64_t topK = 1;
  bool orderedMetadata = false;

  ::samoyeds::gpu::KernelConfig &tiling() { return *this; }
  int64_t mTiles() const { return warpM / 16; }
  int64_t nTiles() const { return warpN / 8; }
  int64_t kSteps() const { return blockK / 32; } // mma k32 steps per stage
  /// Each condensed row keeps M accumulators, one per row of its group.
  int64_t accumulatorFloats() const {
    return KernelConfig::accumulatorFloats(weight.getFormat().getM());
  }

  /// The kernel's symbol, e.g.
  /// `ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64`.
  std::string name() const;
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_KERNELSPEC_H
