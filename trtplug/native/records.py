"""Record files: the one line format of every native test program's input and output (the lifecycle
harness, the TensorRT 7 harness, the nvinfer emulation). Its C++ twin is registry/testing/records.h;
docs/tensorrt.md ("Record files") describes it::

    KIND key=value key=value ...

One record a line; values percent-encoded (bytes outside printable ASCII, space, '%' and '=');
lists of numbers comma-separated in one value; binary data hex. Blank and '#' lines are skipped.

Example::

    line = format_record("step", case="a", step="create", status="fail", message="no such plugin")
    # 'step case=a step=create status=fail message=no%20such%20plugin'
    parse_record(line).text("message")   # 'no such plugin'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

_PLAIN = frozenset(range(0x21, 0x7F)) - {ord("%"), ord("=")}


class RecordError(ValueError):
    """A line that is not a record, or a record without a field its reader needs."""


def encode(text: str) -> str:
    return "".join(chr(b) if b in _PLAIN else f"%{b:02X}" for b in text.encode("utf-8"))


def decode(word: str) -> str:
    out = bytearray()
    i = 0
    raw = word.encode("utf-8", "surrogateescape")
    while i < len(raw):
        if raw[i] == ord("%"):
            try:
                if i + 3 > len(raw):
                    raise ValueError
                out.append(int(raw[i + 1:i + 3].decode("ascii"), 16))
            except ValueError:
                raise RecordError(f"bad percent-escape in {word!r}") from None
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "replace")


def _value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return ",".join(_value(v) for v in value)
    return str(value)


class Record:
    """One record: its kind and its fields (decoded text, in file order)."""

    __slots__ = ("kind", "fields")

    def __init__(self, kind: str, fields: dict[str, str] | None = None):
        self.kind = kind
        self.fields = dict(fields or {})

    def __repr__(self) -> str:
        return f"Record({self.kind!r}, {self.fields!r})"

    def __contains__(self, key: str) -> bool:
        return key in self.fields

    def text(self, key: str, default: str | None = None) -> str:
        if key in self.fields:
            return self.fields[key]
        if default is None:
            raise RecordError(f"'{self.kind}' record without '{key}'")
        return default

    def int(self, key: str, default: int | None = None) -> int:
        if key not in self.fields and default is not None:
            return default
        try:
            return int(self.text(key))
        except ValueError:
            raise RecordError(f"'{self.kind}' record: {key}={self.fields[key]!r} is not an integer") from None

    def ints(self, key: str) -> list[int]:
        try:
            return [int(v) for v in self.text(key).split(",") if v != ""]
        except ValueError:
            raise RecordError(f"'{self.kind}' record: {key}={self.fields[key]!r} is not a list of integers") from None

    def floats(self, key: str) -> list[float]:
        try:
            return [float(v) for v in self.text(key).split(",") if v != ""]
        except ValueError:
            raise RecordError(f"'{self.kind}' record: {key}={self.fields[key]!r} is not a list of numbers") from None

    def hex(self, key: str) -> bytes:
        try:
            return bytes.fromhex(self.text(key))
        except ValueError:
            raise RecordError(f"'{self.kind}' record: {key} is not hex") from None

    def line(self) -> str:
        return " ".join([self.kind] + [f"{k}={encode(v)}" for k, v in self.fields.items()])


def record(kind: str, /, **fields) -> Record:
    """A Record from Python values (None leaves the field out; lists are comma-joined, bytes hex)."""
    return Record(kind, {k: _value(v) for k, v in fields.items() if v is not None})


def format_record(kind: str, /, **fields) -> str:
    return record(kind, **fields).line()


def parse_record(line: str) -> Record | None:
    """The record on `line`; None for a blank or comment line. Raises RecordError."""
    line = line.rstrip("\r\n")
    words = [w for w in line.split(" ") if w]
    if not words or line.startswith("#"):
        return None
    fields = {}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if not eq or not key:
            raise RecordError(f"{word!r} is not key=value")
        fields[key] = decode(value)
    return Record(words[0], fields)


def iter_records(text: str) -> Iterator[tuple[int, Record | None, str]]:
    """(line number, record or None when unreadable, the line) for each non-blank line of `text`."""
    for number, line in enumerate(text.splitlines(), 1):
        try:
            rec = parse_record(line)
        except RecordError:
            yield number, None, line
            continue
        if rec is not None:
            yield number, rec, line


def read_records(path: str | Path) -> list[Record]:
    """Every record of a file; raises RecordError naming the file and line of a bad one."""
    result = []
    for number, rec, line in iter_records(Path(path).read_text(encoding="utf-8", errors="replace")):
        if rec is None:
            raise RecordError(f"{path}:{number}: not a record: {line!r}")
        result.append(rec)
    return result


def write_records(path: str | Path, records: Iterable[Record]) -> Path:
    path = Path(path)
    path.write_text("".join(r.line() + "\n" for r in records), encoding="utf-8")
    return path


__all__ = ["Record", "RecordError", "decode", "encode", "format_record", "iter_records", "parse_record",
           "read_records", "record", "write_records"]


@dataclass
class RunRecords:
    """The lifecycle records every native test program writes while it runs: steps, their logs, each case's
    verdict."""

    steps: list[tuple[str, str, str, str]] = field(default_factory=list)  # (case, step, status, message), in order
    logs: list[tuple[str, str, str]] = field(default_factory=list)         # (case, step or "", text)
    verdicts: dict[str, str] = field(default_factory=dict)                 # case -> status
    running: tuple[str, str] | None = None  # (case, step) begun last and not finished: where a crash happened
    ended: bool = False                     # the harness wrote its closing record
    problem: str = ""                       # the harness's own error record, or the first unreadable line


def read_run_records(text: str, on_other: Callable[[Record], None]) -> RunRecords:
    """Reads the result records of a harness or the nvinfer emulation; every record of another kind (the
    program's own: its version, device, library, what a parser returned) goes to `on_other`, which
    may raise RecordError for a record it cannot read."""
    run = RunRecords()
    for number, rec, line in iter_records(text):
        try:
            if rec is None:
                raise RecordError(line)
            kind = rec.kind
            if kind == "begin":
                run.running = (rec.text("case"), rec.text("step"))
            elif kind == "step":
                run.steps.append((rec.text("case"), rec.text("step"), rec.text("status"), rec.text("message", "")))
                run.running = None
            elif kind == "log":
                run.logs.append((rec.text("case"), rec.text("step", ""), rec.text("text", "")))
            elif kind == "case":
                run.verdicts[rec.text("id")] = rec.text("status")
            elif kind == "error":
                run.problem = rec.text("message", "")
            elif kind == "end":
                run.ended = True
            else:
                on_other(rec)
        except RecordError as exc:
            why = "" if rec is None else f" ({exc})"
            run.problem = run.problem or f"unreadable result line {number}: {line!r}{why}"
    return run
