"""Builds the core's C++ tests, fuzzer and fixture library for pytest, caching objects by content.

Objects and outputs go under $TRTPLUG_TEST_BUILD_DIR (default: <tmp>/trtplug-native-tests),
named by a hash of the source, every header of the core and the tests, the flags and the
compiler, so that an unchanged tree rebuilds nothing.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from trtplug.native.assets import CORE_DIR
from trtplug.native.compiler import CompileJob, find_cxx, run_compile

TESTS_DIR = Path(__file__).resolve().parent
SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
THREAD_SANITIZE = ("-fsanitize=thread", "-fno-omit-frame-pointer")
STRICT = ("-Werror", "-g")


def build_dir() -> Path:
    root = os.environ.get("TRTPLUG_TEST_BUILD_DIR") or Path(tempfile.gettempdir()) / "trtplug-native-tests"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def core_sources() -> list[Path]:
    return sorted(CORE_DIR.glob("*.cpp"))


def _headers_digest() -> str:
    h = hashlib.sha256()
    for header in sorted([*CORE_DIR.glob("*.h"), *TESTS_DIR.glob("*.h")]):
        h.update(header.name.encode() + header.read_bytes())
    return h.hexdigest()


def _key(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def _object(source: Path, flags: tuple, headers: str) -> Path:
    out = build_dir() / f"{source.stem}-{_key(source.read_bytes(), flags, headers, find_cxx())}.o"
    if not out.exists():
        tmp = out.with_suffix(f".{os.getpid()}.tmp.o")
        run_compile(CompileJob(sources=[source], output=tmp, shared=False, include_dirs=[CORE_DIR, TESTS_DIR],
                               extra_flags=("-c", *flags), libs=(), optimize="-O1"))
        tmp.replace(out)
    return out


def build(name: str, sources: list[Path], *, sanitize: bool, shared: bool = False,
          sanitizers: tuple = SANITIZE) -> Path:
    """Compiles `sources` (in parallel, cached) and links them into an executable or shared library."""
    flags = STRICT + (sanitizers if sanitize else ())
    headers = _headers_digest()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        objects = list(pool.map(lambda s: _object(s, flags, headers), sources))
    suffix = ".so" if shared else ""
    out = build_dir() / f"{name}-{_key(*[o.name for o in objects], flags, shared)}{suffix}"
    if not out.exists():
        tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
        run_compile(CompileJob(sources=objects, output=tmp, shared=shared,
                               extra_flags=(sanitizers if sanitize else ()), optimize="-O1"))
        tmp.replace(out)
    return out


def fixture_sources() -> list[Path]:
    return [*core_sources(), TESTS_DIR / "fixture_plugins.cpp"]


def build_unit_tests() -> Path:
    return build("test_core", [*fixture_sources(), TESTS_DIR / "test_core.cpp"], sanitize=True)


def build_unit_tests_tsan() -> Path:
    """The unit tests under ThreadSanitizer, for the groups that use the core from several threads."""
    return build("test_core_tsan", [*fixture_sources(), TESTS_DIR / "test_core.cpp"], sanitize=True,
                 sanitizers=THREAD_SANITIZE)


def build_fuzzer() -> Path:
    return build("fuzz_core", [*fixture_sources(), TESTS_DIR / "fuzz_core.cpp"], sanitize=True)


def build_fixture_library() -> Path:
    """libfixture_plugins.so: the core and the test plugins, loadable with ctypes."""
    return build("libfixture_plugins", fixture_sources(), sanitize=False, shared=True)


def build_gpu_e2e() -> Path:
    """The GPU launch test (no sanitizers: AddressSanitizer's shadow memory and the driver's
    address reservations do not mix)."""
    return build("gpu_e2e", [*fixture_sources(), TESTS_DIR / "gpu_e2e.cpp"], sanitize=False)
