"""Mish through trtplug (Numba kernel compiled ahead of time, launched by the native core) side by
side with the same math as a CuPy ElementwiseKernel (CUDA C++ compiled by NVRTC) and, where Numba
imports, the same Numba kernel launched from Python.

    g++ -O2 -std=c++17 benchmarks/native_launch.cpp -o native_launch -ldl      # where you build
    python benchmarks/mish_vs_cupy.py LIBDIR ./native_launch   # LIBDIR holds mish/libmish_plugins.so

trtplug is timed from C++ (benchmarks/native_launch.cpp calling the library's C API, as TensorRT's
enqueue would) and, for reference, from Python through ctypes. Prints one markdown table; ratios
are trtplug time / other time (below 1: trtplug is faster).
"""
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trtplug.bench import time_plugin  # noqa: E402
from trtplug.runtime import Library  # noqa: E402
from trtplug.testing.device import Device  # noqa: E402

SIZES = [4096, 1 << 20, 64 << 20]
ITERATIONS = {4096: 2000, 1 << 20: 500, 64 << 20: 50}

CUPY_MISH = r"""
    float v = (float)x;
    float sp = v > 20.0f ? v + log1pf(expf(-v)) : log1pf(expf(v));
    y = (T)(v * tanhf(sp));
"""


def time_cupy(n, dtype, iterations):
    import cupy as cp

    kernel = cp.ElementwiseKernel("T x", "T y", CUPY_MISH, "mish_cupy")
    x = cp.asarray(np.random.default_rng(0).standard_normal(n, dtype=np.float32).astype(dtype))
    y = cp.empty_like(x)
    for _ in range(10):
        kernel(x, y)
    cp.cuda.Device().synchronize()
    start, stop = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    host = time.perf_counter()
    for _ in range(iterations):
        kernel(x, y)
    host = time.perf_counter() - host
    stop.record()
    stop.synchronize()
    return cp.cuda.get_elapsed_time(start, stop) * 1e3 / iterations, host * 1e6 / iterations


def time_numba(n, dtype, iterations):
    if not hasattr(np, "row_stack"):  # numba-cuda 0.30 still refers to it; removed in numpy 2.5
        np.row_stack = np.vstack
    from numba import cuda
    sys.path.insert(0, str(ROOT / "kernels"))
    import mish

    x = cuda.to_device(np.random.default_rng(0).standard_normal(n, dtype=np.float32).astype(dtype))
    y = cuda.device_array_like(x)
    from trtplug.blocks import ELEMENTWISE_THREADS, MAX_BLOCKS
    from trtplug.blocks.elementwise import STEP
    blocks = min(-(-n // (ELEMENTWISE_THREADS * STEP)), MAX_BLOCKS)
    for _ in range(10):
        mish.mish_kernel[blocks, ELEMENTWISE_THREADS](x, y)
    cuda.synchronize()
    start, stop = cuda.event(), cuda.event()
    start.record()
    host = time.perf_counter()
    for _ in range(iterations):
        mish.mish_kernel[blocks, ELEMENTWISE_THREADS](x, y)
    host = time.perf_counter() - host
    stop.record()
    stop.synchronize()
    return cuda.event_elapsed_time(start, stop) * 1e3 / iterations, host * 1e6 / iterations


def time_native(binary, library, n, dtype, iterations):
    """(GPU us, host us) of trtplug_enqueue from C++, and host us of a bare cuLaunchKernel of the same cubin."""
    lines = subprocess.run([str(binary), str(library), "Mish", dtype, str(n), str(iterations)], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    enqueue = lines[0].split()
    bare = next((line.split() for line in lines[1:] if line.startswith("bare ")), None)
    return float(enqueue[1]), float(enqueue[2]), float(bare[3]) if bare else float("nan")


def main(libdir, native_binary):
    device = Device()
    library_file = Path(libdir) / "mish" / "libmish_plugins.so"
    library = Library(library_file)
    import cupy
    print(f"device: {device.name} (sm_{device.sm}), CUDA driver {device.driver_version}; "
          f"python {platform.python_version()}, numpy {np.__version__}, cupy {cupy.__version__}")
    print("| dtype | elements | trtplug from C++: us/launch (GPU) | host us/enqueue | GB/s | CuPy us (GPU) "
          "| CuPy host us | trtplug/CuPy (GPU) | trtplug via ctypes host us | Numba-from-Python host us "
          "| trtplug C++ / Numba (host) | bare cuLaunchKernel host us | trtplug / bare (host) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for dtype in ("float32", "float16"):
        for n in SIZES:
            it = ITERATIONS[n]
            native_gpu, native_host, bare_host = time_native(native_binary, library_file, n, dtype, it)
            device.make_current()
            r = time_plugin(device, library, "Mish", [(n,)], (dtype, dtype), iterations=it)
            cupy_gpu, cupy_host = time_cupy(n, np.dtype(dtype), it)
            try:
                device.make_current()
                _, numba_host = time_numba(n, np.dtype(dtype), it)
                numba_cells = f"{numba_host:.2f} | {native_host / numba_host:.3f}"
            except Exception as exc:  # Numba may not import on the GPU machine
                numba_cells = f"n/a ({type(exc).__name__}) | n/a"
            gbps = 2 * n * np.dtype(dtype).itemsize / (native_gpu * 1e-6) / 1e9
            print(f"| {dtype} | {n} | {native_gpu:.2f} | {native_host:.2f} | {gbps:.0f} | {cupy_gpu:.2f} | "
                  f"{cupy_host:.2f} | {native_gpu / cupy_gpu:.3f} | {r.host_microseconds_per_launch:.2f} | "
                  f"{numba_cells} | {bare_host:.2f} | {native_host / bare_host:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
