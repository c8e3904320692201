"""`trtplug onnx`: a one-node ONNX test model per plugin, and the trtexec/polygraphy commands for it."""
from __future__ import annotations

import argparse
import json

from ..errors import DefinitionError

EXAMPLES = """\
example:
  trtplug onnx build/libmish_plugins.so -o models/          # from a built library (no Numba needed)
  trtplug onnx build/mish_plugins.json -o models/           # from its info, written by `trtplug compile`
  trtplug onnx kernels/scaled_add.py -o models/ --shape ScaledAdd=2,3,5,7:1,3,1,1

Writes <Plugin>.onnx per plugin: the plugin node alone (op type = plugin name, plugin_version,
plugin_namespace and every field as an attribute typed as TensorRT's ONNX parser reads it), its
inputs with the plugin's first test shapes (or --shape) and first dtype combination (--all-dtypes:
one model each). Prints the commands that build an engine from each model with the library loaded:
  trtexec --onnx=models/Mish.onnx --staticPlugins=build/libmish_plugins.so
  polygraphy run models/Mish.onnx --trt --plugins build/libmish_plugins.so
Needs the onnx package (pip install "trtplug[onnx]").
"""


def register(sub) -> None:
    p = sub.add_parser("onnx", help="write a one-node ONNX test model per plugin, print trtexec/polygraphy commands",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("targets", nargs="+", metavar="LIB_OR_FILES",
                   help="a built library (.so), its <name>.json, or plugin files/modules")
    p.add_argument("-o", "--output", required=True, help="folder for the models")
    p.add_argument("--lib", help="the library the printed commands load (default: the .so given, the one beside "
                                 "the .json, or OUTPUT/lib<first file>_plugins.so)")
    p.add_argument("--namespace", default="", help="plugin namespace of plugins read from files (default: none)")
    p.add_argument("--plugin", action="append", default=[], help="only this plugin (repeatable)")
    p.add_argument("--shape", action="append", default=[], type=_plugin_shapes, metavar="PLUGIN=D,D:D,D",
                   help="input shapes of a plugin's model, one per input separated by ':'")
    p.add_argument("--all-dtypes", action="store_true", help="one model per dtype combination")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        from ..onnx.writer import write_models
    except ImportError as exc:
        raise DefinitionError(f"`trtplug onnx` needs the onnx package: pip install onnx ({exc})") from None

    written = write_models(args.targets, args.output, library=args.lib, namespace=args.namespace,
                           all_combinations=args.all_dtypes, plugins=args.plugin, shapes=dict(args.shape))
    if args.json:
        print(json.dumps([{"plugin": w.signature.name, "version": w.signature.version,
                           "namespace": w.signature.namespace, "dtypes": list(w.combination), "model": str(w.path),
                           "commands": w.commands, "warnings": w.warnings} for w in written], indent=2))
        return 0
    for w in written:
        print(f"{w.path}: {w.signature.label} [{', '.join(w.combination)}]")
        for warning in w.warnings:
            print(f"  warning: {warning}")
        for command in w.commands:
            print(f"  {command}")
    return 0


def _plugin_shapes(text: str) -> tuple[str, list[tuple[int, ...]]]:
    from .options import shape

    name, sep, dims = text.partition("=")
    if not sep or not name or not dims:
        raise argparse.ArgumentTypeError(f"expected PLUGIN=D,D,...[:D,D,...] (one shape per input), got {text!r}")
    return name, [shape(part) for part in dims.split(":")]
