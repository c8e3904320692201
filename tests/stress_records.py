"""Reading what tests/native/stress_main.cpp (trtplug_stress) prints: one JSON record per stdout
line, and on stderr the "[stress] ..." markers it writes around each fault, between which the
lines the plugins logged fall. Shared by the CPU tests (test_stress_native.py) and the GPU tests
(test_gpu_stress.py)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

LOG_PREFIX = "[trtplug] "
MARKER_PREFIX = "[stress] "


class StressRun:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]

    @property
    def summary(self) -> dict:
        """The last record: the run's summary."""
        return self.records[-1] if self.records else {}

    def where(self, key: str) -> list[dict]:
        """The records that carry `key` (per-cycle samples, per-fault results...)."""
        return [r for r in self.records if key in r]

    def logged_after(self, marker: str) -> list[str]:
        """The log lines the plugins wrote between the marker "[stress] MARKER" and the next marker."""
        lines, inside = [], False
        for line in self.stderr.splitlines():
            if line.startswith(MARKER_PREFIX):
                inside = line == MARKER_PREFIX + marker
            elif inside and line.startswith(LOG_PREFIX):
                lines.append(line)
        return lines

    def describe(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-6000:]}"


def run_stress(program: Path, args: list, *, driver: Path | None = None, env: dict | None = None,
               timeout: float = 120) -> StressRun:
    """Runs the stress program; `driver` becomes TRTPLUG_LIBCUDA (the fake or the counting shim)."""
    full_env = {**os.environ, **(env or {})}
    if driver is not None:
        full_env["TRTPLUG_LIBCUDA"] = str(driver)
    proc = subprocess.run([str(program), *[str(a) for a in args]], capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=timeout, env=full_env)
    return StressRun(proc)


def growth(samples: list[dict], key: str, skip: int) -> int:
    """How much `key` grew from sample `skip` (after warm-up) to the last sample."""
    return samples[-1][key] - samples[skip][key]


# What each fault's one log line must name besides the plugin: its cause.
FAULT_CAUSES = {
    "unloadable-ptx": ("BadPtx", "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"),
    "no-loadable-image": ("NoImage", "no kernel image"),
    "launch-failure": ("Trap", "launching 'trap'"),
    "null-input": ("Scale2d", "input 'x' has a null data pointer"),
    "null-output": ("Scale2d", "output 'y' has a null data pointer"),
    "too-small-output": ("Scale2d", "output 'y' has shape (3, 8)"),
    "out-of-memory-workspace": ("HugeWorkspace", "needs 35184372088832 bytes"),
}
FAULT_NAMESPACE = "trtplug_faults"
