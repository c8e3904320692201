"""NvDsInferInitializeInputLayers: Python declarations, the generated function, run through the
nvinfer emulation (host buffers sized as nvinfer sizes them, under sanitizers for the bad cases)."""
from __future__ import annotations

import numpy as np
import pytest

import trtplug.deepstream as tds
from trtplug.native.compiler import CompileJob, run_compile
from trtplug.errors import DefinitionError
from trtplug.native.assets import DEEPSTREAM_DIR
from trtplug.deepstream.emulate import sanitizer_flags

NET = (640, 480, 3)  # width, height, channels


def build(tmp_path, decl, version="9.1", sanitize=False):
    srcs = tds.render_entry_point_sources([decl], deepstream_version=version, tensorrt_major=10, out_dir=tmp_path / "src",
                                    with_factory=False, with_tensorrt=False)
    return run_compile(CompileJob(srcs.sources, tmp_path / "libinputs.so", include_dirs=srcs.include_dirs,
                                  defines=srcs.defines, extra_flags=["-Werror", *sanitizer_flags(sanitize)],
                                  optimize="-O1"))


INPUTS = tds.InputLayers([
    tds.InputLayer("im_info", values=["height", "width", ("batch_index", 0.5)]),
    tds.InputLayer("half_scale", dtype="float16", values=[("width", 1 / 640), ("height", 1 / 640)]),
    tds.InputLayer("ids", dtype="int32", dims=(2, 3), fill=("batch_size", 2)),
])


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return build(tmp_path_factory.mktemp("inputs"), INPUTS, sanitize=True)


def test_fills_every_image_of_the_batch(library):
    res = tds.emulate_input_layers(library, {"im_info": ("float32", (3,)), "half_scale": ("float16", (2,)),
                                             "ids": ("int32", (2, 3))},
                                   network=NET, max_batch_size=4, sanitize=True)
    assert res.ok, res.stderr
    np.testing.assert_array_equal(res.arrays["im_info"], [[480, 640, 0], [480, 640, 0.5], [480, 640, 1], [480, 640, 1.5]])
    np.testing.assert_array_equal(res.arrays["half_scale"], np.tile(np.float16([1.0, 0.75]), (4, 1)))
    assert res.arrays["ids"].shape == (4, 2, 3) and (res.arrays["ids"] == 8).all()


@pytest.mark.parametrize("inputs, message", [
    ({"im_info": ("float32", (3,)), "half_scale": ("float16", (2,))},
     "input layer 'ids' is declared, but the engine has no such non-image input (it has: im_info, half_scale)"),
    ({"im_info": ("float32", (4,)), "half_scale": ("float16", (2,)), "ids": ("int32", (2, 3))},
     "input layer 'im_info' has 4 elements per image in the engine (dims [4]), but 3 values were declared"),
    ({"im_info": ("int32", (3,)), "half_scale": ("float16", (2,)), "ids": ("int32", (2, 3))},
     "input layer 'im_info' is int32 in the engine, but was declared float32"),
    ({"im_info": ("float32", (3,)), "half_scale": ("float16", (2,)), "ids": ("int32", (6,))},
     "input layer 'ids' has dims [6] in the engine, declared [2, 3]"),
    ({"im_info": ("float32", (3,)), "half_scale": ("float16", (2,)), "ids": ("int32", (2, 3)),
      "extra": ("float32", (1,))},
     "input layer 'extra' has no declaration, so it would stay uninitialized"),
])
def test_mismatches_fail_with_a_line_naming_the_layer_and_write_nothing(library, inputs, message):
    res = tds.emulate_input_layers(library, inputs, network=NET, max_batch_size=2, sanitize=True)
    assert not res.ok
    assert f"trtplug deepstream error: NvDsInferInitializeInputLayers: {message}" in res.stderr
    assert all((a.view(np.uint8) == 0xCD).all() for a in res.arrays.values())  # untouched buffers


def test_int_values_out_of_range_are_refused_at_run_time(tmp_path):
    lib = build(tmp_path, tds.InputLayers([tds.InputLayer("q", dtype="int8", values=[("width", 1)])]))
    res = tds.emulate_input_layers(lib, {"q": ("int8", (1,))}, network=NET)
    assert not res.ok and "value 0 is 640 for image 0, which int8 cannot hold" in res.stderr


@pytest.mark.parametrize("dtype, factor, shown", [("float16", 200, "128000"), ("float32", 1e36, "6.4e+38")])
def test_float_values_beyond_the_type_range_are_refused_at_run_time(tmp_path, dtype, factor, shown):
    lib = build(tmp_path, tds.InputLayers([tds.InputLayer("s", dtype=dtype, values=[("width", factor)])]))
    res = tds.emulate_input_layers(lib, {"s": (dtype, (1,))}, network=NET)
    assert not res.ok and f"value 0 is {shown} for image 0, which {dtype} cannot hold" in res.stderr
    assert (res.arrays["s"].view(np.uint8) == 0xCD).all()


def test_int64_and_uint8_inputs_from_deepstream_8(tmp_path):
    decl = tds.InputLayers([tds.InputLayer("a", dtype="int64", values=[-5, "batch_index"]),
                            tds.InputLayer("b", dtype="uint8", fill=255)])
    lib = build(tmp_path, decl, version="8.0")
    res = tds.emulate_input_layers(lib, {"a": ("int64", (2,)), "b": ("uint8", (3,))}, max_batch_size=2,
                                   deepstream_version="8.0")
    assert res.ok, res.stderr
    np.testing.assert_array_equal(res.arrays["a"], [[-5, 0], [-5, 1]])
    assert (res.arrays["b"] == 255).all()


def test_missing_entry_point_is_nvinfers_dlsym_failure(tmp_path):
    lib = run_compile(CompileJob([tds.render.FACTORY_CPP], tmp_path / "libnone.so",
                                 include_dirs=[DEEPSTREAM_DIR], defines={"TRTPLUG_DS_TENSORRT_MAJOR": "10"}))
    from trtplug.errors import LoadError
    with pytest.raises(LoadError, match="NvDsInferInitializeInputLayers"):
        tds.emulate_input_layers(lib, {"a": ("float32", (1,))})


@pytest.mark.parametrize("make, message", [
    (lambda: tds.InputLayer("x", values=["hieght"]), "InputLayer('x').values[0]: expected a number, one of"),
    (lambda: tds.InputLayer("x"), "give either values"),
    (lambda: tds.InputLayer("x", values=[1, 2], dims=(3,)), "2 values for dims (3,)"),
    (lambda: tds.InputLayer("x", dtype="int8", values=[300]), "300.0 is not a int8 value"),
    (lambda: tds.InputLayer("x", dtype="bfloat16", fill=0), "InputLayer('x').dtype"),
    (lambda: tds.InputLayers([tds.InputLayer("a", fill=0), tds.InputLayer("a", fill=1)]), "declared twice"),
])
def test_declaration_mistakes(make, message):
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        make()
