"""Mish activation: y = x * tanh(softplus(x)), elementwise, any rank, fp32 and fp16.

The fp16 variant reads and writes half precision and computes in fp32, which is both faster and
more accurate than half arithmetic.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp


@cuda.jit
def mish_kernel(x, y, n):
    i = cuda.grid(1)
    if i < n:
        v = float32(x[i])
        # softplus(v) = log1p(exp(v)), written to avoid overflow of exp for large v
        sp = v + math.log1p(math.exp(-v)) if v > float32(20.0) else math.log1p(math.exp(v))
        y[i] = v * math.tanh(sp)


class Mish(tp.TrtPlugin):
    """y = x * tanh(softplus(x))"""

    version = "1"
    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]

    def enqueue(self, x, y):
        n = x.numel
        tp.launch(mish_kernel, grid=tp.cdiv(n, 256), block=256)(x.flat, y.flat, n)

    def reference(self, x):
        v = x.astype(np.float64)
        return (v * np.tanh(np.logaddexp(0.0, v))).astype(x.dtype)
