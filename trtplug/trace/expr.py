"""Symbolic integer expressions over input dims and attributes.

Output shapes, workspace sizes and launch parameters are traced into trees of `Expr`. The trees
are encoded as postfix programs of int64 words that the native core evaluates (see
`ExprOp` in registry/core/trtplug_core.h) and that the TensorRT adapter turns into IDimensionExpr.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import TraceError

# Opcodes: keep equal to trtplug::ExprOp.
OP_CONST, OP_DIM, OP_NUMEL, OP_RANK, OP_ATTR, OP_ATTR_ITEM = 1, 2, 3, 4, 5, 6
BINARY_OPS = {"+": 10, "-": 11, "*": 12, "//": 13, "cdiv": 14, "min": 15, "max": 16}

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in a shape expression")
    return a // b


def _cdiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in a shape expression")
    return -((-a) // b)


_FOLD: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": _floordiv,
    "cdiv": _cdiv,
    "min": min,
    "max": max,
}


class Expr:
    """A symbolic int64 value. Supports + - * // with ints and other Exprs."""

    __slots__ = ()

    # -- arithmetic -----------------------------------------------------------------------------
    def _bin(self, op: str, other, reflected: bool = False) -> "Expr":
        other = as_expr(other, f"operand of '{op}'")
        a, b = (other, self) if reflected else (self, other)
        return binary(op, a, b)

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, True)

    def __floordiv__(self, o):
        return self._bin("//", o)

    def __rfloordiv__(self, o):
        return self._bin("//", o, True)

    def __neg__(self):
        return binary("-", Const(0), self)

    # -- things that cannot be traced -----------------------------------------------------------
    def _untraceable(self, what: str):
        raise TraceError(
            f"cannot use {what} on the symbolic value {self}: shapes are only known when TensorRT "
            "runs the plugin. Hint: use tp.cdiv, tp.min, tp.max and + - * // ; pass values the "
            "kernel must branch on to the kernel as arguments.")

    def __truediv__(self, o):
        self._untraceable("'/' (true division)")

    __rtruediv__ = __truediv__

    def __mod__(self, o):
        self._untraceable("'%'")

    __rmod__ = __mod__

    def __bool__(self):
        if isinstance(self, Const):
            return self.value != 0
        self._untraceable("a condition (if/while/and/or)")

    def __lt__(self, o):
        self._untraceable("'<'")

    __le__ = __gt__ = __ge__ = __lt__

    def __eq__(self, other):
        # Constants compare by value; a symbolic dim is only known when TensorRT runs the plugin,
        # so `if x.shape[1] == 1:` must fail loudly instead of tracing one branch silently.
        if isinstance(self, Const) and isinstance(other, (Const, int)) and not isinstance(other, bool):
            return self.value == (other.value if isinstance(other, Const) else other)
        self._untraceable("'=='")

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def same_as(self, other: "Expr") -> bool:
        """Structural equality (the same program), for comparing traced results."""
        return isinstance(other, Expr) and self.program() == other.program()

    def __int__(self):
        if isinstance(self, Const):
            return self.value
        self._untraceable("int()")

    def __index__(self):
        if isinstance(self, Const):
            return self.value
        self._untraceable("an index or range()")

    def __float__(self):
        self._untraceable("float()")

    def __pow__(self, o):
        self._untraceable("'**'")

    # -- evaluation and encoding ------------------------------------------------------------------
    def evaluate(self, dims: list[tuple[int, ...]], attrs: dict[int, object]) -> int:
        raise NotImplementedError

    def encode(self, out: list[int]) -> None:
        raise NotImplementedError

    def program(self) -> tuple[int, ...]:
        """The postfix program the native core evaluates."""
        words: list[int] = []
        self.encode(words)
        return tuple(words)


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: int

    def evaluate(self, dims, attrs):
        return self.value

    def encode(self, out):
        out += [OP_CONST, self.value]

    def __str__(self):
        return str(self.value)


@dataclass(frozen=True, eq=False)
class Dim(Expr):
    input: int
    axis: int
    label: str = ""

    def evaluate(self, dims, attrs):
        return dims[self.input][self.axis]

    def encode(self, out):
        out += [OP_DIM, self.input, self.axis]

    def __str__(self):
        return f"{self.label or f'in{self.input}'}.shape[{self.axis}]"


@dataclass(frozen=True, eq=False)
class Numel(Expr):
    input: int
    label: str = ""

    def evaluate(self, dims, attrs):
        n = 1
        for d in dims[self.input]:
            n *= d
        return n

    def encode(self, out):
        out += [OP_NUMEL, self.input]

    def __str__(self):
        return f"{self.label or f'in{self.input}'}.numel"


@dataclass(frozen=True, eq=False)
class Rank(Expr):
    input: int
    label: str = ""

    def evaluate(self, dims, attrs):
        return len(dims[self.input])

    def encode(self, out):
        out += [OP_RANK, self.input]

    def __str__(self):
        return f"{self.label or f'in{self.input}'}.ndim"


@dataclass(frozen=True, eq=False)
class AttrRef(Expr):
    """An int or bool attribute."""

    index: int
    name: str = ""

    def evaluate(self, dims, attrs):
        return int(attrs[self.index])

    def encode(self, out):
        out += [OP_ATTR, self.index]

    def __str__(self):
        return f"self.{self.name}"


@dataclass(frozen=True, eq=False)
class AttrItem(Expr):
    """Element `item` of an int-list attribute."""

    index: int
    item: int
    name: str = ""

    def evaluate(self, dims, attrs):
        return int(attrs[self.index][self.item])

    def encode(self, out):
        out += [OP_ATTR_ITEM, self.index, self.item]

    def __str__(self):
        return f"self.{self.name}[{self.item}]"


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    op: str
    a: Expr
    b: Expr

    def evaluate(self, dims, attrs):
        return _FOLD[self.op](self.a.evaluate(dims, attrs), self.b.evaluate(dims, attrs))

    def encode(self, out):
        self.a.encode(out)
        self.b.encode(out)
        out.append(BINARY_OPS[self.op])

    def __str__(self):
        if self.op in ("cdiv", "min", "max"):
            return f"{self.op}({self.a}, {self.b})"
        return f"({self.a} {self.op} {self.b})"


def as_expr(value, where: str) -> Expr:
    """Turns an int (or bool) or Expr into an Expr; anything else is a TraceError naming `where`."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return Const(int(value))
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise TraceError(f"{where}: {value} does not fit in int64")
        return Const(value)
    raise TraceError(f"{where}: expected an integer or a symbolic dimension, got {type(value).__name__} {value!r}")


def binary(op: str, a: Expr, b: Expr) -> Expr:
    """Builds `a op b`, folding constants and trivial identities."""
    if isinstance(a, Const) and isinstance(b, Const):
        try:
            value = _FOLD[op](a.value, b.value)
        except ZeroDivisionError as exc:
            raise TraceError(f"{exc}: {a} {op} {b}") from None
        if not INT64_MIN <= value <= INT64_MAX:
            raise TraceError(f"{a} {op} {b} = {value} does not fit in int64")
        return Const(value)
    if isinstance(b, Const):
        if b.value == 0 and op in ("//", "cdiv"):
            raise TraceError(f"division by zero in a shape expression: {op}({a}, 0)")
        if (op in ("+", "-") and b.value == 0) or (op in ("*", "//", "cdiv") and b.value == 1):
            return a
    if isinstance(a, Const):
        if (op == "+" and a.value == 0) or (op == "*" and a.value == 1):
            return b
    return Binary(op, a, b)


def cdiv(a, b) -> Expr:
    """Ceiling division: the number of blocks of size `b` that cover `a`."""
    return binary("cdiv", as_expr(a, "tp.cdiv"), as_expr(b, "tp.cdiv"))


def minimum(a, b) -> Expr:
    return binary("min", as_expr(a, "tp.min"), as_expr(b, "tp.min"))


def maximum(a, b) -> Expr:
    return binary("max", as_expr(a, "tp.max"), as_expr(b, "tp.max"))


def product(values) -> Expr:
    result: Expr = Const(1)
    for v in values:
        result = result * v
    return result
