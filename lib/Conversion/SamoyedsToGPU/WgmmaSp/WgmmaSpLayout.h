// The shared-memory layout of the wgmma_sp family's stage rings and the matrix descriptors that address it.
//
// wgmma reads K-major operands from shared memory in the swizzled layouts of
// the PTX ISA ("Matrix Descriptor Format", "Shared Memory Matrix Layout"): a
// tile is stored as atoms of `W` bytes along K (W = 128, 64 or 32, the
// swizzle mode), each atom a block of `rows` rows of W contiguous bytes, and
// inside each 8-row group the 16-byte chunks of row r are permuted: chunk c
// of the atom row is stored at chunk position
//     c ^ ((r * W / 128) % (W / 16))
// (for W = 128: c ^ (r % 8)). The descriptor of a k-step gives the start
// address (the atom, plus the k-step's byte offset inside the atom row),
// the stride byte offset SBO = 8 * W between 8-row groups, and the swizzle
// mode; its leading byte offset is unused for K-major swizzled layouts
// (PTX ISA) and set to 1. The hardware applies the permutation to address
// bits, so every atom block starts on an 8 * W (at most 1024) byte boundary:
// the rings are carved from a 1024-byte aligned base and each stage's size
// is a multiple of 1024 (KernelConfig's stage bytes for the family).
//
// Why swizzled (docs/results/h200-2026-12-02-wgmma/NOTES.md): with the
// swizzle, consecutive 16-byte chunks of one row go to distinct banks, so a
// warp's cp.async copies can read whole 128-byte lines of a row from global
// memory; the unswizzled core-matrix layout of v1 forced 8 rows x 64 bytes per
// warp and cost 1.7x the L2 load of the mma.sp kernel.
//  - A (compressed values): blockM rows x blockK / 2 elements, row bytes
//    blockK; a k32 step is 16 compressed columns, 32 bytes.
//  - B (token rows, K-major like the input): blockN rows x blockK elements,
//    row bytes 2 * blockK; a k32 step is 64 bytes.
// The metadata ring is the mma.sp family's ([stage][A-tile row][word],
// MmaSpMetadataLayout): wgmma.sp takes its metadata register in the same
// k32 layout, warp w of the warpgroup for rows 16w .. 16w + 15.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPLAYOUT_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPLAYOUT_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <algorithm>

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// One operand tile of a stage in the swizzled K-major layout.
struct SwizzledTile {
  SwizzledTile(int64_t rows, int64_t rowBytes)
      : rows(rows), rowBytes(rowBytes), atomBytes(std::min<int64_t>(128, rowBytes)) {}

  int64_t rows, rowBytes, atomBytes;
  static constexpr int64_t kChunkBytes = 16;

  /// 16-byte chunks per row and in the tile.
  int64_t chunksPerRow() const { return rowBytes / kChunkBytes; }
  int64_t numChunks() const { return rows * chunksPerRow(); }
  /// The descriptor's swizzle mode (bits 62-63): 1 = 128 B, 2 = 64 B, 3 = 32 B.
  int64_t swizzleMode() const { return atomBytes == 128 ? 1 : atomBytes == 64 ? 2 : 3; }
  int64_t sboBytes() const { return 8 * atomBytes; }

  /// Row and chunk of the tile's 16-byte chunk number `x`, row-major: a
  /// warp's consecutive lanes copy consecutive chunks of a row.
  Value chunkRow(ImplicitLocOpBuilder &b, Value x) const;
  Value chunkColumn(ImplicitLocOpBuilder &b, Value x) const;
  /// Byte offset in the tile of chunk `c` of row `r` (index values).
  Value chunkOffsetBytes(ImplicitLocOpBuilder &b, Value r, Value c) const;
  /// Byte offset in the tile of byte `k` of row 0 (the atom holding it, and
  /// `k` within the atom row): a descriptor's start for a k-step at `k`. Row
  /// r (a multiple of 8) of the same atom is r * atomBytes further on.
  int64_t kOffsetBytes(int64_t k) const {
    return k / atomBytes * rows * atomBytes + k % atomBytes;
  }
};

/// The 64-bit wgmma matrix descriptor (K-major, `tile`'s swizzle, base
/// offset 0) whose start is shared-memory byte address `addr` (i64, the
/// shared window address).
Value matrixDescriptor(ImplicitLocOpBuilder &b, Value addr, const SwizzledTile &tile);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPLAYOUT_H
