"""What trtplug does with TensorRT's Python API where the `tensorrt` package is importable: check a
loaded library's plugins are registered, and turn attribute values into PluginFields. One-layer test
engines are built in trtplug/testing/engines.py.

Nothing here runs without TensorRT; callers get EngineUnavailable and skip with its reason.
"""
from __future__ import annotations

import numpy as np

from .errors import LoadError, TrtPlugError, import_optional

FIELD_KINDS = {"int": "INT32", "bool": "INT32", "float": "FLOAT32", "string": "CHAR", "int_list": "INT32",
               "float_list": "FLOAT32"}


class EngineUnavailable(TrtPlugError):
    """The tensorrt Python package (or a GPU) is not available here."""


def tensorrt_module():
    return import_optional("tensorrt", "the tensorrt Python package", EngineUnavailable)


def check_registered(library) -> None:
    """Raises LoadError naming every plugin of `library` missing from TensorRT's plugin registry."""
    trt = tensorrt_module()
    registry = trt.get_plugin_registry()
    namespace = library.info.get("plugin_namespace", "")
    # get_creator (TensorRT >= 10) finds IPluginV2 and IPluginV3 creators; get_plugin_creator only V2 ones.
    find = getattr(registry, "get_creator", None) or registry.get_plugin_creator
    missing = [f"{name} version {version}" for name, version in library.plugins
               if find(name, version, namespace) is None]
    if missing:
        raise LoadError(f"{library.path}: loaded, but TensorRT's plugin registry has no creator for "
                        + ", ".join(missing) + (f" in namespace {namespace!r}" if namespace else "")
                        + ". Hint: was the library built for this TensorRT major? `trtplug inspect` tells")


def plugin_fields(trt, spec, attributes: dict):
    fields = []
    for attr in spec.attrs:
        value = attributes.get(attr.name, attr.default)
        kind = FIELD_KINDS[attr.kind]
        if attr.kind == "string":
            data = np.frombuffer(value.encode() + b"\0", dtype=np.int8)
        elif kind == "INT32":
            data = np.array(value if attr.is_list else [int(value)], dtype=np.int32)
        else:
            data = np.array(value if attr.is_list else [value], dtype=np.float32)
        fields.append(trt.PluginField(attr.name, data, getattr(trt.PluginFieldType, kind)))
    return trt.PluginFieldCollection(fields)
