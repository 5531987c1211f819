//===- CAPI.cpp - extern "C" wrappers with a thread-local error message ----===//

#include "samoyeds/Format/CAPI.h"
#include "samoyeds/Format/Format.h"

#include <exception>
#include <string>

using namespace samoyeds::format;

namespace {

thread_local std::string lastError;

// Records the outcome of a call; never lets an exception cross the C ABI.
template <typename Fn> int guarded(Fn &&fn) {
  try {
    lastError = fn();
  } catch (const std::exception &e) {
    lastError = std::string("internal error: ") + e.what();
  } catch (...) {
    lastError = "internal error";
  }
  return lastError.empty() ? SAMOYEDS_FORMAT_OK : SAMOYEDS_FORMAT_ERROR;
}

std::string checkPointers(const void *a, const char *an, const void *b,
                          const char *bn) {
  if (!a)
    return std::string(an) + " must not be null";
  if (!b)
    return std::string(bn) + " must not be null";
  return "";
}

} // namespace

extern "C" {

const char *samoyeds_format_last_error(void) { return lastError.c_str(); }

int samoyeds_format_verify(int64_t n, int64_t m, int64_t v, int64_t rows,
                           int64_t cols) {
  return guarded([&] { return verifyShape({n, m, v}, rows, cols); });
}

int samoyeds_format_packed_shape(int64_t n, int64_t m, int64_t v, int64_t rows,
                                 int64_t cols, int64_t out[5]) {
  return guarded([&]() -> std::string {
    const Format f{n, m, v};
    std::string err = verifyShape(f, rows, cols);
    if (!err.empty())
      return err;
    if (!out)
      return "out must not be null";
    const PackedShape ps = packedShape(f, rows, cols);
    out[0] = ps.condRows;
    out[1] = ps.valueCols;
    out[2] = ps.metaCols;
    out[3] = ps.slices;
    out[4] = deviceMetaWords(f, rows, cols);
    return "";
  });
}

int samoyeds_format_pack_f32(int64_t n, int64_t m, int64_t v, int64_t rows,
                             int64_t cols, const float *dense, float *values,
                             uint16_t *meta, uint8_t *rowidx) {
  return guarded(
      [&] { return pack({n, m, v}, rows, cols, dense, values, meta, rowidx); });
}

int samoyeds_format_unpack_f32(int64_t n, int64_t m, int64_t v, int64_t rows,
                               int64_t cols, const float *values,
                               const uint16_t *meta, const uint8_t *rowidx,
                               float *dense) {
  return guarded([&] {
    return unpack({n, m, v}, rows, cols, values, meta, rowidx, dense);
  });
}

int samoyeds_format_meta_to_device(int64_t n, int64_t m, int64_t v,
                                   int64_t rows, int64_t cols,
                                   const uint16_t *meta, uint32_t *device) {
  return guarded([&]() -> std::string {
    const Format f{n, m, v};
    std::string err = verifyShape(f, rows, cols);
    if (err.empty())
      err = checkPointers(meta, "meta", device, "device");
    if (err.empty())
      metaToDevice(f, rows, cols, meta, device);
    return err;
  });
}

int samoyeds_format_meta_from_device(int64_t n, int64_t m, int64_t v,
                                     int64_t rows, int64_t cols,
                                     const uint32_t *device, uint16_t *meta) {
  return guarded([&]() -> std::string {
    const Format f{n, m, v};
    std::string err = verifyShape(f, rows, cols);
    if (err.empty())
      err = checkPointers(device, "device", meta, "meta");
    if (err.empty())
      metaFromDevice(f, rows, cols, device, meta);
    return err;
  });
}

} // extern "C"
