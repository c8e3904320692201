"""Mish at version 2: the same plugin name as kernels/mish.py at another version, so that the
reliability tests load two versions of one plugin side by side (tests/stress_artifacts.py)."""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp


@cuda.jit
def mish_v2_kernel(x, y, n):
    i = cuda.grid(1)
    if i < n:
        v = float32(x[i])
        y[i] = v * math.tanh(math.log1p(math.exp(v)))


class Mish(tp.TrtPlugin):
    """y = x * tanh(softplus(x)), float32 only"""

    version = "2"
    inputs = [tp.Input("x", dtypes=("float32",))]
    outputs = [tp.Output("y", like="x")]

    def enqueue(self, x, y):
        n = x.numel
        tp.launch(mish_v2_kernel, grid=tp.cdiv(n, 256), block=256)(x.flat, y.flat, n)

    def reference(self, x):
        return x * np.tanh(np.log1p(np.exp(x)))
