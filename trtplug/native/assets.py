"""The native assets of trtplug, in one place: where the C++ sources live, the templates that
generate C++ and CMake, and the version written into what is generated.

registry/ (core runtime, TensorRT adapter, DeepStream glue, harnesses) ships inside the package as
trtplug/registry; a source checkout without an install keeps it at the top of the repository.
Templates stay next to the code that renders them; one jinja environment finds them all by name.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from .. import __version__ as TRTPLUG_VERSION  # noqa: F401  (the version generated files name)
from .sources import SourceSet

_PACKAGE = Path(__file__).resolve().parent          # trtplug/native
_TRTPLUG = _PACKAGE.parent

REGISTRY_DIR = _TRTPLUG / "registry"
if not REGISTRY_DIR.is_dir():  # a source checkout
    REGISTRY_DIR = _TRTPLUG.parent / "registry"

CORE_DIR = REGISTRY_DIR / "core"
TENSORRT_DIR = REGISTRY_DIR / "tensorrt"
DEEPSTREAM_DIR = REGISTRY_DIR / "deepstream"
HARNESS_DIR = REGISTRY_DIR / "harness"
TESTING_DIR = REGISTRY_DIR / "testing"  # records.h: the plan/result format of harnesses and emulator
TRT7_DIR = TENSORRT_DIR / "trt7"


def trt7_adapter_sources() -> SourceSet:
    """The TensorRT 7 adapter (registry/tensorrt/trt7/: IPluginExt plugins and the IPluginFactory that
    recreates them from an engine): its sources and the include dirs they need.

    A TensorRT 7 library compiles them, with TensorRT 7 headers as the only TensorRT headers, next to
    the core runtime, the library's plugins.cpp (the factory finds plugins in trtplug::library()) and
    DeepStream's NvDsInferPluginFactoryRuntimeGet, which hands the factory out. They take the place
    of the IPluginV2DynamicExt adapter (TENSORRT_DIR/*.cpp), which needs TensorRT 8.6+.
    """
    return SourceSet(sorted(TRT7_DIR.glob("*.cpp")), [CORE_DIR, TENSORRT_DIR, TRT7_DIR])


# Folders holding .j2 templates; template names are unique across them.
TEMPLATE_DIRS = (_TRTPLUG / "codegen" / "templates", _TRTPLUG / "deepstream" / "templates",
                 _PACKAGE / "templates")


@lru_cache(maxsize=None)
def template_environment() -> jinja2.Environment:
    from .literals import c_string

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in TEMPLATE_DIRS]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["c_string"] = c_string  # {{ name | c_string }}: any text as a C++ string literal
    return env


def render_template(name: str, **context) -> str:
    return template_environment().get_template(name).render(**context)
