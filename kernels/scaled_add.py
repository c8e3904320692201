"""ScaledAdd: y = x + alpha * b, with b broadcast against x the numpy way (NCHW, 4-D).

b has rank 4 and each of its dims is 1 or equal to x's, e.g. a per-channel bias (1, C, 1, 1)
or a per-image map (N, 1, H, W). The kernel is `trtplug.blocks.elementwise` with b broadcast: when b
has x's shape every access is a 16-byte vector access, otherwise b's index follows x's.
"""
import numpy as np
from numba import cuda

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise


@cuda.jit(device=True)
def scaled_add(x, b, alpha):
    return x + alpha * b


scaled_add_kernel = elementwise(scaled_add, inputs=2, params=1, broadcast=[1])


class ScaledAdd(tp.TrtPlugin):
    """y = x + alpha * broadcast(b)"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=4),
              tp.Input("b", dtypes=("float32", "float16"), rank=4)]
    outputs = [tp.Output("y", like="x")]
    alpha = tp.Attr.float(1.0, doc="scale applied to b")
    test_shapes = [
        {"x": (2, 3, 5, 7), "b": (1, 3, 1, 1)},
        {"x": (1, 16, 33, 65), "b": (1, 1, 33, 65)},
        {"x": (4, 8, 1, 9), "b": (4, 8, 1, 9)},
    ]
    test_cases = [
        {"attrs": {"alpha": -2.5}},
        {"attrs": {"alpha": 0.0}, "shapes": {"x": (2, 3, 5, 7), "b": (2, 3, 5, 7)}},
    ]

    def constraints(self, x, b):
        # The kernel indexes b with x's coordinates wherever b's dim is not 1.
        for axis, name in enumerate(("N", "C", "H", "W")):
            tp.require((b.shape[axis] == 1) | (b.shape[axis] == x.shape[axis]),
                       f"b's {name} dim must be 1 or equal to x's")

    def enqueue(self, x, b, y):
        launch_elementwise(scaled_add_kernel, y.numel)(x.flat, b, y, self.alpha)

    def reference(self, x, b):
        return (x.astype(np.float32) + np.float32(self.alpha) * b.astype(np.float32)).astype(x.dtype)
