/*===- CAPI.h - C ABI of the Samoyeds weight-format library -------*- C -*-===*
 *
 * Plain C entry points (for Python ctypes and other FFI users) over
 * samoyeds/Format/Format.h. Every function that can fail returns 0 on success
 * and nonzero on error; the error message is then available from
 * samoyeds_format_last_error() on the same thread. Arrays are dense row-major;
 * see docs/format.md for their sizes and layout.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SAMOYEDS_FORMAT_CAPI_H
#define SAMOYEDS_FORMAT_CAPI_H

#include <stdint.h>

#if defined(_WIN32)
#define SAMOYEDS_FORMAT_EXPORT __declspec(dllexport)
#else
#define SAMOYEDS_FORMAT_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
#define SAMOYEDS_FORMAT_OK 0
#define SAMOYEDS_FORMAT_ERROR 1

/* Message of the last failed call on this thread ("" after a success). The
 * pointer stays valid until the next samoyeds_format_* call on this thread. */
SAMOYEDS_FORMAT_EXPORT const char *samoyeds_format_last_error(void);

/* Checks the format (n:m, v) and the logical shape rows x cols. */
SAMOYEDS_FORMAT_EXPORT int samoyeds_format_verify(int64_t n, int64_t m,
                                                  int64_t v, int64_t rows,
                                                  int64_t cols);

/* Sizes in elements: out[0] = condRows (rows*n/m), out[1] = valueCols
 * (cols/2), out[2] = metaCols (cols/16), out[3] = slices (cols/v),
 * out[4] = device metadata words (uint32). */
SAMOYEDS_FORMAT_EXPORT int samoyeds_format_packed_shape(int64_t n, int64_t m,
                                                        int64_t v, int64_t rows,
                                                        int64_t cols,
                                                        int64_t out[5]);

/* Prune by magnitude and compress. dense: rows x cols float; values:
 * condRows x valueCols float; meta: condRows x metaCols uint16; rowidx:
 * slices x condRows uint8. */
SAMOYEDS_FORMAT_EXPORT int
samoyeds_format_pack_f32(int64_t n, int64_t m, int64_t v, int64_t rows,
                         int64_t cols, const float *dense, float *values,
                         uint16_t *meta, uint8_t *rowidx);

/* Inverse of pack; validates metadata and row indices. */
SAMOYEDS_FORMAT_EXPORT int
samoyeds_format_unpack_f32(int64_t n, int64_t m, int64_t v, int64_t rows,
                           int64_t cols, const float *values,
                           const uint16_t *meta, const uint8_t *rowidx,
                           float *dense);

/* Canonical metadata -> device (mma.sp m16n8k32) layout; device holds
 * packed_shape out[4] uint32 words. */
SAMOYEDS_FORMAT_EXPORT int
samoyeds_format_meta_to_device(int64_t n, int64_t m, int64_t v, int64_t rows,
                               int64_t cols, const uint16_t *meta,
                               uint32_t *device);

/* Device -> canonical metadata. */
SAMOYEDS_FORMAT_EXPORT int
samoyeds_format_meta_from_device(int64_t n, int64_t m, int64_t v, int64_t rows,
                                 int64_t cols, const uint32_t *device,
                                 uint16_t *meta);

#ifdef __cplusplus
}
#endif

#endif /* SAMOYEDS_FORMAT_CAPI_H */
