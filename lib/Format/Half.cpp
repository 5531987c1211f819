//===- Half.cpp - f32 <-> f16 / bf16 bit conversions (round to nearest even) -===//

#include "samoyeds/Format/Format.h"

#include <cstring>

namespace samoyeds {
namespace format {

namespace {

uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  return u;
}

float floatOf(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof(x));
  return x;
}

// Shifts `mant` right by `sh` (1..31) rounding to nearest, ties to even.
uint32_t shiftRoundEven(uint32_t mant, unsigned sh) {
  const uint32_t kept = mant >> sh;
  const uint32_t rem = mant & ((1u << sh) - 1);
  const uint32_t half = 1u << (sh - 1);
  return kept + ((rem > half || (rem == half && (kept & 1))) ? 1 : 0);
}

} // namespace

uint16_t floatToHalf(float x) {
  const uint32_t u = bitsOf(x);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  const uint32_t a = u & 0x7FFFFFFF;
  if (a > 0x7F800000) // NaN: quiet it, keep the top payload bits.
    return sign | 0x7E00 | static_cast<uint16_t>((a >> 13) & 0x3FF);
  // 65520 (= 0x477FF000) is the midpoint between 65504 (max half, odd
  // mantissa) and 2^16: it and everything above round to infinity.
  if (a >= 0x477FF000)
    return sign | 0x7C00;
  if (a >= 0x38800000) { // Normal half: exponent >= -14.
    const uint32_t exp = (a >> 23) - 127 + 15;
    // A mantissa carry correctly bumps the exponent (or reaches 0x7C00 only
    // from inputs excluded above).
    return sign | static_cast<uint16_t>(shiftRoundEven(
                      (exp << 23) | (a & 0x7FFFFF), 13));
  }
  // Subnormal or zero half: value / 2^-24, rounded. Values <= 2^-25 (a tie
  // with even 0) give zero.
  if (a <= 0x33000000)
    return sign;
  const uint32_t exp = a >> 23; // 102..112 here
  const uint32_t mant = (a & 0x7FFFFF) | 0x800000;
  // value = mant * 2^(exp - 150) = (mant >> (126 - exp)) * 2^-24.
  return sign | static_cast<uint16_t>(shiftRoundEven(mant, 126 - exp));
}

float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FF;
  if (exp == 0x1F) // Inf / NaN (payload kept)
    return floatOf(sign | 0x7F800000 | (mant << 13));
  if (exp != 0)
    return floatOf(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  // Zero or subnormal: mant * 2^-24 is exact in float.
  const float mag = static_cast<float>(mant) * floatOf(0x33800000); // 2^-24
  return floatOf(sign | bitsOf(mag));
}

uint16_t floatToBF16(float x) {
  const uint32_t u = bitsOf(x);
  if ((u & 0x7FFFFFFF) > 0x7F800000) // NaN: truncating could give Inf.
    return static_cast<uint16_t>((u >> 16) | 0x0040);
  // Overflow rounds into the Inf encoding (0x7F80), as RNE requires.
  return static_cast<uint16_t>(shiftRoundEven(u & 0x7FFFFFFF, 16) |
                               ((u >> 16) & 0x8000));
}

float bf16ToFloat(uint16_t b) { return floatOf(static_cast<uint32_t>(b) << 16); }

} // namespace format
} // namespace samoyeds
