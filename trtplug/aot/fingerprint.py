"""Content fingerprint of a kernel: its source and everything it references that numba compiles in.

Numba freezes referenced globals into the code (device functions, constants, global arrays), so
the fingerprint covers the source of the kernel and of the device functions it reaches through
its globals and closure cells (transitively), plus the values of referenced constants.
"""
from __future__ import annotations

import hashlib
import inspect
import types
from typing import Any, Callable

_SIMPLE = (int, float, complex, bool, str, bytes, type(None))


def python_function(obj: Any) -> Callable | None:
    """The Python function behind a numba dispatcher (``.py_func``) or a plain function."""
    func = getattr(obj, "py_func", obj)
    return func if isinstance(func, types.FunctionType) else None


def code_objects(code: types.CodeType):
    """`code` and every code object nested in it (inner functions, comprehensions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


def referenced_names(func: Callable) -> set[str]:
    return {name for code in code_objects(func.__code__) for name in code.co_names}


def referenced_objects(func: Callable) -> list[tuple[str, Any]]:
    """(name, value) of the globals, module attributes and closure cells `func` reads."""
    names = referenced_names(func)
    found: list[tuple[str, Any]] = []
    for name in sorted(names):
        if name in func.__globals__:
            value = func.__globals__[name]
            found.append((name, value))
            if isinstance(value, types.ModuleType):
                # `mod.helper(...)`: the attribute name is also in co_names.
                for attr in sorted(names):
                    sub = getattr(value, attr, None)
                    if python_function(sub) is not None and not _is_library(sub):
                        found.append((f"{name}.{attr}", sub))
    if func.__closure__:
        for name, cell in zip(func.__code__.co_freevars, func.__closure__):
            try:
                found.append((name, cell.cell_contents))
            except ValueError:  # empty cell
                pass
    return found


def _is_library(obj: Any) -> bool:
    """Functions of numba, numpy, math etc. are covered by the toolchain versions in the key."""
    module = getattr(python_function(obj), "__module__", "") or ""
    return module.split(".")[0] in {"numba", "numpy", "math", "cmath", "operator", "builtins"}


def source_of(func: Callable) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        # Functions defined in `python -c`, exec() or a module made from a string have no source
        # file; their code object stands in for it.
        return "code " + code_digest(func.__code__)


def code_digest(code: types.CodeType) -> str:
    """sha256 over what `code` compiles to: bytecode, constants (nested code objects digested the
    same way, never by their repr, which holds a memory address), names, variables, argument counts."""
    h = hashlib.sha256()
    for part in (code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
                 (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags)):
        h.update(repr(part).encode() + b"\0")
    for const in code.co_consts:
        text = "code " + code_digest(const) if isinstance(const, types.CodeType) else _constant_text(const)
        h.update(text.encode() + b"\0")
    return h.hexdigest()


def _constant_text(value: Any) -> str:
    if isinstance(value, (tuple, frozenset)):
        items = sorted(map(_constant_text, value)) if isinstance(value, frozenset) else map(_constant_text, value)
        return f"{type(value).__name__}({', '.join(items)})"
    return f"{type(value).__name__}:{value!r}"


def _value_digest(value: Any) -> str | None:
    """A stable description of a constant numba would freeze into the code, else None."""
    if isinstance(value, _SIMPLE):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, tuple) and all(isinstance(v, _SIMPLE) for v in value):
        return f"tuple:{value!r}"
    tobytes = getattr(value, "tobytes", None)
    if callable(tobytes) and hasattr(value, "dtype") and hasattr(value, "shape"):
        return f"array:{value.dtype}:{value.shape}:{hashlib.sha256(tobytes()).hexdigest()}"
    return None


def functions_reached(kernel: Callable) -> list[Callable]:
    """`kernel` and the user-level functions (device functions, helpers) it reaches, in order."""
    seen: dict[int, Callable] = {}
    stack = [kernel]
    while stack:
        func = stack.pop()
        if id(func) in seen:
            continue
        seen[id(func)] = func
        for _, value in referenced_objects(func):
            sub = python_function(value)
            if sub is not None and not _is_library(value) and id(sub) not in seen:
                stack.append(sub)
    return list(seen.values())


def kernel_fingerprint(kernel: Callable) -> str:
    """sha256 over the sources of `kernel` and the functions it reaches, and referenced constants."""
    h = hashlib.sha256()
    for func in functions_reached(kernel):
        h.update(f"function {func.__module__}.{func.__qualname__}\n".encode())
        h.update(source_of(func).encode())
        for name, value in referenced_objects(func):
            if python_function(value) is not None:
                desc = f"function {getattr(python_function(value), '__qualname__', '?')}"
                desc += f" options={sorted(getattr(value, 'targetoptions', {}).items())!r}"
            elif isinstance(value, types.ModuleType):
                desc = f"module {value.__name__}"
            else:
                desc = _value_digest(value) or f"object {type(value).__module__}.{type(value).__qualname__}"
            h.update(f"\n{name} = {desc}\n".encode())
    return h.hexdigest()
