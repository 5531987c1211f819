// KernelSpec: the kernel's symbol, the checks of a configuration, and the default row tiling.
//
// These are pure functions of the spec (no IR is built), so that a
// configuration-selection pass can call them for any candidate tiling.
#include "KernelSpec.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;

std::string KernelSpec::name() const {
  auto f = weight.getFormat();
  std::string s = "ssmm";
  for (int64_t d : weight.getShape())
    s += "_" + std::to_string(d);
  s += inputElt.isBF16() ? "_bf16" : "_f16";
  s += "_n" + std::to_string(f.getN()) + "m" + std::to_string(f.getM()) +
       "v" + std::to_string(f.getV());
  if (gather)
    s += "_gather_k" + std::to_string(topK);
  if (silu)
    s += "_silu";
  if (hasScale)
    s += "_scale";
  s += resultElt.isF32() ? "_of32" : resultElt.isBF16() ? "_obf16" : "_of16";
  s += "_t" + std::to_string(warpM) + "x" + std::to_string(warpN) + "x" +
       std::to_string(warpsM) + "x" + std::to_string(warpsN) + "s" +
       std::to_string(stages) + "k" + std::to_string(blockK);
  return s;
}

LogicalResult mlir::samoyeds::gpukernels::checkSpec(Operation *op,
                                                    const KernelSpec &s) {
  auto f = s.weight.getFormat();
  int64_t n = f.getN(), m = f.getM(), v = f.getV();
  auto fail = [&]() { return op->emitOpError() << "GPU lowering: "; };
  if (s.warpsM < 1 || s.warpsN < 1 || s.threads() > 1024)
    return fail() << "warps-m (" << s.warpsM << ") and warps-n (" << s.warpsN
                  << ") must be >= 1, with at most 32 warps in all";
  if (n != 1 && n != 2 && n != 4 && n != 8)
    return fail() << "N (" << n << ") must be 1, 2, 4 or 8 (row groups are "
                                   "reduced across lanes)";
  if (s.warpM % 16 || s.warpN % 8 || s.warpM <= 0 || s.warpN <= 0)
    return fail() << "warp-m (" << s.warpM << ") must be a multiple of 16 and "
                  << "warp-n (" << s.warpN << ") a multiple of 8";
  if (s.silu && s.warpM % 32)
    return fail() << "silu_mul needs warp-m (" << s.warpM
                  << ") to be a multiple of 32 (gate and up halves)";
  if (s.stages < 2)
    return fail() << "stages (" << s.stages << ") must be >= 2";
  if (s.blockK != 32 && s.blockK != 64 && s.blockK != 128)
    return fail() << "block-k (" << s.blockK << ") must be 32, 64 or 128";
  if (v % s.blockK)
    return fail() << "V (" << v << ") must be a multiple of block-k ("
                  << s.blockK << ")";
  int64_t condRows = s.weight.getCondensedRows();
  int64_t rowsPerBlockHalf = s.silu ? s.blockM() / 2 : s.blockM();
  int64_t rowsToCover = s.silu ? condRows / 2 : condRows;
  if (s.silu && (s.weight.getRows() / 2) % m)
    return fail() << "silu_mul needs R/2 (" << s.weight.getRows() / 2
                  << ") to be a multiple of M (" << m << ")";
  if (rowsToCover % rowsPerBlockHalf)
    return fail() << (s.silu ? "half the condensed rows (" : "the condensed rows (")
                  << rowsToCover << ") must be a multiple of the block tile ("
                  << rowsPerBlockHalf << "); choose warp-m/warps-m to divide it";
  // The stage copies split evenly over the threads (MmaSpKernel.cpp,
  // issueStage): 16-byte chunks of A and B, whole metadata rows.
  int64_t aChunks = s.blockM() * s.blockK / 16, bChunks = s.blockN() * s.blockK / 8;
  if (aChunks % s.threads() || bChunks % s.threads() ||
      (s.blockM() > s.threads() && s.blockM() % s.threads()))
    return fail() << "the block tile (" << s.blockM() << "x" << s.blockN()
                  << ") does not split evenly over " << s.threads()
                  << " threads for the asynchronous copies";
  if (s.accumulatorFloats() > kMaxAccFloats)
    return fail() << "the accumulators need " << s.accumulatorFloats()
                  << " registers per thread (M * warp-m * warp-n / 32, "
                     "at most "
                  << kMaxAccFloats << "); use a smaller warp tile";
  if (s.smemBytes() > s.smemLimit)
    return fail() << "the pipeline needs " << s.smemBytes()
                  << " bytes of shared memory (at most " << s.smemLimit
                  << " per block on this chip); use fewer stages or a smaller tile";
  return success();
}

void mlir::samoyeds::gpukernels::chooseRowTiling(KernelSpec &s) {
  int64_t rows = s.weight.getCondensedRows();
  bool silu = s.silu;
  for (int64_t wmCand : {64, 32, 16}) {
    // silu_mul splits a warp's rows into gate and up halves of 16 each.
    if (silu && wmCand % 32)
      continue;
    if (s.warpM && wmCand != s.warpM)
      continue;
    KernelSpec t = s;
    t.warpM = wmCand;
    if (t.accumulatorFloats() > kMaxAccFloats)
      continue;
    for (int64_t wsCand : {2, 1}) {
      if (s.warpsM && wsCand != s.warpsM)
        continue;
      int64_t blockRows = wmCand * wsCand;
      int64_t cover = silu ? rows / 2 : rows;
      int64_t per = silu ? blockRows / 2 : blockRows;
      if (cover % per == 0) {
        s.warpM = wmCand;
        s.warpsM = wsCand;
        return;
      }
    }
  }
  // Nothing fits: fall back to the smallest tile so checkSpec says why.
  if (!s.warpM)
    s.warpM = silu ? 32 : 16;
  if (!s.warpsM)
    s.warpsM = 1;
}
