"""Tensor and scalar data types trtplug supports, with their codes in the native runtime."""
from __future__ import annotations

import numpy as np

from .errors import DefinitionError
from .native.codes import SCALAR_TYPE, TENSOR_DTYPE, values

TENSOR_DTYPES = values(TENSOR_DTYPE)  # trtplug::DType, equal to TensorRT's DataType

NUMPY_DTYPES = {
    "float32": np.float32,
    "float16": np.float16,
    "int8": np.int8,
    "int32": np.int32,
    "bool": np.bool_,
}

ITEMSIZE = {"float32": 4, "float16": 2, "int8": 1, "int32": 4, "bool": 1}

SCALAR_TYPES = values(SCALAR_TYPE)  # scalar kernel-argument types, trtplug::ScalarType

# Documented aliases: TensorRT's own spellings. "float" and "int" are refused: numpy reads them as 64-bit.
ALIASES = {"fp32": "float32", "fp16": "float16", "half": "float16"}
AMBIGUOUS = {"float": "float32", "int": "int32"}


def tensor_dtype(name, where: str) -> str:
    """Normalizes a tensor dtype name, raising DefinitionError that names `where` if unknown."""
    if isinstance(name, type) and issubclass(name, np.generic):
        name = np.dtype(name).name
    elif isinstance(name, np.dtype):
        name = name.name
    if not isinstance(name, str):
        raise DefinitionError(f"{where}: expected a dtype name such as 'float32', got {name!r}")
    if name in AMBIGUOUS:
        raise DefinitionError(
            f"{where}: {name!r} is ambiguous (numpy reads it as 64-bit; TensorRT has no 64-bit {name}). "
            f"Hint: write {AMBIGUOUS[name]!r}")
    key = ALIASES.get(name, name)
    if key not in TENSOR_DTYPES:
        raise DefinitionError(
            f"{where}: unsupported dtype {name!r}. Hint: supported tensor dtypes are "
            + ", ".join(TENSOR_DTYPES) + " (aliases: " + ", ".join(f"{a}={c}" for a, c in ALIASES.items()) + ")")
    return key
