"""`trtplug deepstream check`: validates an nvinfer config as Gst-nvinfer of a given DeepStream
version would read it, and opens its custom library.

    problems = check_config("config_infer.txt", "9.1")
    for p in problems: print(p.format("config_infer.txt"))
    usable = not any(p.severity == "error" for p in problems)

Each key's value is checked in config_values.py, the rules across keys and the library in
config_semantics.py; this module runs them in order.
"""
from __future__ import annotations

from pathlib import Path

from . import config_keys as K
from . import config_semantics as S
from .config_file import read_config
from .config_semantics import CONFIG_NOTES
from .config_values import ERROR, INFO, WARNING, ConfigFindings, Problem, check_file, check_keys
from .nvinfer_params import PROPERTY, network_type
from .versions import parse_version

__all__ = ["CONFIG_NOTES", "ERROR", "INFO", "WARNING", "Problem", "check_config", "is_usable"]


def is_usable(problems) -> bool:
    return not any(p.severity == ERROR for p in problems)


def _check(c: ConfigFindings, open_library: bool) -> list:
    if not check_file(c):
        return c.problems
    check_keys(c, PROPERTY, K.PROPERTY_KEYS)
    nt = network_type(c.doc)
    num_classes = c.prop("num-detected-classes", 0)
    S.check_class_groups(c, nt, num_classes)
    S.check_paths(c)
    lib_may_build = S.check_combinations(c, nt, num_classes)
    if open_library:
        S.check_library(c, nt, num_classes, lib_may_build)
    return c.problems


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
    problems = _check(ConfigFindings(doc, version), open_library)
    return sorted(problems, key=lambda q: (q.line or 0))
