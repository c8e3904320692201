"""UpsampleNearest: NCHW nearest-neighbour upsampling by an integer factor.

The output shape depends on an attribute, (N, C, H*scale, W*scale). The kernel walks the output as
one flat array: each thread writes GROUP (8) consecutive outputs per step of a grid-stride loop,
with one 16-byte vector store (two for 4-byte types) when y is 16-byte aligned. Output row `r`
(counting rows across N, C and H together) repeats source row `r // scale`, and output column `j`
source column `j // scale`, so a thread divides once per group to find where its first output
comes from and then steps through the next seven with counters; a group may run across rows.
Each source element is read once per `scale` neighbouring outputs (the others hit L1).
"""
import numpy as np
from numba import cuda, int64

import trtplug as tp
from trtplug.blocks import ELEMENTWISE_THREADS, GROUP, MAX_BLOCKS, is_aligned, load_one, store_group, store_one


@cuda.jit
def upsample_nearest_kernel(x, y, scale):
    out_w = y.shape[3]
    in_w = out_w // scale
    total = y.size
    vector = is_aligned(y)
    src = cuda.local.array(GROUP, int64)  # flat source index of each output of the group (registers)
    for start in range(cuda.grid(1) * GROUP, total, cuda.gridsize(1) * GROUP):
        out_row = start // out_w
        out_col = start - out_row * out_w
        in_row = out_row // scale
        row_repeat = out_row - in_row * scale  # outputs rows so far that repeated source row in_row
        in_col = out_col // scale
        col_repeat = out_col - in_col * scale
        for j in range(GROUP):
            src[j] = in_row * in_w + in_col
            out_col += 1  # step to the next output: next column, or the start of the next row
            col_repeat += 1
            if col_repeat == scale:
                col_repeat = 0
                in_col += 1
            if out_col == out_w:
                out_col, in_col, col_repeat = 0, 0, 0
                row_repeat += 1
                if row_repeat == scale:
                    row_repeat = 0
                    in_row += 1
        if vector and start + GROUP <= total:
            store_group(y, start, (load_one(x, src[0]), load_one(x, src[1]), load_one(x, src[2]),
                                   load_one(x, src[3]), load_one(x, src[4]), load_one(x, src[5]),
                                   load_one(x, src[6]), load_one(x, src[7])))
        else:
            for j in range(GROUP):
                if start + j < total:
                    store_one(y, start + j, load_one(x, src[j]))


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
        blocks = tp.min(tp.cdiv(y.numel, ELEMENTWISE_THREADS * GROUP), MAX_BLOCKS)
        tp.launch(upsample_nearest_kernel, grid=blocks, block=ELEMENTWISE_THREADS)(
            x.flat, y, tp.scalar(self.scale, "int32"))

    def reference(self, x):
        return x.repeat(self.scale, axis=2).repeat(self.scale, axis=3)
