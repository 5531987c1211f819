// TmaLoads: which operands a warp-specialised wgmma_sp kernel loads with TMA, and each tensor map's box: the facts the kernel's producer and the host's descriptor encoding share.
//
// The producer warpgroup of schedule = warp_specialized (docs/kernel.md,
// section 17) loads the compressed values of a stage with
// cp.async.bulk.tensor instead of 8 cp.async per thread: one TMA box per
// swizzle atom column (and, with silu_mul, per half: the gate rows and the
// up rows R/2 further on are two row ranges). The box lands in the swizzled
// layout of WgmmaSpLayout.h, which is the hardware's address swizzle that TMA
// applies too (128-, 64- or 32-byte atoms). The metadata of a stage is one
// box per half when the TMA's rules allow it: the box's row (block-k / 16
// words) and the global row (cols / 16 words) must be multiples of 16
// bytes, so block-k 128 and cols a multiple of 128; otherwise the producer
// keeps copying it with cp.async. The token rows are gathered through the
// list and stay cp.async (Hopper's TMA has no row gather).
//
// The host encodes one tensor map per operand (rank 3: expert, row, column,
// innermost first; rank-2 weights get one expert) with
// samoyeds_rt_tensor_map (include/samoyeds/Runtime/CUDARuntime.h) and
// passes it by value as a __grid_constant__ parameter after the kernel's
// other arguments: values' map, then metadata's.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_TMALOADS_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_TMALOADS_H

#include "../KernelSpec.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"

#include <algorithm>
#include <optional>

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// One operand's TMA load of a stage: `halves` x `atoms` boxes of
/// {boxCols elements, boxRows rows, 1 expert}.
struct TmaLoad {
  int64_t boxCols = 0, boxRows = 0;
  /// Columns (elements) of the global row a K tile advances by.
  int64_t colsPerStage = 0;
  int64_t atoms = 1, halves = 1;
  /// The swizzle span in bytes (128, 64, 32) or 0 for none.
  int64_t swizzleBytes = 0;
  int64_t boxBytes() const { return boxCols * boxRows * 2; }
  int64_t stageBytes() const { return boxBytes() * atoms * halves; }
};

/// True when kernels of `s` load with TMA (and take the tensor maps).
inline bool usesTma(const KernelSpec &s) {
  return s.family == ::samoyeds::gpu::Family::WgmmaSp && s.warpSpecialized();
}

/// The values' load: blockK / 2 compressed columns of blockM rows.
inline TmaLoad valuesLoad(const KernelSpec &s) {
  TmaLoad l;
  int64_t rowBytes = s.blockK; // blockK / 2 elements of 2 bytes
  int64_t atomBytes = std::min<int64_t>(128, rowBytes);
  l.halves = s.silu ? 2 : 1;
  l.boxRows = s.blockM() / l.halves;
  l.boxCols = atomBytes / 2;
  l.atoms = rowBytes / atomBytes;
  l.colsPerStage = s.blockK / 2;
  l.swizzleBytes = atomBytes;
  return l;
}

/// The metadata's load, or none where TMA's 16-byte rules exclude it.
inline std::optional<TmaLoad> metadataLoad(const KernelSpec &s) {
  int64_t words = s.metaWords();
  if ((words * 2) % 16 != 0 || (s.weight.getCols() / 16 * 2) % 16 != 0)
    return std::nullopt;
  TmaLoad l;
  l.halves = s.silu ? 2 : 1;
  l.boxRows = s.blockM() / l.halves;
  l.boxCols = words;
  l.colsPerStage = words;
  return l;
}

/// Bytes the TMA loads of one stage deliver (the full barrier's tx count).
inline int64_t tmaStageBytes(const KernelSpec &s) {
  std::optional<TmaLoad> m = metadataLoad(s);
  return valuesLoad(s).stageBytes() + (m ? m->stageBytes() : 0);
}

/// The tensor maps a kernel of `s` takes after its other arguments.
inline int64_t tensorMapArgs(const KernelSpec &s) {
  return usesTma(s) ? (metadataLoad(s) ? 2 : 1) : 0;
}

/// Their type: a CUtensorMap's 128 bytes, passed by value.
inline Type tensorMapArgType(MLIRContext *ctx) {
  return LLVM::LLVMArrayType::get(IntegerType::get(ctx, 64), 16);
}

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_TMALOADS_H
