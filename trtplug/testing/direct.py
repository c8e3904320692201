"""Runs test cases through a built library's C API on a GPU (no TensorRT, no Numba)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..dtypes import NUMPY_DTYPES
from ..runtime import Library
from .cases import Case, compare, counted_part
from .device import Device


@dataclass
class CaseResult:
    case: Case
    ok: bool
    max_error: float
    message: str
    milliseconds: float


def run_case(device: Device, library: Library, case: Case, stream: int, *, timing_runs: int = 0,
             tactic: int = 0) -> CaseResult:
    """Runs `case` with the plugin's tactic `tactic` (an index into Library.tactics; 0 the default)."""
    instance = library.instance(case.plugin, **case.attributes)
    if tactic:
        instance.set_tactic(tactic)
    variant = instance.variant(case.combo)
    if variant < 0:
        return CaseResult(case, False, float("inf"), f"library has no variant for {case.combo}", 0.0)
    n_in = instance.n_inputs
    out_shapes = instance.output_shapes(case.input_shapes)
    in_ptrs = [device.upload(x) for x in case.inputs]
    out_dtypes = [NUMPY_DTYPES[d] for d in case.combo[n_in:]]
    out_ptrs = []
    for shape, dtype in zip(out_shapes, out_dtypes):
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        ptr = device.alloc(nbytes)
        device.fill(ptr, nbytes)  # poison: a kernel that skips elements shows up as NaN/garbage
        out_ptrs.append(ptr)
    ws_bytes = instance.workspace_size(variant, case.input_shapes)
    ws = device.alloc(ws_bytes) if ws_bytes else 0
    try:
        instance.enqueue(variant, case.input_shapes, in_ptrs, out_shapes, out_ptrs, ws, ws_bytes, stream)
        device.synchronize(stream)
        elapsed = 0.0
        if timing_runs:
            start = time.perf_counter()
            for _ in range(timing_runs):
                instance.enqueue(variant, case.input_shapes, in_ptrs, out_shapes, out_ptrs, ws, ws_bytes, stream)
            device.synchronize(stream)
            elapsed = (time.perf_counter() - start) * 1e3 / timing_runs
        outputs = [device.download(p, s, d) for p, s, d in zip(out_ptrs, out_shapes, out_dtypes)]
    finally:
        for p in in_ptrs + out_ptrs + ([ws] if ws else []):
            device.free(p)
    if case.references is None:
        return CaseResult(case, True, 0.0, "ran (no reference)", elapsed)
    worst, messages, ok = 0.0, [], True
    for j, expected in enumerate(case.references):
        actual, problem = counted_part(outputs, j, case.counted_by)
        if problem:
            ok, worst = False, float("inf")
            messages.append(f"output {j}: {problem}")
            continue
        good, err, msg = compare(actual, expected, case.tolerance[j])
        ok &= good
        worst = max(worst, err)
        if not good:
            messages.append(f"output {j}: {msg}")
    return CaseResult(case, ok, worst, "; ".join(messages) or "ok", elapsed)
