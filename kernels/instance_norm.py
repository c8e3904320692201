"""InstanceNorm: each (image, channel) plane of an NCHW tensor normalized to zero mean and unit
variance, then scaled and shifted per channel: y = (x - mean) / sqrt(var + epsilon) * weight[c] + bias[c].

Two launches with a workspace between them, the pattern of any normalization whose statistics
span more than a thread's work:

1. `plane_stats_kernel`, one block per plane (`launch_rows`): Welford mean and variance over the
   plane's H*W values, merged across the block (`block_welford`); it writes the plane's mean and
   1 / sqrt(var + epsilon) to the workspace `stats` [N*C, 2] (float32, whatever x's dtype).
2. `normalize_kernel`, an `elementwise` kernel given each element's index: it finds the element's
   plane and channel and applies that plane's statistics and the channel's weight and bias.

The stream orders the launches, so the second reads statistics the first has finished writing.
x is read twice in all (the second read mostly from L2 for planes that fit). float16 tensors are
computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import block_welford, elementwise, launch_elementwise, launch_rows, welford_add


@cuda.jit
def plane_stats_kernel(x, stats, cols, epsilon):
    start = cuda.blockIdx.x * cols
    count, mean, m2 = float32(0.0), float32(0.0), float32(0.0)
    for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
        count, mean, m2 = welford_add(count, mean, m2, float32(x[start + c]))
    count, mean, m2 = block_welford(count, mean, m2)
    if cuda.threadIdx.x == 0:
        stats[2 * cuda.blockIdx.x] = mean
        stats[2 * cuda.blockIdx.x + 1] = float32(1.0) / math.sqrt(m2 / count + epsilon)


@cuda.jit(device=True)
def normalize(i, v, stats, weight, bias, cols, channels):
    plane = i // cols
    c = plane % channels
    return (v - stats[2 * plane]) * stats[2 * plane + 1] * float32(weight[c]) + float32(bias[c])


normalize_kernel = elementwise(normalize, inputs=1, params=5, index=True)


class InstanceNorm(tp.TrtPlugin):
    """y[n, c] = (x[n, c] - mean(x[n, c])) / sqrt(var(x[n, c]) + epsilon) * weight[c] + bias[c]"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=4),
              tp.Input("weight", dtypes=("float32", "float16"), rank=1),
              tp.Input("bias", dtypes=("float32", "float16"), rank=1)]
    outputs = [tp.Output("y", like="x")]
    epsilon = tp.Attr.float(1e-5, min=0.0, doc="added to the variance before the square root")
    tolerance = {"float32": (1e-4, 1e-4)}  # weights up to ~10 scale the error of float32 statistics
    test_shapes = [
        {"x": (2, 3, 8, 8), "weight": (3,), "bias": (3,)},
        {"x": (1, 4, 33, 65), "weight": (4,), "bias": (4,)},
        {"x": (3, 2, 1, 1), "weight": (2,), "bias": (2,)},
        {"x": (1, 8, 128, 96), "weight": (8,), "bias": (8,)},
    ]

    def constraints(self, x, weight, bias):
        tp.require(weight.shape[0] == x.shape[1], "weight must have one value per channel of x")
        tp.require(bias.shape[0] == x.shape[1], "bias must have one value per channel of x")

    def workspace(self, x, weight, bias):
        n, c, _, _ = x.shape
        return {"stats": tp.Buffer("float32", (n * c * 2,))}

    def enqueue(self, x, weight, bias, y, stats):
        n, c, h, w = x.shape
        cols = h * w
        launch_rows(plane_stats_kernel, n * c, cols)(x.flat, stats, cols, self.epsilon)
        launch_elementwise(normalize_kernel, y.numel)(x.flat, y.flat, stats, weight, bias, cols, c)

    def reference(self, x, weight, bias):
        v = x.astype(np.float64)
        mean = v.mean(axis=(2, 3), keepdims=True)
        var = v.var(axis=(2, 3), keepdims=True)
        w = weight.astype(np.float64).reshape(1, -1, 1, 1)
        b = bias.astype(np.float64).reshape(1, -1, 1, 1)
        return ((v - mean) / np.sqrt(var + np.float32(self.epsilon)) * w + b).astype(x.dtype)
