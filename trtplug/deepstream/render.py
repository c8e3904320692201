"""Generates the C++ of a library's DeepStream parsers and lists what the build needs.

    srcs = render_deepstream_sources([YoloDetector("NvDsInferParseYolo")], out_dir=Path("build/ds"))
    CompileJob(sources=srcs.sources, include_dirs=srcs.include_dirs, defines=srcs.defines, ...)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import jinja2

from ..build.compiler import REGISTRY_DIR
from ..errors import DefinitionError
from . import parsers as P
from .versions import DsVersion, parse_version

DEEPSTREAM_DIR = REGISTRY_DIR / "deepstream"
SHIM_DIR = DEEPSTREAM_DIR / "shim"
PARSERS_CPP = DEEPSTREAM_DIR / "trtplug_ds_parsers.cpp"
LAYOUT_CHECK_CPP = DEEPSTREAM_DIR / "trtplug_ds_layout_check.cpp"
GENERATED_NAME = "trtplug_ds_generated.cpp"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=False,
    lstrip_blocks=False,
)


@dataclass(frozen=True)
class DeepStreamSources:
    """What to add to a library build for its DeepStream parsers."""

    sources: list  # .cpp files: the generated entry points, trtplug's parser logic, user sources
    include_dirs: list
    defines: dict
    deepstream_version: DsVersion
    info: dict = field(default_factory=dict)  # what trtplug_deepstream_info() returns


# ----------------------------------------------------------------------------------------------
# C literals


def c_string(text: str) -> str:
    """A C string literal for any text (UTF-8, non-printables as octal escapes)."""
    out = ['"']
    for b in text.encode("utf-8"):
        ch = chr(b)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F and ch != "?":  # '?' escaped: no trigraphs
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    out.append('"')
    return "".join(out)


def _c_str_or_null(value: Optional[str]) -> str:
    return "nullptr" if value is None else c_string(value)


def _c_float(value: float) -> str:
    text = repr(float(value))
    if "e" not in text and "." not in text:
        text += ".0"
    return text + "f"


def _f(name, value, nested=None):
    return {"name": name, "value": value, "nested": nested}


_BOX = {"cxcywh": "kCxCyWH", "xyxy": "kXYXY", "xywh": "kXYWH", "yxyx": "kYXYX"}
_ACT = {"none": "kNone", "sigmoid": "kSigmoid", "softmax": "kSoftmax"}


def _box(v):
    return "trtplug::ds::BoxFormat::" + _BOX[v]


def _act(v):
    return "trtplug::ds::Activation::" + _ACT[v]


def _bool(v):
    return "1" if v else "0"


# ----------------------------------------------------------------------------------------------
# View models: one per parser, the parameter block's fields in struct order.


def _dense_fields(p, func):
    return [
        _f("func_name", c_string(func)),
        _f("layer", _c_str_or_null(p.layer)),
        _f("transposed", _bool(p.layout == "CxN")),
        _f("box", _box(p.box)),
        _f("objectness", _bool(p.objectness)),
        _f("num_classes", str(p.num_classes or 0)),
        _f("normalized", _bool(p.normalized)),
        _f("score_activation", _act(p.score_activation)),
        _f("min_box_size", _c_float(p.min_box_size)),
        _f("max_candidates", str(p.max_candidates or 0)),
        _f("default_threshold", _c_float(p.default_threshold)),
        _f("nms_iou", _c_float(p.nms_iou or 0.0)),
    ]


def _view(p, index: int) -> dict:
    base = f"kParser{index}"
    vm = {"func_name": p.func_name, "kind": p.kind, "params_name": base, "label_arrays": [], "heads": None,
          "heads_name": base + "Heads", "declaration": _describe(p)}
    if isinstance(p, P.YoloDetector):
        vm.update(params_type="DenseParams", impl="parse_dense", fields=_dense_fields(p, p.func_name))
    elif isinstance(p, P.NmsDetector):
        vm.update(params_type="NmsParams", impl="parse_nms", fields=[
            _f("func_name", c_string(p.func_name)),
            _f("count_layer", _c_str_or_null(p.count)),
            _f("boxes_layer", c_string(p.boxes)),
            _f("scores_layer", c_string(p.scores)),
            _f("classes_layer", c_string(p.classes)),
            _f("box", _box(p.box)),
            _f("normalized", _bool(p.normalized)),
            _f("min_box_size", _c_float(p.min_box_size)),
            _f("default_threshold", _c_float(p.default_threshold)),
        ])
    elif isinstance(p, P.BoxesScoresDetector):
        bg = p.background_class
        bg_c = "trtplug::ds::kBackgroundNone" if bg is None else (
            "trtplug::ds::kBackgroundLast" if bg == "last" else str(bg))
        vm.update(params_type="BoxesScoresParams", impl="parse_boxes_scores", fields=[
            _f("func_name", c_string(p.func_name)),
            _f("boxes_layer", c_string(p.boxes)),
            _f("scores_layer", c_string(p.scores)),
            _f("box", _box(p.box)),
            _f("normalized", _bool(p.normalized)),
            _f("score_activation", _act(p.score_activation)),
            _f("background_class", bg_c),
            _f("multi_label", _bool(p.multi_label)),
            _f("num_classes", str(p.num_classes or 0)),
            _f("min_box_size", _c_float(p.min_box_size)),
            _f("max_candidates", str(p.max_candidates or 0)),
            _f("default_threshold", _c_float(p.default_threshold)),
        ])
    elif isinstance(p, P.InstanceMask):
        vm.update(params_type="InstanceMaskParams", impl="parse_instance_mask", fields=[
            _f("func_name", c_string(p.func_name)),
            _f("count_layer", _c_str_or_null(p.count)),
            _f("boxes_layer", c_string(p.boxes)),
            _f("scores_layer", c_string(p.scores)),
            _f("classes_layer", c_string(p.classes)),
            _f("masks_layer", c_string(p.masks)),
            _f("box", _box(p.box)),
            _f("normalized", _bool(p.normalized)),
            _f("mask_activation", _act(p.mask_activation)),
            _f("min_box_size", _c_float(p.min_box_size)),
            _f("default_threshold", _c_float(p.default_threshold)),
        ])
    elif isinstance(p, P.YoloSeg):
        vm.update(params_type="YoloSegParams", impl="parse_yolo_seg", fields=[
            _f("det", None, nested=_dense_fields(p, p.func_name)),
            _f("num_mask_coeffs", str(p.num_mask_coeffs or 0)),
            _f("protos_layer", c_string(p.protos)),
        ])
    elif isinstance(p, P.Classifier):
        heads = []
        for i, h in enumerate(p.heads):
            labels = "nullptr"
            if h.labels:
                arr = f"{base}Labels{i}"
                vm["label_arrays"].append({"name": arr, "values_c": [c_string(x) for x in h.labels]})
                labels = arr
            heads.append([
                _f("layer", _c_str_or_null(h.layer)),
                _f("activation", _act(h.activation)),
                _f("labels", labels),
                _f("num_labels", str(len(h.labels) if h.labels else 0)),
                _f("multi_label", _bool(h.multi_label)),
                _f("threshold", _c_float(-1.0 if h.threshold is None else h.threshold)),
            ])
        vm.update(params_type="ClassifierParams", impl="parse_classifier", heads=heads, fields=[
            _f("func_name", c_string(p.func_name)),
            _f("heads", base + "Heads"),
            _f("num_heads", str(len(heads))),
        ])
    else:
        raise DefinitionError(f"render_deepstream_sources: {p!r} is not a trtplug.deepstream parser declaration")
    return vm


def _describe(p) -> str:
    """One comment line: the declaration as written in Python (no newlines)."""
    text = repr(p)
    return text.replace("\n", " ").replace("*/", "* /")


# ----------------------------------------------------------------------------------------------


def library_info(parsers: Sequence, version: DsVersion) -> dict:
    entries = []
    for p in parsers:
        entries.extend(p.info() if isinstance(p, P.CustomSource) else [p.info()])
    return {"trtplug_deepstream": 1, "deepstream_version": str(version),
            "object_detection_info_size": version.object_detection_info_size, "parsers": entries}


def _check_names(parsers: Sequence) -> None:
    seen = {}
    for p in parsers:
        if not isinstance(p, (*P.ParserDecl, P.CustomSource)):
            raise DefinitionError(
                f"render_deepstream_sources: expected parser declarations (YoloDetector, NmsDetector, "
                f"BoxesScoresDetector, Classifier, InstanceMask, YoloSeg, CustomSource), got {p!r}")
        names = list(p.functions) if isinstance(p, P.CustomSource) else [p.func_name]
        owner = repr(p.path.name) if isinstance(p, P.CustomSource) else p.owner
        for n in names:
            if n in seen:
                raise DefinitionError(f"{owner}: function name {n!r} is already used by {seen[n]}")
            seen[n] = owner


def render_deepstream_sources(parsers: Iterable, *, deepstream_version=None, out_dir: Path,
                              deepstream_include: Optional[Path] = None, check_custom_impl: bool = False,
                              origin: str = "trtplug.deepstream declarations") -> DeepStreamSources:
    """Writes the generated entry points into `out_dir` and returns the sources, include
    directories and defines to compile into the library.

    deepstream_version: "9.1", "8.0", ... (default: the newest); it fixes the struct layouts.
    deepstream_include: a DeepStream `sources/includes` directory. When given, the build also
    compiles a layout check that fails (static_assert) if trtplug's declarations differ in size
    or offset from nvinfer's headers; with check_custom_impl it also checks the types of
    nvdsinfer_custom_impl.h, which needs TensorRT's headers on the include path.
    """
    parsers = list(parsers)
    version = parse_version(deepstream_version)
    _check_names(parsers)
    if version < parse_version("5.0"):
        raise DefinitionError("DeepStream versions before 5.0 are not supported")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    builtin = [p for p in parsers if not isinstance(p, P.CustomSource)]
    custom = [p for p in parsers if isinstance(p, P.CustomSource)]
    info = library_info(parsers, version)
    views = [_view(p, i) for i, p in enumerate(builtin)]
    text = _ENV.get_template("parsers.cpp.j2").render(
        origin=origin, ds_version=str(version), parsers=views,
        info_json=c_string(json.dumps(info, sort_keys=True)))
    generated = out_dir / GENERATED_NAME
    if not generated.exists() or generated.read_text(encoding="utf-8") != text:
        generated.write_text(text, encoding="utf-8")

    sources = [generated, PARSERS_CPP] + [c.path for c in custom]
    include_dirs = [DEEPSTREAM_DIR]
    defines = {"TRTPLUG_DS_VERSION": str(version.code), "_GLIBCXX_USE_CXX11_ABI": "1"}
    if deepstream_include is not None:
        ds_inc = Path(deepstream_include)
        if not (ds_inc / "nvdsinfer.h").is_file():
            raise DefinitionError(f"--deepstream-include {ds_inc}: no nvdsinfer.h there (expected DeepStream's "
                                  f"sources/includes directory)")
        include_dirs.append(ds_inc)  # user sources see nvinfer's own headers
        sources.append(LAYOUT_CHECK_CPP)
        if check_custom_impl:
            defines["TRTPLUG_DS_CHECK_CUSTOM_IMPL"] = "1"
    else:
        include_dirs.append(SHIM_DIR)  # user sources including nvdsinfer_custom_impl.h get ours
    return DeepStreamSources(sources=sources, include_dirs=include_dirs, defines=defines,
                             deepstream_version=version, info=info)
