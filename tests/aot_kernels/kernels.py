"""Kernels covering each feature trtplug.aot supports or rejects."""
import math

import numpy as np
from numba import cuda
from numba.cuda import types


@cuda.jit
def axpb(x, y, alpha, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i] * alpha + y[i]


@cuda.jit
def nchw_scale(x, y, alpha, out):
    i = cuda.grid(1)
    if i < out.size:
        w = i % out.shape[3]
        h = (i // out.shape[3]) % out.shape[2]
        c = (i // (out.shape[3] * out.shape[2])) % out.shape[1]
        n = i // (out.shape[3] * out.shape[2] * out.shape[1])
        out[n, c, h, w] = x[n, c, h, w] * alpha + y[n, c, h, w]


@cuda.jit
def half_axpb(x, y, alpha, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i] * alpha + y[i]


@cuda.jit(device=True)
def softplus(v):
    return math.log1p(math.exp(v))


@cuda.jit
def mish(x, y):
    i = cuda.grid(1)
    if i < y.size:
        v = x[i]
        y[i] = v * math.tanh(softplus(v))


@cuda.jit
def math_mix(x, y):
    i = cuda.grid(1)
    if i < y.size:
        v = x[i]
        y[i] = math.exp(v) + math.tanh(v) + math.erf(v) + math.pow(abs(v), 1.5) + math.sin(v)


@cuda.jit
def block_sum(x, out):
    buf = cuda.shared.array(0, types.float32)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    buf[t] = x[i] if i < x.size else 0.0
    cuda.syncthreads()
    if t == 0:
        acc = 0.0
        for k in range(cuda.blockDim.x):
            acc += buf[k]
        out[cuda.blockIdx.x] = acc


@cuda.jit
def grid_sync_increment(a, out):
    grid = cuda.cg.this_grid()
    i = cuda.grid(1)
    if i < a.size:
        a[i] += 1.0
    grid.sync()
    if i < out.size:
        out[i] = a[(i + 1) % a.size]


@cuda.jit
def scalar_mix(out, n, flag, h):
    i = cuda.grid(1)
    if i < n and flag:
        out[i] = h


@cuda.jit
def allocates(x):
    tmp = np.zeros(4, dtype=np.float32)
    x[0] = tmp[0]


@cuda.jit
def builds_list(x):
    weights = [1.0, 2.0, 3.0]
    x[0] = weights[0]


@cuda.jit
def raises(x):
    if x[0] < 0:
        raise ValueError("negative input")
    x[0] = 1.0


@cuda.jit(device=True)
def checked_sqrt(v):
    assert v >= 0
    return math.sqrt(v)


@cuda.jit
def raises_in_device_function(x):
    x[0] = checked_sqrt(x[0])


@cuda.jit
def untypable(x):
    x[0] = x.no_such_attribute


external_scale = cuda.declare_device("trtplug_test_external_scale", "float32(float32)")


@cuda.jit
def calls_undefined_extern(x):
    x[0] = external_scale(x[0])


@cuda.jit
def prints(x):
    print(x[0])


def plain_function_kernel(x, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i] * 2.0
