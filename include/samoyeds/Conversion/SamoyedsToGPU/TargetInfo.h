//===- TargetInfo.h - Facts about the chips the GPU pipeline targets -*- C++ -*-===//
//
// One table owns what the compiler knows of each chip (sparse MMA family,
// shared memory, registers, SM count, the PTX version the pipeline emits for
// it); the kernel configuration and the pipeline ask it instead of parsing
// chip strings themselves. Plain C++ (no MLIR) so it is unit-tested alone.
//
//===----------------------------------------------------------------------===//
#ifndef SAMOYEDS_CONVERSION_SAMOYEDSTOGPU_TARGETINFO_H
#define SAMOYEDS_CONVERSION_SAMOYEDSTOGPU_TARGETINFO_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace samoyeds {
namespace gpu {

struct TargetInfo {
  std::string chip;            ///< as given: sm_80, sm_90a, ...
  int sm = 0;                  ///< compute capability x10 (90 for sm_90a)
  int smCount = 0;             ///< SMs of the reference part (H100/H200: 132)
  int64_t smemPerBlock = 0;    ///< opt-in dynamic shared memory per block, bytes
  int regsPerThread = 255;     ///< architectural register limit per thread
  int maxThreadsPerBlock = 1024;
  bool hasWgmmaSp = false;     ///< wgmma.mma_async.sp (sm_90a only)
  bool orderedMetadata = false;///< mma.sp::ordered_metadata (ptxas advises it from sm_90)
  std::string ptxFeatures;     ///< NVPTX features of the emitted PTX (+ptx85)
};

/// The facts of `chip`, or std::nullopt with `error` saying why it cannot be
/// targeted (malformed name, no sparse tensor cores, or a chip the emitted PTX
/// version does not support).
std::optional<TargetInfo> lookupTarget(std::string_view chip, std::string &error);

/// The chips lookupTarget accepts, for messages and docs ("sm_80, sm_86, ...").
std::string knownChips();

} // namespace gpu
} // namespace samoyeds

#endif // SAMOYEDS_CONVERSION_SAMOYEDSTOGPU_TARGETINFO_H
