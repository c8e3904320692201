"""Runs trtplug.blocks kernels under Numba's CUDA simulator and compares them with numpy.

    NUMBA_ENABLE_CUDASIM=1 python tests/blocks_sim/run_blocks.py [CASE ...]

Prints one JSON object {case: null | "what differed"}; tests/test_blocks.py runs it in a
subprocess so the simulator never leaks into the rest of the test suite.
"""
import json
import math
import sys
import traceback
from pathlib import Path

import numpy as np
from numba import cuda, float32

_simulator_jit = cuda.jit


def _jit_without_launch_bounds(*args, launch_bounds=None, **kwargs):
    """The simulator has no registers to bound, and its jit (numba-cuda 0.30) takes no launch_bounds:
    kernels that declare them (kernels/layer_norm.py) run here without."""
    return _simulator_jit(*args, **kwargs)


cuda.jit = _jit_without_launch_bounds

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "kernels"))

from trtplug.blocks import (block_max, block_softmax_stats, block_sum, block_welford, elementwise,  # noqa: E402
                            grid_reduction, softmax_add, warp_max, warp_sum, welford_add)
from trtplug.blocks.memory import SIMULATED  # noqa: E402
from trtplug.blocks.rows import ROW_VALUES  # noqa: E402

RNG = np.random.default_rng(1)


def close(actual, expected, rtol, atol, what):
    if actual.shape != expected.shape:
        return f"{what}: shape {actual.shape} != {expected.shape}"
    err = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    bad = ~(err <= atol + rtol * np.abs(expected.astype(np.float64)))  # NaN (an element never written) is bad
    if bad.any():
        return f"{what}: {int(bad.sum())} of {bad.size} differ, max err {err.max():.3g}"
    return None


@cuda.jit(device=True)
def axpy(x, y, a):
    return a * x + y


AXPY = elementwise(axpy, inputs=2, params=1, broadcast=[1])


@cuda.jit(device=True)
def square(v):
    return v * v


@cuda.jit(device=True)
def magnitude(v):
    return abs(v)


SUM_OF_SQUARES = grid_reduction(square, "sum")
MAX_ABS = grid_reduction(magnitude, "max")


def elementwise_case(n, dtype, offset=0, b_shape=None, out_shape=None):
    out_shape = out_shape or (n,)
    x = (RNG.standard_normal(n + offset) * 3).astype(dtype)
    b_full_shape = b_shape or out_shape
    b = (RNG.standard_normal(int(np.prod(b_full_shape))) * 3).astype(dtype).reshape(b_full_shape)
    # A view starting `offset` elements in is not 16-byte aligned: the kernel must take the scalar path.
    d_x = cuda.to_device(x)[offset:]
    d_b = cuda.to_device(b)
    d_y = cuda.to_device(np.full(n + offset, np.nan, dtype))[offset:]
    d_x, d_y = (d_x.reshape(out_shape), d_y.reshape(out_shape)) if len(out_shape) > 1 else (d_x, d_y)
    AXPY[3, 64](d_x, d_b, d_y, np.float32(0.5))
    expected = (np.float32(0.5) * x[offset:].reshape(out_shape).astype(np.float32)
                + np.broadcast_to(b.astype(np.float32), out_shape)).astype(dtype)
    tol = (1e-6, 1e-6) if dtype == np.float32 else (1e-3, 1e-3)
    return close(d_y.copy_to_host(), expected, *tol, f"axpy n={n} {np.dtype(dtype).name} offset={offset}")


@cuda.jit
def reductions_kernel(x, out, cols):
    row = cuda.blockIdx.x
    tid = cuda.threadIdx.x
    s, m = float32(0.0), float32(-math.inf)
    count, mean, m2 = float32(0.0), float32(0.0), float32(0.0)
    mx, total = float32(-math.inf), float32(0.0)
    for c in range(tid, cols, cuda.blockDim.x):
        v = float32(x[row, c])
        s += v
        m = max(m, v)
        count, mean, m2 = welford_add(count, mean, m2, v)
        mx, total = softmax_add(mx, total, v)
    s = block_sum(s)
    m = block_max(m)
    count, mean, m2 = block_welford(count, mean, m2)
    mx, total = block_softmax_stats(mx, total)
    if tid == 0:
        out[row, 0] = s
        out[row, 1] = m
        out[row, 2] = mean
        out[row, 3] = m2 / count
        out[row, 4] = mx
        out[row, 5] = total


@cuda.jit
def warp_kernel(x, out):
    lane = cuda.threadIdx.x
    out[0, lane] = warp_sum(x[lane])
    out[1, lane] = warp_max(x[lane])


def reductions_case(rows, cols, threads, dtype):
    x = (RNG.standard_normal((rows, cols)) * 3 + 5).astype(dtype)
    out = np.zeros((rows, 6), np.float32)
    d_out = cuda.to_device(out)
    reductions_kernel[rows, threads](cuda.to_device(x), d_out, cols)
    got = d_out.copy_to_host()
    v = x.astype(np.float64)
    m = v.max(axis=1)
    expected = np.stack([v.sum(axis=1), m, v.mean(axis=1), v.var(axis=1), m,
                         np.exp(v - m[:, None]).sum(axis=1)], axis=1)
    return close(got, expected, 1e-4, 1e-4, f"reductions {rows}x{cols} on {threads} threads")


def warp_case():
    x = RNG.standard_normal(32).astype(np.float32)
    d_out = cuda.to_device(np.zeros((2, 32), np.float32))
    warp_kernel[1, 32](cuda.to_device(x), d_out)
    got = d_out.copy_to_host()
    expected = np.stack([np.full(32, x.astype(np.float64).sum()), np.full(32, x.max())])
    return close(got, expected, 1e-5, 1e-5, "warp_sum/warp_max")


def plugin_case(module_name, class_name, shapes, dtype, tolerance, offset=0):
    """A kernels/ plugin's own kernel, launched as its enqueue launches it, against its reference.

    With `offset`, x and y are views starting `offset` elements into their buffers (not 16-byte aligned).
    """
    module = __import__(module_name)
    plugin = getattr(module, class_name)()
    inputs = [(RNG.standard_normal(s) * 3).astype(dtype) for s in shapes]
    expected = plugin.reference(*inputs)
    n = inputs[0].size
    d_y = cuda.to_device(np.full(n + offset, np.nan, dtype))[offset:]
    cols = shapes[0][-1]
    rows = n // cols
    threads = min(max(-(-cols // (32 * ROW_VALUES)), 1) * 32, 1024)  # trtplug.blocks.rows.row_threads
    d_in = [cuda.to_device(a) for a in inputs]
    d_in[0] = cuda.to_device(np.concatenate([np.zeros(offset, dtype), inputs[0].reshape(-1)]))[offset:]
    if class_name == "LayerNorm":
        module.layer_norm_kernel[rows, threads](d_in[0], d_in[1], d_in[2], d_y, cols, np.float32(plugin.epsilon))
    elif class_name == "Softmax":
        module.softmax_kernel[rows, threads](d_in[0], d_y, cols)
    elif class_name == "ScaledAdd":
        module.scaled_add_kernel[4, 64](d_in[0], d_in[1], d_y.reshape(shapes[0]), np.float32(plugin.alpha))
    else:
        getattr(module, f"{module_name}_kernel")[4, 64](d_in[0], d_y)
    label = f"{class_name} {'x'.join(map(str, shapes[0]))} {np.dtype(dtype).name} offset={offset}"
    return close(d_y.copy_to_host().reshape(shapes[0]), expected.astype(dtype), *tolerance, label)


MISALIGNED_ROW_LENGTHS = (768, 800)


def row_cases():
    """LayerNorm and Softmax on every row length of their test shapes, float32 and float16, aligned and
    (for two row lengths) not: a misaligned row takes the same loop as rows of 33 or 1031 columns, and
    the simulator runs every thread in Python, so long rows are checked once each."""
    cases = {}
    for rows, cols in [(4, 768), (3, 4096), (1, 16384), (5, 33), (3, 1), (1, 1031), (3, 800)]:
        for dtype, tol in [(F32, (1e-4, 1e-4)), (F16, (1e-2, 1e-2))]:
            for offset in (0, 1):
                if offset and cols not in MISALIGNED_ROW_LENGTHS:
                    continue
                tag = f"{cols}_{np.dtype(dtype).name}" + ("_misaligned" if offset else "")
                cases[f"rows_layer_norm_{tag}"] = (lambda r=rows, c=cols, d=dtype, t=tol, o=offset: plugin_case(
                    "layer_norm", "LayerNorm", [(r, c), (c,), (c,)], d, t, o))
                cases[f"rows_softmax_{tag}"] = (lambda r=rows, c=cols, d=dtype, o=offset: plugin_case(
                    "softmax", "Softmax", [(r, c)], d, (1e-5, 1e-5) if d == F32 else (1e-2, 1e-2), o))
    return cases


def upsample_case(shape, scale, dtype, offset=0, grid=None):
    """UpsampleNearest's kernel against its reference; y a view `offset` elements into its buffer.

    `grid` None launches as enqueue does; a small grid makes threads loop over rows, leaves threads
    over when the row width does not divide it, or (narrower than a row) makes threads loop over columns.
    """
    import upsample_nearest as module
    plugin = module.UpsampleNearest(scale=scale)
    x = (RNG.standard_normal(shape) * 50).astype(dtype)
    expected = plugin.reference(x)
    n = expected.size
    d_y = cuda.to_device(np.zeros(n + offset, dtype))[offset:].reshape(expected.shape)
    pairs = n // scale
    blocks, threads = grid or (min(-(-pairs // (module.THREADS * module.ITEMS_PER_THREAD)), module.MAX_BLOCKS),
                               module.THREADS)
    module.upsample_nearest_kernel[blocks, threads](cuda.to_device(x), d_y, np.int32(scale))
    got = d_y.copy_to_host()
    if not np.array_equal(got, expected):
        bad = int((got != expected).sum())
        return f"upsample {shape} x{scale} {np.dtype(dtype).name} offset={offset}: {bad} of {n} differ"
    return None


UPSAMPLE_CASES = {
    **{f"upsample_2x3x4x5_x2_{np.dtype(d).name}": (lambda d=d: upsample_case((2, 3, 4, 5), 2, d))
       for d in (np.float32, np.float16, np.int32, np.int8)},
    "upsample_2x3x4x5_x2_float16_misaligned": lambda: upsample_case((2, 3, 4, 5), 2, np.float16, offset=1),
    "upsample_1x2x5x7_x3_int8": lambda: upsample_case((1, 2, 5, 7), 3, np.int8),
    "upsample_2x3x4x4_x1_int32": lambda: upsample_case((2, 3, 4, 4), 1, np.int32),
    # 64 threads over rows of 34: one row per pass, 30 threads left over, two rows after the 4-row steps
    "upsample_3x2x3x17_x2_leftover_threads": lambda: upsample_case((3, 2, 3, 17), 2, np.float16, grid=(2, 32)),
    # 64 threads over rows of 9: seven rows per pass
    "upsample_2x3x5x3_x3_rows_per_pass": lambda: upsample_case((2, 3, 5, 3), 3, np.float32, grid=(1, 64)),
    # 32 threads over rows of 100: each thread loops over columns
    "upsample_1x1x3x50_x2_rows_wider_than_grid": lambda: upsample_case((1, 1, 3, 50), 2, np.int32, grid=(1, 32)),
}


def grid_reduction_case(combine, n, dtype, offset=0, grid=(1, 32)):
    """Both passes of a trtplug.blocks grid reduction (sum of squares, or maximum of |v|) on a small grid."""
    reduction = SUM_OF_SQUARES if combine == "sum" else MAX_ABS
    x = (RNG.standard_normal(n + offset) * 3).astype(dtype)
    d_x = cuda.to_device(x)[offset:]
    d_partials = cuda.to_device(np.full(1024, np.nan, np.float32))
    reduction.blocks[grid](d_x, d_partials)
    reduction.finish[1, 32](d_partials, grid[0])  # launched with 1024 threads; any whole warps work
    v = x[offset:].astype(np.float64)
    expected = (v * v).sum() if combine == "sum" else np.abs(v).max()
    got = d_partials.copy_to_host()[:1]
    return close(got, np.array([expected]), 1e-5, 1e-5, f"grid {combine} n={n} {np.dtype(dtype).name} offset={offset}")


def max_abs_normalize_case(shape, dtype, zeros=False, offset=0, threads=64):
    """MaxAbsNormalize's three launches, as its enqueue makes them but with smaller blocks (the simulator
    runs every thread in Python; the kernels take any whole number of warps)."""
    import max_normalize as module
    from trtplug.blocks import REDUCTION_PARTIALS
    x = np.zeros(shape, dtype) if zeros else (RNG.standard_normal(shape) * 3).astype(dtype)
    n = x.size
    d_x = cuda.to_device(np.concatenate([np.zeros(offset, dtype), x.reshape(-1)]))[offset:]
    d_y = cuda.to_device(np.full(n + offset, np.nan, dtype))[offset:]
    d_partials = cuda.to_device(np.full(REDUCTION_PARTIALS, np.nan, np.float32))
    blocks = min(-(-n // (threads * 16)), REDUCTION_PARTIALS)  # trtplug.blocks.reduction_grid
    module.max_abs.blocks[blocks, threads](d_x, d_partials)
    module.max_abs.finish[1, 32](d_partials, blocks)
    module.divide_by_max_kernel[blocks, threads](d_x, d_y, d_partials)
    expected = module.MaxAbsNormalize().reference(x)
    tol = (1e-6, 1e-6) if dtype == F32 else (1e-3, 1e-3)
    label = f"MaxAbsNormalize {shape} {np.dtype(dtype).name} zeros={zeros} offset={offset}"
    return close(d_y.copy_to_host().reshape(shape), expected, *tol, label)


def l2_normalize_case(rows, cols, dtype, offset=0):
    """examples/l2norm: one block per row, as its enqueue launches it."""
    sys.path.insert(0, str(ROOT / "examples" / "l2norm"))
    import l2norm
    plugin = l2norm.L2Normalize()
    x = (RNG.standard_normal((rows, cols)) * 3).astype(dtype)
    d_x = cuda.to_device(np.concatenate([np.zeros(offset, dtype), x.reshape(-1)]))[offset:]
    d_y = cuda.to_device(np.full(x.size + offset, np.nan, dtype))[offset:]
    threads = min(max(-(-cols // (32 * ROW_VALUES)), 1) * 32, 1024)  # trtplug.blocks.rows.row_threads
    l2norm.l2_normalize_kernel[rows, threads](d_x, d_y, cols, np.float32(plugin.eps))
    tol = (1e-5, 1e-6) if dtype == F32 else (1e-3, 1e-3)
    return close(d_y.copy_to_host().reshape(rows, cols), plugin.reference(x), *tol,
                 f"L2Normalize {rows}x{cols} {np.dtype(dtype).name} offset={offset}")


def sigmoid_decode_case(batch, offset=0):
    """examples/yolo_deepstream's SigmoidDecode (an elementwise kernel given each element's index)."""
    sys.path.insert(0, str(ROOT / "examples" / "yolo_deepstream"))
    import yolo_deepstream as module
    plugin = module.SigmoidDecode()
    shape = (batch, 4 + module.NUM_CLASSES, 64)
    raw = (RNG.standard_normal(shape) * 3).astype(np.float32)
    n = raw.size
    d_raw = cuda.to_device(np.concatenate([np.zeros(offset, np.float32), raw.reshape(-1)]))[offset:]
    d_out = cuda.to_device(np.full(n + offset, np.nan, np.float32))[offset:]
    module.sigmoid_decode_kernel[1, 64](d_raw, d_out, np.float32(plugin.stride), shape[1], shape[2])
    expected = np.concatenate([plugin.reference(raw[b:b + 1]) for b in range(batch)])  # its reference: one image
    return close(d_out.copy_to_host().reshape(shape), expected, 1e-5, 1e-5, f"SigmoidDecode {shape} offset={offset}")


F32, F16 = np.float32, np.float16
CASES = {
    "elementwise_aligned_tail_f32": lambda: elementwise_case(1000 * 8 + 5, F32),
    "elementwise_aligned_f16": lambda: elementwise_case(203, F16),
    "elementwise_unaligned_f32": lambda: elementwise_case(517, F32, offset=1),
    "elementwise_unaligned_f16": lambda: elementwise_case(77, F16, offset=3),
    "elementwise_per_channel_broadcast": lambda: elementwise_case(2 * 3 * 5 * 7, F32, b_shape=(1, 3, 1, 1),
                                                                  out_shape=(2, 3, 5, 7)),
    "elementwise_last_dim_broadcast_f16": lambda: elementwise_case(6 * 11, F16, b_shape=(11,), out_shape=(6, 11)),
    "elementwise_inner_broadcast": lambda: elementwise_case(3 * 4 * 5 * 6, F32, b_shape=(3, 1, 5, 1),
                                                            out_shape=(3, 4, 5, 6)),
    "warp_reductions": warp_case,
    "block_reductions_one_warp": lambda: reductions_case(2, 7, 32, F32),
    "block_reductions_odd_row": lambda: reductions_case(3, 1031, 96, F32),
    "block_reductions_f16": lambda: reductions_case(2, 768, 192, F16),
    "mish": lambda: plugin_case("mish", "Mish", [(1021,)], F32, (1e-5, 1e-5)),
    "mish_f16": lambda: plugin_case("mish", "Mish", [(3, 37)], F16, (1e-2, 1e-2)),
    "hard_swish_f16": lambda: plugin_case("hard_swish", "HardSwish", [(333,)], F16, (1e-3, 1e-3)),
    "scaled_add_per_channel": lambda: plugin_case("scaled_add", "ScaledAdd", [(2, 3, 5, 7), (1, 3, 1, 1)], F32,
                                                  (1e-5, 1e-5)),
    "layer_norm_768": lambda: plugin_case("layer_norm", "LayerNorm", [(2, 768), (768,), (768,)], F32, (1e-4, 1e-4)),
    "layer_norm_odd_f16": lambda: plugin_case("layer_norm", "LayerNorm", [(3, 5, 33), (33,), (33,)], F16,
                                              (1e-2, 1e-2)),
    "softmax_odd": lambda: plugin_case("softmax", "Softmax", [(3, 1031)], F32, (1e-5, 1e-5)),
    "softmax_f16_single_column": lambda: plugin_case("softmax", "Softmax", [(4, 1)], F16, (1e-2, 1e-2)),
    **row_cases(),
    **UPSAMPLE_CASES,
    # 32 threads over 100 groups: threads take one or two steps, the second group of a step in range or not
    "grid_sum_aligned_tail_f32": lambda: grid_reduction_case("sum", 8 * 100 + 5, F32),
    "grid_max_misaligned_f16": lambda: grid_reduction_case("max", 203, F16, offset=1, grid=(2, 32)),
    "grid_sum_shorter_than_a_group": lambda: grid_reduction_case("sum", 5, F32, grid=(1, 32)),
    "max_abs_normalize_f32": lambda: max_abs_normalize_case((3, 7), F32),
    "max_abs_normalize_f16_misaligned": lambda: max_abs_normalize_case((5, 37), F16, offset=3),
    "max_abs_normalize_zeros": lambda: max_abs_normalize_case((2, 20), F32, zeros=True),
    "l2_normalize_registers_f32": lambda: l2_normalize_case(3, 64, F32),
    "l2_normalize_registers_f16": lambda: l2_normalize_case(2, 40, F16),
    "l2_normalize_loop_odd_row": lambda: l2_normalize_case(3, 5, F32),
    "l2_normalize_loop_misaligned_f16": lambda: l2_normalize_case(2, 48, F16, offset=1),
    "sigmoid_decode": lambda: sigmoid_decode_case(1),
    "sigmoid_decode_two_images_misaligned": lambda: sigmoid_decode_case(2, offset=1),
}


def main(names):
    if not SIMULATED:
        sys.exit("run with NUMBA_ENABLE_CUDASIM=1")
    results = {}
    for name in names or CASES:
        try:
            results[name] = CASES[name]()
        except Exception:
            results[name] = traceback.format_exc(limit=-3)
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
