"""`trtplug deepstream config|check`: write or check a Gst-nvinfer config for a built library."""
from __future__ import annotations

import argparse

EXAMPLES = """\
example:
  trtplug deepstream config --lib build/libyolo_plugins.so --onnx model.onnx -o config_infer.txt
  trtplug deepstream check config_infer.txt
"""


def register(sub) -> None:
    p = sub.add_parser("deepstream", help="write or check a Gst-nvinfer config for a built library",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("config", "check"))
    p.add_argument("arguments", nargs=argparse.REMAINDER, help="see `trtplug deepstream config|check --help`")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..deepstream.cli import deepstream_check_main, deepstream_config_main

    main = deepstream_config_main if args.action == "config" else deepstream_check_main
    return main(args.arguments)
