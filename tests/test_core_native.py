"""The native core runtime (registry/core), tested on CPU through its C++ unit tests (built with
AddressSanitizer and UndefinedBehaviorSanitizer, and the threaded groups also with
ThreadSanitizer), a fuzzer built with AddressSanitizer and UndefinedBehaviorSanitizer, a check of the driver declarations
against NVIDIA's cuda.h, and the symbols a built library exports."""
from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "native"))
import native_build  # noqa: E402

from trtplug.native.assets import CORE_DIR  # noqa: E402
from trtplug.native.compiler import find_cxx  # noqa: E402

CPU_GROUPS = ["expressions", "symbolic", "attributes", "half_float", "serialization", "variants", "tactics", "shapes",
              "workspace", "packing", "image_choice", "module_cache", "logging", "c_api", "rules", "launch_cache", "launch_fast_path", "no_driver",
              "system_driver"]
GPU_GROUPS = ["gpu_module_errors"]
# Groups that run the core from several threads at once, also run under ThreadSanitizer.
THREADED_GROUPS = ["module_cache", "launch_cache", "launch_fast_path"]


# The CUDA driver maps memory where AddressSanitizer keeps its shadow gap; without this cuInit in a
# sanitized binary fails with CUDA_ERROR_OUT_OF_MEMORY.
SANITIZED_ENV = {**os.environ, "ASAN_OPTIONS": "protect_shadow_gap=0:" + os.environ.get("ASAN_OPTIONS", "")}


def _run(cmd, timeout):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=timeout, env=SANITIZED_ENV)
    return proc, f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


@pytest.fixture(scope="module")
def unit_tests() -> Path:
    return native_build.build_unit_tests()


def test_every_group_is_run(unit_tests):
    proc, out = _run([unit_tests, "--list"], 30)
    assert proc.returncode == 0, out
    assert proc.stdout.split() == CPU_GROUPS + GPU_GROUPS


@pytest.mark.parametrize("group", CPU_GROUPS)
def test_core_unit(unit_tests, group):
    # One process per group: the no-driver groups depend on the driver being loaded only once.
    proc, out = _run([unit_tests, group], 120)
    assert proc.returncode == 0 and f"PASS {group}" in proc.stdout, out


@pytest.mark.parametrize("group", THREADED_GROUPS)
def test_core_unit_thread_sanitizer(group):
    proc, out = _run([native_build.build_unit_tests_tsan(), group], 300)
    assert proc.returncode == 0 and f"PASS {group}" in proc.stdout, out
    assert "ThreadSanitizer" not in proc.stderr, out


def test_unknown_group_fails(unit_tests):
    proc, _ = _run([unit_tests, "no_such_group"], 30)
    assert proc.returncode == 2


def test_fuzz_parsers():
    fuzzer = native_build.build_fuzzer()
    proc, out = _run([fuzzer, "200000"], 300)
    assert proc.returncode == 0 and "no failures" in proc.stdout, out
    assert "deserialize: 200000 inputs" in proc.stdout, out
    accepted = int(proc.stdout.split("deserialize: 200000 inputs, ")[1].split()[0])
    assert accepted > 100, f"too few mutated blobs were valid to exercise the round trip\n{out}"


def _cuda_include_dirs():
    try:
        import nvidia
    except ImportError:
        return []
    roots = [Path(p) for p in nvidia.__path__]
    return [d / sub / "include" for d in roots for sub in ("cu13", "cuda_runtime")
            if (d / sub / "include" / "cuda.h").is_file()]


@pytest.mark.parametrize("include", _cuda_include_dirs() or [None], ids=lambda p: p.parent.name if p else "none")
def test_driver_declarations_match_cuda_h(include):
    if include is None:
        pytest.skip("no cuda.h from the nvidia CUDA wheels (pip install nvidia-cuda-runtime)")
    cmd = [find_cxx(), "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-isystem", include,
           f"-I{CORE_DIR}", native_build.TESTS_DIR / "check_driver_constants.cpp"]
    proc, out = _run(cmd, 120)
    assert proc.returncode == 0, out


@pytest.fixture(scope="module")
def fixture_library() -> Path:
    return native_build.build_fixture_library()


def test_library_exports_only_the_c_api(fixture_library):
    proc, out = _run(["nm", "-D", "--defined-only", fixture_library], 30)
    assert proc.returncode == 0, out
    exported = {line.split()[-1] for line in proc.stdout.splitlines() if line.split()[1:2] == ["T"]}
    assert "trtplug_enqueue" in exported and "trtplug_instance_create" in exported
    assert all(name.startswith("trtplug_") for name in exported), sorted(exported)


def test_library_has_no_cuda_link_dependency(fixture_library):
    proc, out = _run(["readelf", "-d", fixture_library], 30)
    assert proc.returncode == 0, out
    needed = [line for line in proc.stdout.splitlines() if "(NEEDED)" in line]
    assert needed and not any("cuda" in line for line in needed), needed


def test_core_never_throws_across_c_abi_or_aborts():
    # The core is written without throw statements and abort(); a stray one would be a crash path.
    for source in [*CORE_DIR.glob("*.cpp"), *CORE_DIR.glob("*.h")]:
        text = "\n".join(line.split("//")[0] for line in source.read_text().splitlines())
        for word in ("throw ", "abort(", "exit(", "assert("):
            assert word not in text, f"{source.name} contains {word!r}"
        assert "#include <cuda.h>" not in text, f"{source.name} includes cuda.h"


def _libcuda_loads() -> bool:
    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _libcuda_loads(), reason="needs libcuda.so.1 (an NVIDIA GPU and driver)")
@pytest.mark.parametrize("group", GPU_GROUPS)
def test_core_gpu(unit_tests, group):
    proc, out = _run([unit_tests, group], 300)
    assert proc.returncode == 0 and f"PASS {group}" in proc.stdout and "SKIP" not in proc.stdout, out


def test_gpu_e2e_builds():
    # Built on CPU too, so the GPU test's code stays compiling; without a driver it exits 77.
    proc, out = _run([native_build.build_gpu_e2e()], 60)
    assert proc.returncode in (0, 77), out


@pytest.mark.gpu
@pytest.mark.skipif(not _libcuda_loads(), reason="needs libcuda.so.1 (an NVIDIA GPU and driver)")
def test_gpu_launch_of_numba_kernel():
    proc, out = _run([native_build.build_gpu_e2e()], 300)
    assert proc.returncode == 0 and "FAIL" not in proc.stdout, out


@pytest.mark.gpu
@pytest.mark.skipif(not _libcuda_loads(), reason="needs libcuda.so.1 (an NVIDIA GPU and driver)")
def test_gpu_launch_cache_with_alternating_shapes():
    """Threads enqueue through one launch cache, alternating shapes; every output is compared."""
    proc, out = _run([native_build.build_gpu_e2e(), "launch_cache"], 300)
    assert proc.returncode == 0 and "FAIL" not in proc.stdout, out
    assert "PASS launch cache: alternating shapes" in proc.stdout, out
