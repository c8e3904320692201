"""Test selection by what a test needs: a GPU (`gpu`), TensorRT headers (`trt_headers`)."""
import functools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@functools.lru_cache(maxsize=None)
def gpu_unavailable_reason():
    from trtplug.testing.device import Device, DeviceUnavailable
    try:
        Device()
    except DeviceUnavailable as exc:
        return str(exc)
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "gpu" in item.keywords:
            reason = gpu_unavailable_reason()
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"needs an NVIDIA GPU: {reason}"))


@pytest.fixture(scope="session")
def gpu_device():
    from trtplug.testing.device import Device
    return Device()


@pytest.fixture(scope="session")
def gpu_artifacts(tmp_path_factory):
    """Directory of libraries built beforehand ($TRTPLUG_GPU_ARTIFACTS, see docs/testing.md), or
    libraries built now when Numba is available."""
    given = os.environ.get("TRTPLUG_GPU_ARTIFACTS")
    if given:
        return Path(given)
    from trtplug.testing import numba_stub
    if not numba_stub.numba_available():
        pytest.skip("no prebuilt artifacts ($TRTPLUG_GPU_ARTIFACTS) and no Numba to build them")
    out = tmp_path_factory.mktemp("gpu_artifacts")
    from trtplug.testing.artifacts import build_artifacts
    build_artifacts(out)
    return out
