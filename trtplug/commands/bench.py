"""`trtplug bench`: time plugins per dtype and size, side by side with a copy, the bare kernel,
the TensorRT adapter and (where installed) Triton and PyTorch."""
from __future__ import annotations

from pathlib import Path

from . import options

EXAMPLES = """\
examples:
  trtplug bench kernels/mish.py                          # build, then time here (needs Numba and a GPU)
  trtplug bench kernels/*.py --prepare out/bench         # build a bench suite here ...
  trtplug bench --run out/bench --json bench.json        # ... time it on a GPU machine (no Numba needed)
  trtplug bench build/libmish_plugins.so --dtype float16 --shape 1048576

Per plugin, dtype combination and size (elementwise plugins: 4096, 1M and 64M elements; others: their
largest test shape scaled to about as many elements of input 0): GPU time (median and spread of
--repeats rounds of --iterations back-to-back launches, CUDA events), GB/s and % of a device-to-device
copy of the same bytes, host us per launch; through the C API, the TensorRT adapter's enqueue (the
harness), a bare cuLaunchKernel of the same cubin, Triton and PyTorch eager (kernels/ plugins, where
torch/triton are installed); then the time from dlopen to the first finished enqueue (cubin, PTX).
"""


def register(sub) -> None:
    p = options.add_building_command(sub, "bench", help="time plugins side by side with a copy, the bare kernel, "
                                     "TensorRT, Triton, torch", examples=EXAMPLES)
    p.add_argument("targets", nargs="*", metavar="FILES_OR_LIB", help="plugin files to build, or one built library")
    p.add_argument("--plugin", action="append", help="only this plugin (repeatable; default: all)")
    p.add_argument("--shape", action="append", type=options.shape,
                   help="input shape, e.g. 1,3,224,224 (repeat once per input; default: see above)")
    p.add_argument("--dtype", help="one dtype for every tensor, or a full combination in,...,out (default: all)")
    p.add_argument("--iterations", type=options.positive_int, default=100, help="launches per round (default 100)")
    p.add_argument("--repeats", type=options.positive_int, default=7, help="rounds (default 7)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--no-baselines", action="store_true", help="skip the Triton and PyTorch columns")
    p.add_argument("--harness", metavar="PATH", help="prebuilt harness for a LIB (default: built when headers are found)")
    options.add_build_inputs(p, output="build/bench", output_help="build directory for FILES")
    options.add_suite_modes(p, prepare="build FILES into a bench suite in DIR; time nothing",
                            run="time a suite written by --prepare (needs no Numba)")
    p.set_defaults(func=run)


def _is_library(target: str) -> bool:
    return target.endswith(".so") or ".so." in Path(target).name


def run(args) -> int:
    from ..api import output_folder
    from ..bench import suite
    from ..errors import TrtPlugError

    if args.run:
        if args.targets or args.prepare:
            raise TrtPlugError("--run DIR times a written suite: give no FILES_OR_LIB and no --prepare with it")
        if args.plugin or args.shape or args.dtype:
            raise TrtPlugError("--run DIR times the cases the suite was prepared with: give --plugin, --shape and "
                               "--dtype to --prepare instead")
        s = suite.read(Path(args.run))
        return _time(args, s["library"], s["cases"], harness=s["harness"], ptx_library=s["ptx_library"],
                     note=s.get("note", ""), work_dir=Path(args.run) / "work")
    if not args.targets:
        raise TrtPlugError("give the plugin files to bench, a built library, or --run DIR")
    libraries = [t for t in args.targets if _is_library(t)]
    if libraries:
        if len(args.targets) != 1:
            raise TrtPlugError(f"give either plugin files or one built library, not {' '.join(args.targets)}")
        if args.prepare:
            raise TrtPlugError("--prepare builds plugin files into a suite; a built library runs as it is: "
                               f"trtplug bench {libraries[0]} (on the GPU machine)")
        return _bench_library(args, Path(libraries[0]))
    out = output_folder(args.output)
    if args.prepare:
        output_folder(args.prepare)
    else:  # fail before the build, not after it
        from ..testing.device import Device
        Device()
    library, ptx_library, harness, note = suite.build(args.targets, out, tensorrt_include=args.tensorrt_include,
                                                       archs=args.arch, progress=None)
    cases = suite.plan_for_targets(args.targets, library, plugins=args.plugin, dtype=args.dtype, shapes=args.shape)
    if args.prepare:
        folder = suite.write(Path(args.prepare), library, ptx_library, harness, cases, note)
        print(f"wrote {len(cases)} case(s), the library, its PTX-only build"
              f"{' and the harness' if harness else ''} to {folder}; time them with: trtplug bench --run {folder}")
        if note:
            print(f"note: {note}")
        return 0
    return _time(args, library, cases, harness=harness, ptx_library=ptx_library, note=note, work_dir=out / "work")


def _bench_library(args, path: Path) -> int:
    from ..bench.cases import plan_cases
    from ..bench.suite import select_plugins
    from ..runtime import Library

    library = Library(path)
    names = select_plugins([name for name, _ in library.plugins], args.plugin)
    cases = [c for name in names
             for c in plan_cases(library.plugin_info(name), dtype=args.dtype, shapes=args.shape)]
    harness, note = _harness_for(path, args)
    return _time(args, path, cases, harness=harness, ptx_library=None, note=note,
                 work_dir=Path(args.output) / "work")


def _harness_for(library: Path, args):
    """(harness, note): --harness, else one built for the library's TensorRT major when headers are found."""
    from ..errors import TrtPlugError
    from ..testing.harness import build_harness, check_library_for, library_tensorrt_version

    if args.harness:
        if not Path(args.harness).is_file():
            raise TrtPlugError(f"--harness {args.harness}: no such file")
        return Path(args.harness), ""
    if library_tensorrt_version(library) is None:
        return None, "no TensorRT adapter column: the library was built without the TensorRT adapter"
    try:
        from ..native.tensorrt_headers import find_tensorrt_include
        headers = find_tensorrt_include(args.tensorrt_include)
        check_library_for(library, headers)
        return build_harness(headers), ""
    except TrtPlugError as exc:
        return None, f"no TensorRT adapter column (give --harness PATH): {exc}"


def _time(args, library: Path, cases, *, harness, ptx_library, note: str, work_dir: Path) -> int:
    from ..bench import report, runner
    from ..errors import TrtPlugError

    if not cases:
        raise TrtPlugError("nothing to time: no plugin cases")
    result = runner.run(library, cases, iterations=args.iterations, repeats=args.repeats, harness=harness,
                        ptx_library=ptx_library, baselines=not args.no_baselines, work_dir=work_dir,
                        harness_note=note, progress=None)
    print(report.format_table(result))
    if args.json:
        report.write_json(result, Path(args.json))
        print(f"wrote {args.json}")
    return 0
