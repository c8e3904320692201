"""Squareplus, a smooth ReLU-like activation ONNX has no operator for: y = (x + sqrt(x*x + b)) / 2.

(Barron, "Squareplus: A Softplus-Like Algebraic Rectifier", 2021, arXiv:2112.11687.) b > 0 sets
how smooth the bend at 0 is; b = 4 matches softplus's value at 0. Its op type is "Squareplus": a
name no standard ONNX operator has, so TensorRT's ONNX parser hands the node to the plugin.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise


@cuda.jit(device=True)
def squareplus(v, b):
    return (v + math.sqrt(v * v + b)) * float32(0.5)


squareplus_kernel = elementwise(squareplus, params=1)


class Squareplus(tp.TrtPlugin):
    """y = (x + sqrt(x^2 + b)) / 2"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    b = tp.Attr.float(4.0, min=1e-6, doc="smoothness of the bend at 0 (> 0)")
    tolerance = {"float16": (2e-3, 2e-3)}
    test_shapes = [{"x": (1, 8, 32, 32)}, {"x": (1000,)}]
    test_cases = [{"attrs": {"b": 1.0}}]

    def enqueue(self, x, y):
        launch_elementwise(squareplus_kernel, y.numel)(x.flat, y.flat, self.b)

    def reference(self, x):
        v = x.astype(np.float32)
        return ((v + np.sqrt(v * v + np.float32(self.b))) * np.float32(0.5)).astype(x.dtype)
