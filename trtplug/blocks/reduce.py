"""Warp and block reductions for row-wise kernels (normalization, softmax), in float32.

Every function here is a `@cuda.jit(device=True)` function that all threads of the warp (or
block) call together with their own partial value; every thread gets the result back. Block
reductions need a block of whole warps (a multiple of 32 threads, at most 1024) and synchronize
the block, so call them outside divergent code. They may be called one after another.

- `warp_sum`, `warp_max`, `block_sum`, `block_max`: plain reductions.
- `welford_add` / `block_welford`: count, mean and sum of squared deviations (M2) in one pass,
  merged with Chan's formula, which stays accurate where sum and sum-of-squares cancel.
  variance = M2 / count.
- `softmax_add` / `block_softmax_stats`: running maximum and sum of exp(v - maximum) in one pass
  (the "online softmax" statistics), merged by rescaling to the larger maximum.

    from numba import cuda, float32
    from trtplug.blocks.reduce import block_sum

    @cuda.jit
    def row_sums(x, out, cols):            # one block per row
        row = cuda.blockIdx.x
        s = float32(0.0)
        for c in range(cuda.threadIdx.x, cols, cuda.blockDim.x):
            s += x[row * cols + c]
        s = block_sum(s)
        if cuda.threadIdx.x == 0:
            out[row] = s
"""
import math

from numba import cuda, float32

from .memory import SIMULATED

WARP = 32
MAX_WARPS = 32  # 1024 threads
FULL_MASK = 0xFFFFFFFF
NEG_INF = -math.inf


def _simulated_shfl_xor_sync(mask, value, offset):
    """cuda.shfl_xor_sync for the CUDA simulator, which has none; every thread of the block must call it."""
    import numpy as np
    exchange = cuda.shared.array(1024, np.float64)
    cuda.syncthreads()  # the previous exchange has been read
    exchange[cuda.threadIdx.x] = value
    cuda.syncthreads()
    return type(value)(exchange[cuda.threadIdx.x ^ offset])


shfl_xor_sync = _simulated_shfl_xor_sync if SIMULATED else cuda.shfl_xor_sync


@cuda.jit(device=True)
def warp_sum(v):
    for offset in (16, 8, 4, 2, 1):
        v += shfl_xor_sync(FULL_MASK, v, offset)
    return v


@cuda.jit(device=True)
def warp_max(v):
    for offset in (16, 8, 4, 2, 1):
        v = max(v, shfl_xor_sync(FULL_MASK, v, offset))
    return v


def _block_reduction(warp_reduce, identity):
    """A block-wide reduction made of `warp_reduce` (warp_sum, warp_max): every thread gets the result."""

    @cuda.jit(device=True)
    def block_reduce(v):
        partial = cuda.shared.array(MAX_WARPS, float32)
        lane = cuda.threadIdx.x % WARP
        warp = cuda.threadIdx.x // WARP
        v = warp_reduce(float32(v))
        if lane == 0:
            partial[warp] = v
        cuda.syncthreads()
        # Every warp reduces the per-warp partials itself: no second barrier to hand the total out.
        v = partial[lane] if lane < cuda.blockDim.x // WARP else float32(identity)
        v = warp_reduce(v)
        cuda.syncthreads()  # `partial` may be reused by the next call
        return v

    return block_reduce


block_sum = _block_reduction(warp_sum, 0.0)
block_max = _block_reduction(warp_max, NEG_INF)


@cuda.jit(device=True)
def welford_add(count, mean, m2, v):
    """(count, mean, M2) after one more value `v`."""
    count += float32(1.0)
    delta = v - mean
    mean += delta / count
    m2 += delta * (v - mean)
    return count, mean, m2


@cuda.jit(device=True)
def welford_merge(count_a, mean_a, m2_a, count_b, mean_b, m2_b):
    """(count, mean, M2) of the union of two sets of values (Chan et al.)."""
    count = count_a + count_b
    if count == float32(0.0):
        return float32(0.0), float32(0.0), float32(0.0)
    delta = mean_b - mean_a
    weight_b = count_b / count
    return count, mean_a + delta * weight_b, m2_a + m2_b + delta * delta * count_a * weight_b


@cuda.jit(device=True)
def warp_welford(count, mean, m2):
    for offset in (16, 8, 4, 2, 1):
        count, mean, m2 = welford_merge(count, mean, m2, shfl_xor_sync(FULL_MASK, count, offset),
                                        shfl_xor_sync(FULL_MASK, mean, offset),
                                        shfl_xor_sync(FULL_MASK, m2, offset))
    return count, mean, m2


@cuda.jit(device=True)
def block_welford(count, mean, m2):
    """(count, mean, M2) over the whole block, from each thread's own (count, mean, M2)."""
    partial = cuda.shared.array((3, MAX_WARPS), float32)
    lane = cuda.threadIdx.x % WARP
    warp = cuda.threadIdx.x // WARP
    count, mean, m2 = warp_welford(float32(count), float32(mean), float32(m2))
    if lane == 0:
        partial[0, warp] = count
        partial[1, warp] = mean
        partial[2, warp] = m2
    cuda.syncthreads()
    if lane < cuda.blockDim.x // WARP:
        count, mean, m2 = partial[0, lane], partial[1, lane], partial[2, lane]
    else:
        count, mean, m2 = float32(0.0), float32(0.0), float32(0.0)
    count, mean, m2 = warp_welford(count, mean, m2)
    cuda.syncthreads()
    return count, mean, m2


@cuda.jit(device=True)
def softmax_add(maximum, total, v):
    """(maximum, sum of exp(value - maximum)) after one more value `v`."""
    if v > maximum:
        return v, total * math.exp(maximum - v) + float32(1.0)
    if v == float32(NEG_INF):  # exp(-inf - -inf) would be NaN
        return maximum, total
    return maximum, total + math.exp(v - maximum)


@cuda.jit(device=True)
def softmax_merge(max_a, total_a, max_b, total_b):
    maximum = max(max_a, max_b)
    if maximum == float32(NEG_INF):
        return maximum, float32(0.0)
    return maximum, total_a * math.exp(max_a - maximum) + total_b * math.exp(max_b - maximum)


@cuda.jit(device=True)
def warp_softmax_stats(maximum, total):
    for offset in (16, 8, 4, 2, 1):
        maximum, total = softmax_merge(maximum, total, shfl_xor_sync(FULL_MASK, maximum, offset),
                                       shfl_xor_sync(FULL_MASK, total, offset))
    return maximum, total


@cuda.jit(device=True)
def block_softmax_stats(maximum, total):
    """(maximum, sum of exp(v - maximum)) over the whole block, from each thread's own pair."""
    partial = cuda.shared.array((2, MAX_WARPS), float32)
    lane = cuda.threadIdx.x % WARP
    warp = cuda.threadIdx.x // WARP
    maximum, total = warp_softmax_stats(float32(maximum), float32(total))
    if lane == 0:
        partial[0, warp] = maximum
        partial[1, warp] = total
    cuda.syncthreads()
    if lane < cuda.blockDim.x // WARP:
        maximum, total = partial[0, lane], partial[1, lane]
    else:
        maximum, total = float32(NEG_INF), float32(0.0)
    maximum, total = warp_softmax_stats(maximum, total)
    cuda.syncthreads()
    return maximum, total
