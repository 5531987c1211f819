//===- MgpuWrappers.cpp - mgpu* functions called by MLIR host code --------===//
//
// The ABI that MLIR 22's gpu-to-llvm lowering targets (see MgpuABI.h for the
// `declare` lines). Errors go to the calling thread's sticky error; while it
// is set, functions that enqueue work do nothing.
//
//===----------------------------------------------------------------------===//
#include "samoyeds/Runtime/MgpuABI.h"

#include "Internal.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

using namespace samoyeds_rt;

namespace {

// Message of the most recent failed module load, for the error reported when
// generated code later asks a null module for a kernel. Plain storage: it may
// be touched from global constructors/destructors of other objects.
std::mutex &loadFailMutex() {
  static std::mutex m;
  return m;
}
char gLoadFailMsg[1536];

void rememberLoadFailure() {
  std::lock_guard<std::mutex> lock(loadFailMutex());
  std::snprintf(gLoadFailMsg, sizeof(gLoadFailMsg), "%s", latestMessage());
}

// Pointers allocated synchronously (managed memory, or cuMemAlloc where the
// device has no memory pools); everything else mgpuMemAlloc returns comes from
// cuMemAllocAsync and is freed with cuMemFreeAsync.
std::mutex &allocMutex() {
  static std::mutex m;
  return m;
}
std::unordered_set<void *> &syncAllocations() {
  static auto *set = new std::unordered_set<void *>(); // never destroyed
  return *set;
}

// Device copies of TMA descriptors, keyed by the 128-byte CUtensorMap.
struct TensorMapCache {
  std::mutex mutex;
  std::unordered_map<std::string, CUdeviceptr> entries;
};
TensorMapCache &tensorMapCache() {
  static auto *cache = new TensorMapCache(); // never destroyed
  return *cache;
}
constexpr size_t kTensorMapCacheLimit = 4096;

// The host copies of samoyeds_rt_tensor_map, by their arguments; never
// freed (their pointers are handed out).
struct GridConstantMaps {
  std::mutex mutex;
  std::unordered_map<std::string, std::unique_ptr<CUtensorMap>> maps;
};
GridConstantMaps &gridConstantMaps() {
  static auto *maps = new GridConstantMaps(); // never destroyed
  return *maps;
}

template <int Rank> struct MemRefDesc {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

// Reads a ranked memref descriptor of any rank: {ptr, ptr, i64 offset,
// i64 sizes[rank], i64 strides[rank]}.
struct MemRefView {
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;
};
MemRefView viewMemRef(void *descriptor, int64_t rank) {
  auto *base = static_cast<MemRefDesc<1> *>(descriptor);
  MemRefView v;
  v.aligned = base->aligned;
  v.offset = base->offset;
  v.sizes = base->sizes;
  v.strides = base->sizes + rank;
  return v;
}

} // namespace

extern "C" {

// ---- modules -------------------------------------------------------------------

void *mgpuModuleLoad(void *data, size_t sizeBytes) {
  return guarded<void *>("mgpuModuleLoad", nullptr, [&]() -> void * {
    char where[96];
    std::snprintf(where, sizeof(where), "mgpuModuleLoad(%zu-byte image)",
                  sizeBytes);
    CUmodule module = nullptr;
    if (!data || sizeBytes == 0) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "%s: empty image", where);
      rememberLoadFailure();
      return nullptr;
    }
    if (loadModule(where, data, -1, &module)) {
      rememberLoadFailure();
      return nullptr;
    }
    return module;
  });
}

void *mgpuModuleLoadJIT(void *data, int32_t optLevel) {
  return guarded<void *>("mgpuModuleLoadJIT", nullptr, [&]() -> void * {
    char where[96];
    std::snprintf(where, sizeof(where), "mgpuModuleLoadJIT(PTX, O%d)", optLevel);
    CUmodule module = nullptr;
    if (loadModule(where, data, optLevel < 0 ? -1 : optLevel, &module)) {
      rememberLoadFailure();
      return nullptr;
    }
    return module;
  });
}

void mgpuModuleUnload(void *module) {
  guardedVoid("mgpuModuleUnload", [&] {
    // Called from a global destructor: a null module (its load failed and was
    // reported) and a driver that is already shutting down are not errors.
    if (!module || !boundContext())
      return;
    // At process exit the driver may be torn down before this destructor runs
    // (every call then fails with CUDA_ERROR_DEINITIALIZED): nothing to free.
    CUcontext current = nullptr;
    if (cuCtxGetCurrent(&current) == CUDA_ERROR_DEINITIALIZED)
      return;
    ScopedContext scope("mgpuModuleUnload");
    if (scope.status())
      return;
    forgetKernelParamCounts();
    CUresult r = cuModuleUnload(static_cast<CUmodule>(module));
    if (r != CUDA_SUCCESS && r != CUDA_ERROR_DEINITIALIZED)
      recordCu(r, "mgpuModuleUnload", "cuModuleUnload");
  });
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  return guarded<void *>("mgpuModuleGetFunction", nullptr, [&]() -> void * {
    if (!name)
      name = "<null>";
    if (!module) {
      char failure[1536];
      {
        std::lock_guard<std::mutex> lock(loadFailMutex());
        std::snprintf(failure, sizeof(failure), "%s",
                      gLoadFailMsg[0] ? gLoadFailMsg : "no load was attempted");
      }
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuModuleGetFunction('%s'): the module holding this kernel "
                  "is not loaded (last failed module load: %s)",
                  name, failure);
      return nullptr;
    }
    ScopedContext scope("mgpuModuleGetFunction");
    if (scope.status())
      return nullptr;
    CUfunction fn = nullptr;
    char where[512];
    std::snprintf(where, sizeof(where), "mgpuModuleGetFunction('%s')", name);
    if (recordCu(cuModuleGetFunction(&fn, static_cast<CUmodule>(module), name),
                 where, "cuModuleGetFunction"))
      return nullptr;
    return fn;
  });
}

// ---- launches ------------------------------------------------------------------

void mgpuLaunchKernel(void *function, int64_t gridX, int64_t gridY,
                      int64_t gridZ, int64_t blockX, int64_t blockY,
                      int64_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  guardedVoid("mgpuLaunchKernel", [&] {
    if (threadPoisoned())
      return;
    const int64_t grid[3] = {gridX, gridY, gridZ};
    const int64_t block[3] = {blockX, blockY, blockZ};
    // MLIR passes the number of parameter pointers: checked against the
    // kernel where the driver can tell.
    launchKernel("mgpuLaunchKernel", static_cast<CUfunction>(function), grid,
                 block, nullptr, smem, static_cast<CUstream>(stream), params,
                 extra, static_cast<int64_t>(paramsCount));
  });
}

void mgpuLaunchClusterKernel(void *function, int64_t clusterX,
                             int64_t clusterY, int64_t clusterZ, int64_t gridX,
                             int64_t gridY, int64_t gridZ, int64_t blockX,
                             int64_t blockY, int64_t blockZ, int32_t smem,
                             void *stream, void **params, void **extra) {
  guardedVoid("mgpuLaunchClusterKernel", [&] {
    if (threadPoisoned())
      return;
    const int64_t cluster[3] = {clusterX, clusterY, clusterZ};
    const int64_t grid[3] = {gridX, gridY, gridZ};
    const int64_t block[3] = {blockX, blockY, blockZ};
    launchKernel("mgpuLaunchClusterKernel", static_cast<CUfunction>(function),
                 grid, block, cluster, smem, static_cast<CUstream>(stream),
                 params, extra);
  });
}

// ---- streams -------------------------------------------------------------------

void *mgpuStreamCreate(void) {
  return guarded<void *>("mgpuStreamCreate", nullptr, [&]() -> void * {
    // No stream is created: generated code runs on the calling thread's stream
    // (samoyeds_rt_set_stream; NULL = legacy default stream). Initialise here so
    // that a missing driver/device is reported before any work is attempted.
    ensureInit("mgpuStreamCreate");
    return threadStream();
  });
}

void mgpuStreamDestroy(void * /*stream*/) {
  guardedVoid("mgpuStreamDestroy", [&] {
    // The stream belongs to the caller (see mgpuStreamCreate).
  });
}

void mgpuStreamSynchronize(void *stream) {
  guardedVoid("mgpuStreamSynchronize", [&] {
    if (!threadBlocking())
      return;
    ScopedContext scope("mgpuStreamSynchronize");
    if (scope.status())
      return;
    CUstream s = static_cast<CUstream>(stream);
    CUstreamCaptureStatus capture = CU_STREAM_CAPTURE_STATUS_NONE;
    if (cuStreamIsCapturing(s, &capture) == CUDA_SUCCESS &&
        capture != CU_STREAM_CAPTURE_STATUS_NONE)
      return; // synchronizing a capturing stream would invalidate the capture
    recordCu(cuStreamSynchronize(s), "mgpuStreamSynchronize",
             "cuStreamSynchronize");
  });
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  guardedVoid("mgpuStreamWaitEvent", [&] {
    if (!event) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuStreamWaitEvent: event handle is null");
      return;
    }
    ScopedContext scope("mgpuStreamWaitEvent");
    if (scope.status())
      return;
    recordCu(cuStreamWaitEvent(static_cast<CUstream>(stream),
                               static_cast<CUevent>(event), 0),
             "mgpuStreamWaitEvent", "cuStreamWaitEvent");
  });
}

// ---- events --------------------------------------------------------------------

void *mgpuEventCreate(void) {
  return guarded<void *>("mgpuEventCreate", nullptr, [&]() -> void * {
    ScopedContext scope("mgpuEventCreate");
    if (scope.status())
      return nullptr;
    CUevent event = nullptr;
    if (recordCu(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING),
                 "mgpuEventCreate", "cuEventCreate"))
      return nullptr;
    return event;
  });
}

void mgpuEventDestroy(void *event) {
  guardedVoid("mgpuEventDestroy", [&] {
    if (!event)
      return;
    ScopedContext scope("mgpuEventDestroy");
    if (scope.status())
      return;
    recordCu(cuEventDestroy(static_cast<CUevent>(event)), "mgpuEventDestroy",
             "cuEventDestroy");
  });
}

void mgpuEventSynchronize(void *event) {
  guardedVoid("mgpuEventSynchronize", [&] {
    if (!event) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuEventSynchronize: event handle is null");
      return;
    }
    ScopedContext scope("mgpuEventSynchronize");
    if (scope.status())
      return;
    recordCu(cuEventSynchronize(static_cast<CUevent>(event)),
             "mgpuEventSynchronize", "cuEventSynchronize");
  });
}

void mgpuEventRecord(void *event, void *stream) {
  guardedVoid("mgpuEventRecord", [&] {
    if (!event) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuEventRecord: event handle is null");
      return;
    }
    ScopedContext scope("mgpuEventRecord");
    if (scope.status())
      return;
    recordCu(cuEventRecord(static_cast<CUevent>(event),
                           static_cast<CUstream>(stream)),
             "mgpuEventRecord", "cuEventRecord");
  });
}

// ---- memory --------------------------------------------------------------------

void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared) {
  return guarded<void *>("mgpuMemAlloc", nullptr, [&]() -> void * {
    if (threadPoisoned() || sizeBytes == 0)
      return nullptr;
    ScopedContext scope("mgpuMemAlloc", /*checkDevice=*/true);
    if (scope.status())
      return nullptr;
    char call[128];
    CUdeviceptr ptr = 0;
    bool synchronous = true;
    CUresult r;
    if (isHostShared) {
      std::snprintf(call, sizeof(call), "cuMemAllocManaged(%llu bytes)",
                    (unsigned long long)sizeBytes);
      r = cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL);
    } else {
      std::snprintf(call, sizeof(call), "cuMemAllocAsync(%llu bytes)",
                    (unsigned long long)sizeBytes);
      // Host code without async tokens passes no stream: use the thread's
      // stream (samoyeds_rt_set_stream), where its kernels run.
      if (!stream)
        stream = threadStream();
      r = cuMemAllocAsync(&ptr, sizeBytes, static_cast<CUstream>(stream));
      synchronous = false;
      if (r == CUDA_ERROR_NOT_SUPPORTED) {
        std::snprintf(call, sizeof(call), "cuMemAlloc(%llu bytes)",
                      (unsigned long long)sizeBytes);
        r = cuMemAlloc(&ptr, sizeBytes);
        synchronous = true;
      }
    }
    if (recordCu(r, "mgpuMemAlloc", call))
      return nullptr;
    void *p = reinterpret_cast<void *>(ptr);
    if (synchronous) {
      std::lock_guard<std::mutex> lock(allocMutex());
      syncAllocations().insert(p);
    }
    return p;
  });
}

void mgpuMemFree(void *ptr, void *stream) {
  guardedVoid("mgpuMemFree", [&] {
    if (!ptr)
      return;
    ScopedContext scope("mgpuMemFree");
    if (scope.status())
      return;
    bool synchronous;
    {
      std::lock_guard<std::mutex> lock(allocMutex());
      synchronous = syncAllocations().erase(ptr) != 0;
    }
    CUdeviceptr p = reinterpret_cast<CUdeviceptr>(ptr);
    if (synchronous)
      recordCu(cuMemFree(p), "mgpuMemFree", "cuMemFree");
    else
      recordCu(cuMemFreeAsync(p, static_cast<CUstream>(stream ? stream
                                                               : threadStream())),
               "mgpuMemFree", "cuMemFreeAsync");
  });
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  guardedVoid("mgpuMemcpy", [&] {
    if (threadPoisoned() || sizeBytes == 0)
      return;
    if (!dst || !src) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuMemcpy: null %s pointer for a %zu-byte copy",
                  dst ? "source" : "destination", sizeBytes);
      return;
    }
    ScopedContext scope("mgpuMemcpy", /*checkDevice=*/true);
    if (scope.status())
      return;
    char call[96];
    std::snprintf(call, sizeof(call), "cuMemcpyAsync(%zu bytes)", sizeBytes);
    recordCu(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                           reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                           static_cast<CUstream>(stream)),
             "mgpuMemcpy", call);
  });
}

void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream) {
  guardedVoid("mgpuMemset32", [&] {
    if (threadPoisoned() || count == 0)
      return;
    if (!dst) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuMemset32: null destination");
      return;
    }
    ScopedContext scope("mgpuMemset32", /*checkDevice=*/true);
    if (scope.status())
      return;
    recordCu(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              static_cast<CUstream>(stream)),
             "mgpuMemset32", "cuMemsetD32Async");
  });
}

void mgpuMemset16(void *dst, uint16_t value, size_t count, void *stream) {
  guardedVoid("mgpuMemset16", [&] {
    if (threadPoisoned() || count == 0)
      return;
    if (!dst) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuMemset16: null destination");
      return;
    }
    ScopedContext scope("mgpuMemset16", /*checkDevice=*/true);
    if (scope.status())
      return;
    recordCu(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              static_cast<CUstream>(stream)),
             "mgpuMemset16", "cuMemsetD16Async");
  });
}

void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  guardedVoid("mgpuMemHostRegister", [&] {
    if (!ptr || sizeBytes == 0)
      return;
    ScopedContext scope("mgpuMemHostRegister");
    if (scope.status())
      return;
    recordCu(cuMemHostRegister(ptr, sizeBytes, 0), "mgpuMemHostRegister",
             "cuMemHostRegister");
  });
}

void mgpuMemHostUnregister(void *ptr) {
  guardedVoid("mgpuMemHostUnregister", [&] {
    if (!ptr)
      return;
    ScopedContext scope("mgpuMemHostUnregister");
    if (scope.status())
      return;
    recordCu(cuMemHostUnregister(ptr), "mgpuMemHostUnregister",
             "cuMemHostUnregister");
  });
}

void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes) {
  guardedVoid("mgpuMemHostRegisterMemRef", [&] {
    if (!descriptor || rank < 0 || elementSizeBytes <= 0) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "mgpuMemHostRegisterMemRef: invalid descriptor/rank/element "
                  "size");
      return;
    }
    MemRefView v = viewMemRef(descriptor, rank);
    // Only dense row-major memrefs: register exactly the bytes they cover.
    int64_t expected = 1, elements = 1;
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (v.sizes[i] > 1 && v.strides[i] != expected) {
        recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                    "mgpuMemHostRegisterMemRef: only contiguous row-major "
                    "memrefs can be registered (dim %lld has stride %lld, "
                    "expected %lld)",
                    (long long)i, (long long)v.strides[i], (long long)expected);
        return;
      }
      expected *= v.sizes[i];
      elements *= v.sizes[i];
    }
    mgpuMemHostRegister(v.aligned + v.offset * elementSizeBytes,
                        static_cast<uint64_t>(elements * elementSizeBytes));
  });
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes) {
  guardedVoid("mgpuMemHostUnregisterMemRef", [&] {
    if (!descriptor || rank < 0 || elementSizeBytes <= 0)
      return;
    MemRefView v = viewMemRef(descriptor, rank);
    mgpuMemHostUnregister(v.aligned + v.offset * elementSizeBytes);
  });
}

void mgpuSetDefaultDevice(int32_t device) {
  guardedVoid("mgpuSetDefaultDevice", [&] {
    samoyeds_rt_set_device(device);
  });
}

// ---- TMA descriptors ------------------------------------------------------------

void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims) {
  return guarded<void *>("mgpuTensorMapEncodeTiledMemref", nullptr, [&]() -> void * {
    static const int kElementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
    const char *where = "mgpuTensorMapEncodeTiledMemref";
    if (threadPoisoned())
      return nullptr;
    if (rank < 1 || rank > 5 || !descriptor || !boxDims || dataType < 0 ||
        dataType >= (int64_t)(sizeof(kElementBytes) / sizeof(int))) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "%s: unsupported rank %lld / data type %lld or null argument",
                  where, (long long)rank, (long long)dataType);
      return nullptr;
    }
    const int64_t elemBytes = kElementBytes[dataType];
    MemRefView v = viewMemRef(descriptor, rank);
    if (v.strides[rank - 1] != 1 && v.sizes[rank - 1] > 1) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "%s: innermost dimension must be contiguous (stride %lld)",
                  where, (long long)v.strides[rank - 1]);
      return nullptr;
    }
    // CUtensorMap dimensions are innermost first.
    cuuint64_t globalDim[5] = {1, 1, 1, 1, 1};
    cuuint64_t globalStrides[5] = {0, 0, 0, 0, 0};
    cuuint32_t boxDim[5] = {1, 1, 1, 1, 1};
    cuuint32_t elementStrides[5] = {1, 1, 1, 1, 1};
    for (int64_t i = 0; i < rank; ++i) {
      globalDim[i] = static_cast<cuuint64_t>(v.sizes[rank - 1 - i]);
      boxDim[i] = static_cast<cuuint32_t>(boxDims[rank - 1 - i]);
    }
    for (int64_t i = 0; i + 1 < rank; ++i)
      globalStrides[i] =
          static_cast<cuuint64_t>(v.strides[rank - 2 - i] * elemBytes);
    void *address = v.aligned + v.offset * elemBytes;

    ScopedContext scope(where, /*checkDevice=*/true);
    if (scope.status())
      return nullptr;
    CUtensorMap map;
    std::memset(&map, 0, sizeof(map));
    if (recordCu(cuTensorMapEncodeTiled(
                     &map, static_cast<CUtensorMapDataType>(dataType),
                     static_cast<cuuint32_t>(rank), address, globalDim,
                     globalStrides, boxDim, elementStrides,
                     static_cast<CUtensorMapInterleave>(interleave),
                     static_cast<CUtensorMapSwizzle>(swizzle),
                     static_cast<CUtensorMapL2promotion>(l2Promotion),
                     static_cast<CUtensorMapFloatOOBfill>(oobFill)),
                 where, "cuTensorMapEncodeTiled"))
      return nullptr;

    // Kernels read the descriptor through a global-memory pointer. Identical
    // descriptors share one device copy; the copies live until the cache is
    // full, when the context is synchronized (no kernel can still read them)
    // and all are freed.
    TensorMapCache &cache = tensorMapCache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    std::string key(reinterpret_cast<const char *>(&map), sizeof(map));
    auto it = cache.entries.find(key);
    if (it != cache.entries.end())
      return reinterpret_cast<void *>(it->second);
    if (cache.entries.size() >= kTensorMapCacheLimit) {
      if (recordCu(cuCtxSynchronize(), where, "cuCtxSynchronize"))
        return nullptr;
      for (auto &entry : cache.entries)
        cuMemFree(entry.second);
      cache.entries.clear();
    }
    CUdeviceptr dmap = 0;
    if (recordCu(cuMemAlloc(&dmap, sizeof(map)), where, "cuMemAlloc"))
      return nullptr;
    if (recordCu(cuMemcpyHtoD(dmap, &map, sizeof(map)), where, "cuMemcpyHtoD")) {
      cuMemFree(dmap);
      return nullptr;
    }
    cache.entries.emplace(std::move(key), dmap);
    return reinterpret_cast<void *>(dmap);
  });
}

// ---- TMA descriptors passed by value (CUDARuntime.h) ---------------------------

const void *samoyeds_rt_tensor_map(int64_t address, int64_t elementBytes, int64_t dim0,
                                   int64_t dim1, int64_t dim2, int64_t rowStride,
                                   int64_t planeStride, int64_t box0, int64_t box1,
                                   int64_t box2, int64_t swizzleBytes) {
  static const CUtensorMap zeroMap = {};
  const char *where = "samoyeds_rt_tensor_map";
  return guarded<const void *>(where, &zeroMap, [&]() -> const void * {
    const int64_t key[] = {address, elementBytes, dim0, dim1, dim2, rowStride,
                           planeStride, box0, box1, box2, swizzleBytes};
    std::string k(reinterpret_cast<const char *>(key), sizeof(key));
    GridConstantMaps &cache = gridConstantMaps();
    {
      std::lock_guard<std::mutex> lock(cache.mutex);
      auto it = cache.maps.find(k);
      if (it != cache.maps.end())
        return it->second.get();
    }
    CUtensorMapDataType type;
    switch (elementBytes) {
    case 1: type = CU_TENSOR_MAP_DATA_TYPE_UINT8; break;
    case 2: type = CU_TENSOR_MAP_DATA_TYPE_UINT16; break;
    case 4: type = CU_TENSOR_MAP_DATA_TYPE_INT32; break;
    case 8: type = CU_TENSOR_MAP_DATA_TYPE_INT64; break;
    default:
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "%s: element size %lld", where,
                  (long long)elementBytes);
      return &zeroMap;
    }
    CUtensorMapSwizzle swizzle;
    switch (swizzleBytes) {
    case 0: swizzle = CU_TENSOR_MAP_SWIZZLE_NONE; break;
    case 32: swizzle = CU_TENSOR_MAP_SWIZZLE_32B; break;
    case 64: swizzle = CU_TENSOR_MAP_SWIZZLE_64B; break;
    case 128: swizzle = CU_TENSOR_MAP_SWIZZLE_128B; break;
    default:
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "%s: swizzle %lld bytes", where,
                  (long long)swizzleBytes);
      return &zeroMap;
    }
    // The driver's rules, reported with the values (cuTensorMapEncodeTiled
    // itself only says CUDA_ERROR_INVALID_VALUE): a 16-byte aligned address,
    // strides multiples of 16 bytes, boxes of 1 to 256 elements.
    if (address % 16 || rowStride % 16 || planeStride % 16 || dim0 < 1 || dim1 < 1 ||
        dim2 < 1 || box0 < 1 || box0 > 256 || box1 < 1 || box1 > 256 || box2 < 1 ||
        box2 > 256) {
      recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                  "%s: the tensor at 0x%llx (%lld x %lld x %lld, strides %lld, %lld "
                  "bytes, box %lld x %lld x %lld) breaks TMA's rules (16-byte "
                  "aligned address and strides, boxes of 1 to 256)",
                  where, (unsigned long long)address, (long long)dim2, (long long)dim1,
                  (long long)dim0, (long long)rowStride, (long long)planeStride,
                  (long long)box2, (long long)box1, (long long)box0);
      return &zeroMap;
    }
    if (ensureInit(where))
      return &zeroMap;
    cuuint64_t globalDim[3] = {(cuuint64_t)dim0, (cuuint64_t)dim1, (cuuint64_t)dim2};
    cuuint64_t globalStrides[2] = {(cuuint64_t)rowStride, (cuuint64_t)planeStride};
    cuuint32_t boxDim[3] = {(cuuint32_t)box0, (cuuint32_t)box1, (cuuint32_t)box2};
    cuuint32_t elementStrides[3] = {1, 1, 1};
    auto map = std::make_unique<CUtensorMap>();
    if (recordCu(cuTensorMapEncodeTiled(map.get(), type, 3,
                                        reinterpret_cast<void *>(address), globalDim,
                                        globalStrides, boxDim, elementStrides,
                                        CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
                                        CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                                        CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
                 where, "cuTensorMapEncodeTiled"))
      return &zeroMap;
    std::lock_guard<std::mutex> lock(cache.mutex);
    // Past the limit (many distinct weights) a map is no longer kept: the
    // thread's scratch copy serves one launch (the caller copies it at once).
    if (cache.maps.size() >= kTensorMapCacheLimit) {
      thread_local CUtensorMap scratch;
      scratch = *map;
      return &scratch;
    }
    return cache.maps.emplace(std::move(k), std::move(map)).first->second.get();
  });
}

} // extern "C"
