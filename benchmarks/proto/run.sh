#!/usr/bin/env bash
# The stream-kernel prototype's device run (docs/kernel.md section 16): timings,
# then ncu of the W13 and W2 T=1 kernels. Build it here first (no MLIR: CUDA C):
#   nvcc -O3 -arch=sm_90a -std=c++17 -o build-device/proto/stream_proto benchmarks/proto/stream_proto.cu
# then carry build-device/proto and run `bash benchmarks/proto/run.sh` there.
set -u
B=build-device/proto/stream_proto
$B > $OUT/proto.txt 2>&1
for spec in "5 w13" "155 w2"; do
  set -- $spec
  ncu --clock-control none -k regex:stream_kernel --launch-skip $1 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    --section WarpStateStats --section SchedulerStats $B > $OUT/ncu_$2.txt 2>&1
  grep -E "Duration|DRAM Throughput|Memory Throughput|L1/TEX Hit|L2 Hit|Achieved Occupancy|Registers Per|Issued Warp|Stall|Grid Size|Warp Cycles Per Issued|No Eligible|Mem Busy|Max Bandwidth" $OUT/ncu_$2.txt | head -30
done
cat $OUT/proto.txt
