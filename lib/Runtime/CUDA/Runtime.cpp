//===- Runtime.cpp - Samoyeds GPU runtime: errors, context, C API ---------===//
//
// Everything here is safe to call from global constructors and destructors
// of other shared objects: no namespace-scope objects with dynamic
// initialisation, only trivially constructible thread_local / static state.
//
//===----------------------------------------------------------------------===//
#include "samoyeds/Runtime/CUDARuntime.h"

#include "Internal.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <vector>

#include <dlfcn.h>

namespace samoyeds_rt {
namespace {

// ---- sticky per-thread error ----------------------------------------------------

constexpr size_t kMsgLen = 2048;

struct ErrorState {
  int code;             // first error since the last clear, 0 if none
  unsigned long further; // errors recorded after the first one
  char first[kMsgLen];  // message of the first error
  char last[kMsgLen];   // message of the latest further error
  char view[2 * kMsgLen + 96]; // what samoyeds_rt_last_error returns
};

thread_local ErrorState tlsError; // zero-initialised, trivially destructible
thread_local const char *tlsLatest = nullptr; // the message recorded last

bool logEnabled() {
  static const int enabled = [] {
    const char *v = std::getenv("SAMOYEDS_RT_LOG");
    return (v && std::strcmp(v, "0") == 0) ? 0 : 1;
  }();
  return enabled != 0;
}

// ---- per-thread stream state -------------------------------------------------

thread_local CUstream tlsStream = nullptr;
thread_local int tlsNonBlocking = 0; // 0: blocking (default)

// ---- the bound context ---------------------------------------------------------

std::mutex &initMutex() {
  static std::mutex m; // constant-initialised, trivially destructible on glibc
  return m;
}
std::atomic<CUcontext> gContext{nullptr};
CUdevice gDevice = 0;
int gOrdinal = -1;
int gRequestedOrdinal = -1; // guarded by initMutex

int ordinalOf(CUdevice dev) {
  int count = 0;
  if (cuDeviceGetCount(&count) != CUDA_SUCCESS)
    return -1;
  for (int i = 0; i < count; ++i) {
    CUdevice d;
    if (cuDeviceGet(&d, i) == CUDA_SUCCESS && d == dev)
      return i;
  }
  return -1;
}

} // namespace

int recordError(int code, const char *fmt, ...) {
  if (code == 0)
    return 0;
  ErrorState &e = tlsError;
  char *dst = e.code == 0 ? e.first : e.last;
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(dst, kMsgLen, fmt, ap);
  va_end(ap);
  tlsLatest = dst;
  if (e.code == 0) {
    e.code = code;
    e.further = 0;
    e.last[0] = '\0';
  } else {
    ++e.further;
  }
  if (logEnabled())
    std::fprintf(stderr, "[samoyeds_rt] error %d: %s\n", code, dst);
  return code;
}

int recordCu(CUresult result, const char *where, const char *call) {
  if (result == CUDA_SUCCESS)
    return 0;
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = nullptr;
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = nullptr;
  if (!name || !text) {
    // The driver cannot describe it (e.g. the toolkit's stub libcuda, which
    // fails every call): name the codes that mean "no usable driver/GPU".
    const char *n = "CUDA_ERROR_<unknown>", *t = "no description available";
    switch (result) {
    case CUDA_ERROR_STUB_LIBRARY:
      n = "CUDA_ERROR_STUB_LIBRARY";
      t = "the CUDA toolkit's stub libcuda was loaded instead of a real "
          "driver";
      break;
    case CUDA_ERROR_NO_DEVICE:
      n = "CUDA_ERROR_NO_DEVICE";
      t = "no CUDA-capable device is detected";
      break;
    case CUDA_ERROR_DEINITIALIZED:
      n = "CUDA_ERROR_DEINITIALIZED";
      t = "the driver is shutting down";
      break;
    case CUDA_ERROR_NOT_INITIALIZED:
      n = "CUDA_ERROR_NOT_INITIALIZED";
      t = "the driver is not initialised";
      break;
    default:
      break;
    }
    if (!name)
      name = n;
    if (!text)
      text = t;
  }
  return recordError(static_cast<int>(result), "%s: %s failed: %s (%d): %s",
                     where, call, name, static_cast<int>(result), text);
}

bool threadPoisoned() { return tlsError.code != 0; }

const char *latestMessage() {
  return (tlsLatest && tlsError.code) ? tlsLatest : "";
}

/// Stream-ordered allocations (mgpuMemAlloc: a compiled layer's temporaries,
/// the split-K workspace) come from the device's current memory pool, whose
/// default release threshold of 0 hands freed memory back to the OS at every
/// synchronisation: the next call then maps it again, tens of microseconds
/// for a few MB (docs/performance.md, split-K). Keep it in the pool instead, as the CUDA programming guide advises
/// for repeated allocation of similar sizes; the pool then holds at most the
/// peak of the temporaries. Best effort: a device without memory pools
/// allocates synchronously anyway (mgpuMemAlloc's fallback).
static void keepPoolMemory(CUdevice dev) {
  CUmemoryPool pool = nullptr;
  if (cuDeviceGetMemPool(&pool, dev) != CUDA_SUCCESS || !pool)
    return;
  cuuint64_t keep = ~cuuint64_t(0);
  (void)cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
}

int ensureInit(const char *where) {
  if (gContext.load(std::memory_order_acquire))
    return 0;
  std::lock_guard<std::mutex> lock(initMutex());
  if (gContext.load(std::memory_order_relaxed))
    return 0;
  char at[512];
  std::snprintf(at, sizeof(at), "%s: initialising CUDA", where);
  if (int rc = recordCu(cuInit(0), at, "cuInit(0)"))
    return rc;
  int ordinal = gRequestedOrdinal;
  if (ordinal < 0) {
    // Follow the calling thread's current context (e.g. PyTorch's current
    // device) if there is one.
    CUcontext current = nullptr;
    CUdevice dev;
    if (cuCtxGetCurrent(&current) == CUDA_SUCCESS && current &&
        cuCtxGetDevice(&dev) == CUDA_SUCCESS)
      ordinal = ordinalOf(dev);
  }
  if (ordinal < 0)
    ordinal = 0;
  int count = 0;
  if (int rc = recordCu(cuDeviceGetCount(&count), at, "cuDeviceGetCount"))
    return rc;
  if (ordinal >= count)
    return recordError(CUDA_ERROR_INVALID_DEVICE,
                       "%s: device %d requested but only %d CUDA device(s) "
                       "present",
                       at, ordinal, count);
  CUdevice dev;
  if (int rc = recordCu(cuDeviceGet(&dev, ordinal), at, "cuDeviceGet"))
    return rc;
  CUcontext ctx = nullptr;
  if (int rc = recordCu(cuDevicePrimaryCtxRetain(&ctx, dev), at,
                        "cuDevicePrimaryCtxRetain"))
    return rc;
  gDevice = dev;
  gOrdinal = ordinal;
  gContext.store(ctx, std::memory_order_release);
  keepPoolMemory(dev);
  return 0;
}

CUcontext boundContext() { return gContext.load(std::memory_order_acquire); }
CUdevice boundDevice() { return gDevice; }
int boundOrdinal() { return gOrdinal; }

ScopedContext::ScopedContext(const char *where, bool checkDevice) {
  status_ = ensureInit(where);
  if (status_)
    return;
  CUcontext ctx = boundContext();
  CUcontext current = nullptr;
  if ((status_ = recordCu(cuCtxGetCurrent(&current), where,
                          "cuCtxGetCurrent")))
    return;
  if (current == ctx)
    return;
  if (current && checkDevice) {
    CUdevice dev;
    if (cuCtxGetDevice(&dev) == CUDA_SUCCESS && dev != gDevice) {
      status_ = recordError(
          SAMOYEDS_RT_ERROR_DEVICE_MISMATCH,
          "%s: the calling thread's current CUDA context is on device %d but "
          "the runtime (and the modules it loaded) is bound to device %d; "
          "load the generated code and call it with the same current device",
          where, ordinalOf(dev), gOrdinal);
      return;
    }
  }
  if ((status_ = recordCu(cuCtxPushCurrent(ctx), where, "cuCtxPushCurrent")))
    return;
  pushed_ = true;
}

ScopedContext::~ScopedContext() {
  if (pushed_) {
    CUcontext popped = nullptr;
    cuCtxPopCurrent(&popped);
  }
}

CUstream threadStream() { return tlsStream; }
bool threadBlocking() { return tlsNonBlocking == 0; }

int recordException(const char *where) noexcept {
  try {
    throw;
  } catch (const std::bad_alloc &) {
    return recordError(SAMOYEDS_RT_ERROR_INTERNAL,
                       "%s: internal error: out of host memory", where);
  } catch (const std::exception &e) {
    return recordError(SAMOYEDS_RT_ERROR_INTERNAL, "%s: internal error: %s",
                       where, e.what());
  } catch (...) {
    return recordError(SAMOYEDS_RT_ERROR_INTERNAL,
                       "%s: internal error: unknown exception", where);
  }
}

/// The number of parameters of `fn` as the driver reports it
/// (cuFuncGetParamInfo, CUDA 12.4+ drivers; looked up at run time so that an
/// older driver still loads the runtime), or -1 when it cannot tell. The
/// driver answers only per index, so the count is found by probing until an
/// index is out of range: once per function (cached), not per launch, since
/// every layer call launches the same kernels. The one out-of-range probe per
/// kernel is an API error by design. A module unload forgets the cache (a
/// later function may reuse a handle). compute-sanitizer runs of the device
/// checks pass --report-api-errors no for that reason (test/Integration/GPU/run_ssmm.sh).
namespace {
std::mutex paramCountMutex;
std::vector<std::pair<CUfunction, int64_t>> paramCountCache;
} // namespace

void forgetKernelParamCounts() {
  std::lock_guard<std::mutex> lock(paramCountMutex);
  paramCountCache.clear();
}

int64_t kernelParamCount(CUfunction fn) {
  using GetParamInfo = CUresult (*)(CUfunction, size_t, size_t *, size_t *);
  static const GetParamInfo get = reinterpret_cast<GetParamInfo>(
      dlsym(RTLD_DEFAULT, "cuFuncGetParamInfo"));
  if (!get)
    return -1;
  {
    std::lock_guard<std::mutex> lock(paramCountMutex);
    for (const auto &e : paramCountCache)
      if (e.first == fn)
        return e.second;
  }
  constexpr int64_t kMaxParams = 4096;
  int64_t count = -1;
  for (int64_t i = 0; i < kMaxParams; ++i) {
    size_t offset = 0, size = 0;
    CUresult r = get(fn, static_cast<size_t>(i), &offset, &size);
    if (r == CUDA_ERROR_INVALID_VALUE) {
      count = i; // Past the last parameter.
      break;
    }
    if (r != CUDA_SUCCESS)
      return -1; // not cached: the driver may answer later
  }
  std::lock_guard<std::mutex> lock(paramCountMutex);
  paramCountCache.emplace_back(fn, count);
  return count;
}

int launchKernel(const char *where, CUfunction fn, const int64_t grid[3],
                 const int64_t block[3], const int64_t *cluster, int64_t smem,
                 CUstream stream, void **params, void **extra,
                 int64_t numParams) {
  if (!fn)
    return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                       "%s: kernel function handle is null", where);
  if (numParams > 0 && !params && !extra)
    return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                       "%s: %lld kernel parameters announced but params is "
                       "null",
                       where, (long long)numParams);
  const int64_t kMaxDim = 0xffffffffLL;
  for (int i = 0; i < 3; ++i) {
    if (grid[i] < 0 || grid[i] > kMaxDim || block[i] <= 0 ||
        block[i] > kMaxDim ||
        (cluster && (cluster[i] <= 0 || cluster[i] > kMaxDim)))
      return recordError(
          SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
          "%s: invalid launch dimensions grid=(%lld,%lld,%lld) "
          "block=(%lld,%lld,%lld)%s",
          where, (long long)grid[0], (long long)grid[1], (long long)grid[2],
          (long long)block[0], (long long)block[1], (long long)block[2],
          cluster ? " (or cluster)" : "");
  }
  if (smem < 0 || smem > kMaxDim)
    return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                       "%s: invalid dynamic shared memory size %lld", where,
                       (long long)smem);
  // No blocks: nothing to do (e.g. an expert that received no tokens).
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0)
    return 0;

  ScopedContext scope(where, /*checkDevice=*/true);
  if (scope.status())
    return scope.status();

  // The driver reads as many parameter pointers as the kernel has.
  if (numParams >= 0 && !extra) {
    int64_t expected = kernelParamCount(fn);
    if (expected >= 0 && expected != numParams)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "%s: the kernel takes %lld parameters, %lld given",
                         where, (long long)expected, (long long)numParams);
  }

  if (smem > 48 * 1024) {
    int maxOptin = 0;
    if (int rc = recordCu(
            cuDeviceGetAttribute(
                &maxOptin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                boundDevice()),
            where, "cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)"))
      return rc;
    if (smem > maxOptin)
      return recordError(CUDA_ERROR_INVALID_VALUE,
                         "%s: %lld bytes of dynamic shared memory requested, "
                         "device %d allows at most %d per block",
                         where, (long long)smem, boundOrdinal(), maxOptin);
    if (int rc = recordCu(
            cuFuncSetAttribute(fn,
                               CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                               static_cast<int>(smem)),
            where, "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)"))
      return rc;
  }

  CUresult r;
  if (!cluster) {
    r = cuLaunchKernel(fn, (unsigned)grid[0], (unsigned)grid[1],
                       (unsigned)grid[2], (unsigned)block[0],
                       (unsigned)block[1], (unsigned)block[2], (unsigned)smem,
                       stream, params, extra);
  } else {
    if (cluster[0] * cluster[1] * cluster[2] > 8) {
      if (int rc = recordCu(
              cuFuncSetAttribute(
                  fn, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1),
              where, "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)"))
        return rc;
    }
    CUlaunchAttribute attr[1];
    std::memset(attr, 0, sizeof(attr));
    attr[0].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attr[0].value.clusterDim.x = (unsigned)cluster[0];
    attr[0].value.clusterDim.y = (unsigned)cluster[1];
    attr[0].value.clusterDim.z = (unsigned)cluster[2];
    CUlaunchConfig cfg;
    std::memset(&cfg, 0, sizeof(cfg));
    cfg.gridDimX = (unsigned)grid[0];
    cfg.gridDimY = (unsigned)grid[1];
    cfg.gridDimZ = (unsigned)grid[2];
    cfg.blockDimX = (unsigned)block[0];
    cfg.blockDimY = (unsigned)block[1];
    cfg.blockDimZ = (unsigned)block[2];
    cfg.sharedMemBytes = (unsigned)smem;
    cfg.hStream = stream;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    r = cuLaunchKernelEx(&cfg, fn, params, extra);
  }
  if (r != CUDA_SUCCESS) {
    char call[256];
    std::snprintf(call, sizeof(call),
                  "%s(grid=(%lld,%lld,%lld), block=(%lld,%lld,%lld), "
                  "smem=%lld)",
                  cluster ? "cuLaunchKernelEx" : "cuLaunchKernel",
                  (long long)grid[0], (long long)grid[1], (long long)grid[2],
                  (long long)block[0], (long long)block[1],
                  (long long)block[2], (long long)smem);
    return recordCu(r, where, call);
  }
  return 0;
}

int loadModule(const char *where, const void *image, int optLevel,
               CUmodule *module) {
  *module = nullptr;
  if (!image)
    return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                       "%s: module image pointer is null", where);
  ScopedContext scope(where);
  if (scope.status())
    return scope.status();
  char errorLog[4096];
  errorLog[0] = '\0';
  CUjit_option opts[3];
  void *vals[3];
  unsigned n = 0;
  opts[n] = CU_JIT_ERROR_LOG_BUFFER;
  vals[n++] = errorLog;
  opts[n] = CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
  vals[n++] = reinterpret_cast<void *>(static_cast<uintptr_t>(sizeof(errorLog)));
  if (optLevel >= 0) {
    opts[n] = CU_JIT_OPTIMIZATION_LEVEL;
    vals[n++] = reinterpret_cast<void *>(static_cast<uintptr_t>(optLevel));
  }
  CUresult r = cuModuleLoadDataEx(module, image, n, opts, vals);
  if (r != CUDA_SUCCESS) {
    *module = nullptr;
    errorLog[sizeof(errorLog) - 1] = '\0';
    if (errorLog[0]) {
      char call[4096 + 64];
      std::snprintf(call, sizeof(call), "cuModuleLoadDataEx (JIT log: %s)",
                    errorLog);
      return recordCu(r, where, call);
    }
    return recordCu(r, where, "cuModuleLoadDataEx");
  }
  return 0;
}

} // namespace samoyeds_rt

using namespace samoyeds_rt;

// ---- C API ----------------------------------------------------------------------

extern "C" {

int samoyeds_rt_init(void) {
  return guarded<int>("samoyeds_rt_init", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    return ensureInit("samoyeds_rt_init");
  });
}

int samoyeds_rt_set_device(int ordinal) {
  return guarded<int>("samoyeds_rt_set_device", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    if (ordinal < 0)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_set_device: negative ordinal %d", ordinal);
    std::lock_guard<std::mutex> lock(initMutex());
    if (gContext.load(std::memory_order_relaxed)) {
      if (ordinal == gOrdinal)
        return 0;
      return recordError(SAMOYEDS_RT_ERROR_ALREADY_INITIALIZED,
                         "samoyeds_rt_set_device(%d): the runtime is already "
                         "bound to device %d (modules are loaded there)",
                         ordinal, gOrdinal);
    }
    gRequestedOrdinal = ordinal;
    return 0;
  });
}

int samoyeds_rt_get_device(void) {
  return guarded<int>("samoyeds_rt_get_device", -1, [&]() -> int {
    if (ensureInit("samoyeds_rt_get_device"))
      return -1;
    return gOrdinal;
  });
}

const char *samoyeds_rt_last_error(void) {
  return guarded<const char *>("samoyeds_rt_last_error", "internal error", [&]() -> const char * {
    ErrorState &e = tlsError;
    if (e.code == 0)
      return "";
    if (e.further == 0)
      return e.first;
    std::snprintf(e.view, sizeof(e.view),
                  "%.2047s [+%lu further error(s); latest: %.2047s]", e.first,
                  e.further, e.last);
    return e.view;
  });
}

int samoyeds_rt_peek_error(void) {
  return guarded<int>("samoyeds_rt_peek_error", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    return tlsError.code;
  });
}

int samoyeds_rt_clear_error(void) {
  return guarded<int>("samoyeds_rt_clear_error", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    ErrorState &e = tlsError;
    int code = e.code;
    e.code = 0;
    e.further = 0;
    e.first[0] = '\0';
    e.last[0] = '\0';
    return code;
  });
}

void samoyeds_rt_set_stream(void *cuStream) {
  guardedVoid("samoyeds_rt_set_stream", [&] {
    tlsStream = static_cast<CUstream>(cuStream);
  });
}

void *samoyeds_rt_get_stream(void) {
  return guarded<void *>("samoyeds_rt_get_stream", nullptr, [&]() -> void * {
    return tlsStream;
  });
}

int samoyeds_rt_set_blocking(int blocking) {
  return guarded<int>("samoyeds_rt_set_blocking", 1, [&]() -> int {
    int previous = tlsNonBlocking == 0 ? 1 : 0;
    tlsNonBlocking = blocking ? 0 : 1;
    return previous;
  });
}

int samoyeds_rt_synchronize(void) {
  return guarded<int>("samoyeds_rt_synchronize", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    ScopedContext scope("samoyeds_rt_synchronize");
    if (scope.status())
      return scope.status();
    return recordCu(cuStreamSynchronize(tlsStream), "samoyeds_rt_synchronize",
                    "cuStreamSynchronize");
  });
}

int samoyeds_rt_module_load_data(const void *image, size_t size,
                                 void **module) {
  return guarded<int>("samoyeds_rt_module_load_data", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    if (!module)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_module_load_data: module out-pointer is "
                         "null");
    *module = nullptr;
    if (!image || size == 0)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_module_load_data: empty image");
    // No object is larger than PTRDIFF_MAX bytes: the end pointer of such an
    // image cannot be formed.
    if (size > static_cast<size_t>(PTRDIFF_MAX) / 2)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_module_load_data: image size %zu is too "
                         "large",
                         size);
    // A private NUL-terminated copy: PTX text must be NUL-terminated.
    std::vector<char> copy(static_cast<const char *>(image),
                           static_cast<const char *>(image) + size);
    copy.push_back('\0');
    CUmodule m = nullptr;
    int rc = loadModule("samoyeds_rt_module_load_data", copy.data(), -1, &m);
    *module = m;
    return rc;
  });
}

int samoyeds_rt_module_load_file(const char *path, void **module) {
  return guarded<int>("samoyeds_rt_module_load_file", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    if (!module)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_module_load_file: module out-pointer is "
                         "null");
    *module = nullptr;
    if (!path)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_module_load_file: path is null");
    std::FILE *f = std::fopen(path, "rb");
    if (!f)
      return recordError(SAMOYEDS_RT_ERROR_IO,
                         "samoyeds_rt_module_load_file: cannot open '%s': %s",
                         path, std::strerror(errno));
    std::vector<char> data;
    char buf[65536];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0)
      data.insert(data.end(), buf, buf + got);
    bool readError = std::ferror(f) != 0;
    std::fclose(f);
    if (readError)
      return recordError(SAMOYEDS_RT_ERROR_IO,
                         "samoyeds_rt_module_load_file: error reading '%s'",
                         path);
    if (data.empty())
      return recordError(SAMOYEDS_RT_ERROR_IO,
                         "samoyeds_rt_module_load_file: '%s' is empty", path);
    data.push_back('\0');
    CUmodule m = nullptr;
    char where[512];
    std::snprintf(where, sizeof(where), "samoyeds_rt_module_load_file('%s')",
                  path);
    int rc = loadModule(where, data.data(), -1, &m);
    *module = m;
    return rc;
  });
}

int samoyeds_rt_module_unload(void *module) {
  return guarded<int>("samoyeds_rt_module_unload", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    if (!module)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_module_unload: module handle is null");
    ScopedContext scope("samoyeds_rt_module_unload");
    if (scope.status())
      return scope.status();
    forgetKernelParamCounts();
    return recordCu(cuModuleUnload(static_cast<CUmodule>(module)),
                    "samoyeds_rt_module_unload", "cuModuleUnload");
  });
}

int samoyeds_rt_get_function(void *module, const char *name, void **fn) {
  return guarded<int>("samoyeds_rt_get_function", SAMOYEDS_RT_ERROR_INTERNAL, [&]() -> int {
    if (!fn)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_get_function: function out-pointer is "
                         "null");
    *fn = nullptr;
    if (!module || !name)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_get_function: %s is null",
                         module ? "name" : "module handle");
    ScopedContext scope("samoyeds_rt_get_function");
    if (scope.status())
      return scope.status();
    CUfunction f = nullptr;
    char where[512];
    std::snprintf(where, sizeof(where), "samoyeds_rt_get_function('%s')", name);
    int rc = recordCu(
        cuModuleGetFunction(&f, static_cast<CUmodule>(module), name), where,
        "cuModuleGetFunction");
    *fn = rc ? nullptr : f;
    return rc;
  });
}

int samoyeds_rt_launch(void *fn, const unsigned int *grid, size_t grid_len,
                       const unsigned int *block, size_t block_len,
                       unsigned int smem, void *stream, void **params,
                       size_t num_params) {
  return guarded<int>("samoyeds_rt_launch", SAMOYEDS_RT_ERROR_INTERNAL,
                      [&]() -> int {
    if (!grid || !block)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_launch: grid or block array is null");
    if (grid_len < 1 || grid_len > 3 || block_len < 1 || block_len > 3)
      return recordError(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
                         "samoyeds_rt_launch: grid and block must have 1 to 3 "
                         "entries, got %zu and %zu",
                         grid_len, block_len);
    int64_t g[3] = {1, 1, 1}, b[3] = {1, 1, 1};
    for (size_t i = 0; i < grid_len; ++i)
      g[i] = grid[i];
    for (size_t i = 0; i < block_len; ++i)
      b[i] = block[i];
    return launchKernel("samoyeds_rt_launch", static_cast<CUfunction>(fn), g,
                        b, nullptr, smem, static_cast<CUstream>(stream),
                        params, nullptr, static_cast<int64_t>(num_params));
  });
}

} // extern "C"
