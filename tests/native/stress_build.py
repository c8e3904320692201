"""Builds the reliability test programs (stress_main.cpp) and the libraries they drive, cached by
content like native_build.py's: the stress program, the fault and fixture libraries (the core
compiled in, with the same sanitizers as the program), the fake CUDA driver and the counting shim
that stands between the core and a real driver.

`sanitizers`: None (plain), native_build.SANITIZE (address + undefined) or THREAD_SANITIZE.
`unloadable`: linked as `trtplug compile` links a library, with its exports map, which keeps
libstdc++'s symbols local. Without it the library exports libstdc++'s STB_GNU_UNIQUE symbols (the
static locals of inline templates: std::to_string's digit table, std::make_shared's tag), and glibc
never unloads a library that defines one: dlclose would leave it loaded, its destructors unrun.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from native_build import (STRICT, TESTS_DIR, _headers_digest, _key, _object, build, build_dir, core_sources,
                          fixture_sources)
from trtplug.native.compiler import CompileJob, find_cxx, run_compile

def _exports_map_flag() -> str:
    from trtplug.native.project import EXPORTS_MAP

    return f"-Wl,--version-script={EXPORTS_MAP}"


def _build(name: str, sources: list[Path], sanitizers: tuple | None, shared: bool, unloadable: bool = False) -> Path:
    """Objects are compiled with the flags of native_build's unit tests, so the core's objects are
    shared with theirs; `unloadable` changes only the link."""
    if not unloadable:
        if sanitizers:
            return build(name, sources, sanitize=True, sanitizers=sanitizers, shared=shared)
        return build(name, sources, sanitize=False, shared=shared)
    flags = STRICT + (sanitizers or ())
    headers = _headers_digest()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        objects = list(pool.map(lambda src: _object(src, flags, headers), sources))
    link_flags = (*(sanitizers or ()), _exports_map_flag())
    out = build_dir() / f"{name}-{_key(*[o.name for o in objects], flags, link_flags)}.so"
    if not out.exists():
        tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
        run_compile(CompileJob(sources=objects, output=tmp, shared=True, extra_flags=link_flags, optimize="-O1"))
        tmp.replace(out)
    return out


def _suffix(sanitizers: tuple | None, unloadable: bool = False) -> str:
    kind = "" if not sanitizers else "_tsan" if any("thread" in f for f in sanitizers) else "_asan"
    return kind + ("_unloadable" if unloadable else "")


def build_stress_program(sanitizers: tuple | None = None) -> Path:
    """The stress program without a plugin registry (no TensorRT headers needed)."""
    return _build("trtplug_stress" + _suffix(sanitizers),
                  [TESTS_DIR / "stress_main.cpp", TESTS_DIR / "stress_registry_absent.cpp"], sanitizers, shared=False)


def build_fixture_library(sanitizers: tuple | None = None, unloadable: bool = False) -> Path:
    """libfixture_plugins.so (namespace trtplug_test: TestScale v1, TestNeeds, TestRules)."""
    return _build("libfixture_plugins" + _suffix(sanitizers, unloadable), fixture_sources(), sanitizers, shared=True, unloadable=unloadable)


def build_fixture_library_v2(sanitizers: tuple | None = None, unloadable: bool = False) -> Path:
    """The same plugins as a second library: namespace trtplug_test_v2, TestScale v2, TestRules."""
    return _build("libfixture_plugins_v2" + _suffix(sanitizers, unloadable),
                  [*core_sources(), TESTS_DIR / "fixture_plugins_v2.cpp"], sanitizers, shared=True, unloadable=unloadable)


def build_fixture_library_bundled() -> Path:
    """libfixture_plugins.so as `trtplug compile` links a library: the bundled clang/libc++ (glibc 2.17),
    the exports map; nothing of it shared with the g++ builds above."""
    from trtplug.native.assets import CORE_DIR
    from trtplug.native.toolchain import choose_toolchain

    toolchain = choose_toolchain("bundled")
    sources = fixture_sources()
    key = _key(*[src.read_bytes() for src in sources], _headers_digest(), toolchain.identity(), _exports_map_flag())
    out = build_dir() / f"libfixture_plugins_bundled-{key}.so"
    if not out.exists():
        tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
        run_compile(CompileJob(sources=sources, output=tmp, shared=True, include_dirs=[CORE_DIR, TESTS_DIR],
                               extra_flags=[_exports_map_flag()], toolchain=toolchain))
        tmp.replace(out)
    return out


def build_fault_library(sanitizers: tuple | None = None, unloadable: bool = False) -> Path:
    """libfault_plugins.so: Scale2d (healthy), BadPtx, NoImage, Trap, HugeWorkspace."""
    return _build("libfault_plugins" + _suffix(sanitizers, unloadable), [*core_sources(), TESTS_DIR / "fault_plugins.cpp"],
                  sanitizers, shared=True, unloadable=unloadable)


def build_fake_driver() -> Path:
    """A stand-in libcuda.so.1 (fake_libcuda.cpp), for TRTPLUG_LIBCUDA."""
    return _build("libcuda_fake", [TESTS_DIR / "fake_libcuda.cpp"], None, shared=True)


def build_counting_driver() -> Path:
    """The shim that forwards to the real driver and counts modules (counting_libcuda.cpp)."""
    return _build("libcuda_counting", [TESTS_DIR / "counting_libcuda.cpp"], None, shared=True)


# ------------------------------------------------------------------------------------------------
# With TensorRT headers: libraries with the IPluginV2 adapter, and the stress program with the
# lifecycle harness's plugin registry (a stand-in for libnvinfer's), so that registrations are seen.

def _trt_object(source: Path, include_dirs: list[Path], system_dirs: list[Path], flags: tuple) -> Path:
    headers = hashlib.sha256()
    for d in include_dirs:
        for header in sorted(Path(d).glob("*.h")):
            headers.update(header.name.encode() + header.read_bytes())
    out = build_dir() / f"{source.stem}-trt-{_key(source.read_bytes(), headers.hexdigest(), system_dirs, flags, find_cxx())}.o"
    if not out.exists():
        tmp = out.with_suffix(f".{os.getpid()}.tmp.o")
        run_compile(CompileJob(sources=[source], output=tmp, shared=False, include_dirs=include_dirs,
                               system_include_dirs=system_dirs, extra_flags=("-c", *flags), libs=(), optimize="-O1"))
        tmp.replace(out)
    return out


def _trt_link(name: str, sources: list[Path], headers, sanitizers: tuple | None, *, shared: bool, unloadable: bool,
              link_flags: tuple = ()) -> Path:
    from trtplug.native.assets import CORE_DIR, HARNESS_DIR, TENSORRT_DIR
    from trtplug.native.tensorrt_headers import find_cuda_include

    flags = STRICT + (sanitizers or ())
    if unloadable:
        link_flags = (*link_flags, _exports_map_flag())
    include_dirs = [CORE_DIR, TENSORRT_DIR, HARNESS_DIR, TESTS_DIR]
    system_dirs = [Path(headers.include_dir), find_cuda_include()]
    plain_headers = _headers_digest()
    plain = set(core_sources()) | {TESTS_DIR / "fixture_plugins.cpp", TESTS_DIR / "fixture_plugins_v2.cpp",
                                   TESTS_DIR / "stress_main.cpp"}

    def compile_one(source: Path) -> Path:
        # What needs no TensorRT header shares its objects with native_build's (the core's unit tests).
        if source in plain:
            return _object(source, flags, plain_headers)
        return _trt_object(source, include_dirs, system_dirs, flags)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        objects = list(pool.map(compile_one, sources))
    suffix = ".so" if shared else ""
    out = build_dir() / f"{name}-trt{headers.major}-{_key(*[o.name for o in objects], flags, link_flags, shared)}{suffix}"
    if not out.exists():
        tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
        run_compile(CompileJob(sources=objects, output=tmp, shared=shared, allow_undefined=shared,
                               extra_flags=(*(sanitizers or ()), *link_flags), optimize="-O1"))
        tmp.replace(out)
    return out


def build_stress_program_with_registry(headers, sanitizers: tuple | None = None) -> Path:
    """The stress program with the harness's plugin registry, exported for the libraries it dlopens."""
    from trtplug.native.assets import HARNESS_DIR

    return _trt_link("trtplug_stress_registry" + _suffix(sanitizers),
                     [TESTS_DIR / "stress_main.cpp", TESTS_DIR / "stress_registry.cpp", HARNESS_DIR / "harness_nvinfer.cpp"],
                     headers, sanitizers, shared=False, unloadable=False,
                     link_flags=("-rdynamic", f"-Wl,--version-script={HARNESS_DIR / 'harness_exports.map'}"))


def build_tensorrt_fixture_library(headers, sanitizers: tuple | None = None, *, version: int = 1,
                                   unloadable: bool = False) -> Path:
    """The fixture plugins with the IPluginV2 adapter (registered at dlopen, withdrawn at unload):
    version 1 (namespace trtplug_test) or 2 (namespace trtplug_test_v2, TestScale v2)."""
    from trtplug.tensorrt_interface import interface_sources

    plugins = TESTS_DIR / ("fixture_plugins.cpp" if version == 1 else "fixture_plugins_v2.cpp")
    name = f"libfixture_plugins_trt{'' if version == 1 else '_v2'}" + _suffix(sanitizers, unloadable)
    return _trt_link(name, [*core_sources(), *interface_sources("v2"), plugins], headers, sanitizers, shared=True,
                     unloadable=unloadable)
