"""Typed plugin attributes (TensorRT PluginFields), declared as class members.

    class Resize(tp.TrtPlugin):
        scale = tp.Attr.int(2, min=1, max=16)
        mode = tp.Attr.string("nearest", choices=("nearest", "linear"))
        pads = tp.Attr.int_list([0, 0], length=2)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import DefinitionError
from ..native.codes import ATTR_TYPE, values

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FLOAT32_MAX = 3.4028234663852886e38

# Codes equal trtplug::AttrType.
KINDS = values(ATTR_TYPE)  # trtplug::AttrType


@dataclass(frozen=True)
class Attr:
    """An attribute declaration. Build one with Attr.int/float/bool/string/int_list/float_list."""

    kind: str
    default: Any
    min: float | None = None
    max: float | None = None
    min_length: int = 1
    max_length: int = 1
    choices: tuple[str, ...] | None = None
    doc: str = ""
    name: str = ""  # set when the owning class is created

    # -- constructors ---------------------------------------------------------------------------
    @staticmethod
    def int(default: int = 0, *, min: int | None = None, max: int | None = None, doc: str = "") -> "Attr":
        return Attr("int", default, min, max, doc=doc)

    @staticmethod
    def float(default: float = 0.0, *, min: float | None = None, max: float | None = None, doc: str = "") -> "Attr":
        return Attr("float", default, min, max, doc=doc)

    @staticmethod
    def bool(default: bool = False, *, doc: str = "") -> "Attr":
        return Attr("bool", default, doc=doc)

    @staticmethod
    def string(default: str = "", *, choices=None, max_length: int = 256, doc: str = "") -> "Attr":
        return Attr("string", default, min_length=0, max_length=max_length,
                    choices=tuple(choices) if choices is not None else None, doc=doc)

    @staticmethod
    def int_list(default=(), *, length=None, min: int | None = None, max: int | None = None, doc: str = "") -> "Attr":
        lo, hi = _length_bounds(length)
        return Attr("int_list", tuple(default) if _is_seq(default) else default, min, max, lo, hi, doc=doc)

    @staticmethod
    def float_list(default=(), *, length=None, min: float | None = None, max: float | None = None,
                   doc: str = "") -> "Attr":
        lo, hi = _length_bounds(length)
        return Attr("float_list", tuple(default) if _is_seq(default) else default, min, max, lo, hi, doc=doc)

    # -- validation -------------------------------------------------------------------------------
    @property
    def code(self) -> int:
        return KINDS[self.kind]

    @property
    def is_list(self) -> bool:
        return self.kind in ("int_list", "float_list")

    @property
    def fixed_length(self) -> int | None:
        return self.min_length if self.min_length == self.max_length else None

    def bound(self, owner: str, name: str) -> "Attr":
        """Checks the declaration and returns a copy that knows its name."""
        where = f"{owner}.{name}"
        for bound_name, value in (("min", self.min), ("max", self.max)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value)):
                raise DefinitionError(f"{where}: {bound_name} must be a finite number (or None), got {value!r}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise DefinitionError(f"{where}: min={self.min} is greater than max={self.max}")
        if self.kind in ("int", "int_list"):
            for bound_name, value in (("min", self.min), ("max", self.max)):
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise DefinitionError(f"{where}: {bound_name} must be an int, got {value!r}")
        if self.is_list:
            if self.min_length < 0 or self.max_length < self.min_length:
                raise DefinitionError(f"{where}: invalid list length bounds ({self.min_length}, {self.max_length})")
        if self.choices is not None:
            if not self.choices or not all(isinstance(c, str) for c in self.choices):
                raise DefinitionError(f"{where}: choices must be a non-empty sequence of strings, got {self.choices!r}")
            free = Attr(self.kind, self.default, max_length=self.max_length, min_length=self.min_length)
            for i, choice in enumerate(self.choices):
                free.check_value(choice, f"{where}: choices[{i}]")
        bound = Attr(self.kind, self.default, self.min, self.max, self.min_length, self.max_length,
                     self.choices, self.doc, name)
        bound.check_value(bound.default, f"{where}: default")
        return bound

    def check_value(self, value, where: str):
        """Raises DefinitionError (naming `where`) unless `value` is valid for this attribute."""
        kind = self.kind
        if kind == "int":
            _check_int(value, where, self.min, self.max)
        elif kind == "float":
            _check_float(value, where, self.min, self.max)
        elif kind == "bool":
            if not isinstance(value, bool):
                raise DefinitionError(f"{where}: expected a bool, got {type(value).__name__} {value!r}")
        elif kind == "string":
            if not isinstance(value, str):
                raise DefinitionError(f"{where}: expected a str, got {type(value).__name__} {value!r}")
            if "\0" in value:
                raise DefinitionError(f"{where}: strings may not contain NUL characters")
            if len(value.encode()) > self.max_length:
                raise DefinitionError(f"{where}: string longer than max_length={self.max_length} bytes")
            if self.choices is not None and value not in self.choices:
                raise DefinitionError(f"{where}: {value!r} is not one of {list(self.choices)}")
        else:
            if not _is_seq(value):
                raise DefinitionError(f"{where}: expected a list of {kind[:-5]}s, got {type(value).__name__} {value!r}")
            if not self.min_length <= len(value) <= self.max_length:
                raise DefinitionError(
                    f"{where}: expected {self.min_length}..{self.max_length} elements, got {len(value)}")
            for i, item in enumerate(value):
                if kind == "int_list":
                    _check_int(item, f"{where}[{i}]", self.min, self.max)
                else:
                    _check_float(item, f"{where}[{i}]", self.min, self.max)

    def describe(self) -> str:
        text = f"{self.kind} = {self.default!r}"
        if self.min is not None or self.max is not None:
            text += f" in [{self.min if self.min is not None else '-inf'}, {self.max if self.max is not None else 'inf'}]"
        if self.choices:
            text += f" one of {list(self.choices)}"
        return text


def _is_seq(value) -> bool:
    return isinstance(value, (list, tuple))


def _length_bounds(length) -> tuple[int, int]:
    if length is None:
        return 0, 64
    if isinstance(length, int) and not isinstance(length, bool):
        return length, length
    if isinstance(length, tuple) and len(length) == 2 and all(isinstance(v, int) for v in length):
        return length
    raise DefinitionError(f"list attribute length must be an int or a (min, max) tuple, got {length!r}")


def _check_int(value, where, lo, hi):
    if not isinstance(value, int) or isinstance(value, bool):
        raise DefinitionError(f"{where}: expected an int, got {type(value).__name__} {value!r}")
    if not INT32_MIN <= value <= INT32_MAX:
        raise DefinitionError(f"{where}: {value} does not fit the 32-bit PluginField TensorRT passes")
    _check_range(value, where, lo, hi)


def _check_float(value, where, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DefinitionError(f"{where}: expected a float, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise DefinitionError(f"{where}: {value!r} is not a finite float32 value")
    _check_range(value, where, lo, hi)


def _check_range(value, where, lo, hi):
    if lo is not None and value < lo:
        raise DefinitionError(f"{where}: {value} is below the minimum {lo}")
    if hi is not None and value > hi:
        raise DefinitionError(f"{where}: {value} is above the maximum {hi}")
