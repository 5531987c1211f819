//===- CAPI.cpp - extern "C" wrappers with a thread-local error message ----===//

#include "samoyeds/Format/CAPI.h"
#include "samoyeds/Format/Format.h"

#include <exception>
#include <initializer_list>
#include <string>
#include <tuple>

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

/// The element counts of the buffers of a valid shape (verifyShape has
/// checked that rows x cols fits int64, and every count is at most that).
struct Counts {
  int64_t dense, values, meta, rowidx;
};
Counts countsOf(const Format &f, int64_t rows, int64_t cols) {
  const PackedShape ps = packedShape(f, rows, cols);
  return {rows * cols, numValues(ps), numMetaWords(ps), numRowIndices(ps)};
}

/// "" when `p` is non-null and holds at least `need` elements.
std::string checkBuffer(const void *p, int64_t len, int64_t need,
                        const char *name) {
  if (!p)
    return std::string(name) + " must not be null";
  if (len < need)
    return std::string(name) + " has " + std::to_string(len) +
           " elements, the shape needs " + std::to_string(need);
  return "";
}

/// The first failing check of `buffers`, or "".
std::string
checkBuffers(std::initializer_list<std::tuple<const void *, int64_t, int64_t,
                                              const char *>>
                 buffers) {
  for (auto [p, len, need, name] : buffers) {
    std::string err = checkBuffer(p, len, need, name);
    if (!err.empty())
      return err;
  }
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
                                 int64_t cols, int64_t *out, int64_t out_len) {
  return guarded([&]() -> std::string {
    const Format f{n, m, v};
    std::string err = verifyShape(f, rows, cols);
    if (err.empty())
      err = checkBuffer(out, out_len, 4, "out");
    if (!err.empty())
      return err;
    const PackedShape ps = packedShape(f, rows, cols);
    out[0] = ps.condRows;
    out[1] = ps.valueCols;
    out[2] = ps.metaCols;
    out[3] = ps.slices;
    return "";
  });
}

int samoyeds_format_pack_f32(int64_t n, int64_t m, int64_t v, int64_t rows,
                             int64_t cols, const float *dense,
                             int64_t dense_len, float *values,
                             int64_t values_len, uint16_t *meta,
                             int64_t meta_len, uint8_t *rowidx,
                             int64_t rowidx_len) {
  return guarded([&]() -> std::string {
    const Format f{n, m, v};
    std::string err = verifyShape(f, rows, cols);
    if (!err.empty())
      return err;
    const Counts c = countsOf(f, rows, cols);
    err = checkBuffers({{dense, dense_len, c.dense, "dense"},
                        {values, values_len, c.values, "values"},
                        {meta, meta_len, c.meta, "meta"},
                        {rowidx, rowidx_len, c.rowidx, "rowidx"}});
    if (!err.empty())
      return err;
    return pack(f, rows, cols, dense, values, meta, rowidx);
  });
}

int samoyeds_format_unpack_f32(int64_t n, int64_t m, int64_t v, int64_t rows,
                               int64_t cols, const float *values,
                               int64_t values_len, const uint16_t *meta,
                               int64_t meta_len, const uint8_t *rowidx,
                               int64_t rowidx_len, float *dense,
                               int64_t dense_len) {
  return guarded([&]() -> std::string {
    const Format f{n, m, v};
    std::string err = verifyShape(f, rows, cols);
    if (!err.empty())
      return err;
    const Counts c = countsOf(f, rows, cols);
    err = checkBuffers({{values, values_len, c.values, "values"},
                        {meta, meta_len, c.meta, "meta"},
                        {rowidx, rowidx_len, c.rowidx, "rowidx"},
                        {dense, dense_len, c.dense, "dense"}});
    if (!err.empty())
      return err;
    return unpack(f, rows, cols, values, meta, rowidx, dense);
  });
}

} // extern "C"
