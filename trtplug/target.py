"""What a library is built for, decided once from the compile options.

    target = BuildTarget.from_options(CompileOptions(tensorrt_include="~/trt-10.16/include"))
    target.adapter          # "v2": IPluginV2DynamicExt + IPluginCreator, registered at dlopen
    target.tensorrt_major   # 10
    target.deepstream       # DsVersion(9, 1): the nvinfer struct layouts its parsers use
    target.toolchain        # the compiler and the machine + glibc floor (native/toolchain.py)

Every later decision reads the target, never the options: which adapter's sources are built, which
headers and defines they need, which DeepStream layouts and TensorRT major the nvinfer entry points
are generated for. TensorRT 7 (DeepStream 5.x) is the one place the answer differs in kind: its
plugins are recreated through the IPluginFactory that nvinfer asks the library for, so a TensorRT 7
target gets the "trt7" adapter and a DeepStream 5.1 layout by default. From TensorRT 10 on, the options
choose the IPluginV2 ("v2", the default) or IPluginV3 ("v3") adapter (see tensorrt_interface.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .deepstream.versions import DsVersion, parse_version
from .errors import BuildError, HeadersNotFoundError
from .tensorrt_interface import check_interface
from .native.tensorrt_headers import TensorRTHeaders, find_cuda_include, find_tensorrt_include, read_tensorrt_version
from .native.toolchain import Toolchain, choose_toolchain

# The TensorRT major each DeepStream major ships with, for builds without TensorRT headers.
DEEPSTREAM_TENSORRT_MAJOR = {5: 7, 6: 8, 7: 10, 8: 10, 9: 10}


@dataclass(frozen=True)
class BuildTarget:
    adapter: str                      # "v2", "v3", "trt7" (IPluginFactory, TensorRT 7) or "none" (C API only)
    headers: TensorRTHeaders | None   # the TensorRT headers the library is compiled against
    missing_headers: HeadersNotFoundError | None  # why there are none although the adapter needs them
    deepstream: DsVersion             # the DeepStream version nvinfer's structs are laid out for
    toolchain: Toolchain              # what compiles the library, for which machine and glibc

    @classmethod
    def from_options(cls, options, *, hand_written_nvinfer_code: bool = False) -> BuildTarget:
        """hand_written_nvinfer_code: the library holds a user's own nvinfer parser C++, which fills
        nvinfer's std::vector/std::string itself and so needs libstdc++: the system toolchain, unless
        the options chose one."""
        headers, missing = None, None
        if options.tensorrt:
            try:
                headers = _tensorrt_headers(options.tensorrt_include)
            except HeadersNotFoundError as exc:
                missing = exc
        trt7 = headers is not None and headers.major == 7
        adapter = "none" if not options.tensorrt else "trt7" if trt7 else check_interface(options.interface, headers)
        deepstream = parse_version(options.deepstream_version or ("5.1" if trt7 else None))
        toolchain = choose_toolchain(options.toolchain, options.target)
        if hand_written_nvinfer_code and options.toolchain is None:
            if not toolchain.platform.is_host:
                raise BuildError(
                    f"a CustomSource parser (your own nvinfer C++) must be built with libstdc++, as nvinfer is, which "
                    f"the bundled toolchain cannot do for {toolchain.platform.arch}: build on that machine with "
                    "--toolchain system, or add --emit-project and build the CMake project there")
            toolchain = choose_toolchain("system", options.target)
        return cls(adapter, headers, missing, deepstream, toolchain)

    def cuda_archs(self, asked) -> list[int] | None:
        """The cubin architectures: those asked for, else the machine's GPUs (Jetson), else every one."""
        if asked:
            return list(asked)
        default = self.toolchain.platform.machine.default_cuda_archs
        return list(default) if default else None

    @property
    def tensorrt_major(self) -> int:
        """The TensorRT major the library is for: the headers', else the one of its DeepStream version."""
        if self.headers is not None:
            return self.headers.major
        return DEEPSTREAM_TENSORRT_MAJOR.get(self.deepstream.major, 10)

    @property
    def interface(self) -> str | None:
        """The TensorRT plugin interface of the library's registered creators ("v2", "v3"), if any."""
        return self.adapter if self.adapter in ("v2", "v3") else None

    @property
    def trt7(self) -> bool:
        return self.adapter == "trt7"

    def check_plugins(self, traced) -> None:
        """Raises BuildError for a traced plugin this target cannot hold: data-dependent outputs exist
        in IPluginV3 only (a library with the IPluginV2 or TensorRT 7 adapter cannot give them; a C API
        only library can, with buffers at the upper bound)."""
        if self.adapter in ("v3", "none"):
            return
        built_with = f"--interface {self.adapter}" if self.interface else f"TensorRT {self.headers.version}"
        for plugin in traced:
            for shape, out in zip(plugin.outputs, plugin.spec.outputs):
                if shape.data_dependent:
                    raise BuildError(
                        f"{plugin.spec.qualname}: output '{out.name}' is data-dependent (tp.data_dependent), which "
                        f"only IPluginV3 plugins can declare, but this library is built with {built_with}. Hint: "
                        "build with --interface v3 against TensorRT 10 or newer headers")

    def system_include_dirs(self) -> list[Path]:
        """TensorRT's headers and, from TensorRT 8 on (whose headers include CUDA's), CUDA's."""
        if self.headers is None:
            return []
        return [self.headers.include_dir] + ([] if self.trt7 else [find_cuda_include()])


def _tensorrt_headers(explicit) -> TensorRTHeaders:
    """The TensorRT headers to build against; an explicit 7.x include dir is accepted (DeepStream 5.x)."""
    version = read_tensorrt_version(explicit) if explicit else None
    if version is not None and version[0] == 7:
        return TensorRTHeaders(Path(explicit).resolve(), *version, origin="explicit path")
    return find_tensorrt_include(explicit)
