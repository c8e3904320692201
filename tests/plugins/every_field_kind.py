"""A plugin with one attribute of every kind, for the ONNX node tests: y = x * scale (the other
attributes are carried, not used). Float list values are whole numbers on purpose: written without
an explicit type they would become INTS, which TensorRT's parser hands over as kINT32."""
import numpy as np
from numba import cuda

import trtplug as tp


@cuda.jit
def scale_kernel(x, y, scale, n):
    i = cuda.grid(1)
    if i < n:
        y[i] = x[i] * scale


class EveryFieldKind(tp.TrtPlugin):
    inputs = [tp.Input("x", dtypes=("float32",), rank=2)]
    outputs = [tp.Output("y", like="x")]
    count = tp.Attr.int(3, min=0, max=100)
    scale = tp.Attr.float(0.1)
    enabled = tp.Attr.bool(True)
    mode = tp.Attr.string("bilinear", choices=("nearest", "bilinear"))
    pads = tp.Attr.int_list([1, -2, 3], length=3)
    weights = tp.Attr.float_list([1.0, 2.0], length=(0, 4))
    empty = tp.Attr.int_list([], length=(0, 2))
    test_shapes = [{"x": (3, 5)}]

    def enqueue(self, x, y):
        n = x.numel
        tp.launch(scale_kernel, grid=tp.cdiv(n, 128), block=128)(x.flat, y.flat, self.scale, n)

    def reference(self, x):
        return (x * np.float32(self.scale)).astype(np.float32)
