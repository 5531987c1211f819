"""CUDA-event timing shared by the device checks (test/Integration/GPU/ssmm_check.py,
moe_check.py import it by path) and the benchmarks (needs torch)."""
import statistics


def bench(fn, iters=50, warmup=10):
    """Runs `fn` `warmup` times, then times `iters` runs one by one with CUDA
    events; returns (median, min, max) in microseconds."""
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) * 1000.0)
    return statistics.median(times), min(times), max(times)
