//===- CAPITest.cpp - The extern "C" wrappers and their error reporting ----===//

#include "samoyeds/Format/CAPI.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

using namespace samoyeds::format;
using samoyeds::format::testing::Packed;
using samoyeds::format::testing::randomMatrix;

namespace {

TEST(CAPI, VerifyAndLastError) {
  EXPECT_EQ(samoyeds_format_verify(1, 2, 128, 14336, 4096), SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "");
  EXPECT_NE(samoyeds_format_verify(3, 2, 32, 2, 32), SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "N (3) must not exceed M (2)");
  EXPECT_NE(samoyeds_format_verify(1, 4, 128, 30, 128), SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "rows (30) must be a multiple of M (4)");
  // A success clears the message.
  EXPECT_EQ(samoyeds_format_verify(1, 2, 32, 2, 32), SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "");
}

TEST(CAPI, ErrorIsThreadLocal) {
  ASSERT_NE(samoyeds_format_verify(0, 2, 32, 2, 32), SAMOYEDS_FORMAT_OK);
  std::string other;
  std::thread th([&] {
    samoyeds_format_verify(1, 2, 48, 2, 48);
    other = samoyeds_format_last_error();
  });
  th.join();
  EXPECT_EQ(other, "V (48) must be a positive multiple of 32");
  EXPECT_STREQ(samoyeds_format_last_error(), "N (0) must be at least 1");
}

TEST(CAPI, PackedShape) {
  // A longer buffer is fine: only the first four elements are written.
  int64_t out[5] = {0, 0, 0, 0, -7};
  ASSERT_EQ(samoyeds_format_packed_shape(1, 2, 128, 14336, 4096, out, 5),
            SAMOYEDS_FORMAT_OK);
  EXPECT_EQ(out[0], 7168);
  EXPECT_EQ(out[1], 2048);
  EXPECT_EQ(out[2], 256);
  EXPECT_EQ(out[3], 32);
  EXPECT_EQ(out[4], -7);
  ASSERT_EQ(samoyeds_format_packed_shape(1, 2, 128, 14336, 4096, out, 4),
            SAMOYEDS_FORMAT_OK);
  EXPECT_NE(samoyeds_format_packed_shape(1, 2, 128, 14336, 4096, nullptr, 4),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "out must not be null");
  EXPECT_NE(samoyeds_format_packed_shape(1, 2, 128, 14336, 4096, out, 3),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "out has 3 elements, the shape needs 4");
}

TEST(CAPI, PackUnpackMatchCpp) {
  const Format f{2, 4, 64};
  const int64_t rows = 16, cols = 128;
  const std::vector<float> w = randomMatrix(21, rows * cols);
  Packed cpp(f, rows, cols), c(f, rows, cols);
  ASSERT_EQ(pack(f, rows, cols, w.data(), cpp.values.data(), cpp.meta.data(),
                 cpp.rowidx.data()),
            "");
  ASSERT_EQ(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(), w.size(),
                                     c.values.data(), c.values.size(),
                                     c.meta.data(), c.meta.size(),
                                     c.rowidx.data(), c.rowidx.size()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_TRUE(c == cpp);
  std::vector<float> d1(rows * cols), d2(rows * cols);
  ASSERT_EQ(unpack(f, rows, cols, cpp.values.data(), cpp.meta.data(),
                   cpp.rowidx.data(), d1.data()),
            "");
  ASSERT_EQ(samoyeds_format_unpack_f32(
                2, 4, 64, rows, cols, c.values.data(), c.values.size(),
                c.meta.data(), c.meta.size(), c.rowidx.data(), c.rowidx.size(),
                d2.data(), d2.size()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_EQ(d1, d2);

  // Errors are reported, not truncated.
  EXPECT_NE(samoyeds_format_pack_f32(2, 4, 64, rows, 100, w.data(), w.size(),
                                     c.values.data(), c.values.size(),
                                     c.meta.data(), c.meta.size(),
                                     c.rowidx.data(), c.rowidx.size()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "cols (100) must be a multiple of V (64)");
  c.meta[0] = 0;
  EXPECT_NE(samoyeds_format_unpack_f32(
                2, 4, 64, rows, cols, c.values.data(), c.values.size(),
                c.meta.data(), c.meta.size(), c.rowidx.data(), c.rowidx.size(),
                d2.data(), d2.size()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "meta[0][0] nibble 0 (columns 0..3): positions (0, 0) must be "
               "strictly ascending");
  EXPECT_NE(samoyeds_format_unpack_f32(
                2, 4, 64, rows, cols, nullptr, c.values.size(), c.meta.data(),
                c.meta.size(), c.rowidx.data(), c.rowidx.size(), d2.data(),
                d2.size()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "values must not be null");
}

// A valid shape with buffers one element short: an error naming the buffer,
// and nothing written past the end (the guard element stays as it was).
TEST(CAPI, ShortBuffersAreRejected) {
  const Format f{2, 4, 64};
  const int64_t rows = 16, cols = 128;
  const std::vector<float> w = randomMatrix(5, rows * cols);
  Packed c(f, rows, cols);
  const int64_t nv = c.values.size(), nm = c.meta.size(), nr = c.rowidx.size();
  c.values.push_back(-7.0f);
  EXPECT_NE(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(),
                                     w.size() - 1, c.values.data(), nv,
                                     c.meta.data(), nm, c.rowidx.data(), nr),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "dense has 2047 elements, the shape needs 2048");
  EXPECT_NE(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(), w.size(),
                                     c.values.data(), nv - 1, c.meta.data(),
                                     nm, c.rowidx.data(), nr),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "values has 511 elements, the shape needs 512");
  EXPECT_EQ(c.values[nv], -7.0f);
  EXPECT_NE(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(), w.size(),
                                     c.values.data(), nv, c.meta.data(),
                                     nm - 1, c.rowidx.data(), nr),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "meta has 63 elements, the shape needs 64");
  EXPECT_NE(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(), w.size(),
                                     c.values.data(), nv, c.meta.data(), nm,
                                     c.rowidx.data(), -1),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "rowidx has -1 elements, the shape needs 16");
  ASSERT_EQ(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(), w.size(),
                                     c.values.data(), nv, c.meta.data(), nm,
                                     c.rowidx.data(), nr),
            SAMOYEDS_FORMAT_OK);
  std::vector<float> d(rows * cols);
  EXPECT_NE(samoyeds_format_unpack_f32(2, 4, 64, rows, cols, c.values.data(),
                                       nv, c.meta.data(), nm, c.rowidx.data(),
                                       nr, d.data(), d.size() - 1),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "dense has 2047 elements, the shape needs 2048");
}

} // namespace
