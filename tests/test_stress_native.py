"""Reliability of a trtplug library inside a long-running process, on the CPU: the stress program
(tests/native/stress_main.cpp) loads libraries with dlopen and drives their C API on the fake CUDA
driver (tests/native/fake_libcuda.cpp), so everything up to the driver runs for real:

* 8 threads, each with its own stream and clones, 1,000 enqueues each, while instances are
  created, cloned and destroyed, under ThreadSanitizer and under AddressSanitizer +
  UndefinedBehaviorSanitizer; every output equal to a single-threaded run's;
* 100 dlopen/dlclose cycles with enqueues between, two libraries side by side (another namespace,
  another version of the same plugin): modules loaded and unloaded balance, no leak
  (LeakSanitizer), host RSS flat;
* faults the fake driver simulates (an unloadable PTX, a launch failure, an allocation that fails)
  and bad calls: one log line each, healthy plugins unaffected;
* a short soak: RSS and device memory flat over 300,000 enqueues.

The same program runs on a GPU in tests/test_gpu_stress.py; docs/reliability.md says how.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "native"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import native_build  # noqa: E402
import stress_build  # noqa: E402
from stress_records import FAULT_CAUSES, FAULT_NAMESPACE, LOG_PREFIX, growth, run_stress  # noqa: E402

# LeakSanitizer on (the default) and no quarantine, so that host RSS reflects what the program
# holds; TSan stops at its first report.
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=1:quarantine_size_mb=0:thread_local_quarantine_size_kb=0",
                 "TSAN_OPTIONS": "halt_on_error=1:exitcode=66"}
SANITIZER_REPORTS = ("ThreadSanitizer", "AddressSanitizer", "LeakSanitizer", "runtime error:")


def _clean(run) -> None:
    assert not any(word in run.stderr for word in SANITIZER_REPORTS), run.describe()


@pytest.fixture(scope="module")
def fake_driver() -> Path:
    return stress_build.build_fake_driver()


def _fixture_target(lib: Path, version: str = "1") -> list:
    return ["--lib", lib, "--plugin", f"TestScale:{version}", "--inputs", "37x45,45", "--outputs", "2"]


@pytest.mark.parametrize("sanitizers", [native_build.THREAD_SANITIZE, native_build.SANITIZE], ids=["thread", "address"])
def test_eight_threads_with_clones_and_churn(fake_driver, sanitizers):
    program = stress_build.build_stress_program(sanitizers)
    lib = stress_build.build_fixture_library(sanitizers)
    run = run_stress(program, ["threads", *_fixture_target(lib), "--inputs2", "8x3,3", "--threads", 8,
                               "--enqueues", 1000], driver=fake_driver, env=SANITIZER_ENV)
    assert run.returncode == 0, run.describe()
    _clean(run)
    s = run.summary
    assert s["ok"] and s["compared"] == 8000 and s["mismatches"] == 0 and s["single_threaded_mismatches"] == 0, s
    assert s["churn_cycles"] > 0 and s["clones_swapped"] == 80, s


@pytest.fixture(scope="module")
def reload_run(fake_driver):
    """100 cycles of two libraries side by side, under AddressSanitizer (LeakSanitizer at exit)."""
    program = stress_build.build_stress_program(native_build.SANITIZE)
    v1 = stress_build.build_fixture_library(native_build.SANITIZE, unloadable=True)
    v2 = stress_build.build_fixture_library_v2(native_build.SANITIZE, unloadable=True)
    return run_stress(program, ["reload", *_fixture_target(v1), "--cycles", 100, "--require-unload",
                                "--side", f"{v2},TestScale:2,37x45;45,2"], driver=fake_driver, env=SANITIZER_ENV)


def test_reload_unloads_every_module_and_leaks_nothing(reload_run):
    assert reload_run.returncode == 0, reload_run.describe()
    _clean(reload_run)
    cycles = reload_run.where("cycle")
    assert len(cycles) == 100
    for c in cycles:
        assert c["error"] == "" and c["unloaded"] == [True, True], c
        assert c["modules_loaded"] == 2 and c["modules_after_unload"] == 0, c
    assert reload_run.summary["gpu_free_start"] == reload_run.summary["gpu_free_end"], reload_run.summary


def test_reload_keeps_host_memory_flat(fake_driver):
    # Without sanitizers: AddressSanitizer's RSS grows by its own bookkeeping of every library mapped.
    program = stress_build.build_stress_program()
    v1 = stress_build.build_fixture_library(unloadable=True)
    v2 = stress_build.build_fixture_library_v2(unloadable=True)
    run = run_stress(program, ["reload", *_fixture_target(v1), "--cycles", 100, "--require-unload",
                               "--side", f"{v2},TestScale:2,37x45;45,2"], driver=fake_driver)
    assert run.returncode == 0, run.describe()
    cycles = run.where("cycle")
    # After 10 warm-up cycles (allocator arenas, the loader's caches) 90 more cycles may add at most
    # 64 KiB: the driver loader leaked before was 1 KiB per library and cycle, 180 KiB here.
    assert growth(cycles, "rss_kb", skip=10) <= 64, [c["rss_kb"] for c in cycles]


def test_library_from_the_bundled_toolchain_unloads_cleanly(fake_driver):
    """What `trtplug compile` builds by default (libc++ linked in) must unload at dlclose like a g++
    library: its static destructors run then, not at exit after its code is unmapped (a crash at exit,
    seen as a non-zero status here)."""
    program = stress_build.build_stress_program()
    lib = stress_build.build_fixture_library_bundled()
    run = run_stress(program, ["reload", *_fixture_target(lib), "--cycles", 20, "--require-unload"], driver=fake_driver)
    assert run.returncode == 0, run.describe()
    cycles = run.where("cycle")
    assert len(cycles) == 20
    for c in cycles:
        assert c["error"] == "" and c["unloaded"] == [True], c
        assert c["modules_loaded"] >= 1 and c["modules_after_unload"] == 0, c


def test_two_versions_are_told_apart(fake_driver):
    program = stress_build.build_stress_program()
    v1 = stress_build.build_fixture_library()
    run = run_stress(program, ["reload", *_fixture_target(v1, version="2"), "--cycles", 1], driver=fake_driver)
    assert run.returncode == 1 and "has no plugin TestScale version 2" in run.records[0]["error"], run.describe()


def test_a_library_dlclose_cannot_unload_keeps_its_modules_without_growth(fake_driver):
    """Linked without trtplug's exports map (as the core's own fixture library is), a library exports
    libstdc++'s STB_GNU_UNIQUE symbols and glibc never unloads it; then dlopen finds it again with its
    modules cached, and they are reused, never loaded twice."""
    program = stress_build.build_stress_program()
    lib = stress_build.build_fixture_library()
    run = run_stress(program, ["reload", *_fixture_target(lib), "--cycles", 5], driver=fake_driver)
    assert run.returncode == 0, run.describe()
    cycles = run.where("cycle")
    assert all(c["unloaded"] == [False] for c in cycles), cycles
    assert {c["modules_after_unload"] for c in cycles} == {1}, cycles


@pytest.fixture(scope="module")
def fault_run(fake_driver):
    program = stress_build.build_stress_program(native_build.SANITIZE)
    faults = stress_build.build_fault_library(native_build.SANITIZE)
    healthy = stress_build.build_fixture_library(native_build.SANITIZE)
    return run_stress(program, ["faults", "--lib", faults, "--with-trap", "--side", f"{healthy},TestScale:1,37x45;45,2"],
                      driver=fake_driver, env=SANITIZER_ENV)


def test_faults_are_errors_and_healthy_plugins_keep_working(fault_run):
    assert fault_run.returncode == 0, fault_run.describe()
    _clean(fault_run)
    results = {r["fault"]: r for r in fault_run.where("fault")}
    assert sorted(results) == sorted(FAULT_CAUSES)
    for name, r in results.items():
        assert r["status"] != 0 and r["healthy_after"], r


@pytest.mark.parametrize("fault", sorted(FAULT_CAUSES))
def test_each_fault_logs_one_line_naming_plugin_and_cause(fault_run, fault):
    plugin, cause = FAULT_CAUSES[fault]
    lines = fault_run.logged_after(f"fault {fault}")
    assert len(lines) == 1, (lines, fault_run.describe())
    assert lines[0].startswith(f"{LOG_PREFIX}{FAULT_NAMESPACE}::{plugin}: ") and cause in lines[0], lines
    assert fault_run.logged_after(f"healthy after {fault}") == []


def test_out_of_memory_is_what_the_driver_said(fault_run):
    [alloc] = fault_run.where("workspace_allocation")
    assert alloc["workspace_bytes"] == 35184372088832, alloc
    assert alloc["workspace_allocation"].startswith("CUDA_ERROR_OUT_OF_MEMORY"), alloc


def test_launch_failure_then_fresh_context(fake_driver):
    program = stress_build.build_stress_program()
    run = run_stress(program, ["launch-failure", "--lib", stress_build.build_fault_library()], driver=fake_driver)
    assert run.returncode == 0, run.describe()
    s = run.summary
    assert s["enqueue_status"] != 0 and "CUDA_ERROR_LAUNCH_FAILED" in s["enqueue_message"], s
    assert s["same_context_ok"] and s["fresh_context_ok"], s  # the fake driver's failures are not sticky


def test_soak_keeps_memory_flat(fake_driver):
    program = stress_build.build_stress_program()
    lib = stress_build.build_fixture_library()
    run = run_stress(program, ["soak", *_fixture_target(lib), "--enqueues", 300000, "--sample-every", 50000],
                     driver=fake_driver)
    assert run.returncode == 0 and run.summary["ok"], run.describe()
    samples = run.where("rss_kb")
    assert len(samples) == 7 and samples[-1]["enqueues"] == 300000
    # One byte kept per enqueue would be 250 KiB between the first sample after warm-up and the last.
    assert growth(samples, "rss_kb", skip=1) <= 64, [s["rss_kb"] for s in samples]
    assert {s["gpu_free"] for s in samples} == {samples[0]["gpu_free"]}


def test_counting_shim_forwards_and_counts(fake_driver):
    """The shim the GPU runs use to count modules, here in front of the fake driver."""
    program = stress_build.build_stress_program()
    lib = stress_build.build_fault_library(unloadable=True)
    run = run_stress(program, ["reload", "--lib", lib, "--plugin", "Scale2d", "--inputs", "4x8", "--cycles", 3,
                               "--require-unload"],
                     driver=stress_build.build_counting_driver(), env={"TRTPLUG_REAL_LIBCUDA": str(fake_driver)})
    assert run.returncode == 0, run.describe()
    assert [(c["modules_loaded"], c["modules_after_unload"]) for c in run.where("cycle")] == [(1, 0)] * 3


# ------------------------------------------------------------------------------------------------
# With TensorRT headers: the IPluginV2 adapter registers its creators at dlopen and withdraws them at
# unload, into the lifecycle harness's stand-in for libnvinfer's registry, linked into the program.

@pytest.fixture(scope="module")
def tensorrt_headers():
    from trtplug.errors import HeadersNotFoundError
    from trtplug.native.tensorrt_headers import find_cuda_include, find_tensorrt_include

    try:
        headers = find_tensorrt_include()
        find_cuda_include()
    except HeadersNotFoundError as exc:
        pytest.skip(f"needs TensorRT and CUDA runtime headers: {exc}")
    return headers


CREATORS = ["--creator", "TestScale:1:trtplug_test", "--creator", "TestScale:2:trtplug_test_v2",
            "--creator", "TestRules:1:trtplug_test_v2"]


@pytest.mark.trt_headers
def test_reload_balances_registrations(fake_driver, tensorrt_headers):
    program = stress_build.build_stress_program_with_registry(tensorrt_headers, native_build.SANITIZE)
    v1 = stress_build.build_tensorrt_fixture_library(tensorrt_headers, native_build.SANITIZE, unloadable=True)
    v2 = stress_build.build_tensorrt_fixture_library(tensorrt_headers, native_build.SANITIZE, version=2,
                                                     unloadable=True)
    run = run_stress(program, ["reload", *_fixture_target(v1), "--cycles", 100, "--require-unload",
                               "--side", f"{v2},TestScale:2,37x45;45,2", *CREATORS],
                     driver=fake_driver, env=SANITIZER_ENV)
    assert run.returncode == 0, run.describe()
    _clean(run)
    cycles = run.where("cycle")
    assert len(cycles) == 100
    for c in cycles:  # TestScale, TestNeeds, TestRules of the first; TestScale v2, TestRules of the second
        assert (c["registered_loaded"], c["registered_after_unload"]) == (5, 0), c
        assert (c["modules_loaded"], c["modules_after_unload"]) == (2, 0), c


@pytest.mark.trt_headers
def test_threads_with_creators_under_thread_sanitizer(fake_driver, tensorrt_headers):
    program = stress_build.build_stress_program_with_registry(tensorrt_headers, native_build.THREAD_SANITIZE)
    lib = stress_build.build_tensorrt_fixture_library(tensorrt_headers, native_build.THREAD_SANITIZE)
    run = run_stress(program, ["threads", *_fixture_target(lib), "--inputs2", "8x3,3", "--creator",
                               "TestScale:1:trtplug_test"], driver=fake_driver, env=SANITIZER_ENV)
    assert run.returncode == 0, run.describe()
    _clean(run)
    s = run.summary
    assert s["ok"] and s["compared"] == 8000 and s["creator_cycles"] == s["churn_cycles"] > 0, s
