"""A model's graph inputs and outputs as Triton sees them (names, data types, dims; -1 for a
dim the graph leaves open)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DefinitionError

# ONNX element types -> Triton data type names.
ONNX_TO_TRITON = {1: "TYPE_FP32", 2: "TYPE_UINT8", 3: "TYPE_INT8", 5: "TYPE_INT16", 6: "TYPE_INT32", 7: "TYPE_INT64",
                  9: "TYPE_BOOL", 10: "TYPE_FP16", 11: "TYPE_FP64", 16: "TYPE_BF16"}


@dataclass(frozen=True)
class GraphTensor:
    name: str
    triton_type: str
    dims: tuple[int, ...]


def load_model(path: Path):
    import onnx

    try:
        return onnx.load(str(path))
    except FileNotFoundError:
        raise DefinitionError(f"{path}: no such file") from None
    except Exception as exc:  # onnx raises protobuf's DecodeError and others for a file that is not a model
        raise DefinitionError(f"{path}: not an ONNX model ({type(exc).__name__}: {exc})") from None


def graph_tensors(path: Path, model=None) -> tuple[list[GraphTensor], list[GraphTensor]]:
    model = model if model is not None else load_model(path)
    initializers = {i.name for i in model.graph.initializer}

    def tensor(value) -> GraphTensor:
        t = value.type.tensor_type
        if t.elem_type not in ONNX_TO_TRITON:
            raise DefinitionError(f"{path}: tensor {value.name!r} has ONNX element type {t.elem_type}, which Triton "
                                  "has no data type for")
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim)
        return GraphTensor(value.name, ONNX_TO_TRITON[t.elem_type], dims)

    inputs = [tensor(v) for v in model.graph.input if v.name not in initializers]
    return inputs, [tensor(v) for v in model.graph.output]
