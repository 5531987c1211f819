// Diagnostics of convert-samoyeds-to-gpu that the IR alone triggers (default
// options). The ones that depend on pass options are in invalid-options.mlir.
// The inputs are tensor forms, bufferized first (the GPU pipeline's order);
// the diagnostics are at the ops' locations, which bufferization keeps.
// RUN: samoyeds-opt %s -split-input-file -verify-diagnostics --samoyeds-bufferize --convert-samoyeds-to-gpu

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

func.func @result_f64(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>,
    %ri: tensor<4x128xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x256xf64> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<128x256xbf16>, tensor<128x32xi16>,
         tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #fmt>
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?xi32>
  %init3 = tensor.empty(%d2d1_3) : tensor<?x256xf64>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: result element type must be f32, f16 or bf16, got 'f64'}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init3 : tensor<?x256xf64>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf64>
  return %r : tensor<?x256xf64>
}

// -----

// N = 3 cannot be reduced with xor shuffles over lanes 4 apart.
#fmt36 = #samoyeds.format<n = 3, m = 6, v = 128>

func.func @n_not_power_of_two(%v: tensor<96x256xf16>, %m: tensor<96x32xi16>,
    %ri: tensor<4x96xi8>, %x: tensor<?x512xf16>, %l: tensor<?xi32>) -> tensor<?x192xf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<96x256xf16>, tensor<96x32xi16>,
         tensor<4x96xi8> -> !samoyeds.packed<192x512xf16, #fmt36>
  %d2c0_4 = arith.constant 0 : index
  %d2d1_4 = tensor.dim %l, %d2c0_4 : tensor<?xi32>
  %init4 = tensor.empty(%d2d1_4) : tensor<?x192xf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: N (3) must be 1, 2, 4 or 8 (row groups are reduced across lanes)}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init4 : tensor<?x192xf16>) {gather} : !samoyeds.packed<192x512xf16, #fmt36>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x192xf16>
  return %r : tensor<?x192xf16>
}

// -----

// V = 96 with the default block-k of 64: a stage would straddle two slices.
#fmt96 = #samoyeds.format<n = 1, m = 2, v = 96>

func.func @v_not_multiple_of_block_k(%v: tensor<128x192xf16>, %m: tensor<128x24xi16>,
    %ri: tensor<4x128xi8>, %x: tensor<?x384xf16>, %l: tensor<?xi32>) -> tensor<?x256xf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<128x192xf16>, tensor<128x24xi16>,
         tensor<4x128xi8> -> !samoyeds.packed<256x384xf16, #fmt96>
  %d2c0_5 = arith.constant 0 : index
  %d2d1_5 = tensor.dim %l, %d2c0_5 : tensor<?xi32>
  %init5 = tensor.empty(%d2d1_5) : tensor<?x256xf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: V (96) must be a multiple of block-k (64)}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init5 : tensor<?x256xf16>) : !samoyeds.packed<256x384xf16, #fmt96>,
         tensor<?x384xf16>, tensor<?xi32> -> tensor<?x256xf16>
  return %r : tensor<?x256xf16>
}

// -----

// 100 condensed rows: not a multiple of any block tile (the smallest is 16).
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

func.func @rows_not_multiple_of_tile(%v: tensor<100x256xbf16>, %m: tensor<100x32xi16>,
    %ri: tensor<4x100xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x200xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<100x256xbf16>, tensor<100x32xi16>,
         tensor<4x100xi8> -> !samoyeds.packed<200x512xbf16, #fmt>
  %d2c0_6 = arith.constant 0 : index
  %d2d1_6 = tensor.dim %l, %d2c0_6 : tensor<?xi32>
  %init6 = tensor.empty(%d2d1_6) : tensor<?x200xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: the condensed rows (100) must be a multiple of the block tile (16); choose warp-m/warps-m to divide it}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init6 : tensor<?x200xbf16>) {gather} : !samoyeds.packed<200x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x200xbf16>
  return %r : tensor<?x200xbf16>
}

// -----

// silu_mul: 200 condensed rows, 100 per half: not a multiple of any half
// block tile (the smallest is 16 = warp-m 32 / 2).
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

func.func @silu_rows_not_multiple_of_tile(%v: tensor<200x256xbf16>, %m: tensor<200x32xi16>,
    %ri: tensor<4x200xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x200xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<200x256xbf16>, tensor<200x32xi16>,
         tensor<4x200xi8> -> !samoyeds.packed<400x512xbf16, #fmt>
  %d2c0_7 = arith.constant 0 : index
  %d2d1_7 = tensor.dim %l, %d2c0_7 : tensor<?xi32>
  %init7 = tensor.empty(%d2d1_7) : tensor<?x200xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: half the condensed rows (100) must be a multiple of the block tile (16); choose warp-m/warps-m to divide it}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init7 : tensor<?x200xbf16>) {gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<400x512xbf16, #fmt>, tensor<?x512xbf16>, tensor<?xi32>
         -> tensor<?x200xbf16>
  return %r : tensor<?x200xbf16>
}

// -----

// silu_mul: R/2 = 130 rows; a 1:4 row group would straddle gate and up.
#fmt14 = #samoyeds.format<n = 1, m = 4, v = 128>

func.func @silu_half_not_multiple_of_m(%v: tensor<65x256xbf16>, %m: tensor<65x32xi16>,
    %ri: tensor<4x65xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x130xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<65x256xbf16>, tensor<65x32xi16>,
         tensor<4x65xi8> -> !samoyeds.packed<260x512xbf16, #fmt14>
  %d2c0_8 = arith.constant 0 : index
  %d2d1_8 = tensor.dim %l, %d2c0_8 : tensor<?xi32>
  %init8 = tensor.empty(%d2d1_8) : tensor<?x130xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: silu_mul needs R/2 (130) to be a multiple of M (4)}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init8 : tensor<?x130xbf16>) {gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<260x512xbf16, #fmt14>, tensor<?x512xbf16>, tensor<?xi32>
         -> tensor<?x130xbf16>
  return %r : tensor<?x130xbf16>
}

// -----

// 1:16 needs 16 * 16 * 32 / 32 = 256 accumulator floats even with the
// smallest warp tile the default tiling tries.
#fmt116 = #samoyeds.format<n = 1, m = 16, v = 128>

func.func @too_many_accumulators(%v: tensor<16x256xbf16>, %m: tensor<16x32xi16>,
    %ri: tensor<4x16xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<16x256xbf16>, tensor<16x32xi16>,
         tensor<4x16xi8> -> !samoyeds.packed<256x512xbf16, #fmt116>
  %d2c0_9 = arith.constant 0 : index
  %d2d1_9 = tensor.dim %l, %d2c0_9 : tensor<?xi32>
  %init9 = tensor.empty(%d2d1_9) : tensor<?x256xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: the accumulators need 256 registers per thread (M * warp-m * warp-n / 32, at most 200); use a smaller warp tile}}
  %r = samoyeds.ssmm %w, %x, %l outs(%init9 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt116>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

// The first failing ssmm stops the pass; an earlier valid one has been
// lowered, a later one is not looked at.
#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

func.func @second_op_fails(%v: tensor<128x256xbf16>, %m: tensor<128x32xi16>,
    %ri: tensor<4x128xi8>, %x: tensor<?x512xbf16>, %l: tensor<?xi32>)
    -> (tensor<?x256xbf16>, tensor<?x256xf64>) {
  %w = samoyeds.assemble %v, %m, %ri : tensor<128x256xbf16>, tensor<128x32xi16>,
         tensor<4x128xi8> -> !samoyeds.packed<256x512xbf16, #fmt>
  %d2c0_10 = arith.constant 0 : index
  %d2d1_10 = tensor.dim %l, %d2c0_10 : tensor<?xi32>
  %init10 = tensor.empty(%d2d1_10) : tensor<?x256xbf16>
  %a = samoyeds.ssmm %w, %x, %l outs(%init10 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  %d2c0_11 = arith.constant 0 : index
  %d2d1_11 = tensor.dim %l, %d2c0_11 : tensor<?xi32>
  %init11 = tensor.empty(%d2d1_11) : tensor<?x256xf64>
  // expected-error @+1 {{result element type must be f32, f16 or bf16, got 'f64'}}
  %b = samoyeds.ssmm %w, %x, %l outs(%init11 : tensor<?x256xf64>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xf64>
  return %a, %b : tensor<?x256xbf16>, tensor<?x256xf64>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// The list comes from a dispatch padded to 32 entries per expert, but the
// kernel's token tile is 32 x 2 = 64: a block would span two experts. Without
// samoyeds-select-kernel-config (which sets the tile) this is a diagnostic,
// no longer NaN rows at run time.
func.func @dispatch_tile_too_small(%v: tensor<4x128x256xbf16>, %m: tensor<4x128x32xi16>,
    %ri: tensor<4x4x128xi8>, %x: tensor<?x512xbf16>, %ids: tensor<?x2xi32>) -> tensor<?x256xbf16> {
  %w = samoyeds.assemble %v, %m, %ri : tensor<4x128x256xbf16>, tensor<4x128x32xi16>,
         tensor<4x4x128xi8> -> !samoyeds.packed<4x256x512xbf16, #fmt>
  %d2c0_12 = arith.constant 0 : index
  %d2d1_12 = tensor.dim %ids, %d2c0_12 : tensor<?x2xi32>
  %d2c2_12 = arith.constant 2 : index
  %d2m_12 = arith.muli %d2d1_12, %d2c2_12 : index
  %d2c124_12 = arith.constant 124 : index
  %d2l_12 = arith.addi %d2m_12, %d2c124_12 : index
  %init12_0 = tensor.empty(%d2l_12) : tensor<?xi32>
  %init12_1 = tensor.empty() : tensor<5xi32>
  %list, %off = samoyeds.dispatch %ids outs(%init12_0, %init12_1 : tensor<?xi32>, tensor<5xi32>) {num_experts = 4, tile = 32} : tensor<?x2xi32> -> tensor<?xi32>, tensor<5xi32>
  %d2c0_13 = arith.constant 0 : index
  %d2d1_13 = tensor.dim %list, %d2c0_13 : tensor<?xi32>
  %init13 = tensor.empty(%d2d1_13) : tensor<?x256xbf16>
  // expected-error @+1 {{'samoyeds.ssmm' op GPU lowering: the dispatch tile (32) is not a multiple of the kernel's token tile (64); run samoyeds-select-kernel-config, which sets it}}
  %r = samoyeds.ssmm %w, %x, %list offsets(%off : tensor<5xi32>) outs(%init13 : tensor<?x256xbf16>) {top_k = 2, gather}
         : !samoyeds.packed<4x256x512xbf16, #fmt>, tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}
