"""What nvinfer derives from a config for its output parser: the network type, the function it
looks up, the class count and per-class thresholds. Shared by the checker and the emulation."""
from __future__ import annotations

from dataclasses import dataclass, field

from .config_file import ConfigDoc, parse_bool, parse_double, parse_int, parse_list
from .config_keys import CLASS_DEFAULTS, NETWORK_TYPE_KIND, PARSER_KEYS

PROPERTY = "property"


@dataclass
class NvinferParams:
    network_type: int = 0
    kind: str | None = None  # "bbox", "classifier", "instance_mask", "segmentation", None (other)
    function: str | None = None
    custom_lib_path: str | None = None
    num_classes: int = 0
    pre_cluster: list = field(default_factory=list)
    post_cluster: list = field(default_factory=list)
    classifier_threshold: float = 0.0
    network: tuple | None = None  # (width, height, channels) from infer-dims
    error: str | None = None


def _value(doc: ConfigDoc, group: str, key: str, parse, default=None):
    e = doc.get(group, key)
    if e is None:
        return default
    v, err = parse(e.value)
    return default if err else v


def network_type(doc: ConfigDoc) -> int:
    nt = _value(doc, PROPERTY, "network-type", parse_int)
    if nt is None:  # legacy is-classifier applies only without network-type
        nt = 1 if _value(doc, PROPERTY, "is-classifier", parse_bool, False) else 0
    return nt


def class_thresholds(doc: ConfigDoc, num_classes: int, key: str, alias: str | None = None) -> list:
    """Per-class values of a [class-attrs-*] key: default, then [class-attrs-all], then
    [class-attrs-<id>]."""
    values = [CLASS_DEFAULTS.get(key, 0.0)] * num_classes

    def read(group):
        for k in (key, alias):
            if k:
                v = _value(doc, group, k, parse_double)
                if v is not None and (k == key or doc.get(group, key) is None):
                    return v
        return None

    v = read("class-attrs-all")
    if v is not None:
        values = [v] * num_classes
    for c in range(num_classes):
        v = read(f"class-attrs-{c}")
        if v is not None:
            values[c] = v
    return values


def nvinfer_params(doc: ConfigDoc) -> NvinferParams:
    p = NvinferParams()
    p.network_type = network_type(doc)
    p.kind = NETWORK_TYPE_KIND.get(p.network_type)
    if p.kind is None:
        p.error = f"network-type={p.network_type} runs no output parser"
        return p
    p.function = _value(doc, PROPERTY, PARSER_KEYS[p.kind], lambda t: (t.strip(), None))
    lib = _value(doc, PROPERTY, "custom-lib-path", lambda t: (t.strip(), None))
    p.custom_lib_path = str(doc.resolve(lib)) if lib else None
    p.num_classes = _value(doc, PROPERTY, "num-detected-classes", parse_int, 0) or 0
    p.pre_cluster = class_thresholds(doc, p.num_classes, "pre-cluster-threshold", alias="threshold")
    p.post_cluster = class_thresholds(doc, p.num_classes, "post-cluster-threshold")
    p.classifier_threshold = _value(doc, PROPERTY, "classifier-threshold", parse_double, 0.0)
    dims = _value(doc, PROPERTY, "infer-dims", lambda t: parse_list(t, parse_int))
    if dims and len(dims) == 3:
        c, h, w = dims
        p.network = (w, h, c)
    if not p.function:
        p.error = f"no {PARSER_KEYS[p.kind]} for network-type={p.network_type}"
    elif not p.custom_lib_path:
        p.error = "no custom-lib-path"
    return p
