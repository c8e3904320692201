"""HardSwish: y = x * relu6(x + 3) / 6, computed in the tensor's own precision.

The float16 variant does its arithmetic in half precision (numba's fp16 support code is linked
into the kernel's cubin ahead of time); the constants are passed as scalars of the tensor dtype.
"""
import numpy as np
from numba import cuda

import trtplug as tp


@cuda.jit
def hard_swish_kernel(x, y, three, six, zero, n):
    i = cuda.grid(1)
    if i < n:
        v = x[i]
        t = v + three
        if t < zero:
            t = zero
        elif t > six:
            t = six
        y[i] = v * t / six


class HardSwish(tp.TrtPlugin):
    """y = x * relu6(x + 3) / 6"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    tolerance = {"float16": (1e-3, 1e-3)}  # one half-precision ulp: hdiv may round differently

    def enqueue(self, x, y):
        n = x.numel
        dt = x.dtype  # traced once per dtype: float16 scalars make the kernel compute in half
        tp.launch(hard_swish_kernel, grid=tp.cdiv(n, 256), block=256)(
            x.flat, y.flat, tp.scalar(3.0, dt), tp.scalar(6.0, dt), tp.scalar(0.0, dt), n)

    def reference(self, x):
        # numpy rounds every float16 operation to half precision, like the GPU's half arithmetic
        dt = x.dtype.type
        t = np.clip(x + dt(3), dt(0), dt(6))
        return (x * t) / dt(6)
