"""DeepStream Gst-nvinfer support: built-in output parsers generated into a trtplug library,
nvinfer config writing and checking, and a CPU emulation of how nvinfer calls a custom library.

    import trtplug.deepstream as tds

    parsers = [tds.YoloDetector("NvDsInferParseYolo", layout="CxN", num_classes=80)]
    srcs = tds.render_deepstream_sources(parsers, deepstream_version="9.1", out_dir="build/ds")
    # compile srcs.sources with srcs.include_dirs and srcs.defines into the library, then:
    tds.write_config("build/config_infer.txt", library="build/libmodel.so", onnx_file="model.onnx")
    problems = tds.check_config("build/config_infer.txt", "9.1")
"""
from .checker import Problem, check_config, is_usable
from .cli import deepstream_check_main, deepstream_config_main
from .config_writer import ConfigError, build_config, write_config
from .library import build_parser_library
from .emulate import EmulationResult, build_emulator, emulate_config, emulate_parser, sanitizer_flags
from .parsers import (BoxesScoresDetector, Classifier, ClassifierHead, CustomSource, InstanceMask, NmsDetector,
                      YoloDetector, YoloSeg)
from .render import render_deepstream_sources, render_entry_point_sources
from .engine import (AppendPlugin, DryRunResult, EngineCreate, MarkOutput, ModelParser, UnmarkOutput, dry_run_recipe,
                     is_entry_point_declaration)
from .input_layers import InputLayer, InputLayers, InputLayersResult, emulate_input_layers
from .versions import DEFAULT_VERSION, SUPPORTED_VERSIONS, DsVersion, parse_version

__all__ = [
    "BoxesScoresDetector", "Classifier", "ClassifierHead", "ConfigError", "CustomSource", "DEFAULT_VERSION",
    "DsVersion", "EmulationResult", "InstanceMask", "NmsDetector", "Problem",
    "SUPPORTED_VERSIONS", "YoloDetector", "YoloSeg", "build_config", "build_emulator", "build_parser_library", "check_config",
    "deepstream_check_main", "deepstream_config_main", "emulate_config", "emulate_parser", "is_usable",
    "parse_version", "render_deepstream_sources", "sanitizer_flags", "write_config",
    "AppendPlugin", "DryRunResult", "EngineCreate", "InputLayer", "InputLayers", "InputLayersResult", "MarkOutput",
    "ModelParser", "UnmarkOutput", "dry_run_recipe", "emulate_input_layers", "is_entry_point_declaration",
    "render_entry_point_sources",
]
