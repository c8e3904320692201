"""The `trtplug` command line."""
from __future__ import annotations

import argparse
import json
import sys

from .errors import TrtPlugError

COMPILE_HELP = """\
example:
  trtplug compile kernels/mish.py -o build/
  trtplug compile kernels/mish.py kernels/scaled_add.py -o build/ --name my_plugins --namespace acme
  trtplug compile kernels/mish.py -o build/ --emit-project   # + a CMake project to build on the target

Builds one shared library holding every plugin declared in FILES_OR_MODULES (TrtPlugin
subclasses). Loading it with dlopen registers the plugins with TensorRT:
  trtexec --onnx=model.onnx --staticPlugins=build/libmish_plugins.so
"""

INSPECT_HELP = """\
example:
  trtplug inspect build/libmish_plugins.so
  trtplug inspect build/libmish_plugins.so --json

Prints what a built library holds: plugins, versions, attributes, dtype combinations,
GPU architectures and the toolchain that built it. Needs neither Numba nor TensorRT.
"""


DEEPSTREAM_HELP = """\
example:
  trtplug deepstream config --lib build/libyolo_plugins.so --onnx model.onnx -o config_infer.txt
  trtplug deepstream check config_infer.txt
"""


def _parse_archs(text: str | None):
    if not text:
        return None
    archs = []
    for item in text.replace(",", " ").split():
        item = item.lower().removeprefix("sm_").removeprefix("sm")
        if not item.isdigit():
            raise argparse.ArgumentTypeError(f"--arch: expected numbers like 80,90 or sm_90, got {text!r}")
        archs.append(int(item))
    return archs


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return int(text)


def cmd_compile(args) -> int:
    from .pipeline import CompileOptions, compile_library

    options = CompileOptions(
        output_dir=args.output, library_name=args.name, plugin_namespace=args.namespace, archs=args.arch,
        tensorrt_include=args.tensorrt_include, tensorrt=not args.no_tensorrt, emit_project=args.emit_project,
        jobs=args.jobs, extra_sources=args.source or (), extra_include_dirs=args.include or (),
        deepstream=args.deepstream, deepstream_version=args.deepstream_version,
        deepstream_include=args.deepstream_include,
        progress=None if args.quiet else print)
    result = compile_library(args.targets, options)
    if result.library and not args.quiet:
        print(f"built {result.library}")
    return 0


def cmd_inspect(args) -> int:
    from .runtime import Library

    lib = Library(args.library)
    if args.json:
        print(json.dumps(lib.info, indent=2, sort_keys=True))
        return 0
    info = lib.info
    print(f"{lib.path}: trtplug library {info['library']!r} (trtplug {info['trtplug']})")
    print(f"  TensorRT headers: {info.get('tensorrt') or 'none (C API only)'}")
    print(f"  plugin namespace: {info['plugin_namespace'] or '(default)'}")
    if info.get("ptx"):
        print(f"  GPU code: cubin for {', '.join('sm_' + str(a) for a in info['archs'])}; "
              f"PTX {info['ptx']['isa']} ({info['ptx']['target']}) fallback")
    else:
        print("  GPU code: none (no plugins)")
    toolchain = info.get("toolchain") or {}
    if toolchain:
        print("  toolchain: " + ", ".join(f"{k} {v}" for k, v in sorted(toolchain.items())))
    for p in info["plugins"]:
        print(f"  plugin {p['name']} version {p['version']} ({p['class']})")
        for t in p["inputs"]:
            rank = "any rank" if t["rank"] is None else f"rank {t['rank']}"
            print(f"    input  {t['name']}: {'/'.join(t['dtypes'])}, {rank}")
        for o in p["outputs"]:
            rule = (f"like {o['like']}" if o["like"] else f"dtype of {o['dtype_like']}" if o["dtype_like"]
                    else o["dtype"])
            print(f"    output {o['name']}: {rule}")
        for a in p["attributes"]:
            print(f"    attr   {a['name']}: {a['kind']} = {a['default']!r}")
        combos = ["(" + ", ".join(c) + ")" for c in p["dtype_combinations"]]
        print(f"    dtypes {' '.join(combos)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trtplug", description="TensorRT plugins from Python classes with Numba kernels.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="build one plugin library from plugin classes", epilog=COMPILE_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("targets", nargs="+", metavar="FILES_OR_MODULES")
    p.add_argument("-o", "--output", default="build", help="output directory (default: build)")
    p.add_argument("--name", help="library name: lib<NAME>.so (default: <first file>_plugins)")
    p.add_argument("--namespace", default="", help="TensorRT plugin namespace (default: none)")
    p.add_argument("--arch", type=_parse_archs, help="GPU architectures for cubins, e.g. 80,86,90 (default: sm_75 and newer)")
    p.add_argument("--tensorrt-include", help="TensorRT include dir (default: $TRTPLUG_TENSORRT_INCLUDE, "
                                              "$TENSORRT_ROOT/include, standard install locations)")
    p.add_argument("--no-tensorrt", action="store_true", help="build only the C API (no TensorRT adapter)")
    p.add_argument("--emit-project", action="store_true", help="also write a CMake project to build on a target")
    p.add_argument("--source", action="append", help="add a C++ source of your own to the library")
    p.add_argument("--include", action="append", help="include directory for --source files")
    p.add_argument("--deepstream", action="store_true",
                   help="export Gst-nvinfer's entry points (plugin factory) even when FILES declare no parser")
    p.add_argument("--deepstream-version", help="DeepStream layout for parsers in FILES (default: newest)")
    p.add_argument("--deepstream-include", help="real DeepStream includes: check our declarations against them")
    p.add_argument("-j", "--jobs", type=_positive_int, help="parallel compile jobs")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("inspect", help="show what a built library contains", epilog=INSPECT_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("library")
    p.add_argument("--json", action="store_true", help="print the raw JSON description")
    p.set_defaults(func=cmd_inspect)

    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub):
    """Commands whose modules register their own arguments."""
    from . import bench, cli_test

    cli_test.register(sub)
    bench.register(sub)
    p = sub.add_parser("deepstream", help="write or check a Gst-nvinfer config for a built library",
                       epilog=DEEPSTREAM_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("config", "check"))
    p.add_argument("arguments", nargs=argparse.REMAINDER, help="see `trtplug deepstream config|check --help`")
    p.set_defaults(func=cmd_deepstream)


def cmd_deepstream(args) -> int:
    from .deepstream.cli import deepstream_check_main, deepstream_config_main

    main_fn = deepstream_config_main if args.action == "config" else deepstream_check_main
    return main_fn(args.arguments)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TrtPlugError as exc:
        print(f"trtplug {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
