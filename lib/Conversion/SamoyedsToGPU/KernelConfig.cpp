//===- KernelConfig.cpp - Checking and choosing ssmm kernel configurations ===//
#include "samoyeds/Conversion/SamoyedsToGPU/KernelConfig.h"

#include <algorithm>
#include <sstream>

using namespace samoyeds::gpu;

bool KernelConfig::operator==(const KernelConfig &o) const {
  return family == o.family && warpM == o.warpM && warpN == o.warpN &&
         warpsM == o.warpsM && warpsN == o.warpsN && stages == o.stages &&
         blockK == o.blockK && splitK == o.splitK && schedule == o.schedule &&
         decodeTile == o.decodeTile && streamTokens == o.streamTokens;
}

std::string KernelConfig::tag() const {
  std::string s = "t" + std::to_string(warpM) + "x" + std::to_string(warpN) +
                  "x" + std::to_string(warpsM) + "x" + std::to_string(warpsN) +
                  "s" + std::to_string(stages) + "k" + std::to_string(blockK);
  if (splitK != 1)
    s += "_sk" + std::to_string(splitK);
  if (schedule == Schedule::Persistent)
    s += "_persistent";
  if (schedule == Schedule::WarpSpecialized)
    s += "_ws";
  if (family == Family::WgmmaSp)
    s += "_wgmma";
  return s;
}

std::string samoyeds::gpu::checkConfig(const SsmmProblem &p, const TargetInfo &t,
                                       const KernelConfig &c) {
  std::ostringstream os;
  int64_t n = p.n, m = p.m, v = p.v;
  if (c.family == Family::Auto)
    return "the kernel family must be chosen (mma_sp or wgmma_sp)";
  if (c.schedule == Schedule::Auto)
    return "the schedule must be chosen (grid or warp_specialized)";
  bool wgmma = c.family == Family::WgmmaSp;
  if (wgmma) {
    if (!t.hasWgmmaSp) {
      os << "the wgmma_sp kernel family needs sm_90a (chip " << t.chip << ")";
      return os.str();
    }
    if (c.splitK != 1)
      return "split-k (" + std::to_string(c.splitK) +
             ") must be 1 with the wgmma_sp kernel family (not supported yet)";
    if (c.schedule == Schedule::Persistent)
      return "the persistent schedule is not supported by the wgmma_sp kernel yet";
    int64_t wantM = p.silu ? 32 : 16;
    if (c.warpM != wantM || c.warpsN != 1 ||
        (c.warpsM != kWgmmaWarpsPerGroup && c.warpsM != 2 * kWgmmaWarpsPerGroup)) {
      os << "the wgmma_sp kernel family needs warp-m = " << wantM
         << (p.silu ? " (silu_mul: a gate and an up m64 instruction)" : "")
         << ", warps-m = 4 or 8 (one or two warpgroups) and warps-n = 1; got "
         << c.warpM << ", " << c.warpsM << ", " << c.warpsN;
      return os.str();
    }
    if (c.warpN < 8 || c.warpN > kWgmmaMaxN || c.warpN % 8) {
      os << "warp-n (" << c.warpN << ") is the wgmma N: a multiple of 8 in [8, "
         << kWgmmaMaxN << "]";
      return os.str();
    }
  }
  if (c.splitK < 1 || c.splitK > kMaxSplitK) {
    os << "split-k (" << c.splitK << ") must be in [1, " << kMaxSplitK << "]";
    return os.str();
  }
  if (!wgmma && c.schedule != Schedule::Grid)
    return c.schedule == Schedule::Persistent
               ? "the persistent schedule is not supported by the mma_sp kernel"
               : "the warp_specialized schedule needs the wgmma_sp kernel family";
  if (c.streamTokens < 0 || c.streamTokens > kMaxStreamTokens) {
    os << "stream-tokens (" << c.streamTokens << ") must be in [0, " << kMaxStreamTokens
       << "]";
    return os.str();
  }
  if (c.streamTokens && !streamApplies(p)) {
    os << "stream-tokens (" << c.streamTokens << ") needs an op with undef_padding (the "
       << "stream kernel writes routed rows only) and, with silu_mul, R / 2 a multiple "
          "of M";
    return os.str();
  }
  if (c.decodeTile < 0 || c.decodeTile > kMaxWarpTile) {
    os << "decode-tile (" << c.decodeTile << ") must be in [0, " << kMaxWarpTile << "]";
    return os.str();
  }
  // Bounds first: every product below then stays far inside 64 bits.
  if (c.warpsM < 1 || c.warpsN < 1 || c.warpsM > 32 || c.warpsN > 32 ||
      c.blockThreads() > t.maxThreadsPerBlock) {
    os << "warps-m (" << c.warpsM << ") and warps-n (" << c.warpsN
       << ") must be >= 1, with at most 32 warps in all";
    return os.str();
  }
  if (n != 1 && n != 2 && n != 4 && n != 8) {
    os << "N (" << n << ") must be 1, 2, 4 or 8 (row groups are reduced across lanes)";
    return os.str();
  }
  if (c.warpM % 16 || c.warpN % 8 || c.warpM <= 0 || c.warpN <= 0) {
    os << "warp-m (" << c.warpM << ") must be a multiple of 16 and warp-n ("
       << c.warpN << ") a multiple of 8";
    return os.str();
  }
  if (c.warpM > kMaxWarpTile || c.warpN > kMaxWarpTile) {
    os << "warp-m (" << c.warpM << ") and warp-n (" << c.warpN
       << ") must be at most " << kMaxWarpTile;
    return os.str();
  }
  if (p.silu && c.warpM % 32) {
    os << "silu_mul needs warp-m (" << c.warpM
       << ") to be a multiple of 32 (gate and up halves)";
    return os.str();
  }
  if (c.stages < 2) {
    os << "stages (" << c.stages << ") must be >= 2";
    return os.str();
  }
  if (c.stages > kMaxStages) {
    os << "stages (" << c.stages << ") must be at most " << kMaxStages;
    return os.str();
  }
  if (c.blockK != 32 && c.blockK != 64 && c.blockK != 128) {
    os << "block-k (" << c.blockK << ") must be 32, 64 or 128";
    return os.str();
  }
  if (v % c.blockK) {
    os << "V (" << v << ") must be a multiple of block-k (" << c.blockK << ")";
    return os.str();
  }
  int64_t condRows = p.condensedRows();
  int64_t rowsPerBlockHalf = p.silu ? c.blockM() / 2 : c.blockM();
  int64_t rowsToCover = p.silu ? condRows / 2 : condRows;
  if (p.silu && (p.rows / 2) % m) {
    os << "silu_mul needs R/2 (" << p.rows / 2 << ") to be a multiple of M (" << m
       << ")";
    return os.str();
  }
  if (rowsToCover % rowsPerBlockHalf) {
    os << (p.silu ? "half the condensed rows (" : "the condensed rows (")
       << rowsToCover << ") must be a multiple of the block tile ("
       << rowsPerBlockHalf << "); choose warp-m/warps-m to divide it";
    return os.str();
  }
  int64_t aChunks = c.blockM() * c.blockK / 16, bChunks = c.blockN() * c.blockK / 8;
  int64_t copiers = c.copyThreads();
  if (aChunks % copiers || bChunks % copiers ||
      (c.blockM() > copiers && c.blockM() % copiers)) {
    os << "the block tile (" << c.blockM() << "x" << c.blockN()
       << ") does not split evenly over " << copiers
       << " threads for the asynchronous copies";
    return os.str();
  }
  if (c.accumulatorFloats(m) > kMaxAccFloats) {
    os << "the accumulators need " << c.accumulatorFloats(m)
       << " registers per thread (M * warp-m * warp-n / 32, at most " << kMaxAccFloats
       << "); use a smaller warp tile";
    return os.str();
  }
  if (c.smemBytes() > t.smemPerBlock) {
    os << "the pipeline needs " << c.smemBytes()
       << " bytes of shared memory (at most " << t.smemPerBlock
       << " per block on this chip); use fewer stages or a smaller tile";
    return os.str();
  }
  if (c.decodeTile && !decodeConfig(p, t, c)) {
    os << "decode-tile (" << c.decodeTile << ") must be smaller than the token tile ("
       << c.blockN() << "), divide it, and give a kernel that can run this op "
       << "(warp-n = decode-tile, warps-n = 1)";
    return os.str();
  }
  return "";
}

namespace {
struct TableRow {
  const char *chip;
  int64_t rows, cols, n, m, v;
  bool silu;
  KernelConfig config;
};
// Entries measured better than the heuristic on that chip, same run:
// 14336x4096 1:2 V=128, block-k 128 with 2 stages: 298.0 us against 324.9 us for
// the heuristic's block-k 64 with 4 stages (H100, 2026-11-25, docs/performance.md,
// "What was tried"); rechecked on the H200 by the benchmark's tune variants.
const TableRow kTable[] = {
    {"sm_90a", 14336, 4096, 1, 2, 128, false,
     KernelConfig{Family::MmaSp, 64, 32, 2, 2, 2, 128, 1, Schedule::Grid}},
};

} // namespace

std::optional<KernelConfig> samoyeds::gpu::tableConfig(const SsmmProblem &p,
                                                       const TargetInfo &t) {
  for (const TableRow &r : kTable)
    if (t.chip == r.chip && p.rows == r.rows && p.cols == r.cols && p.n == r.n &&
        p.m == r.m && p.v == r.v && p.silu == r.silu)
      return r.config;
  return std::nullopt;
}

int64_t samoyeds::gpu::heuristicSplitK(const SsmmProblem &p, const TargetInfo &t,
                                       const KernelConfig &c) {
  if (c.blockM() <= 0 || p.v <= 0)
    return 1;
  // A launch with two token tiles of work (decode with top-2, one expert
  // pair, a shared expert) has 2 * rowTiles blocks: below the SM count the
  // chip is not full, and the launch splits K at run time
  // (splitsAtRunTime); with more row tiles it never would.
  int64_t rowTiles = p.condensedRows() / c.blockM();
  if (rowTiles <= 0 || rowTiles >= t.smCount)
    return 1;
  // At least kMinSlicesPerSplit V-slices per split: a shorter K range is all
  // pipeline prologue, and the partials' round trip through the workspace
  // then costs more than the idle SMs (2048x1408 at 16 tokens: 11 splits of
  // one slice took 36 us against 27 us unsplit, docs/performance.md).
  return std::max<int64_t>(
      1, std::min<int64_t>(kDefaultSplitK, p.cols / p.v / kMinSlicesPerSplit));
}

int64_t samoyeds::gpu::splitBlocksPerSM(const KernelConfig &c, const TargetInfo &t) {
  int64_t smem = std::max<int64_t>(c.smemBytes(), 1);
  return std::clamp<int64_t>(t.smemPerBlock / smem, 1, kMaxSplitBlocksPerSM);
}

int64_t samoyeds::gpu::splitsAtRunTime(int64_t maxSplits, int64_t rowTiles,
                                       int64_t workTiles, int64_t smCount,
                                       int64_t blocksPerSM) {
  if (maxSplits <= 1 || rowTiles <= 0)
    return 1;
  int64_t blocks = rowTiles * std::max<int64_t>(workTiles, 1);
  int64_t s = blocksPerSM * smCount / blocks;
  return std::max<int64_t>(1, std::min(s, maxSplits));
}

bool samoyeds::gpu::streamApplies(const SsmmProblem &p) {
  return p.undefPadding && p.m > 0 && p.rows % p.m == 0 && p.cols % 16 == 0 &&
         (!p.silu || (p.rows / 2) % p.m == 0);
}

namespace {
/// The stream kernel's slots from the override `requested`: -1 none, a
/// count kept as asked (checkConfig judges it), 0 chosen.
int64_t streamTokensFor(const SsmmProblem &p, int64_t requested) {
  if (requested < 0)
    return 0;
  return requested ? requested : streamApplies(p) ? kStreamTokens : 0;
}

/// The decode tile of a choice `c` from the override `requested`: 1 means
/// none, a tile is kept as asked (checkConfig judges it), 0 is chosen.
int64_t decodeTileFor(const SsmmProblem &p, const TargetInfo &t,
                      const KernelConfig &c, int64_t requested) {
  if (requested == 1)
    return 0;
  return requested ? requested : heuristicDecodeTile(p, t, c);
}
} // namespace

namespace {
/// The wgmma_sp heuristic: two warpgroups where the rows allow, a token tile
/// of 64 (less where the accumulators would not fit), block-k = min(128, V)
/// (one k-tile per V-slice at V = 128), the most stages (at most 4) that fit
/// the shared memory, the warp-specialised schedule for long K loops
/// (kWarpSpecializedMinKTiles), and the decode tile of c.decodeTile
/// (decodeTileFor).
KernelConfig heuristicWgmmaConfig(const SsmmProblem &p, const TargetInfo &t,
                                  KernelConfig c) {
  if (!c.warpM) c.warpM = p.silu ? 32 : 16;
  if (!c.warpsN) c.warpsN = 1;
  if (!c.warpN) {
    // 64 tokens: the mma_sp kernel's token tile, so that a layer's dispatch
    // tile (the lcm of its kernels') stays 64. N = 128 was no faster at
    // 14336x4096 (216.8 against 217.3 us) and, in a layer, doubled the
    // padded list (docs/results/h200-2026-12-02-wgmma/NOTES.md, v2).
    c.warpN = 64;
    while (c.warpN > 8 && c.accumulatorFloats(p.m) > kMaxAccFloats)
      c.warpN /= 2;
  }
  c.blockK = std::min<int64_t>(c.blockK ? c.blockK : 128, p.v);
  if (!c.warpsM) {
    int64_t rows = p.silu ? p.condensedRows() / 2 : p.condensedRows();
    int64_t per = 2 * kWgmmaWarpsPerGroup * (p.silu ? c.warpM / 2 : c.warpM);
    c.warpsM = rows % per == 0 ? 2 * kWgmmaWarpsPerGroup : kWgmmaWarpsPerGroup;
  }
  if (!c.stages) {
    c.stages = 4;
    while (c.stages > 2 && c.smemBytes() > t.smemPerBlock)
      --c.stages;
  }
  if (!c.splitK) c.splitK = 1;
  // Warp-specialised where the K loop is long: at 32 K tiles or more it
  // was 8-17 % faster than the grid kernel (14336x4096, 4096x14336,
  // 16384x6144), at 11-16 (1408x2048, 2048x1408) 1-2 us slower, its
  // prologue (barriers, the producer's lag) not amortised
  // (docs/results/h200-2026-12-03-ws/NOTES.md, v1).
  if (c.schedule == Schedule::Auto) {
    KernelConfig ws = c;
    ws.schedule = Schedule::WarpSpecialized;
    // Only where the MMA warpgroups' accumulators fit the 168 registers of a
    // 384-thread block: with 128 floats (N = 128, or silu_mul's gate and up
    // m-tiles) they spilled, and Mixtral's W1|W3 made the layer at T = 4096
    // take 12.4 ms against 5.3 with the grid kernel
    // (docs/results/h200-2026-12-03-ws/NOTES.md, v1 in layers).
    bool longK = c.blockK > 0 && p.cols / c.blockK >= kWarpSpecializedMinKTiles;
    bool fits = c.accumulatorFloats(p.m) <= kWarpSpecializedMaxAccFloats;
    c.schedule = longK && fits && checkConfig(p, t, ws).empty() ? Schedule::WarpSpecialized
                                                                : Schedule::Grid;
  }
  c.decodeTile = decodeTileFor(p, t, c, c.decodeTile);
  return c;
}

/// The mma_sp configuration `o`'s problem would get (the base of a wgmma_sp
/// kernel's decode kernel).
KernelConfig mmaChoice(const SsmmProblem &p, const TargetInfo &t, KernelConfig o) {
  o.family = Family::MmaSp;
  return selectConfig(p, t, o);
}
} // namespace

KernelConfig samoyeds::gpu::heuristicConfig(const SsmmProblem &p, const TargetInfo &t,
                                            KernelConfig o) {
  o.streamTokens = std::max<int64_t>(o.streamTokens, 0); // -1 (none) is selectConfig's
  // The warp-specialised schedule exists for wgmma_sp alone: asking for it
  // picks the family.
  if (o.family == Family::Auto && o.schedule == Schedule::WarpSpecialized && t.hasWgmmaSp)
    o.family = Family::WgmmaSp;
  if (o.family == Family::Auto) {
    // wgmma_sp where it can run and fills the chip without split-K; tiling
    // overrides are read in the mma_sp family's terms.
    bool tiling = o.warpM || o.warpN || o.warpsM || o.warpsN || o.stages || o.blockK ||
                  o.splitK > 1;
    if (t.hasWgmmaSp && !tiling) {
      KernelConfig w = o;
      w.family = Family::WgmmaSp;
      w = heuristicWgmmaConfig(p, t, w);
      int64_t rowTiles = w.blockM() > 0 ? p.condensedRows() / w.blockM() : 0;
      if (checkConfig(p, t, w).empty() &&
          std::max<int64_t>(p.experts, 1) * rowTiles * kWgmmaMinRowTilesPerSMDivisor >=
              t.smCount)
        return w;
    }
    o.family = Family::MmaSp;
  }
  if (o.family == Family::WgmmaSp)
    return heuristicWgmmaConfig(p, t, o);
  KernelConfig c = o;
  if (c.schedule == Schedule::Auto) c.schedule = Schedule::Grid;
  if (!c.warpN) c.warpN = 32;
  if (!c.warpsN) c.warpsN = 2;
  if (!c.stages) c.stages = 4;
  // split-k is chosen last, from the row tiling (0: chosen).
  auto withSplit = [&](KernelConfig r) {
    if (!r.splitK)
      r.splitK = heuristicSplitK(p, t, r);
    r.decodeTile = decodeTileFor(p, t, r, r.decodeTile);
    return r;
  };
  // A block-k above V is clamped to V: a stage never spans two slices.
  c.blockK = std::min<int64_t>(c.blockK ? c.blockK : 64, p.v);
  if (c.warpM && c.warpsM)
    return withSplit(c);
  // Row tiling: the largest warp tile whose accumulators fit the register
  // budget, then the most warps along rows that divide the condensed rows.
  int64_t rows = p.condensedRows();
  for (int64_t wmCand : {64, 32, 16}) {
    if (p.silu && wmCand % 32)
      continue;
    if (o.warpM && wmCand != o.warpM)
      continue;
    KernelConfig t = c;
    t.warpM = wmCand;
    // warp-n is at most kMaxWarpTile once checked; an unchecked huge override
    // must not overflow here, so compare in a form that cannot.
    if (c.warpN > kMaxWarpTile || t.accumulatorFloats(p.m) > kMaxAccFloats)
      continue;
    for (int64_t wsCand : {2, 1}) {
      if (o.warpsM && wsCand != o.warpsM)
        continue;
      int64_t blockRows = wmCand * wsCand;
      int64_t cover = p.silu ? rows / 2 : rows;
      int64_t per = p.silu ? blockRows / 2 : blockRows;
      if (cover % per == 0) {
        c.warpM = wmCand;
        c.warpsM = wsCand;
        return withSplit(c);
      }
    }
  }
  // Nothing fits: the smallest tile, so that checkConfig says why.
  if (!c.warpM)
    c.warpM = p.silu ? 32 : 16;
  if (!c.warpsM)
    c.warpsM = 1;
  if (!c.splitK)
    c.splitK = 1;
  c.decodeTile = decodeTileFor(p, t, c, c.decodeTile);
  return c;
}

std::optional<KernelConfig> samoyeds::gpu::decodeConfig(const SsmmProblem &p,
                                                        const TargetInfo &t,
                                                        const KernelConfig &c) {
  if (c.decodeTile <= 0 || c.warpsN <= 0 || c.warpN <= 0 ||
      c.blockN() % c.decodeTile || c.decodeTile >= c.blockN())
    return std::nullopt;
  if (c.family == Family::WgmmaSp) {
    KernelConfig o;
    o.splitK = 0;
    o.decodeTile = c.decodeTile;
    KernelConfig m = mmaChoice(p, t, o);
    m.decodeTile = c.decodeTile;
    return decodeConfig(p, t, m);
  }
  KernelConfig d = c;
  d.decodeTile = 0;
  d.warpN = c.decodeTile;
  d.warpsN = 1;
  // Keep the block's rows and its warp count where the rows allow.
  KernelConfig wide = d;
  wide.warpM = c.warpM / 2;
  wide.warpsM = c.warpsM * 2;
  for (const KernelConfig &cand : {wide, d})
    if (cand.warpM > 0 && checkConfig(p, t, cand).empty())
      return cand;
  return std::nullopt;
}

int64_t samoyeds::gpu::heuristicDecodeTile(const SsmmProblem &p, const TargetInfo &t,
                                           const KernelConfig &c) {
  KernelConfig probe = c;
  probe.decodeTile = kDecodeTile;
  return decodeConfig(p, t, probe) ? kDecodeTile : 0;
}

KernelConfig samoyeds::gpu::selectConfig(const SsmmProblem &p, const TargetInfo &t,
                                         KernelConfig o) {
  // The stream kernel's slots are chosen last; none of the tiled kernels'
  // choices (nor the checks of their decode kernels) depend on them.
  int64_t stream = o.streamTokens;
  o.streamTokens = 0;
  // A table entry is taken only when no tiling field is overridden: an
  // override asks for the heuristic's reading of the rest.
  // split-k alone is not a tiling override: it applies to a table entry too.
  bool anyOverride = o.warpM || o.warpN || o.warpsM || o.warpsN || o.stages ||
                     o.blockK || o.family == Family::WgmmaSp ||
                     (o.schedule != Schedule::Grid && o.schedule != Schedule::Auto);
  if (!anyOverride)
    if (std::optional<KernelConfig> c = tableConfig(p, t)) {
      // The table's entries are mma_sp ones, measured against the mma_sp
      // heuristic; Auto takes them too (its one shape, 14336x4096, has 56
      // row tiles: Auto's rule would not pick wgmma_sp there either).
      if (o.splitK)
        c->splitK = o.splitK;
      c->decodeTile = decodeTileFor(p, t, *c, o.decodeTile);
      c->streamTokens = streamTokensFor(p, stream);
      return *c;
    }
  KernelConfig c = heuristicConfig(p, t, o);
  c.streamTokens = streamTokensFor(p, stream);
  return c;
}
