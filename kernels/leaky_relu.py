"""LeakyReLU: y = x where x >= 0, alpha * x elsewhere, elementwise through `trtplug.blocks.elementwise`.

With `alpha` 0 it is ReLU; a negative slope of 0.1 is YOLO's activation, 0.01 PyTorch's default
(and ONNX LeakyRelu's). float16 tensors are computed in float32.
"""
import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise


@cuda.jit(device=True)
def leaky_relu(v, alpha):
    return v if v >= float32(0.0) else v * alpha


leaky_relu_kernel = elementwise(leaky_relu, inputs=1, params=1)


class LeakyRelu(tp.TrtPlugin):
    """y = x if x >= 0 else alpha * x"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    alpha = tp.Attr.float(0.01, doc="the slope for negative inputs")
    test_cases = [{"attrs": {"alpha": 0.1}}, {"attrs": {"alpha": -2.5}}]

    def enqueue(self, x, y):
        launch_elementwise(leaky_relu_kernel, y.numel)(x.flat, y.flat, self.alpha)

    def reference(self, x):
        v = x.astype(np.float64)
        return np.where(v >= 0, v, np.float32(self.alpha) * v).astype(x.dtype)
