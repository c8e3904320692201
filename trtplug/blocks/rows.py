"""Row-wise kernels (normalization, softmax): one block per row, the row held in registers.

`launch_rows(kernel, rows, cols)` launches one block per row with `row_threads(cols)` threads: a
whole number of warps with up to ROW_VALUES (32) columns each, between one warp and 1024 threads.
It is a traced expression, so it follows the row length TensorRT gives at run time.

A row that fits (`row_fits(cols)`: cols a multiple of GROUP and at most 1024 * ROW_VALUES) and
whose arrays are 16-byte aligned is read once, with 16-byte vector loads all issued before any
math, into a per-thread `cuda.local.array(ROW_VALUES, float32)` that the compiler keeps in
registers (every index into it is a constant once the loops over ROW_CHUNKS are unrolled):

    from numba import cuda, float32
    from trtplug.blocks import (ROW_VALUES, block_max, is_aligned, launch_rows, load_row, row_fits,
                                row_max, store_row)

    @cuda.jit
    def clip_to_row_max(x, y, cols):                # in a TrtPlugin: launch_rows(clip..., rows, cols)
        start = cuda.blockIdx.x * cols
        if row_fits(cols) and is_aligned(x) and is_aligned(y):
            v = cuda.local.array(ROW_VALUES, float32)
            load_row(x, start, cols, v, float32(0.0))   # columns past the row read as the fill value
            top = block_max(row_max(v, cols))
            ...
            store_row(y, start, cols, v)
        else:
            ...                                     # a plain loop over the row's columns

Thread t holds chunks k = 0..ROW_CHUNKS-1 of GROUP (8) consecutive columns starting at column
`row_chunk(k)` = (t + k * blockDim.x) * GROUP: neighbouring threads read neighbouring 16-byte
pieces, so every load is coalesced. Value `k * GROUP + j` of the local array is column
`row_chunk(k) + j`; chunks at or past `cols` are not loaded, stored or counted.
"""
import math

from numba import cuda, float32

from .memory import GROUP, load_group, store_group

WARP = 32
MAX_THREADS = 1024
ROW_CHUNKS = 4  # chunks of GROUP columns a thread holds
ROW_VALUES = ROW_CHUNKS * GROUP  # columns a thread holds: 32 float32 registers
MAX_ROW_COLS = MAX_THREADS * ROW_VALUES  # longest row held in registers (32768)
NEG_INF = -math.inf


def row_threads(cols):
    """Threads per block for rows of `cols` elements: a multiple of 32 in [32, 1024]."""
    import trtplug as tp
    return tp.min(tp.max(tp.cdiv(cols, WARP * ROW_VALUES), 1) * WARP, MAX_THREADS)


def launch_rows(kernel, rows, cols):
    """`tp.launch` of a one-block-per-row kernel; call the result with the kernel's arguments."""
    import trtplug as tp
    return tp.launch(kernel, grid=rows, block=row_threads(cols))


@cuda.jit(device=True)
def row_fits(cols):
    """True when rows of `cols` columns can be held in registers by this block (load_row)."""
    return cols % GROUP == 0 and cols <= cuda.blockDim.x * ROW_VALUES


@cuda.jit(device=True)
def row_chunk(k):
    """First column of this thread's chunk `k` (values k * GROUP .. k * GROUP + 7)."""
    return (cuda.threadIdx.x + k * cuda.blockDim.x) * GROUP


@cuda.jit(device=True)
def load_row(x, start, cols, values, fill):
    """This thread's columns of the row at flat index `start` into `values`; `fill` past the row."""
    for k in range(ROW_CHUNKS):
        c = row_chunk(k)
        if c < cols:
            group = load_group(x, start + c)
            for j in range(GROUP):
                values[k * GROUP + j] = group[j]
        else:
            for j in range(GROUP):
                values[k * GROUP + j] = fill


@cuda.jit(device=True)
def store_row(y, start, cols, values):
    """Writes this thread's columns (`values`, as load_row placed them) of the row at `start`."""
    for k in range(ROW_CHUNKS):
        c = row_chunk(k)
        if c < cols:
            b = k * GROUP
            store_group(y, start + c, (values[b], values[b + 1], values[b + 2], values[b + 3],
                                       values[b + 4], values[b + 5], values[b + 6], values[b + 7]))


@cuda.jit(device=True)
def row_sum(values, cols):
    """Sum of this thread's columns of the row (combine across the block with block_sum)."""
    s = float32(0.0)
    for k in range(ROW_CHUNKS):
        if row_chunk(k) < cols:
            for j in range(GROUP):
                s += values[k * GROUP + j]
    return s


@cuda.jit(device=True)
def row_max(values, cols):
    """Maximum of this thread's columns of the row (-inf if none; combine with block_max)."""
    m = float32(NEG_INF)
    for k in range(ROW_CHUNKS):
        if row_chunk(k) < cols:
            for j in range(GROUP):
                m = max(m, values[k * GROUP + j])
    return m


@cuda.jit(device=True)
def row_squared_deviations(values, cols, mean):
    """Sum of (v - mean)**2 over this thread's columns of the row (combine with block_sum)."""
    s = float32(0.0)
    for k in range(ROW_CHUNKS):
        if row_chunk(k) < cols:
            for j in range(GROUP):
                d = values[k * GROUP + j] - mean
                s += d * d
    return s
