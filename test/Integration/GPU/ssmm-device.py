# The compiled ssmm kernel on a real GPU: one sweep variant is compiled with
# samoyeds-compile, run through the runtime on torch tensors and compared with
# a float32 torch reference (test/Integration/GPU/ssmm_check.py --single). Needs a
# CUDA GPU and torch; lit skips it elsewhere (CI has no GPU: the GPU runs and
# their results are in docs/performance.md).
#
# REQUIRES: cuda-gpu
# RUN: rm -rf %t && %python %samoyeds_src/test/Integration/GPU/gen_ssmm.py --build %samoyeds_lib/.. --out %t --only sweep_bf16_1024x1024_n1m2v128
# RUN: python3 %samoyeds_src/test/Integration/GPU/ssmm_check.py --dir %t --single sweep_bf16_1024x1024_n1m2v128 | FileCheck %s
# CHECK: ok {{.*}}sweep_bf16_1024x1024_n1m2v128 T=256
