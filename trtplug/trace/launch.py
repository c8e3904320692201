"""`tp.launch`: records a kernel launch while `enqueue` is traced."""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

from ..aot.signature import ArrayArg, ScalarArg
from ..errors import TraceError
from .expr import AttrRef, Const, Expr, as_expr
from .symbolic import FloatAttrRef, MetadataAttrRef, Scalar, SymTensor, TensorView

MAX_THREADS_PER_BLOCK = 1024


@dataclass(frozen=True)
class TracedArg:
    kind: str                    # "tensor" | "workspace" | "scalar_expr" | "scalar_attr" | "scalar_const"
    index: int = 0               # io position, workspace buffer or attribute index
    view_shape: tuple = ()       # arrays: one Expr per dim
    dtype: str = ""              # arrays: element dtype; scalars: scalar type
    value: Expr | None = None    # scalar_expr
    const: float = 0.0           # scalar_const
    label: str = ""

    @property
    def signature(self):
        if self.kind in ("tensor", "workspace"):
            return ArrayArg(self.dtype, len(self.view_shape))
        return ScalarArg(self.dtype)


@dataclass(frozen=True)
class TracedLaunch:
    kernel: object = field(compare=False, repr=False)
    kernel_name: str
    grid: tuple
    block: tuple
    shared_bytes: Expr
    args: tuple
    cooperative: bool = False

    @property
    def signature(self) -> tuple:
        return tuple(a.signature for a in self.args)


class _Recorder:
    def __init__(self, owner: str):
        self.owner = owner
        self.launches: list[TracedLaunch] = []
        self.unbound: list[str] = []  # tp.launch(...) calls whose kernel arguments never came


_active: list[_Recorder] = []


@contextlib.contextmanager
def recording(owner: str):
    recorder = _Recorder(owner)
    _active.append(recorder)
    try:
        yield recorder
    finally:
        _active.pop()
    if recorder.unbound:
        raise TraceError(
            f"{owner}.enqueue: {recorder.unbound[0]} was never given its kernel arguments. "
            "Hint: write tp.launch(kernel, grid=..., block=...)(arg0, arg1, ...)")


def launch(kernel, grid, block, shared=0, cooperative: bool = False):
    """Launches `kernel` on TensorRT's stream: `tp.launch(k, grid=..., block=...)(arg, ...)`.

    grid and block are ints or symbolic dims (or tuples of up to 3); shared is the dynamic shared
    memory in bytes. Arguments may be tensors (full shape), `t.flat`, `t.view(...)`, workspace
    buffers, ints/symbolic dims (int64), floats (float32), attributes, or `tp.scalar(v, dtype)`.
    """
    if not _active:
        raise TraceError("tp.launch can only be called inside a plugin's enqueue(), which trtplug traces")
    recorder = _active[-1]
    where = f"{recorder.owner}.enqueue: tp.launch({_kernel_name(kernel)})"
    if not _is_kernel(kernel):
        raise TraceError(
            f"{where}: expected a Numba CUDA kernel (a function decorated with @cuda.jit), got "
            f"{type(kernel).__name__}")
    grid3 = _dim3(grid, f"{where} grid", limit=None)
    block3 = _dim3(block, f"{where} block", limit=MAX_THREADS_PER_BLOCK)
    shared_expr = as_expr(shared, f"{where} shared")
    if isinstance(shared_expr, Const) and shared_expr.value < 0:
        raise TraceError(f"{where}: shared memory size {shared_expr.value} is negative")

    token = f"tp.launch({_kernel_name(kernel)})"
    recorder.unbound.append(token)

    def bind(*args, **kwargs):
        if token in recorder.unbound:
            recorder.unbound.remove(token)
        if kwargs:
            raise TraceError(f"{where}: kernel arguments must be positional")
        traced = tuple(_arg(a, f"{where} argument {i}") for i, a in enumerate(args))
        recorder.launches.append(TracedLaunch(kernel, _kernel_name(kernel), grid3, block3, shared_expr, traced,
                                              bool(cooperative)))
    return bind


def _is_kernel(kernel) -> bool:
    # numba's CUDA dispatcher has py_func; checking duck-typed keeps numba out of this module.
    return hasattr(kernel, "py_func") and callable(getattr(kernel, "py_func"))


def _kernel_name(kernel) -> str:
    fn = getattr(kernel, "py_func", kernel)
    return getattr(fn, "__qualname__", getattr(fn, "__name__", type(kernel).__name__))


def _dim3(value, where, limit):
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(items) <= 3:
        raise TraceError(f"{where}: expected 1 to 3 dims, got {len(items)}")
    exprs = tuple(as_expr(v, where) for v in items) + (Const(1),) * (3 - len(items))
    total = 1
    for e in exprs:
        if isinstance(e, Const):
            if e.value <= 0:
                raise TraceError(f"{where}: dims must be positive, got {e.value}")
            total *= e.value
    if limit is not None and all(isinstance(e, Const) for e in exprs) and total > limit:
        raise TraceError(f"{where}: {total} threads per block exceeds the CUDA limit of {limit}")
    return exprs


def _arg(value, where) -> TracedArg:
    if isinstance(value, SymTensor):
        value = value.as_view()
    if isinstance(value, TensorView):
        return TracedArg(value.kind, value.index, value.shape, value.dtype, label=value.label)
    if isinstance(value, Scalar):
        return _scalar(value.value, value.dtype, where)
    if isinstance(value, MetadataAttrRef):
        raise value.kernel_error(where)
    if isinstance(value, bool):
        return TracedArg("scalar_const", dtype="bool", const=float(value))
    if isinstance(value, float):
        return TracedArg("scalar_const", dtype="float32", const=_float_const(value, "float32", where))
    if isinstance(value, FloatAttrRef):
        return TracedArg("scalar_attr", index=value.index, dtype="float32", label=value.name)
    if isinstance(value, AttrRef):
        return TracedArg("scalar_expr", dtype="int64", value=value, label=value.name)
    if isinstance(value, (int, Expr)):
        return TracedArg("scalar_expr", dtype="int64", value=as_expr(value, where))
    raise TraceError(
        f"{where}: cannot pass {type(value).__name__} {value!r} to a kernel. Hint: pass tensors, t.flat, "
        "t.view(...), ints, floats, attributes or tp.scalar(value, dtype)")


def _scalar(value, dtype, where) -> TracedArg:
    if isinstance(value, MetadataAttrRef):
        raise value.kernel_error(f"{where}: tp.scalar")
    if isinstance(value, FloatAttrRef):
        return TracedArg("scalar_attr", index=value.index, dtype=dtype, label=value.name)
    if isinstance(value, (float,)) and not isinstance(value, bool):
        return TracedArg("scalar_const", dtype=dtype, const=_float_const(value, dtype, where))
    if isinstance(value, (int, bool, Expr)):
        expr = as_expr(value, where)
        if isinstance(expr, Const) and dtype.startswith("float"):
            return TracedArg("scalar_const", dtype=dtype, const=_float_const(float(expr.value), dtype, where))
        return TracedArg("scalar_expr", dtype=dtype, value=expr)
    raise TraceError(f"{where}: tp.scalar got {type(value).__name__} {value!r}")


FLOAT_LIMITS = {"float16": 65504.0, "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}


def _float_const(value: float, dtype: str, where: str) -> float:
    if not math.isfinite(value):
        raise TraceError(f"{where}: the constant {value!r} is not finite. Hint: produce it inside the kernel")
    limit = FLOAT_LIMITS.get(dtype)
    if limit is not None and abs(value) > limit:
        raise TraceError(f"{where}: the constant {value!r} does not fit {dtype}")
    return value
