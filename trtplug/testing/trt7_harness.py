"""The TensorRT 7 factory harness: drives a TensorRT 7.x (DeepStream 5.x) trtplug library's
``NvDsInferPluginFactoryRuntimeGet`` factory the way TensorRT 7 deserializes an engine's plugin layers.

The harness (``registry/harness/trt7/harness_trt7_factory.cpp``) is compiled against real
TensorRT 7.x headers. Per case: createPlugin(layer, blob) -> output dims -> supportsFormat ->
configureWithFormat -> workspace -> enqueue (GPU only) -> serialize -> createPlugin(serialized)
-> enqueue of the restored, unconfigured plugin (GPU only; same outputs) -> terminate; then
Destroy. Nothing here imports Numba.

Example::

    from trtplug.native.tensorrt_headers import find_tensorrt7_include
    from trtplug.serialization import encode, AttrType
    from trtplug.testing.trt7_harness import Trt7Case, format_trt7_report, run_trt7_cases

    blob = encode("Mish", "1", [("beta", AttrType.FLOAT, [1.0])])
    x = np.random.rand(2, 3, 4).astype(np.float32)          # batch 2, per-sample dims (3, 4)
    case = Trt7Case("mish", layer="mish_0", blob=blob, inputs=[x], references=[mish(x)])
    report = run_trt7_cases("build/libmodel.so", [case], "build/plan", find_tensorrt7_include())
    assert report.passed, format_trt7_report(report)
"""
from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import TrtPlugError
from ..native.assets import HARNESS_DIR, TESTING_DIR
from ..native.tensorrt_headers import find_tensorrt7_include
from ..native.records import Record, read_run_records, record, write_records

PLAN = "trt7_plan.txt"
RESULT = "trt7_result.txt"
TRT_DTYPES = {"float32": 0, "float16": 1, "int8": 2, "int32": 3, "bool": 4}
EXPECTATIONS = ("create-fail", "dims-rejected", "types-rejected")

TRT7_HARNESS_CPP = HARNESS_DIR / "trt7" / "harness_trt7_factory.cpp"


def _cache_root() -> Path:
    return Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug"))


def build_trt7_harness(tensorrt7_include: Path, *, cache_dir: Path | None = None) -> Path:
    """Compiles the TensorRT 7 factory harness against TensorRT 7.x headers; cached by content.
    Links libstdc++ statically and reaches the GPU through libcuda.so.1 at run time."""
    from ..native.compiler import CompileJob, find_cxx, run_compile

    inc = Path(tensorrt7_include)
    cxx = find_cxx()
    digest = hashlib.sha256()
    for path in [TRT7_HARNESS_CPP, HARNESS_DIR / "harness_driver.h", TESTING_DIR / "records.h",
                 *sorted(inc.glob("NvInfer*.h"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(cxx.encode())
    out_dir = Path(cache_dir) if cache_dir else _cache_root() / "harness"
    binary = out_dir / f"trtplug_trt7_harness-{digest.hexdigest()[:16]}"
    if binary.is_file():
        return binary
    tmp = binary.with_name(binary.name + f".tmp{os.getpid()}")
    run_compile(CompileJob([TRT7_HARNESS_CPP], tmp, shared=False, include_dirs=[HARNESS_DIR],
                           system_include_dirs=[inc], optimize="-O1",
                           extra_flags=["-static-libstdc++", "-static-libgcc"]))
    os.replace(tmp, binary)
    return binary


@dataclass
class Trt7Case:
    """One TensorRT 7 plugin layer: the blob its engine holds, and how TensorRT 7 would run it.

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
class Trt7Step:
    name: str
    status: str  # ok, fail, skip
    message: str = ""
    logs: list = field(default_factory=list)


@dataclass
class Trt7CaseResult:
    case_id: str
    status: str
    steps: list
    compared: bool = False
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def step(self, name: str) -> Trt7Step | None:
        return next((s for s in self.steps if s.name == name), None)


@dataclass
class Trt7Report:
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

    def case(self, case_id: str) -> Trt7CaseResult:
        return next(c for c in self.cases if c.case_id == case_id)


def write_trt7_plan(plan_dir: Path, library: Path, cases: Sequence[Trt7Case], *, mode: str = "auto") -> Path:
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


def parse_trt7_results(text: str, cases: Sequence[Trt7Case], returncode: int | None = 0,
                       stderr: str = "") -> Trt7Report:
    report = Trt7Report(cases=[], returncode=returncode)

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
        steps.setdefault(case, []).append(Trt7Step(step, status, message, logs.get((case, step), [])))
    verdict, running = run.verdicts, run.running
    if not run.ended and not report.problem:
        where = f" in step '{running[1]}' of case {running[0]}" if running else ""
        tail = " | ".join(stderr.strip().splitlines()[-5:])
        report.problem = (f"the TensorRT 7 factory harness stopped (status {returncode}){where}" +
                          (f"; stderr: {tail}" if tail else ""))
    for c in cases:
        s = steps.get(c.case_id, [])
        failed = next((x for x in s if x.status == "fail"), None)
        status = verdict.get(c.case_id, "fail")
        message = f"{failed.name}: {failed.message}" if failed else ("" if c.case_id in verdict else "not run")
        report.cases.append(Trt7CaseResult(c.case_id, status, s, message=message))
    return report


def _compare(report: Trt7Report, cases: Sequence[Trt7Case], plan_dir: Path) -> None:
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


def run_trt7_cases(library: Path, cases: Sequence[Trt7Case], plan_dir: Path, tensorrt7_include: Path | None = None,
                   *, harness: Path | None = None, mode: str = "auto", timeout: float = 300.0) -> Trt7Report:
    """Writes the plan, runs the TensorRT 7 factory harness, and compares outputs with the references."""
    plan_dir = Path(plan_dir)
    if harness is None:
        harness = build_trt7_harness(tensorrt7_include or find_tensorrt7_include())
    plan = write_trt7_plan(plan_dir, library, cases, mode=mode)
    result = plan_dir / RESULT
    result.unlink(missing_ok=True)
    try:
        proc = subprocess.run([str(harness), str(plan), str(result)], capture_output=True, text=True, timeout=timeout)
        returncode, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        returncode, stderr = None, f"timed out after {timeout:g} s"
    except OSError as exc:
        raise TrtPlugError(f"cannot run the TensorRT 7 factory harness {harness}: {exc}") from exc
    text = result.read_text(errors="replace") if result.is_file() else ""
    report = parse_trt7_results(text, cases, returncode, stderr)
    _compare(report, cases, plan_dir)
    return report


def format_trt7_report(report: Trt7Report) -> str:
    """A readable summary: one line per case and step, then what went wrong."""
    lines = [f"TensorRT {report.tensorrt} factory harness on "
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


__all__ = ["Trt7Case", "Trt7CaseResult", "Trt7Report", "Trt7Step", "build_trt7_harness", "format_trt7_report",
           "parse_trt7_results", "run_trt7_cases", "write_trt7_plan"]
