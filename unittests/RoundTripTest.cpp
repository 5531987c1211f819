//===- RoundTripTest.cpp - pack/unpack properties on random matrices -------===//
//
// The pruning rule is re-checked here from its definition (norm order and
// magnitude order), independently of the packer's code.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace samoyeds::format;
using samoyeds::format::testing::Packed;
using samoyeds::format::testing::randomFittingMatrix;
using samoyeds::format::testing::randomMatrix;

namespace {

constexpr int64_t kRows = 24;  // a multiple of every M below
constexpr int64_t kCols = 384; // a multiple of every V below

class RoundTrip : public ::testing::TestWithParam<Format> {
protected:
  Packed packed(const std::vector<float> &w) {
    const Format f = GetParam();
    Packed p(f, kRows, kCols);
    EXPECT_EQ(pack(f, kRows, kCols, w.data(), p.values.data(), p.meta.data(),
                   p.rowidx.data()),
              "");
    return p;
  }
  std::vector<float> unpacked(const Packed &p) {
    std::vector<float> d(kRows * kCols, 42.0f);
    EXPECT_EQ(unpack(GetParam(), kRows, kCols, p.values.data(), p.meta.data(),
                     p.rowidx.data(), d.data()),
              "");
    return d;
  }
};

TEST_P(RoundTrip, PackUnpackPackIsIdempotent) {
  const Format f = GetParam();
  for (uint32_t seed : {1u, 2u, 3u}) {
    const std::vector<float> w = randomMatrix(seed, kRows * kCols);
    const Packed p1 = packed(w);
    const std::vector<float> w1 = unpacked(p1);
    EXPECT_TRUE(fitsPattern(f, kRows, kCols, w1.data()));
    // Pruning only zeroes entries.
    for (int64_t i = 0; i < kRows * kCols; ++i)
      ASSERT_TRUE(w1[i] == 0.0f || w1[i] == w[i]) << "at " << i;
    const Packed p2 = packed(w1);
    EXPECT_TRUE(p1 == p2) << "seed " << seed;
    EXPECT_EQ(unpacked(p2), w1);
  }
}

TEST_P(RoundTrip, FittingMatrixIsExact) {
  const Format f = GetParam();
  for (uint32_t seed : {11u, 12u, 13u}) {
    const std::vector<float> w = randomFittingMatrix(seed, f, kRows, kCols);
    ASSERT_TRUE(fitsPattern(f, kRows, kCols, w.data()));
    EXPECT_EQ(unpacked(packed(w)), w) << "seed " << seed;
  }
}

TEST_P(RoundTrip, SelectionFollowsTheRule) {
  const Format f = GetParam();
  const std::vector<float> w = randomMatrix(7, kRows * kCols);
  const Packed p = packed(w);
  const PackedShape ps = packedShape(f, kRows, kCols);
  for (int64_t g = 0; g < kRows / f.m; ++g)
    for (int64_t s = 0; s < ps.slices; ++s) {
      std::vector<double> norm(f.m, 0.0);
      for (int64_t j = 0; j < f.m; ++j)
        for (int64_t c = s * f.v; c < (s + 1) * f.v; ++c)
          norm[j] += std::fabs(w[(g * f.m + j) * kCols + c]);
      std::vector<bool> selected(f.m, false);
      for (int64_t jj = 0; jj < f.n; ++jj) {
        const int j = p.rowidx[s * ps.condRows + g * f.n + jj];
        ASSERT_LT(j, f.m);
        if (jj > 0) {
          ASSERT_GT(j, p.rowidx[s * ps.condRows + g * f.n + jj - 1]);
        }
        selected[j] = true;
      }
      for (int64_t j = 0; j < f.m; ++j)
        for (int64_t k = 0; k < f.m; ++k) {
          if (selected[j] && !selected[k]) {
            EXPECT_TRUE(norm[j] > norm[k] || (norm[j] == norm[k] && j < k))
                << "group " << g << " slice " << s;
          }
        }
    }
  // Element rule on every condensed row: kept magnitudes beat dropped ones.
  const std::vector<float> d = unpacked(p);
  for (int64_t cr = 0; cr < ps.condRows; ++cr)
    for (int64_t s = 0; s < ps.slices; ++s) {
      const int64_t row =
          cr / f.n * f.m + p.rowidx[s * ps.condRows + cr];
      for (int64_t c = s * f.v; c < (s + 1) * f.v; c += 4) {
        const uint16_t word = p.meta[cr * ps.metaCols + c / 16];
        const int nib = (word >> (4 * ((c / 4) % 4))) & 0xF;
        const int p0 = nib & 3, p1 = nib >> 2;
        ASSERT_LT(p0, p1);
        const float *x = &w[row * kCols + c];
        // Every kept position precedes every dropped one in the order
        // (|x| descending, column ascending).
        for (int k = 0; k < 4; ++k) {
          if (k == p0 || k == p1)
            continue;
          for (int kept : {p0, p1}) {
            EXPECT_TRUE(std::fabs(x[kept]) > std::fabs(x[k]) ||
                        (std::fabs(x[kept]) == std::fabs(x[k]) && kept < k));
          }
        }
        EXPECT_EQ(p.values[cr * ps.valueCols + c / 2], x[p0]);
        EXPECT_EQ(p.values[cr * ps.valueCols + c / 2 + 1], x[p1]);
        EXPECT_EQ(d[row * kCols + c + p0], x[p0]);
      }
    }
}

std::string formatName(const ::testing::TestParamInfo<Format> &info) {
  return std::to_string(info.param.n) + "of" + std::to_string(info.param.m) +
         "_V" + std::to_string(info.param.v);
}

INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip,
                         ::testing::Values(Format{1, 2, 32}, Format{1, 2, 128},
                                           Format{2, 4, 64}, Format{1, 1, 32},
                                           Format{3, 4, 32}, Format{3, 4, 64},
                                           Format{2, 8, 96}),
                         formatName);

TEST(RoundTripSmall, ThreeOfFourHandMatrix) {
  // 3:4 on 4 x 32 where row 2 has the smallest norm: it is the one dropped.
  const Format f{3, 4, 32};
  std::vector<float> w(4 * 32, 0.0f);
  for (int c = 0; c < 32; c += 4) {
    w[0 * 32 + c] = 4;
    w[1 * 32 + c + 1] = -3;
    w[2 * 32 + c + 2] = 1;
    w[3 * 32 + c + 3] = 2;
  }
  Packed p(f, 4, 32);
  ASSERT_EQ(pack(f, 4, 32, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  EXPECT_EQ(p.rowidx, (std::vector<uint8_t>{0, 1, 3}));
  // Row 0: (0,1) 0x4; row 1: (0,1) 0x4; row 3: (0,3) 0xC.
  EXPECT_EQ(p.meta, (std::vector<uint16_t>{0x4444, 0x4444, 0x4444, 0x4444,
                                           0xCCCC, 0xCCCC}));
  std::vector<float> d(4 * 32);
  ASSERT_EQ(unpack(f, 4, 32, p.values.data(), p.meta.data(), p.rowidx.data(),
                   d.data()),
            "");
  std::vector<float> expect = w;
  for (int c = 0; c < 32; ++c)
    expect[2 * 32 + c] = 0;
  EXPECT_EQ(d, expect);
}

} // namespace
