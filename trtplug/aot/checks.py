"""Checks that reject kernels the native launcher cannot run, with messages naming the kernel."""
from __future__ import annotations

import dis
from typing import Callable, Sequence

from ..errors import KernelCompileError
from . import ptx as ptxmod
from .fingerprint import code_objects, functions_reached
from .signature import KernelArg, expected_param_types, format_signature, param_count

_RAISE_OPS = {"RAISE_VARARGS", "RERAISE"}

KNOWN_EXTERNS = {"vprintf"}
"""Externs the CUDA driver resolves when it loads a module."""

COOPERATIVE_PREFIX = "cudaCG"
"""Cooperative-groups externs, resolved by linking libcudadevrt.a."""


def raise_sites(kernel: Callable) -> list[str]:
    """``qualname (file:line)`` of each ``raise``/``assert`` in the kernel and the functions it calls."""
    sites = []
    for func in functions_reached(kernel):
        for code in code_objects(func.__code__):
            for ins in dis.get_instructions(code):
                if ins.opname in _RAISE_OPS:
                    line = ins.positions.lineno if ins.positions else code.co_firstlineno
                    sites.append(f"{func.__qualname__} ({code.co_filename}:{line})")
    return sorted(set(sites))


def reject_raise(name: str, kernel: Callable) -> None:
    sites = raise_sites(kernel)
    if sites:
        raise KernelCompileError(
            f"kernel {name}: raises an exception (raise or assert) at {', '.join(sites)}. "
            "Exceptions in kernels cannot be reported by a native plugin (optimized builds drop "
            "them silently). Hint: check the condition and return early, or write an error flag "
            "to an output array.")


def classify_externs(name: str, parts: Sequence[str]) -> bool:
    """Checks the functions the PTX parts leave unresolved; returns True for a cooperative kernel.

    Allowed: vprintf (driver), functions another part defines (numba's fp16 shims), cudaCG*
    (libcudadevrt). NRT_* means the kernel allocates memory, which is rejected.
    """
    defined = set().union(*(ptxmod.defined_functions(p) for p in parts))
    externs = sorted(set().union(*(ptxmod.extern_functions(p) for p in parts)) - defined)
    nrt = [e for e in externs if e.startswith("NRT_")]
    if nrt:
        raise KernelCompileError(
            f"kernel {name}: uses numba's runtime for memory allocation (needs {', '.join(nrt)}), "
            "which a native plugin does not have. Hint: allocate scratch space with "
            "cuda.local.array or cuda.shared.array, or take it as an argument (workspace).")
    cooperative = any(e.startswith(COOPERATIVE_PREFIX) for e in externs)
    unknown = [e for e in externs if e not in KNOWN_EXTERNS and not e.startswith(COOPERATIVE_PREFIX)]
    if unknown:
        raise KernelCompileError(
            f"kernel {name}: calls external functions nothing provides: {', '.join(unknown)}. "
            "Supported externs are vprintf (print), numba's fp16 support code and cooperative "
            "groups (cudaCG*).")
    return cooperative


def check_entry(name: str, kernel_ptx: str, args: Sequence[KernelArg]) -> ptxmod.PtxEntry:
    """The single ``.visible .entry`` of the kernel PTX, with its params checked against `args`."""
    found = ptxmod.entries(kernel_ptx)
    if len(found) != 1:
        raise KernelCompileError(
            f"kernel {name}: expected exactly one .visible .entry in the compiled PTX, found "
            f"{len(found)} ({', '.join(e.name for e in found) or 'none'})")
    entry = found[0]
    want = param_count(args)
    if len(entry.params) != want:
        raise KernelCompileError(
            f"kernel {name}{format_signature(args)}: the PTX entry has {len(entry.params)} "
            f"parameters but the signature needs {want} (5 + 2*ndim per array, 1 per scalar). "
            f"PTX param types: {', '.join(entry.params)}")
    expected = expected_param_types(args)
    if entry.params != expected:
        diffs = [f"#{i}: PTX .{got}, expected .{exp}"
                 for i, (got, exp) in enumerate(zip(entry.params, expected)) if got != exp]
        raise KernelCompileError(
            f"kernel {name}{format_signature(args)}: PTX parameter types differ from the "
            f"calling convention trtplug packs: {'; '.join(diffs)}")
    return entry
