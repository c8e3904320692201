"""`trtplug test`: build the plugins, then run each against its numpy reference."""
from __future__ import annotations

TEST_HELP = """\
example:
  trtplug test kernels/mish.py                      # build, then run every case on this machine
  trtplug test kernels/mish.py --direct              # through the C API, without the TensorRT harness
"""


def register(sub):
    p = sub.add_parser("test", help="run plugins against their numpy references", epilog=TEST_HELP)
    p.add_argument("targets", nargs="+", metavar="FILES_OR_MODULES")
    p.add_argument("-o", "--output", default="build/test", help="build directory (default: build/test)")
    p.add_argument("--direct", action="store_true", help="run through the library's C API (needs cuda-python)")
    p.add_argument("--arch", help="GPU architectures for cubins")
    p.add_argument("--library", help="use this built library instead of building one")
    p.set_defaults(func=cmd_test)


def cmd_test(args) -> int:
    from pathlib import Path

    from .errors import TrtPlugError
    from .loader import load_specs
    from .runtime import Library
    from .testing import numba_stub
    from .testing.cases import make_cases
    from .testing.device import Device, DeviceUnavailable
    from .testing.direct import run_case

    if args.library:
        numba_stub.install_if_needed()
        library = Library(args.library)
    else:
        from .pipeline import CompileOptions, compile_library
        result = compile_library(args.targets, CompileOptions(output_dir=args.output, tensorrt=False))
        library = Library(result.library)
    specs = load_specs(args.targets)
    try:
        device = Device()
    except DeviceUnavailable as exc:
        print(f"no GPU: {exc}; built and loaded {library.path}, skipping enqueue")
        return 0
    stream = device.stream()
    failures = 0
    print(f"device: {device.name} (sm_{device.sm}, driver {device.driver_version})")
    print(f"{'case':60} {'result':6} {'max err':>10}")
    for spec in specs:
        for case in make_cases(spec):
            try:
                r = run_case(device, library, case, stream)
            except TrtPlugError as exc:
                print(f"{case.label:60} FAIL   {exc}")
                failures += 1
                continue
            failures += not r.ok
            print(f"{case.label:60} {'ok' if r.ok else 'FAIL':6} {r.max_error:10.3g} {'' if r.ok else r.message}")
    return 1 if failures else 0
