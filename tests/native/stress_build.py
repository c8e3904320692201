"""Builds the reliability test programs (stress_main.cpp) and the libraries they drive, cached by
content like native_build.py's: the stress program, the fault and fixture libraries (the core
compiled in, with the same sanitizers as the program), the fake CUDA driver and the counting shim
that stands between the core and a real driver.

`sanitizers`: None (plain), native_build.SANITIZE (address + undefined) or THREAD_SANITIZE.
"""
from __future__ import annotations

from pathlib import Path

from native_build import TESTS_DIR, build, core_sources, fixture_sources

# g++ marks the static locals of libstdc++'s inline templates (std::to_string's digit table, the tag
# of std::make_shared) STB_GNU_UNIQUE, and glibc never unloads a library that defines one: dlclose
# leaves it loaded, its destructors unrun. The reload test builds its libraries without them to see
# the core's own unload path (module cache, registrations); see docs/reliability.md.
NO_GNU_UNIQUE = ("-fno-gnu-unique",)


def _build(name: str, sources: list[Path], sanitizers: tuple | None, shared: bool) -> Path:
    flags = NO_GNU_UNIQUE + (sanitizers or ())
    return build(name, sources, sanitize=True, sanitizers=flags, shared=shared)


def _suffix(sanitizers: tuple | None) -> str:
    if not sanitizers:
        return ""
    return "_tsan" if any("thread" in f for f in sanitizers) else "_asan"


def build_stress_program(sanitizers: tuple | None = None) -> Path:
    return _build("trtplug_stress" + _suffix(sanitizers), [TESTS_DIR / "stress_main.cpp"], sanitizers, shared=False)


def build_fixture_library(sanitizers: tuple | None = None) -> Path:
    """libfixture_plugins.so (namespace trtplug_test: TestScale v1, TestNeeds, TestRules)."""
    return _build("libfixture_plugins" + _suffix(sanitizers), fixture_sources(), sanitizers, shared=True)


def build_fixture_library_v2(sanitizers: tuple | None = None) -> Path:
    """The same plugins as a second library: namespace trtplug_test_v2, TestScale v2, TestRules."""
    return _build("libfixture_plugins_v2" + _suffix(sanitizers),
                  [*core_sources(), TESTS_DIR / "fixture_plugins_v2.cpp"], sanitizers, shared=True)


def build_fault_library(sanitizers: tuple | None = None) -> Path:
    """libfault_plugins.so: Scale2d (healthy), BadPtx, NoImage, Trap, HugeWorkspace."""
    return _build("libfault_plugins" + _suffix(sanitizers), [*core_sources(), TESTS_DIR / "fault_plugins.cpp"],
                  sanitizers, shared=True)


def build_fake_driver() -> Path:
    """A stand-in libcuda.so.1 (fake_libcuda.cpp), for TRTPLUG_LIBCUDA."""
    return _build("libcuda_fake", [TESTS_DIR / "fake_libcuda.cpp"], None, shared=True)


def build_counting_driver() -> Path:
    """The shim that forwards to the real driver and counts modules (counting_libcuda.cpp)."""
    return _build("libcuda_counting", [TESTS_DIR / "counting_libcuda.cpp"], None, shared=True)
