"""Entry points of `trtplug deepstream config` and `trtplug deepstream check`. Each takes an
argv list (without the subcommand words) and returns the process exit status."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ..errors import TrtPlugError
from .checker import CONFIG_NOTES, ERROR, INFO, WARNING, check_config, is_usable
from .config_writer import CLUSTER_MODES, COLOR_FORMATS, NETWORK_MODES, NETWORK_TYPES, PROCESS_MODES, write_config
from .versions import DEFAULT_VERSION, SUPPORTED_VERSIONS, parse_version

CONFIG_EXAMPLE = """\
example:
  trtplug deepstream config --lib build/libyolo_plugins.so --onnx yolov8s.onnx \\
      --infer-dims 3;640;640 --network-mode fp16 -o build/config_infer_yolo.txt

The parsers, network type, class count and output layers come from the library (a trtplug
library reports its DeepStream parsers); options override them.
"""

CHECK_EXAMPLE = """\
example:
  trtplug deepstream check build/config_infer_yolo.txt --deepstream-version 8.0

Exit status: 0 the config is usable (warnings allowed), 1 it has errors, 2 bad arguments.
"""


def _dims(text: str):
    try:
        dims = [int(x) for x in text.replace(",", ";").split(";") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected c;h;w integers, got {text!r}")
    if len(dims) != 3 or min(dims) < 1:
        raise argparse.ArgumentTypeError(f"expected three positive integers c;h;w, got {text!r}")
    return dims


def _floats(text: str):
    try:
        return [float(x) for x in text.replace(",", ";").split(";") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by ';', got {text!r}")


def _names(text: str):
    return [x for x in text.replace(",", ";").split(";") if x.strip()]


def _version_arg(parser):
    parser.add_argument("--deepstream-version", default=DEFAULT_VERSION, metavar="X.Y",
                        help=f"DeepStream version ({', '.join(SUPPORTED_VERSIONS)}; default {DEFAULT_VERSION})")


def config_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="trtplug deepstream config", epilog=CONFIG_EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Write the Gst-nvinfer [property] and [class-attrs-all] groups for a "
                                            "built library and a model.")
    p.add_argument("-o", "--output", required=True, help="config file to write")
    p.add_argument("--lib", help="the built custom library (custom-lib-path)")
    p.add_argument("--onnx", help="onnx-file")
    p.add_argument("--engine", help="model-engine-file")
    p.add_argument("--int8-calib-file")
    p.add_argument("--tlt-encoded-model")
    p.add_argument("--tlt-model-key")
    p.add_argument("--network-type", choices=list(NETWORK_TYPES))
    p.add_argument("--num-classes", type=int, help="num-detected-classes")
    p.add_argument("--labels", help="labelfile-path (an existing label file)")
    p.add_argument("--infer-dims", type=_dims, help="c;h;w")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--network-mode", choices=list(NETWORK_MODES), default="fp32")
    p.add_argument("--model-color-format", choices=list(COLOR_FORMATS), default="rgb")
    p.add_argument("--process-mode", choices=list(PROCESS_MODES), default="primary")
    p.add_argument("--gie-unique-id", type=int, default=1)
    p.add_argument("--net-scale-factor", type=float)
    p.add_argument("--offsets", type=_floats, help="per-channel means, e.g. 123.7;116.3;103.5")
    p.add_argument("--mean-file")
    p.add_argument("--maintain-aspect-ratio", action="store_true", default=None)
    p.add_argument("--symmetric-padding", action="store_true", default=None)
    p.add_argument("--output-blob-names", type=_names)
    p.add_argument("--engine-create-func-name")
    p.add_argument("--cluster-mode", choices=list(CLUSTER_MODES))
    p.add_argument("--classifier-threshold", type=float)
    p.add_argument("--pre-cluster-threshold", type=float)
    p.add_argument("--nms-iou-threshold", type=float)
    p.add_argument("--topk", type=int)
    p.add_argument("--bbox-func", help="parse-bbox-func-name (when the library has several)")
    p.add_argument("--classifier-func", help="parse-classifier-func-name")
    p.add_argument("--instance-mask-func", help="parse-bbox-instance-mask-func-name")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="any other [property] key, written as given (repeatable)")
    p.add_argument("--no-check", action="store_true", help="do not check the written config")
    _version_arg(p)
    return p


def check_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="trtplug deepstream check", epilog=CHECK_EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Validate a Gst-nvinfer config as nvinfer of a DeepStream version reads "
                                            "it, and open its custom library.")
    p.add_argument("config", help="the nvinfer config file")
    p.add_argument("--no-library", action="store_true", help="do not open custom-lib-path")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    _version_arg(p)
    return p


def _print_problems(problems, path, quiet=False, out=None) -> None:
    out = out or sys.stdout
    for q in problems:
        if quiet and q.severity != ERROR:
            continue
        print(q.format(path), file=out)


def deepstream_check_main(argv: Sequence[str] | None = None) -> int:
    try:
        args = check_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and 2
    try:
        version = parse_version(args.deepstream_version)
        problems = check_config(args.config, version, open_library=not args.no_library)
    except TrtPlugError as exc:
        print(f"trtplug deepstream check: {exc}", file=sys.stderr)
        return 2
    _print_problems(problems, args.config, args.quiet)
    n_err = sum(q.severity == ERROR for q in problems)
    n_warn = sum(q.severity == WARNING for q in problems)
    verdict = "usable" if is_usable(problems) else "NOT usable"
    if not args.quiet or n_err:
        print(f"{args.config}: {verdict} by nvinfer (DeepStream {version}): {n_err} error(s), {n_warn} warning(s)")
    return 0 if is_usable(problems) else 1


def deepstream_config_main(argv: Sequence[str] | None = None) -> int:
    try:
        args = config_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and 2
    extra = {}
    for item in args.set:
        if "=" not in item:
            print(f"trtplug deepstream config: --set {item!r}: expected KEY=VALUE", file=sys.stderr)
            return 2
        k, v = item.split("=", 1)
        extra[k.strip()] = v.strip()
    try:
        version = parse_version(args.deepstream_version)
        path = write_config(
            args.output, library=args.lib, onnx_file=args.onnx, model_engine_file=args.engine,
            int8_calib_file=args.int8_calib_file, tlt_encoded_model=args.tlt_encoded_model,
            tlt_model_key=args.tlt_model_key, network_type=args.network_type, num_detected_classes=args.num_classes,
            labelfile_path=args.labels, infer_dims=args.infer_dims, batch_size=args.batch_size,
            network_mode=args.network_mode, model_color_format=args.model_color_format,
            process_mode=args.process_mode, gie_unique_id=args.gie_unique_id, net_scale_factor=args.net_scale_factor,
            offsets=args.offsets, mean_file=args.mean_file, maintain_aspect_ratio=args.maintain_aspect_ratio,
            symmetric_padding=args.symmetric_padding, output_blob_names=args.output_blob_names,
            engine_create_func_name=args.engine_create_func_name, cluster_mode=args.cluster_mode,
            classifier_threshold=args.classifier_threshold, pre_cluster_threshold=args.pre_cluster_threshold,
            nms_iou_threshold=args.nms_iou_threshold, topk=args.topk, bbox_func=args.bbox_func,
            classifier_func=args.classifier_func, instance_mask_func=args.instance_mask_func, properties=extra,
            deepstream_version=version)
    except TrtPlugError as exc:
        print(f"trtplug deepstream config: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    if args.no_check:
        return 0
    problems = check_config(path, version)
    shown = [q for q in problems if q.severity != INFO or q.code in CONFIG_NOTES]
    _print_problems(shown, path)
    if not is_usable(problems):
        print(f"{path}: the written config is NOT usable by nvinfer (see the errors above)")
        return 1
    return 0
