"""Plugins built on trtplug.blocks, run from prebuilt libraries through the C API on a GPU.

No Numba runs here: libraries come from $TRTPLUG_GPU_ARTIFACTS (built where Numba works with
`python tests/gpu_artifacts.py DIR`); plugin files are imported only for their numpy
references. Large shapes cover the grid-stride loop, misaligned views and long rows.
"""
from pathlib import Path

import numpy as np
import pytest

from trtplug.loader import load_specs
from trtplug.runtime import Library
from trtplug.testing import numba_stub
from gpu_artifacts import library_path
from trtplug.testing.cases import input_shape_sets, make_cases
from trtplug.testing.direct import run_case

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[1]
BLOCK_PLUGIN_FILES = [ROOT / "kernels" / f"{name}.py" for name in ("layer_norm", "softmax", "mish", "hard_swish",
                                                                     "scaled_add")]
LARGE_SHAPES = {
    # 2**27 + 3 elements: more than MAX_BLOCKS * 256 * 16, so threads loop, and a 3-element tail.
    "Mish": [((134_217_731,),), ((3, 5),)],
    "HardSwish": [((134_217_731,),)],
    "ScaledAdd": [((64, 64, 128, 128), (1, 64, 1, 1)), ((8, 64, 160, 257), (8, 64, 160, 257)),
                  ((3, 5, 7, 11), (3, 1, 7, 1)), ((2, 3, 5, 7), (1, 1, 1, 7))],
    "LayerNorm": [((4096, 768), (768,), (768,)), ((1024, 4096), (4096,), (4096,)),
                  ((256, 16384), (16384,), (16384,)), ((777, 1000), (1000,), (1000,))],
    "Softmax": [((4096, 768),), ((1024, 4096),), ((256, 16384),), ((5000, 7),), ((3, 100_003),)],
}


def _specs():
    numba_stub.install_if_needed()
    return {spec.name: (path, spec) for path in BLOCK_PLUGIN_FILES for spec in load_specs([str(path)])}


SPECS = _specs()


@pytest.fixture(scope="module")
def stream(gpu_device):
    handle = gpu_device.stream()
    yield handle
    gpu_device.destroy_stream(handle)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_block_plugin_matches_reference_on_gpu(name, gpu_device, gpu_artifacts, stream):
    path, spec = SPECS[name]
    library = Library(library_path(gpu_artifacts, path))
    cases = make_cases(spec, shape_sets=input_shape_sets(spec, LARGE_SHAPES.get(name)))
    assert cases
    failures = []
    for case in cases:
        result = run_case(gpu_device, library, case, stream)
        print(f"{case.label}: {result.message} (max err {result.max_error:.3g})")
        if not result.ok:
            failures.append(f"{case.label}: {result.message}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("offset", [1, 3, 8])
def test_elementwise_plugin_on_misaligned_buffers(offset, gpu_device, gpu_artifacts, stream):
    """Buffers that do not start on a 16-byte boundary take the element-wise path and stay correct."""
    path, spec = SPECS["Mish"]
    library = Library(library_path(gpu_artifacts, path))
    mish = library.instance("Mish")
    variant = mish.variant(("float16", "float16"))
    n = 1_000_003
    x = (np.random.default_rng(offset).standard_normal(n + offset) * 3).astype(np.float16)
    x_ptr = gpu_device.upload(x)
    y_ptr = gpu_device.alloc((n + offset) * 2)
    gpu_device.fill(y_ptr, (n + offset) * 2)
    try:
        mish.enqueue(variant, [(n,)], [x_ptr + 2 * offset], [(n,)], [y_ptr + 2 * offset], stream=stream)
        gpu_device.synchronize(stream)
        y = gpu_device.download(y_ptr, (n + offset,), np.float16)[offset:]
    finally:
        gpu_device.free(x_ptr)
        gpu_device.free(y_ptr)
    expected = spec.reference(spec.plugin_class(), x[offset:])
    np.testing.assert_allclose(y.astype(np.float32), expected.astype(np.float32), rtol=1e-2, atol=1e-2)
