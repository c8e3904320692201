"""Argument types and help text shared by several commands."""
from __future__ import annotations

import argparse


def archs(text: str | None) -> list[int] | None:
    if not text:
        return None
    result = []
    for item in text.replace(",", " ").split():
        item = item.lower().removeprefix("sm_").removeprefix("sm")
        if not item.isdigit():
            raise argparse.ArgumentTypeError(f"--arch: expected numbers like 80,90 or sm_90, got {text!r}")
        result.append(int(item))
    return result


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return int(text)


def shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated dims like 1,3,224,224, got {text!r}") from None
    if any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError(f"expected non-negative dims, got {text!r}")
    return dims


def tensorrt_headers_help() -> str:
    """Where TensorRT headers are looked for, in order, for the epilog of commands that build."""
    from ..native.tensorrt_headers import search_order

    lines = [f"  {n}. {place}" for n, place in enumerate(search_order(), 1)]
    return "TensorRT headers: the first usable folder of, in order:\n" + "\n".join(lines) + "\n"


def add_interface(parser) -> None:
    """--interface v2|v3, for commands that build a library."""
    from ..tensorrt_interface import DEFAULT_INTERFACE, INTERFACES

    parser.add_argument("--interface", choices=INTERFACES, default=DEFAULT_INTERFACE,
                        help="TensorRT plugin interface: v2 = IPluginV2DynamicExt (TensorRT 8.6 and engines built "
                             "with v2 libraries), v3 = IPluginV3 (TensorRT >= 10; see docs/tensorrt.md); "
                             f"default {DEFAULT_INTERFACE}")


def add_building_command(sub, name: str, *, help: str, examples: str) -> argparse.ArgumentParser:
    """A subcommand that builds a library: its examples, then where TensorRT headers are looked for."""
    return sub.add_parser(name, help=help, epilog=examples + "\n" + tensorrt_headers_help(),
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def add_build_inputs(parser, *, output: str, output_help: str) -> None:
    """-o, --tensorrt-include and --arch, as every building command spells them."""
    parser.add_argument("-o", "--output", default=output, help=f"{output_help} (default: {output})")
    parser.add_argument("--tensorrt-include", help="TensorRT include dir (default: see the search order below)")
    parser.add_argument("--arch", type=archs,
                        help="GPU architectures for cubins, e.g. 80,86,90 (default: sm_75 and newer; for "
                             "aarch64: 72,87, Jetson Xavier and Orin)")


def add_platform(parser) -> None:
    """--target and --toolchain, for commands whose library may be copied to another machine."""
    from ..native.toolchain import TOOLCHAINS

    parser.add_argument("--target", metavar="TRIPLE",
                        help="machine and glibc floor to build for: x86_64-linux-gnu, aarch64-linux-gnu (Jetson), "
                             "optionally with .GLIBC such as aarch64-linux-gnu.2.31 (default: this machine, glibc "
                             "2.17; see docs/deploy.md)")
    parser.add_argument("--toolchain", choices=TOOLCHAINS, default=None,
                        help="bundled: clang/libc++ installed with trtplug, cross-builds with a glibc floor "
                             "(default); system: $CXX or g++, this machine and its glibc only")


def add_suite_modes(parser, *, prepare: str, run: str) -> None:
    """--prepare DIR here (with Numba), --run DIR on the GPU machine (without)."""
    parser.add_argument("--prepare", metavar="DIR", help=prepare)
    parser.add_argument("--run", metavar="DIR", help=run)
