"""Builds the hand-written fixture plugins (fixture_plugins.cpp) into TensorRT plugin libraries.

The core runtime is compiled once per output folder and shared by every library; the TensorRT
adapter and the fixture are compiled per TensorRT version with -Werror,
so a warning in trtplug's TensorRT code fails the build.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from trtplug.native.assets import CORE_DIR, TENSORRT_DIR
from trtplug.native.compiler import CompileJob, run_compile
from trtplug.native.literals import c_string
from trtplug.native.project import EXPORTS_MAP
from trtplug.native.tensorrt_headers import TensorRTHeaders, find_cuda_include
from trtplug.tensorrt_interface import interface_sources

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture_plugins.cpp"


_lock = threading.Lock()
_core_objects: dict[Path, list[Path]] = {}


def _compile(sources_and_objects, include_dirs, system_dirs, strict: bool) -> list[Path]:
    def one(pair):
        src, obj = pair
        flags = ["-c", "-Werror"] if strict else ["-c"]
        job = CompileJob([src], obj, shared=False, include_dirs=include_dirs, system_include_dirs=system_dirs,
                         extra_flags=flags, libs=(), optimize="-O1")
        return run_compile(job)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, sources_and_objects))


def core_objects(work: Path) -> list[Path]:
    """The core runtime compiled once into work/core (no TensorRT headers involved)."""
    with _lock:
        if work not in _core_objects:
            pairs = [(src, work / "core" / (src.stem + ".o")) for src in sorted(CORE_DIR.glob("*.cpp"))]
            _core_objects[work] = _compile(pairs, [CORE_DIR], [], strict=False)
        return _core_objects[work]


def build_fixture_library(headers: TensorRTHeaders, work: Path, *, namespace: str = "", tag: str = "",
                          interface: str = "v2") -> Path:
    """libtrtplug_fixture_<tag>.so built against `headers`, with plugin namespace `namespace` and the
    TensorRT plugin `interface` ("v2", or "v3": built from the fixture's library() alone)."""
    tag = tag or f"trt{headers.major}"
    out = work / tag
    src_dir = out / "src"
    src_dir.mkdir(parents=True, exist_ok=True)
    wrapper = src_dir / "fixture.cpp"
    wrapper.write_text(f"#define TRTPLUG_FIXTURE_NAMESPACE {c_string(namespace)}\n"
                       f"#include \"{FIXTURE}\"\n")
    sources = [*interface_sources(interface), wrapper]
    pairs = [(src, out / "obj" / f"{src.parent.name}_{src.stem}.o") for src in sources]
    system_dirs = [headers.include_dir, find_cuda_include()]
    objects = _compile(pairs, [CORE_DIR, TENSORRT_DIR], system_dirs, strict=True)
    library = out / f"libtrtplug_fixture_{tag}.so"
    link = CompileJob([*objects, *core_objects(work)], library, shared=True, allow_undefined=True,
                      extra_flags=[f"-Wl,--version-script={EXPORTS_MAP}"])
    return run_compile(link)


def build_check_program(name: str, headers: TensorRTHeaders, work: Path) -> Path:
    """The CPU check program `name` (see `name`.cpp next to this file) built against `headers`."""
    out = work / f"{name}_trt{headers.major}"
    job = CompileJob([HERE / f"{name}.cpp"], out, shared=False,
                     system_include_dirs=[headers.include_dir, find_cuda_include()],
                     extra_flags=["-Werror"], optimize="-O1")
    return run_compile(job)


def build_workspace_check(headers: TensorRTHeaders, work: Path) -> Path:
    """workspace_check (see workspace_check.cpp) built against `headers`."""
    return build_check_program("workspace_check", headers, work)


def build_configure_check(headers: TensorRTHeaders, work: Path) -> Path:
    """configure_check (see configure_check.cpp) built against `headers`."""
    return build_check_program("configure_check", headers, work)
