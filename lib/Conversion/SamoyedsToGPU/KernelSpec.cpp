// KernelSpec: the kernel's symbol (the checks and the choice of a tiling are
// KernelConfig.cpp's).
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
  return s + "_" + tag();
}
