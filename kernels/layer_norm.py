"""LayerNorm over the last dimension: y = (x - mean) / sqrt(var + epsilon) * weight + bias.

x has any rank; weight and bias have shape (C,) where C is x's last dim (x's element count must
be a multiple of C). One block per row. When C is a multiple of 8 (up to 32768) and the buffers
are 16-byte aligned, each thread reads its columns once with 16-byte loads into registers
(`load_row`), the block sums them for the mean and then sums the squared deviations for the
variance (two exact passes over registers, no cancellation), and the normalized values are
written from registers. Other rows take a loop over the columns: Welford statistics, then a
second pass over the row (in L2 by then). float16 tensors are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import (GROUP, ROW_CHUNKS, ROW_VALUES, block_sum, block_welford, is_aligned, launch_rows,
                            load_group, load_row, row_chunk, row_fits, row_squared_deviations, row_sum, store_row,
                            welford_add)


# At most 64 registers a thread (launch bounds of 1024 threads): a 512-thread row block then leaves room
# for two blocks per SM; at 65 registers only one fitted (25% occupancy, measured with Nsight Compute).
@cuda.jit(launch_bounds=(1024, 1))
def layer_norm_kernel(x, weight, bias, y, cols, epsilon):
    start = cuda.blockIdx.x * cols
    if row_fits(cols) and is_aligned(x) and is_aligned(weight) and is_aligned(bias) and is_aligned(y):
        v = cuda.local.array(ROW_VALUES, float32)  # this thread's columns, in registers
        load_row(x, start, cols, v, float32(0.0))
        n = float32(cols)
        mean = block_sum(row_sum(v, cols)) / n
        var = block_sum(row_squared_deviations(v, cols, mean)) / n
        inv_std = float32(1.0) / math.sqrt(var + epsilon)
        for k in range(ROW_CHUNKS):
            c = row_chunk(k)
            if c < cols:
                w = load_group(weight, c)
                b = load_group(bias, c)
                for j in range(GROUP):
                    v[k * GROUP + j] = (v[k * GROUP + j] - mean) * inv_std * w[j] + b[j]
        store_row(y, start, cols, v)
    else:
        count, mean, m2 = float32(0.0), float32(0.0), float32(0.0)
        for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
            count, mean, m2 = welford_add(count, mean, m2, float32(x[start + c]))
        count, mean, m2 = block_welford(count, mean, m2)
        inv_std = float32(1.0) / math.sqrt(m2 / count + epsilon)
        for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
            y[start + c] = (float32(x[start + c]) - mean) * inv_std * float32(weight[c]) + float32(bias[c])


class LayerNorm(tp.TrtPlugin):
    """Normalizes each row (last dim) to zero mean and unit variance, then scales and shifts."""

    version = "1"
    inputs = [tp.Input("x", dtypes=("float32", "float16")),
              tp.Input("weight", dtypes=("float32", "float16"), rank=1),
              tp.Input("bias", dtypes=("float32", "float16"), rank=1)]
    outputs = [tp.Output("y", like="x")]
    epsilon = tp.Attr.float(1e-5, min=0.0, doc="added to the variance before the square root")
    # The output is scaled by weight (|w| up to ~10 in the test data): compare with that in mind.
    tolerance = {"float32": (1e-4, 1e-4)}
    test_shapes = [
        {"x": (4, 768), "weight": (768,), "bias": (768,)},
        {"x": (2, 3, 4096), "weight": (4096,), "bias": (4096,)},
        {"x": (2, 16384), "weight": (16384,), "bias": (16384,)},
        {"x": (5, 7, 33), "weight": (33,), "bias": (33,)},
        {"x": (3, 1), "weight": (1,), "bias": (1,)},
        {"x": (1, 1031), "weight": (1031,), "bias": (1031,)},
    ]

    def constraints(self, x, weight, bias):
        tp.require(weight.shape[0] > 0, "weight must not be empty")
        tp.require(bias.shape[0] == weight.shape[0], "bias must have weight's length")
        tp.require(x.numel % weight.shape[0] == 0, "x's last dim must equal weight's length")

    def enqueue(self, x, weight, bias, y):
        cols = weight.shape[0]  # x's last dim; x may have any rank
        launch_rows(layer_norm_kernel, x.numel // cols, cols)(x.flat, weight, bias, y.flat, cols, self.epsilon)

    def reference(self, x, weight, bias):
        v = x.astype(np.float64)
        mean = v.mean(axis=-1, keepdims=True)
        var = v.var(axis=-1, keepdims=True)
        y = (v - mean) / np.sqrt(var + np.float32(self.epsilon)) * weight.astype(np.float64) + bias.astype(np.float64)
        return y.astype(x.dtype)
