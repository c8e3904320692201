"""CUDA-event timing of back-to-back launches on one stream, repeated, with host time per launch."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from ..testing.device import driver_call


@dataclass
class Timing:
    """Microseconds per launch, one value per repeat (GPU: CUDA events; host: wall time of the calls)."""
    gpu_us: list[float]
    host_us: list[float] | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.gpu_us)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.gpu_us), max(self.gpu_us)

    @property
    def host_median(self) -> float | None:
        return statistics.median(self.host_us) if self.host_us else None


def time_launches(device, stream: int, launch, *, iterations: int, repeats: int, warmup: int = 3) -> Timing:
    """Runs `launch()` (which enqueues on `stream`) `warmup` times, then `repeats` rounds of `iterations`."""
    d = device.driver
    start = driver_call(d.cuEventCreate(0), "cuEventCreate")
    stop = driver_call(d.cuEventCreate(0), "cuEventCreate")
    handle = d.CUstream(stream)
    gpu, host = [], []
    try:
        for _ in range(warmup):
            launch()
        device.synchronize(stream)
        for _ in range(repeats):
            driver_call(d.cuEventRecord(start, handle), "cuEventRecord")
            t0 = time.perf_counter()
            for _ in range(iterations):
                launch()
            host.append((time.perf_counter() - t0) * 1e6 / iterations)
            driver_call(d.cuEventRecord(stop, handle), "cuEventRecord")
            driver_call(d.cuEventSynchronize(stop), "cuEventSynchronize")
            gpu.append(driver_call(d.cuEventElapsedTime(start, stop), "cuEventElapsedTime") * 1e3 / iterations)
    finally:
        d.cuEventDestroy(start)
        d.cuEventDestroy(stop)
    return Timing(gpu, host)


def copy_launcher(device, stream: int, nbytes: int):
    """A device-to-device copy that reads and writes `nbytes` in total (half each way), and its buffers."""
    half = max(1, nbytes // 2)
    src, dst = device.alloc(half), device.alloc(half)
    d = device.driver

    def launch():
        driver_call(d.cuMemcpyDtoDAsync(d.CUdeviceptr(dst), d.CUdeviceptr(src), half, d.CUstream(stream)),
               "cuMemcpyDtoDAsync")
    return launch, [src, dst]
