// The PTX that samoyeds-gpu-pipeline embeds with format=isa: a gpu.binary
// whose `assembly` string holds the PTX, newlines and tabs escaped as \0A and
// \09. Each kernel's PTX is one line and LLVM orders the loop blocks as it
// likes, so every fact has its own FileCheck run over the same output. No
// ptxas is needed to produce PTX (ssmm-cubin.mlir assembles it).
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_90a format=isa split-k=1 decode-tile=1" -o %t
// RUN: FileCheck %s --input-file=%t --check-prefix=HEAD
// RUN: FileCheck %s --input-file=%t --check-prefix=COPY
// RUN: FileCheck %s --input-file=%t --check-prefix=PIPE
// RUN: FileCheck %s --input-file=%t --check-prefix=COMMIT
// RUN: FileCheck %s --input-file=%t --check-prefix=LDM
// RUN: FileCheck %s --input-file=%t --check-prefix=MMA
// RUN: FileCheck %s --input-file=%t --check-prefix=SILU
// RUN: samoyeds-opt %s -split-input-file --samoyeds-gpu-pipeline="chip=sm_80 format=isa split-k=1 decode-tile=1" -o %t.sm80
// RUN: FileCheck %s --input-file=%t.sm80 --check-prefix=SM80

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// HEAD-LABEL: gpu.binary @samoyeds_kernels
// HEAD-SAME: [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx85">
// HEAD-SAME: assembly = "
// HEAD-SAME: .version 8.5\0A.target sm_90a\0A.address_size 64\0A
// HEAD-SAME: .visible .entry ssmm_256_512_f16_n1m2v128_gather_k1_of16_t64x32x2x2s4k64(
// HEAD-SAME: .maxntid 128, 1, 1

// The prologue's first stage: weight values in 16-byte chunks bypassing L1
// (.cg), 8 bytes of metadata (.ca: cp.async.cg only takes 16 bytes), token rows
// in 16-byte chunks with a source size (0 for padding: zero fill).
// COPY-LABEL: gpu.binary @samoyeds_kernels
// COPY-SAME: \09cp.async.cg.shared.global [{{[^]]+}}], [{{[^]]+}}], 16;
// COPY-SAME: \09cp.async.ca.shared.global [{{[^]]+}}], [{{[^]]+}}], 8;
// COPY-SAME: \09cp.async.cg.shared.global [{{[^]]+}}], [{{[^]]+}}], 16, %r{{[0-9]+}};
// COPY-SAME: \09cp.async.commit_group;

// 3 prologue groups + 1 per K step; wait with 2 groups in flight, then the
// block barrier; drain before the epilogue.
// PIPE-LABEL: gpu.binary @samoyeds_kernels
// PIPE-DAG: \09cp.async.wait_group \092;\0A\09bar.sync \090;
// PIPE-DAG: \09cp.async.wait_group \090;
// COMMIT-LABEL: gpu.binary @samoyeds_kernels
// COMMIT-COUNT-4: \09cp.async.commit_group;
// COMMIT-NOT: commit_group

// 4 A (m-tile) and 4 B (n-tile) fragments per k32 step, 2 steps per stage.
// LDM-LABEL: gpu.binary @samoyeds_kernels
// LDM-COUNT-16: \09ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, [%rd{{[0-9]+}}{{(\+[0-9]+)?}}];
// LDM-NOT: ldmatrix

// f16: the inline asm of nvgpu.mma.sp.sync, plain .sp metadata, selector 0;
// 4 m-tiles x 4 n-tiles x 2 k32 steps = 32 per stage.
// MMA-LABEL: gpu.binary @samoyeds_kernels
// MMA-NOT: mma.sp
// MMA-COUNT-32: \09mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32 {%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}}},{%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}}},{%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}}},{%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}}},%r{{[0-9]+}},0x0;
// MMA-NOT: mma.sp

// SM80-LABEL: gpu.binary @samoyeds_kernels
// SM80-SAME: chip = "sm_80", features = "+ptx85"
// SM80-SAME: .version 8.5\0A.target sm_80\0A
// SM80-NOT: ordered_metadata
// SM80-SAME: \09mma.sp.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// SM80-NOT: ordered_metadata
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

// bf16: nvvm.mma.sp.sync -> llvm.nvvm.mma.sp.ordered.metadata on sm_90a (PTX
// 8.5): D, A, B, C, metadata, selector 0.
// HEAD-LABEL: gpu.binary @samoyeds_kernels
// HEAD-SAME: chip = "sm_90a"
// HEAD-SAME: .target sm_90a\0A
// HEAD-SAME: .visible .entry ssmm_256_512_bf16_n1m2v128_gather_k1_obf16_t64x32x2x2s4k64(

// COPY-LABEL: gpu.binary @samoyeds_kernels
// COPY-SAME: \09cp.async.cg.shared.global [{{[^]]+}}], [{{[^]]+}}], 16;

// PIPE-LABEL: gpu.binary @samoyeds_kernels
// PIPE-SAME: \09cp.async.wait_group \092;

// COMMIT-LABEL: gpu.binary @samoyeds_kernels
// COMMIT-COUNT-4: \09cp.async.commit_group;
// COMMIT-NOT: commit_group

// LDM-LABEL: gpu.binary @samoyeds_kernels
// LDM-COUNT-16: \09ldmatrix.sync.aligned.m8n8.x4.shared.b16
// LDM-NOT: ldmatrix

// MMA-LABEL: gpu.binary @samoyeds_kernels
// MMA-NOT: mma.sp
// MMA-COUNT-32: \09mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32\0A\09\09{%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},\0A\09\09{%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},\0A\09\09{%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},\0A\09\09{%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},\0A\09\09%r{{[0-9]+}},\0A\09\090;
// MMA-NOT: mma.sp

// sm_80: the same intrinsic without ordered metadata.
// SM80-LABEL: gpu.binary @samoyeds_kernels
// SM80-SAME: .target sm_80\0A
// SM80-NOT: ordered_metadata
// SM80-SAME: \09mma.sp.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32\0A
// SM80-NOT: ordered_metadata
func.func @bf16(%w: !samoyeds.packed<256x512xbf16, #fmt>, %x: tensor<?x512xbf16>,
    %l: tensor<?xi32>) -> tensor<?x256xbf16> {
  %d2c0_2 = arith.constant 0 : index
  %d2d1_2 = tensor.dim %l, %d2c0_2 : tensor<?xi32>
  %init2 = tensor.empty(%d2d1_2) : tensor<?x256xbf16>
  %r = samoyeds.ssmm %w, %x, %l outs(%init2 : tensor<?x256xbf16>) {gather} : !samoyeds.packed<256x512xbf16, #fmt>,
         tensor<?x512xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  return %r : tensor<?x256xbf16>
}

// -----

#fmt = #samoyeds.format<n = 1, m = 2, v = 128>

// silu_mul: the sigmoid's exponential is an inline ex2.approx.f32 of
// -x * log2(e) (0fBFB8AA3B), so the PTX needs no libdevice (__nv_expf would
// stay an unresolved extern unless the CUDA toolkit is found at compile time).
// (The other prefixes only need this split to end their previous block.)
// COMMIT-LABEL: gpu.binary @samoyeds_kernels
// LDM-LABEL: gpu.binary @samoyeds_kernels
// MMA-LABEL: gpu.binary @samoyeds_kernels
// SILU-LABEL: gpu.binary @samoyeds_kernels
// SILU-LABEL: gpu.binary @samoyeds_kernels
// SILU-LABEL: gpu.binary @samoyeds_kernels
// SILU-SAME: .visible .entry ssmm_8_512_256_bf16_n1m2v128_gather_k2_silu_obf16_t64x32x2x2s4k64(
// SILU-NOT: __nv_
// SILU-SAME: 0fBFB8AA3B;\0A\09// begin inline asm\0A\09ex2.approx.f32 %r{{[0-9]+}}, %r{{[0-9]+}};
// SILU-NOT: __nv_
// SILU-NOT: .extern
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
