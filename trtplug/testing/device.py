"""Just enough of the CUDA driver (through cuda-python's cuda.bindings) to feed a plugin buffers.

Used by `trtplug test --direct` and the GPU tests; the built library itself reaches the driver on
its own (dlopen of libcuda.so.1).
"""
from __future__ import annotations

import numpy as np

from ..errors import TrtPlugError, import_optional


class DeviceUnavailable(TrtPlugError):
    """No CUDA driver or device (or cuda-python) in this process."""


def _driver():
    return import_optional("cuda.bindings.driver", "cuda-python (cuda.bindings)", DeviceUnavailable)


def driver_call(result, what):
    """The value of a cuda.bindings driver call, or DeviceUnavailable naming the call that failed."""
    err = result[0]
    if int(err) != 0:
        raise DeviceUnavailable(f"{what} failed: {err!r}")
    return result[1] if len(result) == 2 else result[1:]


class Device:
    """The primary context of one GPU, made current in the calling thread."""

    def __init__(self, ordinal: int = 0):
        self.driver = d = _driver()
        try:
            driver_call(d.cuInit(0), "cuInit")
        except RuntimeError as exc:  # libcuda.so.1 missing
            raise DeviceUnavailable(f"CUDA driver not available: {exc}") from exc
        self.device = driver_call(d.cuDeviceGet(ordinal), "cuDeviceGet")
        self.context = driver_call(d.cuDevicePrimaryCtxRetain(self.device), "cuDevicePrimaryCtxRetain")
        self.make_current()
        major = driver_call(d.cuDeviceGetAttribute(
            d.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, self.device), "cuDeviceGetAttribute")
        minor = driver_call(d.cuDeviceGetAttribute(
            d.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, self.device), "cuDeviceGetAttribute")
        self.sm = major * 10 + minor
        name = driver_call(d.cuDeviceGetName(256, self.device), "cuDeviceGetName")
        self.name = name.split(b"\0", 1)[0].decode()
        self.driver_version = driver_call(d.cuDriverGetVersion(), "cuDriverGetVersion")

    def make_current(self):
        driver_call(self.driver.cuCtxSetCurrent(self.context), "cuCtxSetCurrent")

    def stream(self) -> int:
        handle = driver_call(self.driver.cuStreamCreate(0), "cuStreamCreate")
        return int(handle)

    def synchronize(self, stream: int):
        driver_call(self.driver.cuStreamSynchronize(self.driver.CUstream(stream)), "cuStreamSynchronize")

    def destroy_stream(self, stream: int):
        driver_call(self.driver.cuStreamDestroy(self.driver.CUstream(stream)), "cuStreamDestroy")

    def alloc(self, nbytes: int) -> int:
        return int(driver_call(self.driver.cuMemAlloc(max(1, nbytes)), "cuMemAlloc"))

    def free(self, ptr: int):
        driver_call(self.driver.cuMemFree(self.driver.CUdeviceptr(ptr)), "cuMemFree")

    def upload(self, array: np.ndarray) -> int:
        array = np.ascontiguousarray(array)
        ptr = self.alloc(array.nbytes)
        if array.nbytes:
            driver_call(self.driver.cuMemcpyHtoD(self.driver.CUdeviceptr(ptr), array.ctypes.data, array.nbytes),
                   "cuMemcpyHtoD")
        return ptr

    def download(self, ptr: int, shape, dtype) -> np.ndarray:
        out = np.empty(shape, dtype=dtype)
        if out.nbytes:
            driver_call(self.driver.cuMemcpyDtoH(out.ctypes.data, self.driver.CUdeviceptr(ptr), out.nbytes), "cuMemcpyDtoH")
        return out

    def fill(self, ptr: int, nbytes: int, byte: int = 0xFF):
        if nbytes:
            driver_call(self.driver.cuMemsetD8(self.driver.CUdeviceptr(ptr), byte, nbytes), "cuMemsetD8")
