"""Finds the TensorRT and CUDA headers a plugin library is compiled against.

TensorRT headers are looked up, in order, at: the explicit path (``--tensorrt-include``),
``$TRTPLUG_TENSORRT_INCLUDE``, ``$TENSORRT_ROOT/include``, ``/usr/include/x86_64-linux-gnu``,
``/usr/local/tensorrt/include``, ``/usr/src/tensorrt/include`` and
``~/.cache/trtplug/tensorrt/*/include`` (newest version first). The CUDA runtime API headers that
TensorRT >= 8 includes come from the ``nvidia-cuda-runtime`` + ``nvidia-cuda-crt`` wheels
(``nvidia/cu13/include``), never from a system CUDA toolkit.

TensorRT 7.x headers (DeepStream 5.x) are never chosen by that search: a TensorRT 7 library is
built from an explicit 7.x path, and the tests find one with ``find_tensorrt7_include``.

Example::

    headers = find_tensorrt_include()          # TensorRTHeaders(include_dir=..., major=10, ...)
    cuda = find_cuda_include()
    trt7 = find_tensorrt7_include()            # e.g. ~/.cache/trtplug/tensorrt/7.2.1/include
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HeadersNotFoundError

SUPPORTED_MAJORS = (8, 10, 11)
MINIMUM_VERSION = (8, 6, 0)

_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+([^\s/]+)", re.MULTILINE)


SYSTEM_DIRS = ("/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu", "/usr/local/tensorrt/include",
               "/usr/src/tensorrt/include")


def search_order() -> list[str]:
    """Every place TensorRT headers are looked for, in order (for --help and error messages)."""
    return [
        "--tensorrt-include DIR (Python: tensorrt_include=DIR)",
        "$TRTPLUG_TENSORRT_INCLUDE",
        "$TENSORRT_ROOT/include",
        "system: " + ", ".join(SYSTEM_DIRS),
        f"cache: {_cache_dir()}/*/include ($TRTPLUG_CACHE_DIR/tensorrt), newest version first",
    ]


def _cache_dir() -> Path:
    return Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug")) / "tensorrt"


@dataclass(frozen=True)
class TensorRTHeaders:
    include_dir: Path
    major: int
    minor: int
    patch: int
    origin: str = field(default="", compare=False)  # where the choice came from: "explicit path", "cache", ...

    def describe(self) -> str:
        """One line for users: which headers, and why these."""
        why = {"": "", "explicit path": " (explicit: --tensorrt-include)", "system": " (system install)",
               "cache": " (cache: the newest version there; choose with --tensorrt-include DIR)"}.get(
                   self.origin, f" (from {self.origin})")
        return f"TensorRT {self.version} headers from {self.include_dir}{why}"

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)


def read_tensorrt_version(include_dir: str | Path) -> tuple[int, int, int] | None:
    """(major, minor, patch) from ``NvInferVersion.h`` in `include_dir`, or None if it is not there.

    10.x and 11.x define NV_TENSORRT_MAJOR through TRT_MAJOR_ENTERPRISE and friends; one level of
    indirection is resolved.
    """
    path = Path(include_dir) / "NvInferVersion.h"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    defines = dict(_DEFINE.findall(text))

    def value(name: str) -> int | None:
        raw = defines.get(name)
        for _ in range(3):
            if raw is None:
                return None
            raw = raw.strip("()")
            if raw.isdigit():
                return int(raw)
            raw = defines.get(raw)
        return None

    parts = [value(f"NV_TENSORRT_{p}") for p in ("MAJOR", "MINOR", "PATCH")]
    if parts[0] is None or parts[1] is None:
        return None
    return (parts[0], parts[1], parts[2] or 0)


def _complete(include_dir: Path) -> bool:
    return all((include_dir / name).is_file() for name in ("NvInfer.h", "NvInferRuntime.h", "NvInferVersion.h"))


def _candidates(explicit: str | Path | None) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    if explicit is not None:
        found.append(("explicit path", Path(explicit)))
    if os.environ.get("TRTPLUG_TENSORRT_INCLUDE"):
        found.append(("$TRTPLUG_TENSORRT_INCLUDE", Path(os.environ["TRTPLUG_TENSORRT_INCLUDE"])))
    if os.environ.get("TENSORRT_ROOT"):
        found.append(("$TENSORRT_ROOT/include", Path(os.environ["TENSORRT_ROOT"]) / "include"))
    for path in SYSTEM_DIRS:
        found.append(("system", Path(path)))
    cache = _cache_dir()
    cached = []
    if cache.is_dir():
        for sub in cache.iterdir():
            inc = sub / "include"
            cached.append((read_tensorrt_version(inc) or (0, 0, 0), inc))
    for _, inc in sorted(cached, reverse=True):
        found.append(("cache", inc))
    return found


def _supported(version: tuple[int, int, int]) -> bool:
    return version >= MINIMUM_VERSION and version[0] in SUPPORTED_MAJORS


def find_tensorrt_include(explicit: str | Path | None = None) -> TensorRTHeaders:
    """The first usable TensorRT include directory (see the module docstring for the order).

    An explicit path must hold supported headers, else the error says what is wrong with it.
    Raises HeadersNotFoundError listing every place looked at.
    """
    looked: list[str] = []
    for origin, inc in _candidates(explicit):
        if not _complete(inc):
            looked.append(f"{inc} ({origin}): no NvInfer.h/NvInferRuntime.h/NvInferVersion.h")
            if origin == "explicit path":
                break
            continue
        version = read_tensorrt_version(inc)
        if version is None:
            looked.append(f"{inc} ({origin}): NvInferVersion.h defines no NV_TENSORRT_MAJOR/MINOR")
        elif not _supported(version):
            looked.append(f"{inc} ({origin}): TensorRT {'.'.join(map(str, version))}, but trtplug supports "
                          "8.6 and later 8.x, 10.x and 11.x")
        else:
            return TensorRTHeaders(inc.resolve(), *version, origin=origin)
        if origin == "explicit path":
            break
    if not looked:
        looked.append(f"{_cache_dir()}/*/include (cache): empty")
    raise HeadersNotFoundError(
        "TensorRT headers not found. Looked at:\n  " + "\n  ".join(looked) +
        "\nPass --tensorrt-include DIR (the folder holding NvInfer.h), or set TRTPLUG_TENSORRT_INCLUDE or "
        "TENSORRT_ROOT.")


def find_all_tensorrt_includes() -> list[TensorRTHeaders]:
    """Every supported TensorRT include directory found in the usual places, one per version, newest first."""
    result: dict[tuple[int, int, int], TensorRTHeaders] = {}
    for origin, inc in _candidates(None):
        if not _complete(inc):
            continue
        version = read_tensorrt_version(inc)
        if version is not None and _supported(version) and version not in result:
            result[version] = TensorRTHeaders(inc.resolve(), *version, origin=origin)
    return [result[v] for v in sorted(result, reverse=True)]


def find_tensorrt7_include() -> Path:
    """A TensorRT 7.x include directory: ``$TRTPLUG_TENSORRT7_INCLUDE``, else the newest
    ``~/.cache/trtplug/tensorrt/7.*/include`` (or under ``$TRTPLUG_CACHE_DIR``).

    Raises HeadersNotFoundError listing every place looked at.
    """
    candidates = []
    if os.environ.get("TRTPLUG_TENSORRT7_INCLUDE"):
        candidates.append(Path(os.environ["TRTPLUG_TENSORRT7_INCLUDE"]))
    cache = _cache_dir()
    if cache.is_dir():
        found = [(read_tensorrt_version(d / "include") or (0, 0, 0), d / "include") for d in cache.iterdir()]
        candidates += [inc for _, inc in sorted(found, reverse=True)]
    looked = []
    for inc in candidates:
        version = read_tensorrt_version(inc)
        if version is not None and version[0] == 7 and _complete(inc):
            return inc.resolve()
        looked.append(f"{inc} ({'TensorRT ' + '.'.join(map(str, version)) if version else 'no NvInferVersion.h'})")
    if not looked:
        looked.append(f"{cache}/7.*/include (none there)")
    raise HeadersNotFoundError("TensorRT 7.x headers not found. Looked at: " + ", ".join(looked) +
                               ". Set TRTPLUG_TENSORRT7_INCLUDE to the folder holding NvInfer.h.")


def _nvidia_package_dirs() -> list[Path]:
    try:
        import nvidia  # the namespace package of NVIDIA's pip wheels
    except ImportError:
        return []
    return [Path(p) for p in getattr(nvidia, "__path__", [])]


def find_cuda_include(explicit: str | Path | None = None) -> Path:
    """The folder holding ``cuda_runtime_api.h`` and ``crt/host_defines.h`` (needed by TensorRT >= 8 headers).

    Order: `explicit`, ``$TRTPLUG_CUDA_INCLUDE``, then ``nvidia/cu13/include`` of the installed
    ``nvidia-cuda-runtime`` and ``nvidia-cuda-crt`` wheels.
    """
    looked: list[str] = []
    candidates: list[tuple[str, Path]] = []
    if explicit is not None:
        candidates.append(("explicit path", Path(explicit)))
    if os.environ.get("TRTPLUG_CUDA_INCLUDE"):
        candidates.append(("$TRTPLUG_CUDA_INCLUDE", Path(os.environ["TRTPLUG_CUDA_INCLUDE"])))
    for base in _nvidia_package_dirs():
        candidates.append(("nvidia-cuda-runtime + nvidia-cuda-crt wheels", base / "cu13" / "include"))
    if not _nvidia_package_dirs():
        looked.append("the `nvidia` Python package (not importable: install nvidia-cuda-runtime and nvidia-cuda-crt)")
    for origin, inc in candidates:
        missing = [n for n in ("cuda_runtime_api.h", "crt/host_defines.h") if not (inc / n).is_file()]
        if not missing:
            return inc.resolve()
        looked.append(f"{inc} ({origin}): missing {', '.join(missing)}")
    raise HeadersNotFoundError(
        "CUDA runtime API headers not found (TensorRT's headers include cuda_runtime_api.h). Looked at:\n  " +
        "\n  ".join(looked) + "\nInstall the wheels: pip install 'nvidia-cuda-runtime==13.5.*' 'nvidia-cuda-crt==13.5.*'")


def system_include_dirs(headers: TensorRTHeaders, cuda_include: Path | None = None) -> list[Path]:
    """The -isystem directories for a TensorRT-facing translation unit."""
    return [headers.include_dir, cuda_include or find_cuda_include()]
