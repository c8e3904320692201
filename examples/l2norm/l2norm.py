"""L2Normalize: y[r, :] = x[r, :] / max(||x[r, :]||_2, eps) over the last axis of a 2-D tensor.

Shows a plugin with a workspace buffer, dynamic shared memory and two launches:
  1. one block per row reduces the row's sum of squares into the workspace (shared-memory tree);
  2. an elementwise kernel (calling a device function) divides every element by its row's norm.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp

THREADS = 256


@cuda.jit
def row_sum_squares(x, partial, cols):
    row = cuda.blockIdx.x
    tid = cuda.threadIdx.x
    acc = cuda.shared.array(0, float32)  # dynamic: THREADS floats
    s = float32(0.0)
    for c in range(tid, cols, cuda.blockDim.x):
        v = float32(x[row, c])
        s += v * v
    acc[tid] = s
    cuda.syncthreads()
    stride = cuda.blockDim.x // 2
    while stride > 0:
        if tid < stride:
            acc[tid] += acc[tid + stride]
        cuda.syncthreads()
        stride //= 2
    if tid == 0:
        partial[row] = acc[0]


@cuda.jit(device=True)
def element(x, i, cols):
    return float32(x[i // cols, i % cols])


@cuda.jit
def scale_rows(x, sum_squares, y, eps, total, cols):
    i = cuda.grid(1)
    if i < total:
        norm = math.sqrt(sum_squares[i // cols])
        y[i] = element(x, i, cols) / max(norm, eps)


class L2Normalize(tp.TrtPlugin):
    """Normalizes each row of a 2-D tensor to unit L2 norm."""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=2)]
    outputs = [tp.Output("y", like="x")]
    eps = tp.Attr.float(1e-12, min=0.0)
    test_shapes = [{"x": (3, 5)}, {"x": (64, 1000)}, {"x": (1, 4097)}, {"x": (2048, 129)}]

    def workspace(self, x):
        return {"sum_squares": tp.Buffer("float32", (x.shape[0],))}

    def enqueue(self, x, y, sum_squares):
        rows, cols = x.shape
        tp.launch(row_sum_squares, grid=rows, block=THREADS, shared=THREADS * 4)(x, sum_squares, cols)
        total = x.numel
        tp.launch(scale_rows, grid=tp.cdiv(total, 256), block=256)(x, sum_squares, y.flat, self.eps, total, cols)

    def reference(self, x):
        v = x.astype(np.float64)
        norm = np.sqrt((v * v).sum(axis=1, keepdims=True))
        return (v / np.maximum(norm, self.eps)).astype(x.dtype)
