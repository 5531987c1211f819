//===- DeviceMetaTest.cpp - Canonical <-> mma.sp metadata layout -----------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace samoyeds::format;
using samoyeds::format::testing::Packed;
using samoyeds::format::testing::randomMatrix;

namespace {

TEST(DeviceMeta, HandCheckedSingleRow) {
  // The 1:2 V=32 2x32 example of FormatTest (meta words 0x944D, 0xE98C): one
  // condensed row, padded to a 16-row tile; one k-step of 32 columns.
  const Format f{1, 2, 32};
  ASSERT_EQ(deviceMetaWords(f, 2, 32), 16);
  const uint16_t meta[2] = {0x944D, 0xE98C};
  std::vector<uint32_t> dev(16, 0);
  metaToDevice(f, 2, 32, meta, dev.data());
  std::vector<uint32_t> expect(16, 0x44444444u);
  expect[0] = 0x4444944Du; // row 0 (low) with pad row 8 (high), cols 0..15
  expect[1] = 0x4444E98Cu; // cols 16..31
  EXPECT_EQ(dev, expect);
  uint16_t back[2] = {0, 0};
  metaFromDevice(f, 2, 32, dev.data(), back);
  EXPECT_EQ(back[0], 0x944D);
  EXPECT_EQ(back[1], 0xE98C);
}

TEST(DeviceMeta, HandCheckedWords) {
  // 2:4, 32 x 64: 16 condensed rows = one tile, 2 k-steps, 4 words per row.
  // Word values are tags (0x100 * row + column), not valid nibbles: the
  // conversion only moves 16-bit words.
  const Format f{2, 4, 32};
  ASSERT_EQ(deviceMetaWords(f, 32, 64), 32);
  std::vector<uint16_t> meta(16 * 4);
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 4; ++c)
      meta[r * 4 + c] = static_cast<uint16_t>(0x100 * r + c);
  std::vector<uint32_t> dev(32, 0);
  metaToDevice(f, 32, 64, meta.data(), dev.data());
  EXPECT_EQ(dev[0], 0x08000000u);  // kk 0, g 0, h 0: rows 0 / 8, word 0
  EXPECT_EQ(dev[1], 0x08010001u);  // kk 0, g 0, h 1: word 1
  EXPECT_EQ(dev[2], 0x09000100u);  // kk 0, g 1, h 0: rows 1 / 9
  EXPECT_EQ(dev[16], 0x08020002u); // kk 1, g 0, h 0: word 2
  EXPECT_EQ(dev[23], 0x0B030303u); // kk 1, g 3, h 1: rows 3 / 11, word 3
  EXPECT_EQ(dev[31], 0x0F030703u); // kk 1, g 7, h 1: rows 7 / 15, word 3
  std::vector<uint16_t> back(meta.size(), 0);
  metaFromDevice(f, 32, 64, dev.data(), back.data());
  EXPECT_EQ(back, meta);
}

TEST(DeviceMeta, PaddingAndRoundTrip) {
  // 1:2, 34 x 64: 17 condensed rows -> 2 tiles, the second holding one row.
  const Format f{1, 2, 32};
  const int64_t rows = 34, cols = 64;
  ASSERT_EQ(deviceMetaWords(f, rows, cols), 2 * 2 * 16);
  const std::vector<float> w = randomMatrix(5, rows * cols);
  Packed p(f, rows, cols);
  ASSERT_EQ(pack(f, rows, cols, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  std::vector<uint32_t> dev(64, 0);
  metaToDevice(f, rows, cols, p.meta.data(), dev.data());
  // Tile 1, k-step 0: g 0 low half is condensed row 16, everything else pad.
  EXPECT_EQ(dev[(1 * 2 + 0) * 16 + 0], 0x44440000u | p.meta[16 * 4 + 0]);
  EXPECT_EQ(dev[(1 * 2 + 0) * 16 + 1], 0x44440000u | p.meta[16 * 4 + 1]);
  EXPECT_EQ(dev[(1 * 2 + 1) * 16 + 1], 0x44440000u | p.meta[16 * 4 + 3]);
  for (int i = 2; i < 16; ++i) {
    EXPECT_EQ(dev[(1 * 2 + 0) * 16 + i], 0x44444444u);
    EXPECT_EQ(dev[(1 * 2 + 1) * 16 + i], 0x44444444u);
  }
  std::vector<uint16_t> back(p.meta.size(), 0);
  metaFromDevice(f, rows, cols, dev.data(), back.data());
  EXPECT_EQ(back, p.meta);
}

TEST(DeviceMeta, LaneView) {
  // What lane l = 4g + t (t in {0, 1}) passes to mma.sp with selector 0 at
  // k-step kk is word g*2+t; its nibble q of half (row g or g+8) describes
  // logical columns 32kk + 16t + 4q .. +3 of that row.
  const Format f{2, 4, 64};
  const int64_t rows = 64, cols = 128; // 32 condensed rows: 2 tiles
  const std::vector<float> w = randomMatrix(9, rows * cols);
  Packed p(f, rows, cols);
  ASSERT_EQ(pack(f, rows, cols, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  std::vector<uint32_t> dev(deviceMetaWords(f, rows, cols));
  metaToDevice(f, rows, cols, p.meta.data(), dev.data());
  const int64_t ksteps = cols / 32, metaCols = cols / 16;
  for (int64_t tile = 0; tile < 2; ++tile)
    for (int64_t kk = 0; kk < ksteps; ++kk)
      for (int lane = 0; lane < 32; ++lane) {
        const int g = lane >> 2, t = lane & 3;
        if (t > 1)
          continue; // ignored by the hardware for selector 0
        const uint32_t reg = dev[(tile * ksteps + kk) * 16 + g * 2 + t];
        for (int half = 0; half < 2; ++half) {
          const int64_t row = tile * 16 + g + 8 * half;
          for (int q = 0; q < 4; ++q) {
            const int nib = (reg >> (16 * half + 4 * q)) & 0xF;
            const int64_t col = 32 * kk + 16 * t + 4 * q;
            const int expect =
                (p.meta[row * metaCols + col / 16] >> (4 * ((col / 4) % 4))) &
                0xF;
            ASSERT_EQ(nib, expect) << "row " << row << " col " << col;
          }
        }
      }
}

} // namespace
