"""One key of an nvinfer config against what Gst-nvinfer accepts for it: known in its group and in
this DeepStream version, of its type (integer, boolean, number, list, path, function name), in
its range or enumeration. Cross-key rules are in config_semantics.py."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from . import config_keys as K
from .config_file import ConfigDoc, Entry, parse_bool, parse_double, parse_int, parse_list
from .nvinfer_params import PROPERTY
from .versions import DsVersion, parse_version

ERROR, WARNING, INFO = "error", "warning", "info"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1-based line in the config, None for the file as a whole
    severity: str  # "error" (nvinfer would fail or misbehave), "warning", "info"
    code: str  # stable identifier of the kind of problem, e.g. "unknown-key"
    message: str
    key: str | None = None

    def format(self, path="") -> str:
        where = f"{path}:{self.line}" if self.line else str(path)
        return f"{where}: {self.severity}: {self.message}" if where else f"{self.severity}: {self.message}"


@dataclass
class ConfigFindings:
    """A config being checked: the problems found so far and the parsed value of each entry nvinfer uses."""

    doc: ConfigDoc
    version: DsVersion
    problems: list[Problem] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # (group, key) -> parsed value

    def add(self, severity, code, message, entry: Entry | None = None, line=None):
        self.problems.append(Problem(entry.line if entry else line, severity, code, message,
                                     entry.key if entry else None))

    def prop(self, key, default=None):
        return self.values.get((PROPERTY, key), default)

    def entry(self, key) -> Entry | None:
        return self.doc.get(PROPERTY, key)

    def ignored(self, spec: K.KeySpec) -> bool:
        """nvinfer of this version reads the key but does nothing with it (warned as removed-key)."""
        return spec.ignored_from is not None and self.version >= parse_version(spec.ignored_from)


def check_file(c: ConfigFindings) -> bool:
    """What GKeyFile itself objects to; False when there is no [property] group to check further."""
    d = c.doc
    for line, msg in d.syntax_errors:
        c.add(ERROR, "syntax", f"{msg}: GKeyFile refuses the whole file", line=line)
    for name, line in d.duplicate_groups:
        c.add(WARNING, "duplicate-group", f"[{name}] appears again; GKeyFile merges it into the first", line=line)
    if d.group(PROPERTY) is None:
        c.add(ERROR, "no-property-group", "no [property] group: nvinfer requires it", line=None)
        return False
    return True


def check_keys(c: ConfigFindings, group: str, table: dict):
    g = c.doc.group(group)
    seen = {}
    for e in g.entries:
        if e.key in seen:
            c.add(WARNING, "duplicate-key",
                  f"{e.key} is set twice in [{group}] (line {seen[e.key].line} and here); nvinfer uses this one",
                  e)
        seen[e.key] = e
    for e in g.entries:
        if seen[e.key] is not e:
            continue
        spec = table.get(e.key)
        if spec is None:
            unknown_key(c, group, e, table)
            continue
        if c.version < parse_version(spec.since):
            c.add(ERROR, "key-too-new", f"{e.key} is not read by DeepStream {c.version} (added in {spec.since})", e)
            continue
        if spec.deprecated:
            c.add(WARNING, "deprecated-key", f"{e.key}: {spec.deprecated}", e)
        if c.ignored(spec):
            c.add(WARNING, "removed-key", f"{e.key} is ignored by DeepStream {c.version}: {spec.ignored_why}", e)
        check_value(c, group, e, spec)


def unknown_key(c: ConfigFindings, group: str, e: Entry, table: dict):
    if group == PROPERTY and e.key in K.LEGACY_KEYS:
        c.add(ERROR, "legacy-key", f"{e.key} is a legacy key nvinfer ignores: {K.LEGACY_KEYS[e.key]}", e)
        return
    close = difflib.get_close_matches(e.key, list(table), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]}?" if close else ""
    other = K.CLASS_ATTRS_KEYS if group == PROPERTY else K.PROPERTY_KEYS
    if e.key in other:
        hint = f"; {e.key} belongs in {'[class-attrs-all]' if group == PROPERTY else '[property]'}"
    c.add(ERROR, "unknown-key",
          f"unknown key {e.key} in [{group}]: nvinfer ignores it (\"Unknown or legacy key\"){hint}", e)


def check_value(c: ConfigFindings, group: str, e: Entry, spec: K.KeySpec):
    text = e.value
    comment = " (GKeyFile has no end-of-line comments: put '#' comments on their own line)" \
        if re.search(r"\s#", text) else ""
    t = spec.type
    if t == K.ANY:
        c.values[(group, e.key)] = text
        return
    if t in (K.INT, K.UINT):
        v, err = parse_int(text)
        code = "bad-int"
    elif t == K.BOOL:
        v, err = parse_bool(text)
        code = "bad-bool"
    elif t == K.DOUBLE:
        v, err = parse_double(text)
        code = "bad-double"
    elif t == K.INT_LIST:
        v, err = parse_list(text, parse_int)
        code = "bad-list"
    elif t == K.DOUBLE_LIST:
        v, err = parse_list(text, parse_double)
        code = "bad-list"
    elif t == K.STRING_LIST:
        v, err = parse_list(text, lambda s: (s.strip(), None) if s.strip() else (None, "empty entry"))
        code = "bad-list"
    else:  # string, path, function
        v, err = text.strip(), None
        code = "bad-string"
        if not v:
            err = "the value is empty"
        elif comment:
            c.add(WARNING, "inline-comment", f"{e.key}: the value {text!r} includes the '#' text{comment}", e)
    if err:
        c.add(ERROR, code, f"{e.key}: {err}; expected {_expected(spec)}{comment}", e)
        return
    if spec.enum is not None:
        if v not in spec.enum:
            allowed = ", ".join(f"{k} ({m})" for k, (m, since) in spec.enum.items() if c.version >= parse_version(since))
            c.add(ERROR, "bad-enum", f"{e.key}={v} is not allowed; DeepStream {c.version} accepts {allowed}", e)
            return
        meaning, since = spec.enum[v]
        if c.version < parse_version(since):
            c.add(ERROR, "enum-too-new",
                  f"{e.key}={v} ({meaning}) needs DeepStream {since} or later (checking for {c.version})", e)
            return
    if isinstance(v, list):
        if spec.length is not None and len(v) != spec.length:
            c.add(ERROR, "list-length", f"{e.key} needs exactly {spec.length} values"
                  f"{' (' + spec.note + ')' if spec.note else ''}, got {len(v)}", e)
            return
        if spec.max_length is not None and len(v) > spec.max_length:
            c.add(ERROR, "list-length", f"{e.key} takes at most {spec.max_length} values, got {len(v)}", e)
            return
        if spec.element_lo is not None and any(x < spec.element_lo for x in v):
            c.add(ERROR, "out-of-range", f"{e.key}: every value must be >= {spec.element_lo:g}, got {text}", e)
            return
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        if (spec.lo is not None and v < spec.lo) or (spec.hi is not None and v > spec.hi):
            rng = (f"from {spec.lo:g} to {spec.hi:g}" if spec.lo is not None and spec.hi is not None
                   else f">= {spec.lo:g}" if spec.lo is not None else f"<= {spec.hi:g}")
            c.add(ERROR, "out-of-range", f"{e.key}={text.strip()} is out of range: must be {rng}", e)
            return
    if t == K.FUNC and not _IDENT.match(v):
        c.add(ERROR, "bad-func-name", f"{e.key}={v!r} is not a C function name; nvinfer's dlsym cannot find it", e)
        return
    c.values[(group, e.key)] = v


def _expected(spec: K.KeySpec) -> str:
    return {K.INT: "an integer", K.UINT: "an integer >= 0", K.BOOL: "true, false, 1 or 0",
            K.DOUBLE: "a number", K.INT_LIST: "integers separated by ';'",
            K.DOUBLE_LIST: "numbers separated by ';'", K.STRING_LIST: "names separated by ';'",
            K.PATH: "a path", K.FUNC: "a function name", K.STRING: "a string"}.get(spec.type, spec.type)
