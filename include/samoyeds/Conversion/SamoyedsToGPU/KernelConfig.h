//===- KernelConfig.h - Kernel configurations of ssmm and how to choose them -*- C++ -*-===//
//
// The configuration of one ssmm kernel (instruction family, tiles, stages,
// block-k, split-k, schedule), the checks that say whether a kernel of that
// configuration can run a problem on a target, and the choice of one: a
// per-chip table of measured entries first, then a heuristic. Pure functions
// over plain structs (no MLIR), so that the choice is unit-tested; the
// `#samoyeds.kernel_config` attribute and the samoyeds-select-kernel-config
// pass are the IR face of it.
//
//===----------------------------------------------------------------------===//
#ifndef SAMOYEDS_CONVERSION_SAMOYEDSTOGPU_KERNELCONFIG_H
#define SAMOYEDS_CONVERSION_SAMOYEDSTOGPU_KERNELCONFIG_H

#include "samoyeds/Conversion/SamoyedsToGPU/TargetInfo.h"

#include <cstdint>
#include <optional>
#include <string>

namespace samoyeds {
namespace gpu {

/// Auto appears only in overrides: the choice picks wgmma_sp on sm_90a where
/// it can run the problem and the row tiles alone half fill the chip
/// (kWgmmaMinRowTilesPerSMDivisor), else mma_sp.
enum class Family { MmaSp, WgmmaSp, Auto };
/// Grid: a block per tile, every thread copies and multiplies. Persistent: a
/// block per SM walking the tiles (not built yet). WarpSpecialized (wgmma_sp):
/// a block per tile whose last warpgroup only copies, into a ring guarded by
/// mbarriers, while the other warpgroups only multiply (docs/kernel.md,
/// section 17). Auto appears only in overrides: chosen.
enum class Schedule { Grid, Persistent, WarpSpecialized, Auto };

/// One ssmm as the kernel sees it.
struct SsmmProblem {
  int64_t rows = 0, cols = 0; ///< R x C of one expert's logical weight
  int64_t experts = 0;        ///< 0: no expert dimension
  int64_t n = 1, m = 2, v = 128;
  bool silu = false;          ///< silu_mul epilogue (stacked gate|up rows)
  int64_t listLen = -1;       ///< static list length, -1 when dynamic
  bool undefPadding = false;  ///< padding rows of the result may stay unwritten
  int64_t condensedRows() const { return rows / m * n; }
};

struct KernelConfig {
  Family family = Family::MmaSp;
  int64_t warpM = 0, warpN = 0, warpsM = 0, warpsN = 0;
  int64_t stages = 0, blockK = 0;
  /// The most K splits a launch may use (1: never split). The launch picks
  /// the splits at run time from the work it has (splitsAtRunTime), so that
  /// one kernel serves a decode step and a prefill; 0 in overrides: chosen.
  int64_t splitK = 1;
  Schedule schedule = Schedule::Grid;
  /// The token tile of a second kernel for calls with few routed pairs (0:
  /// none; 1 in overrides: none, 0 there: chosen). It does not change this
  /// kernel's code, so it is not part of tag().
  int64_t decodeTile = 0;
  /// The token slots of a third kernel, the streaming one (StreamKernel.h:
  /// FP32 FMAs on 16-byte weight loads, no tensor cores), launched instead of
  /// the others when a call routes at most streamTokens * max(experts, 1)
  /// pairs (0: none; in overrides -1: none, 0: chosen). Not part of tag().
  int64_t streamTokens = 0;

  /// The threads that run the MMAs (and, without warp specialisation, the
  /// copies too).
  int64_t threads() const { return 32 * warpsM * warpsN; }
  bool warpSpecialized() const { return schedule == Schedule::WarpSpecialized; }
  /// The threads that issue the copies of a stage: the producer warpgroup
  /// when warp-specialised, else all of them.
  int64_t copyThreads() const { return warpSpecialized() ? kProducerThreads : threads(); }
  /// The threads of a block (the launch's block size).
  int64_t blockThreads() const {
    return threads() + (warpSpecialized() ? kProducerThreads : 0);
  }
  static constexpr int64_t kProducerThreads = 128;
  int64_t blockM() const { return warpM * warpsM; }
  /// The token tile: list entries per block. The dispatch tile must be a
  /// multiple of it (a block never spans two experts' segments).
  int64_t blockN() const { return warpN * warpsN; }
  // Shared-memory row pitches in elements. mma_sp: padded by 16 bytes so
  // that the 8 row addresses of one ldmatrix phase fall into distinct bank
  // groups. wgmma_sp: unpadded, the rows are stored in the swizzled layout
  // of WgmmaSp/WgmmaSpLayout.h, which the descriptors address.
  int64_t aPitch() const { return blockK / 2 + (family == Family::MmaSp ? 8 : 0); }
  int64_t bPitch() const { return blockK + (family == Family::MmaSp ? 8 : 0); }
  int64_t metaWords() const { return blockK / 16; }
  // wgmma_sp: stages of the swizzled operand rings start on 1024-byte
  // boundaries (the swizzle atoms' alignment), and the rings are carved from
  // a base aligned up at run time, so 1024 bytes of slack are asked for.
  int64_t aStageBytes() const { return alignStage(blockM() * aPitch() * 2); }
  int64_t bStageBytes() const { return alignStage(blockN() * bPitch() * 2); }
  int64_t metaStageBytes() const { return blockM() * metaWords() * 2; }
  /// Warp-specialised: a full and an empty mbarrier (8 bytes each) per
  /// stage, after the rings.
  int64_t barrierBytes() const { return warpSpecialized() ? 16 * stages : 0; }
  int64_t smemBytes() const {
    int64_t bytes = stages * (aStageBytes() + bStageBytes() + metaStageBytes()) +
                    barrierBytes() + (family == Family::WgmmaSp ? kWgmmaSmemAlign : 0);
    return bytes;
  }
  static constexpr int64_t kWgmmaSmemAlign = 1024;
  int64_t alignStage(int64_t bytes) const {
    return family == Family::WgmmaSp
               ? (bytes + kWgmmaSmemAlign - 1) / kWgmmaSmemAlign * kWgmmaSmemAlign
               : bytes;
  }
  /// Each condensed row keeps M accumulators, one per row of its group.
  int64_t accumulatorFloats(int64_t m) const { return m * warpM * warpN / 32; }
  bool operator==(const KernelConfig &o) const;
  /// "t64x32x2x2s4k64" (kernel names), with "_sk<n>" / "_persistent" / "_ws"
  /// when set.
  std::string tag() const;
};

/// Register budget for accumulators per thread (of 255): leaves room for
/// fragments and addresses.
constexpr int64_t kMaxAccFloats = 200;
/// Bounds on the fields, checked before any size arithmetic so that no user
/// value overflows it.
constexpr int64_t kMaxWarpTile = 256, kMaxStages = 16, kMaxSplitK = 64;
/// The heuristic's split-k where it splits, and the most blocks per SM a
/// launch aims at when it splits (splitBlocksPerSM). 8, not 16: with the
/// sum in the last block, Mixtral's W2 decode launch at T = 1 took 44.1 us
/// with 8 splits against 50.9 with 16, Qwen's shared W2 14.7 with 8 against
/// 15.7 with 11; 8 splits or more of the other decode launches were slower
/// (docs/results/h200-2026-12-03-fold/NOTES.md, v5).
constexpr int64_t kDefaultSplitK = 8, kMaxSplitBlocksPerSM = 4, kMinSlicesPerSplit = 4;

/// The wgmma_sp family's warp tile: a warpgroup (4 warps along rows) issues
/// m64nNk32 instructions, so each warp holds 16 condensed rows of each
/// instruction's tile: warp-m is 16, or 32 with silu_mul (a gate and an up
/// instruction per k-step, whose rows the epilogue pairs); warp-n is the
/// instruction's N (the token tile, 8 to 256 in steps of 8); warps-n is 1 and
/// warps-m 4 or 8 (one or two warpgroups).
constexpr int64_t kWgmmaWarpsPerGroup = 4, kWgmmaMaxN = 256;
/// Auto takes wgmma_sp when experts * row tiles >= SM count / 2: the family
/// has no split-K, and a launch with one token tile of work would otherwise
/// leave most SMs idle (4096x14336 with 128 tokens: 175 us against the
/// mma_sp kernel's split-K 81 us, docs/results/h200-2026-12-02-wgmma).
constexpr int64_t kWgmmaMinRowTilesPerSMDivisor = 2;
/// The wgmma_sp heuristic's schedule: warp_specialized where a block runs at
/// least kWarpSpecializedMinKTiles K tiles (block-k columns) and a thread's
/// accumulators are at most kWarpSpecializedMaxAccFloats floats, else grid.
constexpr int64_t kWarpSpecializedMinKTiles = 32, kWarpSpecializedMaxAccFloats = 64;

/// What the kernel family of `c` cannot run, in the words of the pass options
/// (warp-m, block-k, ...), or "" when `c` runs `p` on `t`.
std::string checkConfig(const SsmmProblem &p, const TargetInfo &t,
                        const KernelConfig &c);

/// Fields left 0 are chosen; fields set are kept (pass options and partial
/// attributes are overrides). Order: a per-chip table entry for the problem,
/// then the heuristic. The result may still fail checkConfig (an override that
/// cannot work): the caller reports that.
KernelConfig selectConfig(const SsmmProblem &p, const TargetInfo &t,
                          KernelConfig overrides = {});

/// The heuristic alone: a 32-token warp tile on 2 warps, 4 stages, block-k
/// min(64, V), and the largest warp-m of 64, 32, 16 whose accumulators fit
/// kMaxAccFloats with the most warps along rows (2, else 1) that divide the
/// condensed rows.
KernelConfig heuristicConfig(const SsmmProblem &p, const TargetInfo &t,
                             KernelConfig overrides = {});

/// The heuristic's split-k for `c` (row tiling chosen): kDefaultSplitK
/// (at most V-slices / kMinSlicesPerSplit, at least 1) when two token tiles of work would leave SMs idle
/// (2 * row tiles < 2 * SM count, that is fewer row tiles than SMs), else 1.
int64_t heuristicSplitK(const SsmmProblem &p, const TargetInfo &t,
                        const KernelConfig &c);

/// The blocks per SM a split launch of `c` aims at: as many as its shared
/// memory lets an SM hold, in [1, kMaxSplitBlocksPerSM]. Registers give the
/// same count for the mma_sp kernels (the 64-token tile: 255 registers and
/// 80 KB, two; the decode tile: 126 and 53 KB, four, ncu on the H200). The
/// decode kernel aimed at two and left W1|W3 of Mixtral at T = 1 with 224
/// blocks of 4 warps for 132 SMs (15 % achieved occupancy, 1.45 TB/s).
int64_t splitBlocksPerSM(const KernelConfig &c, const TargetInfo &t);

/// The K splits a launch uses: as many as keep rowTiles * workTiles * splits
/// within blocksPerSM blocks per SM, in [1, maxSplits]. The host code of
/// the launch computes the same with index arithmetic (HostLaunch.cpp); this
/// is the reference its unit test checks.
int64_t splitsAtRunTime(int64_t maxSplits, int64_t rowTiles, int64_t workTiles,
                        int64_t smCount, int64_t blocksPerSM);

/// The kernel a call with few routed pairs runs instead of `c` (c.decodeTile
/// tokens per block, warps_n = 1, the block's rows kept: warp-m halved over
/// twice the warps where the family allows, else as in `c`), or nullopt when
/// `c` has no decode tile or no such kernel passes checkConfig. For a
/// wgmma_sp `c` it is the decode kernel of the mma_sp heuristic's choice
/// (with its split-K): few tokens a block are what mma.sp m16n8 does well.
std::optional<KernelConfig> decodeConfig(const SsmmProblem &p, const TargetInfo &t,
                                         const KernelConfig &c);

/// The decode tile the heuristic gives `c`: kDecodeTile when it is smaller
/// than c's token tile, divides it and its kernel can run `p`, else 0.
int64_t heuristicDecodeTile(const SsmmProblem &p, const TargetInfo &t,
                            const KernelConfig &c);

/// A call runs the decode kernel when its routed pairs are at most
/// decodeTile * max(experts, 1): on average at most one decode tile per
/// expert (HostLaunch.cpp computes the same).
constexpr int64_t kDecodeTile = 16;

/// The stream kernel's token slots where the heuristic gives one, and the
/// most a configuration may ask for. 2: on the H200 the prototype
/// (benchmarks/proto/stream_proto.cu, docs/results/h200-2026-12-03-stream)
/// streamed Mixtral's W1|W3 at one token per expert at 2.7 TB/s with 2 slots,
/// where the mma_sp decode kernel reached 1.8; at 4 tokens per expert its
/// FMAs bound it (Mixtral's W1|W3 at T = 16: 382 us against the decode
/// kernel's 208), so calls with more pairs keep the tensor-core kernels.
constexpr int64_t kStreamTokens = 2, kMaxStreamTokens = 8;

/// Whether the stream kernel can run `p`: the result's padding rows may stay
/// unwritten (it writes routed rows only) and, with silu_mul, the gate half
/// is whole row groups (R / 2 % M == 0).
bool streamApplies(const SsmmProblem &p);

/// The table entry for `p` on `t`, if one was measured.
std::optional<KernelConfig> tableConfig(const SsmmProblem &p, const TargetInfo &t);

} // namespace gpu
} // namespace samoyeds

#endif // SAMOYEDS_CONVERSION_SAMOYEDSTOGPU_KERNELCONFIG_H
