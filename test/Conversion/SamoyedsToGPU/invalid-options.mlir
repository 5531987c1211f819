// Diagnostics of convert-samoyeds-to-gpu that depend on its options. One RUN
// line per option value; FileCheck reads stderr (message and location). The
// checks of the ssmm diagnostics sit right above the op they point at.
// Split 1, a silu_mul gate|up weight, and split 2, a 1:8 weight, both lower
// with the default options (first RUN line).

// RUN: samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu -o /dev/null

// The chip is checked once per module; the error is on the module.
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_75" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OLD-CHIP
// OLD-CHIP: invalid-options.mlir:0:0: error: convert-samoyeds-to-gpu: chip sm_75 has no sparse tensor cores (needs sm_80 or newer)
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_100a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEW-CHIP
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_999 format=isa" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-CHIP
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="warps-n=4611686018427387904" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-WARPS
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="stages=4611686018427387904" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-STAGES
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=gfx90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-CHIP
// Chips the emitted PTX 8.5 cannot target are diagnostics, not LLVM errors;
// so are option values that would overflow 64-bit size arithmetic.
// NEW-CHIP: error: convert-samoyeds-to-gpu: chip sm_100a is not supported: the pipeline emits PTX 8.5 for sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a
// PIPE-CHIP: error: samoyeds-select-kernel-config: chip sm_999 is not supported
// PIPE-WARPS: error: 'samoyeds.ssmm' op GPU lowering: warps-m (2) and warps-n (4611686018427387904) must be >= 1, with at most 32 warps in all
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="split-k=65" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-SPLIT
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="split-k=4611686018427387904" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-SPLIT-HUGE
// PIPE-SPLIT: error: 'samoyeds.ssmm' op GPU lowering: split-k (65) must be in [1, 64]
// PIPE-SPLIT-HUGE: error: 'samoyeds.ssmm' op GPU lowering: split-k (4611686018427387904) must be in [1, 64]
// PIPE-STAGES: error: 'samoyeds.ssmm' op GPU lowering: stages (4611686018427387904) must be at most 16
// BAD-CHIP: error: convert-samoyeds-to-gpu: chip 'gfx90a' is not of the form sm_XX, sm_XXa or sm_XXf
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_80foo" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-SUFFIX
// BAD-SUFFIX: error: convert-samoyeds-to-gpu: chip 'sm_80foo' is not of the form sm_XX, sm_XXa or sm_XXf
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NO-DIGITS
// NO-DIGITS: error: convert-samoyeds-to-gpu: chip 'sm_' is not of the form sm_XX, sm_XXa or sm_XXf
// 7 stages fit sm_90a (143360 bytes) but not the 99 KB of sm_86.
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="chip=sm_86 stages=7" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SMEM86
// SMEM86: error: 'samoyeds.ssmm' op GPU lowering: the pipeline needs 143360 bytes of shared memory (at most 101376 per block on this chip)
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warps-n=33" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NO-WARPS
// NO-WARPS: error: 'samoyeds.ssmm' op GPU lowering: warps-m (2) and warps-n (33) must be >= 1, with at most 32 warps in all
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warps-n=-2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEG-WARPS
// NEG-WARPS: error: 'samoyeds.ssmm' op GPU lowering: warps-m (2) and warps-n (-2) must be >= 1

// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warp-m=40" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARP-M
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warp-n=12" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARP-N
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warp-m=48" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SILU-WARP-M
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="stages=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="block-k=48" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BLOCK-K
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warps-n=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="stages=12" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SMEM
// RUN: not samoyeds-opt %s -split-input-file --samoyeds-bufferize --convert-samoyeds-to-gpu="warp-m=64 warps-m=2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ACC

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// 512 x 256 1:2: 256 condensed rows, 128 gate and 128 up; default block tile
// 128 x 64 (warp-m 64, warps-m 2, warps-n 2: 128 threads).
func.func @silu(%v: tensor<256x128xbf16>, %m: tensor<256x16xi16>, %ri: tensor<2x256xi8>,
    %x: tensor<?x256xbf16>, %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<256x128xbf16>, tensor<256x16xi16>,
         tensor<2x256xi8> -> !samoyeds.packed<512x256xbf16, #fmt>
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xbf16>
  // WARP-M: invalid-options.mlir:[[# @LINE + 16]]:8: error: 'samoyeds.ssmm' op GPU lowering: warp-m (40) must be a multiple of 16 and warp-n (32) a multiple of 8
  // WARP-N: invalid-options.mlir:[[# @LINE + 15]]:8: error: 'samoyeds.ssmm' op GPU lowering: warp-m (64) must be a multiple of 16 and warp-n (12) a multiple of 8
  // warp-m 48 is a multiple of 16 but its 3 m-tiles do not split into gate and
  // up halves.
  // SILU-WARP-M: invalid-options.mlir:[[# @LINE + 12]]:8: error: 'samoyeds.ssmm' op GPU lowering: silu_mul needs warp-m (48) to be a multiple of 32 (gate and up halves)
  // STAGES: invalid-options.mlir:[[# @LINE + 11]]:8: error: 'samoyeds.ssmm' op GPU lowering: stages (1) must be >= 2
  // block-k 48 (below V = 128, so not clamped to V).
  // BLOCK-K: invalid-options.mlir:[[# @LINE + 9]]:8: error: 'samoyeds.ssmm' op GPU lowering: block-k (48) must be 32, 64 or 128
  // 192 threads: 128 x 64 / 16 = 512 value chunks per stage do not divide.
  // THREADS: invalid-options.mlir:[[# @LINE + 7]]:8: error: 'samoyeds.ssmm' op GPU lowering: the block tile (128x96) does not split evenly over 192 threads for the asynchronous copies
  // 12 stages of (128 x 40 + 64 x 72 + 128 x 4) x 2 bytes = 12 x 20480.
  // SMEM: invalid-options.mlir:[[# @LINE + 5]]:8: error: 'samoyeds.ssmm' op GPU lowering: the pipeline needs 245760 bytes of shared memory (at most 232448 per block on this chip); use fewer stages or a smaller tile
  // With warp-m 64 this 1:2 weight needs 2 * 64 = 128 accumulator floats: it
  // lowers, only split 2 fails.
  // ACC-NOT: error:
  // ACC-NOT: @silu
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xbf16>) {gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<512x256xbf16, #fmt>, tensor<?x256xbf16>, tensor<?xi32>
         -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

#fmt18 = #samoyeds.format<n = 1, m = 8, v = 128>

// 1024 x 512 1:8: 128 condensed rows. The default tiling picks warp-m 16
// (8 * 16 = 128 floats; warp-m 32 would need 256); forcing warp-m 64 needs
// 8 * 64 = 512.
func.func @one_of_eight(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>,
    %ri: tensor<4x128xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x1024xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<128x256xbf16>, tensor<128x32xi16>,
         tensor<4x128xi8> -> !samoyeds.packed<1024x512xbf16, #fmt18>
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x1024xbf16>
  // ACC: invalid-options.mlir:[[# @LINE + 2]]:8: error: 'samoyeds.ssmm' op GPU lowering: the accumulators need 512 registers per thread (M * warp-m * warp-n / 32, at most 200); use a smaller warp tile
  // ACC-NOT: error:
  %r = samoyeds.ssmm %w, %x, %l outs(%init2 : tensor<?x1024xbf16>) {gather} : !samoyeds.packed<1024x512xbf16, #fmt18>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x1024xbf16>
  return %r : tensor<?x1024xbf16>
}
