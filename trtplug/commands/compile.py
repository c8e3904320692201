"""`trtplug compile`: build one plugin library from plugin classes."""
from __future__ import annotations


from . import options

EXAMPLES = """\
example:
  trtplug compile kernels/mish.py -o build/
  trtplug compile kernels/mish.py kernels/scaled_add.py -o build/ --name my_plugins --namespace acme
  trtplug compile kernels/mish.py -o build/ --emit-project   # + a CMake project to build on the target
  trtplug compile kernels/mish.py -o build/ --interface v3   # IPluginV3 plugins (TensorRT >= 10)

Builds one shared library holding every plugin declared in FILES_OR_MODULES (TrtPlugin
subclasses). Loading it with dlopen registers the plugins with TensorRT:
  trtexec --onnx=model.onnx --staticPlugins=build/libmish_plugins.so
"""


def register(sub) -> None:
    p = options.add_building_command(sub, "compile", help="build one plugin library from plugin classes",
                                     examples=EXAMPLES)
    p.add_argument("targets", nargs="+", metavar="FILES_OR_MODULES")
    options.add_build_inputs(p, output="build", output_help="output directory")
    p.add_argument("--name", help="library name: lib<NAME>.so (default: <first file>_plugins)")
    p.add_argument("--namespace", default="", help="TensorRT plugin namespace (default: none)")
    p.add_argument("--no-tensorrt", action="store_true", help="build only the C API (no TensorRT adapter)")
    options.add_interface(p)
    options.add_platform(p)
    p.add_argument("--emit-project", action="store_true", help="also write a CMake project to build on a target")
    p.add_argument("--source", action="append", help="add a C++ source of your own to the library")
    p.add_argument("--include", action="append", help="include directory for --source files")
    p.add_argument("--deepstream", action="store_true",
                   help="export Gst-nvinfer's entry points (plugin factory) even when FILES declare no parser")
    p.add_argument("--deepstream-version", help="DeepStream layout for parsers in FILES (default: newest)")
    p.add_argument("--deepstream-include", help="real DeepStream includes: check our declarations against them")
    p.add_argument("-j", "--jobs", type=options.positive_int, help="parallel compile jobs")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api import compile as compile_library

    result = compile_library(
        args.targets, args.output, name=args.name, namespace=args.namespace, archs=args.arch,
        tensorrt_include=args.tensorrt_include, tensorrt=not args.no_tensorrt, emit_project=args.emit_project,
        jobs=args.jobs, sources=args.source or (), include_dirs=args.include or (), deepstream=args.deepstream,
        deepstream_version=args.deepstream_version, deepstream_include=args.deepstream_include,
        progress=None if args.quiet else print, interface=args.interface, target=args.target,
        toolchain=args.toolchain)
    if result.library and not args.quiet:
        print(f"built {result.library}")
    return 0
