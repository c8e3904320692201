"""The ONNX node TensorRT's parser turns into a trtplug plugin.

    from trtplug.onnx import plugin_node, signatures_from
    mish, = signatures_from(["build/libmish_plugins.so"])      # or ["kernels/mish.py"], or <name>.json
    node = plugin_node(mish, ["x"], ["y"])                     # op type "Mish", every field as an attribute
"""
from __future__ import annotations

from typing import Sequence

from onnx import NodeProto, helper

from ..errors import DefinitionError
from .fields import NAMESPACE_ATTRIBUTE, VERSION_ATTRIBUTE, field_attributes

# The parser dispatches on the op type alone and ignores the domain, so any domain works; a
# domain of our own keeps onnx.checker from validating the node against a standard op's schema.
DOMAIN = "trtplug"
DOMAIN_VERSION = 1


def plugin_node(signature, inputs: Sequence[str], outputs: Sequence[str], attributes: dict | None = None, *,
                name: str | None = None, domain: str = DOMAIN) -> NodeProto:
    """A node whose op type is the plugin's name, with `plugin_version`, `plugin_namespace` and one
    attribute per plugin field (`attributes` override the defaults). Input and output counts must
    match the plugin's."""
    where = signature.label
    for kind, given, declared in (("inputs", inputs, signature.inputs), ("outputs", outputs, signature.outputs)):
        if isinstance(given, str) or len(given) != len(declared):
            raise DefinitionError(f"{where}: expected {len(declared)} {kind} "
                                  f"({', '.join(t.name for t in declared)}), got {list(given) if not isinstance(given, str) else given!r}")
    node = helper.make_node(signature.name, list(inputs), list(outputs), name=name or signature.name, domain=domain)
    node.attribute.extend([helper.make_attribute(VERSION_ATTRIBUTE, signature.version),
                           helper.make_attribute(NAMESPACE_ATTRIBUTE, signature.namespace)])
    node.attribute.extend(field_attributes(signature, attributes, signature.name))
    return node


def opset_imports(domain: str = DOMAIN, onnx_opset: int = 17) -> list:
    """The opset imports a model with plugin nodes of `domain` needs (onnx.checker requires one per domain)."""
    return [helper.make_opsetid("", onnx_opset), helper.make_opsetid(domain, DOMAIN_VERSION)]
