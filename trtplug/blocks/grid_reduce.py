"""Whole-tensor reductions (a sum, a maximum) in two launches, through a workspace buffer.

`grid_reduction(op, combine)` returns the two kernels of a reduction of `op(v)` over every element
of a tensor; `launch_grid_reduction` launches them one after the other on the plugin's stream:

1. each block reads its share of the tensor in the elementwise pattern (16-byte loads, sixteen
   elements in flight per thread, a grid of at most REDUCTION_PARTIALS blocks looping over the
   tensor) and writes one partial result per block into `partials`;
2. one block of 1024 threads combines the partials into `partials[0]`.

A later launch on the same stream reads `partials[0]`, for example an `elementwise` op that takes
`partials` as a parameter. Two launches are ordered by the stream for free; one kernel would need a
grid-wide barrier, hence a cooperative launch whose grid must fit on the GPU at once.

    from numba import cuda
    import trtplug as tp
    from trtplug.blocks import REDUCTION_PARTIALS, grid_reduction, launch_grid_reduction

    @cuda.jit(device=True)
    def square(v):
        return v * v

    sum_of_squares = grid_reduction(square, "sum")

    # in a TrtPlugin:
    def workspace(self, x):
        return {"partials": tp.Buffer("float32", (REDUCTION_PARTIALS,))}

    def enqueue(self, x, y, partials):
        launch_grid_reduction(sum_of_squares, x.numel)(x.flat, partials)  # partials[0] = sum of x**2
        ...

Values are reduced in float32 (float16 tensors are widened when read).
"""
from __future__ import annotations

import math
from typing import NamedTuple

from numba import cuda, float32

from .elementwise import STEP, THREADS
from .memory import GROUP, is_aligned, load_group, load_one
from .reduce import block_max, block_sum

REDUCTION_PARTIALS = 1024  # most blocks of the first pass: float32 values the workspace holds
FINISH_THREADS = 1024  # the second pass: one thread per partial


class GridReduction(NamedTuple):
    """The two kernels of a whole-tensor reduction (see `grid_reduction`)."""
    blocks: object  # blocks(x, partials): partials[b] = block b's share of the reduction
    finish: object  # finish(partials, count): partials[0] = the reduction of partials[:count]


def reduction_grid(n):
    """Blocks of the first pass over `n` elements: `tp.min(tp.cdiv(n, THREADS * STEP), REDUCTION_PARTIALS)`."""
    import trtplug as tp
    return tp.min(tp.cdiv(n, THREADS * STEP), REDUCTION_PARTIALS)


def launch_grid_reduction(reduction: GridReduction, n):
    """Launches both passes of `reduction` over `n` elements: call the result with `(x, partials)`."""
    import trtplug as tp

    def launch(x, partials):
        blocks = reduction_grid(n)
        tp.launch(reduction.blocks, grid=blocks, block=THREADS)(x, partials)
        tp.launch(reduction.finish, grid=1, block=FINISH_THREADS)(partials, blocks)
    return launch


@cuda.jit(device=True)
def _add(a, b):
    return a + b


@cuda.jit(device=True)
def _max(a, b):
    return max(a, b)


# combine -> (how two values combine, how a block combines its threads' values, the identity)
_COMBINES = {"sum": (_add, block_sum, 0.0), "max": (_max, block_max, -math.inf)}


def _finish_kernel(both, block_reduce, identity):
    @cuda.jit
    def grid_reduction_finish(partials, count):
        v = float32(identity)
        for i in range(cuda.threadIdx.x, count, cuda.blockDim.x):
            v = both(v, partials[i])
        v = block_reduce(v)  # every partial has been read before its barrier
        if cuda.threadIdx.x == 0:
            partials[0] = v
    return grid_reduction_finish


_FINISH = {name: _finish_kernel(*combine) for name, combine in _COMBINES.items()}


def grid_reduction(op, combine: str = "sum") -> GridReduction:
    """The kernels reducing `op(v)` over every element with `combine` ("sum" or "max")."""
    name = getattr(getattr(op, "py_func", op), "__name__", "op")
    if combine not in _COMBINES:
        raise ValueError(f"grid_reduction({name}): combine must be one of {sorted(_COMBINES)}, got {combine!r}")
    both, block_reduce, identity = _COMBINES[combine]

    @cuda.jit
    def grid_reduction_blocks(x, partials):
        n = x.size
        thread = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
        threads = cuda.gridDim.x * cuda.blockDim.x
        acc = float32(identity)
        if is_aligned(x):
            groups = n // GROUP
            for g in range(thread, groups, 2 * threads):
                # Two groups one grid width apart, both loaded before either is reduced. The second
                # index is clamped for the load and its values counted only when it is in range.
                h = g + threads
                a = load_group(x, g * GROUP)
                b = load_group(x, min(h, groups - 1) * GROUP)
                for k in range(GROUP):
                    acc = both(acc, op(a[k]))
                if h < groups:
                    for k in range(GROUP):
                        acc = both(acc, op(b[k]))
            i = groups * GROUP + thread
            if i < n:
                acc = both(acc, op(load_one(x, i)))
        else:
            for i in range(thread, n, threads):  # any alignment: one coalesced element at a time
                acc = both(acc, op(load_one(x, i)))
        acc = block_reduce(acc)
        if cuda.threadIdx.x == 0:
            partials[cuda.blockIdx.x] = acc

    return GridReduction(grid_reduction_blocks, _FINISH[combine])
