"""Versions of the compile toolchain, recorded in every compiled kernel and in its cache key."""
from __future__ import annotations

import functools
import hashlib
import os
from importlib import metadata
from pathlib import Path


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _file_stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path} (missing)"
    return f"{path} size={st.st_size} mtime={st.st_mtime_ns}"


@functools.lru_cache(maxsize=None)
def versions() -> dict[str, str]:
    """numba-cuda, numba, NVVM, NVRTC, nvJitLink and cuda-bindings versions (memoized)."""
    from cuda.bindings import nvjitlink, nvrtc
    from numba.cuda.cuda_paths import get_cuda_paths
    from numba.cuda.cudadrv import nvvm

    paths = get_cuda_paths()
    nvvm_version = ".".join(map(str, nvvm.NVVM().get_version()))
    _, rtc_major, rtc_minor = nvrtc.nvrtcVersion()
    return {
        "numba-cuda": _dist_version("numba-cuda"),
        "numba": _dist_version("numba"),
        "nvvm": nvvm_version,
        "nvvm_library": _file_stamp(paths["nvvm"].info),
        "libdevice": _file_stamp(paths["libdevice"].info),
        "nvrtc": f"{rtc_major}.{rtc_minor}",
        "nvjitlink": ".".join(map(str, nvjitlink.version())),
        "cuda-bindings": _dist_version("cuda-bindings"),
    }


def numba_config() -> dict[str, str]:
    """numba-cuda settings that change generated code although they are not compile arguments."""
    from numba.cuda import config

    return {name: repr(getattr(config, name, None)) for name in ("CUDA_ENABLE_NRT", "FORCE_CUDA_CC")}


@functools.lru_cache(maxsize=None)
def aot_code_version() -> str:
    """Hash of the sources of trtplug.aot and trtplug.blocks: a change to the compile stage, or to the
    building blocks' Numba intrinsics (whose code generators the kernel fingerprint cannot see),
    invalidates the cache."""
    h = hashlib.sha256()
    for path in aot_code_files():
        h.update(f"{path.parent.name}/{path.name}".encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def aot_code_files() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    return sorted([*(package / "aot").glob("*.py"), *(package / "blocks").glob("*.py")])


def clear_memo() -> None:
    versions.cache_clear()
    aot_code_version.cache_clear()
