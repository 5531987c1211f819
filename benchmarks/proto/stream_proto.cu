// Prototype of the streaming decode kernel (issue 10), in CUDA C, to measure
// the design before the generator emits it: FP32 FMA from 16-byte weight
// loads, a warp per row group with its lanes along K, the few token vectors
// read through L1, the row selection per 16-column chunk from a shared-memory
// copy of the block's row indices, a butterfly reduction per unit.
// Format as docs/format.md (N = 1, M = 2), bf16. Not part of the build: the
// device run compiles it with nvcc (benchmarks/proto/run.sh).
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>
#include <algorithm>
#include <cmath>
#include <cuda_bf16.h>

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { \
  printf("CUDA %s at %s:%d\n", cudaGetErrorString(e), __FILE__, __LINE__); exit(1);} } while (0)

constexpr int V = 128, M = 2;

__device__ __forceinline__ float lo(uint32_t x) { return __uint_as_float(x << 16); }
__device__ __forceinline__ float hi(uint32_t x) { return __uint_as_float(x & 0xffff0000u); }
__device__ __forceinline__ uint32_t prmt(uint32_t a, uint32_t b, uint32_t s) {
  uint32_t r; asm("prmt.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(a), "r"(b), "r"(s)); return r;
}
// The prmt selector picking (x[p0], x[p1]) out of 4 bf16 from a nibble p1<<2|p0.
__device__ __forceinline__ uint32_t selOf(uint32_t nib) {
  uint32_t t = (nib & 3u) | ((nib & 0xcu) << 6); // p0 in bits 0-1, p1 in bits 8-9
  return (t * 2u) * 0x11u + 0x1010u;
}

// RG condensed rows per unit (2: gate and up of silu_mul), TT token slots,
// UPW units per warp, UN steps (512 columns each) of loads in flight.
template <int TT, bool SILU, int UPW, int UN, bool NOCOMP>
__global__ void __launch_bounds__(256) stream_kernel(
    const uint4 *__restrict__ vals, const uint16_t *__restrict__ meta,
    const uint8_t *__restrict__ ridx, const __nv_bfloat16 *__restrict__ x,
    const int *__restrict__ list, const int *__restrict__ off, const float *__restrict__ scale,
    __nv_bfloat16 *__restrict__ outb, float *__restrict__ outf, int E, int R, int K, int topk,
    int B) {
  constexpr int RG = SILU ? 2 : 1, UB = 8 * UPW;
  const int condRows = R / M;           // N = 1
  const int groups = SILU ? condRows / 2 : condRows; // units per expert
  const int slices = K / V, chunks = K / 16;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  // The y-th expert with a non-empty segment, found by each warp (no barrier).
  int want = blockIdx.y, e = -1;
  for (int e0 = 0; e0 < E && e < 0; e0 += 32) {
    int ee = e0 + lane;
    bool act = ee < E && off[ee + 1] > off[ee];
    unsigned bal = __ballot_sync(~0u, act);
    int n = __popc(bal);
    if (want < n) {
      for (int i = 0; i < want; ++i) bal &= bal - 1;
      e = e0 + __ffs(bal) - 1;
    }
    want -= n;
  }
  if (e < 0) return;
  const int u0 = blockIdx.x * UB;
  const uint4 *ve = vals + (size_t)e * condRows * (K / 16);
  const uint16_t *me = meta + (size_t)e * condRows * chunks;
  const uint8_t *re = ridx + (size_t)e * slices * condRows;
  const int segEnd = off[e + 1];
  for (int c0 = off[e]; c0 < segEnd; c0 += TT) {
    int tok[TT]; bool ok[TT]; bool any = false;
#pragma unroll
    for (int t = 0; t < TT; ++t) {
      int id = c0 + t < segEnd ? list[c0 + t] : B;
      ok[t] = id >= 0 && id < B;
      tok[t] = ok[t] ? (SILU ? id / topk : c0 + t) : 0;
      any |= ok[t];
    }
    if (!any) break; // a dispatch list: routed entries first in a segment
    for (int uu = 0; uu < UPW; ++uu) {
      int u = u0 + warp * UPW + uu;
      float acc[RG][M][TT];
#pragma unroll
      for (int a = 0; a < RG; ++a)
#pragma unroll
        for (int j = 0; j < M; ++j)
#pragma unroll
          for (int t = 0; t < TT; ++t) acc[a][j][t] = 0.f;
      int rowOf[RG];
      rowOf[0] = u;
      if (SILU) rowOf[RG - 1] = groups + u;
      for (int cb = 0; cb < chunks; cb += 32 * UN) {
        uint4 w[UN][RG]; uint32_t mw[UN][RG]; int jsel[UN][RG];
#pragma unroll
        for (int s = 0; s < UN; ++s) {
          int c = cb + 32 * s + lane;
          bool in = c < chunks;
          int cc = in ? c : 0;
#pragma unroll
          for (int a = 0; a < RG; ++a) {
            w[s][a] = ve[(size_t)rowOf[a] * (K / 16) + cc];
            mw[s][a] = me[(size_t)rowOf[a] * chunks + cc];
            jsel[s][a] = in ? re[(size_t)(cc * 16 / V) * condRows + rowOf[a]] : 2;
          }
        }
        if (NOCOMP) {
#pragma unroll
          for (int s = 0; s < UN; ++s)
#pragma unroll
            for (int a = 0; a < RG; ++a)
              acc[a][0][0] += __uint_as_float((w[s][a].x ^ w[s][a].y ^ w[s][a].z ^ w[s][a].w ^ mw[s][a]) & 0x3fffffff) + jsel[s][a];
          continue;
        }
#pragma unroll
        for (int s = 0; s < UN; ++s) {
          int c = cb + 32 * s + lane;
          int cc = c < chunks ? c : 0;
#pragma unroll
          for (int t = 0; t < TT; ++t) {
            if (!ok[t]) continue;
            const uint4 *xp = reinterpret_cast<const uint4 *>(x + (size_t)tok[t] * K) + 2 * cc;
            uint4 xa = __ldg(xp), xb = __ldg(xp + 1);
            uint32_t xr[8] = {xa.x, xa.y, xa.z, xa.w, xb.x, xb.y, xb.z, xb.w};
#pragma unroll
            for (int a = 0; a < RG; ++a) {
              uint32_t vr[4] = {w[s][a].x, w[s][a].y, w[s][a].z, w[s][a].w};
              float d = 0.f;
#pragma unroll
              for (int q = 0; q < 4; ++q) {
                uint32_t xs = prmt(xr[2 * q], xr[2 * q + 1], selOf((mw[s][a] >> (4 * q)) & 0xf));
                d = fmaf(lo(vr[q]), lo(xs), d);
                d = fmaf(hi(vr[q]), hi(xs), d);
              }
              acc[a][0][t] += jsel[s][a] == 0 ? d : 0.f;
              acc[a][1][t] += jsel[s][a] == 1 ? d : 0.f;
            }
          }
        }
      }
#pragma unroll
      for (int a = 0; a < RG; ++a)
#pragma unroll
        for (int j = 0; j < M; ++j)
#pragma unroll
          for (int t = 0; t < TT; ++t)
#pragma unroll
            for (int o = 16; o; o >>= 1)
              acc[a][j][t] += __shfl_xor_sync(~0u, acc[a][j][t], o);
      // Lane t*M + j writes token t's output row u*M + j.
#pragma unroll
      for (int t = 0; t < TT; ++t)
#pragma unroll
        for (int j = 0; j < M; ++j)
          if (lane == t * M + j && ok[t]) {
            int i = c0 + t;
            if (SILU) {
              float g = acc[0][j][t], up = acc[RG - 1][j][t];
              outb[(size_t)i * (groups * M) + u * M + j] =
                  __float2bfloat16(g / (1.f + __expf(-g)) * up);
            } else {
              outf[(size_t)i * R + u * M + j] = acc[0][j][t] * scale[list[i]];
            }
          }
    }
  }
}

static uint16_t f2bf(float f) { uint32_t u; memcpy(&u, &f, 4); return uint16_t((u + 0x7fff + ((u >> 16) & 1)) >> 16); }
static float bf2f(uint16_t b) { uint32_t u = uint32_t(b) << 16; float f; memcpy(&f, &u, 4); return f; }

struct Case { const char *name; int E, R, K; bool silu; int T, topk; std::vector<int> experts; };

template <int TT, bool SILU, int UPW, int UN, bool NOCOMP = false>
float runCase(const Case &c, bool check, double *gbps) {
  int condRows = c.R / M, slices = c.K / V, chunks = c.K / 16;
  int groups = SILU ? condRows / 2 : condRows;
  size_t nv = (size_t)c.E * condRows * (c.K / 2), nm = (size_t)c.E * condRows * chunks,
         nr = (size_t)c.E * slices * condRows;
  std::vector<uint16_t> hv(nv), hm(nm); std::vector<uint8_t> hr(nr);
  uint32_t s = 12345; auto rnd = [&] { s = s * 1664525u + 1013904223u; return s; };
  const uint16_t nibs[6] = {0x4, 0x8, 0xC, 0x9, 0xD, 0xE};
  for (auto &v : hv) v = f2bf(((rnd() >> 8) % 2001 - 1000) / 1000.f * 0.05f);
  for (auto &m : hm) { uint16_t w = 0; for (int q = 0; q < 4; ++q) w |= nibs[rnd() % 6] << (4 * q); m = w; }
  for (auto &r : hr) r = rnd() % 2;
  // Routing: the T tokens' pairs go round-robin to the listed experts.
  int pairs = c.T * c.topk, tile = 64;
  std::vector<std::vector<int>> seg(c.E);
  for (int p = 0; p < pairs; ++p) seg[c.experts[p % c.experts.size()]].push_back(p);
  std::vector<int> list, off(c.E + 1);
  for (int e = 0; e < c.E; ++e) {
    off[e] = list.size();
    for (int id : seg[e]) list.push_back(id);
    while (list.size() % tile) list.push_back(pairs);
  }
  off[c.E] = list.size();
  while ((int)list.size() < pairs + c.E * (tile - 1)) list.push_back(pairs);
  int L = list.size();
  int inRows = SILU ? c.T : L, inCols = c.K;
  std::vector<uint16_t> hx((size_t)inRows * inCols);
  for (auto &v : hx) v = f2bf(((rnd() >> 8) % 2001 - 1000) / 1000.f);
  std::vector<float> hs(pairs);
  for (auto &v : hs) v = 0.1f + (rnd() % 100) / 100.f;
  uint4 *dv; uint16_t *dm; uint8_t *dr; __nv_bfloat16 *dx, *db; int *dl, *doff; float *ds, *df;
  CK(cudaMalloc(&dv, nv * 2)); CK(cudaMalloc(&dm, nm * 2)); CK(cudaMalloc(&dr, nr));
  CK(cudaMalloc(&dx, hx.size() * 2)); CK(cudaMalloc(&dl, L * 4)); CK(cudaMalloc(&doff, (c.E + 1) * 4));
  CK(cudaMalloc(&ds, pairs * 4));
  int outCols = SILU ? groups * M : c.R;
  CK(cudaMalloc(&db, (size_t)L * outCols * 2)); CK(cudaMalloc(&df, (size_t)L * outCols * 4));
  CK(cudaMemcpy(dv, hv.data(), nv * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dm, hm.data(), nm * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dr, hr.data(), nr, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dx, hx.data(), hx.size() * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dl, list.data(), L * 4, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(doff, off.data(), (c.E + 1) * 4, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(ds, hs.data(), pairs * 4, cudaMemcpyHostToDevice));
  CK(cudaMemset(db, 0xff, (size_t)L * outCols * 2)); CK(cudaMemset(df, 0xff, (size_t)L * outCols * 4));
  int active = 0; for (int e = 0; e < c.E; ++e) active += !seg[e].empty();
  constexpr int UB = 8 * UPW;
  dim3 grid(groups / UB, std::min(c.E, pairs));
  size_t smem = 0;
  auto k = stream_kernel<TT, SILU, UPW, UN, NOCOMP>;
  CK(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
  // L2 flush buffer.
  size_t flushBytes = 256u << 20; void *flush; CK(cudaMalloc(&flush, flushBytes));
  cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
  std::vector<float> ts;
  int B = SILU ? c.T * c.topk : pairs;
  for (int it = 0; it < 25; ++it) {
    CK(cudaMemsetAsync(flush, it, flushBytes));
    CK(cudaEventRecord(a));
    k<<<grid, 256, smem>>>(dv, dm, dr, SILU ? dx : dx, dl, doff, ds, db, df, c.E, c.R, c.K,
                           c.topk, B);
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaGetLastError());
    float ms; CK(cudaEventElapsedTime(&ms, a, b)); if (it >= 5) ts.push_back(ms * 1000);
  }
  std::sort(ts.begin(), ts.end());
  float med = ts[ts.size() / 2];
  double bytes = active * ((double)condRows * c.K + (double)condRows * chunks * 2 + (double)nr / c.E);
  *gbps = bytes / med / 1e3;
  if (check && !NOCOMP) {
    // Reference on the routed entries (double).
    std::vector<uint16_t> ob((size_t)L * outCols); std::vector<float> of((size_t)L * outCols);
    CK(cudaMemcpy(ob.data(), db, ob.size() * 2, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(of.data(), df, of.size() * 4, cudaMemcpyDeviceToHost));
    double num = 0, den = 0; long bad = 0;
    for (int e = 0; e < c.E; ++e)
      for (size_t si = 0; si < seg[e].size(); ++si) {
        int i = off[e] + si, id = list[i];
        const uint16_t *xr = &hx[(size_t)(SILU ? id / c.topk : i) * c.K];
        std::vector<double> y(c.R, 0.0);
        for (int r = 0; r < condRows; ++r)
          for (int cg = 0; cg < c.K / 4; ++cg) {
            int sl = cg * 4 / V;
            int orow = (r / 1) * M + hr[((size_t)e * slices + sl) * condRows + r];
            uint16_t w = hm[((size_t)e * condRows + r) * chunks + cg / 4];
            int nib = (w >> (4 * (cg % 4))) & 0xf, p0 = nib & 3, p1 = nib >> 2;
            size_t vb = ((size_t)e * condRows + r) * (c.K / 2) + 2 * cg;
            y[orow] += (double)bf2f(hv[vb]) * bf2f(xr[4 * cg + p0]) +
                       (double)bf2f(hv[vb + 1]) * bf2f(xr[4 * cg + p1]);
          }
        for (int o = 0; o < outCols; ++o) {
          double ref, got;
          if (SILU) {
            // Output o: gate row o, up row R/2 + o (condensed gate rows first).
            double g = y[o], up = y[c.R / 2 + o];
            ref = g / (1 + exp(-g)) * up; got = bf2f(ob[(size_t)i * outCols + o]);
          } else { ref = y[o] * hs[id]; got = of[(size_t)i * outCols + o]; }
          if (!(std::isfinite(got))) ++bad;
          num += (got - ref) * (got - ref); den += ref * ref;
        }
      }
    printf("  check %s TT=%d UN=%d: rel_err=%.2e nonfinite=%ld\n", c.name, TT, UN, sqrt(num / den), bad);
  }
  cudaFree(dv); cudaFree(dm); cudaFree(dr); cudaFree(dx); cudaFree(dl); cudaFree(doff);
  cudaFree(ds); cudaFree(db); cudaFree(df); cudaFree(flush);
  return med;
}

int main() {
  std::vector<Case> cases = {
      {"mixtral_w13_T1", 8, 28672, 4096, true, 1, 2, {3, 6}},
      {"mixtral_w2_T1", 8, 4096, 14336, false, 1, 2, {3, 6}},
      {"mixtral_w13_T16", 8, 28672, 4096, true, 16, 2, {0, 1, 2, 3, 4, 5, 6, 7}},
      {"mixtral_w2_T16", 8, 4096, 14336, false, 16, 2, {0, 1, 2, 3, 4, 5, 6, 7}},
      {"deepseek_w13_T1", 64, 2816, 2048, true, 1, 6, {1, 9, 17, 33, 40, 63}},
      {"deepseek_w2_T1", 64, 2048, 1408, false, 1, 6, {1, 9, 17, 33, 40, 63}},
  };
  {
    size_t n = 512u << 20; void *p, *q; CK(cudaMalloc(&p, n)); CK(cudaMalloc(&q, n));
    cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
    std::vector<float> ts;
    for (int i = 0; i < 15; ++i) {
      CK(cudaEventRecord(a)); CK(cudaMemcpyAsync(q, p, n, cudaMemcpyDeviceToDevice));
      CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b));
      float ms; CK(cudaEventElapsedTime(&ms, a, b)); ts.push_back(ms);
    }
    std::sort(ts.begin(), ts.end());
    printf("copy 512 MiB: %.1f us, %.0f GB/s (read + write)\n", ts[7] * 1e3, 2.0 * n / ts[7] / 1e6);
    cudaFree(p); cudaFree(q);
  }
  printf("%-18s %4s %4s %4s %9s %9s\n", "case", "TT", "UPW", "UN", "us", "GB/s");
  for (auto &c : cases) {
    bool silu = c.silu; double g;
    // Small-K shapes need K % 512 == 0 in this prototype: DeepSeek W2 (1408) is skipped.
    
    float t;
#define RUN(TT, S, UPW, UN, CHK) t = runCase<TT, S, UPW, UN>(c, CHK, &g); \
    printf("%-18s %4d %4d %4d %9.1f %9.0f\n", c.name, TT, UPW, UN, t, g);
    if (silu) {
      RUN(2, true, 4, 2, true) RUN(1, true, 4, 2, false) RUN(1, true, 1, 2, false)
      t = runCase<2, true, 4, 2, true>(c, false, &g); printf("%-18s nocomp UN=2 UPW=4 %9.1f %9.0f\n", c.name, t, g);
      t = runCase<2, true, 1, 2, true>(c, false, &g); printf("%-18s nocomp UN=2 UPW=1 %9.1f %9.0f\n", c.name, t, g);
      t = runCase<2, true, 4, 4, true>(c, false, &g); printf("%-18s nocomp UN=4 UPW=4 %9.1f %9.0f\n", c.name, t, g);
    } else {
      RUN(2, false, 1, 4, true) RUN(2, false, 1, 2, false) RUN(1, false, 1, 2, false)
      t = runCase<2, false, 1, 4, true>(c, false, &g); printf("%-18s nocomp UN=4 UPW=1 %9.1f %9.0f\n", c.name, t, g);
      t = runCase<2, false, 1, 2, true>(c, false, &g); printf("%-18s nocomp UN=2 UPW=1 %9.1f %9.0f\n", c.name, t, g);
    }
  }
  return 0;
}
