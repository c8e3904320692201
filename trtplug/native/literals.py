"""C++ literals for generated sources: the one encoder every template's strings and floats go through.

    c_string("a\"b")            -> '"a\\"b"'
    c_string_lines(b"...")      -> ['"...first 48 bytes..."', '"...rest..."']  (adjacent literals concatenate)
    c_float(0.5)                -> '0.5f'
    c_double(0.5)               -> '0.5'
"""
from __future__ import annotations

import math
import re

# Printable ASCII is written as itself, except the quote, the backslash and '?' (escaped, so no
# sequence in generated text can read as a trigraph); every other byte is an octal escape.
_ESCAPED = {ord('"'): '\\"', ord("\\"): "\\\\", ord("?"): "\\?"}


def _encode_byte(byte: int) -> str:
    if byte in _ESCAPED:
        return _ESCAPED[byte]
    if 0x20 <= byte < 0x7F:
        return chr(byte)
    return f"\\{byte:03o}"


# For str.translate of bytes decoded as latin-1 (one character per byte): kernel images are megabytes.
_TRANSLATION = {byte: _encode_byte(byte) for byte in range(256)}
_PIECE = re.compile(rb"[^\n]{1,48}\n?|\n")  # up to 48 bytes, ending after a newline when there is one


def c_string(text: str) -> str:
    """`text` as one C/C++ string literal (UTF-8)."""
    return '"' + text.encode("utf-8").decode("latin-1").translate(_TRANSLATION) + '"'


def c_string_or_null(text: str | None) -> str:
    return "nullptr" if text is None else c_string(text)


def c_string_lines(data: bytes) -> list[str]:
    """`data` as short string literals (a new one after each newline byte), for large embedded blobs:
    written one per line, the compiler joins them into one array."""
    pieces = _PIECE.findall(data) or [b""]
    return ['"' + piece.decode("latin-1").translate(_TRANSLATION) + '"' for piece in pieces]


def c_double(value: float) -> str:
    """A finite number as a C++ double literal."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"non-finite constant {value}")
    text = repr(value)
    if "e" not in text and "." not in text:
        text += ".0"
    return text


def c_float(value: float) -> str:
    """A finite number as a C++ float literal."""
    return c_double(value) + "f"
