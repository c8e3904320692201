"""The TensorRT adapter's enqueue timed by the lifecycle harness in --bench mode.

Writes a bench plan (inputs without files: the harness fills them with the byte 0x3C), runs
`trtplug_harness --bench ITERATIONS REPEATS plan.txt result.txt` and reads the `bench` records
(both files in trtplug.native.records' format).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import TrtPlugError
from ..testing.plan import PLAN_FORMAT, TRT_DTYPES
from ..native.records import Record, RecordError, iter_records, record
from .cases import BenchCase
from .timing import Timing


def plan_text(library: Path, cases: list[BenchCase], output_shapes: dict[str, list], namespace: str = "") -> str:
    recs = [record("trtplug-plan", format=PLAN_FORMAT, mode="gpu"), record("library", id="lib", load="loader",
                                                                          path=str(library))]
    for case in cases:
        n_in = len(case.input_shapes)
        recs.append(record("case", id=case.case_id, library="lib", plugin=case.plugin, version=case.version,
                           namespace=namespace))
        tensors = [("input", s, d) for s, d in zip(case.input_shapes, case.dtypes[:n_in])]
        tensors += [("output", s, d) for s, d in zip(output_shapes[case.case_id], case.dtypes[n_in:])]
        recs += [record(kind, dtype=TRT_DTYPES[dtype], dims=list(shape), file="") for kind, shape, dtype in tensors]
        recs.append(Record("end"))
    return "".join(r.line() + "\n" for r in recs)


def parse_bench_results(text: str) -> tuple[dict[str, Timing], dict[str, str], str]:
    """({case id: Timing}, {case id: why it failed}, problem of the whole run or "")."""
    timings, failures, problem = {}, {}, ""
    for _, rec, _line in iter_records(text):
        try:
            if rec is None:
                continue
            if rec.kind == "bench":
                timings[rec.text("case")] = Timing(rec.floats("gpu"), rec.floats("host"))
            elif rec.kind == "step" and rec.text("status") == "fail":
                failures.setdefault(rec.text("case"), f"{rec.text('step')}: {rec.text('message', '')}")
            elif rec.kind == "library" and rec.text("status") == "fail":
                problem = rec.text("message", "")
            elif rec.kind == "error":
                problem = rec.text("message", "")
        except RecordError:
            continue
    return timings, failures, problem


def run(harness: Path, library: Path, cases: list[BenchCase], output_shapes: dict[str, list], work_dir: Path, *,
        iterations: int, repeats: int, namespace: str = "", timeout: float = 600.0):
    """Runs the harness bench over `cases`; returns parse_bench_results' triple."""
    work_dir.mkdir(parents=True, exist_ok=True)
    plan, result = work_dir / "bench_plan.txt", work_dir / "bench_result.txt"
    plan.write_text(plan_text(library.resolve(), cases, output_shapes, namespace), encoding="utf-8")
    result.unlink(missing_ok=True)
    try:
        proc = subprocess.run([str(harness), "--bench", str(iterations), str(repeats), str(plan), str(result)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {}, {}, f"the harness ran past {timeout:.0f} s"
    except OSError as exc:
        raise TrtPlugError(f"cannot run the harness {harness}: {exc}") from exc
    text = result.read_text(encoding="utf-8", errors="replace") if result.is_file() else ""
    timings, failures, problem = parse_bench_results(text)
    if proc.returncode not in (0, 1) and not problem:
        problem = (proc.stderr.strip() or f"the harness exited with status {proc.returncode}")
    return timings, failures, problem
