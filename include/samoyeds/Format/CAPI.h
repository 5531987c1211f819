/*===- CAPI.h - C ABI of the Samoyeds weight-format library -------*- C -*-===*
 *
 * Plain C entry points (for Python ctypes and other FFI users) over
 * samoyeds/Format/Format.h. Every function that can fail returns 0 on success
 * and nonzero on error; the error message is then available from
 * samoyeds_format_last_error() on the same thread. Arrays are dense row-major;
 * see docs/format.md for their sizes and layout. No C++ exception crosses
 * these functions: one is reported as an error ("internal error: ...").
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

/* Every buffer argument is followed by its length in elements (not bytes):
 * a buffer shorter than the shape needs is an error ("values has 10
 * elements, the shape needs 64"), never a read or write past its end. A
 * longer buffer is fine; only the first elements are used. */

/* Sizes in elements: out[0] = condRows (rows*n/m), out[1] = valueCols
 * (cols/2), out[2] = metaCols (cols/16), out[3] = slices (cols/v).
 * out_len >= 4. */
SAMOYEDS_FORMAT_EXPORT int samoyeds_format_packed_shape(int64_t n, int64_t m,
                                                        int64_t v, int64_t rows,
                                                        int64_t cols,
                                                        int64_t *out,
                                                        int64_t out_len);

/* Prune by magnitude and compress. dense: rows x cols float; values:
 * condRows x valueCols float; meta: condRows x metaCols uint16; rowidx:
 * slices x condRows uint8. */
SAMOYEDS_FORMAT_EXPORT int samoyeds_format_pack_f32(
    int64_t n, int64_t m, int64_t v, int64_t rows, int64_t cols,
    const float *dense, int64_t dense_len, float *values, int64_t values_len,
    uint16_t *meta, int64_t meta_len, uint8_t *rowidx, int64_t rowidx_len);

/* Inverse of pack; validates metadata and row indices. */
SAMOYEDS_FORMAT_EXPORT int samoyeds_format_unpack_f32(
    int64_t n, int64_t m, int64_t v, int64_t rows, int64_t cols,
    const float *values, int64_t values_len, const uint16_t *meta,
    int64_t meta_len, const uint8_t *rowidx, int64_t rowidx_len, float *dense,
    int64_t dense_len);

#ifdef __cplusplus
}
#endif

#endif /* SAMOYEDS_FORMAT_CAPI_H */
