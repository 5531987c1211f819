// The shared-memory layout of the wgmma_sp family's stage rings and the matrix descriptors that address it.
//
// wgmma reads its operands from shared memory as core matrices: 8 rows by
// 16 bytes (8 bf16/f16), 128 contiguous bytes. Without swizzling
// (descriptor layout type 0, "interleave") a K-major operand is a grid of
// core matrices, and the descriptor gives two strides between them (PTX ISA,
// "Matrix Descriptor Format"): the leading byte offset (LBO) between core
// matrices adjacent along K, the stride byte offset (SBO) between core
// matrices adjacent along M (A) or N (B).
//
// The rings store each operand tile of a stage as core matrices in row-group
// major order: element (r, c) of a tile with `chunks` 16-byte chunks per row
// is at
//     ((r / 8) * chunks + c / 8) * 64 + (r % 8) * 8 + c % 8,
// so LBO = 128 bytes and SBO = chunks * 128 bytes. Chunk x of a stage (in
// 16-byte units) is then row (x / (8 * chunks)) * 8 + x % 8, chunk
// (x / 8) % chunks: a thread's consecutive copies write consecutive 16 bytes,
// and the 32 lanes of a warp read 8 rows x 64 bytes from global memory.
//  - A (compressed values): blockM rows x blockK / 2 elements, chunks =
//    blockK / 16. A k32 step of the instruction is 16 compressed columns: two
//    core matrices along K.
//  - B (token rows, K-major like the input): blockN rows x blockK elements,
//    chunks = blockK / 8. A k32 step is four core matrices along K.
// The metadata ring is the mma.sp family's ([stage][A-tile row][word],
// MmaSpMetadataLayout): wgmma.sp takes its metadata register in the same
// k32 layout, warp w of the warpgroup for rows 16w .. 16w + 15.
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPLAYOUT_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPLAYOUT_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// One operand tile of a stage in core-matrix order.
struct CoreMatrixTile {
  int64_t rows, chunks; ///< rows, and 16-byte chunks per row

  static constexpr int64_t kCoreBytes = 128, kChunkElems = 8;
  int64_t elements() const { return rows * chunks * kChunkElems; }
  int64_t lboBytes() const { return kCoreBytes; }
  int64_t sboBytes() const { return chunks * kCoreBytes; }
  /// Number of 16-byte chunks in the tile.
  int64_t numChunks() const { return rows * chunks; }

  /// Row and chunk of the tile's 16-byte chunk number `x` (the chunk's
  /// element offset in the tile is x * 8).
  Value chunkRow(ImplicitLocOpBuilder &b, Value x) const;
  Value chunkColumn(ImplicitLocOpBuilder &b, Value x) const;
  /// Byte offset of the core matrix holding row `row` (a multiple of 8) and
  /// chunk `chunk` (constants).
  int64_t coreOffsetBytes(int64_t row, int64_t chunk) const {
    return (row / 8 * chunks + chunk) * kCoreBytes;
  }
};

/// The 64-bit wgmma matrix descriptor (no swizzle, base offset 0) of the
/// core matrices starting at shared-memory byte address `addr` (i64, the
/// shared window address), with `tile`'s strides.
Value matrixDescriptor(ImplicitLocOpBuilder &b, Value addr,
                       const CoreMatrixTile &tile);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_WGMMASP_WGMMASPLAYOUT_H
