"""Ahead-of-time compilation of one Numba CUDA kernel for one signature: PTX + cubins.

Works with no GPU and no CUDA driver::

    from numba import cuda
    from trtplug.aot.compiler import compile_kernel
    from trtplug.aot.signature import ArrayArg, ScalarArg

    @cuda.jit
    def axpb(x, y, a, b):
        i = cuda.grid(1)
        if i < y.size:
            y[i] = a * x[i] + b

    ck = compile_kernel(axpb, (ArrayArg("float32", 1), ArrayArg("float32", 1),
                               ScalarArg("float32"), ScalarArg("float32")), archs=[80, 90])
    ck.entry        # mangled entry name to pass to cuModuleGetFunction
    ck.cubins[90]   # linked cubin for sm_90; ck.ptx_parts is the PTX fallback
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import KernelCompileError
from . import cache, checks, link, toolchain
from . import ptx as ptxmod
from .fingerprint import kernel_fingerprint, python_function
from .signature import ArrayArg, KernelArg, ScalarArg, format_signature

PTX_TARGET = link.PTX_TARGET


@dataclass(frozen=True)
class CompiledKernel:
    """A kernel compiled ahead of time for one signature.

    ``ptx_parts`` are NUL-terminated PTX texts (the kernel first; more when numba's fp16 support
    code is needed), to be linked together at load time when no cubin fits the device.
    ``cubins`` maps an SM number to one cubin holding every part (plus libcudadevrt for
    cooperative kernels). ``params`` are the entry's PTX ``.param`` types, in order.
    """

    name: str
    entry: str
    ptx_parts: tuple[bytes, ...]
    ptx_target: int
    ptx_version: str
    cubins: dict[int, bytes] = field(hash=False)
    params: tuple[str, ...]
    cooperative: bool
    toolchain: dict = field(hash=False)
    # What the build warned about (an architecture without a cubin): said again whenever the kernel
    # comes from the cache, so every build of a library tells its user.
    warnings: tuple[str, ...] = field(default=(), hash=False)

    @property
    def needs_link(self) -> bool:
        """True when the PTX fallback is more than one module (or needs libcudadevrt)."""
        return len(self.ptx_parts) > 1 or self.cooperative


_MEMO: dict[str, CompiledKernel] = {}
_MEMO_LOCK = threading.Lock()


def clear_memory_cache() -> None:
    """Forgets kernels compiled in this process (the on-disk cache is kept)."""
    with _MEMO_LOCK:
        _MEMO.clear()
    toolchain.clear_memo()


def _resolve_kernel(kernel: Any) -> tuple[str, Any, dict]:
    """(qualname, Python function, compile options) of a ``@cuda.jit`` kernel or plain function."""
    func = python_function(kernel)
    if func is None:
        what = getattr(kernel, "__qualname__", None) or getattr(kernel, "__name__", None) or repr(kernel)
        raise KernelCompileError(
            f"kernel {what}: expected a numba @cuda.jit kernel or a plain Python function, "
            f"got {type(kernel).__module__}.{type(kernel).__qualname__}")
    name = func.__qualname__
    opts = dict(getattr(kernel, "targetoptions", None) or {})
    if opts.get("device"):
        raise KernelCompileError(
            f"kernel {name}: is a device function (@cuda.jit(device=True)); only kernels can be "
            "launched. Hint: call it from a @cuda.jit kernel.")
    if opts.get("link"):
        raise KernelCompileError(
            f"kernel {name}: @cuda.jit(link=...) is not supported ahead of time. Hint: declare "
            "the external functions with cuda.declare_device(..., link=...).")
    if opts.get("max_registers"):
        raise KernelCompileError(
            f"kernel {name}: max_registers is not supported ahead of time. "
            "Hint: use launch_bounds=(threads_per_block, min_blocks_per_sm) instead.")
    options = {
        "fastmath": bool(opts.get("fastmath", False)),
        "opt": bool(opts.get("opt", True)),
        "lineinfo": bool(opts.get("lineinfo", False)),
        "launch_bounds": opts.get("launch_bounds"),
    }
    return name, func, options


def _check_args(name: str, args: Any) -> tuple[KernelArg, ...]:
    try:
        args = tuple(args)
    except TypeError:
        raise KernelCompileError(f"kernel {name}: args must be a tuple of ArrayArg/ScalarArg, "
                                 f"got {type(args).__name__}") from None
    for i, arg in enumerate(args):
        if not isinstance(arg, (ArrayArg, ScalarArg)):
            raise KernelCompileError(f"kernel {name}: argument {i} must be an ArrayArg or "
                                     f"ScalarArg, got {arg!r}")
    return args


def _check_archs(name: str, archs: Sequence[int] | None) -> tuple[int, ...]:
    if archs is None:
        return tuple(link.default_archs())
    out = []
    for sm in archs:
        if not isinstance(sm, int) or isinstance(sm, bool) or sm < link.OLDEST_ARCH:
            raise KernelCompileError(
                f"kernel {name}: arch {sm!r} is not supported; archs are SM numbers "
                f">= {link.OLDEST_ARCH} such as 72, 87 or 90")
        out.append(sm)
    return tuple(sorted(set(out)))


def _numba_types(args: Sequence[KernelArg]) -> tuple:
    from numba.cuda import types

    scalar = {
        "float32": types.float32, "float16": types.float16, "float64": types.float64,
        "int32": types.int32, "int64": types.int64, "int8": types.int8, "uint8": types.uint8,
        "bool": types.boolean,
    }
    return tuple(types.Array(scalar[a.dtype], a.ndim, "C") if isinstance(a, ArrayArg)
                 else scalar[a.dtype] for a in args)


def cache_key(func: Any, args: Sequence[KernelArg], archs: Sequence[int], options: dict) -> str:
    payload = {
        "kernel": f"{func.__module__}.{func.__qualname__}",
        "fingerprint": kernel_fingerprint(func),
        "args": [repr(a) for a in args],
        "archs": list(archs),
        "ptx_target": link.ptx_target_for(archs),
        "options": options,
        "toolchain": toolchain.versions(),
        "numba_config": toolchain.numba_config(),
        "aot": toolchain.aot_code_version(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=repr).encode()).hexdigest()


def _first_lines(exc: BaseException, limit: int = 25) -> str:
    lines = str(exc).strip().splitlines()
    more = f"\n  ... ({len(lines) - limit} more lines)" if len(lines) > limit else ""
    return "\n".join("  " + line for line in lines[:limit]) + more


_ALLOCATING = re.compile(
    r"built-in function (zeros|empty|ones|full|zeros_like|empty_like|ones_like|full_like|"
    r"array|arange|copy|linspace)>|Only accept returning of array passed into the function")


_BUILDS_CONTAINER = re.compile(r"build_(list|set|map)\(|NRT required but not enabled")


def _hint(message: str) -> str:
    if _ALLOCATING.search(message):
        return ("\n  Hint: kernels cannot allocate arrays (numpy allocation needs numba's runtime). "
                "Use cuda.local.array or cuda.shared.array, or pass the buffer as an argument.")
    if _BUILDS_CONTAINER.search(message):
        return ("\n  Hint: a Python list, set or dict in a kernel needs numba's runtime, which a plugin does not "
                "have. Use a tuple of constants (w = (1.0, 2.0, 3.0)), a cuda.local.array, or pass the values "
                "as an input tensor.")
    return ""


def _compile_ptx(name: str, func: Any, args: Sequence[KernelArg], target: int, options: dict) -> list[bytes]:
    """Runs numba: the kernel's PTX first, then any support code (NUL-terminated bytes each)."""
    from numba.core.errors import NumbaError
    from numba.cuda import compiler as nb_compiler

    from .numba_patches import driverless

    sig = _numba_types(args)
    cc = (target // 10, target % 10)
    try:
        with driverless(cc, name):
            codes, _ = nb_compiler.compile_all(
                func, sig, device=False, abi="numba", cc=cc, output="ptx", debug=False,
                **options)
    except KernelCompileError:
        raise
    except NumbaError as exc:
        raise KernelCompileError(
            f"kernel {name}: numba could not compile it for the signature {format_signature(args)} "
            f"({type(exc).__name__}):\n{_first_lines(exc)}{_hint(str(exc))}") from None
    except Exception as exc:
        raise KernelCompileError(
            f"kernel {name}: compiling for the signature {format_signature(args)} failed with "
            f"{type(exc).__name__}:\n{_first_lines(exc)}") from exc
    parts = []
    for i, code in enumerate(codes):
        data = getattr(code, "data", code)
        kind = getattr(code, "kind", "ptx")
        if kind != "ptx" or not isinstance(data, (str, bytes)):
            raise KernelCompileError(
                f"kernel {name}: links a {kind} object ({getattr(code, 'name', f'#{i}')}); only "
                "PTX and CUDA C++ sources can be linked ahead of time")
        if isinstance(data, str):
            data = data.encode()
        parts.append(data.rstrip(b"\0") + b"\0")
    return parts


def _build(name: str, func: Any, args: tuple[KernelArg, ...], archs: tuple[int, ...],
           options: dict) -> CompiledKernel:
    checks.reject_raise(name, func)
    parts = _compile_ptx(name, func, args, link.ptx_target_for(archs), options)
    texts = [ptxmod.text(p) for p in parts]
    cooperative = checks.classify_externs(name, texts)
    entry = checks.check_entry(name, texts[0], args)
    versions = toolchain.versions()
    tc = {k: v for k, v in versions.items() if k not in ("nvvm_library", "libdevice")}
    tc["nvvm_release"] = ptxmod.compiler_release(texts[0]) or "unknown"
    cubins, said = {}, []
    for sm in archs:
        try:
            cubins[sm] = link.link_cubin(name, parts, sm, with_cudadevrt=cooperative)
        except link.ArchMissingFromLibrary as exc:
            fallback = max((a for a in cubins if a // 10 == sm // 10), default=None)
            said.append(f"{exc}; skipped. " + (
                f"Devices of sm_{sm} run the sm_{fallback} cubin." if fallback else
                f"Devices of sm_{sm} need a cubin of the same major architecture."))
    return CompiledKernel(
        name=name, entry=entry.name, ptx_parts=tuple(parts), ptx_target=ptxmod.target(texts[0]),
        ptx_version=ptxmod.isa_version(texts[0]), cubins=cubins, params=entry.params,
        cooperative=cooperative, toolchain=tc, warnings=tuple(said))


def compile_kernel(kernel: Any, args: tuple[KernelArg, ...], archs: Sequence[int] | None = None,
                   *, cache_dir: Path | None = None) -> CompiledKernel:
    """Compiles `kernel` for `args`: PTX for sm_75 (or the oldest of `archs`, if older) plus one
    linked cubin per arch in `archs`.

    `kernel` is a ``@cuda.jit`` kernel or a plain Python function. `archs` defaults to
    ``link.default_archs()``. Results are cached under `cache_dir` (default
    $TRTPLUG_CACHE_DIR/kernels or ~/.cache/trtplug/kernels) by a hash of the kernel's source (and the
    device functions it calls), the signature, the archs, the toolchain and trtplug.aot itself.
    Raises KernelCompileError, naming the kernel, for anything that cannot run in a plugin.
    """
    name, func, options = _resolve_kernel(kernel)
    args = _check_args(name, args)
    archs = _check_archs(name, archs)
    key = cache_key(func, args, archs, options)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
    if hit is not None:
        return hit
    cache_dir = Path(cache_dir) if cache_dir is not None else cache.default_cache_dir()
    stored = cache.load(cache_dir, key)
    if stored is not None:
        try:
            compiled = CompiledKernel(**stored)
        except TypeError:
            compiled = None
    else:
        compiled = None
    if compiled is None:
        compiled = _build(name, func, args, archs, options)
        cache.store(cache_dir, key, compiled.__dict__)
    for message in compiled.warnings:
        warnings.warn(message, stacklevel=2)
    with _MEMO_LOCK:
        _MEMO[key] = compiled
    return compiled
