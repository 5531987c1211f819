// cslt_shim: cuSPARSELt 2:4 matmul with a plan made once and reused, behind
// a tiny C ABI that the device benchmark (test/Integration/GPU/ssmm_check.py) loads
// with ctypes, so that cuSPARSELt is timed in the same process, with the same
// CUDA-event timing, as the project's kernel and cuBLAS. Built on the GPU
// machine against the pip package nvidia-cusparselt-cu13 (build.sh).
//
// C (m x n, row-major) = A (m x k, row-major, 2:4 along k) * B^T, with B the
// n x k row-major token rows: the transpose of the project's out = X W^T.
#include <cuda_runtime_api.h>
#include <cusparseLt.h>

#include <cstdio>
#include <cstring>
#include <new>

namespace {
struct Plan {
  cusparseLtHandle_t handle;
  cusparseLtMatDescriptor_t a, b, c;
  cusparseLtMatmulDescriptor_t matmul;
  cusparseLtMatmulAlgSelection_t sel;
  cusparseLtMatmulPlan_t plan;
  void *compressed = nullptr, *workspace = nullptr;
  bool handleOk = false, descOk = false, planOk = false;
};

void setErr(char *err, int len, const char *what, int code) {
  if (err && len > 0)
    std::snprintf(err, len, "%s failed (%d)", what, code);
}

#define LT(call)                                                              \
  do {                                                                        \
    cusparseStatus_t s_ = (call);                                             \
    if (s_ != CUSPARSE_STATUS_SUCCESS) {                                      \
      setErr(err, errlen, #call, int(s_));                                    \
      cslt_free(p);                                                           \
      return nullptr;                                                         \
    }                                                                         \
  } while (0)
#define CU(call)                                                              \
  do {                                                                        \
    cudaError_t e_ = (call);                                                  \
    if (e_ != cudaSuccess) {                                                  \
      setErr(err, errlen, #call, int(e_));                                    \
      cslt_free(p);                                                           \
      return nullptr;                                                         \
    }                                                                         \
  } while (0)
} // namespace

extern "C" {

void cslt_free(void *handle) {
  Plan *p = static_cast<Plan *>(handle);
  if (!p)
    return;
  if (p->planOk)
    cusparseLtMatmulPlanDestroy(&p->plan);
  if (p->descOk) {
    cusparseLtMatDescriptorDestroy(&p->a);
    cusparseLtMatDescriptorDestroy(&p->b);
    cusparseLtMatDescriptorDestroy(&p->c);
  }
  if (p->handleOk)
    cusparseLtDestroy(&p->handle);
  cudaFree(p->compressed);
  cudaFree(p->workspace);
  delete p;
}

/// Makes the plan for A (device, m x k, already 2:4; pruned in place again by
/// the library's own rule, a no-op for a valid 2:4 matrix), compresses A and
/// searches the fastest algorithm on B and C. dtype: 0 = bf16, 1 = f16.
/// Returns nullptr with a message in err on failure.
void *cslt_plan(int m, int k, int n, int dtype, void *a, const void *b, void *c,
                void *stream, char *err, int errlen) {
  Plan *p = new (std::nothrow) Plan();
  if (!p) {
    setErr(err, errlen, "new", 0);
    return nullptr;
  }
  cudaDataType t = dtype == 0 ? CUDA_R_16BF : CUDA_R_16F;
  const unsigned align = 16;
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  LT(cusparseLtInit(&p->handle));
  p->handleOk = true;
  LT(cusparseLtStructuredDescriptorInit(&p->handle, &p->a, m, k, k, align, t,
                                        CUSPARSE_ORDER_ROW,
                                        CUSPARSELT_SPARSITY_50_PERCENT));
  LT(cusparseLtDenseDescriptorInit(&p->handle, &p->b, n, k, k, align, t,
                                   CUSPARSE_ORDER_ROW));
  LT(cusparseLtDenseDescriptorInit(&p->handle, &p->c, m, n, n, align, t,
                                   CUSPARSE_ORDER_ROW));
  p->descOk = true;
  LT(cusparseLtMatmulDescriptorInit(&p->handle, &p->matmul,
                                    CUSPARSE_OPERATION_NON_TRANSPOSE,
                                    CUSPARSE_OPERATION_TRANSPOSE, &p->a, &p->b,
                                    &p->c, &p->c, CUSPARSE_COMPUTE_32F));
  LT(cusparseLtMatmulAlgSelectionInit(&p->handle, &p->sel, &p->matmul,
                                      CUSPARSELT_MATMUL_ALG_DEFAULT));
  LT(cusparseLtMatmulPlanInit(&p->handle, &p->plan, &p->matmul, &p->sel));
  p->planOk = true;
  LT(cusparseLtSpMMAPrune(&p->handle, &p->matmul, a, a, CUSPARSELT_PRUNE_SPMMA_STRIP, s));
  size_t csize = 0, cbuf = 0;
  LT(cusparseLtSpMMACompressedSize(&p->handle, &p->plan, &csize, &cbuf));
  void *buf = nullptr;
  CU(cudaMalloc(&p->compressed, csize));
  CU(cudaMalloc(&buf, cbuf ? cbuf : 1));
  cusparseStatus_t cs = cusparseLtSpMMACompress(&p->handle, &p->plan, a, p->compressed, buf, s);
  cudaStreamSynchronize(s);
  cudaFree(buf);
  if (cs != CUSPARSE_STATUS_SUCCESS) {
    setErr(err, errlen, "cusparseLtSpMMACompress", int(cs));
    cslt_free(p);
    return nullptr;
  }
  float alpha = 1.0f, beta = 0.0f;
  LT(cusparseLtMatmulSearch(&p->handle, &p->plan, &alpha, p->compressed, b, &beta, c,
                            c, nullptr, &s, 1));
  size_t ws = 0;
  LT(cusparseLtMatmulGetWorkspace(&p->handle, &p->plan, &ws));
  CU(cudaMalloc(&p->workspace, ws ? ws : 1));
  return p;
}

/// C = A * B^T on `stream` with the plan's algorithm; 0 or the cuSPARSELt status.
int cslt_matmul(void *handle, const void *b, void *c, void *stream) {
  Plan *p = static_cast<Plan *>(handle);
  float alpha = 1.0f, beta = 0.0f;
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  return int(cusparseLtMatmul(&p->handle, &p->plan, &alpha, p->compressed, b, &beta, c,
                              c, p->workspace, &s, 1));
}
}
