//===- CPURuntime.cpp - Strided-memref pack/unpack for mlir-runner ---------===//
//
// The CPU path is the reference: any inconsistency aborts with a message
// rather than producing a silently wrong result.
//
//===----------------------------------------------------------------------===//

#include "samoyeds/Runtime/CPURuntime.h"

#include "samoyeds/Format/Format.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace samoyeds::format;

namespace {

[[noreturn]] void fail(const std::string &msg) {
  std::fprintf(stderr, "samoyeds runtime error: %s\n", msg.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string dims(int64_t a, int64_t b) {
  return std::to_string(a) + "x" + std::to_string(b);
}

/// One 2-D matrix inside a strided memref (possibly one expert of a rank-3
/// memref). Element (i, j) is at data[offset + i * strides[0] + j * strides[1]].
template <typename T> struct Matrix {
  const char *name;
  T *data;
  int64_t offset;
  int64_t rows, cols;
  int64_t rowStride, colStride;

  bool isContiguous() const {
    return colStride == 1 && (rowStride == cols || rows <= 1);
  }
  T &at(int64_t i, int64_t j) const {
    return data[offset + i * rowStride + j * colStride];
  }
};

template <typename T>
Matrix<T> matrixOf(const char *fn, const char *name,
                   StridedMemRefType<T, 2> *d) {
  if (!d)
    fail(std::string(fn) + ": " + name + " memref descriptor is null");
  return {name,         d->data,       d->offset,    d->sizes[0],
          d->sizes[1], d->strides[0], d->strides[1]};
}

template <typename T>
Matrix<T> expertOf(const char *fn, const char *name,
                   StridedMemRefType<T, 3> *d, int64_t e) {
  if (!d)
    fail(std::string(fn) + ": " + name + " memref descriptor is null");
  return {name,         d->data,       d->offset + e * d->strides[0],
          d->sizes[1], d->sizes[2],   d->strides[1],
          d->strides[2]};
}

template <typename T>
void expectSize(const std::string &ctx, const Matrix<T> &mat, int64_t rows,
                int64_t cols, bool requireData) {
  if (mat.rows != rows || mat.cols != cols)
    fail(ctx + ": " + mat.name + " memref is " + dims(mat.rows, mat.cols) +
         ", expected " + dims(rows, cols));
  if (requireData && !mat.data && rows * cols != 0)
    fail(ctx + ": " + mat.name + " memref has a null data pointer");
}

/// Contiguous row-major storage of `mat`, reinterpreted as U (same size):
/// the memref's own buffer when it already has that layout, else a scratch
/// copy that `finish` writes back (for outputs).
template <typename T, typename U> class Contiguous {
public:
  Contiguous(const Matrix<T> &mat, bool isInput) : mat(mat) {
    static_assert(sizeof(T) == sizeof(U), "reinterpretation must keep size");
    if (mat.isContiguous()) {
      ptr = reinterpret_cast<U *>(mat.data + mat.offset);
      return;
    }
    scratch.resize(mat.rows * mat.cols);
    ptr = reinterpret_cast<U *>(scratch.data());
    if (isInput)
      for (int64_t i = 0; i < mat.rows; ++i)
        for (int64_t j = 0; j < mat.cols; ++j)
          scratch[i * mat.cols + j] = mat.at(i, j);
  }
  U *get() const { return ptr; }
  void finish() const {
    if (scratch.empty())
      return;
    for (int64_t i = 0; i < mat.rows; ++i)
      for (int64_t j = 0; j < mat.cols; ++j)
        mat.at(i, j) = scratch[i * mat.cols + j];
  }

private:
  Matrix<T> mat;
  std::vector<T> scratch;
  U *ptr = nullptr;
};

/// Checks format and sizes; `dense` gives the logical shape. `requireData`
/// is false only for the shape check of an empty expert dimension.
void checkAll(const std::string &ctx, const Format &f,
              const Matrix<float> &dense, const Matrix<float> &values,
              const Matrix<int16_t> &meta, const Matrix<int8_t> &rowidx,
              bool requireData = true) {
  std::string err = verifyShape(f, dense.rows, dense.cols);
  if (!err.empty())
    fail(ctx + ": format " + toString(f) + ", dense " +
         dims(dense.rows, dense.cols) + ": " + err);
  const PackedShape ps = packedShape(f, dense.rows, dense.cols);
  const std::string where = ctx + " (format " + toString(f) + ", dense " +
                            dims(dense.rows, dense.cols) + ")";
  expectSize(where, dense, dense.rows, dense.cols, requireData);
  expectSize(where, values, ps.condRows, ps.valueCols, requireData);
  expectSize(where, meta, ps.condRows, ps.metaCols, requireData);
  expectSize(where, rowidx, ps.slices, ps.condRows, requireData);
}

void packOne(const std::string &ctx, const Format &f, const Matrix<float> &d,
             const Matrix<float> &vals, const Matrix<int16_t> &meta,
             const Matrix<int8_t> &idx) {
  checkAll(ctx, f, d, vals, meta, idx);
  Contiguous<float, float> cd(d, /*isInput=*/true);
  Contiguous<float, float> cv(vals, false);
  Contiguous<int16_t, uint16_t> cm(meta, false);
  Contiguous<int8_t, uint8_t> ci(idx, false);
  std::string err =
      pack(f, d.rows, d.cols, cd.get(), cv.get(), cm.get(), ci.get());
  if (!err.empty())
    fail(ctx + ": " + err);
  cv.finish();
  cm.finish();
  ci.finish();
}

void unpackOne(const std::string &ctx, const Format &f,
               const Matrix<float> &vals, const Matrix<int16_t> &meta,
               const Matrix<int8_t> &idx, const Matrix<float> &d) {
  checkAll(ctx, f, d, vals, meta, idx);
  Contiguous<float, float> cv(vals, /*isInput=*/true);
  Contiguous<int16_t, uint16_t> cm(meta, true);
  Contiguous<int8_t, uint8_t> ci(idx, true);
  Contiguous<float, float> cd(d, false);
  std::string err =
      unpack(f, d.rows, d.cols, cv.get(), cm.get(), ci.get(), cd.get());
  if (!err.empty())
    fail(ctx + ": " + err);
  cd.finish();
}

template <typename A, typename B, typename C, typename D>
int64_t numExperts(const char *fn, StridedMemRefType<A, 3> *a,
                   StridedMemRefType<B, 3> *b, StridedMemRefType<C, 3> *c,
                   StridedMemRefType<D, 3> *d) {
  if (!a || !b || !c || !d)
    fail(std::string(fn) + ": memref descriptor is null");
  const int64_t e = a->sizes[0];
  if (e < 0 || b->sizes[0] != e || c->sizes[0] != e || d->sizes[0] != e)
    fail(std::string(fn) + ": expert dimensions differ (" +
         std::to_string(a->sizes[0]) + ", " + std::to_string(b->sizes[0]) +
         ", " + std::to_string(c->sizes[0]) + ", " +
         std::to_string(d->sizes[0]) + ")");
  return e;
}

/// Runs `body` so that no C++ exception (std::bad_alloc from a copy, say)
/// crosses the C boundary into generated code: it becomes the runtime's
/// usual abort with a message naming the function.
template <typename Body> void guarded(const char *fn, Body body) {
  try {
    body();
  } catch (const std::exception &e) {
    fail(std::string(fn) + ": internal error: " + e.what());
  } catch (...) {
    fail(std::string(fn) + ": internal error: unknown exception");
  }
}

} // namespace

extern "C" {

void _mlir_ciface_samoyeds_rt_pack_f32(StridedMemRefType<float, 2> *dense,
                                       StridedMemRefType<float, 2> *values,
                                       StridedMemRefType<int16_t, 2> *meta,
                                       StridedMemRefType<int8_t, 2> *rowidx,
                                       int64_t n, int64_t m, int64_t v) {
  const char *fn = "samoyeds_rt_pack_f32";
  guarded(fn, [&] {
    packOne(fn, {n, m, v}, matrixOf(fn, "dense", dense),
            matrixOf(fn, "values", values), matrixOf(fn, "meta", meta),
            matrixOf(fn, "rowidx", rowidx));
  });
}

void _mlir_ciface_samoyeds_rt_unpack_f32(StridedMemRefType<float, 2> *values,
                                         StridedMemRefType<int16_t, 2> *meta,
                                         StridedMemRefType<int8_t, 2> *rowidx,
                                         StridedMemRefType<float, 2> *dense,
                                         int64_t n, int64_t m, int64_t v) {
  const char *fn = "samoyeds_rt_unpack_f32";
  guarded(fn, [&] {
    unpackOne(fn, {n, m, v}, matrixOf(fn, "values", values),
              matrixOf(fn, "meta", meta), matrixOf(fn, "rowidx", rowidx),
              matrixOf(fn, "dense", dense));
  });
}

void _mlir_ciface_samoyeds_rt_pack3_f32(StridedMemRefType<float, 3> *dense,
                                        StridedMemRefType<float, 3> *values,
                                        StridedMemRefType<int16_t, 3> *meta,
                                        StridedMemRefType<int8_t, 3> *rowidx,
                                        int64_t n, int64_t m, int64_t v) {
  const char *fn = "samoyeds_rt_pack3_f32";
  guarded(fn, [&] {
    const int64_t experts = numExperts(fn, dense, values, meta, rowidx);
    if (experts == 0) // Still reject an inconsistent format or shape.
      checkAll(fn, {n, m, v}, expertOf(fn, "dense", dense, 0),
               expertOf(fn, "values", values, 0), expertOf(fn, "meta", meta, 0),
               expertOf(fn, "rowidx", rowidx, 0), /*requireData=*/false);
    for (int64_t e = 0; e < experts; ++e)
      packOne(std::string(fn) + " expert " + std::to_string(e), {n, m, v},
              expertOf(fn, "dense", dense, e), expertOf(fn, "values", values, e),
              expertOf(fn, "meta", meta, e), expertOf(fn, "rowidx", rowidx, e));
  });
}

void _mlir_ciface_samoyeds_rt_unpack3_f32(StridedMemRefType<float, 3> *values,
                                          StridedMemRefType<int16_t, 3> *meta,
                                          StridedMemRefType<int8_t, 3> *rowidx,
                                          StridedMemRefType<float, 3> *dense,
                                          int64_t n, int64_t m, int64_t v) {
  const char *fn = "samoyeds_rt_unpack3_f32";
  guarded(fn, [&] {
    const int64_t experts = numExperts(fn, values, meta, rowidx, dense);
    if (experts == 0) // Still reject an inconsistent format or shape.
      checkAll(fn, {n, m, v}, expertOf(fn, "dense", dense, 0),
               expertOf(fn, "values", values, 0), expertOf(fn, "meta", meta, 0),
               expertOf(fn, "rowidx", rowidx, 0), /*requireData=*/false);
    for (int64_t e = 0; e < experts; ++e)
      unpackOne(std::string(fn) + " expert " + std::to_string(e), {n, m, v},
                expertOf(fn, "values", values, e), expertOf(fn, "meta", meta, e),
                expertOf(fn, "rowidx", rowidx, e),
                expertOf(fn, "dense", dense, e));
  });
}

} // extern "C"
