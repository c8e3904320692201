"""A bare cuLaunchKernel of a plugin's kernels: the same cubin, grid and arguments the plugin's
enqueue would use, read from the library through trtplug_bench_describe_launch (c_api.cpp)."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

from ..errors import NativeError
from ..runtime import ERR_CAP, _pack_shapes
from ..testing.device import driver_call

MAX_SLOTS = 4096
SHARED_DEFAULT_LIMIT = 48 * 1024


@dataclass
class KernelLaunch:
    entry: bytes
    dims: tuple[int, ...]      # grid x, y, z, block x, y, z, dynamic shared bytes, cooperative
    slots: tuple[int, ...]     # one 8-byte value per kernel parameter
    image: int                 # address of the cubin in the loaded library (0: the device would JIT the PTX)
    image_size: int


def describe_launches(instance, variant: int, input_shapes, inputs, output_shapes, outputs, workspace: int,
                      workspace_bytes: int, sm: int) -> list[KernelLaunch]:
    lib = instance._lib
    try:
        describe = lib.trtplug_bench_describe_launch
    except AttributeError:
        raise NativeError(f"{instance.library.path} predates trtplug_bench_describe_launch; rebuild it to time the "
                          "bare kernel") from None
    c = ctypes
    describe.restype = c.c_int32
    in_ranks, in_dims = _pack_shapes(input_shapes)
    out_ranks, out_dims = _pack_shapes(output_shapes)
    in_ptrs = (c.c_void_p * max(1, len(inputs)))(*inputs)
    out_ptrs = (c.c_void_p * max(1, len(outputs)))(*outputs)
    launches = []
    index, count = 0, 1
    while index < count:
        n_launches, n_slots = c.c_int32(), c.c_int32()
        entry, image, image_size = c.c_char_p(), c.c_void_p(), c.c_size_t()
        dims = (c.c_int64 * 8)()
        slots = (c.c_uint64 * MAX_SLOTS)()
        err = c.create_string_buffer(ERR_CAP)
        status = describe(instance._handle, c.c_int32(variant), c.c_int32(index), c.c_int32(len(input_shapes)),
                          in_ranks, in_dims, in_ptrs, out_ranks, out_dims, out_ptrs, c.c_void_p(workspace),
                          c.c_size_t(workspace_bytes), c.c_int32(sm), c.byref(n_launches), c.byref(entry), dims, slots,
                          c.c_int32(MAX_SLOTS), c.byref(n_slots), c.byref(image), c.byref(image_size), err,
                          c.c_size_t(ERR_CAP))
        if status != 0 and n_launches.value == 0:
            return []
        if status != 0:
            raise NativeError(f"describe launch {index}: {err.value.decode(errors='replace')}", status)
        count = n_launches.value
        launches.append(KernelLaunch(entry.value, tuple(dims), tuple(slots[: n_slots.value]), image.value or 0,
                                     image_size.value))
        index += 1
    return launches


class BareLauncher:
    """Loads each launch's cubin in the current context and launches it with cuLaunchKernel."""

    def __init__(self, device, launches: list[KernelLaunch], stream: int):
        d = self.driver = device.driver
        self.stream = d.CUstream(stream)
        self.modules, self.calls, self._keep = [], [], []
        missing = [k.entry.decode() for k in launches if not k.image]
        if missing:
            raise NativeError(f"no cubin for this device (the library would JIT its PTX) for {', '.join(missing)}")
        for k in launches:
            if k.dims[0] == 0:
                continue
            module = driver_call(d.cuModuleLoadData(k.image), "cuModuleLoadData")
            self.modules.append(module)
            function = driver_call(d.cuModuleGetFunction(module, k.entry), "cuModuleGetFunction")
            if k.dims[6] > SHARED_DEFAULT_LIMIT:
                driver_call(d.cuFuncSetAttribute(
                    function, d.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, k.dims[6]),
                    "cuFuncSetAttribute")
            slots = (ctypes.c_uint64 * max(1, len(k.slots)))(*k.slots)
            pointers = (ctypes.c_void_p * max(1, len(k.slots)))(
                *[ctypes.addressof(slots) + 8 * i for i in range(len(k.slots))])
            self._keep += [slots, pointers]
            self.calls.append((function, k.dims, ctypes.addressof(pointers)))

    def launch(self):
        d = self.driver
        for function, dims, params in self.calls:
            launch = d.cuLaunchCooperativeKernel if dims[7] else d.cuLaunchKernel
            args = (function, *dims[:6], dims[6], self.stream, params)
            driver_call(launch(*args) if dims[7] else launch(*args, 0), "cuLaunchKernel")

    def close(self):
        for module in self.modules:
            self.driver.cuModuleUnload(module)
        self.modules = []
