"""trtplug: TensorRT custom layers as Python classes with Numba CUDA kernels.

Importing trtplug never imports Numba: only compiling kernels (`trtplug compile`) needs it.
"""
from .api import compile, prepare_test_suite, run_test_suite, test
from .declare.attrs import Attr
from .declare.plugin import TrtPlugin
from .declare.tactics import Tactic
from .declare.tensors import Input, Output, size_output
from .errors import (BuildError, DefinitionError, HeadersNotFoundError, KernelCompileError, LoadError,
                     NativeError, TraceError, TrtPlugError)
from .runtime import load
from .trace.constraints import require
from .trace.data_dependent import data_dependent
from .trace.expr import cdiv, maximum as max, minimum as min
from .trace.launch import launch
from .trace.symbolic import Buffer, scalar

__version__ = "0.1.0"

__all__ = [
    "TrtPlugin", "Input", "Output", "size_output", "data_dependent", "Attr", "Buffer", "Tactic",
    "launch", "cdiv", "min", "max", "scalar", "require",
    "TrtPlugError", "DefinitionError", "TraceError", "KernelCompileError", "BuildError",
    "HeadersNotFoundError", "LoadError", "NativeError",
    "compile", "test", "prepare_test_suite", "run_test_suite", "load",
]
