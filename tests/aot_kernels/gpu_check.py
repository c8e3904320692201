"""Runs ahead-of-time compiled kernels on a GPU through the CUDA driver API (ctypes, no numba).

Used by the `gpu` tests in test_aot.py, and standalone on a GPU machine that lacks the
compile toolchain: ``python gpu_check.py images.pkl`` runs images exported with ``export()``.
Each case loads the cubin for the device (or links the PTX parts when asked), packs arguments
in numba's layout and compares the result with numpy.
"""
from __future__ import annotations

import ctypes
import pickle
import sys

import numpy as np

_SCALAR_CTYPES = {"f32": ctypes.c_float, "f64": ctypes.c_double, "u64": ctypes.c_uint64,
                  "u32": ctypes.c_uint32, "u16": ctypes.c_uint16, "u8": ctypes.c_uint8}


class Driver:
    def __init__(self):
        self.cu = ctypes.CDLL("libcuda.so.1")
        self.check(self.cu.cuInit(0), "cuInit")
        dev = ctypes.c_int()
        self.check(self.cu.cuDeviceGet(ctypes.byref(dev), 0), "cuDeviceGet")
        self.ctx = ctypes.c_void_p()
        self.check(self.cu.cuDevicePrimaryCtxRetain(ctypes.byref(self.ctx), dev), "ctx retain")
        self.check(self.cu.cuCtxSetCurrent(self.ctx), "cuCtxSetCurrent")
        major, minor = ctypes.c_int(), ctypes.c_int()
        self.check(self.cu.cuDeviceGetAttribute(ctypes.byref(major), 75, dev), "cc major")
        self.check(self.cu.cuDeviceGetAttribute(ctypes.byref(minor), 76, dev), "cc minor")
        self.sm = major.value * 10 + minor.value

    def check(self, status, what):
        if status != 0:
            name = ctypes.c_char_p()
            self.cu.cuGetErrorName(status, ctypes.byref(name))
            raise RuntimeError(f"{what} failed: {status} {name.value}")

    def load(self, ck: dict, use_ptx: bool):
        module = ctypes.c_void_p()
        if not use_ptx:
            image = ck["cubins"][max(sm for sm in ck["cubins"] if sm // 10 == self.sm // 10 and sm <= self.sm)]
            self.check(self.cu.cuModuleLoadData(ctypes.byref(module), image), "cuModuleLoadData")
        else:
            state = ctypes.c_void_p()
            self.check(self.cu.cuLinkCreate_v2(0, None, None, ctypes.byref(state)), "cuLinkCreate")
            for i, part in enumerate(ck["ptx_parts"]):
                self.check(self.cu.cuLinkAddData_v2(state, 1, part, len(part), f"p{i}".encode(),
                                                    0, None, None), "cuLinkAddData")
            cubin, size = ctypes.c_void_p(), ctypes.c_size_t()
            self.check(self.cu.cuLinkComplete(state, ctypes.byref(cubin), ctypes.byref(size)), "cuLinkComplete")
            self.check(self.cu.cuModuleLoadData(ctypes.byref(module), cubin), "cuModuleLoadData(ptx)")
            self.cu.cuLinkDestroy(state)
        func = ctypes.c_void_p()
        self.check(self.cu.cuModuleGetFunction(ctypes.byref(func), module, ck["entry"].encode()),
                   "cuModuleGetFunction")
        return func

    def to_device(self, arr):
        ptr = ctypes.c_uint64()
        self.check(self.cu.cuMemAlloc_v2(ctypes.byref(ptr), max(arr.nbytes, 1)), "cuMemAlloc")
        self.check(self.cu.cuMemcpyHtoD_v2(ptr, arr.ctypes.data, arr.nbytes), "HtoD")
        return ptr.value

    def launch(self, ck, args, grid, block, shared=0, use_ptx=False):
        """args: numpy arrays (copied in and back) and numpy scalars, in signature order."""
        func = self.load(ck, use_ptx)
        slots, ptrs = [], []
        for a in args:
            if isinstance(a, np.ndarray):
                ptr = self.to_device(a)
                ptrs.append((ptr, a))
                strides = [s for s in a.strides]
                for v in [0, 0, a.size, a.itemsize, ptr, *a.shape, *strides]:
                    slots.append(ctypes.c_uint64(v))
            else:
                slots.append(None)  # typed below from the PTX param type
                ptrs.append(a)
        values, k = [], 0
        for a in args:
            if isinstance(a, np.ndarray):
                n = 5 + 2 * a.ndim
                values += slots[k:k + n]
                k += n
            else:
                ptype = ck["params"][k]
                raw = a.view(np.uint16) if a.dtype == np.float16 else a
                values.append(_SCALAR_CTYPES[ptype](raw.item() if ptype != "f32" else float(a)))
                k += 1
        assert len(values) == len(ck["params"])
        params = (ctypes.c_void_p * len(values))(*[ctypes.cast(ctypes.byref(v), ctypes.c_void_p) for v in values])
        fn = self.cu.cuLaunchCooperativeKernel if ck["cooperative"] else self.cu.cuLaunchKernel
        if ck["cooperative"]:
            status = fn(func, grid, 1, 1, block, 1, 1, shared, None, params)
        else:
            status = fn(func, grid, 1, 1, block, 1, 1, shared, None, params, None)
        self.check(status, f"launch {ck['name']}")
        self.check(self.cu.cuCtxSynchronize(), f"sync {ck['name']}")
        for item in ptrs:
            if isinstance(item, tuple):
                ptr, host = item
                self.check(self.cu.cuMemcpyDtoH_v2(host.ctypes.data, ctypes.c_uint64(ptr), host.nbytes), "DtoH")
                self.cu.cuMemFree_v2(ctypes.c_uint64(ptr))


def run_all(images: dict[str, dict]) -> list[str]:
    """Runs every case; returns one 'PASS/FAIL name: detail' line each."""
    drv = Driver()
    rng = np.random.default_rng(0)
    out = []

    def case(label, fn):
        try:
            detail = fn()
            out.append(f"PASS {label}: {detail}")
        except Exception as exc:  # report every case, keep going
            out.append(f"FAIL {label}: {exc}")

    def axpb(use_ptx):
        n = 100_003
        x, y = rng.standard_normal(n, np.float32), rng.standard_normal(n, np.float32)
        res = np.zeros(n, np.float32)
        drv.launch(images["axpb"], [x, y, np.float32(2.5), res], (n + 255) // 256, 256, use_ptx=use_ptx)
        err = float(np.abs(res - (x * 2.5 + y)).max())
        assert err < 1e-5, err
        return f"max err {err:.2e}"

    def nchw():
        shape = (2, 3, 37, 45)
        x, y = rng.standard_normal(shape, np.float32), rng.standard_normal(shape, np.float32)
        res = np.zeros(shape, np.float32)
        drv.launch(images["nchw"], [x, y, np.float32(-1.5), res], (res.size + 127) // 128, 128)
        err = float(np.abs(res - (x * -1.5 + y)).max())
        assert err < 1e-5, err
        return f"max err {err:.2e}"

    def half(use_ptx):
        n = 4099
        x = rng.standard_normal(n).astype(np.float16)
        y = rng.standard_normal(n).astype(np.float16)
        res = np.zeros(n, np.float16)
        drv.launch(images["half"], [x, y, np.float16(0.75), res], (n + 255) // 256, 256, use_ptx=use_ptx)
        ref = (x * np.float16(0.75)) + y
        err = float(np.abs(res.astype(np.float32) - ref.astype(np.float32)).max())
        assert err <= 2e-3, err
        return f"max err {err:.2e}"

    def mish():
        x = rng.standard_normal(5000, np.float32)
        res = np.zeros_like(x)
        drv.launch(images["mish"], [x, res], 20, 256)
        ref = x * np.tanh(np.log1p(np.exp(x)))
        err = float(np.abs(res - ref).max())
        assert err < 1e-5, err
        return f"max err {err:.2e}"

    def math_mix():
        x = rng.standard_normal(5000, np.float32)
        res = np.zeros_like(x)
        drv.launch(images["math"], [x, res], 20, 256)
        import math
        v = x.astype(np.float64)
        ref = np.exp(v) + np.tanh(v) + np.array([math.erf(t) for t in v]) + np.abs(v) ** 1.5 + np.sin(v)
        rel = float((np.abs(res - ref) / np.maximum(np.abs(ref), 1)).max())
        assert rel < 1e-5, rel
        return f"max rel err {rel:.2e}"

    def shared():
        x = rng.standard_normal(256 * 10, np.float32)
        res = np.zeros(10, np.float32)
        drv.launch(images["shared"], [x, res], 10, 256, shared=256 * 4)
        err = float(np.abs(res - x.reshape(10, 256).sum(axis=1)).max())
        assert err < 1e-3, err
        return f"max err {err:.2e}"

    def coop():
        n = 64 * 256
        a = np.arange(n, dtype=np.float32)
        res = np.zeros(n, np.float32)
        drv.launch(images["coop"], [a, res], 64, 256)
        expect = np.roll(np.arange(n, dtype=np.float32) + 1, -1)
        assert np.array_equal(res, expect), "grid sync result differs"
        return "exact"

    def scalars():
        res = np.zeros(300, np.float32)
        drv.launch(images["scalars"], [res, np.int32(200), np.bool_(True), np.float16(1.5)], 2, 256)
        assert np.all(res[:200] == 1.5) and np.all(res[200:] == 0), res[195:205]
        return "exact"

    case(f"sm_{drv.sm} axpb fp32 1-D cubin", lambda: axpb(False))
    case(f"sm_{drv.sm} axpb fp32 1-D PTX", lambda: axpb(True))
    case(f"sm_{drv.sm} 4-D NCHW cubin", nchw)
    case(f"sm_{drv.sm} fp16 cubin (2 parts linked ahead of time)", lambda: half(False))
    case(f"sm_{drv.sm} fp16 PTX parts linked at load", lambda: half(True))
    case(f"sm_{drv.sm} device function (mish) cubin", mish)
    case(f"sm_{drv.sm} libdevice math cubin", math_mix)
    case(f"sm_{drv.sm} dynamic shared memory cubin", shared)
    case(f"sm_{drv.sm} cooperative grid sync cubin", coop)
    case(f"sm_{drv.sm} int32/bool/float16 scalars cubin", scalars)
    return out


def export(compiled: dict, path) -> None:
    with open(path, "wb") as f:
        pickle.dump({k: dict(ck.__dict__) for k, ck in compiled.items()}, f)


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        lines = run_all(pickle.load(f))
    print("\n".join(lines))
    sys.exit(0 if all(l.startswith("PASS") for l in lines) else 1)
