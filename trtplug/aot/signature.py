"""Kernel argument types, as plain data (no numba import).

An array argument becomes ``5 + 2*ndim`` kernel parameters in numba's calling convention
(meminfo, parent, nitems, itemsize, data, shape[ndim], strides[ndim]); a scalar becomes one.
Arrays are C-contiguous.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Union

DTYPES = ("float32", "float16", "int32", "int64", "int8", "uint8", "bool", "float64")
"""Element and scalar type names trtplug compiles kernels for."""

SCALAR_PTX_TYPES = {
    "float32": "f32",
    "float64": "f64",
    "float16": "u16",  # passed as its raw 16-bit pattern
    "int32": "u32",
    "int64": "u64",
    "int8": "u8",
    "uint8": "u8",
    "bool": "u8",
}
"""The PTX ``.param`` type numba gives a scalar argument of each dtype."""

ARRAY_FIELDS = ("meminfo", "parent", "nitems", "itemsize", "data")
"""The fixed fields of a flattened array argument, before shape[ndim] and strides[ndim]."""


def _check_dtype(dtype: str, what: str) -> None:
    if dtype not in DTYPES:
        raise ValueError(f"{what}: unknown dtype {dtype!r}; expected one of {', '.join(DTYPES)}")


@dataclass(frozen=True)
class ArrayArg:
    """A C-contiguous device array argument, e.g. ``ArrayArg("float32", 4)`` for NCHW."""

    dtype: str
    ndim: int

    def __post_init__(self):
        _check_dtype(self.dtype, f"ArrayArg({self.dtype!r}, {self.ndim!r})")
        if not isinstance(self.ndim, int) or isinstance(self.ndim, bool) or self.ndim < 1:
            raise ValueError(f"ArrayArg({self.dtype!r}, {self.ndim!r}): ndim must be an int >= 1")

    @property
    def param_count(self) -> int:
        return len(ARRAY_FIELDS) + 2 * self.ndim

    def __str__(self) -> str:
        return f"{self.dtype}[{', '.join([':'] * (self.ndim - 1) + ['::1'])}]"


@dataclass(frozen=True)
class ScalarArg:
    """A scalar argument passed by value, e.g. ``ScalarArg("int32")``."""

    dtype: str

    def __post_init__(self):
        _check_dtype(self.dtype, f"ScalarArg({self.dtype!r})")

    @property
    def param_count(self) -> int:
        return 1

    def __str__(self) -> str:
        return self.dtype


KernelArg = Union[ArrayArg, ScalarArg]


def param_count(args: Iterable[KernelArg]) -> int:
    """Number of PTX ``.param`` entries a kernel with these arguments has."""
    return sum(arg.param_count for arg in args)


def expected_param_types(args: Iterable[KernelArg]) -> tuple[str, ...]:
    """The PTX ``.param`` types numba emits for these arguments, in order."""
    out: list[str] = []
    for arg in args:
        if isinstance(arg, ArrayArg):
            out += ["u64"] * arg.param_count
        else:
            out.append(SCALAR_PTX_TYPES[arg.dtype])
    return tuple(out)


def format_signature(args: Iterable[KernelArg]) -> str:
    """Human-readable signature, e.g. ``(float32[::1], float32[::1], int32)``."""
    return "(" + ", ".join(str(a) for a in args) + ")"
