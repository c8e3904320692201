"""`trtplug bench`: time a built plugin on the GPU through the library's C API."""
from __future__ import annotations

import argparse

from . import options

DESCRIPTION = """\
  trtplug bench build/libmish_plugins.so --plugin Mish --shape 67108864 --dtype float32

Reports the time per enqueue (CUDA events around N back-to-back launches on one stream) and the
memory bandwidth it implies (bytes of all inputs and outputs per launch).
"""


def register(sub) -> None:
    p = sub.add_parser("bench", help="time a built plugin on the GPU", description=DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("library")
    p.add_argument("--plugin", required=True)
    p.add_argument("--shape", action="append", required=True, type=options.shape,
                   help="input shape, e.g. 1,3,224,224 (repeat once per input)")
    p.add_argument("--dtype", default="float32", help="dtype of every input and output (default float32)")
    p.add_argument("--iterations", type=options.positive_int, default=200)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..bench import time_plugin
    from ..errors import TrtPlugError
    from ..runtime import Library
    from ..testing.device import Device

    library = Library(args.library)
    info = library.plugin_info(args.plugin)
    if len(args.shape) != len(info["inputs"]):
        names = ", ".join(t["name"] for t in info["inputs"])
        raise TrtPlugError(f"--shape: {args.plugin} has {len(info['inputs'])} input(s) ({names}), got "
                           f"{len(args.shape)} --shape; give one per input, in order")
    dtypes = tuple([args.dtype] * (len(info["inputs"]) + len(info["outputs"])))
    device = Device()
    r = time_plugin(device, library, args.plugin, args.shape, dtypes, iterations=args.iterations)
    print(f"device: {device.name} (sm_{device.sm}), driver {device.driver_version}")
    print(f"{r.plugin} {','.join(r.dtypes)} {r.input_shapes}: {r.microseconds_per_launch:.2f} us/launch (GPU), "
          f"{r.host_microseconds_per_launch:.2f} us/launch (host enqueue), {r.gb_per_s:.0f} GB/s")
    return 0
