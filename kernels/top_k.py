"""TopK and ArgMax along the last dim of a 2-D tensor, with int32 indices.

    TopK:    x [rows, C]  ->  values [rows, k] (x's dtype), indices [rows, k] (int32)
    ArgMax:  x [rows, C]  ->  indices [rows, 1] (int32; ONNX ArgMax with keepdims=1)

The k largest values of each row, largest first (or, with `largest` false, the k smallest,
smallest first), as ONNX TopK and torch.topk(sorted=True) give them. Equal values come in index
order, lowest first, so the result is exact and deterministic. ArgMax is the first of TopK with
k = 1: the index of a row's largest value, the lowest one if it occurs more than once. Rows of
other ranks are reshaped to 2-D around the plugin (a traced launch names the last dim only for a
declared rank). NaN values are not ordered: a row holding them gives unspecified indices.

One block per row. Round t finds the row's t-th value: each thread scans its columns for the best
value that comes strictly after the (t-1)-th in the order above, then the block reduces the
candidates (value, index) pairs through shared memory. k rounds read the row k times (from L1/L2
after the first), no extra memory, no sort: right for the small k of detection heads and
classifiers (k up to a few dozen); a k in the hundreds on long rows wants a radix select instead.
float16 values are compared in float32 (exactly: every half is a float32).
"""
import math

import numpy as np
from numba import cuda, float32, int32

import trtplug as tp

THREADS = 256
NONE = -1  # no candidate: every value of the thread's columns came earlier in the order


@cuda.jit(device=True)
def comes_first(value_a, index_a, value_b, index_b):
    """True when candidate a comes before candidate b: larger value, or equal value and lower index."""
    if index_b == NONE:
        return index_a != NONE
    if index_a == NONE:
        return False
    return value_a > value_b or (value_a == value_b and index_a < index_b)


@cuda.jit(device=True)
def row_next(x, start, cols, sign, last_value, last_index, values, indices):
    """The best (sign * value, index) of the row that comes strictly after (last_value, last_index)
    (last_index NONE: the best of all), for every thread of the block; NONE when there is none."""
    tid = cuda.threadIdx.x
    best_value, best_index = float32(-math.inf), int32(NONE)
    for c in range(tid, cols, cuda.blockDim.x):
        v = sign * float32(x[start + c])
        after_last = last_index == NONE or comes_first(last_value, last_index, v, c)
        if after_last and comes_first(v, c, best_value, best_index):
            best_value, best_index = v, int32(c)
    values[tid] = best_value
    indices[tid] = best_index
    cuda.syncthreads()
    step = cuda.blockDim.x // 2
    while step > 0:  # tree reduction of the candidates (blockDim.x a power of two)
        if tid < step and comes_first(values[tid + step], indices[tid + step], values[tid], indices[tid]):
            values[tid] = values[tid + step]
            indices[tid] = indices[tid + step]
        cuda.syncthreads()
        step //= 2
    best_value, best_index = values[0], indices[0]
    cuda.syncthreads()  # every thread has read the result before the next round writes
    return best_value, best_index


@cuda.jit
def top_k_kernel(x, out_values, out_indices, cols, k, largest):
    values = cuda.shared.array(THREADS, float32)
    indices = cuda.shared.array(THREADS, int32)
    row = cuda.blockIdx.x
    sign = float32(1.0) if largest else float32(-1.0)
    value, index = float32(math.inf), int32(NONE)
    for t in range(k):
        value, index = row_next(x, row * cols, cols, sign, value, index, values, indices)
        if cuda.threadIdx.x == 0:
            out_values[row * k + t] = sign * value
            out_indices[row * k + t] = index


@cuda.jit
def arg_max_kernel(x, out_indices, cols):
    values = cuda.shared.array(THREADS, float32)
    indices = cuda.shared.array(THREADS, int32)
    row = cuda.blockIdx.x
    _, index = row_next(x, row * cols, cols, float32(1.0), float32(math.inf), int32(NONE), values, indices)
    if cuda.threadIdx.x == 0:
        out_indices[row] = index


def reference_order(x, largest=True):
    """Each row's column indices in the plugin's order: by value (descending when largest), ties by index."""
    keys = -x.astype(np.float64) if largest else x.astype(np.float64)
    return np.argsort(keys, axis=-1, kind="stable")  # stable: equal values keep index order


class TopK(tp.TrtPlugin):
    """values, indices = the k largest (or smallest) of each row, in order, ties by lowest index"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=2)]
    outputs = [tp.Output("values", dtype_like="x", rank=2), tp.Output("indices", dtype="int32", rank=2)]
    k = tp.Attr.int(5, min=1, max=1024)
    largest = tp.Attr.bool(True, doc="true: the largest values, largest first; false: the smallest first")
    test_shapes = [{"x": (3, 10)}, {"x": (4, 1000)}, {"x": (2, 5)}]
    test_cases = [{"attrs": {"k": 1, "largest": False}}, {"attrs": {"k": 37}, "shapes": {"x": (2, 300)}},
                  {"attrs": {"k": 3}, "shapes": {"x": (5, 3)}}]

    def constraints(self, x):
        tp.require(x.shape[1] >= self.k, "x's rows must hold at least k values")

    def output_shapes(self, x):
        return [(x.shape[0], self.k), (x.shape[0], self.k)]

    def enqueue(self, x, values, indices):
        rows, cols = x.shape
        tp.launch(top_k_kernel, grid=rows, block=THREADS)(x.flat, values.flat, indices.flat, cols,
                                                          self.k, self.largest)

    def reference(self, x):
        order = reference_order(x, self.largest)[:, :self.k]
        return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


class ArgMax(tp.TrtPlugin):
    """indices[r, 0] = the index of row r's largest value (the lowest such index)"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=2)]
    outputs = [tp.Output("indices", dtype="int32", rank=2)]
    test_shapes = [{"x": (3, 10)}, {"x": (4, 1000)}, {"x": (7, 1)}, {"x": (2, 4099)}]

    def constraints(self, x):
        tp.require(x.shape[1] > 0, "x's rows must not be empty")

    def output_shapes(self, x):
        return [(x.shape[0], 1)]

    def enqueue(self, x, indices):
        rows, cols = x.shape
        tp.launch(arg_max_kernel, grid=rows, block=THREADS)(x.flat, indices.flat, cols)

    def reference(self, x):
        return reference_order(x)[:, :1].astype(np.int32)
