"""MaxAbsNormalize: y = x / max(|x|) over the whole tensor, in three launches on the blocks.

`trtplug.blocks.grid_reduction` finds max(|x|): each block reduces its share of x into the
workspace, then one block combines those partial maxima into `partials[0]`. An elementwise kernel
then multiplies every element by 1 / partials[0]; it runs after the reduction because TensorRT
launches all three on the same stream. A tensor of zeros gives zeros.
"""
import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import REDUCTION_PARTIALS, elementwise, grid_reduction, launch_elementwise, launch_grid_reduction


@cuda.jit(device=True)
def magnitude(v):
    return abs(v)


@cuda.jit(device=True)
def divide_by_max(v, partials):
    m = partials[0]  # max(|x|), written by the reduction launched before this kernel
    scale = float32(1.0) / m  # outside the branch, so the compiler divides once per group of elements
    return v * scale if m > float32(0.0) else float32(0.0)


max_abs = grid_reduction(magnitude, "max")
divide_by_max_kernel = elementwise(divide_by_max, inputs=1, params=1)


class MaxAbsNormalize(tp.TrtPlugin):
    """y = x / max(|x|)"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    test_shapes = [{"x": (1,)}, {"x": (3, 7)}, {"x": (1000, 333)}, {"x": (2, 100003)}]

    def workspace(self, x):
        return {"partials": tp.Buffer("float32", (REDUCTION_PARTIALS,))}

    def enqueue(self, x, y, partials):
        n = x.numel
        launch_grid_reduction(max_abs, n)(x.flat, partials)  # partials[0] = max(|x|)
        launch_elementwise(divide_by_max_kernel, n)(x.flat, y.flat, partials)

    def reference(self, x):
        v = x.astype(np.float32)
        m = np.abs(v).max() if v.size else np.float32(0)
        return (v * (np.float32(1) / m if m > 0 else np.float32(0))).astype(x.dtype)
