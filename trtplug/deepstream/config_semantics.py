"""Rules across the keys of an nvinfer config: the model sources, the parsers against the network
type, class groups against the class count, paths that must exist, and what the custom library
(opened as nvinfer would) exports and reports about itself. One key's own value is checked in
config_values.py."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import TrtPlugError
from . import config_keys as K
from .config_file import parse_int
from .config_values import ERROR, INFO, WARNING, ConfigFindings, check_keys
from .nvinfer_params import PROPERTY
from .versions import parse_version

# Notes that `trtplug deepstream config` prints too: they concern choices made in the declarations.
CONFIG_NOTES = frozenset({"softmax-head"})
_CLASS_GROUP = re.compile(r"^class-attrs-(.*)$")


def check_class_groups(c: ConfigFindings, nt: int, num_classes: int):
    """The [class-attrs-*] groups: their names against the network type and class count, then their keys."""
    d = c.doc
    for g in d.groups:
        if g.name == PROPERTY:
            continue
        m = _CLASS_GROUP.match(g.name)
        if not m:
            c.add(WARNING, "unknown-group", f"nvinfer does not read group [{g.name}]", line=g.line)
            continue
        if nt not in (0, 3):
            c.add(WARNING, "class-attrs-ignored",
                  f"[{g.name}] is read only for detectors (network-type 0 or 3), not network-type={nt}",
                  line=g.line)
        if m.group(1) != "all":
            cid, err = parse_int(m.group(1))
            if err or cid < 0:
                c.add(ERROR, "class-attrs-id", f"[{g.name}]: expected class-attrs-all or class-attrs-<class id>",
                      line=g.line)
            elif nt in (0, 3) and cid >= num_classes:
                c.add(ERROR, "class-attrs-id",
                      f"[{g.name}]: class {cid} does not exist with num-detected-classes={num_classes}",
                      line=g.line)
        check_keys(c, g.name, K.CLASS_ATTRS_KEYS)


def path_entry_ok(c: ConfigFindings, key) -> bool | None:
    e, v = c.entry(key), c.prop(key)
    if e is None or v is None:
        return None
    return c.doc.path_exists(v)

def check_paths(c: ConfigFindings):
    has_model = _model_sources(c)
    for key, spec in K.PROPERTY_KEYS.items():
        if spec.type != K.PATH or c.prop(key) is None or c.ignored(spec):
            continue
        e = c.entry(key)
        resolved = c.doc.resolve(c.prop(key))
        if c.doc.path_exists(c.prop(key)):
            continue
        rel = "" if Path(c.prop(key)).is_absolute() else f" (relative to the config file: {resolved})"
        if key == "model-engine-file" and has_model:
            c.add(INFO, "engine-will-build",
                  f"model-engine-file {c.prop(key)} does not exist yet{rel}; nvinfer builds it from the model",
                  e)
        elif key == "int8-calib-file" and c.prop("network-mode") != 1:
            c.add(WARNING, "path-missing", f"int8-calib-file {c.prop(key)} does not exist{rel}", e)
        else:
            c.add(ERROR, "path-missing", f"{key}: {c.prop(key)} does not exist{rel}", e)

def _model_sources(c: ConfigFindings) -> list:
    keys = ["onnx-file", "tlt-encoded-model", "engine-create-func-name"]
    if c.version < parse_version("7.1"):
        keys += ["model-file", "uff-file"]
    return [k for k in keys if c.prop(k) is not None and (k == "engine-create-func-name" or path_entry_ok(c, k))]

def check_combinations(c: ConfigFindings, nt: int, num_classes: int) -> bool:
    """Cross-key rules; True when only the library's NvDsInferCreateModelParser could build the network."""
    lib_may_build = False
    e = c.entry
    engine_ok = path_entry_ok(c, "model-engine-file")
    if not _model_sources(c) and not engine_ok and not c.prop("custom-lib-path"):
        c.add(ERROR, "no-model", "no usable model: set onnx-file (or tlt-encoded-model, engine-create-func-name) "
              "or an existing model-engine-file", line=None)
    elif not _model_sources(c) and not engine_ok:
        lib_may_build = True
    if e("is-classifier") and e("network-type"):
        c.add(WARNING, "conflict", "is-classifier is ignored because network-type is set", e("is-classifier"))
    if e("enable-dbscan") and e("cluster-mode"):
        c.add(WARNING, "conflict", "enable-dbscan is ignored because cluster-mode is set", e("enable-dbscan"))
    parser_key = K.PARSER_KEYS.get(K.NETWORK_TYPE_KIND.get(nt, ""), None)
    if nt == 3:
        if not c.prop("parse-bbox-instance-mask-func-name"):
            c.add(ERROR, "missing-parser", "network-type=3 (instance segmentation) needs "
                  "parse-bbox-instance-mask-func-name: nvinfer fails with \"Custom parse function not found "
                  "for InstanceSegment-postprocessor\"", e("network-type"))
        if not c.prop("output-instance-mask"):
            c.add(WARNING, "no-instance-mask-output",
                  "network-type=3 without output-instance-mask=1: masks are parsed but not attached to objects",
                  e("network-type"))
    if nt == 2 and c.version >= parse_version("8.0") and c.prop("parse-segmentation-func-name") is None \
            and c.prop("custom-lib-path"):
        c.add(INFO, "builtin-parser", "segmentation uses nvinfer's built-in parser (no parse-segmentation-func-name)",
              e("network-type"))
    for kind, key in K.PARSER_KEYS.items():
        if c.prop(key) is None:
            continue
        if not c.prop("custom-lib-path"):
            c.add(ERROR, "parser-without-lib", f"{key} is set but custom-lib-path is not: nvinfer has no "
                  f"library to find {c.prop(key)} in", e(key))
        if key != parser_key:
            c.add(WARNING, "unused-parser", f"{key} is not used with network-type={nt} "
                  f"({'no parser' if parser_key is None else parser_key + ' is'})", e(key))
    if c.prop("engine-create-func-name") and not c.prop("custom-lib-path"):
        c.add(ERROR, "parser-without-lib", "engine-create-func-name is set but custom-lib-path is not",
              e("engine-create-func-name"))
    if nt in (0, 3) and not num_classes:
        c.add(ERROR, "num-classes", "num-detected-classes is missing or 0 for a detector: nvinfer passes "
              "numClassesConfigured=0 and keeps no class thresholds", e("num-detected-classes") or e("network-type"))
    mode = c.prop("network-mode")
    if mode == 1 and c.prop("int8-calib-file") is None and not c.prop("engine-create-func-name") \
            and not path_entry_ok(c, "model-engine-file"):
        c.add(WARNING, "int8-no-calib", "network-mode=1 (INT8) without int8-calib-file: nvinfer falls back to "
              "FP16 when it builds the engine", e("network-mode"))
    if c.prop("int8-calib-file") is not None and mode not in (None, 1) and mode != 3:
        c.add(WARNING, "calib-unused", f"int8-calib-file is ignored with network-mode={mode}", e("int8-calib-file"))
    if c.prop("symmetric-padding") and not c.prop("maintain-aspect-ratio"):
        c.add(WARNING, "padding-without-aspect", "symmetric-padding has effect only with maintain-aspect-ratio=1",
              e("symmetric-padding"))
    offsets, dims = c.prop("offsets"), c.prop("infer-dims")
    channels = dims[0] if dims else (1 if c.prop("model-color-format") == 2 else 3)
    if offsets and len(offsets) != channels:
        c.add(WARNING, "offsets-channels", f"offsets has {len(offsets)} values for a {channels}-channel input",
              e("offsets"))
    if dims and c.prop("model-color-format") is not None:
        want = 1 if c.prop("model-color-format") == 2 else 3
        if dims[0] != want:
            c.add(WARNING, "color-channels", f"infer-dims has {dims[0]} channels but model-color-format="
                  f"{c.prop('model-color-format')} gives {want}", e("infer-dims"))
    for dim in ("width", "height"):
        lo, hi = c.prop(f"input-object-min-{dim}", 0), c.prop(f"input-object-max-{dim}", 0)
        if lo and hi and lo > hi:
            c.add(ERROR, "min-max", f"input-object-min-{dim}={lo} is larger than input-object-max-{dim}={hi}",
                  e(f"input-object-min-{dim}"))
    for g in c.doc.groups:
        if g.name.startswith("class-attrs-"):
            for dim in ("w", "h"):
                lo = c.values.get((g.name, f"detected-min-{dim}"), 0)
                hi = c.values.get((g.name, f"detected-max-{dim}"), 0)
                if lo and hi and lo > hi:
                    c.add(ERROR, "min-max", f"[{g.name}] detected-min-{dim}={lo} is larger than "
                          f"detected-max-{dim}={hi}", c.doc.get(g.name, f"detected-min-{dim}"))
            if c.doc.get(g.name, "threshold") and c.doc.get(g.name, "pre-cluster-threshold"):
                c.add(WARNING, "conflict", f"[{g.name}] sets both threshold and pre-cluster-threshold; "
                      "threshold is ignored", c.doc.get(g.name, "threshold"))
    labels = c.prop("labelfile-path")
    if labels and nt in (0, 3) and num_classes and c.doc.path_exists(labels, file=True):
        try:
            text = c.doc.resolve(labels).read_text(encoding="utf-8", errors="replace")
        except OSError:  # unreadable: nvinfer says so when it loads the labels
            text = None
        lines = [l for l in text.splitlines() if l.strip()] if text is not None else []
        if text is not None and len(lines) != num_classes:
            c.add(WARNING, "labels-count", f"labelfile-path has {len(lines)} labels but num-detected-classes="
                  f"{num_classes}", e("labelfile-path"))
    return lib_may_build


def check_library(c: ConfigFindings, nt: int, num_classes: int, lib_may_build: bool):
    """Opens custom-lib-path as nvinfer would and checks the functions the config names."""
    lib = c.prop("custom-lib-path")
    if lib is None or not c.doc.path_exists(lib):
        return
    from .probe import probe_library  # builds the probe tool on first use

    e = c.entry("custom-lib-path")
    func_keys = [k for k in list(K.PARSER_KEYS.values()) + ["engine-create-func-name"] if c.prop(k)]
    extra = ["NvDsInferPluginFactoryRuntimeGet", "NvDsInferCreateModelParser", "NvDsInferInitializeInputLayers",
             "NvDsInferCudaEngineGet"]
    try:
        res = probe_library(c.doc.resolve(lib), [c.prop(k) for k in func_keys] + extra, c.version)
    except TrtPlugError as exc:
        c.add(WARNING, "lib-not-probed", f"custom-lib-path was not opened: {exc}", e)
        return
    if not res.loaded:
        c.add(ERROR, "lib-load", f"nvinfer cannot open custom-lib-path {lib}: {res.error}", e)
        return
    active = K.PARSER_KEYS.get(K.NETWORK_TYPE_KIND.get(nt, ""), None)
    for key in func_keys:
        name = c.prop(key)
        if not res.symbols.get(name):
            used = key in (active, "engine-create-func-name")
            c.add(ERROR if used else WARNING, "func-missing",
                  f"{key}: {lib} exports no function {name} (nvinfer: \"dlsym failed to get func {name} "
                  f"pointer\"); is it declared extern \"C\" with default visibility?", c.entry(key))
    if res.symbols.get("NvDsInferCreateModelParser"):
        c.add(WARNING, "model-parser-override", "the library exports NvDsInferCreateModelParser: nvinfer builds "
              "the network with it and ignores onnx-file", e)
    elif lib_may_build:
        c.add(ERROR, "no-model", "no usable model: set onnx-file or an existing model-engine-file (the library "
              "has no NvDsInferCreateModelParser)", line=None)
    # trtplug libraries export the factory on purpose (Get succeeds with no factory on TensorRT 8+);
    # the warning is for libraries of other origins.
    if (res.symbols.get("NvDsInferPluginFactoryRuntimeGet") and c.version >= parse_version("6.0")
            and not res.library_info):
        c.add(WARNING, "plugin-factory-runtime", "the library exports NvDsInferPluginFactoryRuntimeGet: nvinfer "
              f"{c.version} still calls it on every engine load but TensorRT ignores the factory; returning false "
              "breaks engine loading", e)
    check_deepstream_info(c, res.deepstream_info, active, num_classes, e)
    list_plugins(c, res.library_info, e)

def check_deepstream_info(c: ConfigFindings, text, active_key, num_classes, e):
    if not text:
        return
    try:
        info = json.loads(text)
        built = parse_version(info["deepstream_version"])
    except (ValueError, KeyError, TrtPlugError):
        c.add(WARNING, "bad-library-info", "trtplug_deepstream_info() returned unreadable data", e)
        return
    if built.object_detection_info_size != c.version.object_detection_info_size:
        c.add(ERROR, "ds-layout-mismatch", f"the library was built for DeepStream {built} "
              f"(NvDsInferObjectDetectionInfo is {built.object_detection_info_size} bytes) but DeepStream "
              f"{c.version} uses {c.version.object_detection_info_size} bytes: rebuild with --deepstream-version "
              f"{c.version}", e)
    elif built != c.version:
        c.add(INFO, "ds-version", f"the library was built for DeepStream {built}; its parser layouts are the "
              f"same in {c.version}", e)
    by_name = {p.get("function"): p for p in info.get("parsers", [])}
    kind_of_key = {v: k for k, v in K.PARSER_KEYS.items()}
    for key in K.PARSER_KEYS.values():
        name = c.prop(key)
        p = by_name.get(name)
        if not name or p is None:
            continue
        if p.get("kind") != kind_of_key[key]:
            c.add(ERROR, "func-kind", f"{key}={name}, but {name} is a {p.get('kind')} parser "
                  f"(name it with {K.PARSER_KEYS.get(p.get('kind'), '?')})", c.entry(key))
            continue
        declared = p.get("num_classes")
        if key == active_key and declared and num_classes and declared != num_classes:
            c.add(ERROR if declared > num_classes else WARNING, "num-classes-mismatch",
                  f"{name} is declared with {declared} classes but num-detected-classes={num_classes}",
                  c.entry("num-detected-classes"))
        blobs = c.prop("output-blob-names")
        layers = p.get("output_layers") or []
        missing = [l for l in layers if blobs and l not in blobs]
        if missing:
            c.add(WARNING, "output-blob-names", f"{name} reads layers {missing} that output-blob-names "
                  "does not list", c.entry("output-blob-names"))
        if key == active_key and key == K.PARSER_KEYS["classifier"]:
            note_softmax_heads(c, name, p.get("heads") or [])
        cm = c.prop("cluster-mode")
        if key == active_key and key == K.PARSER_KEYS["bbox"] and p.get("clustered") is False and cm == 4:
            c.add(WARNING, "no-clustering", f"{name} returns raw candidates but cluster-mode=4 turns clustering "
                  "off: overlapping boxes stay (use cluster-mode=2)", c.entry("cluster-mode"))

def note_softmax_heads(c: ConfigFindings, name: str, heads: list):
    softmax = [f"{i} ({h.get('layer') or 'output ' + str(i)})" for i, h in enumerate(heads)
               if isinstance(h, dict) and h.get("activation") == "softmax"]
    if softmax:
        c.add(INFO, "softmax-head", f"{name} applies softmax to the scores of head(s) {', '.join(softmax)}: "
              "right for a model that outputs logits. Hint: if the model already ends in Softmax, declare "
              "ClassifierHead(activation='none'); a second softmax flattens probabilities (0.9/0.1 becomes "
              "0.69/0.31)", c.entry(K.PARSER_KEYS["classifier"]))

def list_plugins(c: ConfigFindings, text, e):
    if not text:
        c.add(INFO, "not-trtplug", "custom-lib-path is not a trtplug plugin library (no trtplug_library_info); "
              "plugin listing skipped", e)
        return
    try:
        info = json.loads(text)
    except ValueError:
        c.add(WARNING, "bad-library-info", "trtplug_library_info() returned text that is not JSON", e)
        return
    plugins = info.get("plugins", []) if isinstance(info, dict) else []
    names = []
    for p in plugins:
        if isinstance(p, dict):
            names.append(f"{p.get('name', '?')} (version {p.get('version', '?')})")
        else:
            names.append(str(p))
    ns = info.get("namespace") or info.get("plugin_namespace") if isinstance(info, dict) else None
    from ..tensorrt_interface import library_interface

    interface = library_interface(info) if isinstance(info, dict) else None
    kind = {"v2": " IPluginV2", "v3": " IPluginV3"}.get(interface or "", "")
    c.add(INFO, "plugins", f"the library registers {len(names)} TensorRT{kind} plugin(s) on load"
          f"{' in namespace ' + repr(ns) if ns else ''}: {', '.join(names) if names else 'none'}", e)
    if interface == "v3":
        c.add(INFO, "plugin-interface", "the plugins are IPluginV3 (trtplug compile --interface v3): an engine built "
              "with an IPluginV2 build of the same plugins does not load with this library; let nvinfer rebuild "
              "it from onnx-file (remove model-engine-file) or use the v2 library", e)


