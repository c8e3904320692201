"""The commands that build and run a TensorRT engine from a test model with the plugin library loaded."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence


def trtexec_command(model: Path | str, library: Path | str, combination: Sequence[str] = ()) -> str:
    """trtexec loads the library before parsing (TensorRT >= 10: --staticPlugins; 8.6: --plugins),
    so its plugins are in the registry when the parser looks the op type up."""
    fp16 = " --fp16" if "float16" in combination else ""
    return f"trtexec --onnx={model} --staticPlugins={library}{fp16}"


def trtexec_86_command(model: Path | str, library: Path | str, combination: Sequence[str] = ()) -> str:
    fp16 = " --fp16" if "float16" in combination else ""
    return f"trtexec --onnx={model} --plugins={library}{fp16}   # TensorRT 8.6"


def polygraphy_command(model: Path | str, library: Path | str, combination: Sequence[str] = ()) -> str:
    fp16 = " --fp16" if "float16" in combination else ""
    return f"polygraphy run {model} --trt --plugins {library}{fp16}"


def commands_for(model: Path | str, library: Path | str, combination: Sequence[str] = ()) -> list[str]:
    return [trtexec_command(model, library, combination), trtexec_86_command(model, library, combination),
            polygraphy_command(model, library, combination)]
