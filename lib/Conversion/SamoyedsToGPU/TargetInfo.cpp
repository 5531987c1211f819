//===- TargetInfo.cpp - The table of chips the GPU pipeline targets -------===//
#include "samoyeds/Conversion/SamoyedsToGPU/TargetInfo.h"

#include <cctype>

using namespace samoyeds::gpu;

namespace {
struct Row {
  const char *chip;
  int sm, smCount;
  int64_t smem;
  bool wgmmaSp;
};
// Opt-in shared memory per block: CUDA programming guide, table of technical
// specifications per compute capability (163 KB on 8.0/8.7, 99 KB on 8.6/8.9,
// 227 KB on 9.0). SM counts are those of the common part of each chip (A100,
// A10-class, Orin, L40S-class, H100/H200 SXM); a kernel configuration only uses
// them to size grids, never for correctness. The pipeline emits PTX 8.5
// (CUDA 12.5), which has no sm_100 targets: newer chips are rejected here, by
// name, rather than by LLVM at code generation.
constexpr Row kTable[] = {
    {"sm_80", 80, 108, 166912, false},  {"sm_86", 86, 84, 101376, false},
    {"sm_87", 87, 16, 166912, false},   {"sm_89", 89, 142, 101376, false},
    {"sm_90", 90, 132, 232448, false},  {"sm_90a", 90, 132, 232448, true},
};
} // namespace

std::string samoyeds::gpu::knownChips() {
  std::string s;
  for (const Row &r : kTable)
    s += (s.empty() ? "" : ", ") + std::string(r.chip);
  return s;
}

std::optional<TargetInfo> samoyeds::gpu::lookupTarget(std::string_view chip,
                                                      std::string &error) {
  auto malformed = [&] {
    error = "chip '" + std::string(chip) +
            "' is not of the form sm_XX, sm_XXa or sm_XXf";
    return std::nullopt;
  };
  if (chip.substr(0, 3) != "sm_")
    return malformed();
  std::string_view rest = chip.substr(3);
  size_t digits = 0;
  while (digits < rest.size() && std::isdigit((unsigned char)rest[digits]))
    ++digits;
  std::string_view suffix = rest.substr(digits);
  // At most 4 digits: the number is parsed without overflow.
  if (digits == 0 || digits > 4 || !(suffix.empty() || suffix == "a" || suffix == "f"))
    return malformed();
  int sm = std::stoi(std::string(rest.substr(0, digits)));
  if (sm < 80) {
    error = "chip " + std::string(chip) +
            " has no sparse tensor cores (needs sm_80 or newer)";
    return std::nullopt;
  }
  for (const Row &r : kTable) {
    if (chip != r.chip)
      continue;
    TargetInfo t;
    t.chip = r.chip;
    t.sm = r.sm;
    t.smCount = r.smCount;
    t.smemPerBlock = r.smem;
    t.hasWgmmaSp = r.wgmmaSp;
    t.orderedMetadata = r.sm >= 90;
    t.ptxFeatures = "+ptx85";
    return t;
  }
  error = "chip " + std::string(chip) +
          " is not supported: the pipeline emits PTX 8.5 for " + knownChips();
  return std::nullopt;
}
