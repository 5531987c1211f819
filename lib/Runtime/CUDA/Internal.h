//===- Internal.h - shared state of the Samoyeds GPU runtime ----*- C++ -*-===//
//
// Error recording, the bound context and per-thread stream state, shared by
// Runtime.cpp (C API) and MgpuWrappers.cpp (mgpu* ABI).
//
//===----------------------------------------------------------------------===//
#ifndef SAMOYEDS_LIB_RUNTIME_CUDA_INTERNAL_H
#define SAMOYEDS_LIB_RUNTIME_CUDA_INTERNAL_H

#include <cuda.h>

#include <cstdint>

namespace samoyeds_rt {

// ---- errors -----------------------------------------------------------------

// Records an error in the calling thread's sticky error (the first one since
// the last clear is kept, later ones are counted) and logs it to stderr unless
// SAMOYEDS_RT_LOG=0. Returns `code`.
int recordError(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Records a failed driver call: "<where>: <call> failed: NAME (code): text".
// Returns the CUresult as int (0 if `result` is CUDA_SUCCESS; nothing is
// recorded then).
int recordCu(CUresult result, const char *where, const char *call);

// True while the calling thread's sticky error is set: mgpu* functions that
// enqueue work return without doing anything.
bool threadPoisoned();

// The message of the error this thread recorded most recently ("" if its
// sticky error is clear).
const char *latestMessage();

// ---- context -----------------------------------------------------------------

// Initialises the driver and binds the runtime's context once (see
// samoyeds_rt_init). Returns 0 or an error code (already recorded).
int ensureInit(const char *where);

CUcontext boundContext();
CUdevice boundDevice();
int boundOrdinal();

// Makes the runtime's context current for the lifetime of the object (pushing
// it only when it is not current already) and pops it again.
// With checkDevice, a current context on another device than the bound one is
// an error (SAMOYEDS_RT_ERROR_DEVICE_MISMATCH): pointers of that device would
// be launched on the bound one.
class ScopedContext {
public:
  explicit ScopedContext(const char *where, bool checkDevice = false);
  ~ScopedContext();
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;
  // 0 when the context is usable; otherwise the (recorded) error code.
  int status() const { return status_; }

private:
  int status_ = 0;
  bool pushed_ = false;
};

// ---- per-thread stream state -------------------------------------------------

CUstream threadStream();
bool threadBlocking();

// ---- shared launch path --------------------------------------------------------

// Validates dimensions, raises the dynamic shared memory limit when needed
// and launches (with a cluster dimension if cluster != nullptr). Records and
// returns errors; a grid with a zero dimension is a successful no-op.
// numParams >= 0: the number of entries of `params`, checked against the
// kernel's parameter count where the driver reports it.
/// Drops the cached kernel parameter counts (on module unload).
void forgetKernelParamCounts();

int launchKernel(const char *where, CUfunction fn, const int64_t grid[3],
                 const int64_t block[3], const int64_t *cluster, int64_t smem,
                 CUstream stream, void **params, void **extra,
                 int64_t numParams = -1);

// Loads a module image (cubin, fatbin or NUL-terminated PTX) with the JIT
// error log captured into the error message. optLevel < 0: driver default.
int loadModule(const char *where, const void *image, int optLevel,
               CUmodule *module);

// ---- the C boundary ----------------------------------------------------------
// Runs the body of a C function and turns a C++ exception escaping it into
// the sticky error (SAMOYEDS_RT_ERROR_INTERNAL, "<where>: internal error:
// ..."), returning `fail` then. No exception crosses an extern "C" function.
int recordException(const char *where) noexcept;
template <typename R, typename Fn>
R guarded(const char *where, R fail, Fn &&fn) noexcept {
  try {
    return fn();
  } catch (...) {
    recordException(where);
    return fail;
  }
}
template <typename Fn> void guardedVoid(const char *where, Fn &&fn) noexcept {
  try {
    fn();
  } catch (...) {
    recordException(where);
  }
}

} // namespace samoyeds_rt

#endif // SAMOYEDS_LIB_RUNTIME_CUDA_INTERNAL_H
