"""`trtplug triton repo|check`: lay out or check a Triton model repository for a TensorRT model
that uses a trtplug library."""
from __future__ import annotations

import argparse

EXAMPLES = """\
example:
  trtplug triton repo -o models/ --name net --onnx net.onnx --lib build/libact_plugins.so
  trtplug triton check models/ --before-build
  trtplug triton check models/ --plugins "/opt/plugins/libact_plugins.so"

`repo` writes models/net/config.pbtxt (platform tensorrt_plan, tensors from the ONNX graph),
models/net/1/model.onnx (the plan's source) and models/net/plugins/<library>, and prints how to
build models/net/1/model.plan and start the server with the library loaded. Triton's TensorRT
backend loads plugin libraries for the whole server, not per model:
  tritonserver --model-repository=models --backend-config=tensorrt,plugins="a.so;b.so"
  LD_PRELOAD=a.so tritonserver --model-repository=models
`check` validates config.pbtxt, version folders, plan files, tensors against model.onnx, and that
every plugin node is provided by a library the server loads (--plugins, the backend setting's
';'-separated list; default: the libraries in each model's plugins/ folder). Exit status 1 on errors.
"""


def register(sub) -> None:
    p = sub.add_parser("triton", help="write or check a Triton model repository for a model using plugins",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", required=True)
    repo = actions.add_parser("repo", help="write a model folder with its config.pbtxt and plugin library")
    repo.add_argument("-o", "--output", required=True, help="the model repository folder")
    repo.add_argument("--name", required=True, help="model name (its folder)")
    repo.add_argument("--onnx", required=True, help="the ONNX model the plan is built from")
    repo.add_argument("--lib", action="append", default=[], help="plugin library (repeatable)")
    repo.add_argument("--version", type=int, default=1, help="version folder (default 1)")
    repo.add_argument("--max-batch-size", type=int, default=0,
                      help="Triton batching: 0 (default) keeps the graph's first dim in dims")
    repo.set_defaults(func=run_repo)
    check = actions.add_parser("check", help="check a model repository")
    check.add_argument("repository")
    check.add_argument("--plugins", help="the libraries the server loads, ';'-separated (as in --backend-config)")
    check.add_argument("--before-build", action="store_true", help="a missing plan file is a note, not an error")
    check.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    check.set_defaults(func=run_check)


def _triton():
    from ..errors import DefinitionError

    try:
        from .. import triton
    except ImportError as exc:   # protobuf and onnx come with the onnx extra
        raise DefinitionError(f"`trtplug triton` needs the onnx package: pip install \"trtplug[onnx]\" ({exc})") from None
    return triton


def run_repo(args) -> int:
    write_repository = _triton().write_repository

    written = write_repository(args.output, args.name, args.onnx, args.lib, version=args.version,
                               max_batch_size=args.max_batch_size)
    print(f"wrote {written.config}")
    for lib in written.libraries:
        print(f"wrote {lib}")
    print("build the plan, then serve (on the GPU machine):")
    for command in written.commands:
        print(f"  {command}")
    return 0


def run_check(args) -> int:
    triton = _triton()
    check_repository, split_plugins = triton.check_repository, triton.split_plugins

    libraries = split_plugins(args.plugins) if args.plugins is not None else None
    report = check_repository(args.repository, libraries, before_build=args.before_build)
    if not args.quiet:
        for lib, plugins in report.plugins.items():
            print(f"{lib}: {', '.join(plugins) or 'no plugins'}")
    for finding in report.findings:
        if not args.quiet or finding.level == "error":
            print(finding)
    if not args.quiet:
        errors = sum(f.level == "error" for f in report.findings)
        print(f"{len(report.models)} TensorRT model(s) checked, {errors} error(s)")
    return 0 if report.ok else 1
