"""Finds the TrtPlugin classes in targets: Python files, importable module names, module objects or
the plugin classes themselves (e.g. classes defined in a notebook)."""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
import types
from pathlib import Path
from typing import Any, Sequence

from .declare.plugin import TrtPlugin
from .errors import DefinitionError, TrtPlugError
from .declare.spec import PluginSpec


def load_module(target: str):
    """Imports a .py file (by path) or a module (by dotted name)."""
    path = Path(target)
    if target.endswith(".py") or path.is_file():
        if not path.is_file():
            raise DefinitionError(f"{target}: no such file")
        path = path.resolve()
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
        module_name = f"trtplug_user_{path.stem}_{digest}"
        if module_name in sys.modules:
            return sys.modules[module_name]
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        # Let the file import its neighbours (e.g. a kernels.py beside it).
        sys.path.insert(0, str(path.parent))
        try:
            spec.loader.exec_module(module)
        except TrtPlugError:
            del sys.modules[module_name]
            raise
        except Exception as exc:
            del sys.modules[module_name]
            raise DefinitionError(f"{target}: importing the file failed: {type(exc).__name__}: {exc}") from exc
        finally:
            sys.path.remove(str(path.parent))
        return module
    try:
        return importlib.import_module(target)
    except ImportError as exc:
        raise DefinitionError(f"{target}: neither a file nor an importable module ({exc})") from exc


def plugin_classes(module) -> list[type]:
    """TrtPlugin subclasses defined in `module`, in definition order."""
    found = []
    for value in vars(module).values():
        if value in found:  # the same class under a second name (an alias)
            continue
        if (isinstance(value, type) and issubclass(value, TrtPlugin) and value is not TrtPlugin
                and value.__module__ == module.__name__ and value.__trtplug_spec__ is not None
                and value.__dict__.get("__trtplug_spec__") is not None):
            found.append(value)
    return found


def deepstream_parsers(module) -> list:
    """DeepStream parser declarations (trtplug.deepstream) assigned to module-level names."""
    from .deepstream.engine import is_entry_point_declaration
    from .deepstream.parsers import CustomSource, Parser

    return [v for v in vars(module).values() if isinstance(v, (Parser, CustomSource)) or is_entry_point_declaration(v)]


def load_targets(targets: Sequence[Any]) -> tuple[list[PluginSpec], list]:
    """The plugins and DeepStream parsers declared in `targets` (files, module names, modules or
    TrtPlugin subclasses). Raises DefinitionError if a target declares neither, or two plugins share
    a name and version."""
    specs: list[PluginSpec] = []
    parsers: list = []
    seen: dict[tuple[str, str], str] = {}
    for target in targets:
        classes, found_parsers = _declarations(target)
        if not classes and not found_parsers:
            raise DefinitionError(f"{target_label(target)}: declares no TrtPlugin subclass (and no DeepStream parser)")
        parsers += found_parsers
        for cls in classes:
            spec = cls.spec()
            key = (spec.name, spec.version)
            if key in seen:
                if seen[key] == spec.qualname and spec in specs:
                    continue  # the same class given twice (e.g. as a class and through its module)
                raise DefinitionError(
                    f"{spec.qualname}: plugin {spec.name!r} version {spec.version!r} is also declared by "
                    f"{seen[key]}; a library can hold each name/version once")
            seen[key] = spec.qualname
            specs.append(spec)
    return specs, parsers


def _declarations(target) -> tuple[list[type], list]:
    if isinstance(target, type):
        if not issubclass(target, TrtPlugin) or target.__dict__.get("__trtplug_spec__") is None:
            raise DefinitionError(f"{target.__qualname__}: expected a TrtPlugin subclass that declares a plugin "
                                  "(not an abstract one), a file or a module name")
        return [target], []
    if isinstance(target, types.ModuleType):
        module = target
    elif isinstance(target, (str, os.PathLike)):
        module = load_module(os.fspath(target))
    else:
        raise DefinitionError(f"{target!r}: expected a TrtPlugin subclass, a module, a .py file or a module name, "
                              f"got {type(target).__name__}")
    return plugin_classes(module), deepstream_parsers(module)


def target_label(target) -> str:
    """How messages and generated headers name a target."""
    if isinstance(target, type):
        return f"{target.__module__}.{target.__qualname__}"
    if isinstance(target, types.ModuleType):
        return target.__name__
    return Path(os.fspath(target)).name if isinstance(target, (str, os.PathLike)) else repr(target)


def default_library_name(target) -> str:
    """<file stem>_plugins for a file or module, <class name in lower case>_plugins for a class."""
    if isinstance(target, type):
        stem = target.__name__.lower()
    elif isinstance(target, types.ModuleType):
        stem = target.__name__.rsplit(".", 1)[-1].strip("_") or "main"
    else:
        stem = Path(os.fspath(target)).stem
    return re.sub(r"[^A-Za-z0-9_]", "_", stem) + "_plugins"


def load_specs(targets: Sequence[Any]) -> list[PluginSpec]:
    """Every plugin declared in `targets` (see load_targets)."""
    specs, _ = load_targets(targets)
    return specs
