"""Builds the reliability test programs (stress_main.cpp) and the libraries they drive, cached by
content like native_build.py's: the stress program, the fault and fixture libraries (the core
compiled in, with the same sanitizers as the program), the fake CUDA driver and the counting shim
that stands between the core and a real driver.

`sanitizers`: None (plain), native_build.SANITIZE (address + undefined) or THREAD_SANITIZE.
`unloadable`: a library that dlclose really unloads (NO_GNU_UNIQUE).
"""
from __future__ import annotations

from pathlib import Path

from native_build import TESTS_DIR, build, core_sources, fixture_sources

# g++ marks the static locals of libstdc++'s inline templates (std::to_string's digit table, the tag
# of std::make_shared) STB_GNU_UNIQUE, and glibc never unloads a library that defines one: dlclose
# leaves it loaded, its destructors unrun. The reload test builds its libraries without them to see
# the core's own unload path (module cache, registrations); see docs/reliability.md.
NO_GNU_UNIQUE = ("-fno-gnu-unique",)


def _build(name: str, sources: list[Path], sanitizers: tuple | None, shared: bool, unloadable: bool = False) -> Path:
    """Without `unloadable`, objects are compiled with the flags of native_build's unit tests, so the
    core's objects are shared with theirs."""
    flags = (NO_GNU_UNIQUE if unloadable else ()) + (sanitizers or ())
    if not flags:
        return build(name, sources, sanitize=False, shared=shared)
    return build(name, sources, sanitize=True, sanitizers=flags, shared=shared)


def _suffix(sanitizers: tuple | None, unloadable: bool = False) -> str:
    kind = "" if not sanitizers else "_tsan" if any("thread" in f for f in sanitizers) else "_asan"
    return kind + ("_unloadable" if unloadable else "")


def build_stress_program(sanitizers: tuple | None = None) -> Path:
    return _build("trtplug_stress" + _suffix(sanitizers), [TESTS_DIR / "stress_main.cpp"], sanitizers, shared=False)


def build_fixture_library(sanitizers: tuple | None = None, unloadable: bool = False) -> Path:
    """libfixture_plugins.so (namespace trtplug_test: TestScale v1, TestNeeds, TestRules)."""
    return _build("libfixture_plugins" + _suffix(sanitizers, unloadable), fixture_sources(), sanitizers, shared=True, unloadable=unloadable)


def build_fixture_library_v2(sanitizers: tuple | None = None, unloadable: bool = False) -> Path:
    """The same plugins as a second library: namespace trtplug_test_v2, TestScale v2, TestRules."""
    return _build("libfixture_plugins_v2" + _suffix(sanitizers, unloadable),
                  [*core_sources(), TESTS_DIR / "fixture_plugins_v2.cpp"], sanitizers, shared=True, unloadable=unloadable)


def build_fault_library(sanitizers: tuple | None = None, unloadable: bool = False) -> Path:
    """libfault_plugins.so: Scale2d (healthy), BadPtx, NoImage, Trap, HugeWorkspace."""
    return _build("libfault_plugins" + _suffix(sanitizers, unloadable), [*core_sources(), TESTS_DIR / "fault_plugins.cpp"],
                  sanitizers, shared=True, unloadable=unloadable)


def build_fake_driver() -> Path:
    """A stand-in libcuda.so.1 (fake_libcuda.cpp), for TRTPLUG_LIBCUDA."""
    return _build("libcuda_fake", [TESTS_DIR / "fake_libcuda.cpp"], None, shared=True)


def build_counting_driver() -> Path:
    """The shim that forwards to the real driver and counts modules (counting_libcuda.cpp)."""
    return _build("libcuda_counting", [TESTS_DIR / "counting_libcuda.cpp"], None, shared=True)
