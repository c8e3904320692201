"""`trtplug test`: build the plugins, then run each through TensorRT's plugin lifecycle (the harness)
and compare its outputs with its numpy `reference`."""
from __future__ import annotations


from . import options

EXAMPLES = """\
example:
  trtplug test kernels/mish.py                       # build, run the lifecycle + references here
  trtplug test kernels/*.py --prepare out/suite      # build and write inputs/references/harness ...
  trtplug test --run out/suite                       # ... then run them on a GPU machine (no Numba needed)

Each plugin runs for every dtype combination, its test shapes and its test_cases (attribute values):
creator lookup, createPlugin, clone, output dims, format combinations, configure, workspace, enqueue
(when a GPU is present), serialize, deserializePlugin, compare, destroy; with --interface v3, once per
tactic of a plugin that declares tactics (TensorRT's choice, stored with the engine). Without TensorRT
headers the plugins run through the library's C API instead (kernels and references only).
"""


def register(sub) -> None:
    p = options.add_building_command(sub, "test", help="run plugins through the TensorRT lifecycle against their "
                                     "references", examples=EXAMPLES)
    p.add_argument("targets", nargs="*", metavar="FILES_OR_MODULES")
    options.add_build_inputs(p, output="build/test", output_help="build directory")
    options.add_suite_modes(p, prepare="write library, harness, inputs and references to DIR; run nothing",
                            run="run a suite written by --prepare (needs no Numba)")
    p.add_argument("--cpu", action="store_true", help="never enqueue, even when a GPU is present")
    options.add_interface(p)
    options.add_platform(p)
    p.add_argument("--engine", action="store_true",
                   help="also build a one-layer TensorRT engine per plugin (needs the tensorrt Python package)")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import api
    from ..errors import TrtPlugError

    if args.run:
        if args.targets or args.prepare:
            raise TrtPlugError("--run DIR runs a written suite: give no FILES_OR_MODULES and no --prepare with it")
        return _print(api.run_test_suite(args.run))
    if not args.targets:
        raise TrtPlugError("give the plugin files to test, or --run DIR")
    if args.prepare:
        suite, count = api.prepare_test_suite(args.targets, args.prepare, output_dir=args.output,
                                              tensorrt_include=args.tensorrt_include, archs=args.arch, cpu=args.cpu,
                                              interface=args.interface, target=args.target, toolchain=args.toolchain)
        print(f"wrote {count} case(s), the library and the harness to {suite}; run them with: "
              f"trtplug test --run {suite}")
        return 0
    return _print(api.test(args.targets, args.output, tensorrt_include=args.tensorrt_include, archs=args.arch,
                           cpu=args.cpu, engine=args.engine, interface=args.interface, target=args.target,
                           toolchain=args.toolchain))


def _print(report) -> int:
    print(report.format())
    return 0 if report.passed else 1
