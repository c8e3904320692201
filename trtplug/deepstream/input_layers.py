"""Declarations of a network's non-image inputs, for the library's NvDsInferInitializeInputLayers.

nvinfer calls ``NvDsInferInitializeInputLayers`` once, when the engine has more than one input:
binding 0 is the image, every other input must be filled by the custom library. Declare what each
one holds, per image of the batch::

    import trtplug.deepstream as tds

    inputs = tds.InputLayers([
        # Faster R-CNN style image info: [height, width, scale] for every image
        tds.InputLayer("im_info", values=["height", "width", 1.0]),
        tds.InputLayer("scale_factor", dtype="float32", values=[("height", 1 / 640), ("width", 1 / 640)]),
        tds.InputLayer("mask", dtype="int32", dims=(100,), fill=1),
    ])

A value is a number, one of ``"width"``, ``"height"``, ``"channels"`` (the network input),
``"batch_size"`` (nvinfer's max batch size) or ``"batch_index"`` (the image's index), or a
``(name, factor)`` pair. The generated function checks that every declared layer exists with the
declared dtype and element count (and dims, when given), and that no input is left undeclared,
before it writes anything; otherwise it prints one line naming the layer and returns false.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from ..errors import DefinitionError
from ..native.literals import c_string
from .cpp import c_comment
from .parsers import _layer

TERMS = ("width", "height", "channels", "batch_size", "batch_index")
DTYPES = ("float32", "float16", "int8", "int32", "int64", "uint8")  # NvDsInferDataType order
_INT_RANGES = {"int8": (-128, 127), "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1), "uint8": (0, 255)}
# trtplug::ds::InputTerm and NvDsInferDataType enumerators
_CPP_TERM = {"constant": "kConstant", "width": "kWidth", "height": "kHeight", "channels": "kChannels",
             "batch_size": "kBatchSize", "batch_index": "kBatchIndex"}
_CPP_DTYPE = dict(zip(DTYPES, ("FLOAT", "HALF", "INT8", "INT32", "INT64", "UINT8")))


@dataclass(frozen=True)
class Value:
    """One element: `factor` times a term ("constant" means the factor itself)."""

    term: str
    factor: float


def _value(owner: str, where: str, item) -> Value:
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        if not math.isfinite(item):
            raise DefinitionError(f"{owner}.{where}: expected a finite number, got {item!r}")
        return Value("constant", float(item))
    if isinstance(item, str):
        item = (item, 1.0)
    if (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and item[0] in TERMS
            and isinstance(item[1], (int, float)) and not isinstance(item[1], bool) and math.isfinite(item[1])):
        return Value(item[0], float(item[1]))
    raise DefinitionError(f"{owner}.{where}: expected a number, one of {', '.join(map(repr, TERMS))}, or a "
                          f"(name, factor) pair, got {item!r}")


class InputLayer:
    """One non-image input layer: its name, dtype, optional dims (without the batch) and either one
    image's values (one per element) or a `fill` value for every element."""

    def __init__(self, name: str, *, dtype: str = "float32", values: Sequence | None = None, fill=None,
                 dims: Sequence[int] | None = None):
        owner = f"InputLayer({name!r})"
        self.name = _layer(owner, "name", name)
        if dtype not in DTYPES:
            raise DefinitionError(f"{owner}.dtype: expected one of {', '.join(map(repr, DTYPES))}, got {dtype!r}")
        self.dtype = dtype
        if (values is None) == (fill is None):
            raise DefinitionError(f"{owner}: give either values (one image's elements) or fill (one value for all)")
        if dims is not None:
            if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence) or not 1 <= len(dims) <= 8 or any(
                    isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
                raise DefinitionError(f"{owner}.dims: expected 1 to 8 positive integers (no batch), got {dims!r}")
            dims = tuple(dims)
        self.dims = dims
        if fill is not None:
            self.values = (_value(owner, "fill", fill),)
            self.fill = True
        else:
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
                raise DefinitionError(f"{owner}.values: expected a non-empty list, got {values!r}")
            self.values = tuple(_value(owner, f"values[{i}]", v) for i, v in enumerate(values))
            self.fill = False
            if dims is not None and math.prod(dims) != len(self.values):
                raise DefinitionError(f"{owner}.values: {len(self.values)} values for dims {dims} "
                                      f"({math.prod(dims)} elements)")
        if dtype in _INT_RANGES:
            lo, hi = _INT_RANGES[dtype]
            for i, v in enumerate(self.values):
                if v.term == "constant" and (v.factor != int(v.factor) or not lo <= v.factor <= hi):
                    raise DefinitionError(f"{owner}.values[{i}]: {v.factor!r} is not a {dtype} value")

    def __repr__(self) -> str:
        what = f"fill={self.values[0]}" if self.fill else f"values={list(self.values)}"
        return f"InputLayer({self.name!r}, dtype={self.dtype!r}, {what}, dims={self.dims})"

    def cpp_row(self, index: int) -> InputLayerRow:
        """The layer's trtplug::ds::InputLayerDesc and the arrays it points to (input_layers.cpp.j2)."""
        return InputLayerRow(
            comment=c_comment(self), values_name=f"kInputValues{index}",
            dims_name=f"kInputDims{index}" if self.dims else "nullptr",
            value_items=[f"{{trtplug::ds::InputTerm::{_CPP_TERM[v.term]}, {v.factor!r}}}" for v in self.values],
            dims=list(self.dims or ()), name_c=c_string(self.name), dtype=_CPP_DTYPE[self.dtype],
            n_dims=len(self.dims) if self.dims else -1, n_values=len(self.values), fill=int(self.fill))


@dataclass(frozen=True)
class InputLayerRow:
    comment: str
    values_name: str
    dims_name: str
    value_items: list
    dims: list
    name_c: str
    dtype: str
    n_dims: int
    n_values: int
    fill: int


class InputLayers:
    """The declaration behind the library's NvDsInferInitializeInputLayers (one per library)."""

    func_name = "NvDsInferInitializeInputLayers"

    def __init__(self, layers: Sequence[InputLayer]):
        if isinstance(layers, InputLayer) or not isinstance(layers, Sequence) or not layers or not all(
                isinstance(x, InputLayer) for x in layers):
            raise DefinitionError(f"InputLayers.layers: expected a non-empty list of InputLayer, got {layers!r}")
        names = [x.name for x in layers]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise DefinitionError(f"InputLayers.layers: layer {dup!r} is declared twice")
        self.layers = tuple(layers)

    owner = "InputLayers"

    def info(self) -> dict:
        return {"function": self.func_name, "kind": "input_layers",
                "layers": [{"name": x.name, "dtype": x.dtype, "dims": list(x.dims) if x.dims else None,
                            "elements": None if x.fill else len(x.values)} for x in self.layers]}

    def __repr__(self) -> str:
        return f"InputLayers({list(self.layers)!r})"

    def cpp_rows(self) -> list[InputLayerRow]:
        return [x.cpp_row(i) for i, x in enumerate(self.layers)]


# ----------------------------------------------------------------------------------------------
# Emulation: nvinfer's call, on the CPU


_NUMPY = {"float32": "<f4", "float16": "<f2", "int8": "i1", "int32": "<i4", "int64": "<i8", "uint8": "u1"}


@dataclass
class InputLayersResult:
    """What NvDsInferInitializeInputLayers returned and wrote: one (batch, *dims) array per layer."""

    ok: bool
    arrays: dict
    stderr: str = ""


def emulate_input_layers(library, inputs: dict, *, network: Sequence[int] = (640, 640, 3), max_batch_size: int = 1,
                         deepstream_version=None, sanitize: bool = False, timeout: float = 120) -> InputLayersResult:
    """Calls the library's NvDsInferInitializeInputLayers as nvinfer does: `inputs` maps each
    non-image input layer (in binding order) to (dtype, dims without the batch); each gets a host
    buffer of exactly numElements * elementSize * max_batch_size bytes (AddressSanitizer catches an
    overrun with sanitize=True). Raises LoadError when the library or symbol is missing."""
    import os
    import subprocess

    import numpy as np

    from ..errors import NativeError
    from ..native.records import record
    from .emulate import SANITIZER_ENV, EmulationError, build_emulator
    from .emulator_records import network_record, plan_header, raise_for_failure, run_emulator
    from .versions import parse_version

    version = parse_version(deepstream_version)
    codes = {d: i for i, d in enumerate(DTYPES)}
    plan = [plan_header("input_layers", library, InputLayers.func_name, max_batch=int(max_batch_size)),
            network_record(network)]
    for name, (dtype, dims) in inputs.items():
        if dtype not in codes or (codes[dtype] >= 4 and not version.has_int64_uint8):
            raise EmulationError(f"emulate_input_layers: layer {name!r}: dtype {dtype!r} is not an input type of "
                                 f"DeepStream {version}")
        if not name:
            raise EmulationError("emulate_input_layers: a layer name is empty")
        plan.append(record("input", name=name, dtype=codes[dtype], dims=[int(d) for d in dims]))
    exe = build_emulator(version, sanitize=sanitize)
    env = dict(os.environ, **(SANITIZER_ENV if sanitize else {}))
    try:
        run = run_emulator(exe, plan, {}, case=InputLayers.func_name, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise NativeError(f"NvDsInferInitializeInputLayers did not return within {timeout} s") from exc
    raise_for_failure(run)
    arrays = {name: np.frombuffer(run.inputs[name], dtype=_NUMPY[dtype]).reshape((int(max_batch_size), *dims))
              for name, (dtype, dims) in inputs.items()}
    return InputLayersResult(ok=run.returned.text("ok") == "1", arrays=arrays, stderr=run.stderr)
