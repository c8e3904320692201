"""The plugins in kernels/, compiled ahead of time and launched through the native core on a GPU.

No Numba runs here: the libraries come from $TRTPLUG_GPU_ARTIFACTS (or are built first where
Numba works); plugin files are imported only for their numpy references.
"""
import numpy as np
import pytest

from trtplug.loader import load_specs
from trtplug.runtime import Library
from trtplug.testing import numba_stub
from gpu_artifacts import PLUGIN_FILES, library_path
from trtplug.testing.cases import input_shape_sets, make_cases
from trtplug.testing.direct import run_case

pytestmark = pytest.mark.gpu

# Large cases (tens of millions of elements), on top of each plugin's own test shapes.
LARGE_SHAPES = {
    # 2**27 + 3 elements: more than an elementwise grid covers at once, so threads loop, and a 3-element tail.
    "Mish": [((20_000_003,),), ((4, 1234, 4321),), ((134_217_731,),), ((3, 5),)],
    "HardSwish": [((20_000_003,),), ((134_217_731,),)],
    "ScaledAdd": [((8, 64, 160, 257), (1, 64, 1, 1)), ((3, 5, 7, 11), (3, 1, 7, 1)), ((64, 64, 128, 128), (1, 64, 1, 1)),
                  ((8, 64, 160, 257), (8, 64, 160, 257)), ((2, 3, 5, 7), (1, 1, 1, 7))],
    # The last: rows wider than the grid (threads loop over columns).
    "UpsampleNearest": [((4, 32, 256, 255),), ((1, 1, 1, 1),), ((2, 3, 17, 9),), ((1, 1, 2, 300_001),)],
    "MaxAbsNormalize": [((16, 1 << 20),), ((33_000_001,),)],
    "L2Normalize": [((4096, 4099),), ((100_000, 7),), ((8192, 1024),)],
    # Rows in registers (768, 4096, 16384), rows that take the loop (1000, 7, 100003).
    "LayerNorm": [((4096, 768), (768,), (768,)), ((1024, 4096), (4096,), (4096,)),
                  ((256, 16384), (16384,), (16384,)), ((777, 1000), (1000,), (1000,))],
    "Softmax": [((4096, 768),), ((1024, 4096),), ((256, 16384),), ((5000, 7),), ((3, 100_003),)],
    "Gelu": [((20_000_003,),), ((4, 1234, 4321),)],
    "LeakyRelu": [((20_000_003,),), ((134_217_731,),)],
    # Planes that fit in L2 and planes that do not (the second launch reads x again).
    "InstanceNorm": [((8, 64, 160, 160), (64,), (64,)), ((4, 3, 300, 301), (3,), (3,))],
    "ResizeBilinear": [((4, 32, 128, 127),), ((1, 3, 540, 960),)],
    "YoloDecode": [((16, 25200, 85),)],
    "GatherElements": [((8, 1000, 64, 16), (8, 300, 64, 16))],
    "ScatterElements": [((4, 1000, 32, 8), (4, 50, 32, 8), (4, 50, 32, 8))],
    "TopK": [((1000, 4096),), ((3, 100_003),)],
    "ArgMax": [((4096, 4099),), ((3, 100_003),), ((100_000, 7),)],
}


def _specs():
    numba_stub.install_if_needed()
    return {spec.name: (path, spec) for path in PLUGIN_FILES for spec in load_specs([str(path)])}


SPECS = _specs()


@pytest.fixture(scope="module")
def stream(gpu_device):
    handle = gpu_device.stream()
    yield handle
    gpu_device.destroy_stream(handle)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_plugin_matches_reference_on_gpu(name, gpu_device, gpu_artifacts, stream):
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


@pytest.mark.parametrize("name", sorted(name for name, (_, spec) in SPECS.items() if spec.test_cases))
def test_attribute_cases_match_reference_on_gpu(name, gpu_device, gpu_artifacts, stream):
    """Each plugin's test_cases (attribute values beside the defaults, e.g. align_corners, add, largest)."""
    path, spec = SPECS[name]
    library = Library(library_path(gpu_artifacts, path))
    failures = []
    for group, (attributes, shape_sets) in enumerate(spec.test_cases, 1):
        for case in make_cases(spec, seed=group, attributes=attributes, shape_sets=shape_sets):
            result = run_case(gpu_device, library, case, stream)
            print(f"{case.label}: {result.message} (max err {result.max_error:.3g})")
            if not result.ok:
                failures.append(f"{case.label}: {result.message}")
    assert not failures, "\n".join(failures)


def test_every_tactic_matches_the_reference_on_gpu(gpu_device, gpu_artifacts, stream):
    """HardSwish's tactics (threads per block) through the C API: each computes what the reference does."""
    path, spec = SPECS["HardSwish"]
    library = Library(library_path(gpu_artifacts, path))
    assert library.tactics("HardSwish") == list(spec.tactic_names)
    cases = make_cases(spec, shape_sets=input_shape_sets(spec, LARGE_SHAPES["HardSwish"]))
    failures = []
    for tactic, name in enumerate(spec.tactic_names):
        for case in cases:
            result = run_case(gpu_device, library, case, stream, tactic=tactic)
            print(f"{case.label} tactic={name}: {result.message} (max err {result.max_error:.3g})")
            if not result.ok:
                failures.append(f"{case.label} tactic={name}: {result.message}")
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


def test_attribute_changes_kernel_behaviour(gpu_device, gpu_artifacts, stream):
    """Non-default attributes travel through serialization into the launch (scale=3, alpha=-2.5)."""
    path, spec = SPECS["UpsampleNearest"]
    library = Library(library_path(gpu_artifacts, path))
    (case,) = make_cases(spec, attributes={"scale": 3}, shape_sets=[((2, 3, 5, 7),)])[:1]
    result = run_case(gpu_device, library, case, stream)
    assert result.ok, result.message
    assert case.references[0].shape == (2, 3, 15, 21)

    path, spec = SPECS["ScaledAdd"]
    library = Library(library_path(gpu_artifacts, path))
    case = make_cases(spec, attributes={"alpha": -2.5}, shape_sets=[((2, 4, 6, 8), (1, 4, 1, 8))])[0]
    result = run_case(gpu_device, library, case, stream)
    assert result.ok, result.message


def test_wrong_buffer_shape_is_rejected_not_launched(gpu_device, gpu_artifacts, stream):
    path, _ = SPECS["Mish"]
    library = Library(library_path(gpu_artifacts, path))
    mish = library.instance("Mish")
    variant = mish.variant(("float32", "float32"))
    x = gpu_device.upload(np.ones(16, np.float32))
    y = gpu_device.alloc(16 * 4)
    from trtplug.errors import NativeError
    with pytest.raises(NativeError, match="output"):
        # output shape that holds fewer elements than the kernel's view of it
        mish.enqueue(variant, [(16,)], [x], [(8,)], [y], stream=stream)
    gpu_device.free(x)
    gpu_device.free(y)
