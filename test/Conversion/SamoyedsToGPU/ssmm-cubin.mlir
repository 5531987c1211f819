// format=bin: gpu-module-to-binary runs ptxas and embeds a cubin (an ELF of
// machine EM_CUDA = 0xBE) for the chip; sm_80 and sm_90a cubins differ in the
// ELF header's e_flags, whose second byte is the SM number (0x50 = 'P' for 80,
// 0x5A = 'Z' for 90). The ELF bytes are printed escaped (\XX, \\ or one
// printable character per byte), so the checks count bytes up to the machine
// field (offset 18) and to e_flags (offset 48).
// REQUIRES: ptxas
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_80 format=bin" | FileCheck %s --check-prefixes=CHECK,SM80

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// CHECK-LABEL: gpu.binary @samoyeds_kernels
// SM90-SAME: [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx85">
// SM80-SAME: [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx85">
// CHECK-NOT: assembly =
// SM90-SAME: bin = "\7FELF\02\01\01{{((\\\\|\\[0-9A-F]{2}|[^\\]){11})}}\BE\00{{((\\\\|\\[0-9A-F]{2}|[^\\]){28})}}\04Z\00\06
// SM80-SAME: bin = "\7FELF\02\01\01{{((\\\\|\\[0-9A-F]{2}|[^\\]){11})}}\BE\00{{((\\\\|\\[0-9A-F]{2}|[^\\]){28})}}\04P\00\06
// CHECK-SAME: .text.ssmm_256_512_f16_n1m2v128_gather_k1_of16_t64x32x2x2s4k64\00
func.func @f16(%w: !samoyeds.packed<256x512xf16, #fmt>, %x: tensor<?x512xf16>,
    %l: tensor<?xi32>) -> tensor<?x256xf16> {
  %d2c0_1 = arith.constant 0 : index
  %d2d1_1 = tensor.dim %l, %d2c0_1 : tensor<?xi32>
  %init1 = tensor.empty(%d2d1_1) : tensor<?x256xf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init1 : tensor<?x256xf16>) {gather} : !samoyeds.packed<256x512xf16, #fmt>,
         tensor<?x512xf16>, tensor<?xi32> -> tensor<?x256xf16>
  return %r : tensor<?x256xf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// bf16 (8 experts, scale, f32 result): on sm_90a ptxas accepts the
// ordered-metadata mma.sp of PTX 8.5.
// CHECK-LABEL: gpu.binary @samoyeds_kernels
// SM90-SAME: chip = "sm_90a"
// SM80-SAME: chip = "sm_80"
// CHECK-NOT: assembly =
// SM90-SAME: bin = "\7FELF\02\01\01{{((\\\\|\\[0-9A-F]{2}|[^\\]){11})}}\BE\00{{((\\\\|\\[0-9A-F]{2}|[^\\]){28})}}\04Z\00\06
// SM80-SAME: bin = "\7FELF\02\01\01{{((\\\\|\\[0-9A-F]{2}|[^\\]){11})}}\BE\00{{((\\\\|\\[0-9A-F]{2}|[^\\]){28})}}\04P\00\06
// CHECK-SAME: .text.ssmm_8_256_256_bf16_n1m2v128_gather_k2_scale_of32_t64x32x2x2s4k64\00
func.func @bf16_experts(%w: !samoyeds.packed<8x256x256xbf16, #fmt>, %x: tensor<?x256xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>, %s: tensor<?x2xf32>) -> tensor<?x256xf32> {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x256xf32>
  %r = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<9xi32>) scale(%s : tensor<?x2xf32>) outs(%init2 : tensor<?x256xf32>)
         {top_k = 2, gather} : !samoyeds.packed<8x256x256xbf16, #fmt>, tensor<?x256xbf16>,
         tensor<?xi32> -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// silu_mul assembles without libdevice (its exponential is inline PTX).
// CHECK-LABEL: gpu.binary @samoyeds_kernels
// CHECK-NOT: assembly =
// SM90-SAME: bin = "\7FELF\02\01\01{{((\\\\|\\[0-9A-F]{2}|[^\\]){11})}}\BE\00{{((\\\\|\\[0-9A-F]{2}|[^\\]){28})}}\04Z\00\06
// SM80-SAME: bin = "\7FELF\02\01\01{{((\\\\|\\[0-9A-F]{2}|[^\\]){11})}}\BE\00{{((\\\\|\\[0-9A-F]{2}|[^\\]){28})}}\04P\00\06
// CHECK-SAME: .text.ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64\00
func.func @bf16_silu(%w: !samoyeds.packed<8x512x256xbf16, #fmt>, %x: tensor<?x256xbf16>,
    %l: tensor<?xi32>, %off: tensor<9xi32>) -> tensor<?x256xbf16> {
  %d2c0_3 = arith.constant 0 : index
  %d2d1_3 = tensor.dim %l, %d2c0_3 : tensor<?xi32>
  %init3 = tensor.empty(%d2d1_3) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l offsets(%off : tensor<9xi32>) outs(%init3 : tensor<?x256xbf16>)
         {top_k = 2, gather, epilogue = #samoyeds.epilogue<silu_mul>}
         : !samoyeds.packed<8x512x256xbf16, #fmt>, tensor<?x256xbf16>, tensor<?xi32>
         -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}
