"""The TensorRT plugin lifecycle harness: build it, write test plans for it, run it, read its results.

The harness (``registry/harness/``) is a small host program compiled against real TensorRT
headers. It stands in for libnvinfer (plugin registry, expression builder, logger), loads a built
plugin library and drives every plugin the way TensorRT does: creator lookup -> createPlugin ->
clone -> output dimensions -> format combinations -> configure -> workspace -> enqueue (GPU only)
-> serialize -> deserializePlugin -> compare -> destroy.

Nothing here imports Numba: plans are prepared where the plugins are built (inputs and numpy
references saved next to the plan) and run anywhere the library and the harness binary are.

Example::

    from trtplug.build.tensorrt_headers import find_tensorrt_include
    from trtplug.testing.harness import PlanCase, PluginField, write_plan, run_plan, format_table

    x = np.random.rand(2, 3).astype(np.float32)
    case = PlanCase("mish_f32", plugin="Mish", version="1",
                    fields=[PluginField.from_value("beta", 1.0)],
                    inputs=[x], references=[x * np.tanh(np.log1p(np.exp(x)))])
    write_plan("build/plan", [case])
    results = run_plan("build/libmish_plugins.so", "build/plan", find_tensorrt_include())
    print(format_table(results))
"""
from __future__ import annotations

import enum
import hashlib
import json
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import quote, unquote

import numpy as np

from ..errors import LoadError, TrtPlugError

PLAN_FORMAT = 1
MANIFEST = "plan.json"
HARNESS_PLAN = "plan.txt"
HARNESS_RESULT = "result.txt"
DEFAULT_LIBRARY_ID = "lib"
VERSION_MARKER = b"TRTPLUG_TENSORRT_VERSION="

_REGISTRY = Path(__file__).resolve().parent.parent / "registry"
if not (_REGISTRY / "harness").is_dir():  # running from a source checkout
    _REGISTRY = Path(__file__).resolve().parents[2] / "registry"
HARNESS_DIR = _REGISTRY / "harness"
TENSORRT_DIR = _REGISTRY / "tensorrt"

# numpy dtype name -> nvinfer1::DataType value
TRT_DTYPES = {"float32": 0, "float16": 1, "int8": 2, "int32": 3, "bool": 4, "uint8": 5, "int64": 8}
NUMPY_OF_TRT = {v: k for k, v in TRT_DTYPES.items()}

EXPECTATIONS = ("lookup-fail", "create-fail", "deserialize-fail", "types-rejected")


class FieldType(enum.IntEnum):
    """nvinfer1::PluginFieldType values."""

    FLOAT16 = 0
    FLOAT32 = 1
    FLOAT64 = 2
    INT8 = 3
    INT16 = 4
    INT32 = 5
    CHAR = 6
    DIMS = 7
    UNKNOWN = 8
    BF16 = 9
    INT64 = 10


_FIELD_NUMPY = {FieldType.FLOAT16: np.float16, FieldType.FLOAT32: np.float32, FieldType.FLOAT64: np.float64,
                FieldType.INT8: np.int8, FieldType.INT16: np.int16, FieldType.INT32: np.int32,
                FieldType.INT64: np.int64}


@dataclass(frozen=True)
class PluginField:
    """One nvinfer1::PluginField as createPlugin receives it: raw bytes, a type and an element count."""

    name: str
    type: int
    data: bytes
    length: int

    @classmethod
    def from_value(cls, name: str, value, kind: str | None = None) -> "PluginField":
        """The field TensorRT's ONNX importer would pass for `value`.

        kind (a trtplug attribute kind) picks the type when the value alone is ambiguous:
        "int", "bool", "int_list" -> kINT32; "float", "float_list" -> kFLOAT32; "string" -> kCHAR.
        """
        if kind is None:
            if isinstance(value, str):
                kind = "string"
            elif isinstance(value, (bool, int, np.integer)):
                kind = "int"
            elif isinstance(value, (float, np.floating)):
                kind = "float"
            elif isinstance(value, (list, tuple, np.ndarray)):
                items = list(np.asarray(value).ravel())
                kind = "float_list" if any(isinstance(v, (float, np.floating)) for v in items) else "int_list"
            else:
                raise TypeError(f"field {name!r}: no PluginField type for a {type(value).__name__}")
        if kind == "string":
            data = str(value).encode("utf-8")
            return cls(name, FieldType.CHAR, data, len(data))
        if kind in ("int", "bool", "int_list"):
            return cls.typed(name, FieldType.INT32, value)
        if kind in ("float", "float_list"):
            return cls.typed(name, FieldType.FLOAT32, value)
        raise ValueError(f"field {name!r}: unknown attribute kind {kind!r}")

    @classmethod
    def typed(cls, name: str, field_type: int, values) -> "PluginField":
        """A field of an explicit numeric PluginFieldType (values converted with numpy)."""
        ftype = FieldType(field_type)
        if ftype not in _FIELD_NUMPY:
            raise ValueError(f"field {name!r}: PluginFieldType {ftype.name} needs raw bytes (use PluginField(...))")
        arr = np.asarray(values, dtype=_FIELD_NUMPY[ftype]).ravel()
        return cls(name, int(ftype), arr.astype(arr.dtype.newbyteorder("<")).tobytes(), int(arr.size))


@dataclass
class PlanCase:
    """One plugin run: how to make the plugin, its inputs, and what its outputs must be.

    outputs: (dtype, shape) per output; taken from `references` when not given.
    references: expected output values, compared after a GPU enqueue (atol + rtol * |ref|).
    fields: None passes a null PluginFieldCollection to createPlugin.
    deserialize_from: make the plugin with deserializePlugin(blob file) instead of createPlugin.
    save_blob: file (relative to the plan folder) the plugin's serialization is written to.
    expect: one of EXPECTATIONS, with `expect_message` a text the plugin's error must contain.
    """

    case_id: str
    plugin: str
    version: str
    namespace: str = ""
    library: str = DEFAULT_LIBRARY_ID
    fields: Sequence[PluginField] | None = ()
    inputs: Sequence[np.ndarray] = ()
    outputs: Sequence[tuple[str, tuple[int, ...]]] | None = None
    references: Sequence[np.ndarray] | None = None
    atol: float | Sequence[float] = 1e-5
    rtol: float | Sequence[float] = 1e-5
    deserialize_from: str | Path | None = None
    save_blob: str | None = None
    expect: str | None = None
    expect_message: str = ""
    label: str = ""


@dataclass
class StepResult:
    name: str
    status: str  # "ok", "fail", "skip"
    message: str = ""


@dataclass
class CaseResult:
    case_id: str
    plugin: str
    version: str
    label: str
    status: str                 # "pass" or "fail"
    message: str = ""           # the first failure, or a summary
    steps: list[StepResult] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    enqueued: bool = False      # the enqueue step ran on a GPU
    compared: bool = False      # outputs were compared with references
    max_abs_error: float | None = None

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)


class HarnessReport(list):
    """The CaseResults of one harness run (a list), plus what the harness said about the run."""

    def __init__(self, cases=(), *, tensorrt: str = "", device: str = "", gpu: bool = False,
                 libraries: dict | None = None, unloads: dict | None = None, returncode: int = 0,
                 problem: str = ""):
        super().__init__(cases)
        self.tensorrt = tensorrt
        self.device = device
        self.gpu = gpu
        self.libraries = libraries or {}   # id -> (ok, message)
        self.unloads = unloads or {}       # id -> (ok, message)
        self.returncode = returncode
        self.problem = problem             # a failure of the run itself (crash, bad plan), or ""

    @property
    def passed(self) -> bool:
        return (not self.problem and all(c.passed for c in self)
                and all(ok for ok, _ in self.libraries.values()) and all(ok for ok, _ in self.unloads.values()))


# ------------------------------------------------------------------------------------- building
def _cache_root() -> Path:
    return Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug"))


def harness_sources() -> list[Path]:
    return sorted(HARNESS_DIR.glob("*.cpp"))


def build_harness(tensorrt_headers, *, cuda_include: Path | None = None, cache_dir: Path | None = None) -> Path:
    """Compiles the harness against `tensorrt_headers` (a TensorRTHeaders); cached by content.

    The binary links libstdc++ statically and reaches the GPU through libcuda.so.1 at run time, so
    it can be copied to a GPU machine that has neither a compiler nor a CUDA toolkit.
    """
    from ..build.compiler import CompileJob, find_cxx, run_compile
    from ..build.tensorrt_headers import find_cuda_include

    cuda = Path(cuda_include) if cuda_include else find_cuda_include()
    headers_dir = Path(tensorrt_headers.include_dir)
    cxx = find_cxx()
    digest = hashlib.sha256()
    for path in sorted(HARNESS_DIR.iterdir()) + sorted(TENSORRT_DIR.glob("*.h")):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted(headers_dir.glob("NvInfer*.h")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"{cxx}|{cuda}|{PLAN_FORMAT}".encode())
    try:
        digest.update(subprocess.run([cxx, "--version"], capture_output=True, text=True, encoding="utf-8", errors="replace").stdout.encode())
    except OSError:
        pass
    out_dir = Path(cache_dir) if cache_dir else _cache_root() / "harness"
    binary = out_dir / f"trtplug_harness-trt{tensorrt_headers.major}-{digest.hexdigest()[:16]}"
    if binary.is_file():
        return binary
    dynamic_list = HARNESS_DIR / "harness_exports.list"
    tmp = binary.with_name(binary.name + f".tmp{os.getpid()}")
    job = CompileJob(harness_sources(), tmp, shared=False, include_dirs=[TENSORRT_DIR, HARNESS_DIR],
                     system_include_dirs=[headers_dir, cuda], optimize="-O1",
                     extra_flags=[f"-Wl,--dynamic-list={dynamic_list}", "-static-libstdc++", "-static-libgcc"])
    run_compile(job)
    os.replace(tmp, binary)
    return binary


def library_tensorrt_version(library: str | Path) -> tuple[int, int, int] | None:
    """The TensorRT version a trtplug library was built against, read from the file without loading
    it; None for a library built without the TensorRT adapter (or not by trtplug)."""
    data = Path(library).read_bytes()
    at = data.find(VERSION_MARKER)
    while at >= 0:
        tail = data[at + len(VERSION_MARKER): at + len(VERSION_MARKER) + 16].split(b"\0", 1)[0]
        parts = tail.decode("ascii", "replace").split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return tuple(int(p) for p in parts)  # type: ignore[return-value]
        at = data.find(VERSION_MARKER, at + 1)
    return None


def check_library_for(library: str | Path, tensorrt_headers) -> tuple[int, int, int]:
    """Raises LoadError unless `library` was built for the TensorRT major of `tensorrt_headers`."""
    version = library_tensorrt_version(library)
    if version is None:
        raise LoadError(f"{library}: not a trtplug TensorRT plugin library (it records no TensorRT version; "
                        "was it built with --no-tensorrt?)")
    if version[0] != tensorrt_headers.major:
        raise LoadError(f"{library} was built for TensorRT {'.'.join(map(str, version))}, but the harness uses "
                        f"TensorRT {tensorrt_headers.version} headers: build the library against TensorRT "
                        f"{tensorrt_headers.major} headers (trtplug compile --tensorrt-include DIR)")
    return version


# -------------------------------------------------------------------------------------- plans
def _text(value: str) -> str:
    return "=" + quote(value, safe="!#$&'()*+,-./:;<>?@[]^_`{|}~\"\\")


def _untext(word: str) -> str:
    if not word.startswith("="):
        raise ValueError(f"expected an encoded text field, got {word!r}")
    return unquote(word[1:], errors="replace")


def _as_list(value, n: int) -> list[float]:
    if isinstance(value, (int, float)):
        return [float(value)] * n
    values = [float(v) for v in value]
    if len(values) != n:
        raise ValueError(f"expected {n} tolerance values, got {len(values)}")
    return values


def write_plan(plan_dir: str | Path, cases: Sequence[PlanCase], *, libraries: Mapping[str, str | Path] | None = None,
               mode: str = "auto", load: str = "loader") -> Path:
    """Writes the plan of `cases` into `plan_dir`: plan.json (the manifest) plus one .bin per input
    and one .npy per reference. Returns the manifest path.

    mode: "auto" (enqueue when a GPU is there), "cpu" (never enqueue) or "gpu" (a GPU is required).
    load: "loader" (IPluginRegistry::loadLibrary, as --dynamicPlugins) or "static" (plain dlopen and
    the library's static registration, as --plugins or DeepStream).
    libraries: library id -> path, when known now (run_plan may give them instead).
    """
    if mode not in ("auto", "cpu", "gpu"):
        raise ValueError(f"mode must be 'auto', 'cpu' or 'gpu', not {mode!r}")
    if load not in ("loader", "static"):
        raise ValueError(f"load must be 'loader' or 'static', not {load!r}")
    plan_dir = Path(plan_dir)
    plan_dir.mkdir(parents=True, exist_ok=True)
    seen = set()
    manifest_cases = []
    for case in cases:
        cid = case.case_id
        if not cid or any(c.isspace() for c in cid) or "/" in cid:
            raise ValueError(f"case id {cid!r}: use a non-empty name without spaces or '/'")
        if cid in seen:
            raise ValueError(f"case id {cid!r} is used twice")
        seen.add(cid)
        if case.expect is not None and case.expect not in EXPECTATIONS:
            raise ValueError(f"case {cid}: expect must be one of {', '.join(EXPECTATIONS)}")
        inputs = []
        for k, arr in enumerate(case.inputs):
            arr = np.ascontiguousarray(arr)
            if arr.dtype.name not in TRT_DTYPES:
                raise ValueError(f"case {cid}: input {k} has dtype {arr.dtype.name}, which has no TensorRT DataType")
            name = f"{cid}.in{k}.bin"
            (plan_dir / name).write_bytes(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
            inputs.append({"dtype": arr.dtype.name, "shape": list(arr.shape), "file": name})
        refs = list(case.references) if case.references is not None else None
        if case.outputs is not None:
            outs = [(np.dtype(d).name, tuple(int(s) for s in shape)) for d, shape in case.outputs]
        elif refs is not None:
            outs = [(np.asarray(r).dtype.name, tuple(np.asarray(r).shape)) for r in refs]
        else:
            outs = []
        if not outs and case.expect is None:
            raise ValueError(f"case {cid}: give the expected outputs (references, or outputs as (dtype, shape))")
        if refs is not None and len(refs) != len(outs):
            raise ValueError(f"case {cid}: {len(refs)} references for {len(outs)} outputs")
        outputs = []
        for k, (dtype, shape) in enumerate(outs):
            if dtype not in TRT_DTYPES:
                raise ValueError(f"case {cid}: output {k} has dtype {dtype}, which has no TensorRT DataType")
            entry = {"dtype": dtype, "shape": list(shape), "file": f"{cid}.out{k}.bin"}
            if refs is not None:
                ref_name = f"{cid}.ref{k}.npy"
                np.save(plan_dir / ref_name, np.asarray(refs[k]), allow_pickle=False)
                entry["reference"] = ref_name
            outputs.append(entry)
        n_out = len(outputs)
        manifest_cases.append({
            "id": cid, "plugin": case.plugin, "version": case.version, "namespace": case.namespace,
            "library": case.library,
            "fields": None if case.fields is None else [
                {"name": f.name, "type": int(f.type), "length": int(f.length), "data": f.data.hex()}
                for f in case.fields],
            "inputs": inputs, "outputs": outputs,
            "atol": _as_list(case.atol, n_out), "rtol": _as_list(case.rtol, n_out),
            "deserialize": None if case.deserialize_from is None else str(case.deserialize_from),
            "save_blob": case.save_blob, "expect": case.expect, "expect_message": case.expect_message,
            "label": case.label or _label(inputs, outputs),
        })
    manifest = {"format": PLAN_FORMAT, "mode": mode, "load": load,
                "libraries": {k: str(Path(v).resolve()) for k, v in (libraries or {}).items()},
                "cases": manifest_cases}
    path = plan_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path


def _label(inputs, outputs) -> str:
    def one(t):
        return f"{t['dtype']}[{','.join(map(str, t['shape']))}]"
    return ", ".join(one(t) for t in inputs) + " -> " + ", ".join(one(t) for t in outputs)


def _harness_plan_text(manifest: dict, libraries: Mapping[str, Path], mode: str, load: str) -> str:
    lines = [f"trtplug-plan {PLAN_FORMAT}", f"mode {mode}"]
    for lib_id, path in libraries.items():
        lines.append(f"library {lib_id} {load} {_text(str(path))}")
    for c in manifest["cases"]:
        lines.append(f"case {c['id']}")
        lines.append(f"plugin {c['library']} {_text(c['plugin'])} {_text(c['version'])} {_text(c['namespace'])}")
        if c["fields"] is None:
            lines.append("fields-null")
        else:
            for f in c["fields"]:
                lines.append(f"field {_text(f['name'])} {f['type']} {f['length']} {f['data'] or '-'}")
        for kind, tensors in (("input", c["inputs"]), ("output", c["outputs"])):
            for t in tensors:
                dims = " ".join(str(d) for d in t["shape"])
                lines.append(f"{kind} {TRT_DTYPES[t['dtype']]} {len(t['shape'])}{' ' + dims if dims else ''} "
                             f"{_text(t['file'])}")
        if c["deserialize"]:
            lines.append(f"deserialize {_text(c['deserialize'])}")
        if c["save_blob"]:
            lines.append(f"save-blob {_text(c['save_blob'])}")
        if c["expect"]:
            lines.append(f"expect {c['expect']} {_text(c['expect_message'])}")
        lines.append("end")
    return "\n".join(lines) + "\n"


def write_harness_plan(plan_dir: str | Path, libraries: Mapping[str, str | Path], *, mode: str | None = None,
                       load: str | None = None) -> Path:
    """Writes the harness's own plan.txt for the manifest in `plan_dir`, with these library paths
    (relative paths are taken as they are: from the folder the harness is started in). For running
    the harness binary directly on a machine without trtplug: ``trtplug_harness plan.txt result.txt``,
    then :func:`read_results` where trtplug is installed."""
    plan_dir = Path(plan_dir)
    manifest = _read_manifest(plan_dir)
    path = plan_dir / HARNESS_PLAN
    path.write_text(_harness_plan_text(manifest, {k: Path(v) for k, v in libraries.items()},
                                       mode or manifest["mode"], load or manifest["load"]), encoding="utf-8")
    return path


def read_results(plan_dir: str | Path, returncode: int | None = 0, stderr: str = "") -> HarnessReport:
    """Reads result.txt of a harness run in `plan_dir` and compares the outputs it left with the references."""
    plan_dir = Path(plan_dir)
    manifest = _read_manifest(plan_dir)
    result_file = plan_dir / HARNESS_RESULT
    text = result_file.read_text(encoding="utf-8", errors="replace") if result_file.is_file() else ""
    report = parse_results(text, manifest, returncode, stderr)
    _compare_outputs(report, manifest, plan_dir)
    return report


def _read_manifest(plan_dir: Path) -> dict:
    try:
        manifest = json.loads((plan_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrtPlugError(f"cannot read the test plan {plan_dir / MANIFEST}: {exc}") from exc
    if manifest.get("format") != PLAN_FORMAT:
        raise TrtPlugError(f"{plan_dir / MANIFEST}: plan format {manifest.get('format')}, expected {PLAN_FORMAT}")
    return manifest


# --------------------------------------------------------------------------------------- running
def run_plan(library: str | Path | Mapping[str, str | Path] | None, plan_dir: str | Path, tensorrt_headers=None, *,
             harness: str | Path | None = None, mode: str | None = None, load: str | None = None,
             timeout: float = 600.0) -> HarnessReport:
    """Runs the plan in `plan_dir` (written by write_plan) and returns one CaseResult per case.

    library: the library for the plan's cases (a path), or {library id: path}, or None for the
        paths recorded in the plan.
    tensorrt_headers: the TensorRTHeaders to build the harness with (unless `harness`, a prebuilt
        binary, is given).
    Failures of plugins are results, not exceptions; a library built for another TensorRT major is
    reported by the harness for the cases that use it. Raises TrtPlugError only when the harness
    cannot be started.
    """
    plan_dir = Path(plan_dir)
    manifest = _read_manifest(plan_dir)
    if library is None:
        libraries = {k: Path(v) for k, v in manifest["libraries"].items()}
    elif isinstance(library, Mapping):
        libraries = {k: Path(v) for k, v in library.items()}
    else:
        libraries = {DEFAULT_LIBRARY_ID: Path(library)}
    missing = sorted({c["library"] for c in manifest["cases"]} - set(libraries))
    if missing:
        raise TrtPlugError(f"the plan's cases use library id(s) {', '.join(missing)}, but no path was given for them")
    for lib_id, path in libraries.items():
        if not path.is_file():
            raise LoadError(f"library {lib_id}: {path} does not exist")
    if harness is None:
        if tensorrt_headers is None:
            raise TrtPlugError("run_plan needs either TensorRT headers to build the harness or a prebuilt harness")
        harness = build_harness(tensorrt_headers)
    mode = mode or manifest["mode"]
    load = load or manifest["load"]
    plan_file = plan_dir / HARNESS_PLAN
    result_file = plan_dir / HARNESS_RESULT
    plan_file.write_text(_harness_plan_text(manifest, {k: p.resolve() for k, p in libraries.items()}, mode, load),
                         encoding="utf-8")
    result_file.unlink(missing_ok=True)
    try:
        proc = subprocess.run([str(harness), str(plan_file), str(result_file)], capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=timeout)
        returncode, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode = None
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    except OSError as exc:
        raise TrtPlugError(f"cannot run the harness {harness}: {exc}") from exc
    text = result_file.read_text(encoding="utf-8", errors="replace") if result_file.is_file() else ""
    report = parse_results(text, manifest, returncode, stderr, timeout)
    _compare_outputs(report, manifest, plan_dir)
    return report


def plan_cases(spec, cases, *, prefix: str | None = None) -> list[PlanCase]:
    """PlanCases for a plugin's test cases (trtplug.testing.cases.Case: inputs, references, attributes,
    tolerance per output), with every attribute passed as the PluginField its kind calls for."""
    result = []
    for i, case in enumerate(cases):
        fields = [PluginField.from_value(name, value, spec.attr(name).kind) for name, value in case.attributes.items()]
        result.append(PlanCase(f"{prefix or spec.name}_{i}", spec.name, spec.version, fields=fields,
                               inputs=case.inputs, references=case.references,
                               rtol=[t[0] for t in case.tolerance], atol=[t[1] for t in case.tolerance],
                               label=case.label))
    return result


def _crash_reason(returncode: int | None, timeout: float) -> str:
    if returncode is None:
        return f"the harness did not finish within {timeout:g} s"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the harness crashed ({name})"
    return f"the harness exited with status {returncode}"


def parse_results(text: str, manifest: dict, returncode: int | None = 0, stderr: str = "",
                  timeout: float = 0.0) -> HarnessReport:
    """Reads the harness's result file into a HarnessReport (one CaseResult per case of `manifest`)."""
    by_id = {c["id"]: c for c in manifest["cases"]}
    steps: dict[str, list[StepResult]] = {cid: [] for cid in by_id}
    logs: dict[str, list[str]] = {cid: [] for cid in by_id}
    verdict: dict[str, str] = {}
    running: tuple[str, str] | None = None
    report = HarnessReport(returncode=returncode if returncode is not None else -1)
    ended = False
    for line in text.splitlines():
        words = line.split(" ")
        key = words[0]
        try:
            if key == "harness":
                report.tensorrt = _untext(words[2])
            elif key == "device":
                report.gpu = words[1] == "gpu"
                report.device = _untext(words[2])
            elif key == "library":
                report.libraries[words[1]] = (words[2] == "ok", _untext(words[3]))
            elif key == "unload":
                report.unloads[words[1]] = (words[2] == "ok", _untext(words[3]))
            elif key == "begin":
                running = (words[1], words[2])
            elif key == "step":
                steps.setdefault(words[1], []).append(StepResult(words[2], words[3], _untext(words[4])))
                running = None
            elif key == "log":
                logs.setdefault(words[1], []).append(_untext(words[3]))
            elif key == "case":
                verdict[words[1]] = words[2]
            elif key == "error":
                report.problem = _untext(words[1])
            elif key == "end":
                ended = True
        except (IndexError, ValueError):
            report.problem = report.problem or f"unreadable harness result line: {line!r}"
    if not ended and not report.problem:
        where = f" in step '{running[1]}' of case {running[0]}" if running else ""
        tail = stderr.strip().splitlines()[-5:]
        report.problem = _crash_reason(returncode, timeout) + where + (
            ("; stderr: " + " | ".join(tail)) if tail else "")
    for cid, c in by_id.items():
        case_steps = steps.get(cid, [])
        status = verdict.get(cid)
        failed = next((s for s in case_steps if s.status == "fail"), None)
        if status is None:
            if running and running[0] == cid:
                message = f"{report.problem}"
            else:
                message = "not run: " + (report.problem or "the harness stopped before this case")
            status = "fail"
        elif failed is not None:
            message = f"{failed.name}: {failed.message}"
        else:
            enqueue = next((s for s in case_steps if s.name == "enqueue"), None)
            message = "" if enqueue is None or enqueue.status == "ok" else f"enqueue skipped ({enqueue.message})"
            if c["expect"]:
                message = f"{c['expect']} as expected"
        enq = next((s for s in case_steps if s.name == "enqueue"), None)
        report.append(CaseResult(cid, c["plugin"], c["version"], c["label"], status, message, case_steps,
                                 logs.get(cid, []), enqueued=enq is not None and enq.status == "ok"))
    return report


def _compare_outputs(report: HarnessReport, manifest: dict, plan_dir: Path) -> None:
    by_id = {c["id"]: c for c in manifest["cases"]}
    for result in report:
        c = by_id[result.case_id]
        if not result.enqueued or not result.passed:
            continue
        worst = 0.0
        for k, out in enumerate(c["outputs"]):
            if "reference" not in out:
                continue
            ref = np.load(plan_dir / out["reference"], allow_pickle=False)
            try:
                got = np.fromfile(plan_dir / out["file"], dtype=np.dtype(out["dtype"]).newbyteorder("<"))
                got = got.reshape(out["shape"])
            except (OSError, ValueError) as exc:
                result.status, result.message = "fail", f"output {k}: cannot read the harness's output: {exc}"
                break
            a = got.astype(np.float64)
            b = np.asarray(ref).astype(np.float64)
            if a.shape != b.shape:
                result.status, result.message = "fail", f"output {k}: shape {a.shape}, reference {b.shape}"
                break
            diff = np.abs(a - b)
            err = float(np.nanmax(diff)) if diff.size else 0.0
            bad = ~(diff <= c["atol"][k] + c["rtol"][k] * np.abs(b))
            both_nan = np.isnan(a) & np.isnan(b)
            bad &= ~both_nan
            worst = max(worst, err if np.isfinite(err) else float("inf"))
            result.compared = True
            if bad.any():
                first = tuple(int(i) for i in np.argwhere(bad)[0])
                result.status = "fail"
                result.message = (f"output {k} differs from the reference at {first}: {a[first]!r} vs "
                                  f"{b[first]!r} (atol {c['atol'][k]:g}, rtol {c['rtol'][k]:g})")
                break
        result.max_abs_error = worst if result.compared else None


# ------------------------------------------------------------------------------------- printing
def format_table(report: Sequence[CaseResult]) -> str:
    """A text table: one row per case, then what the run could not do (e.g. no GPU)."""
    rows = [("case", "plugin", "tensors", "lifecycle", "outputs", "max err")]
    for r in report:
        failed = next((s for s in r.steps if s.status == "fail"), None)
        if r.status == "pass":
            lifecycle = "ok"
        elif failed is not None:
            lifecycle = f"FAIL ({failed.name})"
        elif r.enqueued:
            lifecycle = "ok"
        else:
            lifecycle = "FAIL"
        if r.compared:
            outputs = "match" if r.passed else "MISMATCH"
        elif r.enqueued:
            outputs = "no reference"
        elif any(s.name == "enqueue" and s.status == "skip" for s in r.steps):
            outputs = "not run (no GPU)"
        else:
            outputs = "-"
        err = "" if r.max_abs_error is None else f"{r.max_abs_error:.3g}"
        rows.append((r.case_id, f"{r.plugin} v{r.version}", r.label, lifecycle, outputs, err))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{r.case_id}: {r.message}" for r in report if r.message and not r.passed]
    if isinstance(report, HarnessReport):
        head = f"TensorRT {report.tensorrt} harness on " + ("GPU: " if report.gpu else "CPU only: ") + report.device
        lines.insert(0, head)
        for lib_id, (ok, msg) in report.libraries.items():
            if not ok:
                notes.append(f"library {lib_id}: {msg}")
        for lib_id, (ok, msg) in report.unloads.items():
            if not ok:
                notes.append(f"library {lib_id} unload: {msg}")
        if report.problem:
            notes.append(report.problem)
        if not report.gpu:
            notes.append("every step but enqueue ran; outputs were not computed (no GPU)")
    return "\n".join(lines + [""] + notes if notes else lines)


def results_to_json(report: Sequence[CaseResult]) -> list[dict]:
    """Plain data for machine-readable output."""
    return [{"case": r.case_id, "plugin": r.plugin, "version": r.version, "label": r.label, "status": r.status,
             "message": r.message, "enqueued": r.enqueued, "compared": r.compared,
             "max_abs_error": r.max_abs_error,
             "steps": [{"name": s.name, "status": s.status, "message": s.message} for s in r.steps]}
            for r in report]


__all__ = ["FieldType", "PluginField", "PlanCase", "StepResult", "CaseResult", "HarnessReport", "build_harness",
           "library_tensorrt_version", "check_library_for", "write_plan", "write_harness_plan", "run_plan",
           "read_results", "plan_cases", "parse_results", "format_table", "results_to_json"]
