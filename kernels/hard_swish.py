"""HardSwish: y = x * relu6(x + 3) / 6, elementwise through `trtplug.blocks.elementwise`.

float16 tensors are computed in float32 and rounded once when stored; for every finite half
value that does not overflow, the result is within the tolerance below of numpy's step-by-step
half-precision arithmetic (the reference).
"""
import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise


@cuda.jit(device=True)
def hard_swish(v):
    t = min(max(v + float32(3.0), float32(0.0)), float32(6.0))
    # A multiplication by 1/6, not a division: an IEEE float32 division is a call with a slow path
    # per element, which made this memory-bound kernel compute-bound.
    return v * t * float32(1.0 / 6.0)


hard_swish_kernel = elementwise(hard_swish)


class HardSwish(tp.TrtPlugin):
    """y = x * relu6(x + 3) / 6"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    tolerance = {"float16": (1e-3, 1e-3)}  # one half-precision ulp: hdiv may round differently
    # Threads per block: TensorRT times each (IPluginV3) and keeps the fastest for the engine's GPU.
    tactics = [tp.Tactic("block256", block=256), tp.Tactic("block128", block=128), tp.Tactic("block512", block=512)]

    def enqueue(self, x, y):              # traced once per dtype combination and tactic
        launch_elementwise(hard_swish_kernel, y.numel, threads=self.tactic.block)(x.flat, y.flat)

    def reference(self, x):
        # numpy rounds every float16 operation to half precision, like the GPU's half arithmetic
        dt = x.dtype.type
        t = np.clip(x + dt(3), dt(0), dt(6))
        return (x * t) / dt(6)
