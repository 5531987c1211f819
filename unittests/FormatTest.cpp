//===- FormatTest.cpp - Verification, hand-checked packing, tie breaking ---===//
//
// Expected arrays in this file were worked out by hand from the rules in
// docs/format.md, not produced by calling pack().
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace samoyeds::format;
using samoyeds::format::testing::Packed;

namespace {

//===--- verifyFormat / verifyShape: every message ------------------------===//

TEST(VerifyFormat, AcceptsValidFormats) {
  EXPECT_EQ(verifyFormat({1, 2, 128}), "");
  EXPECT_EQ(verifyFormat({1, 1, 32}), "");
  EXPECT_EQ(verifyFormat({3, 4, 64}), "");
  EXPECT_EQ(verifyFormat({4, 4, 96}), ""); // 96 = 3 * 32
  EXPECT_EQ(verifyFormat({1, 256, 32}), "");
}

TEST(VerifyFormat, Messages) {
  EXPECT_EQ(verifyFormat({0, 2, 32}), "N (0) must be at least 1");
  EXPECT_EQ(verifyFormat({-1, 2, 32}), "N (-1) must be at least 1");
  EXPECT_EQ(verifyFormat({1, 0, 32}), "M (0) must be at least 1");
  EXPECT_EQ(verifyFormat({3, 2, 32}), "N (3) must not exceed M (2)");
  EXPECT_EQ(verifyFormat({1, 257, 32}),
            "M (257) must not exceed 256 (row indices are stored as uint8)");
  EXPECT_EQ(verifyFormat({1, 2, 48}), "V (48) must be a positive multiple of 32");
  EXPECT_EQ(verifyFormat({1, 2, 0}), "V (0) must be a positive multiple of 32");
  EXPECT_EQ(verifyFormat({1, 2, -32}),
            "V (-32) must be a positive multiple of 32");
  EXPECT_EQ(verifyFormat({1, 2, 16}), "V (16) must be a positive multiple of 32");
}

TEST(VerifyShape, Messages) {
  const Format f{1, 4, 128};
  EXPECT_EQ(verifyShape(f, 8, 256), "");
  EXPECT_EQ(verifyShape(f, 0, 128), "rows (0) must be positive");
  EXPECT_EQ(verifyShape(f, -4, 128), "rows (-4) must be positive");
  EXPECT_EQ(verifyShape(f, 4, 0), "cols (0) must be positive");
  EXPECT_EQ(verifyShape(f, 4, -128), "cols (-128) must be positive");
  EXPECT_EQ(verifyShape(f, 30, 128), "rows (30) must be a multiple of M (4)");
  EXPECT_EQ(verifyShape(f, 4, 100), "cols (100) must be a multiple of V (128)");
  EXPECT_EQ(verifyShape(f, 4, 192), "cols (192) must be a multiple of V (128)");
  const int64_t big = int64_t(1) << 40;
  EXPECT_EQ(verifyShape(f, big, big),
            "rows x cols (1099511627776 x 1099511627776) is too large to index");
  // Format errors come first.
  EXPECT_EQ(verifyShape({3, 2, 32}, 30, 100), "N (3) must not exceed M (2)");
}

TEST(Format, ToString) { EXPECT_EQ(toString({1, 2, 128}), "1:2 V=128"); }

TEST(PackedShape, MixtralExpert) {
  // 14336 x 4096 (Mixtral w1), 1:2 V=128.
  const Format f{1, 2, 128};
  const PackedShape ps = packedShape(f, 14336, 4096);
  EXPECT_EQ(ps.condRows, 7168);
  EXPECT_EQ(ps.valueCols, 2048);
  EXPECT_EQ(ps.metaCols, 256);
  EXPECT_EQ(ps.slices, 32);
  EXPECT_EQ(numValues(ps), 7168 * 2048);
  EXPECT_EQ(numMetaWords(ps), 7168 * 256);
  EXPECT_EQ(numRowIndices(ps), 32 * 7168);
}

TEST(PackedShape, ThreeOfFour) {
  const PackedShape ps = packedShape({3, 4, 64}, 8, 128);
  EXPECT_EQ(ps.condRows, 6);
  EXPECT_EQ(ps.valueCols, 64);
  EXPECT_EQ(ps.metaCols, 8);
  EXPECT_EQ(ps.slices, 2);
}

//===--- Hand-checked packings ---------------------------------------------===//

// 1:2, V=32, 2 x 32. Row 0 is all ones (L1 norm 32); row 1 has norm 71, so
// row 1 is selected. Row 1, group by group (kept positions, nibble p0|p1<<2):
//   g0 [0, 5, 0,-7]  -> (1,3) [5,-7]    0xD
//   g1 [2, 2, 2, 2]  -> (0,1) [2,2]     0x4   ties: lower columns
//   g2 [0, 0, 0, 0]  -> (0,1) [0,0]     0x4
//   g3 [1,-9, 3, 0]  -> (1,2) [-9,3]    0x9
//   g4 [8, 0, 0, 8]  -> (0,3) [8,8]     0xC
//   g5 [0, 0, 6, 0]  -> (0,2) [0,6]     0x8   fewer than 2 non-zeros
//   g6 [-1,4,-4, 3]  -> (1,2) [4,-4]    0x9
//   g7 [0, 0,1.5,2.5]-> (2,3) [1.5,2.5] 0xE
// Word 0 = groups 0..3 = 0x944D, word 1 = groups 4..7 = 0xE98C.
const float kRow1[32] = {0, 5, 0, -7, 2, 2, 2, 2, 0, 0, 0, 0, 1, -9, 3, 0,
                         8, 0, 0, 8,  0, 0, 6, 0, -1, 4, -4, 3, 0, 0, 1.5f, 2.5f};

std::vector<float> handMatrixA() {
  std::vector<float> w(64, 1.0f);
  std::copy(kRow1, kRow1 + 32, w.begin() + 32);
  return w;
}

TEST(PackHand, OneOfTwo_2x32) {
  const Format f{1, 2, 32};
  const std::vector<float> w = handMatrixA();
  Packed p(f, 2, 32);
  ASSERT_EQ(pack(f, 2, 32, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  const std::vector<float> values = {5, -7, 2, 2, 0, 0,  -9,   3,
                                     8, 8,  0, 6, 4, -4, 1.5f, 2.5f};
  EXPECT_EQ(p.values, values);
  EXPECT_EQ(p.meta, (std::vector<uint16_t>{0x944D, 0xE98C}));
  EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{1}));

  // Unpack: row 0 is zero, row 1 keeps exactly the chosen positions.
  std::vector<float> d(64, 99.0f);
  ASSERT_EQ(unpack(f, 2, 32, p.values.data(), p.meta.data(), p.rowidx.data(),
                   d.data()),
            "");
  std::vector<float> expect(64, 0.0f);
  const float row1[32] = {0, 5, 0, -7, 2, 2, 0, 0, 0, 0, 0, 0, 0, -9, 3, 0,
                          8, 0, 0, 8,  0, 0, 6, 0, 0, 4, -4, 0, 0, 0, 1.5f, 2.5f};
  std::copy(row1, row1 + 32, expect.begin() + 32);
  EXPECT_EQ(d, expect);
}

// 2:4, V=32, 4 x 32, one row group and one slice. Norms: row 0 = 10,
// row 1 = 3, row 2 = 10, row 3 = 12. Row 3 first, then the tie 0 vs 2 goes to
// the lower row: selected {0, 3} -> rowidx [0, 3].
//   condensed 0 = row 0: g0 [0,0,-4,6] -> (2,3) 0xE, other groups zero (0,1).
//   condensed 1 = row 3: g4 [1,2,3,6]  -> (2,3) [3,6] 0xE.
TEST(PackHand, TwoOfFour_4x32) {
  const Format f{2, 4, 32};
  std::vector<float> w(4 * 32, 0.0f);
  w[0 * 32 + 2] = -4;
  w[0 * 32 + 3] = 6;
  w[1 * 32 + 0] = 3;
  w[2 * 32 + 31] = -10;
  w[3 * 32 + 16] = 1;
  w[3 * 32 + 17] = 2;
  w[3 * 32 + 18] = 3;
  w[3 * 32 + 19] = 6;
  Packed p(f, 4, 32);
  ASSERT_EQ(pack(f, 4, 32, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  std::vector<float> values(32, 0.0f);
  values[0] = -4;
  values[1] = 6;
  values[16 + 8] = 3;
  values[16 + 9] = 6;
  EXPECT_EQ(p.values, values);
  EXPECT_EQ(p.meta, (std::vector<uint16_t>{0x444E, 0x4444, 0x4444, 0x444E}));
  EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{0, 3}));
}

// 1:2, V=32, 2 x 64: the selection differs per slice. Slice 0: row 0 (norm
// 3) beats row 1 (norm 2); slice 1: row 1 (norm 15) beats row 0 (norm 1).
// Row 1 cols 32..35 = [0,5,-5,5] -> (1,2) [5,-5] nibble 0x9 (tie at 5: lower
// columns); word 2 = 0x4449.
TEST(PackHand, SelectionPerSlice_2x64) {
  const Format f{1, 2, 32};
  std::vector<float> w(2 * 64, 0.0f);
  w[0] = 1;
  w[1] = 2;
  w[40] = 1;
  w[64 + 10] = -2;
  w[64 + 33] = 5;
  w[64 + 34] = -5;
  w[64 + 35] = 5;
  Packed p(f, 2, 64);
  ASSERT_EQ(pack(f, 2, 64, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  std::vector<float> values(32, 0.0f);
  values[0] = 1;
  values[1] = 2;
  values[16] = 5;
  values[17] = -5;
  EXPECT_EQ(p.values, values);
  EXPECT_EQ(p.meta, (std::vector<uint16_t>{0x4444, 0x4444, 0x4449, 0x4444}));
  EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{0, 1})); // slices x condRows

  std::vector<float> d(2 * 64, 7.0f);
  ASSERT_EQ(unpack(f, 2, 64, p.values.data(), p.meta.data(), p.rowidx.data(),
                   d.data()),
            "");
  std::vector<float> expect(2 * 64, 0.0f);
  expect[0] = 1;
  expect[1] = 2;
  expect[64 + 33] = 5;
  expect[64 + 34] = -5;
  EXPECT_EQ(d, expect);
}

// Unpack from arrays written by hand (3:4, V=32, 4 x 32): rowidx [0, 2, 3]
// (row 1 not selected). Condensed row 0 keeps (0, 2) of group 0 (nibble 0x8),
// condensed row 1 = original row 2 keeps (1, 3) of group 1 (nibble 0xD, word
// 0x44D4), condensed row 2 = original row 3 keeps (2, 3) of group 7 (nibble
// 0xE in the top nibble of word 1: 0xE444). All other nibbles are 0x4.
TEST(UnpackHand, ThreeOfFour_4x32) {
  const Format f{3, 4, 32};
  std::vector<float> values(3 * 16, 0.0f);
  values[0] = 1.0f;       // condensed 0, group 0, first
  values[1] = 2.0f;       //                       second
  values[16 + 2] = 3.0f;  // condensed 1, group 1, first
  values[16 + 3] = 4.0f;  //                       second
  values[32 + 14] = 5.0f; // condensed 2, group 7, first
  values[32 + 15] = 6.0f; //                       second
  const std::vector<uint16_t> meta = {0x4448, 0x4444,  // (0,2) in group 0
                                      0x44D4, 0x4444,  // (1,3) in group 1
                                      0x4444, 0xE444}; // (2,3) in group 7
  const std::vector<uint8_t> rowidx = {0, 2, 3};
  std::vector<float> d(4 * 32, 9.0f);
  ASSERT_EQ(unpack(f, 4, 32, values.data(), meta.data(), rowidx.data(),
                   d.data()),
            "");
  std::vector<float> expect(4 * 32, 0.0f);
  expect[0 * 32 + 0] = 1.0f;
  expect[0 * 32 + 2] = 2.0f;
  expect[2 * 32 + 5] = 3.0f;
  expect[2 * 32 + 7] = 4.0f;
  expect[3 * 32 + 30] = 5.0f;
  expect[3 * 32 + 31] = 6.0f;
  EXPECT_EQ(d, expect);
}

//===--- Tie breaking ------------------------------------------------------===//

struct GroupCase {
  float x[4];
  uint16_t nibble;
  float kept0, kept1;
};

// One group of 4 placed in column 0 of a 1:1 V=32 row (rest zero).
TEST(TieBreak, ColumnsWithinGroup) {
  const GroupCase cases[] = {
      {{3, 3, 3, 3}, 0x4, 3, 3},     // all tied: (0,1)
      {{0, 3, 3, 3}, 0x9, 3, 3},     // (1,2)
      {{-3, 0, 0, 3}, 0xC, -3, 3},   // |-3| ties 3: (0,3)
      {{0, 0, 0, 0}, 0x4, 0, 0},     // zeros: (0,1)
      {{0, 0, 0, 1}, 0xC, 0, 1},     // one non-zero: (0,3)
      {{0, 1, 0, 0}, 0x4, 0, 1},     // one non-zero: (0,1)
      {{4, -5, 1, 2}, 0x4, 4, -5},   // sign ignored
      {{1, 2, 2, 1}, 0x9, 2, 2},     // (1,2)
      {{2, 1, 1, 2}, 0xC, 2, 2},     // (0,3)
      {{1, 1, 2, 1}, 0x8, 1, 2},     // (0,2): tie for second -> col 0
  };
  const Format f{1, 1, 32};
  for (const GroupCase &c : cases) {
    std::vector<float> w(32, 0.0f);
    std::copy(c.x, c.x + 4, w.begin());
    Packed p(f, 1, 32);
    ASSERT_EQ(pack(f, 1, 32, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    SCOPED_TRACE(::testing::Message() << c.x[0] << " " << c.x[1] << " "
                                      << c.x[2] << " " << c.x[3]);
    EXPECT_EQ(p.meta[0] & 0xF, c.nibble);
    EXPECT_EQ(p.values[0], c.kept0);
    EXPECT_EQ(p.values[1], c.kept1);
  }
}

TEST(TieBreak, RowsLowerIndexWins) {
  // 1:2, equal norms (different values): row 0 wins.
  {
    const Format f{1, 2, 32};
    std::vector<float> w(64, 0.0f);
    w[0] = 2;            // row 0 norm 2
    w[32 + 5] = -1;      // row 1 norm 2 as well
    w[32 + 9] = 1;
    Packed p(f, 2, 32);
    ASSERT_EQ(pack(f, 2, 32, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{0}));
  }
  // 1:4, rows 1 and 3 tie for the maximum: row 1.
  {
    const Format f{1, 4, 32};
    std::vector<float> w(4 * 32, 0.0f);
    w[0 * 32] = 1;
    w[1 * 32 + 4] = 3;
    w[2 * 32] = 2;
    w[3 * 32 + 8] = -3;
    Packed p(f, 4, 32);
    ASSERT_EQ(pack(f, 4, 32, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{1}));
  }
  // 2:4, all rows zero: rows 0 and 1.
  {
    const Format f{2, 4, 32};
    std::vector<float> w(4 * 32, 0.0f);
    Packed p(f, 4, 32);
    ASSERT_EQ(pack(f, 4, 32, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{0, 1}));
    EXPECT_EQ(p.meta, (std::vector<uint16_t>(4, 0x4444)));
  }
  // 3:64, every row has norm 1 (at different columns): rows 0, 1, 2. Large
  // M exercises the sort beyond small-array special cases.
  {
    const Format f{3, 64, 32};
    std::vector<float> w(64 * 32, 0.0f);
    for (int r = 0; r < 64; ++r)
      w[r * 32 + (r * 7) % 32] = (r % 2) ? 1.0f : -1.0f;
    Packed p(f, 64, 32);
    ASSERT_EQ(pack(f, 64, 32, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{0, 1, 2}));
  }
  // 2:4, norms 1, 5, 5, 5: rows 1 and 2.
  {
    const Format f{2, 4, 32};
    std::vector<float> w(4 * 32, 0.0f);
    w[0 * 32] = 1;
    w[1 * 32 + 1] = 5;
    w[2 * 32 + 2] = -5;
    w[3 * 32 + 3] = 5;
    Packed p(f, 4, 32);
    ASSERT_EQ(pack(f, 4, 32, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{1, 2}));
  }
}

TEST(TieBreak, NaNIsNeverDropped) {
  // Element level: NaN ranks above every number.
  const Format f{1, 2, 32};
  std::vector<float> w(64, 0.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  w[32 + 0] = 1;
  w[32 + 1] = nan;
  w[32 + 2] = 2;
  w[32 + 3] = 3;
  // Row level: row 0 has a larger finite norm, row 1 a NaN norm.
  for (int c = 4; c < 32; ++c)
    w[c] = 100;
  Packed p(f, 2, 32);
  ASSERT_EQ(pack(f, 2, 32, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  EXPECT_EQ(p.rowidx[0], 1);
  EXPECT_EQ(p.meta[0] & 0xF, 0xD); // (1, 3)
  EXPECT_TRUE(std::isnan(p.values[0]));
  EXPECT_EQ(p.values[1], 3.0f);
}

//===--- Errors: pack / unpack arguments and malformed packed data ---------===//

TEST(PackErrors, ShapeAndNullPointers) {
  const Format f{1, 2, 32};
  std::vector<float> w(2 * 32, 1.0f);
  Packed p(f, 2, 32);
  const Packed untouched = p;
  EXPECT_EQ(pack(f, 3, 32, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "rows (3) must be a multiple of M (2)");
  EXPECT_EQ(pack({1, 2, 48}, 2, 48, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "V (48) must be a positive multiple of 32");
  EXPECT_EQ(pack(f, 2, 32, nullptr, p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "dense must not be null");
  EXPECT_EQ(pack(f, 2, 32, w.data(), nullptr, p.meta.data(), p.rowidx.data()),
            "values must not be null");
  EXPECT_EQ(pack(f, 2, 32, w.data(), p.values.data(), nullptr, p.rowidx.data()),
            "meta must not be null");
  EXPECT_EQ(pack(f, 2, 32, w.data(), p.values.data(), p.meta.data(), nullptr),
            "rowidx must not be null");
  EXPECT_TRUE(p == untouched);
}

TEST(UnpackErrors, NullPointersAndShape) {
  const Format f{1, 2, 32};
  Packed p(f, 2, 32);
  std::vector<float> d(64);
  EXPECT_EQ(unpack(f, 2, 30, p.values.data(), p.meta.data(), p.rowidx.data(),
                   d.data()),
            "cols (30) must be a multiple of V (32)");
  EXPECT_EQ(unpack(f, 2, 32, nullptr, p.meta.data(), p.rowidx.data(), d.data()),
            "values must not be null");
  EXPECT_EQ(unpack(f, 2, 32, p.values.data(), nullptr, p.rowidx.data(),
                   d.data()),
            "meta must not be null");
  EXPECT_EQ(unpack(f, 2, 32, p.values.data(), p.meta.data(), nullptr, d.data()),
            "rowidx must not be null");
  EXPECT_EQ(unpack(f, 2, 32, p.values.data(), p.meta.data(), p.rowidx.data(),
                   nullptr),
            "dense must not be null");
}

// A valid 2:4 V=32 4x32 packing to corrupt.
struct Valid24 {
  Format f{2, 4, 32};
  std::vector<float> values = std::vector<float>(2 * 16, 1.0f);
  std::vector<uint16_t> meta = std::vector<uint16_t>(2 * 2, 0x4444);
  std::vector<uint8_t> rowidx = {1, 3};
  std::vector<float> dense = std::vector<float>(4 * 32, 5.0f);
  std::string run() {
    return unpack(f, 4, 32, values.data(), meta.data(), rowidx.data(),
                  dense.data());
  }
};

TEST(UnpackErrors, MalformedRowIndices) {
  {
    Valid24 t;
    t.rowidx = {1, 4};
    EXPECT_EQ(t.run(), "rowidx[0][1] (4) must be less than M (4)");
    EXPECT_EQ(t.dense, std::vector<float>(4 * 32, 5.0f)); // untouched
  }
  {
    Valid24 t;
    t.rowidx = {3, 1};
    EXPECT_EQ(t.run(), "rowidx[0][0..1] (3, 1) must be strictly ascending "
                       "within row group 0");
  }
  {
    Valid24 t;
    t.rowidx = {2, 2};
    EXPECT_EQ(t.run(), "rowidx[0][0..1] (2, 2) must be strictly ascending "
                       "within row group 0");
  }
  {
    Valid24 t;
    t.rowidx = {200, 201};
    EXPECT_EQ(t.run(), "rowidx[0][0] (200) must be less than M (4)");
  }
  {
    Valid24 t;
    EXPECT_EQ(t.run(), "");
  }
}

TEST(UnpackErrors, MalformedMetadata) {
  struct Case {
    int64_t row, word;
    uint16_t value;
    const char *message;
  } cases[] = {
      {0, 0, 0x4445,
       "meta[0][0] nibble 0 (columns 0..3): positions (1, 1) must be strictly "
       "ascending"},
      {1, 1, 0x1444,
       "meta[1][1] nibble 3 (columns 28..31): positions (1, 0) must be "
       "strictly ascending"},
      {0, 1, 0x4404,
       "meta[0][1] nibble 1 (columns 20..23): positions (0, 0) must be "
       "strictly ascending"},
      {1, 0, 0x4B44,
       "meta[1][0] nibble 2 (columns 8..11): positions (3, 2) must be "
       "strictly ascending"},
  };
  for (const Case &c : cases) {
    Valid24 t;
    t.meta[c.row * 2 + c.word] = c.value;
    EXPECT_EQ(t.run(), c.message);
    EXPECT_EQ(t.dense, std::vector<float>(4 * 32, 5.0f));
  }
}

TEST(UnpackErrors, ZeroedMetadataIsRejected) {
  // All-zero metadata (e.g. forgotten initialisation) encodes (0, 0).
  Valid24 t;
  t.meta.assign(4, 0);
  EXPECT_NE(t.run(), "");
}

//===--- fitsPattern -------------------------------------------------------===//

TEST(FitsPattern, Basics) {
  const Format f{1, 2, 32};
  std::vector<float> w(2 * 64, 0.0f);
  EXPECT_TRUE(fitsPattern(f, 2, 64, w.data()));
  w[0] = 1;
  w[1] = 1;
  EXPECT_TRUE(fitsPattern(f, 2, 64, w.data()));
  w[2] = 1; // three non-zeros in one group of 4
  EXPECT_FALSE(fitsPattern(f, 2, 64, w.data()));
  w[2] = 0;
  w[64 + 40] = 1; // row 1 in slice 1 only: still one row per cell
  EXPECT_TRUE(fitsPattern(f, 2, 64, w.data()));
  w[64 + 31] = 1; // row 1 in slice 0 as well: two rows in cell (0, 0)
  EXPECT_FALSE(fitsPattern(f, 2, 64, w.data()));
  w[64 + 31] = 0;
  w[5] = std::numeric_limits<float>::quiet_NaN(); // NaN counts as non-zero
  w[6] = 1;
  w[7] = 1;
  EXPECT_FALSE(fitsPattern(f, 2, 64, w.data()));
  // Invalid arguments.
  EXPECT_FALSE(fitsPattern(f, 3, 64, w.data()));
  EXPECT_FALSE(fitsPattern(f, 2, 64, nullptr));
}

} // namespace
