//===- TestUtil.h - Helpers shared by the format unit tests ----*- C++ -*-===//

#ifndef SAMOYEDS_UNITTESTS_TESTUTIL_H
#define SAMOYEDS_UNITTESTS_TESTUTIL_H

#include "samoyeds/Format/Format.h"

#include <cstdint>
#include <random>
#include <vector>

namespace samoyeds {
namespace format {
namespace testing {

/// The three packed arrays, sized for a format and shape.
struct Packed {
  std::vector<float> values;
  std::vector<uint16_t> meta;
  std::vector<uint8_t> rowidx;

  Packed(const Format &f, int64_t rows, int64_t cols) {
    const PackedShape ps = packedShape(f, rows, cols);
    values.assign(numValues(ps), -123.0f);
    meta.assign(numMetaWords(ps), 0xABCD);
    rowidx.assign(numRowIndices(ps), 0xEE);
  }
  bool operator==(const Packed &o) const {
    return values == o.values && meta == o.meta && rowidx == o.rowidx;
  }
};

/// Deterministic values in [-1, 1) built from raw mt19937 output (whose
/// sequence the standard fixes, unlike the distributions').
inline std::vector<float> randomMatrix(uint32_t seed, int64_t count) {
  std::mt19937 gen(seed);
  std::vector<float> out(count);
  for (float &x : out)
    x = static_cast<float>(gen() >> 8) * (1.0f / 8388608.0f) - 1.0f;
  return out;
}

/// A random matrix that fits the pattern: per (group, slice) N random rows,
/// per group of 4 two random positions holding small integers (0 included).
inline std::vector<float> randomFittingMatrix(uint32_t seed, const Format &f,
                                              int64_t rows, int64_t cols) {
  std::mt19937 gen(seed);
  std::vector<float> out(rows * cols, 0.0f);
  for (int64_t g = 0; g < rows / f.m; ++g)
    for (int64_t c0 = 0; c0 < cols; c0 += f.v) {
      std::vector<int64_t> perm(f.m);
      for (int64_t j = 0; j < f.m; ++j)
        perm[j] = j;
      for (int64_t j = f.m - 1; j > 0; --j)
        std::swap(perm[j], perm[gen() % (j + 1)]);
      for (int64_t k = 0; k < f.n; ++k) {
        float *row = out.data() + (g * f.m + perm[k]) * cols;
        for (int64_t c = c0; c < c0 + f.v; c += 4) {
          const int a = gen() % 4;
          const int b = (a + 1 + gen() % 3) % 4;
          row[c + a] = static_cast<float>(static_cast<int>(gen() % 9) - 4);
          row[c + b] = static_cast<float>(static_cast<int>(gen() % 9) - 4);
        }
      }
    }
  return out;
}

} // namespace testing
} // namespace format
} // namespace samoyeds

#endif // SAMOYEDS_UNITTESTS_TESTUTIL_H
