"""ScaledAdd: y = x + alpha * b, with b broadcast against x the numpy way (NCHW, 4-D).

b has rank 4 and each of its dims is 1 or equal to x's, e.g. a per-channel bias (1, C, 1, 1)
or a per-image map (N, 1, H, W).
"""
import numpy as np
from numba import cuda, float32

import trtplug as tp


@cuda.jit
def scaled_add_kernel(x, b, y, alpha, total):
    i = cuda.grid(1)
    if i < total:
        _, c_dim, h_dim, w_dim = x.shape
        w = i % w_dim
        h = (i // w_dim) % h_dim
        c = (i // (w_dim * h_dim)) % c_dim
        n = i // (w_dim * h_dim * c_dim)
        bn = n if b.shape[0] > 1 else 0
        bc = c if b.shape[1] > 1 else 0
        bh = h if b.shape[2] > 1 else 0
        bw = w if b.shape[3] > 1 else 0
        y[n, c, h, w] = float32(x[n, c, h, w]) + alpha * float32(b[bn, bc, bh, bw])


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

    def enqueue(self, x, b, y):
        total = x.numel
        tp.launch(scaled_add_kernel, grid=tp.cdiv(total, 256), block=256)(x, b, y, self.alpha, total)

    def reference(self, x, b):
        return (x.astype(np.float32) + np.float32(self.alpha) * b.astype(np.float32)).astype(x.dtype)
