//===- CPURuntimeTest.cpp - mlir-runner entry points with strided memrefs --===//
//
// Descriptors are built by hand the way MLIR lays them out (transposed,
// sliced, offset) and results compared with the contiguous C++ API.
//
//===----------------------------------------------------------------------===//

#include "samoyeds/Runtime/CPURuntime.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace samoyeds::format;
using samoyeds::format::testing::Packed;
using samoyeds::format::testing::randomMatrix;

namespace {

template <typename T>
StridedMemRefType<T, 2> memref2(std::vector<T> &buf, int64_t offset,
                                int64_t rows, int64_t cols, int64_t rowStride,
                                int64_t colStride) {
  StridedMemRefType<T, 2> d;
  d.basePtr = buf.data();
  d.data = buf.data();
  d.offset = offset;
  d.sizes[0] = rows;
  d.sizes[1] = cols;
  d.strides[0] = rowStride;
  d.strides[1] = colStride;
  return d;
}

template <typename T>
StridedMemRefType<T, 3> memref3(std::vector<T> &buf, int64_t offset,
                                const int64_t sizes[3],
                                const int64_t strides[3]) {
  StridedMemRefType<T, 3> d;
  d.basePtr = buf.data();
  d.data = buf.data();
  d.offset = offset;
  for (int i = 0; i < 3; ++i) {
    d.sizes[i] = sizes[i];
    d.strides[i] = strides[i];
  }
  return d;
}

template <typename T>
T &at(StridedMemRefType<T, 2> &d, int64_t i, int64_t j) {
  return d.data[d.offset + i * d.strides[0] + j * d.strides[1]];
}

constexpr int64_t kRows = 8, kCols = 64;
const Format kFormat{2, 4, 32};

struct Reference {
  std::vector<float> dense = randomMatrix(31, kRows * kCols);
  Packed packed{kFormat, kRows, kCols};
  std::vector<float> unpacked = std::vector<float>(kRows * kCols);
  PackedShape ps = packedShape(kFormat, kRows, kCols);
  Reference() {
    EXPECT_EQ(pack(kFormat, kRows, kCols, dense.data(), packed.values.data(),
                   packed.meta.data(), packed.rowidx.data()),
              "");
    EXPECT_EQ(unpack(kFormat, kRows, kCols, packed.values.data(),
                     packed.meta.data(), packed.rowidx.data(),
                     unpacked.data()),
              "");
  }
};

TEST(CPURuntime, PackUnpackNonContiguous) {
  Reference ref;
  const PackedShape &ps = ref.ps; // condRows 4, valueCols 32, metaCols 4
  // dense: transposed storage (column-major), strides {1, rows}.
  std::vector<float> denseBuf(kRows * kCols);
  for (int64_t r = 0; r < kRows; ++r)
    for (int64_t c = 0; c < kCols; ++c)
      denseBuf[c * kRows + r] = ref.dense[r * kCols + c];
  auto dense = memref2(denseBuf, 0, kRows, kCols, 1, kRows);
  // values: a window of a wider buffer, offset 7, row stride valueCols + 5.
  const int64_t vStride = ps.valueCols + 5;
  std::vector<float> valuesBuf(7 + ps.condRows * vStride, -1.0f);
  auto values = memref2(valuesBuf, 7, ps.condRows, ps.valueCols, vStride, 1);
  // meta: transposed, offset 2.
  std::vector<int16_t> metaBuf(2 + ps.condRows * ps.metaCols, 0x7777);
  auto meta = memref2(metaBuf, 2, ps.condRows, ps.metaCols, 1, ps.condRows);
  // rowidx: every other element of each row.
  std::vector<int8_t> idxBuf(ps.slices * ps.condRows * 2, 99);
  auto rowidx = memref2(idxBuf, 0, ps.slices, ps.condRows, 2 * ps.condRows, 2);

  _mlir_ciface_samoyeds_rt_pack_f32(&dense, &values, &meta, &rowidx,
                                    kFormat.n, kFormat.m, kFormat.v);

  for (int64_t r = 0; r < ps.condRows; ++r) {
    for (int64_t c = 0; c < ps.valueCols; ++c)
      ASSERT_EQ(at(values, r, c), ref.packed.values[r * ps.valueCols + c]);
    for (int64_t c = 0; c < ps.metaCols; ++c)
      ASSERT_EQ(static_cast<uint16_t>(at(meta, r, c)),
                ref.packed.meta[r * ps.metaCols + c]);
  }
  for (int64_t s = 0; s < ps.slices; ++s)
    for (int64_t r = 0; r < ps.condRows; ++r)
      ASSERT_EQ(static_cast<uint8_t>(at(rowidx, s, r)),
                ref.packed.rowidx[s * ps.condRows + r]);
  // Elements outside the windows are untouched.
  for (int64_t i = 0; i < 7; ++i)
    EXPECT_EQ(valuesBuf[i], -1.0f);
  for (int64_t r = 0; r < ps.condRows; ++r)
    for (int64_t c = ps.valueCols; c < vStride; ++c)
      EXPECT_EQ(valuesBuf[7 + r * vStride + c], -1.0f);
  EXPECT_EQ(metaBuf[0], 0x7777);
  EXPECT_EQ(metaBuf[1], 0x7777);
  for (size_t i = 1; i < idxBuf.size(); i += 2)
    EXPECT_EQ(idxBuf[i], 99);

  // Unpack into a dense window with column stride 2 and an offset.
  std::vector<float> outBuf(3 + kRows * kCols * 2, 5.0f);
  auto out = memref2(outBuf, 3, kRows, kCols, 2 * kCols, 2);
  _mlir_ciface_samoyeds_rt_unpack_f32(&values, &meta, &rowidx, &out, kFormat.n,
                                      kFormat.m, kFormat.v);
  for (int64_t r = 0; r < kRows; ++r)
    for (int64_t c = 0; c < kCols; ++c) {
      ASSERT_EQ(at(out, r, c), ref.unpacked[r * kCols + c]);
      ASSERT_EQ(outBuf[3 + r * 2 * kCols + 2 * c + 1], 5.0f);
    }
}

TEST(CPURuntime, PackContiguous) {
  Reference ref;
  const PackedShape &ps = ref.ps;
  auto dense = memref2(ref.dense, 0, kRows, kCols, kCols, 1);
  std::vector<float> valuesBuf(ps.condRows * ps.valueCols);
  std::vector<int16_t> metaBuf(ps.condRows * ps.metaCols);
  std::vector<int8_t> idxBuf(ps.slices * ps.condRows);
  auto values = memref2(valuesBuf, 0, ps.condRows, ps.valueCols, ps.valueCols, 1);
  auto meta = memref2(metaBuf, 0, ps.condRows, ps.metaCols, ps.metaCols, 1);
  auto rowidx = memref2(idxBuf, 0, ps.slices, ps.condRows, ps.condRows, 1);
  _mlir_ciface_samoyeds_rt_pack_f32(&dense, &values, &meta, &rowidx, 2, 4, 32);
  EXPECT_EQ(valuesBuf, ref.packed.values);
  for (size_t i = 0; i < metaBuf.size(); ++i)
    EXPECT_EQ(static_cast<uint16_t>(metaBuf[i]), ref.packed.meta[i]);
  for (size_t i = 0; i < idxBuf.size(); ++i)
    EXPECT_EQ(static_cast<uint8_t>(idxBuf[i]), ref.packed.rowidx[i]);
}

TEST(CPURuntime, Rank3PerExpert) {
  constexpr int64_t E = 3;
  const PackedShape ps = packedShape(kFormat, kRows, kCols);
  // dense stored as [rows][experts][cols]: the expert dimension is not the
  // outermost one in memory, so no expert's matrix is contiguous.
  std::vector<std::vector<float>> w;
  std::vector<float> denseBuf(E * kRows * kCols);
  for (int64_t e = 0; e < E; ++e) {
    w.push_back(randomMatrix(100 + e, kRows * kCols));
    for (int64_t r = 0; r < kRows; ++r)
      for (int64_t c = 0; c < kCols; ++c)
        denseBuf[(r * E + e) * kCols + c] = w[e][r * kCols + c];
  }
  const int64_t dSizes[3] = {E, kRows, kCols};
  const int64_t dStrides[3] = {kCols, E * kCols, 1};
  auto dense = memref3(denseBuf, 0, dSizes, dStrides);
  std::vector<float> valuesBuf(E * ps.condRows * ps.valueCols);
  std::vector<int16_t> metaBuf(E * ps.condRows * ps.metaCols);
  std::vector<int8_t> idxBuf(E * ps.slices * ps.condRows);
  const int64_t vSizes[3] = {E, ps.condRows, ps.valueCols};
  const int64_t vStrides[3] = {ps.condRows * ps.valueCols, ps.valueCols, 1};
  const int64_t mSizes[3] = {E, ps.condRows, ps.metaCols};
  const int64_t mStrides[3] = {ps.condRows * ps.metaCols, ps.metaCols, 1};
  const int64_t iSizes[3] = {E, ps.slices, ps.condRows};
  const int64_t iStrides[3] = {ps.slices * ps.condRows, ps.condRows, 1};
  auto values = memref3(valuesBuf, 0, vSizes, vStrides);
  auto meta = memref3(metaBuf, 0, mSizes, mStrides);
  auto rowidx = memref3(idxBuf, 0, iSizes, iStrides);
  _mlir_ciface_samoyeds_rt_pack3_f32(&dense, &values, &meta, &rowidx, 2, 4, 32);

  std::vector<float> outBuf(E * kRows * kCols, 3.0f);
  const int64_t oStrides[3] = {kRows * kCols, kCols, 1};
  auto out = memref3(outBuf, 0, dSizes, oStrides);
  _mlir_ciface_samoyeds_rt_unpack3_f32(&values, &meta, &rowidx, &out, 2, 4, 32);

  for (int64_t e = 0; e < E; ++e) {
    Packed p(kFormat, kRows, kCols);
    ASSERT_EQ(pack(kFormat, kRows, kCols, w[e].data(), p.values.data(),
                   p.meta.data(), p.rowidx.data()),
              "");
    const int64_t nv = numValues(ps), nm = numMetaWords(ps),
                  ni = numRowIndices(ps);
    EXPECT_TRUE(std::equal(p.values.begin(), p.values.end(),
                           valuesBuf.begin() + e * nv));
    for (int64_t i = 0; i < nm; ++i)
      EXPECT_EQ(static_cast<uint16_t>(metaBuf[e * nm + i]), p.meta[i]);
    for (int64_t i = 0; i < ni; ++i)
      EXPECT_EQ(static_cast<uint8_t>(idxBuf[e * ni + i]), p.rowidx[i]);
    std::vector<float> d(kRows * kCols);
    ASSERT_EQ(unpack(kFormat, kRows, kCols, p.values.data(), p.meta.data(),
                     p.rowidx.data(), d.data()),
              "");
    EXPECT_TRUE(std::equal(d.begin(), d.end(),
                           outBuf.begin() + e * kRows * kCols));
  }
}

//===--- Errors abort with a message ---------------------------------------===//

struct Buffers {
  PackedShape ps = packedShape(kFormat, kRows, kCols);
  std::vector<float> denseBuf = randomMatrix(1, kRows * kCols);
  std::vector<float> valuesBuf = std::vector<float>(64 * 64);
  std::vector<int16_t> metaBuf = std::vector<int16_t>(64 * 64, 0x4444);
  std::vector<int8_t> idxBuf = std::vector<int8_t>(64 * 64, 0);
  StridedMemRefType<float, 2> dense =
      memref2(denseBuf, 0, kRows, kCols, kCols, 1);
  StridedMemRefType<float, 2> values =
      memref2(valuesBuf, 0, ps.condRows, ps.valueCols, ps.valueCols, 1);
  StridedMemRefType<int16_t, 2> meta =
      memref2(metaBuf, 0, ps.condRows, ps.metaCols, ps.metaCols, 1);
  StridedMemRefType<int8_t, 2> rowidx =
      memref2(idxBuf, 0, ps.slices, ps.condRows, ps.condRows, 1);
  Buffers() {
    for (int64_t k = 0; k < ps.slices * ps.condRows; ++k)
      idxBuf[k] = static_cast<int8_t>(k % 2); // rows 0 and 1 of each group
  }
  void pack(int64_t n = 2, int64_t m = 4, int64_t v = 32) {
    _mlir_ciface_samoyeds_rt_pack_f32(&dense, &values, &meta, &rowidx, n, m, v);
  }
  void unpack() {
    _mlir_ciface_samoyeds_rt_unpack_f32(&values, &meta, &rowidx, &dense, 2, 4,
                                        32);
  }
};

TEST(CPURuntimeDeathTest, SizeMismatch) {
  Buffers b;
  b.values.sizes[1] = 30;
  EXPECT_DEATH(b.pack(), "samoyeds runtime error: samoyeds_rt_pack_f32 "
                         "\\(format 2:4 V=32, dense 8x64\\): values memref is "
                         "4x30, expected 4x32");
  Buffers c;
  c.rowidx.sizes[0] = 1;
  EXPECT_DEATH(c.unpack(), "samoyeds runtime error: .*rowidx memref is 1x4, "
                           "expected 2x4");
  Buffers d;
  d.meta.sizes[0] = 3;
  EXPECT_DEATH(d.pack(), "samoyeds runtime error: .*meta memref is 3x4, "
                         "expected 4x4");
}

TEST(CPURuntimeDeathTest, InvalidFormatAndShape) {
  Buffers b;
  EXPECT_DEATH(b.pack(3, 2, 32), "samoyeds runtime error: .*N \\(3\\) must "
                                 "not exceed M \\(2\\)");
  Buffers c;
  EXPECT_DEATH(c.pack(2, 4, 48), "samoyeds runtime error: .*V \\(48\\) must "
                                 "be a positive multiple of 32");
  Buffers d;
  d.dense.sizes[0] = 6;
  EXPECT_DEATH(d.pack(), "samoyeds runtime error: .*rows \\(6\\) must be a "
                         "multiple of M \\(4\\)");
}

TEST(CPURuntimeDeathTest, MalformedPackedData) {
  Buffers b;
  b.metaBuf[5] = 0x4445;
  EXPECT_DEATH(b.unpack(), "samoyeds runtime error: samoyeds_rt_unpack_f32: "
                           "meta\\[1\\]\\[1\\] nibble 0 .*strictly ascending");
  Buffers c;
  c.idxBuf[0] = 5;
  c.idxBuf[1] = 6;
  EXPECT_DEATH(c.unpack(), "samoyeds runtime error: .*rowidx\\[0\\]\\[0\\] "
                           "\\(5\\) must be less than M \\(4\\)");
}

TEST(CPURuntimeDeathTest, NullAndExpertMismatch) {
  Buffers b;
  b.values.data = nullptr;
  EXPECT_DEATH(b.pack(), "samoyeds runtime error: .*values memref has a null "
                         "data pointer");
  EXPECT_DEATH(_mlir_ciface_samoyeds_rt_pack_f32(nullptr, &b.values, &b.meta,
                                                 &b.rowidx, 2, 4, 32),
               "samoyeds runtime error: .*dense memref descriptor is null");

  std::vector<float> fbuf(1024);
  std::vector<int16_t> mbuf(1024);
  std::vector<int8_t> ibuf(1024);
  const int64_t ds[3] = {2, 8, 64}, dst[3] = {512, 64, 1};
  const int64_t vs[3] = {3, 4, 32}, vst[3] = {128, 32, 1};
  const int64_t ms[3] = {2, 4, 4}, mst[3] = {16, 4, 1};
  const int64_t is[3] = {2, 2, 4}, ist[3] = {8, 4, 1};
  auto d = memref3(fbuf, 0, ds, dst);
  auto v = memref3(fbuf, 0, vs, vst);
  auto m = memref3(mbuf, 0, ms, mst);
  auto i = memref3(ibuf, 0, is, ist);
  EXPECT_DEATH(_mlir_ciface_samoyeds_rt_pack3_f32(&d, &v, &m, &i, 2, 4, 32),
               "samoyeds runtime error: samoyeds_rt_pack3_f32: expert "
               "dimensions differ \\(2, 3, 2, 2\\)");
  // Zero experts still check the format.
  const int64_t zs[3] = {0, 8, 64};
  const int64_t zv[3] = {0, 4, 32}, zm[3] = {0, 4, 4}, zi[3] = {0, 2, 4};
  auto zd = memref3(fbuf, 0, zs, dst);
  auto zvv = memref3(fbuf, 0, zv, vst);
  auto zmm = memref3(mbuf, 0, zm, mst);
  auto zii = memref3(ibuf, 0, zi, ist);
  _mlir_ciface_samoyeds_rt_pack3_f32(&zd, &zvv, &zmm, &zii, 2, 4, 32);
  EXPECT_DEATH(
      _mlir_ciface_samoyeds_rt_pack3_f32(&zd, &zvv, &zmm, &zii, 2, 4, 48),
      "samoyeds runtime error: .*V \\(48\\)");
}

TEST(CPURuntimeDeathTest, Rank3ErrorNamesTheExpert) {
  std::vector<float> fbuf(2 * 8 * 64);
  std::vector<int16_t> mbuf(2 * 4 * 4, 0x4444);
  std::vector<int8_t> ibuf(2 * 2 * 4, 0);
  // Expert 1 gets a bad row index; expert 0 is fine.
  for (int k = 0; k < 8; ++k)
    ibuf[k] = static_cast<int8_t>(k % 2);
  ibuf[8] = 0;
  ibuf[9] = 0; // not strictly ascending
  const int64_t ds[3] = {2, 8, 64}, dst[3] = {512, 64, 1};
  const int64_t vs[3] = {2, 4, 32}, vst[3] = {128, 32, 1};
  const int64_t ms[3] = {2, 4, 4}, mst[3] = {16, 4, 1};
  const int64_t is[3] = {2, 2, 4}, ist[3] = {8, 4, 1};
  std::vector<float> vbuf(2 * 4 * 32);
  auto d = memref3(fbuf, 0, ds, dst);
  auto v = memref3(vbuf, 0, vs, vst);
  auto m = memref3(mbuf, 0, ms, mst);
  auto i = memref3(ibuf, 0, is, ist);
  EXPECT_DEATH(_mlir_ciface_samoyeds_rt_unpack3_f32(&v, &m, &i, &d, 2, 4, 32),
               "samoyeds runtime error: samoyeds_rt_unpack3_f32 expert 1: "
               "rowidx\\[0\\]\\[0..1\\] \\(0, 0\\) must be strictly ascending");
}

} // namespace
