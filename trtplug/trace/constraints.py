"""`tp.require`: records what a plugin's inputs must satisfy while `constraints` is traced.

    def constraints(self, x, w):
        tp.require(x.shape[1] % (self.r * self.r) == 0, "channels must be a multiple of r*r")
        tp.require((w.shape[0] == 1) | (w.shape[0] == x.shape[1]), "w holds one weight or one per channel")

Each condition is evaluated natively before output shapes and launches; a false one fails the
call (and TensorRT's build) with the message.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from ..errors import TraceError
from .expr import Condition

MAX_MESSAGE = 200


@dataclass(frozen=True)
class TracedConstraint:
    condition: Condition
    message: str

    def key(self) -> tuple:
        return self.condition.program(), self.message


_active: list[list[TracedConstraint]] = []
_owners: list[str] = []


@contextlib.contextmanager
def recording(owner: str):
    found: list[TracedConstraint] = []
    _active.append(found)
    _owners.append(owner)
    try:
        yield found
    finally:
        _active.pop()
        _owners.pop()


def require(condition, message: str) -> None:
    """Inside a plugin's constraints(): the inputs must satisfy `condition` (a comparison of shapes
    and int attributes, or several combined with & and |); `message` says why, for the error."""
    if not _active:
        raise TraceError("tp.require can only be called inside a plugin's constraints(self, <inputs>) method, "
                         "which trtplug traces")
    where = f"{_owners[-1]}.constraints: tp.require"
    _check_message(message, where)
    if isinstance(condition, bool):
        if not condition:
            raise TraceError(f"{where}(..., {message!r}): the condition is false for every input")
        return  # always true: nothing to check at run time
    if not isinstance(condition, Condition):
        raise TraceError(
            f"{where}(..., {message!r}): expected a comparison of shapes or attributes (==, !=, <, <=, >, >=, "
            f"combined with & and |), got {type(condition).__name__} {condition!r}. "
            "Hint: tp.require(x.shape[1] % 4 == 0, \"channels must be a multiple of 4\")")
    _active[-1].append(TracedConstraint(condition, message))


def _check_message(message, where: str) -> None:
    if not isinstance(message, str) or not message.strip():
        raise TraceError(f"{where}: the message must be a non-empty string saying what the inputs must satisfy, "
                         f"got {message!r}")
    if len(message) > MAX_MESSAGE or not message.isprintable():
        raise TraceError(f"{where}: the message must be one printable line of at most {MAX_MESSAGE} characters, "
                         f"got {message!r}")
