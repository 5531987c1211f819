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
  int64_t out[5] = {0, 0, 0, 0, 0};
  ASSERT_EQ(samoyeds_format_packed_shape(1, 2, 128, 14336, 4096, out),
            SAMOYEDS_FORMAT_OK);
  EXPECT_EQ(out[0], 7168);
  EXPECT_EQ(out[1], 2048);
  EXPECT_EQ(out[2], 256);
  EXPECT_EQ(out[3], 32);
  EXPECT_EQ(out[4], 917504);
  EXPECT_NE(samoyeds_format_packed_shape(1, 2, 128, 14336, 4096, nullptr),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "out must not be null");
}

TEST(CAPI, PackUnpackMatchCpp) {
  const Format f{2, 4, 64};
  const int64_t rows = 16, cols = 128;
  const std::vector<float> w = randomMatrix(21, rows * cols);
  Packed cpp(f, rows, cols), c(f, rows, cols);
  ASSERT_EQ(pack(f, rows, cols, w.data(), cpp.values.data(), cpp.meta.data(),
                 cpp.rowidx.data()),
            "");
  ASSERT_EQ(samoyeds_format_pack_f32(2, 4, 64, rows, cols, w.data(),
                                     c.values.data(), c.meta.data(),
                                     c.rowidx.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_TRUE(c == cpp);
  std::vector<float> d1(rows * cols), d2(rows * cols);
  ASSERT_EQ(unpack(f, rows, cols, cpp.values.data(), cpp.meta.data(),
                   cpp.rowidx.data(), d1.data()),
            "");
  ASSERT_EQ(samoyeds_format_unpack_f32(2, 4, 64, rows, cols, c.values.data(),
                                       c.meta.data(), c.rowidx.data(),
                                       d2.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_EQ(d1, d2);

  // Errors are reported, not truncated.
  EXPECT_NE(samoyeds_format_pack_f32(2, 4, 64, rows, 100, w.data(),
                                     c.values.data(), c.meta.data(),
                                     c.rowidx.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "cols (100) must be a multiple of V (64)");
  c.meta[0] = 0;
  EXPECT_NE(samoyeds_format_unpack_f32(2, 4, 64, rows, cols, c.values.data(),
                                       c.meta.data(), c.rowidx.data(),
                                       d2.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "meta[0][0] nibble 0 (columns 0..3): positions (0, 0) must be "
               "strictly ascending");
  EXPECT_NE(samoyeds_format_unpack_f32(2, 4, 64, rows, cols, nullptr,
                                       c.meta.data(), c.rowidx.data(),
                                       d2.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "values must not be null");
}

TEST(CAPI, MetaToDeviceMatchesCpp) {
  const Format f{1, 2, 32};
  const int64_t rows = 34, cols = 64;
  const std::vector<float> w = randomMatrix(4, rows * cols);
  Packed p(f, rows, cols);
  ASSERT_EQ(pack(f, rows, cols, w.data(), p.values.data(), p.meta.data(),
                 p.rowidx.data()),
            "");
  std::vector<uint32_t> cpp(deviceMetaWords(f, rows, cols)), c(cpp.size());
  metaToDevice(f, rows, cols, p.meta.data(), cpp.data());
  ASSERT_EQ(samoyeds_format_meta_to_device(1, 2, 32, rows, cols,
                                           p.meta.data(), c.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_EQ(c, cpp);
  std::vector<uint16_t> back(p.meta.size(), 0);
  ASSERT_EQ(samoyeds_format_meta_from_device(1, 2, 32, rows, cols, c.data(),
                                             back.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_EQ(back, p.meta);
  EXPECT_NE(samoyeds_format_meta_to_device(1, 2, 32, rows, cols, nullptr,
                                           c.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(), "meta must not be null");
  EXPECT_NE(samoyeds_format_meta_to_device(1, 2, 32, 33, cols, p.meta.data(),
                                           c.data()),
            SAMOYEDS_FORMAT_OK);
  EXPECT_STREQ(samoyeds_format_last_error(),
               "rows (33) must be a multiple of M (2)");
}

} // namespace
