"""Mish activation: y = x * tanh(softplus(x)), elementwise, any rank, fp32 and fp16.

The kernel is `trtplug.blocks.elementwise` around the scalar function: eight elements per thread,
16-byte loads and stores. The fp16 variant reads and writes half precision and computes in fp32,
which is both faster and more accurate than half arithmetic.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise


@cuda.jit(device=True)
def mish(v):
    # softplus(v) = log1p(exp(v)), written to avoid overflow of exp for large v
    sp = v + math.log1p(math.exp(-v)) if v > float32(20.0) else math.log1p(math.exp(v))
    return v * math.tanh(sp)


mish_kernel = elementwise(mish)


class Mish(tp.TrtPlugin):
    """y = x * tanh(softplus(x))"""

    version = "1"
    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]

    def enqueue(self, x, y):
        launch_elementwise(mish_kernel, y.numel)(x.flat, y.flat)

    def reference(self, x):
        v = x.astype(np.float64)
        return (v * np.tanh(np.logaddexp(0.0, v))).astype(x.dtype)
