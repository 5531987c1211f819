// Range checks of #samoyeds.kernel_config (K1), one case per message.
// RUN: samoyeds-opt %s -split-input-file -verify-diagnostics
// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: warp_m (0) and warp_n (32) must be in [1, 256]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 0, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64>

// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: warps_m (2) and warps_n (4611686018427387904) must be in [1, 32]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 4611686018427387904, stages = 4, block_k = 64>

// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: stages (1) must be in [2, 16]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 1, block_k = 64>

// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: block_k (48) must be 32, 64 or 128}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 48>

// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: split_k (0) must be in [1, 64]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, split_k = 0>

// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: decode_tile (12) must be 0 or a multiple of 8 in [8, 256]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, decode_tile = 12>
func.func private @f() attributes {c = #c}

// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: decode_tile (264) must be 0 or a multiple of 8 in [8, 256]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, decode_tile = 264>
func.func private @f() attributes {c = #c}


// -----

// expected-error @+1 {{(K1) invalid #samoyeds.kernel_config: stream_tokens (9) must be in [0, 8]}}
#c = #samoyeds.kernel_config<family = mma_sp, warp_m = 64, warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64, stream_tokens = 9>
func.func private @f() attributes {c = #c}
