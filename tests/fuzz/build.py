"""Builds a native fuzz target with clang (-fsanitize=fuzzer,address,undefined), caching objects.

Objects and programs go under $TRTPLUG_FUZZ_BUILD_DIR (default <tmp>/trtplug-fuzz), named by a
hash of the source, every header the targets can include, the flags and the compiler, so that
an unchanged tree rebuilds nothing.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from .targets import TENSORRT_VERSION, Target

SANITIZE = ("-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
FLAGS = ("-std=c++17", "-g", "-O1", "-fPIC", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter")


class FuzzBuildUnavailable(RuntimeError):
    """clang, its libFuzzer runtime or the TensorRT headers a target needs are missing."""


def build_dir() -> Path:
    path = Path(os.environ.get("TRTPLUG_FUZZ_BUILD_DIR") or Path(tempfile.gettempdir()) / "trtplug-fuzz")
    path.mkdir(parents=True, exist_ok=True)
    return path


@lru_cache(maxsize=None)
def find_clang() -> str:
    """clang++ able to link a libFuzzer program with AddressSanitizer and UBSan; raises
    FuzzBuildUnavailable naming what is missing."""
    clang = shutil.which(os.environ.get("TRTPLUG_FUZZ_CLANG") or "clang++")
    if not clang:
        raise FuzzBuildUnavailable(f"{os.environ.get('TRTPLUG_FUZZ_CLANG') or 'clang++'} not found "
                                   "(Debian: apt-get install clang; or set TRTPLUG_FUZZ_CLANG)")
    probe_dir = Path(tempfile.mkdtemp(prefix="trtplug-fuzz-probe-"))
    try:
        src = probe_dir / "probe.cpp"
        src.write_text('#include <cstddef>\n#include <cstdint>\n'
                       'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n')
        proc = subprocess.run([clang, *SANITIZE, str(src), "-o", str(probe_dir / "probe")],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise FuzzBuildUnavailable(f"{clang} cannot link a libFuzzer program (Debian: the libclang-rt-*-dev "
                                       f"package holds the runtime): {proc.stderr.strip()[-300:]}")
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    return clang


def tensorrt_include() -> tuple:
    from trtplug.native.tensorrt_headers import find_cuda_include

    include = Path.home() / ".cache" / "trtplug" / "tensorrt" / TENSORRT_VERSION / "include"
    if not (include / "NvInferRuntime.h").is_file():
        raise FuzzBuildUnavailable(f"TensorRT {TENSORRT_VERSION} headers not found in {include}")
    try:
        return include, find_cuda_include()
    except Exception as exc:  # the CUDA headers TensorRT's headers include
        raise FuzzBuildUnavailable(f"CUDA headers for TensorRT {TENSORRT_VERSION} not found: {exc}") from exc


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def _headers_digest(dirs) -> str:
    h = hashlib.sha256()
    for d in sorted({Path(d) for d in dirs}):
        for header in sorted(d.glob("*.h")):
            h.update(str(header).encode() + header.read_bytes())
    return h.hexdigest()


def _compile(clang: str, source: Path, flags: tuple, key: str) -> Path:
    out = build_dir() / "obj" / f"{source.stem}-{_digest(source.read_bytes(), flags, key)}.o"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp.o")
        proc = subprocess.run([clang, *flags, "-c", str(source), "-o", str(tmp)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"compiling {source} for fuzzing failed:\n{proc.stderr}")
        tmp.replace(out)
    return out


def build_target(target: Target) -> Path:
    """The target's libFuzzer program, built (or found in the cache)."""
    if target.python:
        raise ValueError(f"fuzz target {target.name!r} is a Python target, run by atheris")
    clang = find_clang()
    include_dirs = list(target.include_dirs)
    system_dirs = list(tensorrt_include()) if target.needs_tensorrt else []
    flags = (*FLAGS, *SANITIZE, *(f"-D{d}" for d in target.defines), *(f"-I{d}" for d in include_dirs),
             *(f"-isystem{d}" for d in system_dirs))
    version = subprocess.run([clang, "--version"], capture_output=True, text=True).stdout
    key = _digest(_headers_digest(include_dirs), version)
    with ThreadPoolExecutor(max_workers=2) as pool:
        objects = list(pool.map(lambda s: _compile(clang, s, flags, key), target.sources))
    out = build_dir() / f"fuzz_{target.name}-{_digest(*[o.name for o in objects], SANITIZE)}"
    if not out.exists():
        tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
        proc = subprocess.run([clang, *SANITIZE, *map(str, objects), "-o", str(tmp), "-ldl", "-lpthread"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"linking fuzz target {target.name} failed:\n{proc.stderr}")
        tmp.replace(out)
    return out
