"""Writes a Triton model repository for a TensorRT model that uses trtplug plugins:

    <repo>/<model>/config.pbtxt           platform tensorrt_plan, tensors from the ONNX graph
    <repo>/<model>/1/model.onnx           the source of the plan (built on the GPU machine)
    <repo>/<model>/plugins/lib<name>.so   the plugin library the server loads
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import DefinitionError
from .layout import DEFAULT_PLAN, PLATFORM, PLUGINS_DIR, SOURCE_MODEL, plan_command, server_commands
from .model_config import ModelConfig, render_config
from .onnx_tensors import graph_tensors

MODEL_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


@dataclass
class WrittenRepository:
    model_dir: Path
    config: Path
    libraries: list[Path]
    commands: list[str]


def write_repository(repository: Path | str, model_name: str, onnx_model: Path | str,
                     libraries: Sequence[Path | str], *, version: int = 1, max_batch_size: int = 0) -> WrittenRepository:
    """The model folder for `onnx_model` with `libraries` copied into its plugins/ folder. With
    max_batch_size > 0 the first dim of every tensor is Triton's batch dim and left out of dims."""
    if not model_name or set(model_name) - MODEL_NAME_CHARS:
        raise DefinitionError(f"model name {model_name!r}: use letters, digits, '_', '-' and '.'")
    if version < 1:
        raise DefinitionError(f"version {version}: Triton versions are numbers from 1")
    if max_batch_size < 0:
        raise DefinitionError(f"max_batch_size {max_batch_size}: must be 0 (no batching) or more")
    libraries = [Path(p) for p in libraries]
    for lib in libraries:
        if not lib.is_file():
            raise DefinitionError(f"{lib}: no such library")
    inputs, outputs = graph_tensors(Path(onnx_model))
    config = ModelConfig(name=model_name, platform=PLATFORM, max_batch_size=max_batch_size,
                         default_model_filename=DEFAULT_PLAN)
    for kind, tensors, repeated in (("input", inputs, config.input), ("output", outputs, config.output)):
        for t in tensors:
            dims = list(t.dims)
            if max_batch_size:
                if not dims:
                    raise DefinitionError(f"{onnx_model}: {kind} {t.name!r} is a scalar, so it has no batch dim for "
                                          f"max_batch_size {max_batch_size}")
                dims = dims[1:]
            repeated.add(name=t.name, data_type=t.triton_type, dims=dims or [1])
    model_dir = Path(repository) / model_name
    version_dir = model_dir / str(version)
    version_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx_model, version_dir / SOURCE_MODEL)
    plugins_dir = model_dir / PLUGINS_DIR
    copied = []
    if libraries:
        plugins_dir.mkdir(exist_ok=True)
        for lib in libraries:
            shutil.copyfile(lib, plugins_dir / lib.name)
            copied.append(plugins_dir / lib.name)
    config_path = model_dir / "config.pbtxt"
    config_path.write_text(render_config(config), encoding="utf-8")
    commands = [plan_command(version_dir, copied)] + server_commands(Path(repository), copied)
    return WrittenRepository(model_dir, config_path, copied, commands)
