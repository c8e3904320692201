"""Softmax over the last dimension: y = exp(x - max) / sum(exp(x - max)), numerically stable.

x has shape (rows, C); reshape other ranks to 2-D around the plugin (a traced launch needs x's
last dim, which trtplug can name only for an input of declared rank).

One block per row: a first pass keeps each thread's running maximum and sum of exp(x - maximum)
(rescaled whenever the maximum grows) and merges them across the block, so the row is read once
for its statistics; a second pass writes exp(x - max) / sum. float16 tensors are computed in
float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import block_softmax_stats, launch_rows, softmax_add


@cuda.jit
def softmax_kernel(x, y, cols):
    start = cuda.blockIdx.x * cols
    maximum, total = float32(-math.inf), float32(0.0)
    for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
        maximum, total = softmax_add(maximum, total, float32(x[start + c]))
    maximum, total = block_softmax_stats(maximum, total)
    scale = float32(1.0) / total
    for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
        y[start + c] = math.exp(float32(x[start + c]) - maximum) * scale


class Softmax(tp.TrtPlugin):
    """softmax(x) along the last dim."""

    version = "1"
    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=2)]
    outputs = [tp.Output("y", like="x")]
    test_shapes = [{"x": (4, 768)}, {"x": (6, 4096)}, {"x": (2, 16384)}, {"x": (35, 33)}, {"x": (3, 1)},
                   {"x": (1, 1031)}]

    def enqueue(self, x, y):
        rows, cols = x.shape
        launch_rows(softmax_kernel, rows, cols)(x.flat, y.flat, cols)

    def reference(self, x):
        v = x.astype(np.float64)
        e = np.exp(v - v.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).astype(x.dtype)
