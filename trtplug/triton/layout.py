"""Facts about a Triton model repository that trtplug's writer and checker share.

Triton's TensorRT backend cannot load a plugin library per model: config.pbtxt has no such field
for it (model_operations is read by the ONNX Runtime backend only), and the backend dlopens the
libraries named in the server's `--backend-config=tensorrt,plugins="a.so;b.so"` once, when the
backend starts; Triton's documentation also gives `LD_PRELOAD=lib.so tritonserver ...`. Either way
every TensorRT model of the server sees them. trtplug's layout keeps a model's library inside the
model's folder, in `plugins/` (Triton ignores sub-folders whose names are not version numbers),
so the repository carries it, and the server command names it.
"""
from __future__ import annotations

from pathlib import Path

PLATFORM = "tensorrt_plan"
BACKEND = "tensorrt"
DEFAULT_PLAN = "model.plan"
SOURCE_MODEL = "model.onnx"    # trtplug keeps the ONNX the plan is built from beside it
PLUGINS_DIR = "plugins"


def is_version_dir(path: Path) -> bool:
    """Triton loads versions from sub-folders named by a number not starting with 0."""
    return path.is_dir() and path.name.isdigit() and not path.name.startswith("0")


def backend_config(libraries) -> str:
    return f'--backend-config=tensorrt,plugins="{";".join(str(p) for p in libraries)}"'


def split_plugins(value: str) -> list[str]:
    """The library paths of a `plugins=` backend setting (';'-separated, as the backend splits it)."""
    return [p for p in value.strip().strip('"').split(";") if p]


def server_commands(repository: Path, libraries) -> list[str]:
    libs = [str(p) for p in libraries]
    return [f"tritonserver --model-repository={repository} {backend_config(libs)}",
            f"LD_PRELOAD={':'.join(libs)} tritonserver --model-repository={repository}"]


def plan_command(version_dir: Path, libraries, plan: str = DEFAULT_PLAN) -> str:
    loads = " ".join(f"--staticPlugins={p}" for p in libraries)
    return f"trtexec --onnx={version_dir / SOURCE_MODEL} {loads} --saveEngine={version_dir / plan}"
