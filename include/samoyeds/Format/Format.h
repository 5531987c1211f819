//===- Format.h - Samoyeds structured-sparse weight format ------*- C++ -*-===//
//
// The weight format (N:M row selection per V-column slice, 2:4 inside the
// selected rows), its canonical packed storage and the pruning packer. Plain
// C++17, no MLIR dependency. docs/format.md describes the storage byte for
// byte. The layouts in which device kernels read the metadata belong to the
// compiler, not to this library (docs/format.md section 4).
//
//===----------------------------------------------------------------------===//

#ifndef SAMOYEDS_FORMAT_FORMAT_H
#define SAMOYEDS_FORMAT_FORMAT_H

#include <cstdint>
#include <string>

namespace samoyeds {
namespace format {

/// N:M row selection per slice of V columns; the 2:4 element pattern inside a
/// selected row is implied (fixed by the hardware).
struct Format {
  int64_t n;
  int64_t m;
  int64_t v;
};

/// Largest M: row indices are stored as uint8, so j in [0, M) must fit.
constexpr int64_t kMaxM = 256;
/// V must be a multiple of the K of one mma.sp step for 16-bit types.
constexpr int64_t kVMultiple = 32;

/// "N:M V=v", e.g. "1:2 V=128".
std::string toString(const Format &f);

/// "" when valid, else what is wrong in spec words: N >= 1, M >= 1, N <= M,
/// M <= 256, V a positive multiple of 32.
std::string verifyFormat(const Format &f);

/// verifyFormat, then: rows > 0, cols > 0, rows % M == 0, cols % V == 0
/// (hence cols % 32 == 0), rows * cols representable. "" when valid.
std::string verifyShape(const Format &f, int64_t rows, int64_t cols);

/// Sizes of the three packed arrays (in elements) for a valid format/shape.
struct PackedShape {
  int64_t condRows;  ///< rows * n / m
  int64_t valueCols; ///< cols / 2
  int64_t metaCols;  ///< cols / 16 (one uint16 per 16 logical columns)
  int64_t slices;    ///< cols / v
};

/// Precondition: verifyShape(f, rows, cols) is "".
PackedShape packedShape(const Format &f, int64_t rows, int64_t cols);

/// Element counts of the three arrays (values, meta, rowidx).
inline int64_t numValues(const PackedShape &s) {
  return s.condRows * s.valueCols;
}
inline int64_t numMetaWords(const PackedShape &s) {
  return s.condRows * s.metaCols;
}
inline int64_t numRowIndices(const PackedShape &s) {
  return s.slices * s.condRows;
}

/// Prunes `dense` (rows x cols, row-major) by magnitude and compresses it.
///
/// For every (row group, slice) the N rows with the largest L1 norm over the
/// slice are selected (norms accumulated in double, ascending column order;
/// ties: lower row wins); in each selected row every aligned group of 4 keeps
/// its 2 largest |x| (ties: lower column wins), stored in ascending column
/// order. NaN counts as larger than any number, so it is never dropped
/// silently. Output layout:
///   values : condRows x valueCols float, row-major
///   meta   : condRows x metaCols uint16, row-major (nibble per group of 4)
///   rowidx : slices x condRows uint8, row-major
/// Returns "" or an error message (format/shape errors, null pointers); the
/// outputs are not written on error.
std::string pack(const Format &f, int64_t rows, int64_t cols,
                 const float *dense, float *values, uint16_t *meta,
                 uint8_t *rowidx);

/// Inverse of pack: writes all of `dense` (rows x cols, zeros off-pattern).
/// Validates the inputs first (rowidx < M and strictly ascending within a
/// group, metadata positions strictly ascending within each nibble); returns
/// an error message and leaves `dense` untouched when they are malformed.
std::string unpack(const Format &f, int64_t rows, int64_t cols,
                   const float *values, const uint16_t *meta,
                   const uint8_t *rowidx, float *dense);

/// True when `dense` already fits the pattern (at most N rows per cell hold
/// non-zeros, at most 2 non-zeros per aligned 4 columns), i.e. pack is exact.
/// False also for an invalid format/shape or a null pointer.
bool fitsPattern(const Format &f, int64_t rows, int64_t cols,
                 const float *dense);

/// 16-bit float conversions: round to nearest even, overflow to infinity,
/// subnormals kept, Inf preserved, NaN preserved (quieted, sign kept).
uint16_t floatToHalf(float x);
float halfToFloat(uint16_t h);
uint16_t floatToBF16(float x);
float bf16ToFloat(uint16_t b);

} // namespace format
} // namespace samoyeds

#endif // SAMOYEDS_FORMAT_FORMAT_H
