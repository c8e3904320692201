"""Plugin attributes as ONNX node attributes, typed the way TensorRT's ONNX parser reads them.

When the parser meets an op it has no importer for, it looks the op type up in the plugin registry
(`plugin_version`, default "1", and `plugin_namespace`, default "", are STRING attributes of the
node) and, for each field the creator lists in getFieldNames() that the node has as an attribute,
makes a PluginField whose type follows the ONNX attribute type, not the creator's declaration:
FLOAT -> kFLOAT32 (1 value), INT -> kINT32 (1 value, narrowed from int64), STRING -> kCHAR (the
bytes plus a terminating NUL), FLOATS -> kFLOAT32 and INTS -> kINT32 (one value per element),
STRINGS -> kCHAR, TENSOR -> by its element type. Other attribute types fail the import. Fields the
node lacks are left out (the creator's default applies); node attributes that are not fields are
ignored. (onnx-tensorrt, `loadFields` and `FallbackPluginImporter`, the same in the 8.6 and 10.x
releases; see docs/onnx.md.)

trtplug's creators accept exactly those: int and bool attributes take kINT32 (bool holds 0 or 1),
float and float_list kFLOAT32, int_list kINT32, string kCHAR with or without the NUL.
"""
from __future__ import annotations

from onnx import AttributeProto, helper

from ..declare.attrs import Attr
from ..errors import DefinitionError

# trtplug attribute kind -> (ONNX attribute type written, TensorRT PluginFieldType the parser makes of it)
FIELD_TYPES = {
    "int": (AttributeProto.INT, "kINT32"),
    "bool": (AttributeProto.INT, "kINT32"),
    "float": (AttributeProto.FLOAT, "kFLOAT32"),
    "string": (AttributeProto.STRING, "kCHAR"),
    "int_list": (AttributeProto.INTS, "kINT32"),
    "float_list": (AttributeProto.FLOATS, "kFLOAT32"),
}

# The node attributes the parser reads to find the creator; no plugin field may take these names.
VERSION_ATTRIBUTE = "plugin_version"
NAMESPACE_ATTRIBUTE = "plugin_namespace"


def field_attribute(attr: Attr, value, where: str) -> AttributeProto:
    """The ONNX attribute carrying `value` for the plugin field `attr`, after checking the value
    against the declaration (kind, range, length, choices); a bad value raises DefinitionError
    naming `where` and the field."""
    attr.check_value(value, f"{where}.{attr.name}")
    attr_type, _ = FIELD_TYPES[attr.kind]
    if attr.kind == "bool":
        value = int(value)
    elif attr.kind.endswith("_list"):
        value = [float(v) for v in value] if attr.kind == "float_list" else [int(v) for v in value]
    elif attr.kind == "float":
        value = float(value)
    # The type is given explicitly: an empty list has no type to infer, and a float list of whole
    # numbers must not become INTS.
    return helper.make_attribute(attr.name, value, attr_type=attr_type)


def field_attributes(signature, values: dict | None = None, where: str | None = None) -> list[AttributeProto]:
    """Every field of the plugin as an ONNX attribute: `values` where given, the declared default
    otherwise (the node states every field, so the engine does not depend on the creator's defaults
    being the ones the model was exported with)."""
    where = where or signature.name
    values = dict(values or {})
    unknown = sorted(set(values) - {a.name for a in signature.attributes})
    if unknown:
        known = ", ".join(a.name for a in signature.attributes) or "none"
        raise DefinitionError(f"{where}: no attribute {', '.join(map(repr, unknown))} (its attributes: {known})")
    result = []
    for attr in signature.attributes:
        if attr.name in (VERSION_ATTRIBUTE, NAMESPACE_ATTRIBUTE):
            raise DefinitionError(f"{where}: attribute {attr.name!r} clashes with the node attribute TensorRT's ONNX "
                                  "parser reads to find the plugin; rename it")
        result.append(field_attribute(attr, values.get(attr.name, attr.default), where))
    return result


def attribute_value(attribute: AttributeProto):
    """The Python value of an ONNX attribute as the parser would read it (for checks and tests)."""
    return helper.get_attribute_value(attribute)
