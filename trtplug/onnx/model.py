"""A one-node ONNX model per plugin, to check that TensorRT builds an engine with it:

    model = test_model(signature)                  # inputs with the plugin's example shapes and dtypes
    onnx.checker.check_model(model)
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import onnx
from onnx import TensorProto, helper

from ..errors import DefinitionError
from .node import DOMAIN, opset_imports, plugin_node

ONNX_DTYPES = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "int32": TensorProto.INT32,
               "int8": TensorProto.INT8, "bool": TensorProto.BOOL}
IR_VERSION = 8   # what TensorRT 8.6's parser (protobuf of ONNX 1.12) still reads


def test_model(signature, shapes: Sequence[Sequence[int]] | None = None, combination: Sequence[str] | None = None,
               attributes: dict | None = None, *, domain: str = DOMAIN) -> onnx.ModelProto:
    """A model whose graph is the plugin node alone: graph inputs and outputs are the plugin's,
    with `shapes` (default: its first test shapes) and the dtypes of `combination` (default: its
    first dtype combination). Output shapes are stated where the signature can compute them."""
    where = signature.label
    combination = tuple(combination or signature.combinations[0])
    if combination not in signature.combinations:
        raise DefinitionError(f"{where}: dtype combination {list(combination)} is not one it supports "
                              f"({[list(c) for c in signature.combinations]})")
    shapes = tuple(tuple(int(d) for d in s) for s in (shapes or signature.example_shapes()))
    if len(shapes) != len(signature.inputs):
        raise DefinitionError(f"{where}: expected {len(signature.inputs)} input shapes, got {len(shapes)}")
    for t, s in zip(signature.inputs, shapes):
        if t.rank is not None and len(s) != t.rank:
            raise DefinitionError(f"{where}: input {t.name!r} has rank {t.rank}, got shape {list(s)}")
    n_in = len(signature.inputs)
    out_shapes = _output_shapes(signature, shapes, attributes or {})
    inputs = [helper.make_tensor_value_info(t.name, ONNX_DTYPES[d], list(s))
              for t, d, s in zip(signature.inputs, combination, shapes)]
    outputs = [helper.make_tensor_value_info(o.name, ONNX_DTYPES[d], out)
               for o, d, out in zip(signature.outputs, combination[n_in:], out_shapes)]
    node = plugin_node(signature, [t.name for t in signature.inputs], [o.name for o in signature.outputs],
                       attributes, domain=domain)
    graph = helper.make_graph([node], f"{signature.name}_test", inputs, outputs)
    model = helper.make_model(graph, opset_imports=opset_imports(domain), producer_name="trtplug")
    model.ir_version = IR_VERSION
    return model


def model_file_name(signature, combination: Sequence[str] | None = None) -> str:
    """<Name>.onnx, or <Name>.<in dtypes>.onnx for a combination other than the first."""
    first = signature.combinations[0]
    if combination is None or tuple(combination) == tuple(first):
        return f"{signature.name}.onnx"
    return f"{signature.name}.{'_'.join(combination[:len(signature.inputs)])}.onnx"


def write_test_model(signature, directory: Path, combination: Sequence[str] | None = None,
                     shapes: Sequence[Sequence[int]] | None = None) -> Path:
    model = test_model(signature, shapes, combination)
    onnx.checker.check_model(model)
    path = Path(directory) / model_file_name(signature, combination)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def _output_shapes(signature, shapes, attributes) -> list:
    """Concrete output shapes where the signature computes them; otherwise the shape of the input an
    output is `like`, or one named (symbolic) dim per axis of a declared rank. TensorRT infers the
    shapes itself: these only describe the graph."""
    result = None
    if signature.output_shapes is not None:
        try:
            result = signature.output_shapes(shapes, attributes)
        except DefinitionError:
            raise
        except Exception as exc:  # a shape that breaks a plugin rule: say so rather than write a model TensorRT rejects
            raise DefinitionError(f"{signature.label}: input shapes {[list(s) for s in shapes]}: {exc}") from exc
    if result is not None:
        return [list(s) for s in result]
    by_name = {t.name: s for t, s in zip(signature.inputs, shapes)}
    out = []
    for o in signature.outputs:
        if o.like is not None:
            out.append(list(by_name[o.like]))
        elif o.rank is not None:
            out.append([f"{o.name}_{axis}" for axis in range(o.rank)])
        else:
            raise DefinitionError(f"{signature.label}: output {o.name!r} has no declared rank and its shape cannot be "
                                  f"computed from {signature.origin or 'this description'}; write the model from the "
                                  "built library (.so) or the plugin class")
    return out
