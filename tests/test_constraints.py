"""Declared rules that hold in every native entry point: string choices, input constraints
(tp.require), negative output dims and launch sizes. Plugins are built with `trtplug compile` and
driven through the C API (trtplug.runtime.Library) and, with TensorRT headers, through the
lifecycle harness and a configurePlugin/enqueue driver, the way TensorRT's build calls them."""
from __future__ import annotations

import ctypes
from pathlib import Path
import subprocess
import textwrap

import numpy as np
import pytest

from trtplug.native.tensorrt_headers import find_all_tensorrt_includes
from trtplug.cli import main as cli_main
from trtplug.errors import NativeError
from trtplug.runtime import Library
from trtplug.serialization import encode
from trtplug.testing.harness import PlanCase, PluginField, build_harness, format_table, run_plan, write_plan

from native_trt.build_fixture import build_configure_check

PLUGINS = textwrap.dedent('''
    from numba import cuda

    import trtplug as tp


    @cuda.jit
    def shuffle_kernel(x, y, r):
        i = cuda.grid(1)
        n_dim, c_dim, h_dim, w_dim = y.shape
        if i < n_dim * c_dim * h_dim * w_dim:
            w = i % w_dim
            h = (i // w_dim) % h_dim
            c = (i // (w_dim * h_dim)) % c_dim
            n = i // (w_dim * h_dim * c_dim)
            y[n, c, h, w] = x[n, c * r * r + (h % r) * r + w % r, h // r, w // r]


    @cuda.jit
    def copy_kernel(x, y):
        i = cuda.grid(1)
        if i < y.shape[0]:
            y[i] = x[i]


    class Shuffle(tp.TrtPlugin):
        """Pixel shuffle: (N, C, H, W) -> (N, C // (r*r), H*r, W*r)."""

        inputs = [tp.Input("x", dtypes=("float32",), rank=4)]
        outputs = [tp.Output("y", dtype_like="x", rank=4)]
        r = tp.Attr.int(2, min=1, max=8)
        mode = tp.Attr.string("nearest", choices=("nearest", "linear"))

        def constraints(self, x):
            tp.require(x.shape[1] % (self.r * self.r) == 0, "channels must be a multiple of r*r")

        def output_shapes(self, x):
            n, c, h, w = x.shape
            return [(n, c // (self.r * self.r), h * self.r, w * self.r)]

        def enqueue(self, x, y):
            tp.launch(shuffle_kernel, grid=tp.cdiv(y.numel, 256), block=256)(x, y, tp.scalar(self.r, "int32"))


    class Grouped(tp.TrtPlugin):
        """y = x[: len(x) // group], launched with `block` threads per block."""

        inputs = [tp.Input("x", dtypes=("float32",), rank=1)]
        outputs = [tp.Output("y", dtype_like="x", rank=1)]
        group = tp.Attr.int(1)
        block = tp.Attr.int(128)

        def output_shapes(self, x):
            return [(x.shape[0] // self.group,)]

        def enqueue(self, x, y):
            tp.launch(copy_kernel, grid=tp.cdiv(y.shape[0], self.block), block=self.block)(x, y)
''')

HEADERS = {h.major: h for h in find_all_tensorrt_includes()}
SCALED_ADD = Path(__file__).resolve().parents[1] / "kernels" / "scaled_add.py"


def compile_plugins(out, *extra, sources=()) -> Path:
    source = out / "rules.py"
    source.write_text(PLUGINS)
    assert cli_main(["compile", str(source), *map(str, sources), "-o", str(out), "--name", "rules", "--arch", "90",
                     "-q", *extra]) == 0
    return out / "librules.so"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return Library(compile_plugins(tmp_path_factory.mktemp("rules"), "--no-tensorrt", sources=[SCALED_ADD]))


def set_field(instance, name: str, text: str):
    """trtplug_instance_set_field with a kCHAR field (TensorRT's PluginFieldType 6)."""
    lib = instance.library._lib
    lib.trtplug_instance_set_field.restype = ctypes.c_int32
    lib.trtplug_instance_set_field.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_char_p,
                                              ctypes.c_int32, ctypes.c_char_p, ctypes.c_size_t]
    err = ctypes.create_string_buffer(512)
    data = text.encode()
    status = lib.trtplug_instance_set_field(instance._handle, name.encode(), 6, data, len(data), err, len(err))
    return status, err.value.decode()


def test_string_choices_hold_in_every_native_entry_point(library, capfd):
    shuffle = library.instance("Shuffle")
    assert set_field(shuffle, "mode", "linear") == (0, "")
    for bad in ("foo", ""):
        status, message = set_field(shuffle, "mode", bad)
        assert status == 1 and message == f"attribute 'mode': '{bad}' is not one of 'nearest', 'linear'"
    # a serialized plugin (what deserializePlugin reads) is checked the same way
    with pytest.raises(NativeError, match=r"serialized attribute 'mode': 'foo' is not one of 'nearest', 'linear'"):
        library.instance("Shuffle", mode="foo")
    blob = encode("Shuffle", "1", [("r", 0, 2), ("mode", 3, "")])
    with pytest.raises(NativeError, match=r"serialized attribute 'mode': '' is not one of"):
        library.instance("Shuffle", serialized=blob)
    assert library.instance("Shuffle", mode="linear").serialize() == shuffle.serialize()
    logged = [line for line in capfd.readouterr().err.splitlines() if "is not one of" in line]
    assert len(logged) == 4 and all(line.startswith("[trtplug] Shuffle: ") for line in logged), logged


def test_constraints_fail_output_shapes_with_the_message(library, capfd):
    shuffle = library.instance("Shuffle")
    assert shuffle.output_shapes([(1, 8, 4, 4)]) == [(1, 2, 8, 8)]
    assert library.instance("Shuffle", r=3).output_shapes([(2, 18, 1, 5)]) == [(2, 2, 3, 15)]
    expected = ("constraint failed: channels must be a multiple of r*r (x.shape[1] % (self.r * self.r) == 0 does "
                "not hold) (x.shape[1] = 3, self.r = 2)")
    with pytest.raises(NativeError) as failure:
        shuffle.output_shapes([(1, 3, 4, 4)])
    assert str(failure.value).endswith(expected)
    with pytest.raises(NativeError, match="channels must be a multiple of r[*]r"):
        shuffle.enqueue(0, [(1, 3, 4, 4)], [0], [(1, 0, 8, 8)], [0])
    err = capfd.readouterr().err
    assert err.count("[trtplug] Shuffle: constraint failed: channels must be a multiple of r*r") == 2, err


def test_negative_output_dims_name_the_expression_and_values(library, capfd):
    grouped = library.instance("Grouped", group=4)
    assert grouped.output_shapes([(12,)]) == [(3,)]
    with pytest.raises(NativeError) as failure:
        library.instance("Grouped", group=-3).output_shapes([(12,)])
    assert str(failure.value).endswith(
        "output 'y' dim 0 = x.shape[0] // self.group = -4: negative (x.shape[0] = 12, self.group = -3)")
    with pytest.raises(NativeError, match=r"output 'y' dim 0 = x\.shape\[0\] // self\.group: .*floor division of 12 "
                                          r"by zero \(x\.shape\[0\] = 12, self\.group = 0\)"):
        library.instance("Grouped", group=0).output_shapes([(12,)])
    assert "[trtplug] Grouped: output 'y' dim 0 = x.shape[0] // self.group = -4: negative" in capfd.readouterr().err


@pytest.mark.parametrize("block,message", [
    # y.shape[0] is traced as the expression that computes it
    (0, r"launch 'copy_kernel' grid\.x = cdiv\(x\.shape\[0\] // self\.group, self\.block\): .*cdiv of 12 by zero "
        r"\(x\.shape\[0\] = 12, self\.group = 1, self\.block = 0\)"),
    (-64, r"launch 'copy_kernel' block\.x = self\.block is -64 \(allowed 1\.\.1024; self\.block = -64\)"),
    (2048, r"launch 'copy_kernel' block\.x = self\.block is 2048 \(allowed 1\.\.1024; self\.block = 2048\)"),
])
def test_launch_sizes_out_of_range_fail_before_the_driver(library, block, message):
    grouped = library.instance("Grouped", block=block)
    with pytest.raises(NativeError, match=message):
        grouped.enqueue(0, [(12,)], [0], [(12,)], [0])


def test_scaled_add_refuses_a_bias_it_cannot_broadcast(library):
    scaled_add = library.instance("ScaledAdd")
    assert scaled_add.output_shapes([(5, 3, 4, 4), (1, 3, 1, 1)]) == [(5, 3, 4, 4)]
    assert scaled_add.output_shapes([(5, 3, 4, 4), (5, 1, 4, 4)]) == [(5, 3, 4, 4)]
    with pytest.raises(NativeError, match=r"constraint failed: b's N dim must be 1 or equal to x's .*"
                                          r"\(b\.shape\[0\] = 2, x\.shape\[0\] = 5\)"):
        scaled_add.output_shapes([(5, 3, 4, 4), (2, 3, 1, 1)])
    with pytest.raises(NativeError, match=r"b's W dim must be 1 or equal to x's"):
        scaled_add.output_shapes([(5, 3, 4, 4), (1, 3, 1, 8)])


# ---------------------------------------------------------------------------- with TensorRT
needs_headers = pytest.mark.skipif(not HEADERS, reason="no TensorRT headers (see docs/tensorrt.md to fetch them)")


@pytest.fixture(scope="module")
def trt_built(tmp_path_factory):
    """(headers, library, harness) per TensorRT major, built on first use."""
    cache = {}

    def get(major):
        if major not in HEADERS:
            pytest.skip(f"no TensorRT {major}.x headers")
        if major not in cache:
            out = tmp_path_factory.mktemp(f"rules_trt{major}")
            headers = HEADERS[major]
            library = compile_plugins(out, "--tensorrt-include", str(headers.include_dir))
            cache[major] = (headers, library, build_harness(headers, cache_dir=out / "harness"))
        return cache[major]

    return get


def shuffle_case(cid, shape, *, fields=(), **kw):
    x = np.zeros(shape, np.float32)
    n, c, h, w = shape
    return PlanCase(cid, "Shuffle", "1", inputs=[x], outputs=[("float32", (n, c // 4, h * 2, w * 2))], fields=fields,
                    **kw)


@needs_headers
@pytest.mark.trt_headers
@pytest.mark.parametrize("major", sorted(HEADERS))
def test_tensorrt_build_fails_with_the_constraint_message(trt_built, major, tmp_path):
    _, library, harness = trt_built(major)
    foo = PluginField.from_value("mode", "foo")
    (tmp_path / "foo.blob").write_bytes(encode("Shuffle", "1", [("r", 0, 2), ("mode", 3, "foo")]))
    cases = [
        shuffle_case("good", (1, 8, 2, 3)),
        shuffle_case("three_channels", (1, 3, 2, 3)),
        shuffle_case("bad_choice", (1, 8, 2, 3), fields=[foo], expect="create-fail",
                     expect_message="attribute 'mode': 'foo' is not one of 'nearest', 'linear'"),
        shuffle_case("bad_blob", (1, 8, 2, 3), deserialize_from="foo.blob", expect="deserialize-fail",
                     expect_message="serialized attribute 'mode': 'foo' is not one of"),
        PlanCase("negative", "Grouped", "1", inputs=[np.zeros(12, np.float32)], outputs=[("float32", (4,))],
                 fields=[PluginField.from_value("group", -3)]),
    ]
    write_plan(tmp_path, cases, mode="cpu")
    report = {r.case_id: r for r in run_plan(library, tmp_path, harness=harness)}
    table = format_table(list(report.values()))
    for cid in ("good", "bad_choice", "bad_blob"):
        assert report[cid].passed, table
    for cid, line in [("three_channels", "Shuffle: getOutputDimensions: constraint failed: channels must be a "
                                         "multiple of r*r (x.shape[1] % (self.r * self.r) == 0 does not hold) "
                                         "(x.shape[1] = 3, self.r = 2)"),
                      ("negative", "Grouped: getOutputDimensions: output 'y' dim 0 = x.shape[0] // self.group = -4: "
                                   "negative (x.shape[0] = 12, self.group = -3)")]:
        result = report[cid]
        assert not result.passed and result.step("output-dims").status == "fail", table
        assert "returned no shape (nbDims -1)" in result.step("output-dims").message
        assert [log for log in result.logs if "getOutputDimensions" in log] == [f"[trtplug] {line}"], result.logs


@needs_headers
@pytest.mark.trt_headers
@pytest.mark.parametrize("major", sorted(HEADERS))
def test_profile_shapes_that_break_a_constraint_fail_configure_and_enqueue(trt_built, major, tmp_path):
    headers, library, _ = trt_built(major)
    check = build_configure_check(headers, tmp_path)

    def run(min_dims, opt_dims, max_dims, out_dims):
        proc = subprocess.run([str(check), str(library), "Shuffle", min_dims, opt_dims, max_dims, out_dims],
                              capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split(), proc.stderr

    # channels are dynamic; the profile's min (3 channels) breaks the rule although opt holds
    out, err = run("1,3,2,2", "1,8,2,2", "1,16,2,2", "1,2,4,4")
    assert out == ["enqueue", "1"], (out, err)
    assert ("[trtplug] Shuffle: configurePlugin: the profile's min input shapes (x (1, 3, 2, 2)): constraint failed: "
            "channels must be a multiple of r*r") in err
    assert "[trtplug] Shuffle: enqueue: not launching: configurePlugin rejected the input shapes" in err
    # a profile whose every shape holds gets past the checks; without a GPU the driver is what fails
    out, err = run("1,4,2,2", "1,8,2,2", "1,16,2,2", "1,2,4,4")
    assert "constraint" not in err and "rejected" not in err, err
    assert out == ["enqueue", "0"] or "cannot load the CUDA driver" in err, (out, err)
