"""Reading the facts trtplug needs out of PTX text: entry, params, externs, ISA version, target."""
from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^\s*\.version\s+(\d+\.\d+)", re.M)
_TARGET = re.compile(r"^\s*\.target\s+sm_(\d+)", re.M)
_ENTRY = re.compile(r"\.visible\s+\.entry\s+([A-Za-z0-9_$]+)\s*\(([^)]*)\)", re.S)
_PARAM = re.compile(r"\.param\s+(?:\.align\s+\d+\s+)?\.([a-z]+\d*)\s+[A-Za-z0-9_$]+(\[\d+\])?")
_EXTERN_FUNC = re.compile(r"\.extern\s+\.func\s*(?:\([^)]*\))?\s*([A-Za-z_$][A-Za-z0-9_$]*)", re.S)
_DEFINED_FUNC = re.compile(
    r"^\s*(?:\.visible\s+|\.weak\s+)?\.func\s*(?:\([^)]*\))?\s*([A-Za-z_$][A-Za-z0-9_$]*)", re.M | re.S)
_RELEASE = re.compile(r"Cuda compilation tools, release [\d.]+, V([\d.]+)")


class PtxError(ValueError):
    """The PTX text does not have the shape numba produces."""


@dataclass(frozen=True)
class PtxEntry:
    name: str
    params: tuple[str, ...]


def text(ptx: bytes | str) -> str:
    if isinstance(ptx, bytes):
        return ptx.rstrip(b"\0").decode("utf-8", errors="replace")
    return ptx


def isa_version(ptx: str) -> str:
    m = _VERSION.search(ptx)
    if not m:
        raise PtxError("no .version directive")
    return m.group(1)


def target(ptx: str) -> int:
    m = _TARGET.search(ptx)
    if not m:
        raise PtxError("no .target sm_XX directive")
    return int(m.group(1))


def compiler_release(ptx: str) -> str | None:
    """The toolkit release named in the PTX header comment (e.g. ``12.2.140``), if any."""
    m = _RELEASE.search(ptx)
    return m.group(1) if m else None


def entries(ptx: str) -> list[PtxEntry]:
    """Every ``.visible .entry`` with its ``.param`` types (``u64``, ``f32``, ...), in order."""
    out = []
    for m in _ENTRY.finditer(ptx):
        params = []
        for p in _PARAM.finditer(m.group(2)):
            ptype = p.group(1)
            params.append(ptype + p.group(2) if p.group(2) else ptype)
        out.append(PtxEntry(m.group(1), tuple(params)))
    return out


def extern_functions(ptx: str) -> list[str]:
    """Names of functions the module declares ``.extern`` (to be resolved by linking)."""
    return sorted(set(_EXTERN_FUNC.findall(ptx)))


def defined_functions(ptx: str) -> set[str]:
    """Names of functions the module defines (visible or not)."""
    names = set()
    for m in _DEFINED_FUNC.finditer(ptx):
        names.add(m.group(1))
    return names
