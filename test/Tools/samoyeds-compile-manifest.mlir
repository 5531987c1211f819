// samoyeds-compile writes a JSON manifest of each public entry point: its
// arguments in order, from the func.func types after the out-parameter
// rewrite (packed weights expanded to values/meta/rowidx, the two results
// appended as out-parameters), and the kernels of each kernel module, whose
// PTX (from the NVVM target's ISA callback) and cubin it writes.
// REQUIRES: ptxas
// RUN: rm -rf %t && samoyeds-compile %s -o %t --no-shared | FileCheck %s --check-prefix=LOG
// RUN: FileCheck %s --input-file=%t/samoyeds-compile-manifest.manifest.json
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t/samoyeds-compile-manifest.samoyeds_kernels.ptx
// RUN: test -s %t/samoyeds-compile-manifest.samoyeds_kernels.cubin
// RUN: test -s %t/samoyeds-compile-manifest.host.o && test ! -e %t/samoyeds-compile-manifest.so
// RUN: samoyeds-compile %s -o %t/split --pipeline-options "split-k=1 stages=3" --no-shared
// RUN: FileCheck %s --check-prefix=OPTS --input-file=%t/split/samoyeds-compile-manifest.manifest.json

// LOG: samoyeds-compile: wrote 3 kernel module(s) and host code for 1 function(s)

// CHECK:      "format": "samoyeds-compile manifest 1",
// CHECK-NEXT: "chip": "sm_90a",
// CHECK-NEXT: "pipeline_options": "",
// CHECK-NEXT: "functions": [
// CHECK-NEXT:  {
// CHECK-NEXT:   "name": "moe_layer",
// CHECK-NEXT:   "entry": "_mlir_ciface_moe_layer",
// CHECK-NEXT:   "inputs": 8,
// CHECK-NEXT:   "outputs": 2,
// CHECK-NEXT:   "arguments": [
// CHECK-NEXT: {"kind":"input","type":"memref<?x128xbf16>","rank":2,"shape":[null,128],"element_type":"bf16","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x128xbf16>","rank":2,"shape":[4,128],"element_type":"bf16","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x64x64xbf16>","rank":3,"shape":[4,64,64],"element_type":"bf16","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x64x8xi16>","rank":3,"shape":[4,64,8],"element_type":"i16","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x2x64xi8>","rank":3,"shape":[4,2,64],"element_type":"i8","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x64x32xbf16>","rank":3,"shape":[4,64,32],"element_type":"bf16","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x64x4xi16>","rank":3,"shape":[4,64,4],"element_type":"i16","identity_layout":true},
// CHECK-NEXT: {"kind":"input","type":"memref<4x1x64xi8>","rank":3,"shape":[4,1,64],"element_type":"i8","identity_layout":true},
// CHECK-NEXT: {"kind":"out","type":"memref<?x128xbf16>","rank":2,"shape":[null,128],"element_type":"bf16","identity_layout":true},
// CHECK-NEXT: {"kind":"out","type":"memref<4xi64>","rank":1,"shape":[4],"element_type":"i64","identity_layout":true}
// CHECK-NEXT:   ]
// CHECK-NEXT:  }
// CHECK-NEXT: ],
// CHECK-NEXT: "kernel_modules": [
// CHECK:        "name": "samoyeds_kernels",
// CHECK-NEXT:   "ptx": "samoyeds-compile-manifest.samoyeds_kernels.ptx",
// CHECK-NEXT:   "cubin": "samoyeds-compile-manifest.samoyeds_kernels.cubin",
// CHECK-NEXT:   "kernels": [
// CHECK-NEXT:    "ssmm_4_128_128_bf16_n1m2v64_gather_k2_silu_obf16_
// CHECK:         "dispatch_e4_t{{[0-9]+}}_k2_scan_counts_i64",
// CHECK:         "combine_gather_h128_k2_wf32_rf32_of32"
// CHECK-NEXT:   ]

// PTX: .target sm_90a
// PTX: .visible .entry ssmm_4_128_128_bf16_n1m2v64_gather_k2_silu_obf16_

// OPTS: "pipeline_options": "split-k=1 stages=3",
// OPTS: "ssmm_4_128_128_bf16_n1m2v64_gather_k2_silu_obf16_t{{[0-9x]+}}s3

module {
  func.func @moe_layer(
    %x: tensor<?x128xbf16>,
    %gate: tensor<4x128xbf16>,
    %w13: !samoyeds.packed<4x128x128xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>,
    %w2: !samoyeds.packed<4x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>)
      -> (tensor<?x128xbf16>, tensor<4xi64>) {
    %y, %counts = samoyeds.moe %x, %gate, %w13, %w2
      {top_k = 2, renormalize, tile = 16}
      : tensor<?x128xbf16>, tensor<4x128xbf16>,
        !samoyeds.packed<4x128x128xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>,
        !samoyeds.packed<4x128x64xbf16, #samoyeds.format<n = 1, m = 2, v = 64>>
      -> tensor<?x128xbf16>, tensor<4xi64>
    return %y, %counts : tensor<?x128xbf16>, tensor<4xi64>
  }
}
