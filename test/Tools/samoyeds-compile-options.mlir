// samoyeds-compile splices --chip and --pipeline-options into one pipeline
// string: values that would inject options of their own are refused before
// anything runs (issue 8: "sm_90a format=bin" reported success with no binary).
// RUN: not samoyeds-compile %s -o %t --chip "sm_90a format=bin" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not samoyeds-compile %s -o %t --pipeline-options "stages=3 format=bin" 2>&1 | FileCheck %s --check-prefix=OPTS
// RUN: not samoyeds-compile %s -o %t --pipeline-options "stages=-1" 2>&1 | FileCheck %s --check-prefix=NEG
// CHIP: samoyeds-compile: --chip 'sm_90a format=bin' is not of the form sm_XX, sm_XXa or sm_XXf
// OPTS: samoyeds-compile: --pipeline-options: 'format=bin' is not one of block-k, decode-tile, min-blocks-per-sm, split-k, stages, stream-tokens, warp-m, warp-n, warps-m, warps-n = a non-negative integer, stream-tokens = -1, family = mma_sp or wgmma_sp, or schedule = grid or warp_specialized
// NEG: samoyeds-compile: --pipeline-options: 'stages=-1' is not one of

func.func @f() {
  return
}
