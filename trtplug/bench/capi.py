"""Times a built plugin on the GPU through the library's C API (the first column of `trtplug bench`).

    trtplug bench build/libmish_plugins.so --plugin Mish --shape 67108864 --dtype float32

Reports the time per enqueue (CUDA events around N back-to-back launches on one stream) and the
memory bandwidth it implies (bytes of all inputs and outputs per launch).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..dtypes import NUMPY_DTYPES
from ..errors import TrtPlugError
from ..runtime import Library
from ..testing.device import Device, driver_call


@dataclass
class BenchResult:
    plugin: str
    dtypes: tuple[str, ...]
    input_shapes: list
    microseconds_per_launch: float
    host_microseconds_per_launch: float
    bytes_per_launch: int

    @property
    def gb_per_s(self) -> float:
        return self.bytes_per_launch / (self.microseconds_per_launch * 1e-6) / 1e9


def time_plugin(device: Device, library: Library, plugin: str, input_shapes, dtypes, *, iterations: int = 200,
                warmup: int = 20, attributes: dict | None = None) -> BenchResult:
    unknown = sorted(set(dtypes) - set(NUMPY_DTYPES))
    if unknown:
        raise TrtPlugError(f"{plugin}: unknown dtype(s) {unknown}; use one of {sorted(NUMPY_DTYPES)}")
    inst = library.instance(plugin, **(attributes or {}))
    variant = inst.variant(dtypes)
    if variant < 0:
        raise TrtPlugError(f"{plugin} has no variant for dtypes {dtypes}; `trtplug inspect {library.path}` lists them")
    out_shapes = inst.output_shapes(input_shapes)
    rng = np.random.default_rng(0)
    n_in = len(input_shapes)
    inputs = [rng.standard_normal(s, dtype=np.float32).astype(NUMPY_DTYPES[d]) for s, d in zip(input_shapes, dtypes)]
    in_ptrs = [device.upload(x) for x in inputs]
    out_bytes = [int(np.prod(s, dtype=np.int64)) * np.dtype(NUMPY_DTYPES[d]).itemsize
                 for s, d in zip(out_shapes, dtypes[n_in:])]
    out_ptrs = [device.alloc(b) for b in out_bytes]
    ws_bytes = inst.workspace_size(variant, input_shapes)
    ws = device.alloc(ws_bytes) if ws_bytes else 0
    stream = device.stream()
    d = device.driver
    start_event = driver_call(d.cuEventCreate(0), "cuEventCreate")
    stop_event = driver_call(d.cuEventCreate(0), "cuEventCreate")
    try:
        def launch():
            inst.enqueue(variant, input_shapes, in_ptrs, out_shapes, out_ptrs, ws, ws_bytes, stream)

        for _ in range(warmup):
            launch()
        device.synchronize(stream)
        driver_call(d.cuEventRecord(start_event, d.CUstream(stream)), "cuEventRecord")
        host_start = time.perf_counter()
        for _ in range(iterations):
            launch()
        host_elapsed = time.perf_counter() - host_start
        driver_call(d.cuEventRecord(stop_event, d.CUstream(stream)), "cuEventRecord")
        driver_call(d.cuEventSynchronize(stop_event), "cuEventSynchronize")
        ms = driver_call(d.cuEventElapsedTime(start_event, stop_event), "cuEventElapsedTime")
    finally:
        device.synchronize(stream)
        for p in in_ptrs + out_ptrs + ([ws] if ws else []):
            device.free(p)
        device.destroy_stream(stream)
    total_bytes = sum(x.nbytes for x in inputs) + sum(out_bytes)
    return BenchResult(plugin, tuple(dtypes), list(input_shapes), ms * 1e3 / iterations,
                       host_elapsed * 1e6 / iterations, total_bytes)
