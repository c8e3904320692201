"""L2Normalize: y[r, :] = x[r, :] / max(||x[r, :]||_2, eps) over the last axis of a 2-D tensor.

A row-wise plugin on `trtplug.blocks`, in one launch of one block per row. When the row length is
a multiple of 8 (up to 32768) and the buffers are 16-byte aligned, each thread reads its columns
once with 16-byte loads into registers, the block sums their squares, and the scaled values are
written from registers: x is read once. Other rows take a loop over the columns, which reads x
twice (once for the norm, once to scale). float16 tensors are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import (ROW_VALUES, block_sum, is_aligned, launch_rows, load_row, row_fits,
                            row_squared_deviations, store_row)


@cuda.jit
def l2_normalize_kernel(x, y, cols, eps):
    start = cuda.blockIdx.x * cols
    if row_fits(cols) and is_aligned(x) and is_aligned(y):
        v = cuda.local.array(ROW_VALUES, float32)  # this thread's columns, in registers
        load_row(x, start, cols, v, float32(0.0))
        norm = math.sqrt(block_sum(row_squared_deviations(v, cols, float32(0.0))))  # deviations from 0: squares
        scale = float32(1.0) / max(norm, eps)
        for i in range(ROW_VALUES):
            v[i] *= scale
        store_row(y, start, cols, v)
    else:
        squares = float32(0.0)
        for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
            v = float32(x[start + c])
            squares += v * v
        scale = float32(1.0) / max(math.sqrt(block_sum(squares)), eps)
        for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
            y[start + c] = float32(x[start + c]) * scale


class L2Normalize(tp.TrtPlugin):
    """Normalizes each row of a 2-D tensor to unit L2 norm."""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=2)]
    outputs = [tp.Output("y", like="x")]
    eps = tp.Attr.float(1e-12, min=0.0)
    test_shapes = [{"x": (3, 5)}, {"x": (64, 1000)}, {"x": (1, 4097)}, {"x": (2048, 129)}]

    def enqueue(self, x, y):
        rows, cols = x.shape
        launch_rows(l2_normalize_kernel, rows, cols)(x.flat, y.flat, cols, self.eps)

    def reference(self, x):
        v = x.astype(np.float64)
        norm = np.sqrt((v * v).sum(axis=1, keepdims=True))
        return (v / np.maximum(norm, self.eps)).astype(x.dtype)
