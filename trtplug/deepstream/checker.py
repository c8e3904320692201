"""`trtplug deepstream check`: validates an nvinfer config as Gst-nvinfer of a given DeepStream
version would read it, and opens its custom library.

    problems = check_config("config_infer.txt", "9.1")
    for p in problems: print(p.format("config_infer.txt"))
    usable = not any(p.severity == "error" for p in problems)
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import TrtPlugError
from . import config_keys as K
from .config_file import ConfigDoc, Entry, parse_bool, parse_double, parse_int, parse_list, read_config
from .nvinfer_params import PROPERTY, network_type
from .versions import DsVersion, parse_version

ERROR, WARNING, INFO = "error", "warning", "info"
# Notes that `trtplug deepstream config` prints too: they concern choices made in the declarations.
CONFIG_NOTES = frozenset({"softmax-head"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLASS_GROUP = re.compile(r"^class-attrs-(.*)$")


@dataclass(frozen=True)
class Problem:
    line: Optional[int]  # 1-based line in the config, None for the file as a whole
    severity: str  # "error" (nvinfer would fail or misbehave), "warning", "info"
    code: str  # stable identifier of the kind of problem, e.g. "unknown-key"
    message: str
    key: Optional[str] = None

    def format(self, path="") -> str:
        where = f"{path}:{self.line}" if self.line else str(path)
        return f"{where}: {self.severity}: {self.message}" if where else f"{self.severity}: {self.message}"


def is_usable(problems) -> bool:
    return not any(p.severity == ERROR for p in problems)


class _Checker:
    def __init__(self, doc: ConfigDoc, version: DsVersion, probe: bool):
        self.doc = doc
        self.v = version
        self.probe = probe
        self.problems: list[Problem] = []
        self.values: dict = {}  # (group, key) -> parsed value of the entry nvinfer uses
        self.lib_may_build = False  # no model file: only the library's NvDsInferCreateModelParser can build

    def add(self, severity, code, message, entry: Optional[Entry] = None, line=None):
        self.problems.append(Problem(entry.line if entry else line, severity, code, message,
                                     entry.key if entry else None))

    # -- values ------------------------------------------------------------------------------

    def prop(self, key, default=None):
        return self.values.get((PROPERTY, key), default)

    def entry(self, key) -> Optional[Entry]:
        return self.doc.get(PROPERTY, key)

    def check_value(self, group: str, e: Entry, spec: K.KeySpec):
        text = e.value
        comment = " (GKeyFile has no end-of-line comments: put '#' comments on their own line)" \
            if re.search(r"\s#", text) else ""
        t = spec.type
        if t == K.ANY:
            self.values[(group, e.key)] = text
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
                self.add(WARNING, "inline-comment", f"{e.key}: the value {text!r} includes the '#' text{comment}", e)
        if err:
            self.add(ERROR, code, f"{e.key}: {err}; expected {self._expected(spec)}{comment}", e)
            return
        if spec.enum is not None:
            if v not in spec.enum:
                allowed = ", ".join(f"{k} ({m})" for k, (m, since) in spec.enum.items() if self.v >= parse_version(since))
                self.add(ERROR, "bad-enum", f"{e.key}={v} is not allowed; DeepStream {self.v} accepts {allowed}", e)
                return
            meaning, since = spec.enum[v]
            if self.v < parse_version(since):
                self.add(ERROR, "enum-too-new",
                         f"{e.key}={v} ({meaning}) needs DeepStream {since} or later (checking for {self.v})", e)
                return
        if isinstance(v, list):
            if spec.length is not None and len(v) != spec.length:
                self.add(ERROR, "list-length", f"{e.key} needs exactly {spec.length} values"
                         f"{' (' + spec.note + ')' if spec.note else ''}, got {len(v)}", e)
                return
            if spec.max_length is not None and len(v) > spec.max_length:
                self.add(ERROR, "list-length", f"{e.key} takes at most {spec.max_length} values, got {len(v)}", e)
                return
            if spec.element_lo is not None and any(x < spec.element_lo for x in v):
                self.add(ERROR, "out-of-range", f"{e.key}: every value must be >= {spec.element_lo:g}, got {text}", e)
                return
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if (spec.lo is not None and v < spec.lo) or (spec.hi is not None and v > spec.hi):
                rng = (f"from {spec.lo:g} to {spec.hi:g}" if spec.lo is not None and spec.hi is not None
                       else f">= {spec.lo:g}" if spec.lo is not None else f"<= {spec.hi:g}")
                self.add(ERROR, "out-of-range", f"{e.key}={text.strip()} is out of range: must be {rng}", e)
                return
        if t == K.FUNC and not _IDENT.match(v):
            self.add(ERROR, "bad-func-name", f"{e.key}={v!r} is not a C function name; nvinfer's dlsym cannot find it", e)
            return
        self.values[(group, e.key)] = v

    @staticmethod
    def _expected(spec: K.KeySpec) -> str:
        return {K.INT: "an integer", K.UINT: "an integer >= 0", K.BOOL: "true, false, 1 or 0",
                K.DOUBLE: "a number", K.INT_LIST: "integers separated by ';'",
                K.DOUBLE_LIST: "numbers separated by ';'", K.STRING_LIST: "names separated by ';'",
                K.PATH: "a path", K.FUNC: "a function name", K.STRING: "a string"}.get(spec.type, spec.type)

    # -- groups ------------------------------------------------------------------------------

    def check_keys(self, group: str, table: dict):
        g = self.doc.group(group)
        seen = {}
        for e in g.entries:
            if e.key in seen:
                self.add(WARNING, "duplicate-key",
                         f"{e.key} is set twice in [{group}] (line {seen[e.key].line} and here); nvinfer uses this one",
                         e)
            seen[e.key] = e
        for e in g.entries:
            if seen[e.key] is not e:
                continue
            spec = table.get(e.key)
            if spec is None:
                self.unknown_key(group, e, table)
                continue
            if self.v < parse_version(spec.since):
                self.add(ERROR, "key-too-new", f"{e.key} is not read by DeepStream {self.v} (added in {spec.since})", e)
                continue
            if spec.deprecated:
                self.add(WARNING, "deprecated-key", f"{e.key}: {spec.deprecated}", e)
            if self.ignored(spec):
                self.add(WARNING, "removed-key", f"{e.key} is ignored by DeepStream {self.v}: {spec.ignored_why}", e)
            self.check_value(group, e, spec)

    def unknown_key(self, group: str, e: Entry, table: dict):
        if group == PROPERTY and e.key in K.LEGACY_KEYS:
            self.add(ERROR, "legacy-key", f"{e.key} is a legacy key nvinfer ignores: {K.LEGACY_KEYS[e.key]}", e)
            return
        close = difflib.get_close_matches(e.key, list(table), n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]}?" if close else ""
        other = K.CLASS_ATTRS_KEYS if group == PROPERTY else K.PROPERTY_KEYS
        if e.key in other:
            hint = f"; {e.key} belongs in {'[class-attrs-all]' if group == PROPERTY else '[property]'}"
        self.add(ERROR, "unknown-key",
                 f"unknown key {e.key} in [{group}]: nvinfer ignores it (\"Unknown or legacy key\"){hint}", e)

    def run(self) -> list:
        d = self.doc
        for line, msg in d.syntax_errors:
            self.add(ERROR, "syntax", f"{msg}: GKeyFile refuses the whole file", line=line)
        for name, line in d.duplicate_groups:
            self.add(WARNING, "duplicate-group", f"[{name}] appears again; GKeyFile merges it into the first", line=line)
        if d.group(PROPERTY) is None:
            self.add(ERROR, "no-property-group", "no [property] group: nvinfer requires it", line=None)
            return self.problems
        self.check_keys(PROPERTY, K.PROPERTY_KEYS)
        nt = network_type(d)
        num_classes = self.prop("num-detected-classes", 0)
        for g in d.groups:
            if g.name == PROPERTY:
                continue
            m = _CLASS_GROUP.match(g.name)
            if not m:
                self.add(WARNING, "unknown-group", f"nvinfer does not read group [{g.name}]", line=g.line)
                continue
            if nt not in (0, 3):
                self.add(WARNING, "class-attrs-ignored",
                         f"[{g.name}] is read only for detectors (network-type 0 or 3), not network-type={nt}",
                         line=g.line)
            if m.group(1) != "all":
                cid, err = parse_int(m.group(1))
                if err or cid < 0:
                    self.add(ERROR, "class-attrs-id", f"[{g.name}]: expected class-attrs-all or class-attrs-<class id>",
                             line=g.line)
                elif nt in (0, 3) and cid >= num_classes:
                    self.add(ERROR, "class-attrs-id",
                             f"[{g.name}]: class {cid} does not exist with num-detected-classes={num_classes}",
                             line=g.line)
            self.check_keys(g.name, K.CLASS_ATTRS_KEYS)
        self.check_paths()
        self.check_combinations(nt, num_classes)
        if self.probe:
            self.check_library(nt, num_classes)
        return self.problems

    # -- cross-key checks --------------------------------------------------------------------

    def path_entry_ok(self, key) -> Optional[bool]:
        e, v = self.entry(key), self.prop(key)
        if e is None or v is None:
            return None
        return self.doc.resolve(v).exists()

    def ignored(self, spec: K.KeySpec) -> bool:
        """nvinfer of this version reads the key but does nothing with it (warned as removed-key)."""
        return spec.ignored_from is not None and self.v >= parse_version(spec.ignored_from)

    def check_paths(self):
        has_model = self._model_sources()
        for key, spec in K.PROPERTY_KEYS.items():
            if spec.type != K.PATH or self.prop(key) is None or self.ignored(spec):
                continue
            e = self.entry(key)
            resolved = self.doc.resolve(self.prop(key))
            if resolved.exists():
                continue
            rel = "" if Path(self.prop(key)).is_absolute() else f" (relative to the config file: {resolved})"
            if key == "model-engine-file" and has_model:
                self.add(INFO, "engine-will-build",
                         f"model-engine-file {self.prop(key)} does not exist yet{rel}; nvinfer builds it from the model",
                         e)
            elif key == "int8-calib-file" and self.prop("network-mode") != 1:
                self.add(WARNING, "path-missing", f"int8-calib-file {self.prop(key)} does not exist{rel}", e)
            else:
                self.add(ERROR, "path-missing", f"{key}: {self.prop(key)} does not exist{rel}", e)

    def _model_sources(self) -> list:
        keys = ["onnx-file", "tlt-encoded-model", "engine-create-func-name"]
        if self.v < parse_version("7.1"):
            keys += ["model-file", "uff-file"]
        return [k for k in keys if self.prop(k) is not None and (k == "engine-create-func-name" or self.path_entry_ok(k))]

    def check_combinations(self, nt: int, num_classes: int):
        e = self.entry
        engine_ok = self.path_entry_ok("model-engine-file")
        if not self._model_sources() and not engine_ok and not self.prop("custom-lib-path"):
            self.add(ERROR, "no-model", "no usable model: set onnx-file (or tlt-encoded-model, engine-create-func-name) "
                     "or an existing model-engine-file", line=None)
        elif not self._model_sources() and not engine_ok:
            self.lib_may_build = True
        if e("is-classifier") and e("network-type"):
            self.add(WARNING, "conflict", "is-classifier is ignored because network-type is set", e("is-classifier"))
        if e("enable-dbscan") and e("cluster-mode"):
            self.add(WARNING, "conflict", "enable-dbscan is ignored because cluster-mode is set", e("enable-dbscan"))
        parser_key = K.PARSER_KEYS.get(K.NETWORK_TYPE_KIND.get(nt, ""), None)
        if nt == 3:
            if not self.prop("parse-bbox-instance-mask-func-name"):
                self.add(ERROR, "missing-parser", "network-type=3 (instance segmentation) needs "
                         "parse-bbox-instance-mask-func-name: nvinfer fails with \"Custom parse function not found "
                         "for InstanceSegment-postprocessor\"", e("network-type"))
            if not self.prop("output-instance-mask"):
                self.add(WARNING, "no-instance-mask-output",
                         "network-type=3 without output-instance-mask=1: masks are parsed but not attached to objects",
                         e("network-type"))
        if nt == 2 and self.v >= parse_version("8.0") and self.prop("parse-segmentation-func-name") is None \
                and self.prop("custom-lib-path"):
            self.add(INFO, "builtin-parser", "segmentation uses nvinfer's built-in parser (no parse-segmentation-func-name)",
                     e("network-type"))
        for kind, key in K.PARSER_KEYS.items():
            if self.prop(key) is None:
                continue
            if not self.prop("custom-lib-path"):
                self.add(ERROR, "parser-without-lib", f"{key} is set but custom-lib-path is not: nvinfer has no "
                         f"library to find {self.prop(key)} in", e(key))
            if key != parser_key:
                self.add(WARNING, "unused-parser", f"{key} is not used with network-type={nt} "
                         f"({'no parser' if parser_key is None else parser_key + ' is'})", e(key))
        if self.prop("engine-create-func-name") and not self.prop("custom-lib-path"):
            self.add(ERROR, "parser-without-lib", "engine-create-func-name is set but custom-lib-path is not",
                     e("engine-create-func-name"))
        if nt in (0, 3) and not num_classes:
            self.add(ERROR, "num-classes", "num-detected-classes is missing or 0 for a detector: nvinfer passes "
                     "numClassesConfigured=0 and keeps no class thresholds", e("num-detected-classes") or e("network-type"))
        mode = self.prop("network-mode")
        if mode == 1 and self.prop("int8-calib-file") is None and not self.prop("engine-create-func-name") \
                and not self.path_entry_ok("model-engine-file"):
            self.add(WARNING, "int8-no-calib", "network-mode=1 (INT8) without int8-calib-file: nvinfer falls back to "
                     "FP16 when it builds the engine", e("network-mode"))
        if self.prop("int8-calib-file") is not None and mode not in (None, 1) and mode != 3:
            self.add(WARNING, "calib-unused", f"int8-calib-file is ignored with network-mode={mode}", e("int8-calib-file"))
        if self.prop("symmetric-padding") and not self.prop("maintain-aspect-ratio"):
            self.add(WARNING, "padding-without-aspect", "symmetric-padding has effect only with maintain-aspect-ratio=1",
                     e("symmetric-padding"))
        offsets, dims = self.prop("offsets"), self.prop("infer-dims")
        channels = dims[0] if dims else (1 if self.prop("model-color-format") == 2 else 3)
        if offsets and len(offsets) != channels:
            self.add(WARNING, "offsets-channels", f"offsets has {len(offsets)} values for a {channels}-channel input",
                     e("offsets"))
        if dims and self.prop("model-color-format") is not None:
            want = 1 if self.prop("model-color-format") == 2 else 3
            if dims[0] != want:
                self.add(WARNING, "color-channels", f"infer-dims has {dims[0]} channels but model-color-format="
                         f"{self.prop('model-color-format')} gives {want}", e("infer-dims"))
        for dim in ("width", "height"):
            lo, hi = self.prop(f"input-object-min-{dim}", 0), self.prop(f"input-object-max-{dim}", 0)
            if lo and hi and lo > hi:
                self.add(ERROR, "min-max", f"input-object-min-{dim}={lo} is larger than input-object-max-{dim}={hi}",
                         e(f"input-object-min-{dim}"))
        for g in self.doc.groups:
            if g.name.startswith("class-attrs-"):
                for dim in ("w", "h"):
                    lo = self.values.get((g.name, f"detected-min-{dim}"), 0)
                    hi = self.values.get((g.name, f"detected-max-{dim}"), 0)
                    if lo and hi and lo > hi:
                        self.add(ERROR, "min-max", f"[{g.name}] detected-min-{dim}={lo} is larger than "
                                 f"detected-max-{dim}={hi}", self.doc.get(g.name, f"detected-min-{dim}"))
                if self.doc.get(g.name, "threshold") and self.doc.get(g.name, "pre-cluster-threshold"):
                    self.add(WARNING, "conflict", f"[{g.name}] sets both threshold and pre-cluster-threshold; "
                             "threshold is ignored", self.doc.get(g.name, "threshold"))
        labels = self.prop("labelfile-path")
        if labels and nt in (0, 3) and num_classes and self.doc.resolve(labels).is_file():
            lines = [l for l in self.doc.resolve(labels).read_text(encoding="utf-8", errors="replace").splitlines() if l.strip()]
            if len(lines) != num_classes:
                self.add(WARNING, "labels-count", f"labelfile-path has {len(lines)} labels but num-detected-classes="
                         f"{num_classes}", e("labelfile-path"))

    # -- the library -------------------------------------------------------------------------

    def check_library(self, nt: int, num_classes: int):
        lib = self.prop("custom-lib-path")
        if lib is None or not self.doc.resolve(lib).exists():
            return
        from .probe import probe_library  # builds the probe tool on first use

        e = self.entry("custom-lib-path")
        func_keys = [k for k in list(K.PARSER_KEYS.values()) + ["engine-create-func-name"] if self.prop(k)]
        extra = ["NvDsInferPluginFactoryRuntimeGet", "NvDsInferCreateModelParser", "NvDsInferInitializeInputLayers",
                 "NvDsInferCudaEngineGet"]
        try:
            res = probe_library(self.doc.resolve(lib), [self.prop(k) for k in func_keys] + extra, self.v)
        except TrtPlugError as exc:
            self.add(WARNING, "lib-not-probed", f"custom-lib-path was not opened: {exc}", e)
            return
        if not res.loaded:
            self.add(ERROR, "lib-load", f"nvinfer cannot open custom-lib-path {lib}: {res.error}", e)
            return
        active = K.PARSER_KEYS.get(K.NETWORK_TYPE_KIND.get(nt, ""), None)
        for key in func_keys:
            name = self.prop(key)
            if not res.symbols.get(name):
                used = key in (active, "engine-create-func-name")
                self.add(ERROR if used else WARNING, "func-missing",
                         f"{key}: {lib} exports no function {name} (nvinfer: \"dlsym failed to get func {name} "
                         f"pointer\"); is it declared extern \"C\" with default visibility?", self.entry(key))
        if res.symbols.get("NvDsInferCreateModelParser"):
            self.add(WARNING, "model-parser-override", "the library exports NvDsInferCreateModelParser: nvinfer builds "
                     "the network with it and ignores onnx-file", e)
        elif self.lib_may_build:
            self.add(ERROR, "no-model", "no usable model: set onnx-file or an existing model-engine-file (the library "
                     "has no NvDsInferCreateModelParser)", line=None)
        # trtplug libraries export the factory on purpose (Get succeeds with no factory on TensorRT 8+);
        # the warning is for libraries of other origins.
        if (res.symbols.get("NvDsInferPluginFactoryRuntimeGet") and self.v >= parse_version("6.0")
                and not res.library_info):
            self.add(WARNING, "plugin-factory-runtime", "the library exports NvDsInferPluginFactoryRuntimeGet: nvinfer "
                     f"{self.v} still calls it on every engine load but TensorRT ignores the factory; returning false "
                     "breaks engine loading", e)
        self.check_deepstream_info(res.deepstream_info, active, num_classes, e)
        self.list_plugins(res.library_info, e)

    def check_deepstream_info(self, text, active_key, num_classes, e):
        if not text:
            return
        try:
            info = json.loads(text)
            built = parse_version(info["deepstream_version"])
        except (ValueError, KeyError, TrtPlugError):
            self.add(WARNING, "bad-library-info", "trtplug_deepstream_info() returned unreadable data", e)
            return
        if built.object_detection_info_size != self.v.object_detection_info_size:
            self.add(ERROR, "ds-layout-mismatch", f"the library was built for DeepStream {built} "
                     f"(NvDsInferObjectDetectionInfo is {built.object_detection_info_size} bytes) but DeepStream "
                     f"{self.v} uses {self.v.object_detection_info_size} bytes: rebuild with --deepstream-version "
                     f"{self.v}", e)
        elif built != self.v:
            self.add(INFO, "ds-version", f"the library was built for DeepStream {built}; its parser layouts are the "
                     f"same in {self.v}", e)
        by_name = {p.get("function"): p for p in info.get("parsers", [])}
        kind_of_key = {v: k for k, v in K.PARSER_KEYS.items()}
        for key in K.PARSER_KEYS.values():
            name = self.prop(key)
            p = by_name.get(name)
            if not name or p is None:
                continue
            if p.get("kind") != kind_of_key[key]:
                self.add(ERROR, "func-kind", f"{key}={name}, but {name} is a {p.get('kind')} parser "
                         f"(name it with {K.PARSER_KEYS.get(p.get('kind'), '?')})", self.entry(key))
                continue
            declared = p.get("num_classes")
            if key == active_key and declared and num_classes and declared != num_classes:
                self.add(ERROR if declared > num_classes else WARNING, "num-classes-mismatch",
                         f"{name} is declared with {declared} classes but num-detected-classes={num_classes}",
                         self.entry("num-detected-classes"))
            blobs = self.prop("output-blob-names")
            layers = p.get("output_layers") or []
            missing = [l for l in layers if blobs and l not in blobs]
            if missing:
                self.add(WARNING, "output-blob-names", f"{name} reads layers {missing} that output-blob-names "
                         "does not list", self.entry("output-blob-names"))
            if key == active_key and key == K.PARSER_KEYS["classifier"]:
                self.note_softmax_heads(name, p.get("heads") or [])
            cm = self.prop("cluster-mode")
            if key == active_key and key == K.PARSER_KEYS["bbox"] and p.get("clustered") is False and cm == 4:
                self.add(WARNING, "no-clustering", f"{name} returns raw candidates but cluster-mode=4 turns clustering "
                         "off: overlapping boxes stay (use cluster-mode=2)", self.entry("cluster-mode"))

    def note_softmax_heads(self, name: str, heads: list):
        softmax = [f"{i} ({h.get('layer') or 'output ' + str(i)})" for i, h in enumerate(heads)
                   if isinstance(h, dict) and h.get("activation") == "softmax"]
        if softmax:
            self.add(INFO, "softmax-head", f"{name} applies softmax to the scores of head(s) {', '.join(softmax)}: "
                     "right for a model that outputs logits. Hint: if the model already ends in Softmax, declare "
                     "ClassifierHead(activation='none'); a second softmax flattens probabilities (0.9/0.1 becomes "
                     "0.69/0.31)", self.entry(K.PARSER_KEYS["classifier"]))

    def list_plugins(self, text, e):
        if not text:
            self.add(INFO, "not-trtplug", "custom-lib-path is not a trtplug plugin library (no trtplug_library_info); "
                     "plugin listing skipped", e)
            return
        try:
            info = json.loads(text)
        except ValueError:
            self.add(WARNING, "bad-library-info", "trtplug_library_info() returned text that is not JSON", e)
            return
        plugins = info.get("plugins", []) if isinstance(info, dict) else []
        names = []
        for p in plugins:
            if isinstance(p, dict):
                names.append(f"{p.get('name', '?')} (version {p.get('version', '?')})")
            else:
                names.append(str(p))
        ns = info.get("namespace") or info.get("plugin_namespace") if isinstance(info, dict) else None
        self.add(INFO, "plugins", f"the library registers {len(names)} TensorRT plugin(s) on load"
                 f"{' in namespace ' + repr(ns) if ns else ''}: {', '.join(names) if names else 'none'}", e)


def check_config(path, deepstream_version=None, *, open_library: bool = True) -> list:
    """Problems nvinfer of `deepstream_version` (default: the newest) would have with the config
    at `path`, in line order. open_library=False skips opening custom-lib-path."""
    version = parse_version(deepstream_version)
    p = Path(path)
    if p.suffix.lower() in (".yml", ".yaml"):
        return [Problem(None, ERROR, "yaml-unsupported", "YAML nvinfer configs are not checked yet; use the "
                        "key-file (.txt) form")]
    if not p.is_file():
        return [Problem(None, ERROR, "file-missing", f"no such config file: {p}")]
    try:
        doc = read_config(p)
    except OSError as exc:
        return [Problem(None, ERROR, "file-missing", f"cannot read {p}: {exc}")]
    problems = _Checker(doc, version, open_library).run()
    return sorted(problems, key=lambda q: (q.line or 0))
