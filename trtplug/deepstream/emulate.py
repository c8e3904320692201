"""nvinfer emulation: call a built library's parsers the way Gst-nvinfer does, on the CPU.

The emulator (registry/deepstream/nvinfer_emu.cpp) is built once per DeepStream layout and
cached; it reads a plan and writes a result, both record files (emulator_records.py). It dlopens
the library with RTLD_LAZY, looks the function up with dlsym, passes output layers made from numpy
arrays (each in its own exactly-sized buffer), and releases what the parser allocated as nvinfer
does (masks with delete[], labels with free()). It runs in a child process, so a crashing parser
cannot take the caller down::

    res = emulate_config("config_infer.txt", {"output0": yolo_output})
    assert res.ok and res.objects[0]["classId"] == 2
"""
from __future__ import annotations

import hashlib
import math
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..native.compiler import CompileJob, run_compile
from ..errors import NativeError, TrtPlugError
from ..native.assets import DEEPSTREAM_DIR, TESTING_DIR
from ..native.records import Record, record
from .emulator_records import network_record, plan_header, raise_for_failure, run_emulator
from .parsers import KIND_BBOX, KIND_CLASSIFIER, KIND_INSTANCE_MASK
from .versions import parse_version

EMULATOR_CPP = DEEPSTREAM_DIR / "nvinfer_emu.cpp"
SANITIZE_FLAGS = ("-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g")
SANITIZER_ENV = {
    "ASAN_OPTIONS": "alloc_dealloc_mismatch=1:detect_leaks=1:exitcode=86",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87",
}

_DTYPES = {np.dtype(np.float32): 0, np.dtype(np.float16): 1, np.dtype(np.int8): 2, np.dtype(np.int32): 3,
           np.dtype(np.int64): 4, np.dtype(np.uint8): 5, np.dtype(np.bool_): 5}


class EmulationError(TrtPlugError):
    """The emulation could not run (bad inputs, or the emulator could not be built)."""


@dataclass
class EmulationResult:
    """What the parser returned and produced, after nvinfer-style release of its allocations."""

    ok: bool  # the parser's return value
    kind: str
    function: str
    objects: list = field(default_factory=list)  # bbox / instance_mask: dicts; masks as 2-D arrays
    attributes: list = field(default_factory=list)  # classifier: dicts (index, value, confidence, label)
    description: str = ""
    problems: list = field(default_factory=list)  # misuse of nvinfer's ownership/size rules
    stderr: str = ""  # the parser's messages


def cache_dir() -> Path:
    root = os.environ.get("TRTPLUG_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "trtplug"


def sanitizer_flags(sanitize: bool) -> list:
    """Compiler flags for a library that the sanitized emulator will load."""
    return list(SANITIZE_FLAGS) if sanitize else []


def build_emulator(deepstream_version=None, *, sanitize: bool = False) -> Path:
    """Builds (or finds in the cache) the emulator for this DeepStream layout."""
    version = parse_version(deepstream_version)
    h = hashlib.sha256()
    for f in (EMULATOR_CPP, DEEPSTREAM_DIR / "trtplug_nvdsinfer.h", DEEPSTREAM_DIR / "trtplug_libstdcxx.h",
              TESTING_DIR / "records.h"):
        h.update(f.read_bytes())
    h.update(f"{version.code}:{sanitize}".encode())
    out_dir = cache_dir() / "deepstream-emu" / h.hexdigest()[:16]
    exe = out_dir / "nvinfer_emu"
    if exe.is_file():
        return exe
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f"nvinfer_emu.{os.getpid()}.tmp"
    job = CompileJob(sources=[EMULATOR_CPP], output=tmp, shared=False, include_dirs=[DEEPSTREAM_DIR],
                     defines={"TRTPLUG_DS_VERSION": str(version.code), "_GLIBCXX_USE_CXX11_ABI": "1"},
                     extra_flags=sanitizer_flags(sanitize), optimize="-O1" if sanitize else "-O2")
    run_compile(job)
    os.replace(tmp, exe)
    return exe


def _thresholds(value, n: int, default: float) -> list:
    if value is None:
        return [default] * n
    if isinstance(value, (int, float)):
        return [float(value)] * n
    return [float(v) for v in value]


def emulate_parser(library, function: str, kind: str, outputs: Mapping[str, np.ndarray], *,
                   network: Sequence[int] = (640, 640, 3), num_classes: int = 0,
                   pre_cluster_thresholds=None, post_cluster_thresholds=None,
                   classifier_threshold: float = 0.5, deepstream_version=None, sanitize: bool = False,
                   calls: int = 1, timeout: float = 120) -> EmulationResult:
    """Calls `function` of `library` as nvinfer would, once per frame: `outputs` maps layer names
    to one frame's arrays (no batch dimension), in the engine's output order.

    Raises LoadError when dlopen or dlsym fails (nvinfer's "Could not open custom lib" and
    "dlsym failed to get func" cases), NativeError when the parser crashed or a sanitizer
    reported an error, EmulationError for unusable inputs.
    """
    if kind not in (KIND_BBOX, KIND_CLASSIFIER, KIND_INSTANCE_MASK):
        raise EmulationError(f"emulate_parser: kind must be 'bbox', 'classifier' or 'instance_mask', got {kind!r}")
    version = parse_version(deepstream_version)
    if len(network) != 3 or any(int(v) < 0 for v in network):
        raise EmulationError(f"emulate_parser: network must be (width, height, channels), got {network!r}")
    pre = _thresholds(pre_cluster_thresholds, num_classes, 0.2)
    post = _thresholds(post_cluster_thresholds, num_classes, 0.0)
    plan = [plan_header(kind, library, function, calls=int(calls)), network_record(network)]
    if kind == KIND_CLASSIFIER:
        plan.append(record("classifier", threshold=float(classifier_threshold)))
    else:
        plan.append(record("detection", classes=int(num_classes), pre_cluster=pre, post_cluster=post))
    files = {}
    for name, arr in outputs.items():
        arr = np.ascontiguousarray(arr)
        if arr.dtype not in _DTYPES:
            raise EmulationError(f"emulate_parser: layer {name!r} has dtype {arr.dtype}; nvinfer passes "
                                 f"float32, float16, int8, int32 (and int64, uint8 from DeepStream 8.0)")
        code = _DTYPES[arr.dtype]
        if code >= 4 and not version.has_int64_uint8:
            raise EmulationError(f"emulate_parser: layer {name!r}: DeepStream {version} has no {arr.dtype} layers")
        if not name:
            raise EmulationError("emulate_parser: a layer name is empty")
        dims = arr.shape if arr.ndim else (1,)
        if len(dims) > 8:
            raise EmulationError(f"emulate_parser: layer {name!r} has {len(dims)} dims; nvinfer allows 8")
        file = f"layer{len(files)}.bin"
        files[file] = arr.tobytes()
        plan.append(record("layer", name=name, dtype=code, dims=list(dims), file=file))
    exe = build_emulator(version, sanitize=sanitize)
    env = dict(os.environ, **(SANITIZER_ENV if sanitize else {}))
    try:
        run = run_emulator(exe, plan, files, case=function, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise NativeError(f"{function}: the parser did not return within {timeout} s") from exc
    raise_for_failure(run)
    return EmulationResult(ok=run.returned.text("ok") == "1", kind=kind, function=function,
                           objects=[_object(r) for r in run.objects], attributes=[_attribute(r) for r in run.attributes],
                           description=run.returned.text("description", ""), problems=run.problems, stderr=run.stderr)


def _number(rec: Record, key: str) -> float | None:
    """A float field; None for NaN or infinity, as nvinfer's consumers cannot use them either."""
    value = rec.floats(key)[0]
    return value if math.isfinite(value) else None


def _object(rec: Record) -> dict:
    obj = {"classId": rec.int("class_id"), **{k: _number(rec, k) for k in ("left", "top", "width", "height")},
           "confidence": _number(rec, "confidence")}
    if "rotation_angle" in rec:
        obj["rotation_angle"] = _number(rec, "rotation_angle")
    if "mask_width" in rec:
        obj.update(mask_width=rec.int("mask_width"), mask_height=rec.int("mask_height"),
                   mask_size=rec.int("mask_size"), mask=None)
        if "mask" in rec:
            obj["mask"] = np.frombuffer(rec.hex("mask"), dtype="<f4").reshape(obj["mask_height"], obj["mask_width"])
    return obj


def _attribute(rec: Record) -> dict:
    return {"index": rec.int("index"), "value": rec.int("value"), "confidence": _number(rec, "confidence"),
            "label": rec.text("label") if "label" in rec else None}


def emulate_config(config_path, outputs: Mapping[str, np.ndarray], *, deepstream_version=None,
                   sanitize: bool = False, network: Sequence[int] | None = None, calls: int = 1) -> EmulationResult:
    """Reads an nvinfer config as nvinfer does (custom-lib-path relative to the file, the parser
    named for its network-type, num-detected-classes, class-attrs thresholds,
    classifier-threshold, infer-dims) and emulates one frame's parse with `outputs`."""
    from .config_file import read_config  # local: the config reader is only needed here
    from .nvinfer_params import nvinfer_params

    doc = read_config(config_path)
    params = nvinfer_params(doc)
    if params.error:
        raise EmulationError(f"{config_path}: {params.error}")
    if network is None:
        network = params.network
    if network is None:
        raise EmulationError(f"{config_path}: no infer-dims, so the network input size nvinfer would take from the "
                             "engine is unknown. Hint: pass network=(width, height, channels)")
    return emulate_parser(params.custom_lib_path, params.function, params.kind, outputs, network=network,
                          num_classes=params.num_classes, pre_cluster_thresholds=params.pre_cluster,
                          post_cluster_thresholds=params.post_cluster,
                          classifier_threshold=params.classifier_threshold,
                          deepstream_version=deepstream_version, sanitize=sanitize, calls=calls)
