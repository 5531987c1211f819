# A whole compiled samoyeds.moe layer (the DeepSeek-MoE preset) on a real GPU
# against a float32 torch reference, bad-input checks and T = 0
# (test/Integration/GPU/moe_check.py). Needs a CUDA GPU and torch.
#
# REQUIRES: cuda-gpu
# RUN: rm -rf %t && mkdir -p %t/lib && cp %samoyeds_lib/libsamoyeds_runtime.so %samoyeds_lib/libsamoyeds_format_c.so %t/lib/
# RUN: %python %samoyeds_src/test/Integration/GPU/moe_check.py --gen --build %samoyeds_lib/.. --out %t
# RUN: python3 %samoyeds_src/test/Integration/GPU/moe_check.py --dir %t --presets deepseek --tokens 16 --skip-perf | FileCheck %s
# CHECK: {{^[0-9]+}} passed, 0 failed
