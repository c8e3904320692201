"""GELU: y = x * Phi(x), Phi the standard normal CDF, elementwise through `trtplug.blocks.elementwise`.

`approximate` picks the formula, as PyTorch's `gelu(approximate="none" | "tanh")` and ONNX's Gelu do:
false is the exact x / 2 * (1 + erf(x / sqrt(2))), true the tanh form
x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))). float16 tensors are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise

SQRT_HALF = 0.7071067811865476
SQRT_2_OVER_PI = 0.7978845608028654


@cuda.jit(device=True)
def gelu(v, approximate):
    if approximate:
        inner = float32(SQRT_2_OVER_PI) * (v + float32(0.044715) * v * v * v)
        return float32(0.5) * v * (float32(1.0) + math.tanh(inner))
    return float32(0.5) * v * (float32(1.0) + math.erf(v * float32(SQRT_HALF)))


gelu_kernel = elementwise(gelu, inputs=1, params=1)


class Gelu(tp.TrtPlugin):
    """y = x * Phi(x) (exact, with erf) or its tanh approximation"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    approximate = tp.Attr.bool(False, doc="true: the tanh approximation; false: the exact form with erf")
    test_cases = [{"attrs": {"approximate": True}}]

    def enqueue(self, x, y):
        launch_elementwise(gelu_kernel, y.numel)(x.flat, y.flat, self.approximate)

    def reference(self, x):
        v = x.astype(np.float64)
        if self.approximate:
            y = 0.5 * v * (1 + np.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v ** 3)))
        else:
            y = 0.5 * v * (1 + np.vectorize(math.erf, otypes=[np.float64])(v * SQRT_HALF))
        return y.astype(x.dtype)
