"""Time from dlopen of a library to its first finished enqueue, measured in a fresh process.

    python -m trtplug.bench.startup LIBRARY CASE_JSON [BUFFERS_JSON]    # prints {"ms": ...} on stdout

The CUDA context and the buffers exist before the clock starts (as they do when TensorRT
deserializes an engine); the clock covers dlopen, the instance, the output shapes and workspace
size, the first enqueue (which loads the kernel module its launches need: a cubin, or the PTX
JIT-compiled by the driver) and the stream's end. BUFFERS_JSON ({"outputs": [bytes, ...],
"workspace": bytes}, what `measure` computes in the calling process) lets the output and workspace
buffers be allocated before the clock too; without it they are allocated inside it.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from ..errors import TrtPlugError
from .cases import BenchCase


def buffer_sizes(library, case: BenchCase) -> dict:
    """The output and workspace bytes of `case` (for BUFFERS_JSON), from a loaded runtime.Library."""
    import numpy as np

    from ..dtypes import NUMPY_DTYPES

    instance = library.instance(case.plugin, case.version)
    variant = instance.variant(case.dtypes)
    n_in = len(case.input_shapes)
    outputs = [int(np.prod(s, dtype=np.int64)) * np.dtype(NUMPY_DTYPES[d]).itemsize
               for s, d in zip(instance.output_shapes(case.input_shapes), case.dtypes[n_in:])]
    return {"outputs": outputs, "workspace": instance.workspace_size(variant, case.input_shapes)}


def measure_in_this_process(library_path: str, case: BenchCase, buffers: dict | None = None) -> float:
    import numpy as np

    from ..dtypes import NUMPY_DTYPES
    from ..runtime import Library
    from ..testing.device import Device

    device = Device()
    n_in = len(case.input_shapes)
    sizes = [int(np.prod(s, dtype=np.int64)) * np.dtype(NUMPY_DTYPES[d]).itemsize
             for s, d in zip(case.input_shapes, case.dtypes[:n_in])]
    inputs = [device.alloc(b) for b in sizes]
    for p, b in zip(inputs, sizes):
        device.fill(p, b, 0x3C)
    stream = device.stream()
    preallocated = buffers is not None
    if preallocated:
        outputs = [device.alloc(b) for b in buffers["outputs"]]
        ws = device.alloc(buffers["workspace"]) if buffers["workspace"] else 0
    device.synchronize(stream)
    start = time.perf_counter()
    instance = Library(library_path).instance(case.plugin, case.version)
    variant = instance.variant(case.dtypes)
    out_shapes = instance.output_shapes(case.input_shapes)
    ws_bytes = instance.workspace_size(variant, case.input_shapes)
    if not preallocated:
        outputs = [device.alloc(int(np.prod(s, dtype=np.int64)) * np.dtype(NUMPY_DTYPES[d]).itemsize)
                   for s, d in zip(out_shapes, case.dtypes[n_in:])]
        ws = device.alloc(ws_bytes) if ws_bytes else 0
    instance.enqueue(variant, case.input_shapes, inputs, out_shapes, outputs, ws, ws_bytes, stream)
    device.synchronize(stream)
    return (time.perf_counter() - start) * 1e3


def measure(library_path: Path, case: BenchCase, timeout: float = 300.0) -> float:
    """Milliseconds from dlopen to the first finished enqueue of `case`, in a new Python process
    (its buffers allocated before the clock, sized here)."""
    from ..runtime import Library

    buffers = buffer_sizes(Library(library_path), case)
    command = [sys.executable, "-m", "trtplug.bench.startup", str(library_path), json.dumps(case.to_json()),
               json.dumps(buffers)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TrtPlugError(f"startup of {library_path.name}: no first enqueue within {timeout:.0f} s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise TrtPlugError(f"startup of {library_path.name}: {last}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["ms"])


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (2, 3):
        print("usage: python -m trtplug.bench.startup LIBRARY CASE_JSON [BUFFERS_JSON]", file=sys.stderr)
        return 2
    buffers = json.loads(argv[2]) if len(argv) == 3 else None
    ms = measure_in_this_process(argv[0], BenchCase.from_json(json.loads(argv[1])), buffers)
    print(json.dumps({"ms": ms}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
