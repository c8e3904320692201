"""`trtplug deepstream config`: writes the nvinfer config for a built library and a model.

    write_config("build/config_infer.txt", library="build/libyolo.so", onnx_file="yolo.onnx",
                 infer_dims=(3, 640, 640), network_mode="fp16")

The parsers come from the library itself (trtplug libraries report them through
trtplug_deepstream_info) or from `parsers=[...]` declarations; the network type, class count,
output layers and clustering follow from them unless given. Paths are written relative to the
config file, which is how nvinfer resolves them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from ..errors import TrtPlugError
from .config_file import format_config
from .parsers import KIND_BBOX, KIND_CLASSIFIER, KIND_CONFIG_KEY, KIND_INSTANCE_MASK, KIND_NETWORK_TYPE, CustomSource
from .versions import parse_version


class ConfigError(TrtPlugError):
    """The arguments do not describe a config nvinfer could use."""


NETWORK_MODES = {"fp32": 0, "int8": 1, "fp16": 2, "best": 3}
COLOR_FORMATS = {"rgb": 0, "bgr": 1, "gray": 2}
PROCESS_MODES = {"primary": 1, "secondary": 2}
CLUSTER_MODES = {"group-rectangles": 0, "dbscan": 1, "nms": 2, "dbscan-nms": 3, "none": 4}
NETWORK_TYPES = {"detector": 0, "classifier": 1, "segmentation": 2, "instance-segmentation": 3, "other": 100}


def _enum(name: str, value, table: dict) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value in table.values():
        return value
    if isinstance(value, str) and value.lower() in table:
        return table[value.lower()]
    raise ConfigError(f"{name}: expected one of {', '.join(table)} (or {sorted(table.values())}), got {value!r}")


def _rel(path, base: Path) -> str:
    p = Path(path).resolve()
    try:
        return os.path.relpath(p, base.resolve())
    except ValueError:  # another drive
        return str(p)


def library_parsers(library, deepstream_version=None) -> list:
    """The parsers a trtplug library reports (trtplug_deepstream_info), [] for other libraries."""
    from .probe import probe_library

    path = Path(library).resolve()
    if not path.is_file():
        raise ConfigError(f"library: no such file {library} (looked for {path}). Hint: a relative --lib is "
                          "taken from the current directory")
    res = probe_library(path, [], deepstream_version)
    if not res.loaded:
        raise ConfigError(f"cannot open library {library}: {res.error}")
    if not res.deepstream_info:
        return []
    try:
        return list(json.loads(res.deepstream_info).get("parsers", []))
    except ValueError as exc:
        raise ConfigError(f"{library}: trtplug_deepstream_info() returned unreadable data") from exc


def _parser_dicts(parsers) -> list:
    out = []
    for p in parsers:
        if isinstance(p, dict):
            out.append(p)
        elif isinstance(p, CustomSource):
            out.extend(p.info())
        else:
            out.append(p.info())
    return out


def _pick(kind: str, explicit: str | None, available: list) -> dict | None:
    of_kind = [p for p in available if p.get("kind") == kind]
    if explicit:
        found = next((p for p in of_kind if p.get("function") == explicit), None)
        if found is None and available:
            names = ", ".join(p["function"] for p in of_kind) or "none"
            raise ConfigError(f"the library has no {kind} parser named {explicit!r} ({kind} parsers: {names})")
        return found or {"function": explicit, "kind": kind}
    if len(of_kind) > 1:
        names = ", ".join(p["function"] for p in of_kind)
        raise ConfigError(f"the library has several {kind} parsers ({names}): choose one "
                          f"(--{kind.replace('_', '-')}-func)")
    return of_kind[0] if of_kind else None


def _network_type(network_type, explicit_funcs: dict, available: list) -> int:
    """The network type given, or the only one the named functions or the library's parsers allow."""
    nt = _enum("network_type", network_type, NETWORK_TYPES)
    if nt is not None:
        return nt
    named = [k for k, e in explicit_funcs.items() if e]
    present = named or [k for k in (KIND_INSTANCE_MASK, KIND_BBOX, KIND_CLASSIFIER)
                        if any(p.get("kind") == k for p in available)]
    if len(present) > 1:
        raise ConfigError(f"the library has parsers of several kinds ({', '.join(present)}): set the network "
                          f"type (--network-type detector|classifier|instance-segmentation)")
    return KIND_NETWORK_TYPE[present[0]] if present else 0


def build_config(config_path, *, library=None, parsers: Sequence | None = None, onnx_file=None,
                 model_engine_file=None, int8_calib_file=None, tlt_encoded_model=None, tlt_model_key=None,
                 network_type=None, num_detected_classes: int | None = None, labels: Sequence[str] | None = None,
                 labelfile_path=None, infer_dims: Sequence[int] | None = None, batch_size: int = 1,
                 network_mode="fp32", model_color_format="rgb", process_mode="primary", gie_unique_id: int = 1,
                 net_scale_factor: float | None = None, offsets: Sequence[float] | None = None, mean_file=None,
                 maintain_aspect_ratio: bool | None = None, symmetric_padding: bool | None = None,
                 output_blob_names: Sequence[str] | None = None, engine_create_func_name: str | None = None,
                 cluster_mode=None, classifier_threshold: float | None = None,
                 pre_cluster_threshold: float | None = None, nms_iou_threshold: float | None = None,
                 topk: int | None = None, bbox_func: str | None = None, classifier_func: str | None = None,
                 instance_mask_func: str | None = None, properties: dict | None = None,
                 class_attrs: dict | None = None, deepstream_version=None) -> tuple:
    """The config's groups and the label file to write: ([(group, [(key, value)])], labels or None)."""
    version = parse_version(deepstream_version)
    base = Path(config_path).resolve().parent
    available = _parser_dicts(parsers) if parsers is not None else (
        library_parsers(library, version) if library is not None else [])

    explicit_funcs = {KIND_BBOX: bbox_func, KIND_CLASSIFIER: classifier_func, KIND_INSTANCE_MASK: instance_mask_func}
    nt = _network_type(network_type, explicit_funcs, available)
    active_kind = {0: KIND_BBOX, 1: KIND_CLASSIFIER, 3: KIND_INSTANCE_MASK}.get(nt)
    # Only the network type's parser goes into the config, so only its choice can be ambiguous;
    # a function named for another kind must still exist.
    for kind, name in explicit_funcs.items():
        if name and kind != active_kind:
            _pick(kind, name, available)
    active = _pick(active_kind, explicit_funcs[active_kind], available) if active_kind else None
    if nt == 3 and active is None:
        raise ConfigError("instance segmentation needs an instance-mask parser: the library has none "
                          "(declare InstanceMask or YoloSeg, or pass --instance-mask-func)")

    if num_detected_classes is None and active and active.get("num_classes"):
        num_detected_classes = active["num_classes"]
    if labels is None and active and active.get("labels") and nt in (0, 3):
        labels = active["labels"]
    if num_detected_classes is None and labels is not None:
        num_detected_classes = len(labels)
    if nt in (0, 3) and not num_detected_classes:
        raise ConfigError("num_detected_classes is needed for a detector: pass it (--num-classes) or declare "
                          "num_classes/labels on the parser")
    if output_blob_names is None and active and active.get("output_layers"):
        output_blob_names = active["output_layers"]

    prop = [("gie-unique-id", gie_unique_id), ("process-mode", _enum("process_mode", process_mode, PROCESS_MODES))]
    for key, value in (("onnx-file", onnx_file), ("model-engine-file", model_engine_file),
                       ("int8-calib-file", int8_calib_file), ("tlt-encoded-model", tlt_encoded_model)):
        if value is not None:
            prop.append((key, _rel(value, base)))
    if tlt_model_key is not None:
        prop.append(("tlt-model-key", tlt_model_key))
    mode = _enum("network_mode", network_mode, NETWORK_MODES)
    if mode == 3 and version < parse_version("8.0"):
        raise ConfigError(f"network_mode 'best' needs DeepStream 8.0 or later (writing for {version})")
    prop += [("batch-size", batch_size), ("network-mode", mode), ("network-type", nt),
             ("model-color-format", _enum("model_color_format", model_color_format, COLOR_FORMATS))]
    if infer_dims is not None:
        if len(infer_dims) != 3:
            raise ConfigError(f"infer_dims: expected (channels, height, width), got {infer_dims!r}")
        prop.append(("infer-dims", [int(d) for d in infer_dims]))
    if net_scale_factor is not None:
        prop.append(("net-scale-factor", float(net_scale_factor)))
    if offsets is not None:
        prop.append(("offsets", [float(x) for x in offsets]))
    if mean_file is not None:
        prop.append(("mean-file", _rel(mean_file, base)))
    if maintain_aspect_ratio is not None:
        prop.append(("maintain-aspect-ratio", bool(maintain_aspect_ratio)))
    if symmetric_padding is not None:
        prop.append(("symmetric-padding", bool(symmetric_padding)))
    if nt in (0, 3):
        prop.append(("num-detected-classes", int(num_detected_classes)))
    if output_blob_names:
        prop.append(("output-blob-names", list(output_blob_names)))
    if labelfile_path is not None:
        prop.append(("labelfile-path", _rel(labelfile_path, base)))
    elif labels is not None:
        prop.append(("labelfile-path", Path(config_path).stem + "_labels.txt"))
    if library is not None:
        prop.append(("custom-lib-path", _rel(library, base)))
    if active is not None:
        prop.append((KIND_CONFIG_KEY[active_kind], active["function"]))
    if nt == 3:
        prop.append(("output-instance-mask", True))
    if engine_create_func_name:
        prop.append(("engine-create-func-name", engine_create_func_name))
    if classifier_threshold is not None or nt == 1:
        prop.append(("classifier-threshold", float(0.5 if classifier_threshold is None else classifier_threshold)))
    cm = _enum("cluster_mode", cluster_mode, CLUSTER_MODES)
    if nt in (0, 3):
        if cm is None:
            cm = 4 if (nt == 3 or (active and active.get("clustered"))) else 2
        prop.append(("cluster-mode", cm))
    elif cm is not None:
        prop.append(("cluster-mode", cm))
    for key, value in (properties or {}).items():
        prop = [(k, v) for k, v in prop if k != key] + [(key, value)]

    groups = [("property", prop)]
    if nt in (0, 3):
        attrs = [("pre-cluster-threshold", float(0.25 if pre_cluster_threshold is None else pre_cluster_threshold))]
        if cm in (2, 3):
            attrs.append(("nms-iou-threshold", float(0.45 if nms_iou_threshold is None else nms_iou_threshold)))
        if topk is not None or cm in (2, 3):
            attrs.append(("topk", int(300 if topk is None else topk)))
        for key, value in (class_attrs or {}).items():
            attrs = [(k, v) for k, v in attrs if k != key] + [(key, value)]
        groups.append(("class-attrs-all", attrs))
    return groups, (list(labels) if labels is not None and labelfile_path is None else None)


def write_config(path, **kwargs) -> Path:
    """Writes the nvinfer config (and its label file, when labels are known) and returns its
    path. Keyword arguments: see build_config."""
    path = Path(path)
    groups, labels = build_config(path, **kwargs)
    version = parse_version(kwargs.get("deepstream_version"))
    header = [f"nvinfer config for DeepStream {version}, written by `trtplug deepstream config`.",
              "Paths are relative to this file. Check it with `trtplug deepstream check`."]
    path.parent.mkdir(parents=True, exist_ok=True)
    if labels is not None:
        (path.parent / (path.stem + "_labels.txt")).write_text("\n".join(labels) + "\n", encoding="utf-8")
    path.write_text(format_config(groups, header), encoding="utf-8")
    return path
