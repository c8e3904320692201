"""C++ enumerators and the shapes of the tables a declaration hands to the templates.

Each declaration (parsers.py, engine.py, input_layers.py) builds its own rows from these, so a new
declaration touches its own class and its C++ only; render.py loops over whatever it is given. Strings and numbers go through trtplug/native/literals.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

_BOX = {"cxcywh": "kCxCyWH", "xyxy": "kXYXY", "xywh": "kXYWH", "yxyx": "kYXYX"}
_ACTIVATION = {"none": "kNone", "sigmoid": "kSigmoid", "softmax": "kSoftmax"}


def c_bool(value) -> str:
    return "1" if value else "0"


def c_box(value: str) -> str:
    return "trtplug::ds::BoxFormat::" + _BOX[value]


def c_activation(value: str) -> str:
    return "trtplug::ds::Activation::" + _ACTIVATION[value]


def c_comment(declaration) -> str:
    """One comment line: a declaration as written in Python (no newlines, no end of comment)."""
    return repr(declaration).replace("\n", " ").replace("*/", "* /")


@dataclass(frozen=True)
class CField:
    """One member of a C++ aggregate initializer, in struct order; `nested` for a member struct."""

    name: str
    value: str | None = None
    nested: list[CField] | None = None


@dataclass(frozen=True)
class LabelArray:
    """A `const char* const name[]` array of labels."""

    name: str
    values_c: list[str]


@dataclass(frozen=True)
class ParserParams:
    """A parser's parameter block: the trtplug::ds struct, its initializer, and the arrays it points to."""

    type: str  # the trtplug::ds struct, e.g. "DenseParams"
    impl: str  # the trtplug::ds function that parses with it, e.g. "parse_dense"
    fields: list[CField]
    label_arrays: list[LabelArray] = field(default_factory=list)
    heads: list[list[CField]] = field(default_factory=list)  # classifier heads, in order
    heads_name: str = ""
