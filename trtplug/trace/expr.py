"""Symbolic integer expressions over input dims and attributes.

Output shapes, workspace sizes and launch parameters are traced into trees of `Expr`. The trees
are encoded as postfix programs of int64 words that the native core evaluates (see
`ExprOp` in registry/core/trtplug_core.h) and that the TensorRT adapter turns into IDimensionExpr.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import TraceError
from ..native.codes import EXPR_OP

OP_CONST, OP_DIM, OP_NUMEL, OP_RANK, OP_ATTR, OP_ATTR_ITEM = (
    EXPR_OP[name].value for name in ("const", "dim", "numel", "rank", "attr", "attr_item"))
BINARY_OPS = {op: EXPR_OP[op].value for op in ("+", "-", "*", "//", "cdiv", "min", "max", "%")}
# Conditions (only in constraint programs): comparisons give 0 or 1, & and | combine them.
COMPARE_OPS = {op: EXPR_OP[op].value for op in ("==", "!=", "<", "<=", ">", ">=")}
LOGIC_OPS = {op: EXPR_OP[op].value for op in ("&", "|")}

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in a shape expression")
    return a // b


def _cdiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in a shape expression")
    return -((-a) // b)


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("modulo by zero in a shape expression")
    return a % b


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

_FOLD: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": _floordiv,
    "cdiv": _cdiv,
    "min": min,
    "max": max,
    "%": _mod,
}


class Expr:
    """A symbolic int64 value. Supports + - * // % with ints and other Exprs; comparisons give a
    Condition (for tp.require)."""

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

    def __mod__(self, o):
        return self._bin("%", o)

    def __rmod__(self, o):
        return self._bin("%", o, True)

    def __neg__(self):
        return binary("-", Const(0), self)

    # -- comparisons: conditions for tp.require (never a Python bool, unless both sides are constant)
    def _compare(self, op: str, other):
        if isinstance(other, Condition):
            raise TraceError(f"cannot compare the condition ({other}) with '{op}'. Hint: combine conditions with "
                             "& and | (each in parentheses)")
        return compare(op, self, as_expr(other, f"operand of '{op}'"))

    def __lt__(self, o):
        return self._compare("<", o)

    def __le__(self, o):
        return self._compare("<=", o)

    def __gt__(self, o):
        return self._compare(">", o)

    def __ge__(self, o):
        return self._compare(">=", o)

    def __eq__(self, o):
        return self._compare("==", o)

    def __ne__(self, o):
        return self._compare("!=", o)

    __hash__ = object.__hash__

    # -- things that cannot be traced -----------------------------------------------------------
    def _untraceable(self, what: str):
        raise TraceError(
            f"cannot use {what} on the symbolic value {self}: shapes are only known when TensorRT "
            "runs the plugin. Hint: use tp.cdiv, tp.min, tp.max and + - * // ; pass values the "
            "kernel must branch on to the kernel as arguments.")

    def __truediv__(self, o):
        self._untraceable("'/' (true division)")

    __rtruediv__ = __truediv__

    def __bool__(self):
        if isinstance(self, Const):
            return self.value != 0
        self._untraceable("a condition (if/while/and/or)")

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


@dataclass(frozen=True, eq=False)
class Condition:
    """A comparison of traced values (or a combination of them with & and |). It has no truth value
    while tracing: it can only be handed to tp.require in a plugin's constraints()."""

    op: str
    a: "Expr | Condition"
    b: "Expr | Condition"

    def __bool__(self):
        # Constant comparisons fold to Python bools, so this is a condition on a symbolic value:
        # an `if` on it would trace one branch silently.
        raise TraceError(
            f"cannot use '{self.op}' ({self}) as a condition (if/while/and/or/not): shapes are only known when "
            "TensorRT runs the plugin. Hint: state what the inputs must satisfy with tp.require(condition, "
            "message) in constraints(); combine conditions with & and | (each in parentheses); pass values "
            "the kernel must branch on to the kernel as arguments")

    def _logic(self, op: str, other, reflected: bool = False):
        if isinstance(other, bool):
            keep = (op == "&") == other  # x & True, x | False: x
            return self if keep else other
        if not isinstance(other, Condition):
            raise TraceError(f"'{op}' combines conditions, got ({self}) {op} {type(other).__name__} {other!r}. "
                             "Hint: put each comparison in parentheses: (a == 1) | (a == b)")
        return Condition(op, other, self) if reflected else Condition(op, self, other)

    def __and__(self, other):
        return self._logic("&", other)

    def __rand__(self, other):
        return self._logic("&", other, True)

    def __or__(self, other):
        return self._logic("|", other)

    def __ror__(self, other):
        return self._logic("|", other, True)

    def evaluate(self, dims, attrs) -> bool:
        a, b = self.a.evaluate(dims, attrs), self.b.evaluate(dims, attrs)
        if self.op == "&":
            return bool(a and b)
        if self.op == "|":
            return bool(a or b)
        return _COMPARE[self.op](a, b)

    def encode(self, out: list[int]) -> None:
        self.a.encode(out)
        self.b.encode(out)
        out.append(LOGIC_OPS[self.op] if self.op in LOGIC_OPS else COMPARE_OPS[self.op])

    def program(self) -> tuple[int, ...]:
        words: list[int] = []
        self.encode(words)
        return tuple(words)

    def __str__(self):
        if self.op in LOGIC_OPS:
            return f"({self.a}) {self.op} ({self.b})"
        return f"{self.a} {self.op} {self.b}"


def compare(op: str, a: Expr, b: Expr) -> "Condition | bool":
    """`a op b`: a Python bool when both sides are constants, else a Condition."""
    if isinstance(a, Const) and isinstance(b, Const):
        return _COMPARE[op](a.value, b.value)
    return Condition(op, a, b)


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
    if isinstance(value, Condition):
        raise TraceError(f"{where}: the condition ({value}) is not a number. Hint: conditions only go to "
                         "tp.require(condition, message) in constraints()")
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
        if b.value == 0 and op in ("//", "cdiv", "%"):
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
