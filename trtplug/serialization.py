"""The serialized form of a trtplug plugin instance (format version 1), in pure Python.

The native core writes this format into TensorRT engines (`serialize`) and reads it back
(`deserialize`); this module reads and writes the same bytes, e.g. to inspect the attributes
stored in an engine's plugin layer. The format is described in docs/serialization.md.

    >>> from trtplug.serialization import encode, decode, AttrType
    >>> blob = encode("Mish", "1", [("beta", AttrType.FLOAT, [1.0])])
    >>> decode(blob).attrs[0]
    Attr(name='beta', type=<AttrType.FLOAT: 1>, values=[1.0])
"""
from __future__ import annotations

import enum
import struct
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .errors import TrtPlugError
from .native.codes import ATTR_TYPE

MAGIC = 0x474C5054  # b"TPLG" read as a little-endian u32
FORMAT_VERSION = 1
HEADER = struct.Struct("<IHHII")  # magic, format version, flags, total length, CRC-32
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

__all__ = ["AttrType", "Attr", "Blob", "SerializationError", "encode", "decode", "MAGIC", "FORMAT_VERSION"]


class SerializationError(TrtPlugError, ValueError):
    """Bytes that are not a valid trtplug plugin blob, or values that cannot be encoded."""


# trtplug::AttrType: INT, FLOAT, BOOL, STRING, INT_LIST, FLOAT_LIST.
AttrType = enum.IntEnum("AttrType", {name.upper(): code.value for name, code in ATTR_TYPE.items()})


_INT_TYPES = (AttrType.INT, AttrType.BOOL, AttrType.INT_LIST)
_FLOAT_TYPES = (AttrType.FLOAT, AttrType.FLOAT_LIST)
_SCALAR_TYPES = (AttrType.INT, AttrType.FLOAT, AttrType.BOOL)


@dataclass
class Attr:
    """One stored attribute. `values`: list of int (int, bool, int list), list of float (float,
    float list, as float32), or str (string; bytes that are not UTF-8 decode with
    surrogateescape and encode back unchanged)."""

    name: str
    type: AttrType
    values: object


@dataclass
class Blob:
    plugin_name: str
    plugin_version: str
    attrs: list = field(default_factory=list)

    def as_dict(self) -> dict:
        """{name: value}; scalars unwrapped from their one-element list."""
        return {a.name: (a.values[0] if a.type in _SCALAR_TYPES else a.values) for a in self.attrs}


def _text(value, where: str) -> bytes:
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
    else:
        raise SerializationError(f"{where}: expected str or bytes, got {type(value).__name__}")
    if len(data) > 0xFFFF:
        raise SerializationError(f"{where}: {len(data)} bytes; the format allows at most 65535")
    return struct.pack("<H", len(data)) + data


def _payload(name: str, kind: AttrType, values) -> tuple[int, bytes]:
    where = f"attribute {name!r}"
    if kind == AttrType.STRING:
        data = values.encode("utf-8", "surrogateescape") if isinstance(values, str) else values
        if not isinstance(data, bytes):
            raise SerializationError(f"{where}: a string attribute takes str or bytes, got {type(values).__name__}")
        return len(data), data
    if isinstance(values, (int, float)):  # a scalar given bare (bool is an int)
        values = [values]
    values = list(values)
    if kind in _SCALAR_TYPES and len(values) != 1:
        raise SerializationError(f"{where}: a {kind.name.lower()} attribute holds exactly 1 value, got {len(values)}")
    if kind in _INT_TYPES:
        out = []
        for v in values:
            if isinstance(v, float) or not isinstance(v, int):
                raise SerializationError(f"{where}: expected int values, got {v!r}")
            if not INT64_MIN <= v <= INT64_MAX:
                raise SerializationError(f"{where}: value {v} does not fit int64")
            out.append(struct.pack("<q", int(v)))
        return len(values), b"".join(out)
    if kind in _FLOAT_TYPES:
        out = []
        for v in values:
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise SerializationError(f"{where}: expected float values, got {v!r}")
            try:
                out.append(struct.pack("<f", float(v)))
            except OverflowError:
                raise SerializationError(f"{where}: value {v!r} does not fit float32") from None
        return len(values), b"".join(out)
    raise SerializationError(f"{where}: unknown attribute type {kind!r}")


def encode(plugin_name: str, version: str, attrs: Iterable[Sequence]) -> bytes:
    """Encodes (name, AttrType or its int, values) triples, in the plugin's declaration order.

    Only the format is checked here (types, counts that fit the fields); the native reader also
    checks the values against the plugin's declaration.
    """
    body = [_text(plugin_name, "plugin name"), _text(version, "plugin version")]
    attrs = list(attrs)
    if len(attrs) > 0xFFFF:
        raise SerializationError(f"{len(attrs)} attributes; the format allows at most 65535")
    body.append(struct.pack("<H", len(attrs)))
    for item in attrs:
        try:
            name, kind, values = item
        except (TypeError, ValueError):
            raise SerializationError(f"expected (name, AttrType, values), got {item!r}") from None
        try:
            kind = AttrType(kind)
        except ValueError:
            raise SerializationError(f"attribute {name!r}: unknown attribute type {kind!r}") from None
        count, payload = _payload(name, kind, values)
        body += [_text(name, "attribute name"), struct.pack("<BI", int(kind), count), payload]
    data = b"".join(body)
    total = HEADER.size + len(data)
    if total > 0xFFFFFFFF:
        raise SerializationError(f"{total} bytes; the format allows at most 4 GiB")
    return HEADER.pack(MAGIC, FORMAT_VERSION, 0, total, zlib.crc32(data)) + data


class _Reader:
    def __init__(self, data: bytes, pos: int):
        self.data, self.pos = data, pos

    def take(self, n: int, what: str) -> bytes:
        if n > len(self.data) - self.pos:
            raise SerializationError(
                f"serialized data ends inside {what} at byte {self.pos} ({len(self.data)} bytes total)")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str):
        s = struct.Struct("<" + fmt)
        return s.unpack(self.take(s.size, what))

    def text(self, what: str) -> str:
        (n,) = self.unpack("H", what)
        return self.take(n, what).decode("utf-8", "surrogateescape")


def decode(data: bytes) -> Blob:
    """Parses a blob, checking every length, the header and the CRC. Raises SerializationError."""
    data = bytes(data)
    if len(data) < HEADER.size:
        raise SerializationError(
            f"serialized plugin data is {len(data)} bytes, shorter than the {HEADER.size}-byte header")
    magic, version, flags, total, crc = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise SerializationError(
            f"serialized data starts with 0x{magic:08x}, not the trtplug magic 0x{MAGIC:08x} ('TPLG')")
    if version != FORMAT_VERSION:
        raise SerializationError(
            f"serialized data has format version {version}; this reader reads format version {FORMAT_VERSION}")
    if flags != 0:
        raise SerializationError(f"serialized data has unknown flags 0x{flags:04x}")
    if total != len(data):
        raise SerializationError(f"serialized data header says {total} bytes, but {len(data)} bytes were given")
    actual = zlib.crc32(data[HEADER.size:])
    if actual != crc:
        raise SerializationError(
            f"serialized data is corrupted: CRC-32 is 0x{actual:08x}, header says 0x{crc:08x}")
    r = _Reader(data, HEADER.size)
    blob = Blob(r.text("the plugin name"), r.text("the plugin version"))
    (count,) = r.unpack("H", "the attribute count")
    seen = set()
    for _ in range(count):
        name = r.text("an attribute name")
        if name in seen:
            raise SerializationError(f"serialized data holds attribute {name!r} twice")
        seen.add(name)
        kind_code, n = r.unpack("BI", "an attribute header")
        try:
            kind = AttrType(kind_code)
        except ValueError:
            raise SerializationError(f"serialized attribute {name!r} has unknown type {kind_code}") from None
        size = 8 if kind in _INT_TYPES else 4 if kind in _FLOAT_TYPES else 1
        if n * size > len(data) - r.pos:
            raise SerializationError(
                f"serialized attribute {name!r} claims {n} elements ({size} bytes each) but only "
                f"{len(data) - r.pos} bytes remain")
        raw = r.take(n * size, f"attribute {name!r}")
        if kind == AttrType.STRING:
            values = raw.decode("utf-8", "surrogateescape")
        elif kind in _INT_TYPES:
            values = list(struct.unpack(f"<{n}q", raw))
        else:
            values = list(struct.unpack(f"<{n}f", raw))
        if kind in _SCALAR_TYPES and n != 1:
            raise SerializationError(f"serialized attribute {name!r}: a {kind.name.lower()} attribute holds "
                                     f"exactly 1 value, got {n}")
        blob.attrs.append(Attr(name, kind, values))
    if r.pos != len(data):
        raise SerializationError(
            f"serialized data has {len(data) - r.pos} unexpected bytes after the last attribute")
    return blob

