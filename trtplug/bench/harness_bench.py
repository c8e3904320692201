"""The TensorRT adapter's enqueue timed by the lifecycle harness in --bench mode.

Writes a bench plan (inputs without files: the harness fills them with the byte 0x3C), runs
`trtplug_harness --bench ITERATIONS REPEATS plan.txt result.txt` and reads the `bench` records.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import TrtPlugError
from ..testing.harness import PLAN_FORMAT, TRT_DTYPES, _text, _untext
from .cases import BenchCase
from .timing import Timing


def plan_text(library: Path, cases: list[BenchCase], output_shapes: dict[str, list], namespace: str = "") -> str:
    lines = [f"trtplug-plan {PLAN_FORMAT}", "mode gpu", f"library lib loader {_text(str(library))}"]
    for case in cases:
        n_in = len(case.input_shapes)
        lines += [f"case {case.case_id}", f"plugin lib {_text(case.plugin)} {_text(case.version)} {_text(namespace)}"]
        tensors = [("input", s, d) for s, d in zip(case.input_shapes, case.dtypes[:n_in])]
        tensors += [("output", s, d) for s, d in zip(output_shapes[case.case_id], case.dtypes[n_in:])]
        for kind, shape, dtype in tensors:
            dims = "".join(f" {d}" for d in shape)
            lines.append(f"{kind} {TRT_DTYPES[dtype]} {len(shape)}{dims} =")
        lines.append("end")
    return "\n".join(lines) + "\n"


def parse_bench_results(text: str) -> tuple[dict[str, Timing], dict[str, str], str]:
    """({case id: Timing}, {case id: why it failed}, problem of the whole run or "")."""
    timings, failures, problem = {}, {}, ""
    for line in text.splitlines():
        words = line.split(" ")
        if words[0] == "bench" and len(words) == 5:
            gpu = [float(v) for v in words[3].removeprefix("gpu=").split(",")]
            host = [float(v) for v in words[4].removeprefix("host=").split(",")]
            timings[words[1]] = Timing(gpu, host)
        elif words[0] == "step" and len(words) >= 5 and words[3] == "fail":
            failures.setdefault(words[1], f"{words[2]}: {_untext(words[4])}")
        elif words[0] == "library" and words[2] == "fail":
            problem = _untext(words[3])
        elif words[0] == "error":
            problem = _untext(words[1])
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
