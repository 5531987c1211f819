//===- samoyeds/Runtime/CPURuntime.h - mlir-runner packing entry points ---===//
//
// Functions that MLIR code declared with `llvm.emit_c_interface` calls, e.g.
//   func.func private @samoyeds_rt_pack_f32(memref<?x?xf32>, memref<?x?xf32>,
//       memref<?x?xi16>, memref<?x?xi8>, i64, i64, i64)
//       attributes {llvm.emit_c_interface}
// Every memref may have arbitrary strides and offset. Sizes are checked
// against the format; on any error the function prints
// "samoyeds runtime error: <message>" to stderr and aborts.
//
//===----------------------------------------------------------------------===//

#ifndef SAMOYEDS_RUNTIME_CPURUNTIME_H
#define SAMOYEDS_RUNTIME_CPURUNTIME_H

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cstdint>

#define SAMOYEDS_RT_EXPORT __attribute__((visibility("default")))

extern "C" {

// dense: rows x cols; values: rows*n/m x cols/2; meta: rows*n/m x cols/16;
// rowidx: cols/v x rows*n/m.
SAMOYEDS_RT_EXPORT void _mlir_ciface_samoyeds_rt_pack_f32(
    StridedMemRefType<float, 2> *dense, StridedMemRefType<float, 2> *values,
    StridedMemRefType<int16_t, 2> *meta, StridedMemRefType<int8_t, 2> *rowidx,
    int64_t n, int64_t m, int64_t v);

SAMOYEDS_RT_EXPORT void _mlir_ciface_samoyeds_rt_unpack_f32(
    StridedMemRefType<float, 2> *values, StridedMemRefType<int16_t, 2> *meta,
    StridedMemRefType<int8_t, 2> *rowidx, StridedMemRefType<float, 2> *dense,
    int64_t n, int64_t m, int64_t v);

// Same with a leading expert dimension on all four memrefs (equal sizes);
// each expert is packed / unpacked independently.
SAMOYEDS_RT_EXPORT void _mlir_ciface_samoyeds_rt_pack3_f32(
    StridedMemRefType<float, 3> *dense, StridedMemRefType<float, 3> *values,
    StridedMemRefType<int16_t, 3> *meta, StridedMemRefType<int8_t, 3> *rowidx,
    int64_t n, int64_t m, int64_t v);

SAMOYEDS_RT_EXPORT void _mlir_ciface_samoyeds_rt_unpack3_f32(
    StridedMemRefType<float, 3> *values, StridedMemRefType<int16_t, 3> *meta,
    StridedMemRefType<int8_t, 3> *rowidx, StridedMemRefType<float, 3> *dense,
    int64_t n, int64_t m, int64_t v);

} // extern "C"

#endif // SAMOYEDS_RUNTIME_CPURUNTIME_H
