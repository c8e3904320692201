"""The keys Gst-nvinfer reads from its config file: type, allowed values, versions.

From recorded facts about what each version's gstnvinfer property parser reads. `since` is the
first DeepStream version that reads the key; `ignored_from` the first that still parses it but
no longer acts on it.
"""
from __future__ import annotations

from dataclasses import dataclass

INT, UINT, BOOL, DOUBLE, STRING, PATH, FUNC = "int", "uint", "bool", "double", "string", "path", "function"
INT_LIST, DOUBLE_LIST, STRING_LIST, ANY = "int list", "double list", "string list", "any"


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str
    since: str = "5.0"
    enum: dict | None = None  # allowed int values -> meaning; {value: (meaning, since)} pairs
    lo: float | None = None
    hi: float | None = None
    length: int | None = None  # exact list length
    max_length: int | None = None
    deprecated: str | None = None  # message: still works, but use ...
    ignored_from: str | None = None
    ignored_why: str = ""
    note: str = ""
    element_lo: float | None = None  # lower bound of each list element


def _k(name, type_, **kw) -> KeySpec:
    return KeySpec(name, type_, **kw)


_CAFFE_UFF = "DeepStream 7.1 and later have no Caffe or UFF support"

PROPERTY_KEYS = {k.name: k for k in [
    # identity and scheduling
    _k("gie-unique-id", INT, lo=1),
    _k("process-mode", INT, enum={1: ("primary (full frame)", "5.0"), 2: ("secondary (objects)", "5.0")}),
    _k("interval", INT, lo=0),
    _k("gpu-id", INT, lo=0),
    _k("batch-size", INT, lo=1, hi=1024),
    _k("secondary-reinfer-interval", INT, lo=0),
    _k("operate-on-gie-id", INT, lo=-1),
    _k("operate-on-class-ids", INT_LIST, element_lo=0),
    _k("filter-out-class-ids", INT_LIST, element_lo=0),
    _k("input-object-min-width", INT, lo=0),
    _k("input-object-min-height", INT, lo=0),
    _k("input-object-max-width", INT, lo=0),
    _k("input-object-max-height", INT, lo=0),
    _k("classifier-async-mode", BOOL),
    _k("classifier-type", STRING, since="6.0"),
    # model files and engine
    _k("onnx-file", PATH),
    _k("model-engine-file", PATH),
    _k("int8-calib-file", PATH),
    _k("tlt-encoded-model", PATH),
    _k("tlt-model-key", STRING),
    _k("network-mode", INT, enum={0: ("FP32", "5.0"), 1: ("INT8", "5.0"), 2: ("FP16", "5.0"), 3: ("BEST", "8.0")}),
    _k("workspace-size", INT),
    _k("force-implicit-batch-dim", BOOL),
    _k("enable-dla", BOOL),
    _k("use-dla-core", INT, lo=0),
    _k("output-io-formats", STRING_LIST),
    _k("layer-device-precision", STRING_LIST),
    _k("tensor-meta-pool-size", INT, since="6.0", lo=2),
    _k("auto-inc-mem", INT, since="6.3"),
    _k("max-gpu-mem-per", INT, since="6.3", lo=0, hi=100),
    _k("strongly-typed", ANY, since="9.1"),
    _k("warmup-engine", ANY, since="9.1"),
    _k("dynamic-properties", ANY, since="9.1"),
    _k("stabilize-buffer-count", ANY, since="9.1"),
    # network description and preprocessing
    _k("output-blob-names", STRING_LIST),
    _k("network-type", INT, enum={0: ("detector", "5.0"), 1: ("classifier", "5.0"), 2: ("segmentation", "5.0"),
                                  3: ("instance segmentation", "5.0"), 100: ("other", "5.0")}),
    _k("is-classifier", BOOL, deprecated="legacy key: use network-type=1 (classifier) or 0 (detector)"),
    _k("num-detected-classes", INT, lo=0),
    _k("infer-dims", INT_LIST, length=3, element_lo=1, note="c;h;w"),
    _k("model-color-format", INT, enum={0: ("RGB", "5.0"), 1: ("BGR", "5.0"), 2: ("GRAY", "5.0")}),
    _k("net-scale-factor", DOUBLE),
    _k("offsets", DOUBLE_LIST, max_length=4),
    _k("mean-file", PATH),
    _k("maintain-aspect-ratio", BOOL),
    _k("symmetric-padding", BOOL, since="6.0"),
    _k("scaling-filter", INT, enum={0: ("nearest", "5.0"), 1: ("bilinear", "5.0"), 2: ("algo1", "5.0"),
                                    3: ("algo2", "5.0"), 4: ("algo3", "5.0"), 5: ("algo4", "5.0"),
                                    6: ("default", "5.0")}),
    _k("scaling-compute-hw", INT, enum={0: ("default", "5.0"), 1: ("GPU", "5.0"), 2: ("VIC (Jetson)", "5.0")}),
    _k("network-input-order", INT, since="6.0", enum={0: ("NCHW", "6.0"), 1: ("NHWC", "6.0")}),
    _k("input-tensor-from-meta", BOOL, since="6.0"),
    _k("crop-objects-to-roi-boundary", BOOL, since="6.2"),
    # custom library
    _k("custom-lib-path", PATH),
    _k("parse-bbox-func-name", FUNC),
    _k("parse-classifier-func-name", FUNC),
    _k("parse-bbox-instance-mask-func-name", FUNC, since="5.0"),
    _k("parse-segmentation-func-name", FUNC, since="8.0"),
    _k("engine-create-func-name", FUNC),
    _k("custom-network-config", STRING, note="copied verbatim: not resolved relative to the config file"),
    # post-processing and outputs
    _k("cluster-mode", INT, enum={0: ("groupRectangles", "5.0"), 1: ("DBSCAN", "5.0"), 2: ("NMS", "5.0"),
                                  3: ("DBSCAN+NMS", "5.0"), 4: ("none", "5.0")}),
    _k("enable-dbscan", BOOL, deprecated="deprecated: use cluster-mode=1"),
    _k("classifier-threshold", DOUBLE, lo=0),
    _k("segmentation-threshold", DOUBLE, lo=0),
    _k("segmentation-output-order", INT, since="5.1", enum={0: ("NCHW", "5.1"), 1: ("NHWC", "5.1")}),
    _k("labelfile-path", PATH),
    _k("output-tensor-meta", BOOL),
    _k("output-instance-mask", BOOL, since="5.0"),
    _k("disable-output-host-copy", INT, since="6.2", enum={0: ("host copy", "6.2"), 1: ("no host copy", "6.2")}),
    _k("raw-output-file-write", BOOL, since="8.0"),
    _k("dump-input-tensor", INT, since="6.4"),
    _k("dump-output-tensor", INT, since="6.4"),
    _k("overwrite-input-tensor", INT, since="6.4"),
    _k("overwrite-output-tensor", INT, since="6.4"),
    _k("ip-tensor-file", PATH, since="6.4"),
    _k("op-tensor-files", STRING_LIST, since="6.4"),
    # Caffe / UFF
    _k("model-file", PATH, ignored_from="7.1", ignored_why=_CAFFE_UFF),
    _k("proto-file", PATH, ignored_from="7.1", ignored_why=_CAFFE_UFF),
    _k("uff-file", PATH, ignored_from="7.1", ignored_why=_CAFFE_UFF),
    _k("uff-input-blob-name", STRING, ignored_from="7.1", ignored_why=_CAFFE_UFF),
    _k("uff-input-order", INT, enum={0: ("NCHW", "5.0"), 1: ("NHWC", "5.0"), 2: ("NC", "5.0")},
       ignored_from="7.1", ignored_why=_CAFFE_UFF),
    _k("input-dims", INT_LIST, length=4, deprecated="deprecated: use infer-dims (c;h;w)"),
    _k("uff-input-dims", INT_LIST, length=4, deprecated="deprecated: use infer-dims (c;h;w)"),
]}

# Keys no supported version reads (nvinfer prints "Unknown or legacy key").
LEGACY_KEYS = {
    "parse-func": "a DeepStream 4 key no longer read: name the parser with parse-bbox-func-name",
    "model-cache": "not an nvinfer key: use model-engine-file",
}

CLASS_ATTRS_KEYS = {k.name: k for k in [
    _k("pre-cluster-threshold", DOUBLE, lo=0),
    _k("threshold", DOUBLE, lo=0, deprecated="deprecated alias: use pre-cluster-threshold"),
    _k("post-cluster-threshold", DOUBLE, lo=0),
    _k("nms-iou-threshold", DOUBLE, lo=0, hi=1),
    _k("topk", INT, lo=0),
    _k("eps", DOUBLE, lo=0),
    _k("minBoxes", INT, lo=0),
    _k("dbscan-min-score", DOUBLE, lo=0),
    _k("group-threshold", INT, lo=0),
    _k("roi-top-offset", INT, lo=0),
    _k("roi-bottom-offset", INT, lo=0),
    _k("detected-min-w", INT, lo=0),
    _k("detected-min-h", INT, lo=0),
    _k("detected-max-w", INT, lo=0),
    _k("detected-max-h", INT, lo=0),
    _k("border-color", DOUBLE_LIST, length=4),
    _k("bg-color", DOUBLE_LIST, length=4),
]}

# Defaults nvinfer applies to every class before reading [class-attrs-*].
CLASS_DEFAULTS = {"pre-cluster-threshold": 0.2, "post-cluster-threshold": 0.0, "nms-iou-threshold": 0.3}

PARSER_KEYS = {
    "bbox": "parse-bbox-func-name",
    "classifier": "parse-classifier-func-name",
    "instance_mask": "parse-bbox-instance-mask-func-name",
    "segmentation": "parse-segmentation-func-name",
}
NETWORK_TYPE_KIND = {0: "bbox", 1: "classifier", 2: "segmentation", 3: "instance_mask"}
