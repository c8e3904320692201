"""What a lifecycle-harness run did: its result records read into CaseResults, outputs compared with
the plan's references, and the text table `trtplug test` prints.

The harness writes its result file record by record (records.py's format), flushing each, so a
crash leaves the records up to the step it died in; parse_results names that step. Nothing here
imports Numba.
"""
from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .cases import counted_part
from .plan import read_plan
from ..native.records import Record, read_run_records

RESULT_FILE = "result.txt"


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


def read_results(plan_dir: str | Path, returncode: int | None = 0, stderr: str = "") -> HarnessReport:
    """Reads result.txt of a harness run in `plan_dir` and compares the outputs it left with the references."""
    plan_dir = Path(plan_dir)
    plan = read_plan(plan_dir)
    result_file = plan_dir / RESULT_FILE
    text = result_file.read_text(encoding="utf-8", errors="replace") if result_file.is_file() else ""
    report = parse_results(text, plan, returncode, stderr)
    compare_outputs(report, plan, plan_dir)
    return report


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


def parse_results(text: str, plan: dict, returncode: int | None = 0, stderr: str = "",
                  timeout: float = 0.0) -> HarnessReport:
    """Reads the harness's result records into a HarnessReport (one CaseResult per case of `plan`,
    as read_plan returns it)."""
    by_id = {c["id"]: c for c in plan["cases"]}
    report = HarnessReport(returncode=returncode if returncode is not None else -1)

    def harness_record(rec: Record) -> None:
        if rec.kind == "harness":
            report.tensorrt = rec.text("tensorrt")
        elif rec.kind == "device":
            report.gpu = rec.text("kind") == "gpu"
            report.device = rec.text("name", "")
        elif rec.kind in ("library", "unload"):
            target = report.libraries if rec.kind == "library" else report.unloads
            target[rec.text("id")] = (rec.text("status") == "ok", rec.text("message", ""))

    run = read_run_records(text, harness_record)
    report.problem = run.problem
    steps: dict[str, list[StepResult]] = {cid: [] for cid in by_id}
    for case, step, status, message in run.steps:
        steps.setdefault(case, []).append(StepResult(step, status, message))
    logs: dict[str, list[str]] = {cid: [] for cid in by_id}
    for case, _, line in run.logs:
        logs.setdefault(case, []).append(line)
    verdict, running = run.verdicts, run.running
    if not run.ended and not report.problem:
        where = f" in step '{running[1]}' of case {running[0]}" if running else ""
        tail = stderr.strip().splitlines()[-5:]
        report.problem = _crash_reason(returncode, timeout) + where + (
            ("; stderr: " + " | ".join(tail)) if tail else "")
    for cid, c in by_id.items():
        report.append(_case_result(c, steps.get(cid, []), logs.get(cid, []), verdict.get(cid), running, report))
    return report


def _case_result(c: dict, case_steps: list, logs: list, status: str | None, running, report) -> CaseResult:
    failed = next((s for s in case_steps if s.status == "fail"), None)
    if status is None:
        if running and running[0] == c["id"]:
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
    return CaseResult(c["id"], c["plugin"], c["version"], c["label"], status, message, case_steps, logs,
                      enqueued=enq is not None and enq.status == "ok")


def compare_outputs(report: HarnessReport, plan: dict, plan_dir: Path) -> None:
    """Compares the outputs the harness wrote with the plan's references (atol + rtol * |ref|)."""
    by_id = {c["id"]: c for c in plan["cases"]}
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
            if "size_output" in out:
                got, problem = _counted_rows(c, k, got, plan_dir)
                if problem:
                    result.status, result.message = "fail", problem
                    break
            a = got.astype(np.float64)
            b = np.asarray(ref).astype(np.float64)
            if a.shape != b.shape and "size_output" in out:
                dim = out["size_dim"]
                result.status, result.message = "fail", (
                    f"output {k}: its size tensor (output {out['size_output']}) counts {a.shape[dim]}, the "
                    f"reference {b.shape[dim] if b.ndim > dim else b.shape}")
                break
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


def _counted_rows(c: dict, k: int, got: np.ndarray, plan_dir: Path) -> tuple[np.ndarray, str]:
    """The part of data-dependent output `k` (allocated at its upper bound) its size tensor counts,
    or a problem naming the plugin and output when the count is unreadable or out of bounds."""
    j, dim = c["outputs"][k]["size_output"], c["outputs"][k]["size_dim"]
    size = c["outputs"][j]
    try:
        count = np.fromfile(plan_dir / size["file"], dtype=np.dtype(size["dtype"]).newbyteorder("<"))
    except OSError as exc:
        return got, f"{c['plugin']} output {k}: cannot read its size tensor (output {j}): {exc}"
    outputs = {k: got, j: count}
    part, problem = counted_part(outputs, k, {k: (j, dim)})
    return part, f"{c['plugin']} output {k}: {problem} (the declared upper bound)" if problem else ""


def outputs_label(result: CaseResult) -> str:
    """What became of a case's outputs: compared, computed without a reference, or not computed and why."""
    if result.compared:
        return "match" if result.passed else "MISMATCH"
    if result.enqueued:
        return "no reference"
    if any(s.name == "enqueue" and s.status == "skip" for s in result.steps):
        return "not run (no GPU)"
    return "-"


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
        err = "" if r.max_abs_error is None else f"{r.max_abs_error:.3g}"
        rows.append((r.case_id, f"{r.plugin} v{r.version}", r.label, lifecycle, outputs_label(r), err))
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


__all__ = ["CaseResult", "HarnessReport", "RESULT_FILE", "StepResult", "compare_outputs", "format_table",
           "parse_results", "read_results", "results_to_json"]
