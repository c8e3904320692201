"""Reliability on a GPU: the stress program (tests/native/stress_main.cpp) with the artifacts of
tests/stress_artifacts.py, through the counting shim in front of the real driver (modules counted):

* 8 threads, own streams and clones, 1,000 enqueues each, instances and (with a registry) IPluginV2
  plugins created, cloned and destroyed meanwhile: every output equal to a single-threaded run's;
* 100 dlopen/dlclose cycles of the fault library, and of three libraries `trtplug compile` built,
  side by side in two namespaces and two versions: each unloads, modules and registrations return
  to zero every cycle, host RSS and device memory stay flat;
* faults: one log line each, healthy plugins unaffected; a trapping kernel and a fresh context;
* a soak of 10,000,000 enqueues with host RSS and device memory sampled every 500,000.

Run on the GPU machine with TRTPLUG_STRESS_ARTIFACTS=DIR (see docs/reliability.md). Each test
prints its records, for the figures in docs/reliability.md.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stress_records import FAULT_CAUSES, FAULT_NAMESPACE, LOG_PREFIX, growth, run_stress  # noqa: E402

pytestmark = pytest.mark.gpu

ARTIFACTS_ENV = "TRTPLUG_STRESS_ARTIFACTS"
# Device memory comes in 2 MiB pages: a difference below one page is the driver's, not a leak.
GPU_MEMORY_TOLERANCE = 2 << 20


@pytest.fixture(scope="module")
def artifacts() -> Path:
    root = os.environ.get(ARTIFACTS_ENV)
    if not root:
        pytest.skip(f"set {ARTIFACTS_ENV} to the output of tests/stress_artifacts.py")
    return Path(root).resolve()


@pytest.fixture(scope="module")
def built(artifacts) -> dict:
    return json.loads((artifacts / "build.json").read_text())


def _run(artifacts: Path, args: list, timeout: float = 300):
    run = run_stress(artifacts / "trtplug_stress", args, driver=artifacts / "libcuda_counting.so", timeout=timeout)
    print(run.stdout[-20000:])
    print(run.stderr[-5000:], file=sys.stderr)
    if run.returncode == 77:
        pytest.skip(f"no usable GPU: {run.stdout}")
    return run


def _mish(artifacts: Path, folder: str = "mish", name: str = "mish_plugins") -> Path:
    return artifacts / folder / f"lib{name}.so"


def test_eight_threads_with_clones_and_churn(artifacts, built):
    creators = ["--creator", "Mish:1:"] if built["registry"] else []
    run = _run(artifacts, ["threads", "--lib", _mish(artifacts), "--plugin", "Mish:1", "--inputs", "4096",
                           "--inputs2", "1003", "--threads", 8, "--enqueues", 1000, *creators])
    assert run.returncode == 0, run.describe()
    s = run.summary
    assert s["ok"] and s["compared"] == 8000 and s["mismatches"] == 0 and s["single_threaded_mismatches"] == 0, s
    assert s["references_distinct"], "the two input sets gave the same outputs: the comparison shows nothing"
    assert s["churn_cycles"] > 0 and (not creators or s["creator_cycles"] == s["churn_cycles"]), s


def test_reload_unloads_every_module(artifacts):
    run = _run(artifacts, ["reload", "--lib", artifacts / "libfault_plugins.so", "--plugin", "Scale2d:1",
                           "--inputs", "37x45", "--cycles", 100, "--require-unload"])
    assert run.returncode == 0, run.describe()
    cycles = run.where("cycle")
    assert [(c["modules_loaded"], c["modules_after_unload"]) for c in cycles] == [(1, 0)] * 100
    # 90 cycles after 10 of warm-up: at most 1 MiB more host memory (a module's host copy, or any
    # buffer kept per cycle, is far more), and the same device memory.
    assert growth(cycles, "rss_kb", skip=10) <= 1024, [c["rss_kb"] for c in cycles]
    assert abs(growth(cycles, "gpu_free", skip=10)) <= GPU_MEMORY_TOLERANCE


def test_reload_compiled_libraries_side_by_side(artifacts, built):
    """kernels/mish.py in two namespaces and Mish version 2, loaded together 100 times."""
    creators = (["--creator", "Mish:1:", "--creator", "Mish:1:trtplug_other", "--creator", "Mish:2:"]
                if built["registry"] else [])
    run = _run(artifacts, ["reload", "--lib", _mish(artifacts), "--plugin", "Mish:1", "--inputs", "4096",
                           "--cycles", 100, "--require-unload",
                           "--side", f"{_mish(artifacts, 'mish_other', 'mish_other')},Mish:1,4096,1",
                           "--side", f"{_mish(artifacts, 'mish_v2', 'mish_v2')},Mish:2,4096,1", *creators])
    assert run.returncode == 0, run.describe()  # outputs right, every library unloaded every cycle
    cycles = run.where("cycle")
    assert len(cycles) == 100 and all(c["error"] == "" and c["unloaded"] == [True] * 3 for c in cycles)
    assert [(c["modules_loaded"], c["modules_after_unload"]) for c in cycles] == [(3, 0)] * 100
    if built["registry"]:
        assert [(c["registered_loaded"], c["registered_after_unload"]) for c in cycles] == [(3, 0)] * 100
    assert growth(cycles, "rss_kb", skip=10) <= 1024, [c["rss_kb"] for c in cycles]
    assert abs(growth(cycles, "gpu_free", skip=10)) <= GPU_MEMORY_TOLERANCE


@pytest.fixture(scope="module")
def fault_run(artifacts):
    return _run(artifacts, ["faults", "--lib", artifacts / "libfault_plugins.so",
                            "--side", f"{_mish(artifacts)},Mish:1,4096,1"])


def test_faults_are_errors_and_healthy_plugins_keep_working(fault_run):
    assert fault_run.returncode == 0, fault_run.describe()
    results = {r["fault"]: r for r in fault_run.where("fault")}
    assert sorted(results) == sorted(set(FAULT_CAUSES) - {"launch-failure"})  # that one: below
    assert all(r["status"] != 0 and r["healthy_after"] for r in results.values()), results
    [alloc] = fault_run.where("workspace_allocation")
    assert alloc["workspace_allocation"].startswith("CUDA_ERROR_OUT_OF_MEMORY"), alloc


@pytest.mark.parametrize("fault", sorted(set(FAULT_CAUSES) - {"launch-failure"}))
def test_each_fault_logs_one_line_naming_plugin_and_cause(fault_run, fault):
    plugin, cause = FAULT_CAUSES[fault]
    lines = fault_run.logged_after(f"fault {fault}")
    assert len(lines) == 1, (lines, fault_run.describe())
    assert lines[0].startswith(f"{LOG_PREFIX}{FAULT_NAMESPACE}::{plugin}: ") and cause in lines[0], lines


def test_trapping_kernel_then_a_fresh_context(artifacts):
    """A kernel that traps makes its context unusable (CUDA's sticky errors): the healthy plugin in
    that context must fail with one line naming it, not crash; a new context (the primary one reset,
    or a new process) must work."""
    run = _run(artifacts, ["launch-failure", "--lib", artifacts / "libfault_plugins.so"])
    assert run.returncode == 0, run.describe()
    s = run.summary
    assert s["enqueue_status"] != 0 or not s["synchronize"].startswith("CUDA_SUCCESS"), s
    same = run.logged_after("healthy in the same context")
    if not s["same_context_ok"]:
        assert len(same) == 1 and same[0].startswith(f"{LOG_PREFIX}{FAULT_NAMESPACE}::Scale2d: "), same
    fresh_process = _run(artifacts, ["threads", "--lib", artifacts / "libfault_plugins.so", "--plugin", "Scale2d:1",
                                     "--inputs", "37x45", "--threads", 1, "--enqueues", 10])
    assert fresh_process.returncode == 0 and fresh_process.summary["ok"], fresh_process.describe()


def test_soak_ten_million_enqueues(artifacts):
    run = _run(artifacts, ["soak", "--lib", _mish(artifacts), "--plugin", "Mish:1", "--inputs", "4096",
                           "--enqueues", 10_000_000, "--sample-every", 500_000], timeout=590)
    assert run.returncode == 0 and run.summary["ok"], run.describe()
    samples = run.where("rss_kb")
    assert len(samples) == 21 and samples[-1]["enqueues"] == 10_000_000
    # From the first sample after warm-up (500,000 enqueues) to the last: at most 1 MiB more host
    # memory, i.e. well under one byte per enqueue (a leak of 8 bytes per enqueue would be 72 MiB).
    assert growth(samples, "rss_kb", skip=1) <= 1024, [s["rss_kb"] for s in samples]
    assert abs(growth(samples, "gpu_free", skip=1)) <= GPU_MEMORY_TOLERANCE, [s["gpu_free"] for s in samples]
