"""Generates the C++ of a library's DeepStream declarations and lists what the build needs.

Each declaration provides its own C++ rows (`cpp_params`, `cpp_row`, `cpp_rows`); the functions here
only check the set of declarations, render the templates next to this file and name the sources,
include directories and defines of the build:

    srcs = render_deepstream_sources([YoloDetector("NvDsInferParseYolo")], out_dir=Path("build/ds"))
    CompileJob(sources=srcs.sources, include_dirs=srcs.include_dirs, defines=srcs.defines, ...)
    srcs = render_entry_point_sources([EngineCreate("NvDsInferEngine", recipe)], tensorrt_major=10,
                                      out_dir=Path("build/ds"))
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..native.assets import DEEPSTREAM_DIR, render_template, trt7_adapter_sources
from ..native.literals import c_string
from ..native.sources import SourceSet
from ..errors import DefinitionError
from . import parsers as P
from .cpp import ParserParams, c_comment
from .engine import ENTRY_POINT_TYPES, EngineCreate, ModelParser
from .input_layers import InputLayers
from .versions import DsVersion, parse_version

SHIM_DIR = DEEPSTREAM_DIR / "shim"
PARSERS_CPP = DEEPSTREAM_DIR / "trtplug_ds_parsers.cpp"
LIBSTDCXX_CPP = DEEPSTREAM_DIR / "trtplug_libstdcxx.cpp"  # nvinfer's allocator, for the parsers' vectors
LAYOUT_CHECK_CPP = DEEPSTREAM_DIR / "trtplug_ds_layout_check.cpp"
FACTORY_CPP = DEEPSTREAM_DIR / "trtplug_ds_factory.cpp"
INPUT_LAYERS_CPP = DEEPSTREAM_DIR / "trtplug_ds_input_layers.cpp"
ENGINE_CPP = DEEPSTREAM_DIR / "trtplug_ds_engine.cpp"
GENERATED_NAME = "trtplug_ds_generated.cpp"
INPUTS_GENERATED = "trtplug_ds_input_layers_generated.cpp"
ENGINE_GENERATED = "trtplug_ds_engine_generated.cpp"

def _write_if_changed(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------
# Output parsers


@dataclass(frozen=True)
class ParserView:
    """One parser in parsers.cpp.j2: its exported function and the parameter block it passes on."""

    func_name: str
    kind: str
    params_name: str
    declaration: str
    params: ParserParams


def library_info(parsers: Sequence, version: DsVersion) -> dict:
    entries = []
    for p in parsers:
        entries.extend(p.info() if isinstance(p, P.CustomSource) else [p.info()])
    return {"trtplug_deepstream": 1, "deepstream_version": str(version),
            "object_detection_info_size": version.object_detection_info_size, "parsers": entries}


def _check_names(parsers: Sequence) -> None:
    seen = {}
    for p in parsers:
        if not isinstance(p, (*P.ParserDecl, P.CustomSource)):
            names = ", ".join(c.__name__ for c in (*P.ParserDecl, P.CustomSource))
            raise DefinitionError(f"render_deepstream_sources: expected parser declarations ({names}), got {p!r}")
        names = list(p.functions) if isinstance(p, P.CustomSource) else [p.func_name]
        owner = repr(p.path.name) if isinstance(p, P.CustomSource) else p.owner
        for n in names:
            if n in seen:
                raise DefinitionError(f"{owner}: function name {n!r} is already used by {seen[n]}")
            seen[n] = owner


def render_deepstream_sources(parsers: Iterable, *, deepstream_version=None, out_dir: Path,
                              deepstream_include: Path | None = None, check_custom_impl: bool = False,
                              origin: str = "trtplug.deepstream declarations") -> SourceSet:
    """Writes the generated entry points into `out_dir` and returns the sources, include
    directories and defines to compile into the library.

    deepstream_version: "9.1", "8.0", ... (default: the newest); it fixes the struct layouts.
    deepstream_include: a DeepStream `sources/includes` directory. When given, the build also
    compiles a layout check that fails (static_assert) if trtplug's declarations differ in size
    or offset from nvinfer's headers; with check_custom_impl it also checks the types of
    nvdsinfer_custom_impl.h, which needs TensorRT's headers on the include path.
    """
    parsers = list(parsers)
    version = parse_version(deepstream_version)
    _check_names(parsers)
    if version < parse_version("5.0"):
        raise DefinitionError("DeepStream versions before 5.0 are not supported")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    builtin = [p for p in parsers if not isinstance(p, P.CustomSource)]
    custom = [p for p in parsers if isinstance(p, P.CustomSource)]
    info = library_info(parsers, version)
    views = [ParserView(p.func_name, p.kind, f"kParser{i}", c_comment(p), p.cpp_params(f"kParser{i}"))
             for i, p in enumerate(builtin)]
    text = render_template("parsers.cpp.j2",
        origin=origin, ds_version=str(version), parsers=views,
        info_json=c_string(json.dumps(info, sort_keys=True)))
    sources = [_write_if_changed(out_dir / GENERATED_NAME, text), PARSERS_CPP, LIBSTDCXX_CPP] + [c.path for c in custom]
    include_dirs = [DEEPSTREAM_DIR]
    defines = {"TRTPLUG_DS_VERSION": str(version.code), "_GLIBCXX_USE_CXX11_ABI": "1"}
    if deepstream_include is not None:
        ds_inc = Path(deepstream_include)
        if not (ds_inc / "nvdsinfer.h").is_file():
            raise DefinitionError(f"--deepstream-include {ds_inc}: no nvdsinfer.h there (expected DeepStream's "
                                  f"sources/includes directory)")
        include_dirs.append(ds_inc)  # user sources see nvinfer's own headers
        sources.append(LAYOUT_CHECK_CPP)
        if check_custom_impl:
            defines["TRTPLUG_DS_CHECK_CUSTOM_IMPL"] = "1"
    else:
        include_dirs.append(SHIM_DIR)  # user sources including nvdsinfer_custom_impl.h get ours
    return SourceSet(sources=sources, include_dirs=include_dirs, defines=defines, info=info)


# ----------------------------------------------------------------------------------------------
# Entry points


def _check_entry_points(declarations: list) -> None:
    seen = {}
    for d in declarations:
        if not isinstance(d, ENTRY_POINT_TYPES):
            raise DefinitionError(f"render_entry_point_sources: expected EngineCreate, ModelParser or InputLayers "
                                  f"declarations, got {d!r}")
        if d.func_name in seen:
            what = "one InputLayers and one ModelParser per library" if not isinstance(d, EngineCreate) else \
                "each engine-create function name once"
            raise DefinitionError(f"{d.owner}: function name {d.func_name!r} is already used by {seen[d.func_name]} "
                                  f"({what})")
        seen[d.func_name] = d.owner


def render_entry_point_sources(declarations: Iterable, *, deepstream_version=None, tensorrt_major: int,
                               out_dir: Path, plugin_namespace: str = "", with_factory: bool = True,
                               with_tensorrt: bool = True,
                               origin: str = "trtplug.deepstream declarations") -> SourceSet:
    """Writes the generated entry points into `out_dir` and returns the sources, include
    directories and defines to compile into the library (with the library's other sources).

    declarations: EngineCreate, ModelParser and InputLayers objects (others are an error).
    tensorrt_major: the TensorRT major the library is built for (7, 8, 10, 11). For 7, the
        plugin-factory source hands out the TensorRT 7 adapter's factory: the same build needs
        trtplug.native.assets.trt7_adapter_sources(), the core runtime and the library's plugins.cpp
        (the factory recreates plugins from trtplug::library()); the include dirs returned cover it.
    with_factory: add NvDsInferPluginFactoryRuntimeGet/Destroy (every DeepStream library should).
    with_tensorrt: False builds without TensorRT headers: the recipes and trtplug_ds_recipe_dry_run
        are compiled, the engine-create functions and NvDsInferCreateModelParser are not.
    Engine-create functions and the model parser need TensorRT's headers (and, for 8+, CUDA's) as
    system include dirs of the build; the ONNX parser step needs NvOnnxParser.h there too (without
    it the functions compile and report at run time that the library was built without it).
    """
    declarations = list(declarations)
    _check_entry_points(declarations)
    version = parse_version(deepstream_version)
    if tensorrt_major not in (7, 8, 10, 11):
        raise DefinitionError(f"render_entry_point_sources: TensorRT major {tensorrt_major!r} is not supported "
                              f"(7 for DeepStream 5.x, 8, 10, 11)")
    if (tensorrt_major == 7) != (version.major == 5):
        raise DefinitionError(f"render_entry_point_sources: DeepStream {version} does not run on TensorRT {tensorrt_major} "
                              f"(DeepStream 5.x uses TensorRT 7; 6.0 and later use TensorRT 8 or newer)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    sources: list = []
    inputs = [d for d in declarations if isinstance(d, InputLayers)]
    engines = [d for d in declarations if isinstance(d, EngineCreate)]
    parsers = [d for d in declarations if isinstance(d, ModelParser)]
    if inputs:
        text = render_template("input_layers.cpp.j2",
            origin=origin, ds_version=str(version), layers=inputs[0].cpp_rows())
        sources += [_write_if_changed(out_dir / INPUTS_GENERATED, text), INPUT_LAYERS_CPP]
    if engines or parsers:
        text = render_template("engine.cpp.j2",
            origin=origin, ds_version=str(version), tensorrt_major=tensorrt_major,
            engines=[e.cpp_row(i, plugin_namespace) for i, e in enumerate(engines)],
            parser=parsers[0].cpp_row(plugin_namespace) if parsers else None)
        sources += [_write_if_changed(out_dir / ENGINE_GENERATED, text), ENGINE_CPP]
    if with_factory:
        sources.append(FACTORY_CPP)
    include_dirs = [DEEPSTREAM_DIR] + (trt7_adapter_sources().include_dirs if tensorrt_major == 7 and with_factory
                                       else [])
    defines = {"TRTPLUG_DS_VERSION": str(version.code), "_GLIBCXX_USE_CXX11_ABI": "1",
               "TRTPLUG_DS_TENSORRT_MAJOR": str(tensorrt_major)}
    if not with_tensorrt:
        if tensorrt_major == 7 and with_factory:
            raise DefinitionError("render_entry_point_sources: the TensorRT 7 plugin factory needs TensorRT 7 headers")
        defines["TRTPLUG_DS_ENGINE_NO_TENSORRT"] = "1"
    return SourceSet(sources, include_dirs, defines=defines)
