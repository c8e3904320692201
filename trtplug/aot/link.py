"""Ahead-of-time linking of PTX parts into one cubin per architecture with nvJitLink (no driver)."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

from ..errors import KernelCompileError

PTX_TARGET = 75
"""The PTX fallback is compiled once for sm_75 (the oldest architecture CUDA 13 still supports), or for
the oldest architecture asked for when that is older (Jetson Xavier, sm_72)."""

OLDEST_ARCH = 70
"""The oldest architecture cubins and PTX are built for (Volta; Xavier is sm_72)."""


def ptx_target_for(archs) -> int:
    return min([PTX_TARGET, *archs])

ARCH_SINCE = {
    75: (12, 0), 80: (12, 0), 86: (12, 0), 87: (12, 0), 89: (12, 0), 90: (12, 0),
    100: (12, 8), 120: (12, 8),
}
"""Released architectures trtplug builds cubins for by default, with the first nvJitLink that
knows each. A cubin runs on later minor revisions of its major architecture (sm_80 on sm_86,
sm_100 on sm_103, sm_120 on sm_121), so those need no cubin of their own; sm_86/87/89 get
their own for tuned code."""


def nvjitlink_version() -> tuple[int, int]:
    from cuda.bindings import nvjitlink

    return tuple(nvjitlink.version())


def default_archs() -> list[int]:
    """The default cubin architectures: every entry of ARCH_SINCE the installed nvJitLink knows.

    Architectures the installed nvJitLink predates are dropped with a warning naming them.
    """
    version = nvjitlink_version()
    known = [sm for sm, since in sorted(ARCH_SINCE.items()) if version >= since]
    dropped = [sm for sm in sorted(ARCH_SINCE) if sm not in known]
    if dropped:
        warnings.warn(
            f"nvJitLink {version[0]}.{version[1]} does not know "
            f"{', '.join(f'sm_{sm}' for sm in dropped)}: no cubins for them (the PTX fallback "
            f"still loads there). Install nvidia-nvjitlink-cu12>=12.8 to build them.",
            stacklevel=3)
    return known


def libcudadevrt() -> Path:
    """libcudadevrt.a from the pip CUDA runtime wheel matching nvJitLink's major version."""
    import nvidia

    major = nvjitlink_version()[0]
    subdirs = ["cuda_runtime/lib"] if major == 12 else [f"cu{major}/lib", f"cu{major}/lib64"]
    searched = []
    for root in nvidia.__path__:
        for sub in subdirs:
            candidate = Path(root) / sub / "libcudadevrt.a"
            searched.append(str(candidate))
            if candidate.is_file():
                return candidate
    raise KernelCompileError(
        "cooperative kernels need libcudadevrt.a, which was not found (looked at "
        + ", ".join(searched) + "). Hint: pip install 'nvidia-cuda-runtime-cu12>=12.9,<12.10'")


class ArchMissingFromLibrary(KernelCompileError):
    """libcudadevrt.a has no code for the requested architecture (x86_64 builds lack sm_87)."""


def _log(nvjitlink, handle, error: bool) -> str:
    try:
        if error:
            size = nvjitlink.get_error_log_size(handle)
            buf = bytearray(size)
            nvjitlink.get_error_log(handle, buf)
        else:
            size = nvjitlink.get_info_log_size(handle)
            buf = bytearray(size)
            nvjitlink.get_info_log(handle, buf)
    except Exception:  # the log is a courtesy; the error itself is reported by the caller
        return ""
    return bytes(buf).rstrip(b"\0").decode("utf-8", errors="replace").strip()


def link_cubin(kernel_name: str, ptx_parts: Sequence[bytes], sm: int,
               with_cudadevrt: bool = False) -> bytes:
    """Links all PTX parts (and libcudadevrt.a if asked) into one cubin for `sm`."""
    from cuda.bindings import nvjitlink

    try:
        handle = nvjitlink.create(1, [f"-arch=sm_{sm}"])
    except nvjitlink.nvJitLinkError as exc:
        raise KernelCompileError(
            f"kernel {kernel_name}: nvJitLink {'.'.join(map(str, nvjitlink_version()))} "
            f"does not support sm_{sm} ({exc})") from None
    stage = "adding inputs"
    try:
        for i, part in enumerate(ptx_parts):
            nvjitlink.add_data(handle, nvjitlink.InputType.PTX, part, len(part),
                               f"{kernel_name}.part{i}.ptx")
        if with_cudadevrt:
            stage = "adding libcudadevrt.a"
            devrt = libcudadevrt()
            try:
                nvjitlink.add_file(handle, nvjitlink.InputType.LIBRARY, str(devrt))
            except nvjitlink.nvJitLinkError as exc:
                raise ArchMissingFromLibrary(
                    f"kernel {kernel_name}: {devrt} has no code for sm_{sm} ({exc}), so no "
                    f"cooperative cubin can be linked for it") from None
        stage = "linking"
        nvjitlink.complete(handle)
        size = nvjitlink.get_linked_cubin_size(handle)
        cubin = bytearray(size)
        nvjitlink.get_linked_cubin(handle, cubin)
        return bytes(cubin)
    except nvjitlink.nvJitLinkError as exc:
        log = _log(nvjitlink, handle, error=True)
        raise KernelCompileError(
            f"kernel {kernel_name}: nvJitLink failed {stage} for sm_{sm}: {exc}"
            + (f"\n{log}" if log else "")) from None
    finally:
        nvjitlink.destroy(handle)
