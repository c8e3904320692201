"""Finds the TrtPlugin classes in Python files or importable modules given on the command line."""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path

from .declare.plugin import TrtPlugin
from .errors import DefinitionError, TrtPlugError
from .spec import PluginSpec


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
    from .deepstream.engine import is_part2_declaration
    from .deepstream.parsers import CustomSource, Parser

    return [v for v in vars(module).values() if isinstance(v, (Parser, CustomSource)) or is_part2_declaration(v)]


def load_targets(targets: list[str]) -> tuple[list[PluginSpec], list]:
    """The plugins and DeepStream parsers declared in `targets`. Raises DefinitionError if a target
    declares neither, or two plugins share a name and version."""
    specs: list[PluginSpec] = []
    parsers: list = []
    seen: dict[tuple[str, str], str] = {}
    for target in targets:
        module = load_module(target)
        classes = plugin_classes(module)
        found_parsers = deepstream_parsers(module)
        if not classes and not found_parsers:
            raise DefinitionError(f"{target}: declares no TrtPlugin subclass (and no DeepStream parser)")
        parsers += found_parsers
        for cls in classes:
            spec = cls.spec()
            key = (spec.name, spec.version)
            if key in seen:
                raise DefinitionError(
                    f"{spec.qualname}: plugin {spec.name!r} version {spec.version!r} is also declared by "
                    f"{seen[key]}; a library can hold each name/version once")
            seen[key] = spec.qualname
            specs.append(spec)
    return specs, parsers


def load_specs(targets: list[str]) -> list[PluginSpec]:
    """Every plugin declared in `targets` (see load_targets)."""
    specs, _ = load_targets(targets)
    return specs
