"""Elementwise kernels from a scalar device function, in the pattern that reaches memory bandwidth.

`elementwise(op, inputs=N, params=M)` returns a `@cuda.jit` kernel
`kernel(in_0, ..., in_N-1, out, p_0, ..., p_M-1)` computing `out[i] = op(in_0[i], ..., p_0, ...)`
for every element of `out`:

- each thread handles two groups of GROUP (8) consecutive elements, one grid width apart, per
  step of a grid-stride loop: it issues all loads first, then the math, then the stores, so
  sixteen elements (32 bytes of float16, 64 of float32) per input are in flight;
- when every array's data is 16-byte aligned (TensorRT's buffers are) the loads and stores are
  16-byte vector accesses; otherwise, and for broadcast inputs, each access is one element at a
  coalesced index (block-contiguous), still eight in flight per thread;
- the last `n % 8` elements are handled after the grid-stride loop;
- float16 tensors are read into float32, `op` computes in float32, and results are rounded back
  when stored; other dtypes reach `op` unchanged.

Inputs named in `broadcast` may have fewer elements than `out`: they broadcast against it the
numpy way (their dims, aligned to the trailing dims of `out`, are 1 or equal), e.g. a per-channel
scale of shape (1, C, 1, 1) for an NCHW output or a bias of shape (C,) over the last dim. Pass
those inputs and `out` with their full shapes (`b`, `y`); other tensors may be passed as `t.flat`.
A broadcast input whose size equals the output's takes the fast path.

With `index=True`, `op` receives the output element's flat index first, `op(i, v_0, ..., p_0, ...)`,
for ops that depend on the position (a detection head's anchor grid, a positional encoding).

    import math
    from numba import cuda
    import trtplug as tp
    from trtplug.blocks import elementwise, launch_elementwise

    @cuda.jit(device=True)
    def swish(v, beta):
        return v / (1 + math.exp(-beta * v))

    swish_kernel = elementwise(swish, inputs=1, params=1)

    class Swish(tp.TrtPlugin):
        inputs = [tp.Input("x", dtypes=("float32", "float16"))]
        outputs = [tp.Output("y", like="x")]
        beta = tp.Attr.float(1.0)

        def enqueue(self, x, y):
            launch_elementwise(swish_kernel, y.numel)(x.flat, y.flat, self.beta)
"""
from __future__ import annotations

import hashlib
import linecache

from numba import cuda

from . import memory
from .memory import GROUP, is_aligned, load_group, load_one, store_group, store_one

THREADS = 256  # threads per block of an elementwise launch
STEP = 2 * GROUP  # elements per thread per step of the aligned path: two groups
MAX_BLOCKS = 1 << 15  # grid cap: beyond 32768 * 256 * 16 elements the threads loop (grid-stride)


def elementwise_grid(n, threads=THREADS):
    """Blocks to launch for `n` output elements: `tp.min(tp.cdiv(n, threads * STEP), MAX_BLOCKS)`."""
    import trtplug as tp
    return tp.min(tp.cdiv(n, threads * STEP), MAX_BLOCKS)


def launch_elementwise(kernel, n, threads=THREADS):
    """`tp.launch` of an `elementwise` kernel over `n` output elements with `threads` threads per
    block (a tactic parameter: any count up to 1024 computes the same); call the result with its
    arguments."""
    import trtplug as tp
    return tp.launch(kernel, grid=elementwise_grid(n, threads), block=threads)


@cuda.jit(device=True)
def broadcast_index(i, shape, out_shape):
    """Flat index into an array of `shape` broadcast (numpy rules) to element `i` of `out_shape`.

    Adjacent dims that are all broadcast, or all full, form one run: a division and a modulo per run
    boundary instead of per dim, and none for dims of extent 1. A (1, 1, H, W) map over (N, C, H, W)
    costs one modulo, a (1, C, 1, 1) bias a division and a modulo: integer division is the cost of a
    broadcast access.
    """
    offset = len(out_shape) - len(shape)
    index = 0
    stride = 1  # the broadcast array's stride at the start of the current run
    run = 1  # the output extent of the current run
    full = True  # whether the current run's dims are the broadcast array's own (not broadcast)
    rest = i
    for d in range(len(out_shape) - 1, offset - 1, -1):
        extent = out_shape[d]
        if extent == 1:
            continue
        dim_full = shape[d - offset] != 1
        if dim_full != full and run > 1:
            if full:
                index += (rest % run) * stride
                stride *= run
            rest //= run
            run = 1
        full = dim_full
        run *= extent
    if full and run > 1:
        index += (rest % run) * stride
    return index


def elementwise(op, inputs: int = 1, params: int = 0, broadcast=(), index: bool = False):
    """A kernel `kernel(in_0, ..., out, p_0, ...)` applying the device function `op` to every element.

    `op(v_0, ..., v_inputs-1, p_0, ..., p_params-1)` receives one value per input (float32 for
    float16 tensors) followed by the parameters (scalars, or arrays such as a workspace buffer), and
    returns the output value. `broadcast` lists the input positions that may broadcast against the
    output (see the module docstring). With `index=True` `op` gets the element's flat index first.
    """
    name = getattr(getattr(op, "py_func", op), "__name__", "op")
    if not isinstance(inputs, int) or inputs < 1:
        raise ValueError(f"elementwise({name}): inputs must be a positive int, got {inputs!r}")
    if not isinstance(params, int) or params < 0:
        raise ValueError(f"elementwise({name}): params must be a non-negative int, got {params!r}")
    broadcast = tuple(sorted(set(broadcast)))
    if any(not isinstance(b, int) or not 0 <= b < inputs for b in broadcast):
        raise ValueError(f"elementwise({name}): broadcast positions must be input indices below {inputs}, "
                         f"got {broadcast!r}")
    source = kernel_source(f"{name}_elementwise", inputs, params, broadcast, bool(index))
    namespace = {"__name__": __name__, "cuda": cuda, "op": op, "GROUP": GROUP, "is_aligned": is_aligned,
                 "load_group": load_group, "store_group": store_group, "load_one": load_one,
                 "store_one": store_one, "broadcast_index": broadcast_index}
    # A named source file lets inspect.getsource (trtplug's kernel cache key) and tracebacks read it.
    filename = f"<trtplug.blocks.elementwise {name} {hashlib.sha256(source.encode()).hexdigest()[:16]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return cuda.jit(namespace[f"{name}_elementwise"])


def kernel_source(kernel_name: str, inputs: int, params: int, broadcast: tuple, index: bool = False) -> str:
    """The Python source of an elementwise kernel (see `elementwise`), unrolled over GROUP."""
    ins = [f"in{j}" for j in range(inputs)]
    ps = [f"p{j}" for j in range(params)]
    ks = range(GROUP)

    def call(values, i):
        return f"op({', '.join(([i] if index else []) + values + ps)})"

    same_size = "".join(f" and {ins[j]}.size == n" for j in broadcast)
    aligned = " and ".join(f"is_aligned({a})" for a in ins + ["out"])
    lines = [
        f"def {kernel_name}({', '.join(ins + ['out'] + ps)}):",
        "    n = out.size",
        "    thread = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x",
        "    threads = cuda.gridDim.x * cuda.blockDim.x",
        f"    if {aligned}{same_size}:",
        "        groups = n // GROUP",
        # Two groups per step, one grid width apart (both coalesced), all loads before the math:
        # 32 bytes per input in flight per thread even for float16. The second group's index is
        # clamped for the loads (a harmless re-read) and its store skipped past the end.
        "        for g in range(thread, groups, 2 * threads):",
        "            h = g + threads",
        "            i = g * GROUP",
        "            i2 = min(h, groups - 1) * GROUP",
    ]
    lines += [f"            a{j} = load_group({a}, i)" for j, a in enumerate(ins)]
    lines += [f"            b{j} = load_group({a}, i2)" for j, a in enumerate(ins)]
    results = ", ".join(call([f"a{j}[{k}]" for j in range(inputs)], f"i + {k}") for k in ks)
    results2 = ", ".join(call([f"b{j}[{k}]" for j in range(inputs)], f"i2 + {k}") for k in ks)
    lines += [
        f"            store_group(out, i, ({results}))",
        "            if h < groups:",
        f"                store_group(out, i2, ({results2}))",
        "        i = groups * GROUP + thread",
        "        if i < n:",
        f"            store_one(out, i, {call([f'load_one({a}, i)' for a in ins], 'i')})",
        "    else:",
        "        step = threads * GROUP",
        "        for start in range(cuda.blockIdx.x * cuda.blockDim.x * GROUP, n, step):",
    ]
    # Element k of this step sits one block width after element k-1: every access is coalesced.
    # Indices past the end are clamped for the loads (always in bounds) and skipped for the stores.
    lines += [f"            i{k} = start + {k} * cuda.blockDim.x + cuda.threadIdx.x" for k in ks]
    lines += [f"            c{k} = min(i{k}, n - 1)" for k in ks]
    for j, a in enumerate(ins):
        for k in ks:
            at = f"broadcast_index(c{k}, {a}.shape, out.shape)" if j in broadcast else f"c{k}"
            lines.append(f"            v{j}_{k} = load_one({a}, {at})")
    lines += [f"            r{k} = {call([f'v{j}_{k}' for j in range(inputs)], f'c{k}')}" for k in ks]
    for k in ks:
        lines += [f"            if i{k} < n:", f"                store_one(out, i{k}, r{k})"]
    return "\n".join(lines) + "\n"
