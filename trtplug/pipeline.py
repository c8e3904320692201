"""`trtplug compile`: declare → trace → compile kernels → generate → build, as one function.

    from trtplug.pipeline import CompileOptions, compile_library
    result = compile_library(["kernels/mish.py"], CompileOptions(output_dir="build"))
    result.library   # build/libmish_plugins.so
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .codegen.descriptors import build_view, render_plugins_cpp
from .errors import DefinitionError, HeadersNotFoundError
from .loader import default_library_name, load_targets, target_label
from .native.assets import CORE_DIR, TENSORRT_DIR, TRTPLUG_VERSION, trt7_adapter_sources
from .native.library import build_library
from .native.sources import SourceSet
from .native.tensorrt_headers import TensorRTHeaders
from .native.toolchain import Toolchain
from .declare.spec import PluginSpec
from .target import BuildTarget
from .tensorrt_interface import interface_sources
from .trace.tracer import TracedPlugin, trace


@dataclass
class CompileOptions:
    output_dir: Path | str = "build"
    library_name: str | None = None          # default: <first file stem>_plugins
    plugin_namespace: str = ""
    archs: Sequence[int] | None = None        # default: the target's GPUs (Jetson: sm_72, sm_87), else sm_75+
    target: str | None = None                 # machine + glibc floor, e.g. "aarch64-linux-gnu" (default: this machine's, glibc 2.17)
    toolchain: str | None = None              # "bundled" (default: ziglang's clang/libc++) or "system" ($CXX/g++)
    tensorrt_include: Path | str | None = None
    tensorrt: bool = True                     # False: core-only library (C API, no TensorRT adapter)
    interface: str = "v2"                     # TensorRT plugin interface: "v2" or "v3" (tensorrt_interface.py)
    emit_project: bool = False
    jobs: int | None = None
    extra_sources: Sequence[Path] = ()        # user C++ added to the same library
    extra_include_dirs: Sequence[Path] = ()
    deepstream_version: str | None = None     # layout of the DeepStream parsers (default: newest)
    deepstream_include: Path | str | None = None  # real DeepStream headers to check the layout against
    deepstream: bool = False                  # add nvinfer's entry points even when FILES declare none
    progress: Callable[[str], None] | None = print


@dataclass
class CompileResult:
    library: Path | None
    sources: list[Path]
    info: dict
    project_dir: Path | None = None
    traced: list[TracedPlugin] = field(default_factory=list)
    tensorrt: TensorRTHeaders | None = None   # the headers the TensorRT adapter was built against
    toolchain: Toolchain | None = None        # what built it, for which machine and glibc
    note: str = ""                            # what a caller should tell the user about this build


def compile_library(targets: Sequence[str], options: CompileOptions | None = None) -> CompileResult:
    options = options or CompileOptions()
    say = options.progress or (lambda _msg: None)
    out = Path(options.output_dir)
    src_dir = out / "src"
    src_dir.mkdir(parents=True, exist_ok=True)

    specs, declarations = declare(targets, say)
    target = BuildTarget.from_options(options, hand_written_nvinfer_code=has_custom_parser_source(declarations))
    # (made before the slow stages: a wrong option fails at once)
    traced = [trace(s) for s in specs]
    target.check_plugins(traced)
    say(f"[2/5] trace    {sum(len(t.variants) for t in traced)} dtype combination(s), "
        f"{sum(len(v.launches) for t in traced for v in t.variants)} launch(es)")
    kernels = compile_kernels(traced, target.cuda_archs(options.archs), say)

    library_name = options.library_name or default_library_name(targets[0])
    check_names(library_name, options.plugin_namespace)
    if target.headers is not None:
        say(f"       headers  {target.headers.describe()}")
    info = library_info(traced, kernels, library_name, options.plugin_namespace, target.headers)
    info["tensorrt_interface"] = target.interface
    info["native_toolchain"] = target.toolchain.describe()

    native = plugin_table_sources(traced, kernels, info, targets, src_dir)
    native.add(adapter_sources(target))
    if declarations or target.trt7 or options.deepstream:
        deepstream = deepstream_sources(declarations, target, src_dir / "deepstream", options, info["library"])
        native.add(deepstream)
        info["deepstream"] = deepstream.info
    native.add(SourceSet([Path(p) for p in options.extra_sources], [Path(p) for p in options.extra_include_dirs]))
    (out / f"{library_name}.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    say(f"[4/5] generate {len(native.sources)} source file(s), generated ones in {src_dir}")

    project_dir = None
    if options.emit_project:
        from .native.project import write_project
        project_dir = write_project(out / "project", library_name, native, options)
        say(f"       project  {project_dir} (cmake -S {project_dir} -B build && cmake --build build)")
    if target.missing_headers is not None:
        if project_dir is not None:
            say(f"note: {target.missing_headers}\nThe CMake project in {project_dir} builds the library where TensorRT "
                "is installed; `--tensorrt-include DIR` builds it here.")
            return CompileResult(None, native.sources, info, project_dir, traced, None, target.toolchain)
        raise HeadersNotFoundError(
            f"{target.missing_headers}\nKernels were compiled and the sources written to {src_dir}. To finish where "
            "TensorRT is installed: pass --tensorrt-include DIR (or set TENSORRT_ROOT), or add --emit-project and "
            "build that CMake project there; --no-tensorrt builds a library with only the C API.")

    native.system_include_dirs += target.system_include_dirs()
    library = build_library(out / f"lib{library_name}.so", native, target.toolchain, jobs=options.jobs,
                            allow_undefined=target.headers is not None)
    say(f"[5/5] build    {library} ({target.toolchain.describe()})")
    return CompileResult(library, native.sources, info, project_dir, traced, target.headers, target.toolchain)


def declare(targets: Sequence[str], say) -> tuple[list[PluginSpec], list]:
    specs, declarations = load_targets(list(targets))
    say(f"[1/5] declare  {len(specs)} plugin(s)"
        + (": " + ", ".join(f"{s.name} v{s.version}" for s in specs) if specs else "")
        + (f"; {len(declarations)} DeepStream declaration(s)" if declarations else ""))
    return specs, declarations


def has_custom_parser_source(declarations) -> bool:
    from .deepstream.parsers import CustomSource

    return any(isinstance(d, CustomSource) for d in declarations)


def plugin_table_sources(traced, kernels, info: dict, targets, src_dir: Path) -> SourceSet:
    """The core runtime and the library's plugin table (plugins.cpp: descriptors, programs, kernel images),
    named and namespaced as `info` (library_info) says."""
    origin = ", ".join(sorted({target_label(t) for t in targets}))
    header = f"Generated by trtplug {TRTPLUG_VERSION} from {origin}. Do not edit: run `trtplug compile` again."
    view = build_view(traced, kernels, library_name=info["library"], plugin_namespace=info["plugin_namespace"],
                      info=info, header=header)
    return SourceSet([render_plugins_cpp(view, src_dir), *core_sources()], [CORE_DIR])


def adapter_sources(target: BuildTarget) -> SourceSet:
    """The TensorRT adapter the target asks for: made at load time from the plugin table, no generated code.
    TensorRT 7's adapter is reached through nvinfer's plugin factory (see deepstream_sources)."""
    if target.trt7:
        return trt7_adapter_sources()
    if target.interface is None:
        return SourceSet()
    return SourceSet(interface_sources(target.interface), [TENSORRT_DIR])


LIBRARY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
PLUGIN_NAMESPACE = re.compile(r"^[A-Za-z0-9_.:+-]*$")


def check_names(library_name: str, plugin_namespace: str) -> None:
    if not LIBRARY_NAME.match(library_name):
        raise DefinitionError(f"library name {library_name!r}: use letters, digits and _ . + - (it becomes "
                              f"lib<name>.so)")
    if not PLUGIN_NAMESPACE.match(plugin_namespace):
        raise DefinitionError(f"plugin namespace {plugin_namespace!r}: use letters, digits and _ . : + -")


def deepstream_sources(declarations, target: BuildTarget, out_dir: Path, options: CompileOptions,
                       library_name: str) -> SourceSet:
    """Output parsers plus the plugin factory, input layers, engine-create and model-parser entry
    points for Gst-nvinfer."""
    from .deepstream.engine import is_entry_point_declaration
    from .deepstream.render import render_deepstream_sources, render_entry_point_sources

    parsers = [d for d in declarations if not is_entry_point_declaration(d)]
    entry_points = [d for d in declarations if is_entry_point_declaration(d)]
    origin = "the DeepStream declarations of " + library_name
    sources = render_deepstream_sources(parsers, deepstream_version=target.deepstream, out_dir=out_dir,
                                        deepstream_include=options.deepstream_include, origin=origin)
    sources.add(render_entry_point_sources(entry_points, deepstream_version=target.deepstream,
                                           tensorrt_major=target.tensorrt_major, out_dir=out_dir,
                                           plugin_namespace=options.plugin_namespace, with_factory=True,
                                           with_tensorrt=target.headers is not None, origin=origin))
    return sources


def compile_kernels(traced: list[TracedPlugin], archs, say) -> dict:
    """Compiles each distinct (kernel, signature) once. Returns {(id(kernel), signature): CompiledKernel}."""
    from .aot.compiler import compile_kernel

    unique = {}
    for tp in traced:
        for variant in tp.variants:
            for launch in variant.launches:
                unique.setdefault((id(launch.kernel), launch.signature), launch)
    compiled = {}
    for n, (key, launch) in enumerate(unique.items(), 1):
        compiled[key] = compile_kernel(launch.kernel, launch.signature, archs)
        ck = compiled[key]
        say(f"[3/5] kernels  ({n}/{len(unique)}) {launch.kernel_name}"
            f"({', '.join(map(str, launch.signature))}) -> PTX {ck.ptx_version} + "
            f"cubin sm_{'/'.join(str(sm) for sm in sorted(ck.cubins))}")
    return compiled


def library_info(traced, kernels, library_name, plugin_namespace, headers) -> dict:
    archs = sorted({sm for ck in kernels.values() for sm in ck.cubins})
    any_kernel = next(iter(kernels.values()), None)
    plugins = []
    for tp in traced:
        spec = tp.spec
        plugins.append({
            "name": spec.name,
            "version": spec.version,
            "class": spec.qualname,
            "inputs": [{"name": t.name, "dtypes": list(t.dtypes), "rank": t.rank} for t in spec.inputs],
            "outputs": [{"name": o.name, "like": o.like, "dtype": o.dtype, "dtype_like": o.dtype_like, "rank": o.rank}
                        for o in spec.outputs],
            "attributes": [{"name": a.name, "kind": a.kind, "default": a.default, "min": a.min, "max": a.max,
                            "choices": list(a.choices) if a.choices is not None else None,
                            "min_length": a.min_length, "max_length": a.max_length}
                           for a in spec.attrs],
            "dtype_combinations": [list(c) for c in spec.combinations],
            # Example input shapes (one list per case), e.g. for the test models of `trtplug onnx LIB`.
            "test_shapes": [[list(s) for s in case] for case in spec.test_shapes or ()],
            "kernels": sorted({launch.kernel_name for v in tp.variants for launch in v.launches}),
        })
    return {
        "library": library_name,
        "plugin_namespace": plugin_namespace,
        "trtplug": TRTPLUG_VERSION,
        "tensorrt": None if headers is None else f"{headers.major}.{headers.minor}.{headers.patch}",
        "archs": archs,
        "ptx": {"target": f"sm_{any_kernel.ptx_target}", "isa": any_kernel.ptx_version} if any_kernel else None,
        "toolchain": any_kernel.toolchain if any_kernel else {},
        "plugins": plugins,
    }


def core_sources() -> list[Path]:
    return sorted(CORE_DIR.glob("*.cpp"))
