"""Ahead-of-time compilation of Numba CUDA kernels to PTX and cubins, with no GPU needed.

``trtplug.aot.signature`` (argument types) imports nothing heavy; ``trtplug.aot.compiler``
imports numba only when a kernel is actually compiled.
"""
from .signature import ArrayArg, ScalarArg, param_count

__all__ = ["ArrayArg", "ScalarArg", "param_count", "compile_kernel", "CompiledKernel"]


def __getattr__(name):
    if name in ("compile_kernel", "CompiledKernel"):
        from . import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'trtplug.aot' has no attribute {name!r}")
