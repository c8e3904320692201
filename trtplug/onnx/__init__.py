"""ONNX graphs that use trtplug plugins: the node TensorRT's parser maps to a plugin, one-node test
models, and the trtexec/polygraphy commands that build engines from them. Needs the `onnx` package
(`pip install "trtplug[onnx]"`); `trtplug.onnx.torch_export` adds PyTorch export (needs torch).

    from trtplug.onnx import plugin_node, signatures_from, test_model
    mish, = signatures_from(["build/libmish_plugins.so"])     # or ["kernels/mish.py"] or <name>.json
    node = plugin_node(mish, ["features"], ["activated"])    # op type "Mish", every field an attribute
    model = test_model(mish)                                 # the node alone, with example input shapes
"""
from __future__ import annotations

try:
    import onnx  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    from ..errors import TrtPlugError

    raise TrtPlugError("trtplug.onnx needs the onnx package: pip install onnx (or trtplug[onnx])") from exc

from .deploy import commands_for, polygraphy_command, trtexec_command
from .fields import FIELD_TYPES, NAMESPACE_ATTRIBUTE, VERSION_ATTRIBUTE, attribute_value, field_attributes
from .model import ONNX_DTYPES, model_file_name, test_model, write_test_model
from .node import DOMAIN, opset_imports, plugin_node
from .signature import PluginSignature, TensorSignature, from_info, from_library_info, from_spec, signatures_from

__all__ = ["DOMAIN", "FIELD_TYPES", "NAMESPACE_ATTRIBUTE", "ONNX_DTYPES", "PluginSignature", "TensorSignature",
           "VERSION_ATTRIBUTE", "attribute_value", "commands_for", "field_attributes", "from_info",
           "from_library_info", "from_spec", "model_file_name", "opset_imports", "plugin_node",
           "polygraphy_command", "signatures_from", "test_model", "trtexec_command", "write_test_model"]
