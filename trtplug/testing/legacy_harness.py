"""The legacy-factory harness: drives a TensorRT 7.x (DeepStream 5.x) trtplug library's
``NvDsInferPluginFactoryRuntimeGet`` factory the way TensorRT 7 deserializes legacy layers.

The harness (``registry/harness/legacy/harness_legacy_factory.cpp``) is compiled against real
TensorRT 7.x headers. Per case: createPlugin(layer, blob) -> output dims -> supportsFormat ->
configureWithFormat -> workspace -> enqueue (GPU only) -> serialize -> createPlugin(serialized)
-> enqueue of the restored, unconfigured plugin (GPU only; same outputs) -> terminate; then
Destroy. Nothing here imports Numba.

Example::

    from trtplug.serialization import encode, AttrType
    from trtplug.testing.legacy_harness import LegacyCase, find_tensorrt7_include, run_legacy_cases

    blob = encode("Mish", "1", [("beta", AttrType.FLOAT, [1.0])])
    x = np.random.rand(2, 3, 4).astype(np.float32)          # batch 2, per-sample dims (3, 4)
    case = LegacyCase("mish", layer="mish_0", blob=blob, inputs=[x], references=[mish(x)])
    report = run_legacy_cases("build/libmodel.so", [case], "build/plan", find_tensorrt7_include())
    assert report.passed, format_legacy_report(report)
"""
from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import HeadersNotFoundError, TrtPlugError
from ..registry_paths import DEEPSTREAM_DIR, HARNESS_DIR, TESTING_DIR
from ..records import Record, read_run_records, record, write_records

PLAN = "legacy_plan.txt"
RESULT = "legacy_result.txt"
TRT_DTYPES = {"float32": 0, "float16": 1, "int8": 2, "int32": 3, "bool": 4}
EXPECTATIONS = ("create-fail", "dims-rejected", "types-rejected")

LEGACY_HARNESS_CPP = HARNESS_DIR / "legacy" / "harness_legacy_factory.cpp"
FACTORY_CPP = DEEPSTREAM_DIR / "trtplug_ds_factory.cpp"
ARTIFACTS_ENV = "TRTPLUG_LEGACY_ARTIFACTS"
ARTIFACT_HARNESS = "trtplug_legacy_harness"
ARTIFACT_MISH = "libmish_trt7.so"


def find_tensorrt7_include() -> Path:
    """A TensorRT 7.x include directory: ``$TRTPLUG_TENSORRT7_INCLUDE``, else the newest
    ``~/.cache/trtplug/tensorrt/7.*/include`` (or under ``$TRTPLUG_CACHE_DIR``)."""
    from ..build.tensorrt_headers import read_tensorrt_version

    looked = []
    candidates = []
    if os.environ.get("TRTPLUG_TENSORRT7_INCLUDE"):
        candidates.append(Path(os.environ["TRTPLUG_TENSORRT7_INCLUDE"]))
    cache = Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug")) / "tensorrt"
    if cache.is_dir():
        found = [(read_tensorrt_version(d / "include") or (0, 0, 0), d / "include") for d in cache.iterdir()]
        candidates += [inc for _, inc in sorted(found, reverse=True)]
    for inc in candidates:
        version = read_tensorrt_version(inc)
        if version is not None and version[0] == 7 and (inc / "NvInferRuntime.h").is_file():
            return inc.resolve()
        looked.append(f"{inc} ({'TensorRT ' + '.'.join(map(str, version)) if version else 'no NvInferVersion.h'})")
    raise HeadersNotFoundError("TensorRT 7.x headers not found. Looked at: " + (", ".join(looked) or "nothing") +
                               ". Set TRTPLUG_TENSORRT7_INCLUDE to the folder holding NvInfer.h.")


def _cache_root() -> Path:
    return Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug"))


def build_legacy_harness(tensorrt7_include: Path, *, cache_dir: Path | None = None) -> Path:
    """Compiles the legacy harness against TensorRT 7.x headers; cached by content. Links
    libstdc++ statically and reaches the GPU through libcuda.so.1 at run time."""
    from ..build.compiler import CompileJob, find_cxx, run_compile

    inc = Path(tensorrt7_include)
    cxx = find_cxx()
    digest = hashlib.sha256()
    for path in [LEGACY_HARNESS_CPP, HARNESS_DIR / "harness_driver.h", TESTING_DIR / "records.h",
                 *sorted(inc.glob("NvInfer*.h"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(cxx.encode())
    out_dir = Path(cache_dir) if cache_dir else _cache_root() / "harness"
    binary = out_dir / f"trtplug_legacy_harness-{digest.hexdigest()[:16]}"
    if binary.is_file():
        return binary
    tmp = binary.with_name(binary.name + f".tmp{os.getpid()}")
    run_compile(CompileJob([LEGACY_HARNESS_CPP], tmp, shared=False, include_dirs=[HARNESS_DIR],
                           system_include_dirs=[inc], optimize="-O1",
                           extra_flags=["-static-libstdc++", "-static-libgcc"]))
    os.replace(tmp, binary)
    return binary


def build_legacy_library(plugin_sources: Sequence[Path], output: Path, tensorrt7_include: Path, *,
                         extra_flags: Sequence[str] = ()) -> Path:
    """A TensorRT 7.x library: the core runtime, the plugin descriptors (a generated plugins.cpp,
    which defines trtplug::library()) and the legacy factory; no IPluginV2 adapter (it needs 8.6+)."""
    from ..build.compiler import CORE_DIR, CompileJob, run_compile

    exports = Path(__file__).resolve().parents[1] / "build" / "exports.map"
    job = CompileJob([*sorted(CORE_DIR.glob("*.cpp")), *plugin_sources, FACTORY_CPP], Path(output),
                     include_dirs=[CORE_DIR, FACTORY_CPP.parent], system_include_dirs=[Path(tensorrt7_include)],
                     extra_flags=[f"-Wl,--version-script={exports}", *extra_flags])
    return run_compile(job)


def build_artifacts(out_dir: Path) -> dict:
    """What the GPU test of the legacy factory needs, built where Numba and TensorRT 7 headers are:
    the harness and kernels/mish.py as a TensorRT 7.2 library. Copy `out_dir` to the GPU machine
    and set TRTPLUG_LEGACY_ARTIFACTS to it."""
    import shutil
    import tempfile

    from ..pipeline import CompileOptions, compile_library

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    include = find_tensorrt7_include()
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="trtplug-legacy-") as tmp:
        result = compile_library([str(root / "kernels" / "mish.py")],
                                 CompileOptions(output_dir=tmp, tensorrt=False, progress=None))
        plugins_cpp = next(p for p in result.sources if Path(p).name == "plugins.cpp")
        library = build_legacy_library([plugins_cpp], out_dir / ARTIFACT_MISH, include)
    harness = build_legacy_harness(include)
    shutil.copyfile(harness, out_dir / ARTIFACT_HARNESS)
    os.chmod(out_dir / ARTIFACT_HARNESS, 0o755)
    return {"library": library, "harness": out_dir / ARTIFACT_HARNESS}


@dataclass
class LegacyCase:
    """One legacy layer: the blob its engine holds, and how TensorRT 7 would run it.

    inputs: arrays with the batch as their first dimension (the harness passes the rest as dims).
    references / outputs: expected output arrays (with the batch), or (dtype, per-sample shape).
    dtype: the one DataType of every tensor (IPluginExt has a single type).
    """

    case_id: str
    layer: str
    blob: bytes
    inputs: Sequence[np.ndarray] = ()
    references: Sequence[np.ndarray] | None = None
    outputs: Sequence[tuple[int, ...]] | None = None
    dtype: str = "float32"
    max_batch: int | None = None
    atol: float = 1e-5
    rtol: float = 1e-5
    expect: str | None = None
    expect_message: str = ""


@dataclass
class LegacyStep:
    name: str
    status: str  # ok, fail, skip
    message: str = ""
    logs: list = field(default_factory=list)


@dataclass
class LegacyCaseResult:
    case_id: str
    status: str
    steps: list
    compared: bool = False
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def step(self, name: str) -> LegacyStep | None:
        return next((s for s in self.steps if s.name == name), None)


@dataclass
class LegacyReport:
    cases: list
    tensorrt: str = ""
    gpu: bool = False
    device: str = ""
    library: tuple = (False, "")
    entry: tuple = (False, "")
    destroy: tuple = (False, "")
    problem: str = ""
    returncode: int | None = 0

    @property
    def passed(self) -> bool:
        return (not self.problem and self.library[0] and self.entry[0] and self.destroy[0]
                and all(c.passed for c in self.cases))

    def case(self, case_id: str) -> LegacyCaseResult:
        return next(c for c in self.cases if c.case_id == case_id)


def write_legacy_plan(plan_dir: Path, library: Path, cases: Sequence[LegacyCase], *, mode: str = "auto") -> Path:
    """Writes the harness plan and the case files into `plan_dir`; returns the plan path."""
    if mode not in ("auto", "cpu", "gpu"):
        raise ValueError(f"mode must be 'auto', 'cpu' or 'gpu', not {mode!r}")
    plan_dir = Path(plan_dir)
    plan_dir.mkdir(parents=True, exist_ok=True)
    recs = [record("trtplug-trt7-plan", format=2, mode=mode, library=str(Path(library).resolve()))]
    for c in cases:
        if not c.case_id or any(ch.isspace() or ch == "/" for ch in c.case_id):
            raise ValueError(f"case id {c.case_id!r}: use a non-empty name without spaces or '/'")
        if c.expect is not None and c.expect not in EXPECTATIONS:
            raise ValueError(f"case {c.case_id}: expect must be one of {', '.join(EXPECTATIONS)}")
        if c.dtype not in TRT_DTYPES:
            raise ValueError(f"case {c.case_id}: dtype {c.dtype!r} has no TensorRT 7 DataType")
        (plan_dir / f"{c.case_id}.blob").write_bytes(bytes(c.blob))
        batch = int(np.asarray(c.inputs[0]).shape[0]) if len(c.inputs) else 1
        recs.append(record("case", id=c.case_id, layer=c.layer, blob=c.case_id + ".blob", type=TRT_DTYPES[c.dtype],
                           batch=batch, max_batch=c.max_batch or batch, expect=c.expect,
                           expect_message=c.expect_message if c.expect else None))
        for k, arr in enumerate(c.inputs):
            arr = np.ascontiguousarray(arr, dtype=np.dtype(c.dtype))
            if arr.ndim < 1 or arr.shape[0] != batch:
                raise ValueError(f"case {c.case_id}: input {k} must have the batch ({batch}) as its first dimension")
            name = f"{c.case_id}.in{k}.bin"
            (plan_dir / name).write_bytes(arr.tobytes())
            recs.append(record("input", dims=list(arr.shape[1:]), file=name))
        outs = ([tuple(np.asarray(r).shape[1:]) for r in c.references] if c.references is not None
                else [tuple(s) for s in (c.outputs or ())])
        recs += [record("output", dims=list(shape), file=f"{c.case_id}.out{k}.bin") for k, shape in enumerate(outs)]
        recs.append(Record("end"))
    return write_records(plan_dir / PLAN, recs)


def parse_legacy_results(text: str, cases: Sequence[LegacyCase], returncode: int | None = 0,
                         stderr: str = "") -> LegacyReport:
    report = LegacyReport(cases=[], returncode=returncode)

    def harness_record(rec: Record) -> None:
        if rec.kind == "harness":
            report.tensorrt = rec.text("tensorrt")
        elif rec.kind == "device":
            report.gpu, report.device = rec.text("kind") == "gpu", rec.text("name", "")
        elif rec.kind in ("library", "entry", "destroy"):
            setattr(report, rec.kind, (rec.text("status") == "ok", rec.text("message", "")))

    run = read_run_records(text, harness_record)
    report.problem = run.problem
    logs: dict[tuple[str, str], list[str]] = {}
    for case, step, line in run.logs:
        logs.setdefault((case, step), []).append(line)
    steps: dict[str, list] = {c.case_id: [] for c in cases}
    for case, step, status, message in run.steps:
        steps.setdefault(case, []).append(LegacyStep(step, status, message, logs.get((case, step), [])))
    verdict, running = run.verdicts, run.running
    if not run.ended and not report.problem:
        where = f" in step '{running[1]}' of case {running[0]}" if running else ""
        tail = " | ".join(stderr.strip().splitlines()[-5:])
        report.problem = (f"the legacy harness stopped (status {returncode}){where}" +
                          (f"; stderr: {tail}" if tail else ""))
    for c in cases:
        s = steps.get(c.case_id, [])
        failed = next((x for x in s if x.status == "fail"), None)
        status = verdict.get(c.case_id, "fail")
        message = f"{failed.name}: {failed.message}" if failed else ("" if c.case_id in verdict else "not run")
        report.cases.append(LegacyCaseResult(c.case_id, status, s, message=message))
    return report


def _compare(report: LegacyReport, cases: Sequence[LegacyCase], plan_dir: Path) -> None:
    for c, r in zip(cases, report.cases):
        enq = r.step("enqueue")
        if c.references is None or not r.passed or enq is None or enq.status != "ok":
            continue
        for k, ref in enumerate(c.references):
            ref = np.asarray(ref)
            got = np.fromfile(plan_dir / f"{c.case_id}.out{k}.bin", dtype=np.dtype(c.dtype)).reshape(ref.shape)
            a, b = got.astype(np.float64), ref.astype(np.float64)
            bad = ~(np.abs(a - b) <= c.atol + c.rtol * np.abs(b))
            r.compared = True
            if bad.any():
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                r.status = "fail"
                r.message = f"output {k} differs from the reference at {at}: {a[at]!r} vs {b[at]!r}"
                break


def run_legacy_cases(library: Path, cases: Sequence[LegacyCase], plan_dir: Path, tensorrt7_include: Path | None = None,
                     *, harness: Path | None = None, mode: str = "auto", timeout: float = 300.0) -> LegacyReport:
    """Writes the plan, runs the legacy harness, and compares outputs with the references."""
    plan_dir = Path(plan_dir)
    if harness is None:
        harness = build_legacy_harness(tensorrt7_include or find_tensorrt7_include())
    plan = write_legacy_plan(plan_dir, library, cases, mode=mode)
    result = plan_dir / RESULT
    result.unlink(missing_ok=True)
    try:
        proc = subprocess.run([str(harness), str(plan), str(result)], capture_output=True, text=True, timeout=timeout)
        returncode, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        returncode, stderr = None, f"timed out after {timeout:g} s"
    except OSError as exc:
        raise TrtPlugError(f"cannot run the legacy harness {harness}: {exc}") from exc
    text = result.read_text(errors="replace") if result.is_file() else ""
    report = parse_legacy_results(text, cases, returncode, stderr)
    _compare(report, cases, plan_dir)
    return report


def format_legacy_report(report: LegacyReport) -> str:
    """A readable summary: one line per case and step, then what went wrong."""
    lines = [f"TensorRT {report.tensorrt} legacy factory harness on "
             f"{'GPU: ' if report.gpu else 'CPU only: '}{report.device}",
             f"library: {report.library[1]}; Get: {report.entry[1]}; Destroy: {report.destroy[1]}"]
    for c in report.cases:
        lines.append(f"{c.case_id}: {c.status.upper()} {c.message}".rstrip())
        for s in c.steps:
            lines.append(f"    {s.name:<17} {s.status:<4} {s.message}")
            lines += [f"        log: {x}" for x in s.logs]
    if report.problem:
        lines.append(report.problem)
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m trtplug.testing.legacy_harness OUT_DIR   (then TRTPLUG_LEGACY_ARTIFACTS=OUT_DIR)")
    for path in build_artifacts(Path(sys.argv[1])).values():
        print(path)


__all__ = ["LegacyCase", "build_artifacts", "build_legacy_library", "LegacyCaseResult", "LegacyReport", "LegacyStep", "build_legacy_harness",
           "find_tensorrt7_include", "format_legacy_report", "parse_legacy_results", "run_legacy_cases",
           "write_legacy_plan"]
