"""Load a built trtplug library into this process and call its C API (no Numba, no TensorRT needed).

    import trtplug
    lib = trtplug.load("build/libmish_plugins.so")     # global symbols, for TensorRT's Python API
    lib.plugins                                          # [("Mish", "1"), ...]
    mish = lib.instance("Mish")                          # default attributes
    mish.output_shapes([(2, 3, 4)])                      # [(2, 3, 4)]

`Instance.enqueue` runs the plugin's kernels on device pointers you own (any CUDA stream).
"""
from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
from typing import Sequence

from .dtypes import TENSOR_DTYPES
from .errors import LoadError, NativeError

MAX_RANK = 8
ERR_CAP = 1024
ABI_VERSION = 1


class Library:
    """A loaded trtplug library."""

    def __init__(self, path: str | os.PathLike, global_symbols: bool = False):
        self.path = Path(path)
        if not self.path.is_file():
            raise LoadError(f"{self.path}: no such library")
        mode = ctypes.RTLD_GLOBAL if global_symbols else ctypes.RTLD_LOCAL
        try:
            self._lib = ctypes.CDLL(str(self.path.resolve()), mode=mode)
        except OSError as exc:
            raise LoadError(f"{self.path}: dlopen failed: {exc}") from exc
        try:
            self._lib.trtplug_abi_version
        except AttributeError:
            raise LoadError(f"{self.path}: not a trtplug library (no trtplug_abi_version symbol)") from None
        _declare(self._lib)
        abi = self._lib.trtplug_abi_version()
        if abi != ABI_VERSION:
            raise LoadError(f"{self.path}: library C API version {abi}, this trtplug speaks {ABI_VERSION}")
        self.info = json.loads(self._lib.trtplug_library_info().decode())

    @property
    def plugins(self) -> list[tuple[str, str]]:
        return [(p["name"], p["version"]) for p in self.info["plugins"]]

    @property
    def deepstream_info(self) -> dict | None:
        """The DeepStream entry points the library exports (trtplug_deepstream_info: DeepStream
        version, parsers), or None for a library without them."""
        try:
            function = self._lib.trtplug_deepstream_info
        except AttributeError:
            return self.info.get("deepstream")
        function.restype = ctypes.c_char_p
        function.argtypes = []
        try:
            return json.loads(function().decode())
        except (AttributeError, ValueError) as exc:
            raise LoadError(f"{self.path}: trtplug_deepstream_info() returned unreadable data ({exc})") from exc

    def plugin_info(self, name: str, version: str | None = None) -> dict:
        for p in self.info["plugins"]:
            if p["name"] == name and (version is None or p["version"] == version):
                return p
        raise LoadError(f"{self.path}: holds no plugin {name!r}" + (f" version {version!r}" if version else "")
                        + f"; it holds {self.plugins}")

    def instance(self, name: str, version: str | None = None, serialized: bytes | None = None, **attrs) -> "Instance":
        """A plugin instance with default attributes overridden by `attrs` (or from a serialized blob)."""
        info = self.plugin_info(name, version)
        index = self._lib.trtplug_plugin_index(name.encode(), info["version"].encode())
        if attrs:
            if serialized is not None:
                raise ValueError("give either serialized= or attributes, not both")
            serialized = _serialize_with(self, index, info, attrs)
        return Instance(self, index, info, serialized)

    def tactics(self, name: str, version: str | None = None) -> list[str]:
        """The plugin's tactic names, the default first (["default"] for a plugin that declares none)."""
        info = self.plugin_info(name, version)
        index = self._lib.trtplug_plugin_index(name.encode(), info["version"].encode())
        count, tactic_name = _tactic_functions(self._lib)
        if count is None:  # built before tactics existed: the one implicit tactic
            return ["default"]
        return [tactic_name(index, t).decode() for t in range(count(index))]

    def prepare(self):
        """Loads every kernel module in the current CUDA context (reports missing images early)."""
        err = _err()
        _check(self._lib.trtplug_prepare(*err), "prepare", err)


class Instance:
    def __init__(self, library: Library, index: int, info: dict, serialized: bytes | None):
        self.library = library
        self.info = info
        self._lib = library._lib
        err = _err()
        if serialized is not None and not serialized:
            raise ValueError(f"{info['name']}: serialized= is empty; pass None for default attributes")
        handle = self._lib.trtplug_instance_create(index, serialized, len(serialized or b""), *err)
        if not handle:
            raise NativeError(f"{info['name']}: {err[0].value.decode(errors='replace')}")
        self._handle = ctypes.c_void_p(handle)

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle and self._lib is not None:
            self._lib.trtplug_instance_destroy(handle)
            self._handle = None

    @property
    def n_inputs(self) -> int:
        return len(self.info["inputs"])

    @property
    def n_outputs(self) -> int:
        return len(self.info["outputs"])

    def _check_inputs(self, input_shapes):
        if len(input_shapes) != self.n_inputs:
            raise ValueError(f"{self.info['name']}: expected {self.n_inputs} input shape(s), got {len(input_shapes)}")

    def set_tactic(self, tactic: int) -> None:
        """Runs tactic `tactic` (an index into Library.tactics) from the next enqueue on; 0 is the default."""
        function = getattr(self._lib, "trtplug_instance_set_tactic", None)
        if function is None:
            if tactic != 0:
                raise NativeError(f"{self.info['name']}: tactic {tactic} out of range: the library predates tactics")
            return
        function.restype = ctypes.c_int32
        function.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p, ctypes.c_size_t]
        err = _err()
        _check(function(self._handle, tactic, *err), "set_tactic", err)

    def serialize(self) -> bytes:
        length = ctypes.c_size_t()
        err = _err()
        _check(self._lib.trtplug_instance_serialize(self._handle, None, 0, ctypes.byref(length), *err),
               "serialize", err)
        buf = ctypes.create_string_buffer(length.value)
        _check(self._lib.trtplug_instance_serialize(self._handle, buf, length.value, ctypes.byref(length), *err),
               "serialize", err)
        return buf.raw[: length.value]

    def output_shape(self, input_shapes: Sequence[Sequence[int]], index: int) -> tuple[int, ...]:
        self._check_inputs(input_shapes)
        ranks, dims = _pack_shapes(input_shapes)
        out_rank = ctypes.c_int32()
        out_dims = (ctypes.c_int64 * MAX_RANK)()
        err = _err()
        status = self._lib.trtplug_output_shape(self._handle, len(input_shapes), ranks, dims, index,
                                                ctypes.byref(out_rank), out_dims, *err)
        _check(status, "output_shape", err)
        return tuple(out_dims[: out_rank.value])

    def output_shapes(self, input_shapes) -> list[tuple[int, ...]]:
        return [self.output_shape(input_shapes, j) for j in range(self.n_outputs)]

    def variant(self, io_dtypes: Sequence[str]) -> int:
        """Index of the compiled variant for these input+output dtypes, or -1."""
        if len(io_dtypes) != self.n_inputs + self.n_outputs:
            raise ValueError(f"{self.info['name']}: give {self.n_inputs + self.n_outputs} dtypes (inputs, then "
                             f"outputs), got {len(io_dtypes)}")
        codes = (ctypes.c_int32 * len(io_dtypes))(*[TENSOR_DTYPES[d] for d in io_dtypes])
        return self._lib.trtplug_find_variant(self._handle, codes)

    def workspace_size(self, variant: int, input_shapes) -> int:
        self._check_inputs(input_shapes)
        ranks, dims = _pack_shapes(input_shapes)
        size = ctypes.c_size_t()
        err = _err()
        _check(self._lib.trtplug_workspace_size(self._handle, variant, len(input_shapes), ranks, dims,
                                                ctypes.byref(size), *err), "workspace_size", err)
        return size.value

    def enqueue(self, variant: int, input_shapes, inputs: Sequence[int], output_shapes, outputs: Sequence[int],
                workspace: int = 0, workspace_bytes: int = 0, stream: int = 0):
        """Launches the plugin on device pointers (ints) in the current CUDA context."""
        for what, n, shapes, pointers in (("input", self.n_inputs, input_shapes, inputs),
                                          ("output", self.n_outputs, output_shapes, outputs)):
            if len(shapes) != n or len(pointers) != n:
                raise ValueError(f"{self.info['name']}: expected {n} {what} shape(s) and pointer(s), got "
                                 f"{len(shapes)} and {len(pointers)}")
        in_ranks, in_dims = _pack_shapes(input_shapes)
        out_ranks, out_dims = _pack_shapes(output_shapes)
        in_ptrs = (ctypes.c_void_p * max(1, len(inputs)))(*inputs)
        out_ptrs = (ctypes.c_void_p * max(1, len(outputs)))(*outputs)
        err = _err()
        status = self._lib.trtplug_enqueue(self._handle, variant, len(inputs), in_ranks, in_dims, in_ptrs,
                                           len(outputs), out_ranks, out_dims, out_ptrs, ctypes.c_void_p(workspace),
                                           workspace_bytes, ctypes.c_void_p(stream), *err)
        _check(status, "enqueue", err)


def load(path: str | os.PathLike, check_tensorrt: bool = True) -> Library:
    """Loads a library with global symbol visibility (so TensorRT's Python API sees its plugins)
    and, where `tensorrt` is importable, checks every plugin is now in TensorRT's plugin registry."""
    library = Library(path, global_symbols=True)
    if check_tensorrt:
        try:
            import tensorrt  # noqa: F401
        except ImportError:
            return library
        from .tensorrt_python import check_registered
        check_registered(library)
    return library


# -- ctypes plumbing ------------------------------------------------------------------------------

def _err():
    buf = ctypes.create_string_buffer(ERR_CAP)
    return buf, ctypes.c_size_t(ERR_CAP)


def _check(status: int, what: str, err=None):
    if status != 0:
        message = err[0].value.decode(errors="replace") if err else ""
        raise NativeError(f"{what} failed (status {status}): {message}", status)


def _pack_shapes(shapes):
    n = max(1, len(shapes))
    ranks = (ctypes.c_int32 * n)()
    dims = (ctypes.c_int64 * (n * MAX_RANK))()
    for i, shape in enumerate(shapes):
        if len(shape) > MAX_RANK:
            raise ValueError(f"tensor {i}: rank {len(shape)} exceeds {MAX_RANK}")
        ranks[i] = len(shape)
        for a, d in enumerate(shape):
            dims[i * MAX_RANK + a] = int(d)
    return ranks, dims


def _serialize_with(library: Library, index: int, info: dict, attrs: dict) -> bytes:
    from .declare.attrs import KINDS
    from .serialization import encode

    known = {a["name"]: a for a in info["attributes"]}
    unknown = set(attrs) - set(known)
    if unknown:
        raise NativeError(f"{info['name']}: unknown attribute(s) {sorted(unknown)}; it has {sorted(known)}")
    values = {name: attrs.get(name, a["default"]) for name, a in known.items()}
    return encode(info["name"], info["version"], [(n, KINDS[known[n]["kind"]], v) for n, v in values.items()])


def _tactic_functions(lib):
    """(trtplug_plugin_tactic_count, trtplug_plugin_tactic_name), or (None, None) for a library
    built before tactics existed."""
    count = getattr(lib, "trtplug_plugin_tactic_count", None)
    name = getattr(lib, "trtplug_plugin_tactic_name", None)
    if count is None or name is None:
        return None, None
    count.restype, count.argtypes = ctypes.c_int32, [ctypes.c_int32]
    name.restype, name.argtypes = ctypes.c_char_p, [ctypes.c_int32, ctypes.c_int32]
    return count, name


def _declare(lib):
    c = ctypes
    err = [c.c_char_p, c.c_size_t]
    lib.trtplug_abi_version.restype = c.c_int32
    lib.trtplug_library_info.restype = c.c_char_p
    lib.trtplug_plugin_count.restype = c.c_int32
    lib.trtplug_plugin_index.restype = c.c_int32
    lib.trtplug_plugin_index.argtypes = [c.c_char_p, c.c_char_p]
    lib.trtplug_instance_create.restype = c.c_void_p
    lib.trtplug_instance_create.argtypes = [c.c_int32, c.c_char_p, c.c_size_t, *err]
    lib.trtplug_instance_destroy.argtypes = [c.c_void_p]
    lib.trtplug_instance_serialize.restype = c.c_int32
    lib.trtplug_instance_serialize.argtypes = [c.c_void_p, c.c_void_p, c.c_size_t, c.POINTER(c.c_size_t), *err]
    lib.trtplug_output_shape.restype = c.c_int32
    lib.trtplug_output_shape.argtypes = [c.c_void_p, c.c_int32, c.POINTER(c.c_int32), c.POINTER(c.c_int64),
                                         c.c_int32, c.POINTER(c.c_int32), c.POINTER(c.c_int64), *err]
    lib.trtplug_find_variant.restype = c.c_int32
    lib.trtplug_find_variant.argtypes = [c.c_void_p, c.POINTER(c.c_int32)]
    lib.trtplug_workspace_size.restype = c.c_int32
    lib.trtplug_workspace_size.argtypes = [c.c_void_p, c.c_int32, c.c_int32, c.POINTER(c.c_int32),
                                           c.POINTER(c.c_int64), c.POINTER(c.c_size_t), *err]
    lib.trtplug_enqueue.restype = c.c_int32
    lib.trtplug_enqueue.argtypes = [c.c_void_p, c.c_int32, c.c_int32, c.POINTER(c.c_int32), c.POINTER(c.c_int64),
                                    c.POINTER(c.c_void_p), c.c_int32, c.POINTER(c.c_int32), c.POINTER(c.c_int64),
                                    c.POINTER(c.c_void_p), c.c_void_p, c.c_size_t, c.c_void_p, *err]
    lib.trtplug_prepare.restype = c.c_int32
    lib.trtplug_prepare.argtypes = err
