"""Renders the TensorRT side of a plugin library: one adapter + creator per plugin and the
library's registration, from the templates tensorrt_*.cpp.j2 next to this module.

The generated files are thin: the TensorRT behaviour lives once in ``registry/tensorrt/``
(PluginAdapter, CreatorAdapter, registration and entry points); each generated class only names
itself and points at its plugin's descriptor.

Example::

    from trtplug.codegen.tensorrt import TensorRTPluginRef, render_tensorrt_sources
    paths = render_tensorrt_sources(
        [TensorRTPluginRef("Mish", "1", desc_symbol="mish_desc", cxx_ident="Mish_1")],
        library_name="mish_plugins", plugin_namespace="", out_dir=Path("build/gen"))
    # -> [build/gen/trt_Mish_1.cpp, build/gen/trt_registration.cpp]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import DefinitionError
from ..registry_paths import TENSORRT_DIR
from .render import render_template


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TensorRTPluginRef:
    """What the TensorRT templates need to know about one plugin.

    name, version: the TensorRT plugin type name and version (must equal the descriptor's).
    desc_symbol:   the ``trtplug::generated::<desc_symbol>`` PluginDesc defined by plugins.cpp.
    cxx_ident:     C++ identifier the generated class names start with (``<cxx_ident>Plugin``).
    source:        where the plugin was declared, for the generated file's header comment.
    """

    name: str
    version: str
    desc_symbol: str
    cxx_ident: str
    source: str = ""


def adapter_sources() -> list[Path]:
    """The hand-written TensorRT sources compiled into every library (with the generated ones)."""
    return sorted(TENSORRT_DIR.glob("*.cpp"))


def adapter_include_dir() -> Path:
    return TENSORRT_DIR


def cxx_string_literal(text: str) -> str:
    """`text` as a C++ string literal (UTF-8, every non-printable byte escaped)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\?':  # '?' avoids trigraph-like sequences
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _check(plugins: Sequence[TensorRTPluginRef], library_name: str, plugin_namespace: str) -> None:
    seen_idents: dict[str, TensorRTPluginRef] = {}
    seen_names: dict[tuple[str, str], TensorRTPluginRef] = {}
    for p in plugins:
        where = f"TensorRT plugin {p.name!r} version {p.version!r}"
        for field_name in ("desc_symbol", "cxx_ident"):
            value = getattr(p, field_name)
            if not _IDENT.match(value):
                raise DefinitionError(f"{where}: {field_name} {value!r} is not a C++ identifier")
        if not p.name or not p.version:
            raise DefinitionError(f"{where}: the plugin name and version must not be empty")
        if not (p.name + p.version + p.source).isprintable():
            raise DefinitionError(f"{where}: the plugin name, version and source must be printable text")
        if p.cxx_ident in seen_idents:
            raise DefinitionError(f"{where}: cxx_ident {p.cxx_ident!r} is also used by plugin "
                                  f"{seen_idents[p.cxx_ident].name!r}")
        if (p.name, p.version) in seen_names:
            raise DefinitionError(f"{where}: declared twice in library {library_name!r}; TensorRT finds a "
                                  "creator by name, version and namespace, so each pair must be unique")
        seen_idents[p.cxx_ident] = p
        seen_names[(p.name, p.version)] = p
    if "\0" in plugin_namespace:
        raise DefinitionError(f"library {library_name!r}: the plugin namespace must not contain NUL")
    if not library_name.isprintable():
        raise DefinitionError(f"library {library_name!r}: the library name must be printable text")


def _trtplug_version() -> str:
    try:
        from importlib.metadata import version

        return version("trtplug")
    except Exception:  # not installed: running from a checkout
        return "(source checkout)"


def render_tensorrt_sources(plugins: Iterable[TensorRTPluginRef], *, library_name: str, plugin_namespace: str,
                            out_dir: Path) -> list[Path]:
    """Writes ``trt_<cxx_ident>.cpp`` per plugin and ``trt_registration.cpp`` into `out_dir`.

    Returns the written paths (plugins first, registration last). Compile them together with
    :func:`adapter_sources`, the core runtime and plugins.cpp, with :func:`adapter_include_dir`
    and the core directory on the include path and the TensorRT and CUDA headers as -isystem.
    """
    plugins = list(plugins)
    _check(plugins, library_name, plugin_namespace)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    version = _trtplug_version()
    written: list[Path] = []
    for p in plugins:
        path = out_dir / f"trt_{p.cxx_ident}.cpp"
        path.write_text(render_template("tensorrt_plugin.cpp.j2", p=p, trtplug_version=version), encoding="utf-8")
        written.append(path)
    registration = out_dir / "trt_registration.cpp"
    registration.write_text(render_template(
        "tensorrt_registration.cpp.j2", plugins=plugins, library_name=library_name,
        namespace_literal=cxx_string_literal(plugin_namespace), trtplug_version=version), encoding="utf-8")
    written.append(registration)
    return written
