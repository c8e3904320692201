"""trtplug's block-built plugins side by side with Triton, PyTorch eager and a device-to-device copy.

    python tests/gpu_artifacts.py LIBDIR                                  # where Numba works: builds the libraries
    python benchmarks/kernels_vs_baselines.py LIBDIR [--json out.json]   # on the GPU machine (no Numba needed)

Each trtplug plugin runs from its prebuilt library through the C API (trtplug.runtime) on
torch's stream and torch's memory. Every implementation is timed with CUDA events around
ITERATIONS back-to-back launches, REPEATS times; the table gives the median and the spread
(min-max) of those repeats, the bandwidth implied by the bytes each op must read and write, that
bandwidth as a share of a device-to-device copy moving the same bytes, and trtplug's time
divided by Triton's and torch's (below 1: trtplug is faster). Elementwise ops run on 64M
elements; LayerNorm and Softmax on 64M elements as rows of 768, 4096 and 16384.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
import triton

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from gpu_artifacts import library_path  # noqa: E402
from trtplug.bench.references import (elementwise_triton, hard_swish_triton, layer_norm_triton,  # noqa: E402
                                      mish_triton, rows_triton, scaled_add_triton, softmax_triton)
from trtplug.runtime import Library  # noqa: E402

ELEMENTS = 1 << 26
ROW_LENGTHS = [768, 4096, 16384]
REPEATS = 7
ITERATIONS = 20
ALPHA = 0.5
EPSILON = 1e-5
DTYPES = {"float32": torch.float32, "float16": torch.float16}


# -- timing ------------------------------------------------------------------------------------------

def time_it(run):
    """(median, min, max) microseconds per launch over REPEATS runs of ITERATIONS launches."""
    for _ in range(3):
        run()
    torch.cuda.synchronize()
    samples = []
    for _ in range(REPEATS):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(ITERATIONS):
            run()
        stop.record()
        stop.synchronize()
        samples.append(start.elapsed_time(stop) * 1e3 / ITERATIONS)
    return statistics.median(samples), min(samples), max(samples)


def trtplug_launcher(libdir, plugin_file, plugin, inputs, outputs, **attributes):
    library = Library(library_path(libdir, ROOT / "kernels" / plugin_file))
    instance = library.instance(plugin, **attributes)
    dtypes = [str(t.dtype).replace("torch.", "") for t in inputs + outputs]
    variant = instance.variant(dtypes)
    if variant < 0:
        raise SystemExit(f"{plugin}: the library has no variant for {dtypes}")
    in_shapes = [tuple(t.shape) for t in inputs]
    out_shapes = [tuple(t.shape) for t in outputs]
    in_ptrs = [t.data_ptr() for t in inputs]
    out_ptrs = [t.data_ptr() for t in outputs]

    def run():
        instance.enqueue(variant, in_shapes, in_ptrs, out_shapes, out_ptrs,
                         stream=torch.cuda.current_stream().cuda_stream)
    return run


def copy_bandwidth(nbytes):
    """GB/s of a device-to-device copy that reads and writes `nbytes` in total."""
    src = torch.empty(nbytes // 2, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    median, _, _ = time_it(lambda: dst.copy_(src))
    return nbytes / (median * 1e-6) / 1e9


# -- the ops ----------------------------------------------------------------------------------------

def elementwise_ops(libdir, dtype):
    g = torch.Generator(device="cuda").manual_seed(0)
    x = torch.randn(ELEMENTS, device="cuda", dtype=dtype, generator=g) * 3
    b = torch.randn(ELEMENTS, device="cuda", dtype=dtype, generator=g)
    y = torch.empty_like(x)
    n = ELEMENTS
    yield ("Mish", (n,), 2 * x.nbytes, {
        "trtplug": trtplug_launcher(libdir, "mish.py", "Mish", [x], [y]),
        "triton": elementwise_triton(mish_triton, n, x, y),
        "torch": lambda: F.mish(x)})
    yield ("HardSwish", (n,), 2 * x.nbytes, {
        "trtplug": trtplug_launcher(libdir, "hard_swish.py", "HardSwish", [x], [y]),
        "triton": elementwise_triton(hard_swish_triton, n, x, y),
        "torch": lambda: F.hardswish(x)})
    x4, b4, y4 = (t.view(64, 64, 128, 128) for t in (x, b, y))
    yield ("ScaledAdd", tuple(x4.shape), 3 * x.nbytes, {
        "trtplug": trtplug_launcher(libdir, "scaled_add.py", "ScaledAdd", [x4, b4], [y4], alpha=ALPHA),
        "triton": elementwise_triton(scaled_add_triton, n, x, b, y, ALPHA),
        "torch": lambda: torch.add(x4, b4, alpha=ALPHA, out=y4)})


def row_ops(libdir, dtype):
    g = torch.Generator(device="cuda").manual_seed(0)
    for cols in ROW_LENGTHS:
        rows = ELEMENTS // cols
        x = torch.randn(rows, cols, device="cuda", dtype=dtype, generator=g) * 3
        w = torch.randn(cols, device="cuda", dtype=dtype, generator=g)
        b = torch.randn(cols, device="cuda", dtype=dtype, generator=g)
        y = torch.empty_like(x)
        yield ("LayerNorm", (rows, cols), 2 * x.nbytes, {
            "trtplug": trtplug_launcher(libdir, "layer_norm.py", "LayerNorm", [x, w, b], [y], epsilon=EPSILON),
            "triton": rows_triton(layer_norm_triton, rows, cols, x, w, b, y, epsilon=EPSILON),
            "torch": lambda x=x, w=w, b=b, cols=cols: F.layer_norm(x, (cols,), w, b, EPSILON)})
        yield ("Softmax", (rows, cols), 2 * x.nbytes, {
            "trtplug": trtplug_launcher(libdir, "softmax.py", "Softmax", [x], [y]),
            "triton": rows_triton(softmax_triton, rows, cols, x, y),
            "torch": lambda x=x: torch.softmax(x, dim=-1)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libdir", help="libraries built by `python tests/gpu_artifacts.py LIBDIR`")
    parser.add_argument("--json", default="kernels_vs_baselines.json", help="where to write the results")
    args = parser.parse_args(argv)
    props = torch.cuda.get_device_properties(0)
    header = (f"device: {props.name}; torch {torch.__version__} (CUDA {torch.version.cuda}), triton "
              f"{triton.__version__}, python {platform.python_version()}; {REPEATS} repeats x {ITERATIONS} launches")
    print(header)
    print("| op | dtype | shape | impl | GPU us (median) | spread us | GB/s | % of copy | trtplug/Triton "
          "| trtplug/torch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = []
    copy_cache = {}
    for dtype_name, dtype in DTYPES.items():
        for op, shape, nbytes, impls in [*elementwise_ops(args.libdir, dtype), *row_ops(args.libdir, dtype)]:
            if nbytes not in copy_cache:
                copy_cache[nbytes] = copy_bandwidth(nbytes)
            copy_gbps = copy_cache[nbytes]
            timed = {name: time_it(run) for name, run in impls.items()}
            ours = timed["trtplug"][0]
            for name, (median, low, high) in timed.items():
                gbps = nbytes / (median * 1e-6) / 1e9
                row = {"op": op, "dtype": dtype_name, "shape": list(shape), "impl": name, "us_median": median,
                       "us_min": low, "us_max": high, "gb_per_s": gbps, "copy_gb_per_s": copy_gbps,
                       "percent_of_copy": 100 * gbps / copy_gbps, "bytes": nbytes}
                results.append(row)
                ratios = (f"{ours / timed['triton'][0]:.2f} | {ours / timed['torch'][0]:.2f}" if name == "trtplug"
                          else "|")
                print(f"| {op} | {dtype_name} | {'x'.join(map(str, shape))} | {name} | {median:.1f} | "
                      f"{low:.1f}-{high:.1f} | {gbps:.0f} | {row['percent_of_copy']:.0f}% | {ratios} |")
            torch.cuda.empty_cache()
    Path(args.json).write_text(json.dumps({"header": header, "results": results}, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
