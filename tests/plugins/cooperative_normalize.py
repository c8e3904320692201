"""CooperativeMaxAbsNormalize: y = x / max(|x|) in one cooperative kernel, for the tests.

kernels/max_normalize.py does the same in two ordinary passes on trtplug.blocks (what users should
copy); this one keeps a cooperative launch (cuLaunchCooperativeKernel) running end to end through a
built library on the GPU, and gives `trtplug compile` a kernel that has no sm_87 cubin.

A grid-wide barrier (cuda.cg.this_grid().sync()) separates the reduction from the scaling, so the
kernel is launched with cuLaunchCooperativeKernel; its grid is capped at 80 blocks of 256 threads
so that every block is resident at once on any supported GPU. The running maximum lives in the
plugin's workspace.
"""
import numpy as np
from numba import cuda, float32

import trtplug as tp

BLOCKS = 80
THREADS = 256


@cuda.jit
def max_abs_normalize_kernel(x, y, scratch, n):
    grid = cuda.cg.this_grid()
    start = cuda.grid(1)
    stride = cuda.gridsize(1)
    if start == 0:
        scratch[0] = float32(0.0)
    grid.sync()
    local = float32(0.0)
    for i in range(start, n, stride):
        local = max(local, abs(float32(x[i])))
    cuda.atomic.max(scratch, 0, local)
    grid.sync()
    m = scratch[0]
    scale = float32(1.0) / m if m > float32(0.0) else float32(0.0)
    for i in range(start, n, stride):
        y[i] = float32(x[i]) * scale


class CooperativeMaxAbsNormalize(tp.TrtPlugin):
    """y = x / max(|x|)"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"))]
    outputs = [tp.Output("y", like="x")]
    test_shapes = [{"x": (1,)}, {"x": (1000, 333)}, {"x": (2, 100003)}]

    def workspace(self, x):
        return {"scratch": tp.Buffer("float32", (1,))}

    def enqueue(self, x, y, scratch):
        n = x.numel
        grid = tp.min(tp.cdiv(n, THREADS), BLOCKS)
        tp.launch(max_abs_normalize_kernel, grid=grid, block=THREADS, cooperative=True)(x.flat, y.flat, scratch, n)

    def reference(self, x):
        v = x.astype(np.float32)
        m = np.abs(v).max() if v.size else np.float32(0)
        return (v * (np.float32(1) / m if m > 0 else np.float32(0))).astype(x.dtype)
