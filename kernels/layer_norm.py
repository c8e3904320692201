"""LayerNorm over the last dimension: y = (x - mean) / sqrt(var + epsilon) * weight + bias.

x has any rank; weight and bias have shape (C,) where C is x's last dim (x's element count must
be a multiple of C). One block per row: a
first pass over the row accumulates count, mean and M2 per thread (Welford) and merges them
across the block; a second pass (the row is in L2 by then) writes the normalized values.
float16 tensors are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import block_welford, launch_rows, welford_add


@cuda.jit
def layer_norm_kernel(x, weight, bias, y, cols, epsilon):
    start = cuda.blockIdx.x * cols
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
