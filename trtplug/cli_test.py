"""`trtplug test`: build the plugins, then run each one through TensorRT's plugin lifecycle (the
harness) and compare its outputs with its numpy `reference`."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

TEST_HELP = """\
example:
  trtplug test kernels/mish.py                       # build, run the lifecycle + references here
  trtplug test kernels/*.py --prepare out/suite      # build and write inputs/references/harness ...
  trtplug test --run out/suite                       # ... then run them on a GPU machine (no Numba needed)

Each plugin runs for every dtype combination and its test shapes: creator lookup, createPlugin,
clone, output dims, format combinations, configure, workspace, enqueue (when a GPU is present),
serialize, deserializePlugin, compare, destroy. Without TensorRT headers the plugins run through
the library's C API instead (kernels and references only).
"""

RUN_FILE = "suite.json"


def register(sub):
    p = sub.add_parser("test", help="run plugins through the TensorRT lifecycle against their references",
                       epilog=TEST_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("targets", nargs="*", metavar="FILES_OR_MODULES")
    p.add_argument("-o", "--output", default="build/test", help="build directory (default: build/test)")
    p.add_argument("--tensorrt-include", help="TensorRT include dir for the library and the harness")
    from .cli import _parse_archs
    p.add_argument("--arch", type=_parse_archs, help="GPU architectures for cubins, e.g. 90 (default: all)")
    p.add_argument("--prepare", metavar="DIR", help="write library, harness, inputs and references to DIR; run nothing")
    p.add_argument("--run", metavar="DIR", help="run a suite written by --prepare (needs no Numba)")
    p.add_argument("--cpu", action="store_true", help="never enqueue, even when a GPU is present")
    p.add_argument("--engine", action="store_true",
                   help="also build a one-layer TensorRT engine per plugin (needs the tensorrt Python package)")
    p.set_defaults(func=cmd_test)


def cmd_test(args) -> int:
    from .errors import TrtPlugError

    if args.run:
        return _run_prepared(Path(args.run))
    if not args.targets:
        raise TrtPlugError("give the plugin files to test, or --run DIR")
    return _build_and_run(args)


def _build_and_run(args) -> int:
    from .errors import DefinitionError, HeadersNotFoundError, TrtPlugError
    from .loader import load_specs
    from .pipeline import CompileOptions, compile_library
    from .testing.cases import make_cases

    archs = args.arch
    out = Path(args.output)
    if args.prepare:
        target = Path(args.prepare)
        if target.exists() and any(target.iterdir()) and not (target / RUN_FILE).is_file():
            raise TrtPlugError(f"--prepare {target}: the folder exists and is not a trtplug test suite; "
                               "give a new or empty folder")
    missing = [spec.qualname for spec in load_specs(args.targets) if spec.reference is None]
    if missing:
        raise DefinitionError(f"{', '.join(missing)}: no reference(self, <inputs>) method; trtplug test compares "
                              "each plugin's outputs with it. Hint: return the expected outputs as numpy arrays")
    try:
        result = compile_library(args.targets, CompileOptions(output_dir=out / "lib", archs=archs, progress=None,
                                                              tensorrt_include=args.tensorrt_include))
    except HeadersNotFoundError as exc:
        if args.prepare:
            raise
        print(f"note: {str(exc).splitlines()[0]}\nno TensorRT headers: running through the library's C API instead "
              "of the TensorRT lifecycle harness")
        result = compile_library(args.targets, CompileOptions(output_dir=out / "lib", archs=archs, progress=None,
                                                              tensorrt=False))
        return _run_direct(result.library, load_specs(args.targets))

    specs = load_specs(args.targets)
    from .build.tensorrt_headers import find_tensorrt_include
    from .testing.harness import build_harness, plan_cases, write_plan

    headers = find_tensorrt_include(args.tensorrt_include)
    plan_dir = Path(args.prepare) if args.prepare else out / "plan"
    if plan_dir.exists():
        shutil.rmtree(plan_dir)
    cases = [pc for spec in specs for pc in plan_cases(spec, make_cases(spec))]
    library = result.library
    harness = build_harness(headers)
    if args.prepare:
        plan_dir.mkdir(parents=True)
        library = Path(shutil.copy2(result.library, plan_dir / result.library.name))
        harness = Path(shutil.copy2(harness, plan_dir / "trtplug_harness"))
    write_plan(plan_dir, cases, libraries={"lib": library.name if args.prepare else library},
               mode="cpu" if args.cpu else "auto")
    (plan_dir / RUN_FILE).write_text(json.dumps({
        "library": library.name if args.prepare else str(library),
        "harness": harness.name if args.prepare else str(harness),
        "tensorrt": f"{headers.major}.{headers.minor}.{headers.patch}",
    }, indent=2), encoding="utf-8")
    if args.prepare:
        print(f"wrote {len(cases)} case(s), {library.name} (TensorRT {headers.major}.{headers.minor}) and the harness "
              f"to {plan_dir}; run them with: trtplug test --run {plan_dir}")
        return 0
    status = _run_plan_dir(plan_dir)
    if args.engine:
        status |= _run_engines(library, specs)
    return status


def _run_prepared(plan_dir: Path) -> int:
    from .errors import TrtPlugError

    if not (plan_dir / RUN_FILE).is_file():
        raise TrtPlugError(f"{plan_dir}: no {RUN_FILE}; write a suite with `trtplug test FILES --prepare {plan_dir}`")
    return _run_plan_dir(plan_dir)


def _run_plan_dir(plan_dir: Path) -> int:
    from .testing.harness import format_table, run_plan

    suite = json.loads((plan_dir / RUN_FILE).read_text(encoding="utf-8"))
    library = plan_dir / suite["library"] if not Path(suite["library"]).is_absolute() else Path(suite["library"])
    harness = plan_dir / suite["harness"] if not Path(suite["harness"]).is_absolute() else Path(suite["harness"])
    report = run_plan({"lib": library}, plan_dir, harness=harness)
    print(format_table(report))
    failed = [r for r in report if not r.passed]
    print(f"{len(report) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _run_direct(library_path, specs) -> int:
    from .errors import TrtPlugError
    from .runtime import Library
    from .testing.cases import make_cases
    from .testing.device import Device, DeviceUnavailable
    from .testing.direct import run_case

    library = Library(library_path)
    try:
        device = Device()
    except DeviceUnavailable as exc:
        print(f"no GPU ({exc}): built and loaded {library.path}; shapes and serialization checked, kernels not run")
        for spec in specs:
            inst = library.instance(spec.name, spec.version)
            for case in make_cases(spec, with_references=False):
                inst.output_shapes(case.input_shapes)
            library.instance(spec.name, spec.version, serialized=inst.serialize())
        return 0
    stream = device.stream()
    failures = passed = 0
    print(f"C API on {device.name} (sm_{device.sm}, driver {device.driver_version})")
    for spec in specs:
        for case in make_cases(spec):
            try:
                r = run_case(device, library, case, stream)
                ok, message, err = r.ok, r.message, r.max_error
            except TrtPlugError as exc:
                ok, message, err = False, str(exc), float("inf")
            failures += not ok
            passed += ok
            print(f"  {case.label:64} {'ok' if ok else 'FAIL':4} {err:10.3g}  {'' if ok else message}")
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


def _run_engines(library, specs) -> int:
    from .tensorrt_python import EngineUnavailable, run_one_layer_engines

    try:
        results = run_one_layer_engines(library, specs)
    except EngineUnavailable as exc:
        print(f"--engine skipped: {exc}")
        return 0
    failed = [r for r in results if not r.ok]
    for r in results:
        print(f"  engine {r.label:58} {'ok' if r.ok else 'FAIL'}  {r.message}")
    return 1 if failed else 0
