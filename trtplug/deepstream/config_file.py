"""Reads and writes nvinfer config files the way GLib's GKeyFile (G_KEY_FILE_NONE) does,
keeping line numbers for messages."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence


@dataclass
class Entry:
    key: str
    value: str  # raw text after '=', leading whitespace removed
    line: int


@dataclass
class Group:
    name: str
    line: int
    entries: list = field(default_factory=list)


@dataclass
class ConfigDoc:
    path: Path | None
    groups: list = field(default_factory=list)
    syntax_errors: list = field(default_factory=list)  # (line, message): GKeyFile refuses the file
    duplicate_groups: list = field(default_factory=list)  # (name, line): merged into the first

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def get(self, group: str, key: str) -> Entry | None:
        """The entry GKeyFile returns: the last one with this key in the group."""
        g = self.group(group)
        if g is None:
            return None
        found = [e for e in g.entries if e.key == key]
        return found[-1] if found else None

    def resolve(self, value: str) -> Path:
        """A path value as nvinfer resolves it: relative to the config file's directory."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p

    def path_exists(self, value: str, *, file: bool = False) -> bool:
        """Whether the path value (resolved) names an existing file or folder (a file with
        file=True). A name the system refuses (too long) exists no more than it does for
        nvinfer, which cannot open it either."""
        try:
            p = self.resolve(value)
            return p.is_file() if file else p.exists()
        except (OSError, ValueError):
            return False


# What GKeyFile strips around lines, keys and values (g_ascii_isspace): Python's str.strip() also
# strips \x1c..\x1f, \x85 and other Unicode spaces, which stay part of the text for nvinfer.
_ASCII_SPACE = " \t\n\v\f\r"


def config_lines(text: str) -> list:
    """The lines of a config as GKeyFile splits them: at "\n" only, a "\r" before it dropped.
    Other characters str.splitlines breaks at (\v, \f, \x1c..\x1e, \x85, \u2028, a lone \r)
    stay inside their line, as they do for nvinfer."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_config_text(text: str, path: Path | None = None) -> ConfigDoc:
    doc = ConfigDoc(path=path)
    current: Group | None = None
    for lineno, raw in enumerate(config_lines(text), start=1):
        line = raw.lstrip(_ASCII_SPACE)
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            stripped = line.rstrip(_ASCII_SPACE)
            if not stripped.endswith("]") or "]" in stripped[1:-1] or len(stripped) < 3:
                doc.syntax_errors.append((lineno, f"invalid group header {stripped!r}"))
                continue
            name = stripped[1:-1]
            existing = doc.group(name)
            if existing is None:
                current = Group(name, lineno)
                doc.groups.append(current)
            else:  # GKeyFile merges a repeated group into the first
                current = existing
                doc.duplicate_groups.append((name, lineno))
            continue
        if "=" not in line:
            doc.syntax_errors.append(
                (lineno, f"line {raw.strip(_ASCII_SPACE)!r} is not a key=value pair, a [group] or a # comment"))
            continue
        key, value = line.split("=", 1)
        key = key.rstrip(_ASCII_SPACE)
        if not key or any(c in key for c in "[]"):
            if not re.match(r"^[^\[\]]+\[[^\[\]]+\]$", key):  # key[locale] is allowed
                doc.syntax_errors.append((lineno, f"invalid key {key!r}"))
                continue
        if current is None:
            doc.syntax_errors.append((lineno, f"key {key!r} appears before any [group]"))
            continue
        current.entries.append(Entry(key, value.lstrip(_ASCII_SPACE), lineno))
    return doc


def read_config(path) -> ConfigDoc:
    p = Path(path)
    # Bytes decoded without newline translation: GKeyFile does not read a lone "\r" as a line end.
    return parse_config_text(p.read_bytes().decode("utf-8", errors="replace"), p.resolve())


# ----------------------------------------------------------------------------------------------
# Values, as g_key_file_get_integer / _boolean / _double / _string_list parse them.
# Each returns (value, None) or (None, message).

# strtol in the C locale, as GKeyFile reads integers: ASCII spaces and digits only (Python's \s
# and \d also match \x1c..\x1f and non-ASCII digits, which int() then refuses or reads).
_INT = re.compile(r"^[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*$")


def parse_int(text: str):
    if not _INT.match(text):
        return None, f"{text!r} is not an integer"
    v = int(text.strip(_ASCII_SPACE))
    if not -(2 ** 31) <= v < 2 ** 31:
        return None, f"{text!r} does not fit in a 32-bit integer"
    return v, None


def parse_bool(text: str):
    t = text.strip(_ASCII_SPACE)
    if t in ("true", "1"):
        return True, None
    if t in ("false", "0"):
        return False, None
    return None, f"{text!r} is not a boolean (nvinfer accepts true, false, 1 or 0)"


# g_ascii_strtod's decimal form: ASCII digits only (float() also reads "1_0" and non-ASCII digits).
_DOUBLE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def parse_double(text: str):
    t = text.strip(_ASCII_SPACE)
    if not _DOUBLE.match(t):
        return None, f"{text!r} is not a number"
    v = float(t)
    if not math.isfinite(v):
        return None, f"{text!r} is not a finite number"
    return v, None


def split_list(text: str) -> list:
    """GKeyFile list: ';'-separated, '\\;' escapes a separator, one trailing ';' allowed."""
    items, cur, i = [], "", 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] == ";":
            cur += ";"
            i += 2
            continue
        if c == ";":
            items.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip(_ASCII_SPACE) or not items:
        items.append(cur)
    return items


def parse_list(text: str, element) -> tuple:
    out = []
    for i, item in enumerate(split_list(text)):
        v, err = element(item)
        if err:
            return None, f"element {i + 1} of {text!r}: {err}"
        out.append(v)
    return out, None


# ----------------------------------------------------------------------------------------------
# Writing


def format_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ";".join(format_value(v) for v in value)
    return str(value)


def format_config(groups: Sequence, header: Sequence[str] = ()) -> str:
    """groups: [(name, [(key, value), ...]), ...] -> GKeyFile text."""
    lines = [f"# {h}" if h else "#" for h in header]
    for name, entries in groups:
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        for key, value in entries:
            text = format_value(value)
            if "\n" in text:
                raise ValueError(f"config value for {key!r} contains a newline")
            lines.append(f"{key}={text}")
    return "\n".join(lines) + "\n"
