"""GatherElements and ScatterElements: elements picked, or written, along one axis of a 4-D tensor
by an int32 index tensor (ONNX GatherElements and ScatterElements, torch.gather and torch.scatter).

    GatherElements:   y[..., j, ...] = x[..., indices[..., j, ...], ...]            (along `axis`)
    ScatterElements:  y = data, then y[..., indices[..., k, ...], ...] = updates[..., k, ...]
                      (`add` false, ONNX reduction "none"), or += (`add` true, "add")

Both take 4-D tensors (reshape others around the plugin, adding dims of 1) whose dims agree on
every axis but `axis`. An index i addresses element i mod the axis length: -1 is the last (as in
ONNX and numpy) and no index reads or writes outside the tensor.

GatherElements: one thread per output element, which reads its index and then one element.

ScatterElements: one thread per output element too, so no two threads write one element and no
atomics are needed (float16 has no atomic add on older GPUs, and float sums in atomic order would
differ from run to run). The thread looks through the K = indices.shape[axis] updates of its line
for the ones aimed at it and applies them in order; replacing, the last one wins, which makes
duplicate indices deterministic. That costs K index reads per output element: right for the
small K of a detector's or a sampler's scatter, slow for long scatters into long lines.
"""
import numpy as np
from numba import cuda

import trtplug as tp

THREADS = 256
MAX_BLOCKS = 16384


@cuda.jit(device=True)
def coordinates(i, shape):
    """The 4 coordinates of flat index i in a C-ordered tensor of `shape`."""
    d3 = i % shape[3]
    d2 = (i // shape[3]) % shape[2]
    d1 = (i // (shape[3] * shape[2])) % shape[1]
    d0 = i // (shape[3] * shape[2] * shape[1])
    return d0, d1, d2, d3


@cuda.jit(device=True)
def replaced(d0, d1, d2, d3, axis, value):
    """The coordinates with the one on `axis` replaced by `value`."""
    return (value if axis == 0 else d0, value if axis == 1 else d1, value if axis == 2 else d2,
            value if axis == 3 else d3)


@cuda.jit
def gather_elements_kernel(x, indices, y, axis):
    n = x.shape[axis]
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        d0, d1, d2, d3 = coordinates(i, y.shape)
        j = indices[d0, d1, d2, d3] % n  # Python's modulo: in [0, n) for negative indices too
        s0, s1, s2, s3 = replaced(d0, d1, d2, d3, axis, j)
        y[d0, d1, d2, d3] = x[s0, s1, s2, s3]


@cuda.jit
def scatter_elements_kernel(data, indices, updates, y, axis, add):
    n = data.shape[axis]
    lines = indices.shape[axis]
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        d0, d1, d2, d3 = coordinates(i, y.shape)
        target = d0 if axis == 0 else (d1 if axis == 1 else (d2 if axis == 2 else d3))
        value = data[d0, d1, d2, d3]
        for k in range(lines):
            s0, s1, s2, s3 = replaced(d0, d1, d2, d3, axis, k)
            if indices[s0, s1, s2, s3] % n == target:
                value = value + updates[s0, s1, s2, s3] if add else updates[s0, s1, s2, s3]
        y[d0, d1, d2, d3] = value


def _launch(kernel, n):
    return tp.launch(kernel, grid=tp.min(tp.cdiv(n, THREADS), MAX_BLOCKS), block=THREADS)


def _require_same_dims_off_axis(plugin, a, b, message):
    for d in range(4):
        tp.require((plugin.axis == d) | (a.shape[d] == b.shape[d]), message)


class GatherElements(tp.TrtPlugin):
    """y[..., j, ...] = x[..., indices[..., j, ...] mod x.shape[axis], ...] along `axis`"""

    inputs = [tp.Input("x", dtypes=("float32", "float16", "int32"), rank=4),
              tp.Input("indices", dtypes=("int32",), rank=4)]
    outputs = [tp.Output("y", dtype_like="x", rank=4)]
    axis = tp.Attr.int(1, min=0, max=3)
    test_shapes = [{"x": (2, 5, 3, 4), "indices": (2, 7, 3, 4)}, {"x": (1, 1000, 1, 3), "indices": (1, 1, 1, 3)}]
    test_cases = [{"attrs": {"axis": 3}, "shapes": {"x": (2, 3, 4, 9), "indices": (2, 3, 4, 2)}},
                  {"attrs": {"axis": 0}, "shapes": {"x": (4, 3, 2, 2), "indices": (6, 3, 2, 2)}}]

    def constraints(self, x, indices):
        _require_same_dims_off_axis(self, x, indices, "indices must have x's dims on every axis but `axis`")
        tp.require((x.numel > 0) | (indices.numel == 0), "x must not be empty when there are indices")

    def output_shapes(self, x, indices):
        return [tuple(indices.shape)]

    def enqueue(self, x, indices, y):
        _launch(gather_elements_kernel, y.numel)(x, indices, y, tp.scalar(self.axis, "int32"))

    def reference(self, x, indices):
        return np.take_along_axis(x, indices.astype(np.int64) % x.shape[self.axis], axis=self.axis)


class ScatterElements(tp.TrtPlugin):
    """y = data with updates written (or added) at indices along `axis`; the last of duplicates wins"""

    inputs = [tp.Input("data", dtypes=("float32", "float16", "int32"), rank=4),
              tp.Input("indices", dtypes=("int32",), rank=4),
              tp.Input("updates", dtypes=("float32", "float16", "int32"), rank=4)]
    outputs = [tp.Output("y", like="data")]
    dtype_combinations = [{"data": d, "indices": "int32", "updates": d} for d in ("float32", "float16", "int32")]
    axis = tp.Attr.int(1, min=0, max=3)
    add = tp.Attr.bool(False, doc="true: updates are added (ONNX reduction 'add'); false: they replace")
    test_shapes = [{"data": (2, 5, 3, 4), "indices": (2, 7, 3, 4), "updates": (2, 7, 3, 4)},
                   {"data": (1, 300, 2, 2), "indices": (1, 40, 2, 2), "updates": (1, 40, 2, 2)}]
    test_cases = [{"attrs": {"add": True}},
                  {"attrs": {"axis": 3, "add": True},
                   "shapes": {"data": (2, 3, 4, 9), "indices": (2, 3, 4, 5), "updates": (2, 3, 4, 5)}},
                  {"attrs": {"axis": 0}, "shapes": {"data": (3, 2, 2, 2), "indices": (5, 2, 2, 2),
                                                    "updates": (5, 2, 2, 2)}}]

    def constraints(self, data, indices, updates):
        _require_same_dims_off_axis(self, data, indices, "indices must have data's dims on every axis but `axis`")
        for d in range(4):
            tp.require(updates.shape[d] == indices.shape[d], "updates must have the shape of indices")
        tp.require((data.numel > 0) | (indices.numel == 0), "data must not be empty when there are indices")

    def enqueue(self, data, indices, updates, y):
        _launch(scatter_elements_kernel, y.numel)(data, indices, updates, y, tp.scalar(self.axis, "int32"),
                                                  self.add)

    def reference(self, data, indices, updates):
        y = data.copy()
        n = data.shape[self.axis]
        target = np.moveaxis(indices.astype(np.int64) % n, self.axis, 0)
        source = np.moveaxis(updates, self.axis, 0)
        out = np.moveaxis(y, self.axis, 0)  # a view: writes land in y
        rest = np.indices(target.shape[1:])
        for k in range(target.shape[0]):  # in order, so the last of duplicate indices wins
            where = (target[k], *rest)
            out[where] = out[where] + source[k] if self.add else source[k]
        return y
