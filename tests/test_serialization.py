"""The serialization format: the pure-Python codec (trtplug.serialization) against itself and
against the native reader/writer of a library built from the core and the test plugins of
tests/native/fixture_plugins.cpp (TestScale v1, TestNeeds v2), driven through its C API."""
from __future__ import annotations

import ctypes
import random
import struct
import sys
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "native"))
import native_build  # noqa: E402

from trtplug.serialization import (FORMAT_VERSION, MAGIC, Attr, AttrType, SerializationError,  # noqa: E402
                                   decode, encode)

BAD_SERIALIZATION = 2
KCHAR, KINT32, KFLOAT32 = 6, 5, 1

SCALE_DEFAULTS = [
    ("alpha", AttrType.INT, [3]),
    ("beta", AttrType.FLOAT, [0.5]),
    ("dims", AttrType.INT_LIST, [1, 2]),
    ("mode", AttrType.STRING, "fast"),
    ("flag", AttrType.BOOL, [1]),
    ("scales", AttrType.FLOAT_LIST, []),
]


class Native:
    """The fixture library's C API."""

    def __init__(self, path: Path):
        lib = ctypes.CDLL(str(path))
        lib.trtplug_plugin_index.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.trtplug_instance_create.restype = ctypes.c_void_p
        lib.trtplug_instance_create.argtypes = [ctypes.c_int32, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                                ctypes.c_size_t]
        lib.trtplug_instance_destroy.argtypes = [ctypes.c_void_p]
        lib.trtplug_instance_serialize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                                   ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t]
        lib.trtplug_instance_set_field.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_void_p,
                                                   ctypes.c_int32, ctypes.c_char_p, ctypes.c_size_t]
        self.lib = lib

    def index(self, name: str) -> int:
        return self.lib.trtplug_plugin_index(name.encode(), None)

    def create(self, plugin: str, blob: bytes | None):
        """(instance, None) or (None, error message)."""
        err = ctypes.create_string_buffer(512)
        inst = self.lib.trtplug_instance_create(self.index(plugin), blob, len(blob or b""), err, len(err))
        return (inst, None) if inst else (None, err.value.decode())

    def serialize(self, inst) -> bytes:
        err = ctypes.create_string_buffer(512)
        length = ctypes.c_size_t(0)
        assert self.lib.trtplug_instance_serialize(inst, None, 0, ctypes.byref(length), err, len(err)) == 0, err.value
        buf = ctypes.create_string_buffer(length.value)
        assert self.lib.trtplug_instance_serialize(inst, buf, length, ctypes.byref(length), err, len(err)) == 0, err.value
        return buf.raw

    def roundtrip(self, plugin: str, blob: bytes):
        """The native re-serialization of `blob`, or the native error message."""
        inst, error = self.create(plugin, blob)
        if inst is None:
            return None, error
        try:
            return self.serialize(inst), None
        finally:
            self.lib.trtplug_instance_destroy(inst)

    def set_field(self, inst, name: str, field_type: int, data: bytes, length: int) -> int:
        err = ctypes.create_string_buffer(512)
        return self.lib.trtplug_instance_set_field(inst, name.encode(), field_type, data, length, err, len(err))


@pytest.fixture(scope="module")
def native() -> Native:
    return Native(native_build.build_fixture_library())


# ---- the Python codec on its own --------------------------------------------------------------

def test_header_layout():
    blob = encode("Mish", "1", [("beta", AttrType.FLOAT, [1.0])])
    magic, version, flags, total, crc = struct.unpack_from("<IHHII", blob)
    assert blob[:4] == b"TPLG" and magic == MAGIC
    assert (version, flags, total) == (FORMAT_VERSION, 0, len(blob))
    assert crc == zlib.crc32(blob[16:])
    # body: name, version, count, then name/type/count/payload
    assert blob[16:] == (b"\x04\x00Mish" b"\x01\x001" b"\x01\x00"
                         b"\x04\x00beta" b"\x01" b"\x01\x00\x00\x00" + struct.pack("<f", 1.0))


def test_python_roundtrip():
    attrs = [("i", AttrType.INT, [-5]), ("f", AttrType.FLOAT, [0.1]), ("b", AttrType.BOOL, [True]),
             ("s", AttrType.STRING, "héllo"), ("il", AttrType.INT_LIST, [2**40, -1]),
             ("fl", AttrType.FLOAT_LIST, [1.5, -0.0]), ("raw", AttrType.STRING, b"\xff\x00")]
    blob = encode("P", "7", attrs)
    out = decode(blob)
    assert (out.plugin_name, out.plugin_version) == ("P", "7")
    assert out.as_dict() == {"i": -5, "f": struct.unpack("<f", struct.pack("<f", 0.1))[0], "b": 1, "s": "héllo",
                             "il": [2**40, -1], "fl": [1.5, -0.0], "raw": "\udcff\x00"}
    assert encode(out.plugin_name, out.plugin_version, [(a.name, a.type, a.values) for a in out.attrs]) == blob
    assert out.attrs[0] == Attr("i", AttrType.INT, [-5])


@pytest.mark.parametrize("attrs, message", [
    ([("a", AttrType.INT, [1, 2])], "holds exactly 1 value, got 2"),
    ([("a", AttrType.INT, [1.5])], "expected int values"),
    ([("a", AttrType.INT_LIST, [2**63])], "does not fit int64"),
    ([("a", AttrType.FLOAT, ["x"])], "expected float values"),
    ([("a", AttrType.FLOAT, [1e300])], "does not fit float32"),
    ([("a", AttrType.STRING, 5)], "takes str or bytes"),
    ([("a", 9, [1])], "unknown attribute type 9"),
    ([("a", AttrType.INT)], "expected (name, AttrType, values)"),
])
def test_encode_rejects(attrs, message):
    with pytest.raises(SerializationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        encode("P", "1", attrs)


def _with_header(body: bytes, version: int = FORMAT_VERSION) -> bytes:
    return struct.pack("<IHHII", MAGIC, version, 0, 16 + len(body), zlib.crc32(body)) + body


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b[:10], "10 bytes, shorter than the 16-byte header"),
    (lambda b: b"XPLG" + b[4:], "not the trtplug magic"),
    (lambda b: _with_header(b[16:], version=2), "format version 2; this reader reads format version 1"),
    (lambda b: b + b"\0", "header says"),
    (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "corrupted: CRC-32"),
    (lambda b: _with_header(b[16:-2]), "claims 2 elements"),
    (lambda b: _with_header(b[16:20]), "ends inside the plugin version"),
    (lambda b: _with_header(b[16:] + b"\0"), "1 unexpected bytes"),
])
def test_decode_rejects(mutate, message):
    blob = encode("P", "1", [("a", AttrType.INT_LIST, [1, 2])])
    with pytest.raises(SerializationError, match=message):
        decode(mutate(blob))


# ---- Python against the native core ----------------------------------------------------------

def test_python_encoding_equals_native_default_serialization(native):
    inst, error = native.create("TestScale", None)
    assert inst, error
    try:
        assert native.serialize(inst) == encode("TestScale", "1", SCALE_DEFAULTS)
    finally:
        native.lib.trtplug_instance_destroy(inst)


def test_native_accepts_python_blob_and_writes_it_back(native):
    attrs = [("alpha", AttrType.INT, [100]), ("beta", AttrType.FLOAT, [-9.75]), ("dims", AttrType.INT_LIST, [0, 7, 2**31 - 1]),
             ("mode", AttrType.STRING, "ünï"), ("flag", AttrType.BOOL, [0]), ("scales", AttrType.FLOAT_LIST, [4.0, 0.0])]
    blob = encode("TestScale", "1", attrs)
    written, error = native.roundtrip("TestScale", blob)
    assert error is None and written == blob


def test_python_decodes_native_blob_after_set_field(native):
    inst, error = native.create("TestNeeds", None)
    assert inst, error
    try:
        assert native.set_field(inst, "gamma", KFLOAT32, struct.pack("<f", 0.25), 1) == 0
        assert native.set_field(inst, "label", KCHAR, b"cat\0", 4) == 0
        assert native.set_field(inst, "gamma", KINT32, struct.pack("<i", 1), 1) != 0
        out = decode(native.serialize(inst))
    finally:
        native.lib.trtplug_instance_destroy(inst)
    assert (out.plugin_name, out.plugin_version) == ("TestNeeds", "2")
    assert out.as_dict() == {"gamma": 0.25, "label": "cat"}


def _scale(**changes):
    attrs = [list(a) for a in SCALE_DEFAULTS]
    for a in attrs:
        if a[0] in changes:
            a[2] = changes[a[0]]
    return [tuple(a) for a in attrs]


@pytest.mark.parametrize("plugin, version, attrs, message", [
    ("TestScale", "2", SCALE_DEFAULTS, "is for plugin 'TestScale' version '2', not 'TestScale' version '1'"),
    ("TestNeeds", "2", [("gamma", AttrType.FLOAT, [0.5]), ("label", AttrType.STRING, "x")],
     "is for plugin 'TestNeeds' version '2', not 'TestScale' version '1'"),
    ("TestScale", "1", SCALE_DEFAULTS[:5], "lacks attribute 'scales'"),
    ("TestScale", "1", SCALE_DEFAULTS + [("zeta", AttrType.INT, [1])], "unknown attribute 'zeta'"),
    ("TestScale", "1", SCALE_DEFAULTS + [("alpha", AttrType.INT, [1])], "attribute 'alpha' twice"),
    ("TestScale", "1", [SCALE_DEFAULTS[1], SCALE_DEFAULTS[0]] + SCALE_DEFAULTS[2:], "lacks attribute 'alpha'"),
    ("TestScale", "1", _scale(alpha=[101]), "int value 101 is above the maximum 100"),
    ("TestScale", "1", _scale(alpha=[2**32]), "does not fit a 32-bit int"),
    ("TestScale", "1", _scale(beta=[float("nan")]), "below the minimum"),
    ("TestScale", "1", _scale(flag=[2]), "bool value 2 is not 0 or 1"),
    ("TestScale", "1", _scale(dims=[]), "0 values, at least 1 expected"),
    ("TestScale", "1", _scale(mode="x" * 17), "17 bytes, at most 16 allowed"),
    ("TestScale", "1", _scale(mode="a\0b"), "NUL byte"),
    ("TestScale", "1", [("alpha", AttrType.FLOAT, [3.0])] + SCALE_DEFAULTS[1:], "stored as float (1); the plugin declares it int"),
])
def test_native_rejects_python_blob(native, plugin, version, attrs, message):
    blob = encode(plugin, version, attrs)
    if "twice" not in message:
        decode(blob)  # well-formed: only the plugin's declaration rejects it
    written, error = native.roundtrip("TestScale", blob)
    assert written is None and message in error, error


def test_native_rejects_other_format_version_naming_both(native):
    blob = encode("TestScale", "1", SCALE_DEFAULTS)
    _, error = native.roundtrip("TestScale", _with_header(blob[16:], version=3))
    assert "format version 3; this library reads format version 1" in error


def test_mutations_agree_between_python_and_native(native):
    """Random edits of a valid blob (header refreshed): whenever the native reader accepts one, the
    Python reader decodes it to attributes that encode back to the same bytes; whenever the Python
    reader rejects one, so does the native reader."""
    rng = random.Random(1234)
    base = encode("TestScale", "1", _scale(dims=[5, 6, 7], mode="abc", scales=[1.0, 2.0]))
    accepted = 0
    for _ in range(400):
        body = bytearray(base[16:])
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(3)
            at = rng.randrange(len(body))
            if op == 0:
                body[at] = rng.randrange(256)
            elif op == 1:
                del body[at:at + rng.randint(1, 4)]
            else:
                body[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        blob = _with_header(bytes(body))
        written, native_error = native.roundtrip("TestScale", blob)
        try:
            out = decode(blob)
        except SerializationError:
            assert written is None, "native accepted a blob the Python reader rejects"
            continue
        if written is not None:
            accepted += 1
            assert written == blob
            assert encode(out.plugin_name, out.plugin_version, [(a.name, a.type, a.values) for a in out.attrs]) == blob
    assert accepted > 0
