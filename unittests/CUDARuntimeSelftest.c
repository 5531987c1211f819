/* Self-test of libsamoyeds_runtime, in C (keeps the headers C-clean).
 *
 * Without a usable GPU (no device, or the toolkit's stub libcuda): checks that
 * every failure is reported through the sticky error with a message, that
 * nothing crashes, and that work is skipped while the error is set.
 * With a GPU: additionally JIT-loads a PTX kernel by hand, runs it through
 * both the hand API and the mgpu* ABI, and checks the numbers.
 * Prints PASS / FAIL; exit code 0 on PASS. */
#include "samoyeds/Runtime/CUDARuntime.h"
#include "samoyeds/Runtime/MgpuABI.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                   \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  } while (0)

/* Expects a sticky error with the given code (0: any) and a message holding
 * `needle`; clears it. */
static void expect_error(int code, const char *needle, const char *what) {
  int peek = samoyeds_rt_peek_error();
  const char *msg = samoyeds_rt_last_error();
  CHECK(peek != 0, "%s: no error recorded", what);
  if (code)
    CHECK(peek == code, "%s: code %d, expected %d (%s)", what, peek, code, msg);
  CHECK(msg && msg[0], "%s: empty message", what);
  if (needle)
    CHECK(strstr(msg, needle) != NULL, "%s: message '%s' lacks '%s'", what,
          msg, needle);
  int cleared = samoyeds_rt_clear_error();
  CHECK(cleared == peek, "%s: clear returned %d, peek %d", what, cleared, peek);
  CHECK(samoyeds_rt_peek_error() == 0 && samoyeds_rt_last_error()[0] == '\0',
        "%s: not cleared", what);
}

static const char kPtx[] =
    ".version 8.0\n.target sm_80\n.address_size 64\n"
    ".visible .entry samoyeds_selftest_inc(.param .u64 p, .param .u32 n)\n{\n"
    "  .reg .pred %p<2>;\n  .reg .b32 %r<6>;\n  .reg .b64 %rd<4>;\n"
    "  .reg .f32 %f<3>;\n"
    "  ld.param.u64 %rd1, [p];\n  ld.param.u32 %r1, [n];\n"
    "  mov.u32 %r2, %ctaid.x;\n  mov.u32 %r3, %ntid.x;\n  mov.u32 %r4, %tid.x;\n"
    "  mad.lo.s32 %r5, %r2, %r3, %r4;\n  setp.ge.u32 %p1, %r5, %r1;\n"
    "  @%p1 bra DONE;\n  cvta.to.global.u64 %rd2, %rd1;\n"
    "  mul.wide.u32 %rd3, %r5, 4;\n  add.s64 %rd2, %rd2, %rd3;\n"
    "  ld.global.f32 %f1, [%rd2];\n  add.f32 %f2, %f1, 0f3F800000;\n"
    "  st.global.f32 [%rd2], %f2;\nDONE:\n  ret;\n}\n";

static void test_without_device_paths(void) {
  /* Runtime-detected errors need no driver. */
  void *module = (void *)1, *fn = (void *)1;
  CHECK(samoyeds_rt_module_load_file("/nonexistent/k.cubin", &module) ==
            SAMOYEDS_RT_ERROR_IO,
        "load of a missing file");
  CHECK(module == NULL, "module not reset");
  expect_error(SAMOYEDS_RT_ERROR_IO, "/nonexistent/k.cubin", "missing file");

  CHECK(samoyeds_rt_get_function(NULL, "k", &fn) ==
            SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
        "null module");
  CHECK(fn == NULL, "fn not reset");
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "module", "null module");

  unsigned grid[3] = {1, 1, 1}, block[3] = {0, 1, 1};
  CHECK(samoyeds_rt_launch(NULL, grid, 3, block, 3, 0, NULL, NULL, 0) ==
            SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
        "null function");
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "null", "null function");
  /* The dimension arrays carry their lengths (1 to 3). */
  CHECK(samoyeds_rt_launch((void *)1, grid, 4, block, 3, 0, NULL, NULL, 0) ==
            SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
        "4-entry grid");
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "1 to 3 entries, got 4",
               "4-entry grid");
  CHECK(samoyeds_rt_launch((void *)1, grid, 3, block, 0, 0, NULL, NULL, 0) ==
            SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
        "empty block");
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "got 3 and 0",
               "empty block");
  CHECK(samoyeds_rt_launch((void *)1, grid, 1, grid, 1, 0, NULL, NULL, 2) ==
            SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
        "params announced but null");
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "params is null",
               "null params");

  /* An image size no buffer can have: an error, not an exception through
   * the C function (that aborted the process). */
  CHECK(samoyeds_rt_module_load_data(kPtx, (size_t)-1, &module) ==
            SAMOYEDS_RT_ERROR_INVALID_ARGUMENT,
        "oversized image");
  CHECK(module == NULL, "module not reset");
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "too large",
               "oversized image");
  /* A size the host cannot copy: std::bad_alloc is caught at the boundary. */
  CHECK(samoyeds_rt_module_load_data(kPtx, (size_t)1 << 52, &module) ==
            SAMOYEDS_RT_ERROR_INTERNAL,
        "unallocatable image");
  expect_error(SAMOYEDS_RT_ERROR_INTERNAL, "out of host memory",
               "unallocatable image");

  /* Generated-code path: a kernel of a module that failed to load. */
  void *f = mgpuModuleGetFunction(NULL, "saxpy");
  CHECK(f == NULL, "function from null module");
  int first = samoyeds_rt_peek_error();
  CHECK(first == SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "code %d", first);
  /* While the error is set, launches do nothing and add no error. */
  mgpuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL, 0);
  CHECK(samoyeds_rt_peek_error() == first, "launch changed the sticky code");
  CHECK(strstr(samoyeds_rt_last_error(), "further") == NULL,
        "skipped launch was counted: %s", samoyeds_rt_last_error());
  expect_error(first, "saxpy", "kernel of an unloaded module");

  /* Not poisoned: a null function is reported by the launch itself. */
  mgpuLaunchKernel(NULL, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL, 0);
  expect_error(SAMOYEDS_RT_ERROR_INVALID_ARGUMENT, "mgpuLaunchKernel",
               "null function launch");

  /* Two errors: the first is kept, the second counted. */
  mgpuModuleGetFunction(NULL, "first_kernel");
  mgpuStreamWaitEvent(NULL, NULL);
  CHECK(strstr(samoyeds_rt_last_error(), "first_kernel") != NULL &&
            strstr(samoyeds_rt_last_error(), "1 further") != NULL,
        "message: %s", samoyeds_rt_last_error());
  samoyeds_rt_clear_error();

  /* Clean-up functions accept null handles silently. */
  mgpuModuleUnload(NULL);
  mgpuMemFree(NULL, NULL);
  mgpuEventDestroy(NULL);
  mgpuStreamDestroy(NULL);
  CHECK(samoyeds_rt_peek_error() == 0, "clean-up of nulls recorded %s",
        samoyeds_rt_last_error());

  /* Stream settings are per thread and round-trip. */
  samoyeds_rt_set_stream((void *)0x2);
  CHECK(samoyeds_rt_get_stream() == (void *)0x2, "stream round trip");
  samoyeds_rt_set_stream(NULL);
  CHECK(samoyeds_rt_set_blocking(0) == 1, "default is blocking");
  CHECK(samoyeds_rt_set_blocking(1) == 0, "previous setting");
}

static void test_no_gpu(int initCode) {
  printf("no usable GPU (samoyeds_rt_init -> %d: %s)\n", initCode,
         samoyeds_rt_last_error());
  expect_error(initCode, "cu", "init without GPU");
  /* The global-constructor path of generated code. */
  static const char junk[16] = "not a cubin";
  void *m = mgpuModuleLoad((void *)junk, sizeof(junk));
  CHECK(m == NULL, "module from junk without GPU");
  expect_error(0, "mgpuModuleLoad", "load without GPU");
  void *f = mgpuModuleGetFunction(m, "k");
  CHECK(f == NULL, "function");
  CHECK(strstr(samoyeds_rt_last_error(), "mgpuModuleLoad") != NULL,
        "GetFunction message should name the failed load: %s",
        samoyeds_rt_last_error());
  samoyeds_rt_clear_error();
  (void)mgpuStreamCreate();
  CHECK(samoyeds_rt_peek_error() != 0, "stream create without GPU");
  samoyeds_rt_clear_error();
  CHECK(samoyeds_rt_synchronize() != 0, "synchronize without GPU");
  samoyeds_rt_clear_error();
}

static void test_gpu(void) {
  printf("GPU: device %d\n", samoyeds_rt_get_device());
  void *module = NULL, *fn = NULL;
  int rc = samoyeds_rt_module_load_data(kPtx, sizeof(kPtx) - 1, &module);
  CHECK(rc == 0 && module, "PTX load: %d %s", rc, samoyeds_rt_last_error());
  if (rc)
    return;
  rc = samoyeds_rt_get_function(module, "samoyeds_selftest_inc", &fn);
  CHECK(rc == 0 && fn, "get_function: %d %s", rc, samoyeds_rt_last_error());
  rc = samoyeds_rt_get_function(module, "no_such_kernel", &fn);
  CHECK(rc == 500 /* CUDA_ERROR_NOT_FOUND */, "unknown kernel: %d", rc);
  expect_error(500, "no_such_kernel", "unknown kernel");
  samoyeds_rt_get_function(module, "samoyeds_selftest_inc", &fn);

  /* Broken PTX: the JIT log is part of the message. */
  static const char bad[] = ".version 8.0\n.target sm_80\n.address_size 64\n"
                            ".visible .entry k() { bogus.instruction; }\n";
  void *badModule = NULL;
  rc = samoyeds_rt_module_load_data(bad, sizeof(bad) - 1, &badModule);
  CHECK(rc != 0 && badModule == NULL, "broken PTX loaded");
  printf("broken PTX -> %s\n", samoyeds_rt_last_error());
  expect_error(rc, "cuModuleLoadDataEx", "broken PTX");

  enum { N = 1000 };
  float host[N], back[N];
  for (int i = 0; i < N; ++i)
    host[i] = (float)i * 0.5f;
  void *dev = mgpuMemAlloc(sizeof(host), NULL, 0);
  CHECK(dev != NULL, "alloc: %s", samoyeds_rt_last_error());
  mgpuMemcpy(dev, host, sizeof(host), NULL);
  unsigned n = N;
  void *params[2] = {&dev, &n};
  unsigned grid[3] = {(N + 127) / 128, 1, 1}, block[3] = {128, 1, 1};
  rc = samoyeds_rt_launch(fn, grid, 3, block, 3, 0, NULL, params, 2);
  CHECK(rc == 0, "launch: %s", samoyeds_rt_last_error());
  /* A parameter count that is not the kernel's (drivers of CUDA 12.4+ tell):
   * rejected before the driver reads past params. */
  rc = samoyeds_rt_launch(fn, grid, 3, block, 3, 0, NULL, params, 1);
  CHECK(rc == SAMOYEDS_RT_ERROR_INVALID_ARGUMENT || rc == 0,
        "short params: %d %s", rc, samoyeds_rt_last_error());
  if (rc)
    expect_error(rc, "the kernel takes 2 parameters, 1 given", "short params");
  else
    printf("driver cannot report the parameter count: not checked\n");
  /* The same through the ABI, on the thread's stream. */
  void *s = mgpuStreamCreate();
  mgpuLaunchKernel(fn, (N + 255) / 256, 1, 1, 256, 1, 1, 0, s, params, NULL, 2);
  mgpuStreamSynchronize(s);
  mgpuStreamDestroy(s);
  mgpuMemcpy(back, dev, sizeof(back), NULL);
  CHECK(samoyeds_rt_synchronize() == 0, "sync: %s", samoyeds_rt_last_error());
  int bad_count = 0;
  for (int i = 0; i < N; ++i)
    bad_count += back[i] != host[i] + 2.0f;
  CHECK(bad_count == 0, "%d wrong elements", bad_count);

  /* A launch the driver refuses. */
  unsigned bigBlock[3] = {4096, 1, 1};
  rc = samoyeds_rt_launch(fn, grid, 3, bigBlock, 3, 0, NULL, params, 2);
  CHECK(rc == 1 /* CUDA_ERROR_INVALID_VALUE */, "oversized block: %d", rc);
  expect_error(1, "cuLaunchKernel", "oversized block");

  /* Zero blocks: nothing to do, no error. */
  unsigned noGrid[3] = {0, 1, 1};
  CHECK(samoyeds_rt_launch(fn, noGrid, 3, block, 3, 0, NULL, params, 2) == 0,
        "empty grid");

  mgpuMemset32(dev, 0x3f800000u, N, NULL);
  mgpuMemcpy(back, dev, sizeof(back), NULL);
  samoyeds_rt_synchronize();
  CHECK(back[N - 1] == 1.0f, "memset32");
  mgpuMemFree(dev, NULL);
  CHECK(samoyeds_rt_module_unload(module) == 0, "unload");
  CHECK(samoyeds_rt_peek_error() == 0, "leftover error: %s",
        samoyeds_rt_last_error());
}

int main(void) {
  CHECK(samoyeds_rt_peek_error() == 0, "fresh thread has an error");
  test_without_device_paths();
  int rc = samoyeds_rt_init();
  if (rc)
    test_no_gpu(rc);
  else
    test_gpu();
  printf("%s (%d failure(s))\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}
