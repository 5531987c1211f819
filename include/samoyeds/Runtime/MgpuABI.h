//===- samoyeds/Runtime/MgpuABI.h - mgpu* functions for host code -*- C++ -*-===//
//
// The functions that host code produced by MLIR 22's gpu-to-llvm lowering
// (--gpu-lower-to-nvvm-pipeline, then mlir-translate --mlir-to-llvmir) calls.
// The signatures match the `declare` lines of that LLVM IR (shown on the
// right); MLIR `index` is i64 and handles (CUmodule, CUfunction, CUstream,
// CUevent) are opaque pointers.
//
// None of these returns an error: failures are recorded in the calling
// thread's sticky error (see CUDARuntime.h), and while it is set the
// functions that enqueue work do nothing.
//
//===----------------------------------------------------------------------===//
#ifndef SAMOYEDS_RUNTIME_MGPUABI_H
#define SAMOYEDS_RUNTIME_MGPUABI_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#include "samoyeds/Runtime/CUDARuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

// Modules (called from the global constructor / destructor that embeds each
// gpu.binary; the handle is stored in a global of the generated code).
// declare ptr @mgpuModuleLoad(ptr, i64)            -- cubin / fatbin
SAMOYEDS_RT_API void *mgpuModuleLoad(void *data, size_t sizeBytes);
// declare ptr @mgpuModuleLoadJIT(ptr, i32)         -- PTX (cubin-format=isa)
SAMOYEDS_RT_API void *mgpuModuleLoadJIT(void *data, int32_t optLevel);
// declare void @mgpuModuleUnload(ptr)
SAMOYEDS_RT_API void mgpuModuleUnload(void *module);
// declare ptr @mgpuModuleGetFunction(ptr, ptr)     -- at every launch
SAMOYEDS_RT_API void *mgpuModuleGetFunction(void *module, const char *name);

// Launches.
// declare void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr,
//                                ptr, ptr, i64)
SAMOYEDS_RT_API void mgpuLaunchKernel(void *function, int64_t gridX,
                                      int64_t gridY, int64_t gridZ,
                                      int64_t blockX, int64_t blockY,
                                      int64_t blockZ, int32_t smem,
                                      void *stream, void **params,
                                      void **extra, size_t paramsCount);
// declare void @mgpuLaunchClusterKernel(ptr, i64 x9, i32, ptr, ptr, ptr)
SAMOYEDS_RT_API void
mgpuLaunchClusterKernel(void *function, int64_t clusterX, int64_t clusterY,
                        int64_t clusterZ, int64_t gridX, int64_t gridY,
                        int64_t gridZ, int64_t blockX, int64_t blockY,
                        int64_t blockZ, int32_t smem, void *stream,
                        void **params, void **extra);

// Streams (see samoyeds_rt_set_stream for what they map to).
// declare ptr @mgpuStreamCreate()
SAMOYEDS_RT_API void *mgpuStreamCreate(void);
// declare void @mgpuStreamDestroy(ptr)
SAMOYEDS_RT_API void mgpuStreamDestroy(void *stream);
// declare void @mgpuStreamSynchronize(ptr)
SAMOYEDS_RT_API void mgpuStreamSynchronize(void *stream);
// declare void @mgpuStreamWaitEvent(ptr, ptr)
SAMOYEDS_RT_API void mgpuStreamWaitEvent(void *stream, void *event);

// Events (joins of async token chains).
// declare ptr @mgpuEventCreate()
SAMOYEDS_RT_API void *mgpuEventCreate(void);
// declare void @mgpuEventDestroy(ptr)
SAMOYEDS_RT_API void mgpuEventDestroy(void *event);
// declare void @mgpuEventSynchronize(ptr)
SAMOYEDS_RT_API void mgpuEventSynchronize(void *event);
// declare void @mgpuEventRecord(ptr, ptr)
SAMOYEDS_RT_API void mgpuEventRecord(void *event, void *stream);

// Memory.
// declare ptr @mgpuMemAlloc(i64, ptr, i8)          -- gpu.alloc [host_shared]
SAMOYEDS_RT_API void *mgpuMemAlloc(uint64_t sizeBytes, void *stream,
                                   bool isHostShared);
// declare void @mgpuMemFree(ptr, ptr)              -- gpu.dealloc
SAMOYEDS_RT_API void mgpuMemFree(void *ptr, void *stream);
// declare void @mgpuMemcpy(ptr, ptr, i64, ptr)     -- gpu.memcpy
SAMOYEDS_RT_API void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                void *stream);
// declare void @mgpuMemset32(ptr, i32, i64, ptr)   -- gpu.memset, 32-bit
SAMOYEDS_RT_API void mgpuMemset32(void *dst, uint32_t value, size_t count,
                                  void *stream);
// declare void @mgpuMemset16(ptr, i16, i64, ptr)   -- gpu.memset, 16-bit
SAMOYEDS_RT_API void mgpuMemset16(void *dst, uint16_t value, size_t count,
                                  void *stream);
// declare void @mgpuMemHostRegisterMemRef(i64, ptr, i64) -- gpu.host_register
SAMOYEDS_RT_API void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                               int64_t elementSizeBytes);
// declare void @mgpuMemHostUnregisterMemRef(i64, ptr, i64)
SAMOYEDS_RT_API void mgpuMemHostUnregisterMemRef(int64_t rank,
                                                 void *descriptor,
                                                 int64_t elementSizeBytes);
SAMOYEDS_RT_API void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes);
SAMOYEDS_RT_API void mgpuMemHostUnregister(void *ptr);

// Device selection (before the first use).
SAMOYEDS_RT_API void mgpuSetDefaultDevice(int32_t device);

// Hopper TMA descriptors (nvgpu.tma.create.descriptor):
// declare ptr @mgpuTensorMapEncodeTiledMemref(i64, ptr, i64, i64, i64, i64,
//                                             i64, ptr)
// rank, ranked memref descriptor, CUtensorMapDataType, interleave, swizzle,
// L2 promotion, OOB fill, box dims (rank x i64, outermost first). Returns a
// device pointer to the 128-byte CUtensorMap (owned by the runtime).
SAMOYEDS_RT_API void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // SAMOYEDS_RUNTIME_MGPUABI_H
