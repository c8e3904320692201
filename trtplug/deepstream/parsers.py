"""Declarations of the Gst-nvinfer output parsers trtplug builds into a library.

Each declaration names the exported function (the value of `parse-bbox-func-name`,
`parse-classifier-func-name` or `parse-bbox-instance-mask-func-name` in the nvinfer config) and
describes the model's output layers. Declarations are checked when they are created; a mistake
raises DefinitionError naming the parser, the field and what was expected::

    import trtplug.deepstream as tds

    yolo = tds.YoloDetector("NvDsInferParseYolo", layout="CxN", box="cxcywh", objectness=False)
    nms = tds.NmsDetector("NvDsInferParseNms")            # EfficientNMS_TRT outputs
    cls = tds.Classifier("NvDsInferClassify", heads=[tds.ClassifierHead(labels=["cat", "dog"])])
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import DefinitionError
from ..native.literals import c_float, c_string, c_string_or_null
from .cpp import CField, LabelArray, ParserParams, c_activation, c_bool, c_box

# The three kinds of parser nvinfer can be given, by the config key that names them.
KIND_BBOX = "bbox"
KIND_CLASSIFIER = "classifier"
KIND_INSTANCE_MASK = "instance_mask"
KINDS = (KIND_BBOX, KIND_CLASSIFIER, KIND_INSTANCE_MASK)
KIND_CONFIG_KEY = {
    KIND_BBOX: "parse-bbox-func-name",
    KIND_CLASSIFIER: "parse-classifier-func-name",
    KIND_INSTANCE_MASK: "parse-bbox-instance-mask-func-name",
}
KIND_NETWORK_TYPE = {KIND_BBOX: 0, KIND_CLASSIFIER: 1, KIND_INSTANCE_MASK: 3}

BOX_FORMATS = ("cxcywh", "xyxy", "xywh", "yxyx")
LAYOUTS = ("NxC", "CxN")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names nvinfer looks up on its own; a parser exported under one of them would be misused.
_RESERVED = {
    "NvDsInferCreateModelParser", "NvDsInferCudaEngineGet", "NvDsInferInitializeInputLayers",
    "NvDsInferPluginFactoryRuntimeGet", "NvDsInferPluginFactoryRuntimeDestroy",
    "NvDsInferPluginFactoryCaffeGet", "NvDsInferPluginFactoryCaffeDestroy",
    "NvDsInferPluginFactoryUffGet", "NvDsInferPluginFactoryUffDestroy", "main",
}


def _err(owner: str, name: str, msg: str) -> DefinitionError:
    return DefinitionError(f"{owner}.{name}: {msg}")


def check_func_name(owner: str, value) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise _err(owner, "func_name", f"expected a C identifier (the name nvinfer looks up with dlsym), got {value!r}")
    if value in _RESERVED or value.startswith(("trtplug_", "_Z", "__")):
        raise _err(owner, "func_name", f"{value!r} is reserved (nvinfer or trtplug use it); choose another name")
    return value


def _choice(owner, name, value, choices):
    if value not in choices:
        raise _err(owner, name, f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _layer(owner, name, value, optional=False):
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or any(c.isspace() or c in ";\"\\" for c in value):
        what = "a layer name or None" if optional else "a layer name"
        raise _err(owner, name, f"expected {what} (no spaces, ';' or quotes), got {value!r}")
    return value


def _bool(owner, name, value):
    if not isinstance(value, bool):
        raise _err(owner, name, f"expected True or False, got {value!r}")
    return value


def _num(owner, name, value, *, lo=None, hi=None, optional=False):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _err(owner, name, f"expected a finite number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _err(owner, name, f"expected a value in [{lo}, {hi}], got {value!r}")
    return float(value)


def _count(owner, name, value, *, optional=True, lo=1):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise _err(owner, name, f"expected an integer >= {lo}{' or None' if optional else ''}, got {value!r}")
    return value


def _labels(owner, name, value, optional=True):
    if value is None and optional:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise _err(owner, name, f"expected a non-empty list of label strings, got {value!r}")
    out = []
    for i, lab in enumerate(value):
        if not isinstance(lab, str) or not lab or "\n" in lab or "\0" in lab or ";" in lab:
            raise _err(owner, f"{name}[{i}]", f"expected a non-empty one-line label without ';', got {lab!r}")
        out.append(lab)
    return tuple(out)


class Parser:
    """Base of the built-in parser declarations."""

    kind: str = ""

    @property
    def owner(self) -> str:
        return f"{type(self).__name__}({getattr(self, 'func_name', '?')!r})"

    def output_layers(self) -> list[str] | None:
        """Output layer names the parser reads, or None when some are taken by position."""
        return None

    def info(self) -> dict:
        """What the library reports about this parser (`trtplug_deepstream_info`)."""
        return {"function": self.func_name, "kind": self.kind, "num_classes": getattr(self, "num_classes", None),
                "output_layers": self.output_layers(), "labels": list(getattr(self, "labels", None) or []) or None,
                "declaration": type(self).__name__, "clustered": self.clustered}

    @property
    def clustered(self) -> bool:
        """True when the parser's objects need no clustering by nvinfer (cluster-mode=4)."""
        return isinstance(self, (NmsDetector, InstanceMask)) or bool(getattr(self, "nms_iou", None))

    def cpp_params(self, name: str) -> ParserParams:
        """The C++ parameter block named `name` that the generated entry point passes to trtplug's
        parser (registry/deepstream/trtplug_ds_parsers.h), fields in struct order."""
        raise NotImplementedError


def _check_dense_head(p) -> None:
    """Checks the fields a dense YOLO-style head shares (YoloDetector, YoloSeg); fills labels/num_classes."""
    o = p.owner
    check_func_name(o, p.func_name)
    _layer(o, "layer", p.layer, optional=True)
    _num(o, "nms_iou", p.nms_iou, lo=0, hi=1, optional=True)
    _choice(o, "layout", p.layout, LAYOUTS)
    _choice(o, "box", p.box, BOX_FORMATS)
    _bool(o, "objectness", p.objectness)
    _count(o, "num_classes", p.num_classes)
    object.__setattr__(p, "labels", _labels(o, "labels", p.labels))
    object.__setattr__(p, "num_classes", _labels_vs_classes(o, p.labels, p.num_classes))
    _bool(o, "normalized", p.normalized)
    _choice(o, "score_activation", p.score_activation, ("none", "sigmoid"))
    _num(o, "min_box_size", p.min_box_size, lo=0)
    _count(o, "max_candidates", p.max_candidates)
    _num(o, "default_threshold", p.default_threshold, lo=0, hi=1)


def _dense_fields(p) -> list[CField]:
    """The DenseParams fields of a dense YOLO-style head (YoloDetector, YoloSeg)."""
    return [
        CField("func_name", c_string(p.func_name)),
        CField("layer", c_string_or_null(p.layer)),
        CField("transposed", c_bool(p.layout == "CxN")),
        CField("box", c_box(p.box)),
        CField("objectness", c_bool(p.objectness)),
        CField("num_classes", str(p.num_classes or 0)),
        CField("normalized", c_bool(p.normalized)),
        CField("score_activation", c_activation(p.score_activation)),
        CField("min_box_size", c_float(p.min_box_size)),
        CField("max_candidates", str(p.max_candidates or 0)),
        CField("default_threshold", c_float(p.default_threshold)),
        CField("nms_iou", c_float(p.nms_iou or 0.0)),
    ]


def _labels_vs_classes(owner, labels, num_classes):
    if labels is not None and num_classes is not None and len(labels) != num_classes:
        raise _err(owner, "labels", f"{len(labels)} labels for num_classes={num_classes}")
    return num_classes if num_classes is not None else (len(labels) if labels is not None else None)


@dataclass(frozen=True)
class YoloDetector(Parser):
    """Dense YOLO-style detection head: per candidate 4 box values, [objectness], class scores.

    layout "NxC": the layer is [N, 4+C] (a row per candidate, e.g. YOLOv5 [25200, 85]);
    "CxN": [4+C, N] (e.g. YOLOv8 [84, 8400]). box: "cxcywh", "xyxy", "xywh" or "yxyx", in
    network-input pixels (or fractions of it with normalized=True). The score is
    objectness * best class score; candidates below the class's pre-cluster-threshold are
    dropped, the rest go to nvinfer's clustering (use cluster-mode=2, NMS) unless nms_iou is
    set: then the parser keeps the best box of each same-class overlap itself.

    num_classes=None reads the class count off the layer; it must then equal nvinfer's
    num-detected-classes, or the parser refuses the frame (a layer of another layout would
    otherwise be read with the wrong classes). A declared num_classes may be below it.
    """

    func_name: str
    layer: str | None = None
    layout: str = "NxC"
    box: str = "cxcywh"
    objectness: bool = False
    num_classes: int | None = None
    labels: Sequence[str] | None = None
    normalized: bool = False
    score_activation: str = "none"
    min_box_size: float = 0.0
    max_candidates: int | None = None
    default_threshold: float = 0.25
    nms_iou: float | None = None
    kind = KIND_BBOX

    def __post_init__(self):
        _check_dense_head(self)

    def output_layers(self):
        return [self.layer] if self.layer else None

    def cpp_params(self, name: str) -> ParserParams:
        return ParserParams("DenseParams", "parse_dense", _dense_fields(self))


@dataclass(frozen=True)
class NmsDetector(Parser):
    """Outputs of an NMS layer (EfficientNMS_TRT, BatchedNMS): count, boxes, scores, classes.

    Defaults are EfficientNMS_TRT's output names. count=None: every row is a candidate (rows
    below threshold are dropped). Classes may be int32 or float layers. Use cluster-mode=4.
    A row whose class id is not one of nvinfer's num-detected-classes, or whose values are NaN
    or infinite, is skipped with a rate-limited warning; the frame's other rows are kept.
    """

    func_name: str
    count: str | None = "num_detections"
    boxes: str = "detection_boxes"
    scores: str = "detection_scores"
    classes: str = "detection_classes"
    box: str = "xyxy"
    normalized: bool = False
    num_classes: int | None = None
    labels: Sequence[str] | None = None
    min_box_size: float = 0.0
    default_threshold: float = 0.25
    kind = KIND_BBOX

    def __post_init__(self):
        o = self.owner
        check_func_name(o, self.func_name)
        _layer(o, "count", self.count, optional=True)
        for name in ("boxes", "scores", "classes"):
            _layer(o, name, getattr(self, name))
        _choice(o, "box", self.box, BOX_FORMATS)
        _bool(o, "normalized", self.normalized)
        _count(o, "num_classes", self.num_classes)
        object.__setattr__(self, "labels", _labels(o, "labels", self.labels))
        object.__setattr__(self, "num_classes", _labels_vs_classes(o, self.labels, self.num_classes))
        _num(o, "min_box_size", self.min_box_size, lo=0)
        _num(o, "default_threshold", self.default_threshold, lo=0, hi=1)
        names = [n for n in (self.count, self.boxes, self.scores, self.classes) if n]
        if len(set(names)) != len(names):
            raise _err(o, "layers", f"layer names must differ, got {names}")

    def output_layers(self):
        return [n for n in (self.count, self.boxes, self.scores, self.classes) if n]

    def cpp_params(self, name: str) -> ParserParams:
        return ParserParams("NmsParams", "parse_nms", [
            CField("func_name", c_string(self.func_name)),
            CField("count_layer", c_string_or_null(self.count)),
            CField("boxes_layer", c_string(self.boxes)),
            CField("scores_layer", c_string(self.scores)),
            CField("classes_layer", c_string(self.classes)),
            CField("box", c_box(self.box)),
            CField("normalized", c_bool(self.normalized)),
            CField("min_box_size", c_float(self.min_box_size)),
            CField("default_threshold", c_float(self.default_threshold)),
        ])


@dataclass(frozen=True)
class BoxesScoresDetector(Parser):
    """SSD/DETR-style outputs: boxes [N, 4] and per-class scores [N, C].

    background_class: None, a class index, or "last" (DETR's no-object logit); it is skipped and
    the other class ids are kept as they are. score_activation: "none", "sigmoid" or "softmax"
    (over the row, background included). multi_label: one object per class above threshold
    instead of the best class only. num_classes=None reads the class count off the scores layer;
    it must then equal nvinfer's num-detected-classes.
    """

    func_name: str
    boxes: str = "boxes"
    scores: str = "scores"
    box: str = "xyxy"
    normalized: bool = False
    score_activation: str = "none"
    background_class: "int | str | None" = None
    multi_label: bool = False
    num_classes: int | None = None
    labels: Sequence[str] | None = None
    min_box_size: float = 0.0
    max_candidates: int | None = None
    default_threshold: float = 0.25
    kind = KIND_BBOX

    def __post_init__(self):
        o = self.owner
        check_func_name(o, self.func_name)
        _layer(o, "boxes", self.boxes)
        _layer(o, "scores", self.scores)
        if self.boxes == self.scores:
            raise _err(o, "scores", "must name a different layer than boxes")
        _choice(o, "box", self.box, BOX_FORMATS)
        _bool(o, "normalized", self.normalized)
        _choice(o, "score_activation", self.score_activation, ("none", "sigmoid", "softmax"))
        bg = self.background_class
        if not (bg is None or bg == "last" or (isinstance(bg, int) and not isinstance(bg, bool) and bg >= 0)):
            raise _err(o, "background_class", f"expected None, a class index >= 0 or 'last', got {bg!r}")
        _bool(o, "multi_label", self.multi_label)
        _count(o, "num_classes", self.num_classes)
        object.__setattr__(self, "labels", _labels(o, "labels", self.labels))
        object.__setattr__(self, "num_classes", _labels_vs_classes(o, self.labels, self.num_classes))
        _num(o, "min_box_size", self.min_box_size, lo=0)
        _count(o, "max_candidates", self.max_candidates)
        _num(o, "default_threshold", self.default_threshold, lo=0, hi=1)

    def output_layers(self):
        return [self.boxes, self.scores]

    def cpp_params(self, name: str) -> ParserParams:
        bg = self.background_class
        background = ("trtplug::ds::kBackgroundNone" if bg is None else
                      "trtplug::ds::kBackgroundLast" if bg == "last" else str(bg))
        return ParserParams("BoxesScoresParams", "parse_boxes_scores", [
            CField("func_name", c_string(self.func_name)),
            CField("boxes_layer", c_string(self.boxes)),
            CField("scores_layer", c_string(self.scores)),
            CField("box", c_box(self.box)),
            CField("normalized", c_bool(self.normalized)),
            CField("score_activation", c_activation(self.score_activation)),
            CField("background_class", background),
            CField("multi_label", c_bool(self.multi_label)),
            CField("num_classes", str(self.num_classes or 0)),
            CField("min_box_size", c_float(self.min_box_size)),
            CField("max_candidates", str(self.max_candidates or 0)),
            CField("default_threshold", c_float(self.default_threshold)),
        ])


@dataclass(frozen=True)
class ClassifierHead:
    """One classification output: a layer with one score per class ([C], or [C,1,1], [1,C] and
    other layouts with one extent besides 1s). labels: one per score (they become attribute
    labels and the description string); None leaves labels to nvinfer's labelfile-path.
    threshold: None uses nvinfer's classifier-threshold.

    activation: "softmax" (the default) turns logits into probabilities. A model that already
    ends in a Softmax layer needs activation="none": a second softmax flattens its probabilities
    (0.9/0.1 becomes 0.69/0.31), so thresholds pass or fail the wrong attributes. nvinfer's own
    classifier parser applies none."""

    layer: str | None = None
    labels: Sequence[str] | None = None
    activation: str = "softmax"
    multi_label: bool = False
    threshold: float | None = None

    def validate(self, owner: str) -> "ClassifierHead":
        _layer(owner, "layer", self.layer, optional=True)
        object.__setattr__(self, "labels", _labels(owner, "labels", self.labels))
        _choice(owner, "activation", self.activation, ("none", "sigmoid", "softmax"))
        _bool(owner, "multi_label", self.multi_label)
        _num(owner, "threshold", self.threshold, lo=0, hi=1, optional=True)
        if self.multi_label and self.activation == "softmax":
            raise _err(owner, "multi_label", "multi-label heads need activation='sigmoid' or 'none', not softmax")
        return self

    def cpp_fields(self, labels_name: str) -> list[CField]:
        """The trtplug::ds::ClassifierHead initializer; `labels_name` is its label array (or "nullptr")."""
        return [
            CField("layer", c_string_or_null(self.layer)),
            CField("activation", c_activation(self.activation)),
            CField("labels", labels_name),
            CField("num_labels", str(len(self.labels) if self.labels else 0)),
            CField("multi_label", c_bool(self.multi_label)),
            CField("threshold", c_float(-1.0 if self.threshold is None else self.threshold)),
        ]


@dataclass(frozen=True)
class Classifier(Parser):
    """One or more classification heads; each gives at most one attribute (or, multi-label,
    one per class above threshold). Heads without a layer name read the output layer at their
    position."""

    func_name: str
    heads: Sequence[ClassifierHead] = field(default_factory=lambda: (ClassifierHead(),))
    kind = KIND_CLASSIFIER

    def __post_init__(self):
        o = self.owner
        check_func_name(o, self.func_name)
        if isinstance(self.heads, ClassifierHead) or not isinstance(self.heads, Sequence) or not self.heads:
            raise _err(o, "heads", f"expected a non-empty list of ClassifierHead, got {self.heads!r}")
        for i, h in enumerate(self.heads):
            if not isinstance(h, ClassifierHead):
                raise _err(o, f"heads[{i}]", f"expected a ClassifierHead, got {h!r}")
            h.validate(f"{o}.heads[{i}]")
        object.__setattr__(self, "heads", tuple(self.heads))
        named = [h.layer for h in self.heads if h.layer]
        if len(set(named)) != len(named):
            raise _err(o, "heads", f"two heads read the same layer: {named}")

    @property
    def num_classes(self):
        return None

    def output_layers(self):
        if all(h.layer for h in self.heads):
            return [h.layer for h in self.heads]
        return None

    def info(self):
        d = super().info()
        d["heads"] = [{"layer": h.layer, "labels": list(h.labels) if h.labels else None, "activation": h.activation}
                      for h in self.heads]
        return d

    def cpp_params(self, name: str) -> ParserParams:
        label_arrays, heads = [], []
        for i, h in enumerate(self.heads):
            labels = "nullptr"
            if h.labels:
                labels = f"{name}Labels{i}"
                label_arrays.append(LabelArray(labels, [c_string(x) for x in h.labels]))
            heads.append(h.cpp_fields(labels))
        return ParserParams("ClassifierParams", "parse_classifier", [
            CField("func_name", c_string(self.func_name)),
            CField("heads", name + "Heads"),
            CField("num_heads", str(len(heads))),
        ], label_arrays=label_arrays, heads=heads, heads_name=name + "Heads")


@dataclass(frozen=True)
class InstanceMask(Parser):
    """Boxes with a mask per object (Mask R-CNN style): boxes [K,4], scores [K], classes [K],
    masks [K,H,W] or [K,C,H,W] (one per class; the detected class's is used), optional count.
    Masks are in box coordinates, as nvinfer draws them."""

    func_name: str
    count: str | None = None
    boxes: str = "boxes"
    scores: str = "scores"
    classes: str = "classes"
    masks: str = "masks"
    box: str = "xyxy"
    normalized: bool = False
    mask_activation: str = "none"
    num_classes: int | None = None
    labels: Sequence[str] | None = None
    min_box_size: float = 0.0
    default_threshold: float = 0.25
    kind = KIND_INSTANCE_MASK

    def __post_init__(self):
        o = self.owner
        check_func_name(o, self.func_name)
        _layer(o, "count", self.count, optional=True)
        for name in ("boxes", "scores", "classes", "masks"):
            _layer(o, name, getattr(self, name))
        _choice(o, "box", self.box, BOX_FORMATS)
        _bool(o, "normalized", self.normalized)
        _choice(o, "mask_activation", self.mask_activation, ("none", "sigmoid"))
        _count(o, "num_classes", self.num_classes)
        object.__setattr__(self, "labels", _labels(o, "labels", self.labels))
        object.__setattr__(self, "num_classes", _labels_vs_classes(o, self.labels, self.num_classes))
        _num(o, "min_box_size", self.min_box_size, lo=0)
        _num(o, "default_threshold", self.default_threshold, lo=0, hi=1)
        names = self.output_layers()
        if len(set(names)) != len(names):
            raise _err(o, "layers", f"layer names must differ, got {names}")

    def output_layers(self):
        return [n for n in (self.count, self.boxes, self.scores, self.classes, self.masks) if n]

    def cpp_params(self, name: str) -> ParserParams:
        return ParserParams("InstanceMaskParams", "parse_instance_mask", [
            CField("func_name", c_string(self.func_name)),
            CField("count_layer", c_string_or_null(self.count)),
            CField("boxes_layer", c_string(self.boxes)),
            CField("scores_layer", c_string(self.scores)),
            CField("classes_layer", c_string(self.classes)),
            CField("masks_layer", c_string(self.masks)),
            CField("box", c_box(self.box)),
            CField("normalized", c_bool(self.normalized)),
            CField("mask_activation", c_activation(self.mask_activation)),
            CField("min_box_size", c_float(self.min_box_size)),
            CField("default_threshold", c_float(self.default_threshold)),
        ])


@dataclass(frozen=True)
class YoloSeg(Parser):
    """YOLO-seg: a dense head whose candidates end with M mask coefficients, plus prototypes
    [M, Hp, Wp]. Each kept object's mask is sigmoid(coefficients . prototypes) over the box's
    region of the prototype grid. The parser does per-class NMS (nms_iou) and keeps at most
    max_candidates objects before computing masks."""

    func_name: str
    layer: str | None = None
    protos: str = "protos"
    layout: str = "NxC"
    box: str = "cxcywh"
    objectness: bool = False
    num_classes: int | None = None
    num_mask_coeffs: int | None = None
    labels: Sequence[str] | None = None
    normalized: bool = False
    score_activation: str = "none"
    min_box_size: float = 0.0
    max_candidates: int | None = 100
    default_threshold: float = 0.25
    nms_iou: float | None = 0.45
    kind = KIND_INSTANCE_MASK

    def __post_init__(self):
        o = self.owner
        _check_dense_head(self)
        _layer(o, "protos", self.protos)
        if self.layer == self.protos:
            raise _err(o, "protos", "must name a different layer than the detection head")
        _count(o, "num_mask_coeffs", self.num_mask_coeffs)

    def output_layers(self):
        return [self.layer, self.protos] if self.layer else None

    def cpp_params(self, name: str) -> ParserParams:
        return ParserParams("YoloSegParams", "parse_yolo_seg", [
            CField("det", nested=_dense_fields(self)),
            CField("num_mask_coeffs", str(self.num_mask_coeffs or 0)),
            CField("protos_layer", c_string(self.protos)),
        ])


@dataclass(frozen=True)
class CustomSource:
    """A user's own C++ file compiled into the same library. It may include
    "nvdsinfer_custom_impl.h" (trtplug's declarations stand in when no DeepStream include
    directory is given). `functions` maps the names it exports to their kind ("bbox",
    "classifier", "instance_mask") so `trtplug deepstream config` and `check` know them."""

    path: Path
    functions: dict = field(default_factory=dict)

    def __post_init__(self):
        o = f"CustomSource({str(self.path)!r})"
        p = Path(self.path)
        if not p.is_file():
            raise _err(o, "path", f"no such file: {p}")
        if p.suffix not in (".cpp", ".cc", ".cxx", ".C"):
            raise _err(o, "path", f"expected a C++ source (.cpp, .cc, .cxx), got {p.name!r}")
        object.__setattr__(self, "path", p.resolve())
        if not isinstance(self.functions, dict):
            raise _err(o, "functions", f"expected a dict of function name -> kind, got {self.functions!r}")
        for name, kind in self.functions.items():
            check_func_name(o, name)
            _choice(o, f"functions[{name!r}]", kind, KINDS)

    def info(self) -> list[dict]:
        return [{"function": n, "kind": k, "num_classes": None, "output_layers": None, "labels": None,
                 "declaration": "CustomSource"} for n, k in self.functions.items()]


ParserDecl = (YoloDetector, NmsDetector, BoxesScoresDetector, Classifier, InstanceMask, YoloSeg)
