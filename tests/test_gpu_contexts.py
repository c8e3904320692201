"""One library serving plugins in several CUDA contexts of one process, as DeepStream and Triton do
with nvinfer instances on different GPUs (`gpu-id`).

With two or more GPUs the contexts are the primary contexts of devices 0 and 1; with one GPU they
are two contexts on device 0 (the module cache is keyed by context either way). The library loads
each kernel module once per context and never launches a module of one context in another.
"""
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from trtplug.runtime import Library
from gpu_artifacts import library_path

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[1]
MISH = ROOT / "kernels" / "mish.py"


def mish_reference(x):
    v = x.astype(np.float64)
    return (v * np.tanh(np.logaddexp(0.0, v))).astype(x.dtype)


class Context:
    """A CUDA context with its own stream: the primary context of `ordinal`, or a new context."""

    def __init__(self, driver, ordinal, primary):
        from trtplug.testing.device import driver_call
        self.d = driver
        self.device = driver_call(driver.cuDeviceGet(ordinal), "cuDeviceGet")
        self.ordinal = ordinal
        if primary:
            self.ctx = driver_call(driver.cuDevicePrimaryCtxRetain(self.device), "cuDevicePrimaryCtxRetain")
        else:
            try:  # cuda-bindings 13: (params, flags, device)
                self.ctx = driver_call(driver.cuCtxCreate(None, 0, self.device), "cuCtxCreate")
            except TypeError:  # cuda-bindings 12: (flags, device)
                self.ctx = driver_call(driver.cuCtxCreate(0, self.device), "cuCtxCreate")
        self.make_current()
        self.stream = int(driver_call(driver.cuStreamCreate(0), "cuStreamCreate"))

    def make_current(self):
        from trtplug.testing.device import driver_call
        driver_call(self.d.cuCtxSetCurrent(self.ctx), "cuCtxSetCurrent")

    def run_mish(self, instance, x):
        from trtplug.testing.device import driver_call
        d = self.d
        self.make_current()
        x_ptr = int(driver_call(d.cuMemAlloc(x.nbytes), "cuMemAlloc"))
        y_ptr = int(driver_call(d.cuMemAlloc(x.nbytes), "cuMemAlloc"))
        try:
            driver_call(d.cuMemcpyHtoD(d.CUdeviceptr(x_ptr), x.ctypes.data, x.nbytes), "cuMemcpyHtoD")
            variant = instance.variant((x.dtype.name, x.dtype.name))
            instance.enqueue(variant, [x.shape], [x_ptr], [x.shape], [y_ptr], stream=self.stream)
            driver_call(d.cuStreamSynchronize(d.CUstream(self.stream)), "cuStreamSynchronize")
            y = np.empty_like(x)
            driver_call(d.cuMemcpyDtoH(y.ctypes.data, d.CUdeviceptr(y_ptr), y.nbytes), "cuMemcpyDtoH")
            return y
        finally:
            d.cuMemFree(d.CUdeviceptr(x_ptr))
            d.cuMemFree(d.CUdeviceptr(y_ptr))


@pytest.fixture(scope="module")
def contexts(gpu_device):
    d = gpu_device.driver
    from trtplug.testing.device import driver_call
    count = driver_call(d.cuDeviceGetCount(), "cuDeviceGetCount")
    if count >= 2:
        pair = [Context(d, 0, primary=True), Context(d, 1, primary=True)]
    else:
        pair = [Context(d, 0, primary=True), Context(d, 0, primary=False)]
    yield pair
    gpu_device.make_current()


def test_one_instance_serves_two_contexts_from_two_threads(contexts, gpu_artifacts):
    library = Library(library_path(gpu_artifacts, MISH))
    mish = library.instance("Mish")  # created once, used in both contexts (like a clone on another GPU)
    rng = np.random.default_rng(7)
    inputs = [rng.standard_normal(1_000_003, dtype=np.float32) * 3 for _ in contexts]
    results, errors = [None] * len(contexts), []

    def worker(k):
        try:
            for _ in range(20):  # repeated: module cache lookups race with the other thread
                results[k] = contexts[k].run_mish(mish, inputs[k])
        except Exception as exc:  # reported below; a thread cannot fail the test directly
            errors.append(f"context {k}: {exc}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(contexts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for x, y in zip(inputs, results):
        np.testing.assert_allclose(y, mish_reference(x), rtol=1e-5, atol=1e-5)


def test_serialized_clone_from_one_context_runs_in_the_other(contexts, gpu_artifacts):
    library = Library(library_path(gpu_artifacts, MISH))
    first = library.instance("Mish")
    x = np.linspace(-8, 8, 4099, dtype=np.float16)
    y0 = contexts[0].run_mish(first, x)
    clone = library.instance("Mish", serialized=first.serialize())
    y1 = contexts[1].run_mish(clone, x)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_allclose(y1.astype(np.float32), mish_reference(x).astype(np.float32), rtol=1e-2, atol=1e-2)


LOAD_ORDER_SCRIPT = """
import sys
import numpy as np
from trtplug.runtime import Library
from trtplug.testing.device import Device
sys.path.insert(0, {tests!r})
from test_gpu_contexts import Context, mish_reference
device = Device()
if {load_first}:
    library = Library({lib!r})
from trtplug.testing.device import driver_call
count = driver_call(device.driver.cuDeviceGetCount(), "cuDeviceGetCount")
contexts = [Context(device.driver, 0, True), Context(device.driver, 1 if count > 1 else 0, count > 1)]
if not {load_first}:
    library = Library({lib!r})
x = np.random.default_rng(1).standard_normal(65537).astype(np.float32)
for c in contexts:
    y = c.run_mish(library.instance("Mish"), x)
    np.testing.assert_allclose(y, mish_reference(x), rtol=1e-5, atol=1e-5)
print("OK", len(contexts))
"""


@pytest.mark.parametrize("load_first", [True, False], ids=["library-before-contexts", "library-after-contexts"])
def test_library_loaded_before_or_after_the_contexts(load_first, gpu_artifacts):
    script = LOAD_ORDER_SCRIPT.format(tests=str(ROOT / "tests"), load_first=load_first,
                                      lib=str(library_path(gpu_artifacts, MISH)))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=300)
    assert proc.returncode == 0 and "OK 2" in proc.stdout, proc.stdout + proc.stderr
