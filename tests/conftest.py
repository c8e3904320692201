"""Test selection by what a test needs: a GPU (`gpu`), TensorRT headers (`trt_headers`).

The suite tests the installed trtplug (`pip install .`), never the checkout beside it: the folder
pytest runs from is taken off sys.path before anything imports trtplug. An editable install
(`pip install -e .`) still resolves to the checkout, as it should, and so does a checkout named in
$PYTHONPATH."""
import functools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _drop_checkout_from_sys_path() -> None:
    """Takes the checkout off sys.path unless $PYTHONPATH names it (a GPU machine that runs the suite
    from a copy of the tree, where nothing can be installed)."""
    def resolved(entry: str) -> Path | None:
        try:
            return Path(entry or os.getcwd()).resolve()
        except OSError:
            return None

    chosen = {resolved(e) for e in os.environ.get("PYTHONPATH", "").split(os.pathsep) if e}
    if ROOT not in chosen:
        sys.path[:] = [entry for entry in sys.path if resolved(entry) != ROOT]


_drop_checkout_from_sys_path()
try:
    import trtplug  # noqa: F401,E402
except ImportError as exc:
    raise pytest.UsageError(f"trtplug is not installed ({exc}). Run the suite after `pip install \".[test]\"` "
                            "(see README.md).") from None


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
    from gpu_artifacts import build_artifacts
    build_artifacts(out)
    return out
