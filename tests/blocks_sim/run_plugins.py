"""Runs plugins' own `enqueue` launches under Numba's CUDA simulator and compares with their references.

    NUMBA_ENABLE_CUDASIM=1 python tests/blocks_sim/run_plugins.py [CASE ...]

Each case names a plugin file, a plugin, attribute values and input shapes (small: the simulator
runs every GPU thread as a Python thread). The case's inputs are those `trtplug test` makes
(trtplug.testing.cases, test_ranges included); the launches are the traced ones, their grids,
blocks and arguments evaluated for the case's shapes and attributes as the native core evaluates
them, so what runs is what a library built from the file launches, kernels and all. Prints one
JSON object {case: null | "what differed"}; tests/test_ready_plugins.py runs it in a subprocess.
"""
import json
import sys
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from numba import cuda  # noqa: E402

from trtplug.blocks.memory import SIMULATED  # noqa: E402
from trtplug.dtypes import NUMPY_DTYPES  # noqa: E402
from trtplug.loader import load_specs  # noqa: E402
from trtplug.testing.cases import make_cases  # noqa: E402
from trtplug.trace.tracer import trace  # noqa: E402

SCALAR_TYPES = {"int64": np.int64, "int32": np.int32, "bool": np.bool_, "float32": np.float32,
                "float16": np.float16, "float64": np.float64, "int8": np.int8, "uint8": np.uint8}


def attribute_values(spec, attributes):
    values = {a.name: a.default for a in spec.attrs}
    values.update(attributes)
    return {spec.attr_index(name): (list(v) if isinstance(v, tuple) else v) for name, v in values.items()}


def run_enqueue(spec, traced, case):
    """The outputs of the case's variant, launched as its traced enqueue launches."""
    variant = traced.variants[spec.combinations.index(case.combo)]
    attrs = attribute_values(spec, case.attributes)
    dims = [tuple(s) for s in case.input_shapes]
    out_shapes = [dims[o.like_input] if o.dims is None else tuple(int(d.evaluate(dims, attrs)) for d in o.dims)
                  for o in traced.outputs]
    io = [cuda.to_device(np.ascontiguousarray(x).reshape(-1)) for x in case.inputs]
    for j, shape in enumerate(out_shapes):  # NaN (or -1) where nothing was written
        dtype = NUMPY_DTYPES[case.combo[spec.n_inputs + j]]
        fill = np.nan if np.issubdtype(dtype, np.floating) else -1
        io.append(cuda.to_device(np.full(int(np.prod(shape)), fill, dtype)))
    workspace = [cuda.to_device(np.full(int(np.prod([int(d.evaluate(dims, attrs)) for d in buffer.shape])), np.nan,
                                        NUMPY_DTYPES[buffer.dtype]))
                 for _, buffer in variant.workspace]
    for launch in variant.launches_of(0):
        grid = tuple(int(d.evaluate(dims, attrs)) for d in launch.grid)
        block = tuple(int(d.evaluate(dims, attrs)) for d in launch.block)
        shared = int(launch.shared_bytes.evaluate(dims, attrs))
        if 0 in grid:
            continue
        args = []
        for arg in launch.args:
            if arg.kind in ("tensor", "workspace"):
                flat = io[arg.index] if arg.kind == "tensor" else workspace[arg.index]
                args.append(flat.reshape(tuple(int(d.evaluate(dims, attrs)) for d in arg.view_shape)))
            elif arg.kind == "scalar_expr":
                args.append(SCALAR_TYPES[arg.dtype](arg.value.evaluate(dims, attrs)))
            elif arg.kind == "scalar_attr":
                args.append(SCALAR_TYPES[arg.dtype](attrs[arg.index]))
            else:
                args.append(SCALAR_TYPES[arg.dtype](arg.const))
        launch.kernel[grid, block, 0, shared](*args)
    return [io[spec.n_inputs + j].copy_to_host().reshape(shape) for j, shape in enumerate(out_shapes)]


def compare(spec, case, outputs):
    problems = []
    for j, (got, want) in enumerate(zip(outputs, case.references)):
        rtol, atol = case.tolerance[j]
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        bad = ~(err <= atol + rtol * np.abs(want.astype(np.float64)))  # NaN: an element never written
        if got.shape != want.shape:
            problems.append(f"{spec.outputs[j].name}: shape {got.shape} != {want.shape}")
        elif bad.any():
            problems.append(f"{spec.outputs[j].name}: {int(bad.sum())} of {bad.size} differ, max err {np.nanmax(err):.3g}")
    return f"{case.label}: " + "; ".join(problems) if problems else None


def plugin_case(file, name, shapes, attributes=None, dtypes=("float32", "float16")):
    """Every dtype combination of plugin `name` whose first input is one of `dtypes`, on `shapes`."""
    def run():
        (spec,) = [s for s in load_specs([str(ROOT / file)]) if s.name == name]
        traced = trace(spec)
        shape_set = tuple(tuple(shapes[t.name]) for t in spec.inputs)
        cases = [c for c in make_cases(spec, attributes=attributes or {}, shape_sets=[shape_set], seed=7)
                 if c.combo[0] in dtypes]
        assert cases, f"no dtype combination of {name} starts with one of {dtypes}"
        problems = [p for c in cases for p in [compare(spec, c, run_enqueue(spec, traced, c))] if p]
        return "\n".join(problems) or None
    return run


CASES = {
    "gelu_exact": plugin_case("kernels/gelu.py", "Gelu", {"x": (3, 37)}),
    "gelu_tanh": plugin_case("kernels/gelu.py", "Gelu", {"x": (101,)}, {"approximate": True}),
    "leaky_relu": plugin_case("kernels/leaky_relu.py", "LeakyRelu", {"x": (2, 41)}, {"alpha": 0.1}),
    "instance_norm": plugin_case("kernels/instance_norm.py", "InstanceNorm",
                                 {"x": (2, 3, 5, 7), "weight": (3,), "bias": (3,)}),
    "instance_norm_single_pixel": plugin_case("kernels/instance_norm.py", "InstanceNorm",
                                              {"x": (1, 2, 1, 1), "weight": (2,), "bias": (2,)}),
    "resize_half_pixel_x2": plugin_case("kernels/resize_bilinear.py", "ResizeBilinear", {"x": (1, 2, 3, 5)}),
    "resize_align_corners_x3": plugin_case("kernels/resize_bilinear.py", "ResizeBilinear", {"x": (1, 1, 4, 3)},
                                           {"scale": 3, "align_corners": True}),
    "resize_to_size_down": plugin_case("kernels/resize_bilinear.py", "ResizeBilinear", {"x": (2, 1, 7, 9)},
                                       {"height": 3, "width": 4}),
    "yolo_decode_small_grid": plugin_case(
        "kernels/yolo_decode.py", "YoloDecode", {"raw": (2, 84, 6)},
        {"grid": [4, 5, 2, 3, 1, 2], "strides": [4, 8, 16], "anchors": list(range(1, 19))}),
    "roi_align_aligned": plugin_case("kernels/roi_align.py", "RoiAlign",
                                     {"x": (2, 2, 8, 8), "rois": (4, 4), "batch_index": (4,)},
                                     {"output_height": 2, "output_width": 3}),
    "roi_align_adaptive_unaligned": plugin_case("kernels/roi_align.py", "RoiAlign",
                                                {"x": (3, 1, 9, 7), "rois": (5, 4), "batch_index": (5,)},
                                                {"output_height": 3, "output_width": 2, "sampling_ratio": 0,
                                                 "spatial_scale": 0.5, "aligned": False}),
    "gather_axis1": plugin_case("kernels/gather_scatter.py", "GatherElements",
                                {"x": (2, 5, 3, 4), "indices": (2, 7, 3, 4)}, dtypes=("float32", "float16", "int32")),
    "gather_axis3": plugin_case("kernels/gather_scatter.py", "GatherElements",
                                {"x": (2, 3, 2, 9), "indices": (2, 3, 2, 2)}, {"axis": 3}),
    "scatter_replace_duplicates": plugin_case("kernels/gather_scatter.py", "ScatterElements",
                                              {"data": (2, 5, 3, 2), "indices": (2, 7, 3, 2),
                                               "updates": (2, 7, 3, 2)}, dtypes=("float32", "float16", "int32")),
    "scatter_add_axis0": plugin_case("kernels/gather_scatter.py", "ScatterElements",
                                     {"data": (3, 2, 2, 2), "indices": (5, 2, 2, 2), "updates": (5, 2, 2, 2)},
                                     {"axis": 0, "add": True}),
    "top_k": plugin_case("kernels/top_k.py", "TopK", {"x": (1, 300)}, {"k": 4}),
    "top_k_smallest_all": plugin_case("kernels/top_k.py", "TopK", {"x": (3, 6)}, {"k": 6, "largest": False}),
    "arg_max": plugin_case("kernels/top_k.py", "ArgMax", {"x": (2, 517)}),
}


def top_k_ties():
    """Equal values come out lowest index first (the random inputs hardly ever tie)."""
    (spec,) = [s for s in load_specs([str(ROOT / "kernels" / "top_k.py")]) if s.name == "TopK"]
    traced = trace(spec)
    (case,) = [c for c in make_cases(spec, attributes={"k": 5}, shape_sets=[((1, 40),)]) if c.combo[0] == "float32"]
    x = np.tile(np.array([1.0, 3.0, 3.0, 2.0, 3.0], np.float32), (1, 8))
    case.inputs = [x]
    case.references = spec.reference(spec.plugin_class(k=5), x)
    return compare(spec, case, run_enqueue(spec, traced, case))


CASES["top_k_ties"] = top_k_ties


def main(names):
    if not SIMULATED:
        sys.exit("run with NUMBA_ENABLE_CUDASIM=1")
    results = {}
    for name in names or CASES:
        try:
            results[name] = CASES[name]()
        except Exception:
            results[name] = traceback.format_exc(limit=-4)
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
