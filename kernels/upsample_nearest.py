"""UpsampleNearest: NCHW nearest-neighbour upsampling by an integer factor.

The output shape depends on an attribute, (N, C, H*scale, W*scale); the kernel runs on a 3-D grid
of 16x16 tiles over (W, H, N*C).
"""
import numpy as np
from numba import cuda

import trtplug as tp


@cuda.jit
def upsample_nearest_kernel(x, y, scale):
    ow, oh, plane = cuda.grid(3)
    n_dim, c_dim, out_h, out_w = y.shape
    if ow < out_w and oh < out_h and plane < n_dim * c_dim:
        n = plane // c_dim
        c = plane % c_dim
        y[n, c, oh, ow] = x[n, c, oh // scale, ow // scale]


class UpsampleNearest(tp.TrtPlugin):
    """y[n, c, i, j] = x[n, c, i // scale, j // scale]"""

    inputs = [tp.Input("x", dtypes=("float32", "float16", "int32", "int8"), rank=4)]
    outputs = [tp.Output("y", dtype_like="x", rank=4)]
    scale = tp.Attr.int(2, min=1, max=64)
    test_cases = [{"attrs": {"scale": 1}}, {"attrs": {"scale": 3}, "shapes": {"x": (1, 2, 5, 7)}}]

    def output_shapes(self, x):
        n, c, h, w = x.shape
        return [(n, c, h * self.scale, w * self.scale)]

    def enqueue(self, x, y):
        n, c, out_h, out_w = y.shape
        grid = (tp.cdiv(out_w, 16), tp.cdiv(out_h, 16), n * c)
        tp.launch(upsample_nearest_kernel, grid=grid, block=(16, 16))(x, y, tp.scalar(self.scale, "int32"))

    def reference(self, x):
        return x.repeat(self.scale, axis=2).repeat(self.scale, axis=3)
