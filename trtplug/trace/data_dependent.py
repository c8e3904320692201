"""Data-dependent output extents: `tp.data_dependent("count", upper=n)` in output_shapes.

    outputs = [tp.Output("kept", dtype_like="boxes", rank=2), tp.size_output("count")]

    def output_shapes(self, boxes, scores):
        n = boxes.shape[0]
        return [(tp.data_dependent("count", upper=n), 4), ()]

The dim holds as many entries as the kernel writes into the size tensor `count` (at run time, on
the GPU); `upper` bounds it, from the input shapes and attributes. Traced code (enqueue, workspace)
sees the output at its upper bound, which is what TensorRT allocates. Only IPluginV3 libraries
(`--interface v3`, TensorRT >= 10) can declare such outputs.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import TraceError


@dataclass(frozen=True)
class DataDependent:
    """A dim whose extent the size tensor output `size` holds, at most `upper`."""

    size: str
    upper: object  # an int or a symbolic dimension

    def __repr__(self):
        return f"tp.data_dependent({self.size!r}, upper={self.upper})"

    def _not_a_number(self, *_):
        raise TraceError(f"{self!r} is known only on the GPU: use it as a dim of an output shape in "
                         "output_shapes, not in arithmetic")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _not_a_number
    __floordiv__ = __rfloordiv__ = __int__ = __index__ = _not_a_number


def data_dependent(size: str, *, upper) -> DataDependent:
    """An output dim computed on the GPU: the value of size tensor output `size`, at most `upper`."""
    if not isinstance(size, str):
        raise TraceError(f"tp.data_dependent: size must name a tp.size_output, got {size!r}")
    return DataDependent(size, upper)
