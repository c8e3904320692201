"""Softmax over the last dimension: y = exp(x - max) / sum(exp(x - max)), numerically stable.

x has shape (rows, C); reshape other ranks to 2-D around the plugin (a traced launch needs x's
last dim, which trtplug can name only for an input of declared rank).

One block per row. When C is a multiple of 8 (up to 32768) and the buffers are 16-byte aligned,
each thread reads its columns once with 16-byte loads into registers (`load_row`); the block
takes the row maximum, each thread replaces its values by exp(x - max) and the block sums them,
and the scaled values are written from registers. Other rows take a loop over the columns: each
thread keeps a running maximum and sum of exp(x - maximum) (rescaled whenever the maximum grows),
merged across the block, then a second pass writes exp(x - max) / sum. float16 tensors are
computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import (ROW_VALUES, block_max, block_softmax_stats, block_sum, is_aligned,
                            launch_rows, load_row, row_fits, row_max, softmax_add, store_row)


@cuda.jit
def softmax_kernel(x, y, cols):
    start = cuda.blockIdx.x * cols
    if row_fits(cols) and is_aligned(x) and is_aligned(y):
        v = cuda.local.array(ROW_VALUES, float32)  # this thread's columns, in registers
        load_row(x, start, cols, v, float32(-math.inf))  # exp(-inf - max) = 0: padding adds nothing
        maximum = block_max(row_max(v, cols))
        total = float32(0.0)
        for i in range(ROW_VALUES):
            v[i] = math.exp(v[i] - maximum)
            total += v[i]
        scale = float32(1.0) / block_sum(total)
        for i in range(ROW_VALUES):
            v[i] *= scale
        store_row(y, start, cols, v)
    else:
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
