"""Driver-less compilation: the two workarounds numba-cuda needs on a machine with no CUDA driver.

numba-cuda asks the driver for things that ahead-of-time compilation does not need:

1. ``Dispatcher.compile_device`` (used whenever a kernel calls a ``@cuda.jit(device=True)``
   function or a library overload such as ``cuda.cg.this_grid()``) reads
   ``get_current_device().compute_capability``. We answer with the compile target instead.
2. ``compiler.compile_all`` compiles numba's C++ shims (fp16 arithmetic, ``link=[...]`` sources)
   through ``cuda.core.Program``, which calls ``cuDriverGetVersion``. We compile them with NVRTC
   directly through ``cuda.bindings.nvrtc``, with the same options numba uses (``-rdc=true``).

Both touch private numba-cuda internals, so the numba-cuda version they were checked against is
pinned here and checked on every use. Everything is restored when the context exits.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Iterator

from ..errors import KernelCompileError

CHECKED_NUMBA_CUDA_VERSION = "0.30.4"
"""The numba-cuda release these patches were written and tested against."""

_LOCK = threading.RLock()


def numba_cuda_version() -> str:
    try:
        return metadata.version("numba-cuda")
    except metadata.PackageNotFoundError:
        return "not installed"


def check_numba_cuda_version(kernel_name: str) -> None:
    """Raises KernelCompileError unless the installed numba-cuda is the checked version."""
    found = numba_cuda_version()
    if found != CHECKED_NUMBA_CUDA_VERSION:
        raise KernelCompileError(
            f"kernel {kernel_name}: trtplug compiles kernels ahead of time with numba-cuda "
            f"{CHECKED_NUMBA_CUDA_VERSION}, but numba-cuda {found} is installed. "
            f"Hint: pip install numba-cuda=={CHECKED_NUMBA_CUDA_VERSION}")


class _TargetDevice:
    """Stands in for a CUDA device: only the compute capability is ever read while compiling."""

    def __init__(self, cc: tuple[int, int]):
        self.compute_capability = cc
        self.id = 0

    def __repr__(self) -> str:
        return f"<trtplug ahead-of-time target sm_{self.compute_capability[0]}{self.compute_capability[1]}>"


def _nvidia_dirs() -> list[Path]:
    import nvidia  # namespace package of the pip CUDA wheels

    return [Path(p) for p in nvidia.__path__]


def cuda_header_dirs(nvrtc_major: int) -> list[Path]:
    """CUDA runtime headers (vector_types.h, cuda_fp16.h) from the pip wheel matching NVRTC."""
    subdir = "cuda_runtime/include" if nvrtc_major == 12 else f"cu{nvrtc_major}/include"
    return [d / subdir for d in _nvidia_dirs() if (d / subdir).is_dir()]


def nvrtc_compile(src, name: str, cc, ltoir: bool = False, lineinfo: bool = False,
                  debug: bool = False) -> tuple[bytes, str]:
    """Compiles CUDA C++ to PTX (or LTO-IR) with NVRTC, needing no driver.

    Same contract as ``numba.cuda.cudadrv.nvrtc.compile``: returns (code, log). The code is
    NUL-free bytes; the caller adds the terminator where one is needed.
    """
    from cuda.bindings import nvrtc
    import numba.cuda

    def check(result, what):
        err = result[0]
        if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
            raise KernelCompileError(f"NVRTC {what} failed for {name}: {err.name}")
        return result[1:]

    major, minor = check(nvrtc.nvrtcVersion(), "nvrtcVersion")
    numba_include = Path(numba.cuda.__file__).parent / "include" / str(major)
    includes = [numba_include, *cuda_header_dirs(major),
                Path(numba.cuda.__file__).parent / "memory_management"]
    opts = [f"--gpu-architecture=sm_{cc[0]}{cc[1]}", "-rdc=true"]
    opts += [f"-I{d}" for d in includes]
    if ltoir:
        opts.append("-dlto")
    if lineinfo:
        opts.append("-lineinfo")
    if debug:
        opts.append("-G")
    if isinstance(src, str):
        src = src.encode()
    (prog,) = check(nvrtc.nvrtcCreateProgram(src, name.encode(), 0, [], []), "nvrtcCreateProgram")
    try:
        opt_bytes = [o.encode() for o in opts]
        compiled = nvrtc.nvrtcCompileProgram(prog, len(opt_bytes), opt_bytes)[0]
        (log_size,) = check(nvrtc.nvrtcGetProgramLogSize(prog), "nvrtcGetProgramLogSize")
        # Output buffers must be fresh and mutable: `b" " * 1` is CPython's shared b" " object,
        # and writing a NUL into it corrupts every b" " in the process.
        log_buf = bytearray(log_size)
        check(nvrtc.nvrtcGetProgramLog(prog, log_buf), "nvrtcGetProgramLog")
        log = bytes(log_buf).rstrip(b"\0 ").decode(errors="replace")
        if compiled != nvrtc.nvrtcResult.NVRTC_SUCCESS:
            raise KernelCompileError(
                f"NVRTC could not compile numba's CUDA C++ support code {name} for sm_{cc[0]}{cc[1]} "
                f"({compiled.name}). Options: {' '.join(opts)}\n{log}")
        if ltoir:
            (size,) = check(nvrtc.nvrtcGetLTOIRSize(prog), "nvrtcGetLTOIRSize")
            buf = bytearray(size)
            check(nvrtc.nvrtcGetLTOIR(prog, buf), "nvrtcGetLTOIR")
        else:
            (size,) = check(nvrtc.nvrtcGetPTXSize(prog), "nvrtcGetPTXSize")
            buf = bytearray(size)
            check(nvrtc.nvrtcGetPTX(prog, buf), "nvrtcGetPTX")
            buf = bytes(buf).rstrip(b"\0")
        return bytes(buf), log
    finally:
        nvrtc.nvrtcDestroyProgram(prog)


@contextmanager
def driverless(cc: tuple[int, int], kernel_name: str) -> Iterator[None]:
    """Applies both patches for one compile at compute capability `cc`; restores them on exit.

    Holds a process-wide lock: the patched attributes are module globals.
    """
    check_numba_cuda_version(kernel_name)
    import numba.cuda.compiler as nb_compiler
    import numba.cuda.dispatcher as nb_dispatcher
    import numba.cuda.cudadrv.nvrtc as nb_nvrtc

    device = _TargetDevice(tuple(cc))

    def get_current_device():
        return device

    targets = [
        (nb_dispatcher, "get_current_device", get_current_device),
        (nb_compiler, "get_current_device", get_current_device),
        (nb_nvrtc, "compile", nvrtc_compile),
    ]
    with _LOCK:
        saved = [(mod, attr, getattr(mod, attr)) for mod, attr, _ in targets]
        try:
            for mod, attr, value in targets:
                setattr(mod, attr, value)
            yield
        finally:
            for mod, attr, value in saved:
                setattr(mod, attr, value)
