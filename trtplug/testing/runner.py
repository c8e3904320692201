"""Runs test cases and turns what ran into a TestReport: through the TensorRT lifecycle harness (a
suite folder holding suite.json, the plan, inputs and references) or through a library's C API."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Sequence

from ..errors import DefinitionError, TrtPlugError
from ..declare.spec import PluginSpec
from .cases import Case, all_cases
from .report import TestReport, TestRow
from .results import outputs_label

SUITE_FILE = "suite.json"


def require_references(specs: Sequence[PluginSpec]) -> None:
    missing = [spec.qualname for spec in specs if spec.reference is None]
    if missing:
        raise DefinitionError(f"{', '.join(missing)}: no reference(self, <inputs>) method; trtplug test compares "
                              "each plugin's outputs with it. Hint: return the expected outputs as numpy arrays")


# ----------------------------------------------------------------------------------- suites
def write_suite(suite_dir: Path, specs: Sequence[PluginSpec], library: Path, harness: Path, tensorrt: str, *,
                cpu: bool = False, self_contained: bool = False, tactics: bool = False) -> int:
    """Writes the plan of every case of `specs` and suite.json into `suite_dir` (emptied first).
    self_contained copies the library and the harness into the folder (to run elsewhere); tactics
    runs every case once per declared tactic (IPluginV3 libraries). Returns the number of cases."""
    from .plan import plan_cases, write_plan

    if suite_dir.exists():
        shutil.rmtree(suite_dir)
    suite_dir.mkdir(parents=True)
    cases = [pc for spec in specs for pc in plan_cases(spec, all_cases(spec), tactics=tactics)]
    if self_contained:
        library = Path(shutil.copy2(library, suite_dir / library.name))
        harness = Path(shutil.copy2(harness, suite_dir / "trtplug_harness"))
    write_plan(suite_dir, cases, libraries={"lib": library.resolve()}, mode="cpu" if cpu else "auto")
    suite = {"library": _suite_path(library, suite_dir), "harness": _suite_path(harness, suite_dir),
             "tensorrt": tensorrt}
    (suite_dir / SUITE_FILE).write_text(json.dumps(suite, indent=2) + "\n", encoding="utf-8")
    return len(cases)


def _suite_path(path: Path, suite_dir: Path) -> str:
    """Relative to the suite folder when inside it (the folder can move), else absolute; never
    relative to the working directory."""
    path, suite_dir = path.resolve(), suite_dir.resolve()
    return os.path.relpath(path, suite_dir) if path.is_relative_to(suite_dir) else str(path)


def is_suite(folder: Path) -> bool:
    return (folder / SUITE_FILE).is_file()


def run_suite(suite_dir: Path) -> TestReport:
    """Runs a suite folder written by write_suite through the harness it names."""
    from .results import format_table
    from .run import run_plan

    suite_dir = Path(suite_dir)
    if not is_suite(suite_dir):
        raise TrtPlugError(f"{suite_dir}: no {SUITE_FILE}; write a suite with `trtplug test FILES --prepare "
                           f"{suite_dir}`")
    suite = _read_suite(suite_dir)
    library, harness = suite_dir / suite["library"], suite_dir / suite["harness"]
    report = run_plan({"lib": library}, suite_dir, harness=harness)
    return TestReport(
        runner="TensorRT harness", rows=[_harness_row(r) for r in report], table=format_table(report),
        problems=_harness_problems(report), tensorrt=report.tensorrt or suite.get("tensorrt"), device=report.device,
        library=library, suite_dir=suite_dir)


def _read_suite(suite_dir: Path) -> dict:
    path = suite_dir / SUITE_FILE
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrtPlugError(f"{path}: cannot read the suite ({exc}). Hint: write it again with --prepare") from exc
    if not isinstance(suite, dict) or not all(isinstance(suite.get(k), str) for k in ("library", "harness")):
        raise TrtPlugError(f"{path}: expected \"library\" and \"harness\" paths. Hint: write it again with --prepare")
    return suite


def _harness_row(result) -> TestRow:
    return TestRow(result.case_id, result.plugin, result.version, result.label, result.status,
                   outputs_label(result), result.max_abs_error, result.message)


def _harness_problems(report) -> list[str]:
    problems = [report.problem] if report.problem else []
    problems += [f"library {k}: {msg}" for k, (ok, msg) in report.libraries.items() if not ok]
    problems += [f"library {k} unload: {msg}" for k, (ok, msg) in report.unloads.items() if not ok]
    return problems


# ------------------------------------------------------------------------------------ C API
def run_through_c_api(library_path: Path, specs: Sequence[PluginSpec]) -> TestReport:
    """Runs every case through the library's C API: kernels against references on a GPU; without
    one, output shapes and serialization only."""
    from ..runtime import Library
    from .device import Device, DeviceUnavailable

    library = Library(library_path)
    try:
        device = Device()
    except DeviceUnavailable as exc:
        rows = [_check_without_gpu(library, spec, case) for spec in specs for case in all_cases(spec)]
        note = f"no GPU ({exc}): loaded {library.path}; output shapes and serialization checked, kernels not run"
        return _c_api_report(rows, [note], library.path, device="CPU only")
    stream = device.stream()
    rows = [_run_on_gpu(device, library, case, stream) for spec in specs for case in all_cases(spec)]
    note = f"C API on {device.name} (sm_{device.sm}, driver {device.driver_version})"
    return _c_api_report(rows, [note], library.path, device=device.name)


def _check_without_gpu(library, spec: PluginSpec, case: Case) -> TestRow:
    """Output shapes (with the case's attribute values) against the references', and a serialization
    round trip."""
    def row(status: str, message: str = "") -> TestRow:
        return TestRow(case.label, spec.name, spec.version, case.label, status, "not run (no GPU)", None, message)

    try:
        instance = library.instance(spec.name, spec.version, **case.attributes)
        shapes = [tuple(s) for s in instance.output_shapes(case.input_shapes)]
        restored = library.instance(spec.name, spec.version, serialized=instance.serialize())
        restored_shapes = [tuple(s) for s in restored.output_shapes(case.input_shapes)]
    except TrtPlugError as exc:
        return row("fail", str(exc))
    expected = [tuple(r.shape) for r in case.references or ()]
    if expected and shapes != expected:
        return row("fail", f"output shapes {shapes}, the reference's {expected}")
    if restored_shapes != shapes:
        return row("fail", f"after a serialization round trip the output shapes are {restored_shapes}, not {shapes}")
    return row("pass")


def _run_on_gpu(device, library, case: Case, stream) -> TestRow:
    from .direct import run_case

    try:
        result = run_case(device, library, case, stream)
        ok, message, error = result.ok, result.message, result.max_error
    except TrtPlugError as exc:
        ok, message, error = False, str(exc), None
    return TestRow(case.label, case.plugin, "", case.label, "pass" if ok else "fail",
                   "match" if ok else "MISMATCH", error, "" if ok else message)


def _c_api_report(rows: list[TestRow], notes: list[str], library: Path, device: str) -> TestReport:
    lines = [f"  {r.label:64} {'ok' if r.passed else 'FAIL':4} {r.outputs:18} "
             f"{'' if r.max_error is None else format(r.max_error, '.3g'):10} {r.message}".rstrip() for r in rows]
    return TestReport(runner="C API", rows=rows, table="\n".join(lines), notes=notes, device=device,
                      library=Path(library))


# ---------------------------------------------------------------------------------- engines
def engine_rows(library: Path, specs: Sequence[PluginSpec]) -> tuple[list[TestRow], list[str]]:
    """One row per one-layer TensorRT engine (needs the tensorrt Python package), or a note why none ran."""
    from ..tensorrt_python import EngineUnavailable
    from .engines import run_one_layer_engines

    try:
        results = run_one_layer_engines(library, specs)
    except EngineUnavailable as exc:
        return [], [f"--engine skipped: {exc}"]
    rows = [TestRow(f"engine {r.label}", "", "", r.label, "pass" if r.ok else "fail", "engine", None, r.message)
            for r in results]
    return rows, []
