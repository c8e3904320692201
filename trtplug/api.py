"""The Python API behind the `trtplug` command line: build plugin libraries and test plugins.

Targets are plugin classes (TrtPlugin subclasses, e.g. defined in a notebook), modules, .py files
or importable module names, alone or in a list. Nothing here imports Numba until a call needs it.

    import trtplug
    result = trtplug.compile(["kernels/mish.py"], output_dir="build")
    result.library                                   # build/libmish_plugins.so
    report = trtplug.test(["kernels/mish.py"])
    print(report.summary)                            # "6 passed, 0 failed"
"""
from __future__ import annotations

import os
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .errors import HeadersNotFoundError, TrtPlugError

if TYPE_CHECKING:
    from .pipeline import CompileResult
    from .testing.report import TestReport

Progress = Callable[[str], None]


def compile(targets: Any, output_dir: str | os.PathLike = "build", *, name: str | None = None,  # noqa: A001
            namespace: str = "", archs: Sequence[int] | None = None,
            tensorrt_include: str | os.PathLike | None = None, tensorrt: bool = True, emit_project: bool = False,
            jobs: int | None = None, sources: Sequence[str | os.PathLike] = (),
            include_dirs: Sequence[str | os.PathLike] = (), deepstream: bool = False,
            deepstream_version: str | None = None, deepstream_include: str | os.PathLike | None = None,
            progress: Progress | None = None, interface: str = "v2", target: str | None = None,
            toolchain: str | None = None) -> CompileResult:
    """Builds one shared library holding every plugin (and DeepStream parser) declared by `targets`.

    trtplug.compile(targets, output_dir="build", *, name=None, namespace="", archs=None,
                    tensorrt_include=None, tensorrt=True, emit_project=False, jobs=None, sources=(),
                    include_dirs=(), deepstream=False, deepstream_version=None,
                    deepstream_include=None, progress=None, interface="v2", target=None,
                    toolchain=None) -> CompileResult

    The options are those of `trtplug compile` (name: lib<name>.so; archs: e.g. [80, 90];
    tensorrt=False: C API only; progress: called with each progress line, e.g. print;
    interface: the TensorRT plugin interface, "v2" or "v3" for TensorRT >= 10; target: the machine and
    glibc floor, e.g. "aarch64-linux-gnu" for Jetson, default this machine's with glibc 2.17; toolchain:
    "bundled" (default) or "system", see docs/deploy.md).
    CompileResult.library is the built library (None when only a CMake project could be written),
    .tensorrt the TensorRT headers used (version, folder, where they were found), .info what
    `trtplug inspect` shows.

    Example::

        import numpy as np
        from numba import cuda
        import trtplug as tp

        @cuda.jit
        def double_kernel(x, y, n):
            i = cuda.grid(1)
            if i < n:
                y[i] = x[i] * 2

        class Double(tp.TrtPlugin):
            inputs = [tp.Input("x", dtypes=("float32",))]
            outputs = [tp.Output("y", like="x")]

            def enqueue(self, x, y):
                tp.launch(double_kernel, grid=tp.cdiv(x.numel, 256), block=256)(x.flat, y.flat, x.numel)

            def reference(self, x):
                return x * 2

        result = tp.compile(Double, output_dir="build", tensorrt=False)
        print(result.library)        # build/libdouble_plugins.so
    """
    from .pipeline import CompileOptions, compile_library

    options = CompileOptions(
        output_dir=output_folder(output_dir), library_name=name, plugin_namespace=namespace, archs=archs,
        tensorrt_include=tensorrt_include, tensorrt=tensorrt, emit_project=emit_project, jobs=jobs,
        extra_sources=[Path(p) for p in sources], extra_include_dirs=[Path(p) for p in include_dirs],
        deepstream=deepstream, deepstream_version=deepstream_version, deepstream_include=deepstream_include,
        progress=progress, interface=interface, target=target, toolchain=toolchain)
    return compile_library(target_list(targets), options)


def test(targets: Any, output_dir: str | os.PathLike = "build/test", *,
         tensorrt_include: str | os.PathLike | None = None, archs: Sequence[int] | None = None, cpu: bool = False,
         engine: bool = False, progress: Progress | None = None, interface: str = "v2", target: str | None = None,
         toolchain: str | None = None) -> TestReport:
    """Builds the plugins of `targets` and runs each through TensorRT's plugin lifecycle (the harness)
    against its numpy `reference`, for every dtype combination, test shape and `test_cases` entry.

    trtplug.test(targets, output_dir="build/test", *, tensorrt_include=None, archs=None, cpu=False,
                 engine=False, progress=None, interface="v2", target=None, toolchain=None) -> TestReport

    Without TensorRT headers the plugins run through the library's C API instead (report.runner
    says which). Outputs are compared on a GPU; without one every other step still runs.
    cpu=True never enqueues; engine=True also builds a one-layer TensorRT engine per plugin.
    target/toolchain: as for compile; an aarch64 library and harness built here run under qemu-aarch64
    (CPU steps only).
    Plugin failures are rows of the report (report.passed, report.rows, report.summary); mistakes
    in the declarations or the references raise TrtPlugError.

    Example::

        import trtplug
        report = trtplug.test(["kernels/mish.py"], output_dir="build/test")
        print(report.format())       # the table, then "6 passed, 0 failed"
        assert report.passed
    """
    from .testing.runner import engine_rows, run_suite, run_through_c_api

    out = output_folder(output_dir)
    specs = _testable_specs(targets)
    build = _build_for_tests(targets, out, archs, tensorrt_include, interface=interface, target=target,
                             toolchain=toolchain)
    library, headers, note = build.library, build.tensorrt, build.note
    if headers is None and not build.toolchain.platform.is_host:
        raise TrtPlugError(f"{note}\nA {build.toolchain.platform.arch} library without the TensorRT adapter cannot "
                           "be tested on this machine: give TensorRT headers (its harness runs under qemu)")
    if headers is None:
        report = run_through_c_api(library, specs)
        report.notes.insert(0, note)
    else:
        _write_suite(out / "plan", specs, build, cpu=cpu, self_contained=False, interface=interface)
        report = run_suite(out / "plan")
    if engine:
        rows, notes = engine_rows(library, specs)
        report.rows += rows
        report.notes += notes
        report.table += "".join(f"\n  engine {r.label:58} {'ok' if r.passed else 'FAIL'}  {r.message}" for r in rows)
    if progress is not None:
        progress(report.format())
    return report


test.__test__ = False  # `from trtplug import test` in a test module is not a pytest test


def prepare_test_suite(targets: Any, suite_dir: str | os.PathLike, *, output_dir: str | os.PathLike = "build/test",
                       tensorrt_include: str | os.PathLike | None = None, archs: Sequence[int] | None = None,
                       cpu: bool = False, interface: str = "v2", target: str | None = None,
                       toolchain: str | None = None) -> tuple[Path, int]:
    """Builds the plugins of `targets` and writes library, harness, inputs and references to
    `suite_dir` (a new or empty folder, or an earlier suite) to run elsewhere with run_test_suite.
    Needs TensorRT headers. Returns (suite folder, number of cases). With target (e.g.
    "aarch64-linux-gnu") the library and the harness are built for that machine.

    Example::

        suite, n = trtplug.prepare_test_suite(["kernels/mish.py"], "out/suite")
        # on a GPU machine, without Numba:
        print(trtplug.run_test_suite("out/suite").summary)
    """
    from .testing.runner import is_suite

    suite = output_folder(suite_dir)
    if suite.exists() and any(suite.iterdir()) and not is_suite(suite):
        raise TrtPlugError(f"--prepare {suite}: the folder exists and is not a trtplug test suite; "
                           "give a new or empty folder")
    specs = _testable_specs(targets)
    build = _build_for_tests(targets, output_folder(output_dir), archs, tensorrt_include, require_headers=True,
                             interface=interface, target=target, toolchain=toolchain)
    return suite, _write_suite(suite, specs, build, cpu=cpu, self_contained=True, interface=interface)


def run_test_suite(suite_dir: str | os.PathLike) -> TestReport:
    """Runs a suite written by prepare_test_suite (`trtplug test --prepare`); needs no Numba."""
    from .testing.runner import run_suite

    return run_suite(Path(suite_dir))


# ------------------------------------------------------------------------------------ helpers
def target_list(targets: Any) -> list:
    """`targets` as a list: one class, module, path or name is a list of one."""
    if isinstance(targets, (str, os.PathLike, type, types.ModuleType)):
        return [targets]
    try:
        items = list(targets)
    except TypeError:
        raise TrtPlugError(f"targets: expected plugin classes, modules, files or module names, got "
                           f"{type(targets).__name__}") from None
    if not items:
        raise TrtPlugError("targets: give at least one plugin class, module, file or module name")
    return items


def output_folder(path: str | os.PathLike) -> Path:
    """`path` as a folder to write to: a file in the way is an error, not a NotADirectoryError later."""
    folder = Path(path)
    for part in (folder, *folder.parents):
        if part.exists():
            if not part.is_dir():
                raise TrtPlugError(f"output folder {folder}: {part} is a file, not a folder. Hint: give another "
                                   "folder (-o DIR)")
            break
    return folder


def _testable_specs(targets: Any) -> list:
    from .loader import load_targets
    from .testing.cases import all_cases
    from .testing.runner import require_references

    specs, parsers = load_targets(target_list(targets))
    if not specs:
        names = ", ".join(sorted({_parser_name(p) for p in parsers}))
        raise TrtPlugError(
            f"{', '.join(map(_label, target_list(targets)))}: nothing to test: no TrtPlugin subclass, only DeepStream "
            f"parser declarations ({names}). Hint: `trtplug test` runs plugins; test parsers by building them "
            "(trtplug compile FILE) and running trtplug.deepstream.emulate_parser or emulate_config on sample "
            "outputs (docs/deepstream.md, \"nvinfer emulation\")")
    require_references(specs)
    for spec in specs:  # reference() mistakes show before the (slow) build
        all_cases(spec)
    return specs


def _label(target) -> str:
    from .loader import target_label

    return target_label(target)


def _parser_name(declaration) -> str:
    return str(getattr(declaration, "func_name", None) or type(declaration).__name__)


def _build_for_tests(targets, out: Path, archs, tensorrt_include, *, require_headers: bool = False,
                     interface: str = "v2", target: str | None = None, toolchain: str | None = None):
    """The CompileResult of the library to test, with `note` set: with the TensorRT adapter when
    headers are found, else (unless require_headers) C API only."""
    from .pipeline import CompileOptions, compile_library

    options = CompileOptions(output_dir=out / "lib", archs=archs, progress=None, tensorrt_include=tensorrt_include,
                             interface=interface, target=target, toolchain=toolchain)
    try:
        return compile_library(target_list(targets), options)
    except HeadersNotFoundError as exc:
        if require_headers or tensorrt_include is not None or interface != "v2":  # a choice that needs headers
            raise
        note = (f"note: {exc}\nno TensorRT headers: running through the library's C API instead of the TensorRT "
                "lifecycle harness")
    options.tensorrt = False
    result = compile_library(target_list(targets), options)
    result.note = note
    return result


def _write_suite(suite: Path, specs, build, *, cpu: bool, self_contained: bool, interface: str = "v2") -> int:
    """build: the CompileResult of the library; the harness is built with the same toolchain, for the same machine."""
    from .testing.harness import build_harness
    from .testing.runner import write_suite

    harness = build_harness(build.tensorrt, toolchain=build.toolchain)
    # Only IPluginV3 has tactics: a V2 library runs each plugin's first (default) tactic.
    return write_suite(suite, specs, build.library, harness, build.tensorrt.version, cpu=cpu,
                       self_contained=self_contained, tactics=interface == "v3")
