"""Lets plugin files be imported for their numpy `reference` where Numba cannot be imported.

A deployment or GPU test machine has the built library but may have no working Numba. Plugin
files still `from numba import cuda`; with the stub in place those imports succeed and kernels
become inert placeholders (tracing and compiling need the real Numba; references don't).
"""
from __future__ import annotations

import sys
import types


class _Placeholder:
    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        return _Placeholder(f"{self._name}(...)")

    def __getattr__(self, item):
        return _Placeholder(f"{self._name}.{item}")

    def __getitem__(self, item):
        return _Placeholder(f"{self._name}[...]")


class StubKernel:
    """What `@cuda.jit` gives under the stub: has py_func, cannot run."""

    def __init__(self, fn):
        self.py_func = fn
        self.__name__ = getattr(fn, "__name__", "kernel")
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)

    def __getitem__(self, item):
        raise RuntimeError(f"{self.__qualname__}: Numba is not available here; kernels run from the built library")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self.__qualname__}: Numba is not available here; kernels run from the built library")


def _jit(*args, **kwargs):
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return StubKernel(args[0])
    return lambda fn: StubKernel(fn)


def _module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__getattr__ = lambda item: _Placeholder(f"{name}.{item}")
    module.__trtplug_stub__ = True
    return module


def numba_available() -> bool:
    try:
        import numba.cuda  # noqa: F401
    except Exception:
        return False
    return not getattr(sys.modules.get("numba"), "__trtplug_stub__", False)


def install_if_needed() -> bool:
    """Installs the stub when `numba.cuda` cannot be imported. Returns True if it did."""
    if numba_available():
        return False
    for name in [n for n in sys.modules if n == "numba" or n.startswith("numba.")]:
        del sys.modules[name]
    cuda = _module("numba.cuda", jit=_jit)
    numba = _module("numba", cuda=cuda, jit=_jit, njit=_jit)
    sys.modules["numba"] = numba
    sys.modules["numba.cuda"] = cuda
    return True
