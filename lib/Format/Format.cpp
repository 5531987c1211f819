//===- Format.cpp - Verification, pruning pack and unpack ------------------===//

#include "samoyeds/Format/Format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

namespace samoyeds {
namespace format {

namespace {

std::string str(int64_t x) { return std::to_string(x); }

// Magnitude order used by the pruner: NaN ranks above every number (so a NaN
// is kept, never dropped silently), all NaNs rank equal. A strict weak order.
template <typename T> bool greaterMagnitude(T a, T b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb)
    return na && !nb;
  return a > b;
}

// Positions (p0 < p1) of the 2 largest |x| of x[0..3]; ties: lower index.
void top2of4(const float *x, int &p0, int &p1) {
  float mag[4];
  for (int i = 0; i < 4; ++i)
    mag[i] = std::fabs(x[i]);
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (greaterMagnitude(mag[i], mag[best]))
      best = i;
  int second = best == 0 ? 1 : 0;
  for (int i = second + 1; i < 4; ++i)
    if (i != best && greaterMagnitude(mag[i], mag[second]))
      second = i;
  p0 = std::min(best, second);
  p1 = std::max(best, second);
}

std::string nullError(const char *name) {
  return std::string(name) + " must not be null";
}

/// The shape and the four arrays of pack / unpack: "" or what is wrong.
std::string checkArguments(const Format &f, int64_t rows, int64_t cols,
                           const void *dense, const void *values,
                           const void *meta, const void *rowidx) {
  std::string err = verifyShape(f, rows, cols);
  if (!err.empty())
    return err;
  if (!dense)
    return nullError("dense");
  if (!values)
    return nullError("values");
  if (!meta)
    return nullError("meta");
  if (!rowidx)
    return nullError("rowidx");
  return "";
}

} // namespace

std::string toString(const Format &f) {
  return str(f.n) + ":" + str(f.m) + " V=" + str(f.v);
}

std::string verifyFormat(const Format &f) {
  if (f.n < 1)
    return "N (" + str(f.n) + ") must be at least 1";
  if (f.m < 1)
    return "M (" + str(f.m) + ") must be at least 1";
  if (f.n > f.m)
    return "N (" + str(f.n) + ") must not exceed M (" + str(f.m) + ")";
  if (f.m > kMaxM)
    return "M (" + str(f.m) + ") must not exceed " + str(kMaxM) +
           " (row indices are stored as uint8)";
  if (f.v <= 0 || f.v % kVMultiple != 0)
    return "V (" + str(f.v) + ") must be a positive multiple of " +
           str(kVMultiple);
  return "";
}

std::string verifyShape(const Format &f, int64_t rows, int64_t cols) {
  std::string err = verifyFormat(f);
  if (!err.empty())
    return err;
  if (rows <= 0)
    return "rows (" + str(rows) + ") must be positive";
  if (cols <= 0)
    return "cols (" + str(cols) + ") must be positive";
  if (rows % f.m != 0)
    return "rows (" + str(rows) + ") must be a multiple of M (" + str(f.m) +
           ")";
  if (cols % f.v != 0)
    return "cols (" + str(cols) + ") must be a multiple of V (" + str(f.v) +
           ")";
  if (rows > std::numeric_limits<int64_t>::max() / cols)
    return "rows x cols (" + str(rows) + " x " + str(cols) +
           ") is too large to index";
  return "";
}

PackedShape packedShape(const Format &f, int64_t rows, int64_t cols) {
  PackedShape s;
  s.condRows = rows / f.m * f.n;
  s.valueCols = cols / 2;
  s.metaCols = cols / 16;
  s.slices = cols / f.v;
  return s;
}

std::string pack(const Format &f, int64_t rows, int64_t cols,
                 const float *dense, float *values, uint16_t *meta,
                 uint8_t *rowidx) {
  std::string err = checkArguments(f, rows, cols, dense, values, meta, rowidx);
  if (!err.empty())
    return err;

  const PackedShape ps = packedShape(f, rows, cols);
  const int64_t groups = rows / f.m;
  std::vector<double> norms(f.m);
  std::vector<int64_t> order(f.m);

  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t s = 0; s < ps.slices; ++s) {
      const int64_t c0 = s * f.v;
      for (int64_t j = 0; j < f.m; ++j) {
        const float *row = dense + (g * f.m + j) * cols + c0;
        double sum = 0.0;
        for (int64_t c = 0; c < f.v; ++c)
          sum += std::fabs(static_cast<double>(row[c]));
        norms[j] = sum;
      }
      // Stable sort by descending norm: equal norms keep the lower row first.
      std::iota(order.begin(), order.end(), int64_t(0));
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return greaterMagnitude(norms[a], norms[b]);
      });
      std::sort(order.begin(), order.begin() + f.n);

      for (int64_t jj = 0; jj < f.n; ++jj) {
        const int64_t cr = g * f.n + jj; // condensed row
        const int64_t j = order[jj];
        rowidx[s * ps.condRows + cr] = static_cast<uint8_t>(j);
        const float *src = dense + (g * f.m + j) * cols;
        float *dstVal = values + cr * ps.valueCols;
        uint16_t *dstMeta = meta + cr * ps.metaCols;
        // V is a multiple of 32, so a slice covers whole metadata words.
        for (int64_t w = c0 / 16; w < (c0 + f.v) / 16; ++w) {
          uint16_t word = 0;
          for (int q = 0; q < 4; ++q) {
            const int64_t grp = w * 4 + q; // group of 4 logical columns
            int p0, p1;
            top2of4(src + grp * 4, p0, p1);
            dstVal[grp * 2] = src[grp * 4 + p0];
            dstVal[grp * 2 + 1] = src[grp * 4 + p1];
            word |= static_cast<uint16_t>((p0 | (p1 << 2)) << (4 * q));
          }
          dstMeta[w] = word;
        }
      }
    }
  }
  return "";
}

namespace {

std::string checkPacked(const Format &f, const PackedShape &ps,
                        const uint16_t *meta, const uint8_t *rowidx) {
  for (int64_t s = 0; s < ps.slices; ++s) {
    const uint8_t *idx = rowidx + s * ps.condRows;
    for (int64_t cr = 0; cr < ps.condRows; ++cr) {
      if (idx[cr] >= f.m)
        return "rowidx[" + str(s) + "][" + str(cr) + "] (" + str(idx[cr]) +
               ") must be less than M (" + str(f.m) + ")";
      if (cr % f.n != 0 && idx[cr] <= idx[cr - 1])
        return "rowidx[" + str(s) + "][" + str(cr - 1) + ".." + str(cr) +
               "] (" + str(idx[cr - 1]) + ", " + str(idx[cr]) +
               ") must be strictly ascending within row group " +
               str(cr / f.n);
    }
  }
  for (int64_t cr = 0; cr < ps.condRows; ++cr) {
    for (int64_t w = 0; w < ps.metaCols; ++w) {
      const uint16_t word = meta[cr * ps.metaCols + w];
      for (int q = 0; q < 4; ++q) {
        const int nib = (word >> (4 * q)) & 0xF;
        const int p0 = nib & 3, p1 = nib >> 2;
        if (p0 >= p1) {
          const int64_t col = w * 16 + q * 4;
          return "meta[" + str(cr) + "][" + str(w) + "] nibble " + str(q) +
                 " (columns " + str(col) + ".." + str(col + 3) +
                 "): positions (" + str(p0) + ", " + str(p1) +
                 ") must be strictly ascending";
        }
      }
    }
  }
  return "";
}

} // namespace

std::string unpack(const Format &f, int64_t rows, int64_t cols,
                   const float *values, const uint16_t *meta,
                   const uint8_t *rowidx, float *dense) {
  std::string err = checkArguments(f, rows, cols, dense, values, meta, rowidx);
  if (!err.empty())
    return err;

  const PackedShape ps = packedShape(f, rows, cols);
  err = checkPacked(f, ps, meta, rowidx);
  if (!err.empty())
    return err;

  std::fill(dense, dense + rows * cols, 0.0f);
  const int64_t wordsPerSlice = f.v / 16;
  for (int64_t s = 0; s < ps.slices; ++s) {
    for (int64_t cr = 0; cr < ps.condRows; ++cr) {
      const int64_t row = cr / f.n * f.m + rowidx[s * ps.condRows + cr];
      float *dst = dense + row * cols;
      const float *srcVal = values + cr * ps.valueCols;
      const uint16_t *srcMeta = meta + cr * ps.metaCols;
      for (int64_t w = s * wordsPerSlice; w < (s + 1) * wordsPerSlice; ++w) {
        const uint16_t word = srcMeta[w];
        for (int q = 0; q < 4; ++q) {
          const int64_t grp = w * 4 + q;
          const int nib = (word >> (4 * q)) & 0xF;
          dst[grp * 4 + (nib & 3)] = srcVal[grp * 2];
          dst[grp * 4 + (nib >> 2)] = srcVal[grp * 2 + 1];
        }
      }
    }
  }
  return "";
}

bool fitsPattern(const Format &f, int64_t rows, int64_t cols,
                 const float *dense) {
  if (!verifyShape(f, rows, cols).empty() || !dense)
    return false;
  // Element pattern: at most 2 non-zeros (NaN counts) per aligned 4.
  for (int64_t i = 0; i < rows * cols; i += 4) {
    int nz = 0;
    for (int k = 0; k < 4; ++k)
      nz += dense[i + k] != 0.0f;
    if (nz > 2)
      return false;
  }
  // Row pattern: at most N rows of a (group, slice) cell hold non-zeros.
  for (int64_t g = 0; g < rows / f.m; ++g) {
    for (int64_t c0 = 0; c0 < cols; c0 += f.v) {
      int64_t nonZeroRows = 0;
      for (int64_t j = 0; j < f.m; ++j) {
        const float *row = dense + (g * f.m + j) * cols + c0;
        bool any = false;
        for (int64_t c = 0; c < f.v && !any; ++c)
          any = row[c] != 0.0f;
        nonZeroRows += any;
      }
      if (nonZeroRows > f.n)
        return false;
    }
  }
  return true;
}

} // namespace format
} // namespace samoyeds
