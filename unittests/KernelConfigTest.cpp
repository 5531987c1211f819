//===- KernelConfigTest.cpp - Target facts and the ssmm kernel configuration ===//
//
// Expected configurations are derived by hand from the rules in
// KernelConfig.h (register budget 200 = M * warp-m * warp-n / 32, block rows
// dividing the condensed rows; split-k 16, at most the V-slices, where the row
// tiles = condensed rows / blockM are fewer than the SMs; run-time splits
// floor(2 * SMs / (row tiles * work tiles)) in [1, split-k]), not read back
// from the code.
#include "samoyeds/Conversion/SamoyedsToGPU/KernelConfig.h"

#include <gtest/gtest.h>

#include <cstdint>

using namespace samoyeds::gpu;

namespace {
TargetInfo target(const char *chip) {
  std::string err;
  std::optional<TargetInfo> t = lookupTarget(chip, err);
  EXPECT_TRUE(t.has_value()) << err;
  return t.value_or(TargetInfo{});
}

SsmmProblem plain(int64_t r, int64_t c, int64_t n = 1, int64_t m = 2, int64_t v = 128) {
  SsmmProblem p;
  p.rows = r;
  p.cols = c;
  p.n = n;
  p.m = m;
  p.v = v;
  return p;
}

// The overrides the passes give when no option is set: every field 0, which
// is "chosen" (ConfigAttr.h, tileOverrides). KernelConfig{} is not that: its
// split-k is 1, a configuration's default, which asks for no split.
KernelConfig chosen() {
  KernelConfig o;
  o.splitK = 0;
  return o;
}

// The tiling and split of a choice, without its decode tile (tested alone,
// DecodeTile below).
KernelConfig noDecode(KernelConfig c) {
  c.decodeTile = 0;
  return c;
}

KernelConfig cfg(int64_t wm, int64_t wn, int64_t wsm, int64_t wsn, int64_t st,
                 int64_t bk, int64_t sk = 1) {
  KernelConfig c;
  c.splitK = sk;
  c.warpM = wm;
  c.warpN = wn;
  c.warpsM = wsm;
  c.warpsN = wsn;
  c.stages = st;
  c.blockK = bk;
  return c;
}
} // namespace

TEST(TargetInfo, Hopper) {
  TargetInfo t = target("sm_90a");
  EXPECT_EQ(t.sm, 90);
  EXPECT_EQ(t.smCount, 132);
  EXPECT_EQ(t.smemPerBlock, 232448);
  EXPECT_TRUE(t.hasWgmmaSp);
  EXPECT_TRUE(t.orderedMetadata);
  EXPECT_EQ(t.ptxFeatures, "+ptx85");
  EXPECT_FALSE(target("sm_90").hasWgmmaSp); // wgmma needs the arch-specific target
}

TEST(TargetInfo, Ampere) {
  EXPECT_EQ(target("sm_80").smemPerBlock, 166912);
  EXPECT_EQ(target("sm_86").smemPerBlock, 101376);
  EXPECT_FALSE(target("sm_80").orderedMetadata);
  EXPECT_FALSE(target("sm_80").hasWgmmaSp);
}

TEST(TargetInfo, Rejected) {
  std::string err;
  EXPECT_FALSE(lookupTarget("sm_75", err));
  EXPECT_EQ(err, "chip sm_75 has no sparse tensor cores (needs sm_80 or newer)");
  EXPECT_FALSE(lookupTarget("gfx90a", err));
  EXPECT_EQ(err, "chip 'gfx90a' is not of the form sm_XX, sm_XXa or sm_XXf");
  EXPECT_FALSE(lookupTarget("sm_", err));
  EXPECT_FALSE(lookupTarget("sm_80foo", err));
  // Digits that would overflow an int are malformed, not a crash.
  EXPECT_FALSE(lookupTarget("sm_99999999999999999999", err));
  EXPECT_EQ(err, "chip 'sm_99999999999999999999' is not of the form sm_XX, sm_XXa or sm_XXf");
  // Valid names the emitted PTX version cannot target.
  EXPECT_FALSE(lookupTarget("sm_100a", err));
  EXPECT_EQ(err, "chip sm_100a is not supported: the pipeline emits PTX 8.5 for "
                 "sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a");
  EXPECT_FALSE(lookupTarget("sm_999", err));
}

// The five performance shapes of docs/performance.md, 1:2 V=128 on sm_90a
// (132 SMs). Every one of them has fewer row tiles than SMs, so the heuristic
// allows min(16, C / 128) splits.
TEST(SelectConfig, PerformanceShapes) {
  TargetInfo h = target("sm_90a");
  // 7168 condensed rows: the table's measured entry (block-k 128, 2 stages),
  // which says split-k 1.
  EXPECT_EQ(noDecode(selectConfig(plain(14336, 4096), h, chosen())), cfg(64, 32, 2, 2, 2, 128, 1));
  // 2048 and 8192 condensed rows: warp-m 64 (2 * 64 * 32 / 32 = 128 <= 200), 2
  // warps; 16 and 64 row tiles of 128, 112 and 48 slices.
  EXPECT_EQ(noDecode(selectConfig(plain(4096, 14336), h, chosen())), cfg(64, 32, 2, 2, 4, 64, 8));
  EXPECT_EQ(noDecode(selectConfig(plain(16384, 6144), h, chosen())), cfg(64, 32, 2, 2, 4, 64, 8));
  // 704 condensed rows: 704 % 128 = 64, so one warp along rows (704 % 64 = 0):
  // 11 row tiles, 16 slices.
  EXPECT_EQ(noDecode(selectConfig(plain(1408, 2048), h, chosen())), cfg(64, 32, 1, 2, 4, 64, 4));
  // 8 row tiles, but 1408 / 128 = 11 slices: split-k 11.
  EXPECT_EQ(noDecode(selectConfig(plain(2048, 1408), h, chosen())), cfg(64, 32, 2, 2, 4, 64, 2));
  // The table is per chip: sm_80 takes the heuristic for the headline shape
  // (56 row tiles < 108 SMs, 32 slices).
  EXPECT_EQ(noDecode(selectConfig(plain(14336, 4096), target("sm_80"), chosen())),
            cfg(64, 32, 2, 2, 4, 64, 8));
}

TEST(SelectConfig, HeuristicRules) {
  TargetInfo h = target("sm_90a");
  // 1:8: warp-m 32 needs 8 * 32 = 256 floats, so 16 (128 floats); 128
  // condensed rows / 32 = 4 row tiles, 512 / 128 = 4 slices: split-k 4.
  EXPECT_EQ(noDecode(heuristicConfig(plain(1024, 512, 1, 8), h, chosen())), cfg(16, 32, 2, 2, 4, 64, 1));
  // V = 32 clamps block-k to 32 (4 row tiles, 32 slices: split-k 8).
  EXPECT_EQ(noDecode(heuristicConfig(plain(1024, 1024, 1, 2, 32), h, chosen())), cfg(64, 32, 2, 2, 4, 32, 8));
  // silu_mul halves: 100 condensed rows of gate per half is not a multiple of
  // 32 or 16 -> the fallback (32, 1, split-k 1), which checkConfig then rejects.
  SsmmProblem s = plain(400, 256);
  s.silu = true;
  KernelConfig c = heuristicConfig(s, h, chosen());
  EXPECT_EQ(c, cfg(32, 32, 1, 2, 4, 64, 1));
  EXPECT_EQ(checkConfig(s, h, c),
            "half the condensed rows (100) must be a multiple of the block tile (16); "
            "choose warp-m/warps-m to divide it");
  // Small token counts do not change the choice: the token tile stays 64 and
  // the decode tile (DecodeTile below) serves calls with few pairs.
  SsmmProblem small = plain(4096, 14336);
  small.listLen = 8;
  EXPECT_EQ(noDecode(selectConfig(small, h, chosen())), cfg(64, 32, 2, 2, 4, 64, 8));
}

TEST(SelectConfig, OverridesWinAndDisableTheTable) {
  TargetInfo h = target("sm_90a");
  KernelConfig o = chosen();
  o.stages = 3;
  EXPECT_EQ(noDecode(selectConfig(plain(14336, 4096), h, o)), cfg(64, 32, 2, 2, 3, 64, 8));
  o = chosen();
  o.blockK = 128; // clamped to V = 64
  EXPECT_EQ(selectConfig(plain(1024, 1024, 1, 2, 64), h, o).blockK, 64);
  o = chosen();
  o.warpM = 32;
  // 2048 / 64 = 32 row tiles: split-k 16.
  EXPECT_EQ(noDecode(selectConfig(plain(4096, 14336), h, o)), cfg(32, 32, 2, 2, 4, 64, 8));
}

// split-k alone is not a tiling override: the table entry keeps its tiling
// and takes the split; with a tiling override the heuristic keeps it too.
TEST(SelectConfig, SplitOverride) {
  TargetInfo h = target("sm_90a");
  KernelConfig o = chosen();
  o.splitK = 3;
  EXPECT_EQ(noDecode(selectConfig(plain(14336, 4096), h, o)), cfg(64, 32, 2, 2, 2, 128, 3));
  EXPECT_EQ(noDecode(selectConfig(plain(4096, 14336), h, o)), cfg(64, 32, 2, 2, 4, 64, 3));
  o.stages = 3;
  EXPECT_EQ(noDecode(selectConfig(plain(14336, 4096), h, o)), cfg(64, 32, 2, 2, 3, 64, 3));
  // 1 turns the heuristic's 8 off; so do the default overrides
  // (KernelConfig{}, split-k 1), unlike the passes' (chosen(), split-k 0).
  o = chosen();
  o.splitK = 1;
  EXPECT_EQ(noDecode(selectConfig(plain(4096, 14336), h, o)), cfg(64, 32, 2, 2, 4, 64, 1));
  EXPECT_EQ(noDecode(selectConfig(plain(4096, 14336), h)), cfg(64, 32, 2, 2, 4, 64, 1));
  EXPECT_EQ(noDecode(selectConfig(plain(4096, 14336), h, chosen())), cfg(64, 32, 2, 2, 4, 64, 8));
}

// 16 splits where the row tiles (condensed rows / blockM) are fewer than the
// SMs, at most one per 4 V-slices (C / V / 4, at least 1); 1 otherwise.
TEST(SplitK, Heuristic) {
  TargetInfo h = target("sm_90a");
  KernelConfig c = cfg(64, 32, 2, 2, 4, 64); // blockM 128
  // 7168 / 128 = 56 row tiles < 132; 32 slices.
  EXPECT_EQ(heuristicSplitK(plain(14336, 4096), h, c), 8);
  // 25600 / 128 = 200 row tiles.
  EXPECT_EQ(heuristicSplitK(plain(51200, 4096), h, c), 1);
  // The boundary: 131 row tiles split, 132 do not.
  EXPECT_EQ(heuristicSplitK(plain(131 * 256, 4096), h, c), 8);
  EXPECT_EQ(heuristicSplitK(plain(132 * 256, 4096), h, c), 1);
  // Capped at the slices: 1408 / 128 = 11; one slice: no split.
  EXPECT_EQ(heuristicSplitK(plain(2048, 1408), h, c), 2);
  EXPECT_EQ(heuristicSplitK(plain(2048, 128), h, c), 1);
  // The slices are C / V: V = 32 gives 4096 / 32 = 128 slices, still 16.
  EXPECT_EQ(heuristicSplitK(plain(2048, 4096, 1, 2, 32), h, c), 8);
  EXPECT_EQ(heuristicSplitK(plain(2048, 64, 1, 2, 32), h, c), 1);
  // The SM count is the chip's: 120 row tiles split on sm_90a, not on
  // sm_80 (108 SMs).
  EXPECT_EQ(heuristicSplitK(plain(120 * 256, 4096), h, c), 8);
  EXPECT_EQ(heuristicSplitK(plain(120 * 256, 4096), target("sm_80"), c), 1);
  // The row tiles are counted with the config's blockM: 64-row blocks of a
  // 2:4 weight of 16384 rows (8192 condensed) make 128 < 132.
  EXPECT_EQ(heuristicSplitK(plain(16384, 4096, 2, 4), h, cfg(32, 32, 2, 2, 4, 64)), 8);
  EXPECT_EQ(heuristicSplitK(plain(16384, 4096, 2, 4), h, cfg(32, 32, 1, 2, 4, 64)), 1);
}

// floor(blocksPerSM * SMs / (row tiles * max(work tiles, 1))), clamped to
// [1, maxSplits]; blocksPerSM 2 as the 64-token tile's, unless said.
TEST(SplitK, AtRunTime) {
  // Mixtral W2 (4096 x 14336) at T = 1: 16 row tiles, top-2 gives 2 token
  // tiles with work: 264 / 32 = 8.25 -> 8.
  EXPECT_EQ(splitsAtRunTime(16, 16, 2, 132, 2), 8);
  // Mixtral W13 (14336 x 4096) at T = 1: 56 row tiles: 264 / 112 -> 2.
  EXPECT_EQ(splitsAtRunTime(16, 56, 2, 132, 2), 2);
  // Rounded down, not to nearest: 264 / 35 = 7.54 -> 7.
  EXPECT_EQ(splitsAtRunTime(16, 5, 7, 132, 2), 7);
  // A large T fills the chip: 264 / (16 * 100) = 0 -> 1.
  EXPECT_EQ(splitsAtRunTime(16, 16, 100, 132, 2), 1);
  // The cap: 264 / 1 = 264 -> 16; maxSplits 1 never splits.
  EXPECT_EQ(splitsAtRunTime(16, 1, 1, 132, 2), 16);
  EXPECT_EQ(splitsAtRunTime(1, 16, 2, 132, 2), 1);
  EXPECT_EQ(splitsAtRunTime(1, 1, 1, 132, 2), 1);
  // No work tiles count as one: 264 / 16 = 16.5 -> 16 (below the cap 64).
  EXPECT_EQ(splitsAtRunTime(64, 16, 0, 132, 2), 16);
  EXPECT_EQ(splitsAtRunTime(16, 16, 0, 132, 2), 16);
  // The SM count: sm_80's 108 give 216 / 32 = 6.75 -> 6.
  EXPECT_EQ(splitsAtRunTime(16, 16, 2, 108, 2), 6);
  // No row tiles: 1.
  EXPECT_EQ(splitsAtRunTime(16, 0, 2, 132, 2), 1);
  // The decode tile's four blocks per SM: Mixtral W1|W3 (28672 x 4096 with
  // silu_mul, 112 row tiles of 128) at T = 1: 528 / 224 -> 2, where two
  // blocks per SM gave 1 (224 blocks of 4 warps for 132 SMs).
  EXPECT_EQ(splitsAtRunTime(8, 112, 2, 132, 4), 2);
  EXPECT_EQ(splitsAtRunTime(8, 112, 2, 132, 2), 1);
}

// As many blocks as the shared memory holds, in [1, 4].
TEST(SplitK, BlocksPerSM) {
  TargetInfo h = target("sm_90a");
  // The 64-token tile, 4 stages of block-k 64: 81920 bytes -> 2.
  KernelConfig wide = cfg(64, 32, 2, 2, 4, 64);
  EXPECT_EQ(wide.smemBytes(), 81920);
  EXPECT_EQ(splitBlocksPerSM(wide, h), 2);
  // The decode tile (warp-n 16, 4 x 1 warps): 54272 bytes -> 4.
  KernelConfig decode = cfg(32, 16, 4, 1, 4, 64);
  EXPECT_EQ(decode.smemBytes(), 54272);
  EXPECT_EQ(splitBlocksPerSM(decode, h), 4);
  // Capped at 4; at least 1.
  EXPECT_EQ(splitBlocksPerSM(cfg(16, 8, 1, 1, 2, 32), h), 4);
  KernelConfig huge = cfg(64, 64, 2, 4, 6, 64);
  ASSERT_GT(huge.smemBytes(), h.smemPerBlock / 2);
  EXPECT_EQ(splitBlocksPerSM(huge, h), 1);
  // sm_80's smaller shared memory: 166912 / 81920 -> 2, / 54272 -> 3.
  EXPECT_EQ(splitBlocksPerSM(wide, target("sm_80")), 2);
  EXPECT_EQ(splitBlocksPerSM(decode, target("sm_80")), 3);
}

TEST(CheckConfig, Messages) {
  TargetInfo h = target("sm_90a");
  SsmmProblem p = plain(512, 256);
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 64)), "");
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 1, 64)), "stages (1) must be >= 2");
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 48)), "block-k (48) must be 32, 64 or 128");
  EXPECT_EQ(checkConfig(p, h, cfg(40, 32, 2, 2, 4, 64)),
            "warp-m (40) must be a multiple of 16 and warp-n (32) a multiple of 8");
  // 12 stages of (128 x 40 + 64 x 72 + 128 x 4) x 2 bytes = 245760 > 232448.
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 12, 64)),
            "the pipeline needs 245760 bytes of shared memory (at most 232448 per "
            "block on this chip); use fewer stages or a smaller tile");
  // The same 7 stages fit sm_90a but not sm_86's 99 KB.
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 7, 64)), "");
  EXPECT_EQ(checkConfig(p, target("sm_86"), cfg(64, 32, 2, 2, 7, 64)),
            "the pipeline needs 143360 bytes of shared memory (at most 101376 per "
            "block on this chip); use fewer stages or a smaller tile");
  // split-k 1 .. 64 is accepted, anything else refused.
  for (int64_t k : {1, 2, 4, 16, 64})
    EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 64, k)), "") << k;
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 64, 0)),
            "split-k (0) must be in [1, 64]");
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 64, 65)),
            "split-k (65) must be in [1, 64]");
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 64, -1)),
            "split-k (-1) must be in [1, 64]");
  KernelConfig wg = cfg(64, 32, 2, 2, 4, 64);
  wg.family = Family::WgmmaSp;
  EXPECT_EQ(checkConfig(p, target("sm_80"), wg),
            "the wgmma_sp kernel family needs sm_90a (chip sm_80)");
}

// Values a user controls that would overflow 64-bit size arithmetic are
// rejected before any product is formed.
TEST(CheckConfig, HugeValuesDoNotOverflow) {
  TargetInfo h = target("sm_90a");
  SsmmProblem p = plain(512, 256);
  const int64_t huge = int64_t(1) << 62;
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, huge, 4, 64)),
            "warps-m (2) and warps-n (4611686018427387904) must be >= 1, with at most "
            "32 warps in all");
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, huge, 64)),
            "stages (4611686018427387904) must be at most 16");
  EXPECT_EQ(checkConfig(p, h, cfg(huge, 32, 2, 2, 4, 64)),
            "warp-m (4611686018427387904) and warp-n (32) must be at most 256");
  EXPECT_EQ(checkConfig(p, h, cfg(64, 32, 2, 2, 4, 64, huge)),
            "split-k (4611686018427387904) must be in [1, 64]");
  KernelConfig o = chosen();
  o.warpN = huge; // the heuristic must not overflow on it either
  KernelConfig c = selectConfig(p, h, o);
  EXPECT_NE(checkConfig(p, h, c), "");
}

TEST(KernelConfig, Tag) {
  EXPECT_EQ(cfg(64, 32, 2, 2, 4, 64).tag(), "t64x32x2x2s4k64");
  KernelConfig c = cfg(16, 8, 1, 4, 3, 32);
  c.splitK = 2;
  EXPECT_EQ(c.tag(), "t16x8x1x4s3k32_sk2");
  EXPECT_EQ(c.blockN(), 32);
}

// The decode tile: a second kernel of the same rows with 16 entries a block
// (warps_n 1), warp-m halved over twice the warps where the rows allow.
TEST(DecodeTile, Choice) {
  TargetInfo h = target("sm_90a");
  KernelConfig c = selectConfig(plain(4096, 14336), h, chosen());
  EXPECT_EQ(c.decodeTile, kDecodeTile);
  std::optional<KernelConfig> d = decodeConfig(plain(4096, 14336), h, c);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, cfg(32, 16, 4, 1, 4, 64, 8));
  // 1 in the overrides: none; an explicit tile is kept.
  KernelConfig o = chosen();
  o.decodeTile = 1;
  EXPECT_EQ(selectConfig(plain(4096, 14336), h, o).decodeTile, 0);
  o.decodeTile = 32;
  EXPECT_EQ(selectConfig(plain(4096, 14336), h, o).decodeTile, 32);
  // A tile that does not divide the token tile (64) is refused with a message.
  KernelConfig bad = c;
  bad.decodeTile = 24;
  EXPECT_FALSE(decodeConfig(plain(4096, 14336), h, bad).has_value());
  EXPECT_NE(checkConfig(plain(4096, 14336), h, bad).find("decode-tile (24) must be smaller"),
            std::string::npos);
  // No decode kernel when the token tile is already 16.
  KernelConfig sixteen = cfg(64, 16, 2, 1, 4, 64);
  EXPECT_EQ(heuristicDecodeTile(plain(4096, 14336), h, sixteen), 0);
}


// The wgmma_sp family (KernelConfig.h): warpgroups of 4 warps along rows,
// warp-m 16 (32 with silu_mul), warp-n the instruction's N, warps-n 1.
TEST(Wgmma, HeuristicAndChecks) {
  TargetInfo h = target("sm_90a");
  KernelConfig o = chosen();
  o.family = Family::WgmmaSp;
  // 14336x4096 1:2: 7168 condensed rows, two warpgroups (128 rows divide
  // them), N = 64 (2 x 16 x 64 / 32 = 64 accumulator floats), block-k = V =
  // 128, 4 stages of (128 x 64 + 64 x 128 + 128 x 8) x 2 = 34816 bytes and
  // 1024 bytes of alignment slack (140288 <= 232448), no split, and a decode
  // tile (an mma_sp decode kernel, AutoFamily). 32 K tiles: warp-specialised
  // (WarpSpecialized below); asked for the grid schedule, the same tiles.
  KernelConfig og = o;
  og.schedule = Schedule::Grid;
  KernelConfig c = selectConfig(plain(14336, 4096), h, og);
  KernelConfig want = cfg(16, 64, 8, 1, 4, 128);
  want.family = Family::WgmmaSp;
  want.decodeTile = kDecodeTile;
  EXPECT_EQ(c, want) << c.tag();
  EXPECT_EQ(c.tag(), "t16x64x8x1s4k128_wgmma");
  EXPECT_EQ(c.smemBytes(), 4 * 34816 + 1024);
  // Stages of the operand rings are whole KB: N = 8 with block-k 32 has 512
  // bytes of tokens a stage, carved as 1024.
  KernelConfig small = c;
  small.warpN = 8;
  small.blockK = 32;
  EXPECT_EQ(small.bStageBytes(), 1024);
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, c), "");
  // 1408x2048: 704 condensed rows; 128 does not divide them, 64 does.
  EXPECT_EQ(selectConfig(plain(1408, 2048), h, o).warpsM, 4);
  // silu_mul: warp-m 32 (a gate and an up instruction), N = 64.
  SsmmProblem s = plain(28672, 4096);
  s.silu = true;
  KernelConfig cs = selectConfig(s, h, o);
  EXPECT_EQ(cs.warpM, 32);
  EXPECT_EQ(cs.warpN, 64);
  EXPECT_EQ(cs.warpsM, 8);
  EXPECT_EQ(checkConfig(s, h, cs), "");
  // V = 64: block-k follows V.
  EXPECT_EQ(selectConfig(plain(1024, 1024, 1, 2, 64), h, o).blockK, 64);
  // N = 128 (an override) fits too: 128 accumulator floats.
  KernelConfig n128 = o;
  n128.warpN = 128;
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, selectConfig(plain(14336, 4096), h, n128)), "");
  // Not on sm_90 without the a: wgmma.sp is an sm_90a feature.
  EXPECT_EQ(checkConfig(plain(14336, 4096), target("sm_90"), c),
            "the wgmma_sp kernel family needs sm_90a (chip sm_90)");
  KernelConfig bad = c;
  bad.warpM = 32;
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, bad),
            "the wgmma_sp kernel family needs warp-m = 16, warps-m = 4 or 8 (one or "
            "two warpgroups) and warps-n = 1; got 32, 8, 1");
  bad = c;
  bad.warpsM = 6;
  EXPECT_NE(checkConfig(plain(14336, 4096), h, bad), "");
  bad = c;
  bad.warpN = 12;
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, bad),
            "warp-n (12) is the wgmma N: a multiple of 8 in [8, 256]");
  bad = c;
  bad.splitK = 4;
  EXPECT_NE(checkConfig(plain(14336, 4096), h, bad), "");
  // mma_sp pitches are padded, wgmma_sp's are not.
  KernelConfig m = cfg(16, 128, 8, 1, 4, 128);
  EXPECT_EQ(m.aPitch(), 72);
  EXPECT_EQ(c.aPitch(), 64);
  EXPECT_EQ(c.bPitch(), 128);
}

// The warp-specialised schedule (docs/kernel.md, section 17): a producer
// warpgroup of 128 threads beside the MMA warpgroups, which alone copies a
// stage; 16 bytes of mbarriers per stage; wgmma_sp only; chosen Grid.
TEST(Wgmma, WarpSpecialized) {
  TargetInfo h = target("sm_90a");
  KernelConfig o = chosen();
  o.family = Family::WgmmaSp;
  o.schedule = Schedule::WarpSpecialized;
  KernelConfig c = selectConfig(plain(14336, 4096), h, o);
  EXPECT_EQ(c.schedule, Schedule::WarpSpecialized);
  EXPECT_EQ(c.tag(), "t16x64x8x1s4k128_ws_wgmma");
  EXPECT_EQ(c.threads(), 256);
  EXPECT_EQ(c.copyThreads(), 128);
  EXPECT_EQ(c.blockThreads(), 384);
  EXPECT_EQ(c.smemBytes(), 4 * 34816 + 4 * 16 + 1024);
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, c), "");
  // One warpgroup of MMAs: 256 threads in all, the copies still on 128.
  KernelConfig one = c;
  one.warpsM = 4;
  EXPECT_EQ(one.blockThreads(), 256);
  EXPECT_EQ(one.copyThreads(), 128);
  // The copy split is checked against the producer's 128 threads: N = 8
  // with block-k 32 has 8 x 32 / 8 = 32 token chunks a stage.
  KernelConfig tiny = c;
  tiny.warpN = 8;
  tiny.blockK = 32;
  EXPECT_EQ(checkConfig(plain(14336, 4096, 1, 2, 128), h, tiny),
            "the block tile (128x8) does not split evenly over 128 threads for the "
            "asynchronous copies");
  // Not for mma_sp, and Auto must be resolved.
  KernelConfig m = c;
  m.family = Family::MmaSp;
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, m),
            "the warp_specialized schedule needs the wgmma_sp kernel family");
  KernelConfig a = c;
  a.schedule = Schedule::Auto;
  EXPECT_EQ(checkConfig(plain(14336, 4096), h, a),
            "the schedule must be chosen (grid or warp_specialized)");
  // Chosen (Auto): grid for mma_sp; for wgmma_sp warp-specialised from 32
  // K tiles (block-k 128: 4096 columns) on, grid below.
  KernelConfig auto0 = chosen();
  auto0.schedule = Schedule::Auto;
  EXPECT_EQ(selectConfig(plain(14336, 4096), h, auto0).schedule, Schedule::Grid);
  auto0.family = Family::WgmmaSp;
  EXPECT_EQ(selectConfig(plain(14336, 4096), h, auto0).schedule,
            Schedule::WarpSpecialized);
  EXPECT_EQ(selectConfig(plain(4096, 14336), h, auto0).schedule,
            Schedule::WarpSpecialized);
  EXPECT_EQ(selectConfig(plain(14336, 3968), h, auto0).schedule, Schedule::Grid);
  EXPECT_EQ(selectConfig(plain(2048, 1408), h, auto0).schedule, Schedule::Grid);
  // V = 64 (block-k 64): 32 K tiles at 2048 columns.
  EXPECT_EQ(selectConfig(plain(2048, 2048, 1, 2, 64), h, auto0).schedule,
            Schedule::WarpSpecialized);
  // silu_mul (two m-tiles a warp: 128 accumulator floats) and N = 128 keep
  // the grid kernel: the MMA warpgroups would spill at 168 registers.
  SsmmProblem w13 = plain(28672, 4096);
  w13.silu = true;
  w13.experts = 8;
  EXPECT_EQ(selectConfig(w13, h, auto0).schedule, Schedule::Grid);
  KernelConfig n128 = auto0;
  n128.warpN = 128;
  EXPECT_EQ(selectConfig(plain(14336, 4096), h, n128).schedule, Schedule::Grid);
  KernelConfig autoWs = chosen();
  autoWs.family = Family::Auto;
  autoWs.schedule = Schedule::WarpSpecialized;
  EXPECT_EQ(selectConfig(plain(4096, 14336), h, autoWs).family, Family::WgmmaSp);
}

// The family choice (Family::Auto, what the passes' default option gives):
// wgmma_sp on sm_90a when experts * row tiles >= SMs / 2 (66 on sm_90a) and
// no tiling is overridden; its decode kernel is the mma_sp one.
TEST(Wgmma, AutoFamily) {
  TargetInfo h = target("sm_90a");
  KernelConfig o = chosen();
  o.family = Family::Auto;
  // Mixtral's stacked W1|W3 per expert (28672x4096 silu, 8 experts): 14336
  // condensed rows, 112 row tiles of 128: wgmma_sp, N = 64.
  SsmmProblem w13 = plain(28672, 4096);
  w13.silu = true;
  w13.experts = 8;
  KernelConfig c = selectConfig(w13, h, o);
  EXPECT_EQ(c.family, Family::WgmmaSp) << c.tag();
  EXPECT_EQ(c.warpN, 64);
  EXPECT_EQ(c.decodeTile, kDecodeTile);
  std::optional<KernelConfig> d = decodeConfig(w13, h, c);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->family, Family::MmaSp);
  EXPECT_EQ(d->blockN(), kDecodeTile);
  EXPECT_EQ(checkConfig(w13, h, c), "");
  // W2 (4096x14336, 8 experts): 16 row tiles x 8 = 128 >= 66.
  SsmmProblem w2 = plain(4096, 14336);
  w2.experts = 8;
  EXPECT_EQ(selectConfig(w2, h, o).family, Family::WgmmaSp);
  // One expert of it: 16 < 66, the mma_sp kernel with split-K.
  KernelConfig one = selectConfig(plain(4096, 14336), h, o);
  EXPECT_EQ(one.family, Family::MmaSp);
  EXPECT_GT(one.splitK, 1);
  // The measured table entry stays (56 row tiles < 66).
  EXPECT_EQ(selectConfig(plain(14336, 4096), h, o).family, Family::MmaSp);
  // A tiling override reads as mma_sp; no wgmma on sm_80.
  KernelConfig wn = o;
  wn.warpN = 64;
  EXPECT_EQ(selectConfig(w2, h, wn).family, Family::MmaSp);
  EXPECT_EQ(selectConfig(w2, target("sm_80"), o).family, Family::MmaSp);
  // Auto itself is never a configuration.
  EXPECT_EQ(checkConfig(w2, h, o), "the kernel family must be chosen (mma_sp or wgmma_sp)");
}

// The stream kernel's slots (kStreamTokens where streamApplies): chosen last
// and apart from the tiling, so that the tiled kernels (and their decode
// kernels) are the same whatever the override.
TEST(StreamTokens, Choice) {
  TargetInfo h = target("sm_90a");
  KernelConfig o = chosen();
  SsmmProblem w13 = plain(28672, 4096);
  w13.silu = true;
  w13.experts = 8;
  // Padding rows must be written (no undef_padding): no stream kernel.
  EXPECT_EQ(selectConfig(w13, h, o).streamTokens, 0);
  w13.undefPadding = true;
  KernelConfig c = selectConfig(w13, h, o);
  EXPECT_EQ(c.streamTokens, 2);
  EXPECT_EQ(checkConfig(w13, h, c), "");
  // -1: none; the tiled choice and its decode tile unchanged.
  KernelConfig none = o;
  none.streamTokens = -1;
  KernelConfig n = selectConfig(w13, h, none);
  EXPECT_EQ(n.streamTokens, 0);
  n.streamTokens = c.streamTokens;
  EXPECT_TRUE(n == c) << n.tag() << " vs " << c.tag();
  EXPECT_EQ(n.decodeTile, kDecodeTile);
  // An explicit count is kept, and judged.
  KernelConfig four = o;
  four.streamTokens = 4;
  EXPECT_EQ(selectConfig(w13, h, four).streamTokens, 4);
  KernelConfig bad = c;
  bad.streamTokens = 9;
  EXPECT_EQ(checkConfig(w13, h, bad), "stream-tokens (9) must be in [0, 8]");
  w13.undefPadding = false;
  EXPECT_EQ(checkConfig(w13, h, c),
            "stream-tokens (2) needs an op with undef_padding (the stream kernel writes "
            "routed rows only) and, with silu_mul, R / 2 a multiple of M");
  // silu_mul with a gate half that splits a row group (R / 2 = 6, M = 4).
  SsmmProblem odd = plain(12, 256, 2, 4, 128);
  odd.silu = true;
  odd.undefPadding = true;
  EXPECT_FALSE(streamApplies(odd));
  EXPECT_EQ(selectConfig(odd, h, o).streamTokens, 0);
  odd.silu = false;
  EXPECT_TRUE(streamApplies(odd));
}
