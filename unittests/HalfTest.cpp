//===- HalfTest.cpp - f16 / bf16 conversions against known bit patterns ----===//

#include "samoyeds/Format/Format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace samoyeds::format;

namespace {

float fromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

uint32_t toBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

TEST(Half, KnownValues) {
  EXPECT_EQ(floatToHalf(0.0f), 0x0000);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalf(0.5f), 0x3800);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF); // largest finite half
  EXPECT_EQ(floatToHalf(-65504.0f), 0xFBFF);
  EXPECT_EQ(floatToHalf(0.333251953125f), 0x3555);
}

TEST(Half, Overflow) {
  EXPECT_EQ(floatToHalf(65519.0f), 0x7BFF); // below the midpoint 65520
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00); // midpoint: ties to even = Inf
  EXPECT_EQ(floatToHalf(1e6f), 0x7C00);
  EXPECT_EQ(floatToHalf(-1e6f), 0xFC00);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(floatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
}

TEST(Half, RoundingTies) {
  // 1 + 2^-11 is halfway between 0x3C00 and 0x3C01: even (0x3C00).
  EXPECT_EQ(floatToHalf(fromBits(0x3F801000)), 0x3C00);
  // 1 + 3 * 2^-11 is halfway between 0x3C01 and 0x3C02: even (0x3C02).
  EXPECT_EQ(floatToHalf(fromBits(0x3F803000)), 0x3C02);
  // Just above the first midpoint rounds up.
  EXPECT_EQ(floatToHalf(fromBits(0x3F801001)), 0x3C01);
  // Just below the second midpoint rounds down.
  EXPECT_EQ(floatToHalf(fromBits(0x3F802FFF)), 0x3C01);
  // 2 - 2^-11: tie between 0x3FFF (odd) and 2.0; the carry reaches the
  // exponent.
  EXPECT_EQ(floatToHalf(fromBits(0x3FFFF000)), 0x4000);
}

TEST(Half, Subnormals) {
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001); // smallest
  EXPECT_EQ(floatToHalf(std::ldexp(1023.0f, -24)), 0x03FF); // largest
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400); // smallest normal
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // tie with 0: even
  EXPECT_EQ(floatToHalf(fromBits(0x33000001)), 0x0001);  // just above it
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002); // 1.5 ulp: even 2
  EXPECT_EQ(floatToHalf(std::ldexp(5.0f, -25)), 0x0002); // 2.5 ulp: even 2
  EXPECT_EQ(floatToHalf(std::ldexp(-3.0f, -24)), 0x8003);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -30)), 0x0000); // underflow
  EXPECT_EQ(floatToHalf(std::ldexp(-1.0f, -30)), 0x8000);
  // Largest subnormal plus half an ulp rounds up to the smallest normal.
  EXPECT_EQ(floatToHalf(std::ldexp(2047.0f, -25)), 0x0400);
  EXPECT_EQ(toBits(halfToFloat(0x0001)), 0x33800000u); // 2^-24
  EXPECT_EQ(halfToFloat(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(toBits(halfToFloat(0x8001)), 0xB3800000u);
  EXPECT_EQ(toBits(halfToFloat(0x8000)), 0x80000000u);
}

TEST(Half, ToFloat) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(halfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(halfToFloat(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7C01)));
  EXPECT_TRUE(std::isnan(halfToFloat(0xFE00)));
}

TEST(Half, NaN) {
  const uint16_t q = floatToHalf(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(q & 0x7C00, 0x7C00);
  EXPECT_NE(q & 0x03FF, 0);
  EXPECT_EQ(floatToHalf(fromBits(0x7FC00000)), 0x7E00);
  EXPECT_EQ(floatToHalf(fromBits(0xFFC00000)), 0xFE00); // sign kept
  // A signalling NaN whose payload is shifted out must stay a NaN.
  EXPECT_EQ(floatToHalf(fromBits(0x7F800001)), 0x7E00);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(fromBits(0x7F800001)))));
}

TEST(Half, AllHalvesRoundTrip) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const float f = halfToFloat(static_cast<uint16_t>(h));
    const bool isNaN = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
    if (isNaN) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << h;
      // Quiet NaNs keep their bits exactly.
      if (h & 0x200) {
        ASSERT_EQ(floatToHalf(f), h) << std::hex << h;
      }
    } else {
      ASSERT_EQ(floatToHalf(f), h) << std::hex << h;
    }
  }
}

TEST(BF16, KnownValues) {
  EXPECT_EQ(floatToBF16(0.0f), 0x0000);
  EXPECT_EQ(floatToBF16(-0.0f), 0x8000);
  EXPECT_EQ(floatToBF16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBF16(-2.0f), 0xC000);
  EXPECT_EQ(floatToBF16(65504.0f), 0x4780); // 0x477FE000 rounds up to 65536
  EXPECT_EQ(floatToBF16(3.0f), 0x4040);
  EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bf16ToFloat(0xC000), -2.0f);
  EXPECT_EQ(bf16ToFloat(0x4780), 65536.0f);
}

TEST(BF16, RoundingTies) {
  EXPECT_EQ(floatToBF16(fromBits(0x3F808000)), 0x3F80); // tie: even
  EXPECT_EQ(floatToBF16(fromBits(0x3F818000)), 0x3F82); // tie: even
  EXPECT_EQ(floatToBF16(fromBits(0x3F808001)), 0x3F81);
  EXPECT_EQ(floatToBF16(fromBits(0x3F807FFF)), 0x3F80);
  EXPECT_EQ(floatToBF16(fromBits(0xBF818000)), 0xBF82);
  EXPECT_EQ(floatToBF16(fromBits(0x3FFF8000)), 0x4000); // carry
}

TEST(BF16, SubnormalsAndOverflow) {
  EXPECT_EQ(floatToBF16(fromBits(0x00010000)), 0x0001);
  EXPECT_EQ(floatToBF16(fromBits(0x00008000)), 0x0000); // tie with 0
  EXPECT_EQ(floatToBF16(fromBits(0x00018000)), 0x0002); // tie: even
  EXPECT_EQ(floatToBF16(fromBits(0x80010000)), 0x8001);
  EXPECT_EQ(toBits(bf16ToFloat(0x0001)), 0x00010000u);
  EXPECT_EQ(floatToBF16(fromBits(0x7F7FFFFF)), 0x7F80); // FLT_MAX -> Inf
  EXPECT_EQ(floatToBF16(fromBits(0x7F7F7FFF)), 0x7F7F);
  EXPECT_EQ(floatToBF16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(floatToBF16(-std::numeric_limits<float>::infinity()), 0xFF80);
}

TEST(BF16, NaN) {
  EXPECT_EQ(floatToBF16(fromBits(0x7FC00000)), 0x7FC0);
  EXPECT_EQ(floatToBF16(fromBits(0xFFC00000)), 0xFFC0);
  // Signalling NaN with the payload only in the low bits: rounding by
  // truncation would give Inf (0x7F80).
  EXPECT_EQ(floatToBF16(fromBits(0x7F800001)), 0x7FC0);
  EXPECT_EQ(floatToBF16(fromBits(0x7FFFFFFF)), 0x7FFF);
  EXPECT_TRUE(std::isnan(bf16ToFloat(0x7FC0)));
  EXPECT_TRUE(std::isnan(bf16ToFloat(0x7F81)));
}

TEST(BF16, AllBF16RoundTrip) {
  for (uint32_t b = 0; b <= 0xFFFF; ++b) {
    const float f = bf16ToFloat(static_cast<uint16_t>(b));
    const bool isNaN = (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0;
    if (isNaN) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << b;
      if (b & 0x40) {
        ASSERT_EQ(floatToBF16(f), b) << std::hex << b;
      }
    } else {
      ASSERT_EQ(floatToBF16(f), b) << std::hex << b;
    }
  }
}

} // namespace
