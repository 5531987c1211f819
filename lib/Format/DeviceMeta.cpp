//===- DeviceMeta.cpp - Canonical <-> mma.sp m16n8k32 metadata layout ------===//
//
// The only place that knows how the device kernels want metadata: per 16-row
// tile and 32-column k-step, 16 uint32 words; word g*2+h feeds lane 4g+h of the
// warp (selector 0), low half for row g, high half for row g+8 of the tile
// (PTX_NOTES.md, "Metadata" and "Which threads supply it").
//
//===----------------------------------------------------------------------===//

#include "samoyeds/Format/Format.h"

namespace samoyeds {
namespace format {

namespace {
constexpr int64_t kTileRows = 16;
constexpr int64_t kStepCols = 32;
constexpr int64_t kWordsPerStep = 16;
} // namespace

int64_t deviceMetaWords(const Format &f, int64_t rows, int64_t cols) {
  const PackedShape ps = packedShape(f, rows, cols);
  const int64_t tiles = (ps.condRows + kTileRows - 1) / kTileRows;
  return tiles * (cols / kStepCols) * kWordsPerStep;
}

void metaToDevice(const Format &f, int64_t rows, int64_t cols,
                  const uint16_t *meta, uint32_t *device) {
  if (!verifyShape(f, rows, cols).empty() || !meta || !device)
    return;
  const PackedShape ps = packedShape(f, rows, cols);
  const int64_t tiles = (ps.condRows + kTileRows - 1) / kTileRows;
  const int64_t ksteps = cols / kStepCols;
  auto word = [&](int64_t row, int64_t col) -> uint32_t {
    return row < ps.condRows ? meta[row * ps.metaCols + col] : kPadMetaWord;
  };
  for (int64_t tile = 0; tile < tiles; ++tile)
    for (int64_t kk = 0; kk < ksteps; ++kk)
      for (int64_t g = 0; g < 8; ++g)
        for (int64_t h = 0; h < 2; ++h) {
          const int64_t r = kTileRows * tile + g, c = 2 * kk + h;
          device[(tile * ksteps + kk) * kWordsPerStep + g * 2 + h] =
              word(r, c) | (word(r + 8, c) << 16);
        }
}

void metaFromDevice(const Format &f, int64_t rows, int64_t cols,
                    const uint32_t *device, uint16_t *meta) {
  if (!verifyShape(f, rows, cols).empty() || !meta || !device)
    return;
  const PackedShape ps = packedShape(f, rows, cols);
  const int64_t ksteps = cols / kStepCols;
  for (int64_t r = 0; r < ps.condRows; ++r) {
    const int64_t tile = r / kTileRows, g = r % 8;
    const unsigned shift = (r % kTileRows) >= 8 ? 16 : 0;
    for (int64_t c = 0; c < ps.metaCols; ++c) {
      const int64_t kk = c / 2, h = c % 2;
      const uint32_t w =
          device[(tile * ksteps + kk) * kWordsPerStep + g * 2 + h];
      meta[r * ps.metaCols + c] = static_cast<uint16_t>(w >> shift);
    }
  }
}

} // namespace format
} // namespace samoyeds
