"""Which TensorRT plugin interface a library implements, and the adapter sources that give it.

``v2``: IPluginV2DynamicExt + IPluginCreator (TensorRT 8.6, 10.x, 11.x; deprecated since 10.0).
``v3``: IPluginV3 (IPluginV3OneCore/OneBuild/OneRuntime) + IPluginCreatorV3One (TensorRT >= 10).

The default stays ``v2``: an engine records each plugin layer with the interface it was built
with, and TensorRT restores a V2 layer only through a V2 creator of the same name and version. A
library holds one creator per name and version (it cannot register a V2 and a V3 one), so a
library rebuilt with another interface no longer loads the engines built with the old one. Pick
``v3`` for new engines on TensorRT >= 10 (docs/tensorrt.md, "IPluginV2 or IPluginV3").

The adapter sources are told apart by name in ``registry/tensorrt/``: ``trtplug_trt_v3_*.cpp``
implement V3, ``trtplug_trt_common.cpp`` serves both, every other source implements V2.

Example::

    check_interface("v3", headers)              # raises BuildError for TensorRT 8.6 headers
    sources = interface_sources("v3")
"""
from __future__ import annotations

from pathlib import Path

from .errors import BuildError, DefinitionError
from .native.assets import TENSORRT_DIR

INTERFACES = ("v2", "v3")
DEFAULT_INTERFACE = "v2"
V3_MINIMUM_MAJOR = 10

_V3_PREFIX = "trtplug_trt_v3_"
_COMMON = "trtplug_trt_common.cpp"


def check_interface(interface: str, headers=None) -> str:
    """`interface` if it is known and the TensorRT `headers` (a TensorRTHeaders, or None when
    unknown yet) support it; raises otherwise."""
    if interface not in INTERFACES:
        raise DefinitionError(f"TensorRT plugin interface {interface!r}: expected one of {', '.join(INTERFACES)}")
    if interface == "v3" and headers is not None and headers.major < V3_MINIMUM_MAJOR:
        raise BuildError(f"--interface v3 needs TensorRT {V3_MINIMUM_MAJOR} or newer, but the headers in "
                         f"{headers.include_dir} are TensorRT {headers.version}: build with --interface v2 for "
                         f"TensorRT {headers.major}.x, or choose newer headers with --tensorrt-include DIR")
    return interface


def interface_sources(interface: str) -> list[Path]:
    """The hand-written TensorRT adapter sources a library with `interface` compiles."""
    check_interface(interface)
    every = sorted(TENSORRT_DIR.glob("*.cpp"))
    if interface == "v3":
        return [p for p in every if p.name.startswith(_V3_PREFIX) or p.name == _COMMON]
    return [p for p in every if not p.name.startswith(_V3_PREFIX)]


def library_interface(info: dict) -> str | None:
    """The interface a built library's info JSON (``trtplug inspect --json``) names; libraries
    built before V3 existed name none and implement V2. None without a TensorRT adapter."""
    if not info.get("tensorrt"):
        return None
    return info.get("tensorrt_interface") or "v2"


def describe_interface(interface: str | None) -> str:
    """How `trtplug inspect` and `trtplug deepstream check` name an interface."""
    return {"v2": "IPluginV2DynamicExt + IPluginCreator (v2)",
            "v3": "IPluginV3 + IPluginCreatorV3One (v3)"}.get(interface or "", "none (C API only)")
