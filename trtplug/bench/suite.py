"""Bench suites: `trtplug bench FILES --prepare DIR` builds here (Numba), `trtplug bench --run DIR`
times there (no Numba). A suite folder holds bench.json, the library, a PTX-only build of it
(cubins for sm_75 only: a newer GPU JIT-compiles its PTX) and the harness when TensorRT headers
were found."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..errors import HeadersNotFoundError, TrtPlugError
from .cases import BenchCase, plan_cases

SUITE_FILE = "bench.json"
SUITE_FORMAT = 1
PTX_ONLY_ARCHS = [75]


def is_suite(folder: Path) -> bool:
    return (Path(folder) / SUITE_FILE).is_file()


def build(targets, out: Path, *, tensorrt_include=None, archs=None, progress=None):
    """(library, PTX-only library, harness or None, note): the plugins of `targets` built into `out`."""
    from ..api import target_list
    from ..pipeline import CompileOptions, compile_library
    from ..testing.harness import build_harness

    options = CompileOptions(output_dir=out / "lib", archs=archs, progress=progress, tensorrt_include=tensorrt_include)
    note = ""
    try:
        result = compile_library(target_list(targets), options)
    except HeadersNotFoundError as exc:
        if tensorrt_include is not None:
            raise
        note = f"no TensorRT adapter column: {exc}"
        options.tensorrt = False
        result = compile_library(target_list(targets), options)
    ptx = compile_library(target_list(targets), CompileOptions(output_dir=out / "ptx", archs=PTX_ONLY_ARCHS,
                                                               tensorrt=False, progress=progress))
    harness = build_harness(result.tensorrt) if result.tensorrt is not None else None
    return result.library, ptx.library, harness, note


def plan_for_targets(targets, library: Path, *, plugins=None, dtype=None, shapes=None) -> list[BenchCase]:
    """The cases of the plugins declared in `targets` (their test shapes size the non-elementwise ones)."""
    from ..api import target_list
    from ..loader import load_targets
    from ..runtime import Library
    from ..testing.cases import input_shape_sets

    specs, _ = load_targets(target_list(targets))
    chosen = select_plugins([s.name for s in specs], plugins)
    lib = Library(library)
    return [case for s in specs if s.name in chosen
            for case in plan_cases(lib.plugin_info(s.name, s.version), dtype=dtype, shapes=shapes,
                                   test_shape_sets=input_shape_sets(s))]


def select_plugins(available: list[str], wanted) -> list[str]:
    if not wanted:
        return list(available)
    unknown = [p for p in wanted if p not in available]
    if unknown:
        raise TrtPlugError(f"--plugin {', '.join(unknown)}: no such plugin; there are: {', '.join(available)}")
    return list(wanted)


def write(suite_dir: Path, library: Path, ptx_library: Path | None, harness: Path | None, cases: list[BenchCase],
          note: str = "") -> Path:
    suite_dir = Path(suite_dir)
    if suite_dir.exists() and any(suite_dir.iterdir()) and not is_suite(suite_dir):
        raise TrtPlugError(f"--prepare {suite_dir}: the folder exists and is not a trtplug bench suite; give a new or "
                           "empty folder")
    if suite_dir.exists():
        shutil.rmtree(suite_dir)
    suite_dir.mkdir(parents=True)
    copied = {"library": shutil.copy2(library, suite_dir / library.name)}
    if ptx_library is not None:
        (suite_dir / "ptx").mkdir()
        copied["ptx_library"] = shutil.copy2(ptx_library, suite_dir / "ptx" / ptx_library.name)
    if harness is not None:
        copied["harness"] = shutil.copy2(harness, suite_dir / "trtplug_harness")
    suite = {"format": SUITE_FORMAT, "note": note, "cases": [c.to_json() for c in cases],
             **{k: os.path.relpath(v, suite_dir) for k, v in copied.items()}}
    (suite_dir / SUITE_FILE).write_text(json.dumps(suite, indent=1) + "\n", encoding="utf-8")
    return suite_dir


def read(suite_dir: Path) -> dict:
    """bench.json with absolute paths and BenchCase objects."""
    suite_dir = Path(suite_dir)
    path = suite_dir / SUITE_FILE
    if not path.is_file():
        raise TrtPlugError(f"--run {suite_dir}: no {SUITE_FILE}; write a suite with `trtplug bench FILES --prepare "
                           f"{suite_dir}`")
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
        if suite.get("format") != SUITE_FORMAT:
            raise ValueError(f"format {suite.get('format')}, expected {SUITE_FORMAT}")
        suite["cases"] = [BenchCase.from_json(c) for c in suite["cases"]]
        for key in ("library", "ptx_library", "harness"):
            suite[key] = suite_dir / suite[key] if suite.get(key) else None
    except (ValueError, KeyError, TypeError) as exc:
        raise TrtPlugError(f"{path}: cannot read the bench suite ({exc}); write it again with --prepare") from None
    if suite["library"] is None or not suite["library"].is_file():
        raise TrtPlugError(f"{path}: its library {suite['library']} is missing; write the suite again with --prepare")
    return suite
