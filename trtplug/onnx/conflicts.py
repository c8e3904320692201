"""Plugin names TensorRT's ONNX parser never maps to a plugin.

The parser picks an importer by the node's op type alone (the domain is not looked at): an op type
it has a built-in importer for (the standard ONNX operators: Mish, HardSwish, Softmax, ...) becomes
its TensorRT layer, and only op types it has no importer for fall back to the plugin registry. A
plugin named like a standard operator therefore cannot be reached from ONNX under that name.
"""
from __future__ import annotations

from onnx import defs


def standard_op_clash(plugin_name: str) -> str | None:
    """A warning when `plugin_name` is a standard ONNX operator's name, else None."""
    if not defs.has(plugin_name):
        return None
    return (f"plugin {plugin_name!r} has the name of the standard ONNX operator {plugin_name}: TensorRT's ONNX parser "
            f"imports a node of op type {plugin_name!r} as its own layer (it dispatches on the op type, whatever the "
            f"domain) and never asks the plugin registry. Hint: give the plugin a name of its own "
            f"(name = \"{plugin_name}_TRT\" in the class) to reach it from ONNX")
