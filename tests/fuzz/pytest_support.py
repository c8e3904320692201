"""What the tests/test_fuzz_<target>.py files share: build or skip, replay the seeds, a short run.

Each target has its own test file so that pytest-xdist (--dist loadfile) runs the targets side by
side. TRTPLUG_FUZZ_SECONDS sets the length of the short runs (default 20).
"""
from __future__ import annotations

import importlib.util
import os
import re

import pytest

from .build import FuzzBuildUnavailable, build_target
from .run import run_target
from .targets import TARGETS

SHORT_RUN_SECONDS = int(os.environ.get("TRTPLUG_FUZZ_SECONDS", "20"))


def require(name: str):
    """The target, its program built; skips with the reason when clang, libFuzzer, atheris or
    the TensorRT headers are missing."""
    target = TARGETS[name]
    if target.python:
        if importlib.util.find_spec("atheris") is None:
            pytest.skip("atheris is not installed (pip install atheris; the [test] extra has it on Linux x86-64)")
        return target
    try:
        build_target(target)
    except FuzzBuildUnavailable as exc:
        pytest.skip(f"fuzz target {name} cannot be built: {exc}")
    return target


def replay_seeds(name: str) -> str:
    """Runs every seed of the target's corpus (regression inputs included) once; asserts none fails."""
    target = require(name)
    proc = run_target(target, replay=True, capture=True)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    seeds = [p for p in target.corpus.iterdir() if p.is_file()]
    assert seeds, f"no seeds in {target.corpus}"
    return output


def short_run(name: str, tmp_path) -> int:
    """Fuzzes the target for SHORT_RUN_SECONDS from its seeds; asserts nothing was found and
    returns the number of executions."""
    target = require(name)
    proc = run_target(target, max_total_time=SHORT_RUN_SECONDS, capture=True, work=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"fuzz target {name} found a problem:\n{output[-8000:]}"
    executed = re.search(r"stat::number_of_executed_units:\s*(\d+)", output)
    assert executed and int(executed.group(1)) > 100, output[-3000:]
    return int(executed.group(1))
