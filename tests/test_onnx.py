"""ONNX nodes for plugins (trtplug.onnx, `trtplug onnx`): every plugin of kernels/ and the examples,
from its class and from V2 and V3 libraries, gives a model onnx.checker accepts whose plugin node
carries plugin_version, plugin_namespace and each field, with the name, ONNX type and value TensorRT's
parser turns into the PluginField the plugin's creator reads."""
import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="trtplug.onnx needs the onnx package (pip install trtplug[onnx])")
from onnx import AttributeProto, TensorProto, helper  # noqa: E402

from trtplug.cli import main as cli_main  # noqa: E402
from trtplug.errors import DefinitionError  # noqa: E402
from trtplug.native.tensorrt_headers import find_all_tensorrt_includes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
V2_FILES = sorted(str(p) for p in (ROOT / "kernels").glob("*.py")) + [
    str(ROOT / "examples" / "l2norm" / "l2norm.py"), str(ROOT / "examples" / "yolo_deepstream" / "yolo_deepstream.py"),
    str(ROOT / "examples" / "squareplus" / "squareplus.py"), str(ROOT / "tests" / "plugins" / "every_field_kind.py")]
V3_FILES = V2_FILES + sorted(str(p) for p in (ROOT / "kernels" / "v3").glob("*.py"))
HEADERS = {h.major: h for h in find_all_tensorrt_includes()}

# What TensorRT's ONNX parser needs for each kind of trtplug attribute (docs/onnx.md): the ONNX
# attribute type, which it turns into kINT32 / kFLOAT32 / kCHAR fields.
ONNX_TYPE = {"int": AttributeProto.INT, "bool": AttributeProto.INT, "float": AttributeProto.FLOAT,
             "string": AttributeProto.STRING, "int_list": AttributeProto.INTS, "float_list": AttributeProto.FLOATS}
ELEM_TYPE = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "int32": TensorProto.INT32,
             "int8": TensorProto.INT8, "bool": TensorProto.BOOL}


def expected_value(kind: str, value):
    if kind == "bool":
        return int(value)
    if kind == "float":
        return float(np.float32(value))      # ONNX FLOAT holds a float32
    if kind == "float_list":
        return [float(np.float32(v)) for v in value]
    if kind == "string":
        return value.encode()
    return list(value) if kind == "int_list" else value


def check_plugin_model(path: Path, plugin: dict, namespace: str, combination=None, values=None):
    """`plugin`: an entry of a library's info ("plugins"), the description the node must match."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    (node,) = model.graph.node
    assert node.op_type == plugin["name"]
    attributes = {a.name: a for a in node.attribute}
    assert [a.name for a in node.attribute] == ["plugin_version", "plugin_namespace"] + [
        a["name"] for a in plugin["attributes"]]
    assert attributes["plugin_version"].type == AttributeProto.STRING
    assert attributes["plugin_version"].s == plugin["version"].encode()
    assert attributes["plugin_namespace"].type == AttributeProto.STRING
    assert attributes["plugin_namespace"].s == namespace.encode()
    for field in plugin["attributes"]:
        attribute = attributes[field["name"]]
        assert attribute.type == ONNX_TYPE[field["kind"]], field["name"]
        value = (values or {}).get(field["name"], field["default"])
        assert helper.get_attribute_value(attribute) == expected_value(field["kind"], value), field["name"]
    combination = combination or plugin["dtype_combinations"][0]
    n_in = len(plugin["inputs"])
    assert [i.name for i in model.graph.input] == [t["name"] for t in plugin["inputs"]]
    assert [o.name for o in model.graph.output] == [o["name"] for o in plugin["outputs"]]
    assert [i.type.tensor_type.elem_type for i in model.graph.input] == [ELEM_TYPE[d] for d in combination[:n_in]]
    assert [o.type.tensor_type.elem_type for o in model.graph.output] == [ELEM_TYPE[d] for d in combination[n_in:]]
    for graph_input, declared in zip(model.graph.input, plugin["inputs"]):
        if declared["rank"] is not None:
            assert len(graph_input.type.tensor_type.shape.dim) == declared["rank"]
    return model


def class_description(spec) -> dict:
    """The same description, from a declared class (what the library info is made from)."""
    return {"name": spec.name, "version": spec.version,
            "attributes": [{"name": a.name, "kind": a.kind, "default": a.default} for a in spec.attrs],
            "inputs": [{"name": t.name, "rank": t.rank} for t in spec.inputs],
            "outputs": [{"name": o.name} for o in spec.outputs],
            "dtype_combinations": [list(c) for c in spec.combinations]}


# ------------------------------------------------------------------------------------ from classes
def test_trtplug_onnx_writes_a_checked_model_per_plugin_and_dtype_combination_from_plugin_files(tmp_path, capsys):
    from trtplug.loader import load_targets

    specs, _ = load_targets(V3_FILES)
    assert cli_main(["onnx", *V3_FILES, "-o", str(tmp_path), "--all-dtypes", "--namespace", "acme", "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert sorted((w["plugin"], tuple(w["dtypes"])) for w in written) == sorted(
        (s.name, tuple(c)) for s in specs for c in s.combinations)
    by_name = {s.name: s for s in specs}
    for w in written:
        check_plugin_model(Path(w["model"]), class_description(by_name[w["plugin"]]), "acme", w["dtypes"])
    shapes = {w["plugin"]: w for w in written}
    # The first test shapes and the traced output shapes of the class: UpsampleNearest doubles H and W.
    upsample = onnx.load(shapes["UpsampleNearest"]["model"]).graph
    dims = lambda v: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]  # noqa: E731
    h, w = dims(upsample.input[0])[2:]
    assert dims(upsample.output[0])[2:] == [2 * h, 2 * w]
    # A data-dependent extent is a named dim, not the upper bound.
    kept = onnx.load(shapes["KeepAboveThreshold"]["model"]).graph.output[0]
    assert isinstance(dims(kept)[0], str)


def test_the_commands_load_the_library_and_name_the_model(tmp_path, capsys):
    target = str(ROOT / "kernels" / "scaled_add.py")
    assert cli_main(["onnx", target, "-o", str(tmp_path), "--all-dtypes"]) == 0
    out = capsys.readouterr().out
    library = tmp_path / "libscaled_add_plugins.so"
    assert f"trtexec --onnx={tmp_path / 'ScaledAdd.onnx'} --staticPlugins={library}\n" in out
    assert f"polygraphy run {tmp_path / 'ScaledAdd.onnx'} --trt --plugins {library}\n" in out
    assert f"--onnx={tmp_path / 'ScaledAdd.float16_float16.onnx'} --staticPlugins={library} --fp16" in out


def test_a_plugin_named_like_a_standard_onnx_op_is_reported(tmp_path, capsys):
    assert cli_main(["onnx", str(ROOT / "kernels" / "mish.py"), str(ROOT / "kernels" / "scaled_add.py"),
                     "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "warning: plugin 'Mish' has the name of the standard ONNX operator Mish" in out
    assert "ScaledAdd" in out and "operator ScaledAdd" not in out


def test_shapes_from_the_command_line(tmp_path, capsys):
    assert cli_main(["onnx", str(ROOT / "kernels" / "scaled_add.py"), "-o", str(tmp_path),
                     "--shape", "ScaledAdd=2,4,6,8:1,4,1,1"]) == 0
    graph = onnx.load(str(tmp_path / "ScaledAdd.onnx")).graph
    assert [[d.dim_value for d in v.type.tensor_type.shape.dim] for v in graph.input] == [[2, 4, 6, 8], [1, 4, 1, 1]]
    assert [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == [2, 4, 6, 8]


@pytest.mark.parametrize("argv, message", [
    (["--shape", "ScaledAdd=1,2,3"], "ScaledAdd (version 1): expected 2 input shapes, got 1"),
    (["--shape", "ScaledAdd=1,4,6,8:1,3,1,1"], "b's C dim must be 1 or equal to x's"),
    (["--shape", "Nope=1,2"], "--shape given for 'Nope', which is not a plugin here"),
    (["--plugin", "Nope"], "no plugin 'Nope'"),
])
def test_bad_command_lines_end_in_one_error_line(tmp_path, capsys, argv, message):
    assert cli_main(["onnx", str(ROOT / "kernels" / "scaled_add.py"), "-o", str(tmp_path), *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trtplug onnx: error: ") and message in err, err
    assert "Traceback" not in err


def test_plugin_node_checks_values_names_and_tensor_counts():
    from trtplug.onnx import plugin_node, signatures_from

    (sig,) = signatures_from([str(ROOT / "tests" / "plugins" / "every_field_kind.py")], "ns")
    node = plugin_node(sig, ["a"], ["b"], {"count": 7, "mode": "nearest", "weights": [0.5], "enabled": False})
    values = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    assert values["count"] == 7 and values["mode"] == b"nearest" and values["weights"] == [0.5]
    assert values["enabled"] == 0 and values["plugin_namespace"] == b"ns"
    with pytest.raises(DefinitionError, match=r"EveryFieldKind.count: .*100"):
        plugin_node(sig, ["a"], ["b"], {"count": 101})
    with pytest.raises(DefinitionError, match=r"'linear' is not one of"):
        plugin_node(sig, ["a"], ["b"], {"mode": "linear"})
    with pytest.raises(DefinitionError, match=r"no attribute 'colour' \(its attributes: count, scale"):
        plugin_node(sig, ["a"], ["b"], {"colour": 1})
    with pytest.raises(DefinitionError, match=r"expected 1 inputs \(x\), got \['a', 'b'\]"):
        plugin_node(sig, ["a", "b"], ["c"])


def test_a_plugin_class_object_gives_the_same_node_as_its_file():
    from trtplug.loader import load_targets
    from trtplug.onnx import plugin_node, signatures_from

    path = str(ROOT / "tests" / "plugins" / "every_field_kind.py")
    (spec,), _ = load_targets([path])
    (from_class,) = signatures_from([spec.plugin_class], "acme")
    (from_file,) = signatures_from([path], "acme")
    assert plugin_node(from_class, ["x"], ["y"]).SerializeToString() == plugin_node(from_file, ["x"], ["y"]).SerializeToString()


def test_a_plugin_node_inside_a_larger_graph_passes_the_checker():
    from trtplug.onnx import opset_imports, plugin_node, signatures_from

    (sig,) = signatures_from([str(ROOT / "kernels" / "scaled_add.py")])
    relu = helper.make_node("Relu", ["x"], ["r"])
    node = plugin_node(sig, ["r", "bias"], ["y"], {"alpha": 2.0})
    graph = helper.make_graph([relu, node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3]),
                               helper.make_tensor_value_info("bias", TensorProto.FLOAT, [1, 2, 1, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 3, 3])])
    model = helper.make_model(graph, opset_imports=opset_imports())
    onnx.checker.check_model(model, full_check=True)


def test_library_info_that_is_not_trtplug_is_refused(tmp_path, capsys):
    bad = tmp_path / "libx.json"
    bad.write_text('{"library": "x"}')
    assert cli_main(["onnx", str(bad), "-o", str(tmp_path / "m")]) == 1
    assert "not a trtplug library description" in capsys.readouterr().err
    bad.write_text('{"plugins": [{"name": "A"}]}')
    assert cli_main(["onnx", str(bad), "-o", str(tmp_path / "m")]) == 1
    assert "plugin 'A': not a trtplug plugin description" in capsys.readouterr().err


# ------------------------------------------------------------------------------ from built libraries
@pytest.fixture(scope="module")
def libraries(tmp_path_factory):
    """Every plugin of kernels/, the examples and every_field_kind.py in a V2 and a V3 library
    (TensorRT 10 headers, sm_90 cubins only)."""
    from trtplug.pipeline import CompileOptions, compile_library

    headers = HEADERS.get(10)
    if headers is None:
        pytest.skip("no TensorRT 10 headers (see docs/tensorrt.md to fetch them)")
    built = {}
    for interface, files in (("v2", V2_FILES), ("v3", V3_FILES)):
        out = tmp_path_factory.mktemp(f"onnx_{interface}")
        result = compile_library(files, CompileOptions(output_dir=out, library_name=f"every_{interface}", archs=[90],
                                                       tensorrt_include=headers.include_dir, interface=interface,
                                                       plugin_namespace="acme", progress=None))
        built[interface] = result.library
    return built


@pytest.mark.trt_headers
@pytest.mark.parametrize("interface", ["v2", "v3"])
@pytest.mark.parametrize("source", ["so", "json", "inspect"])
def test_models_from_a_built_library_carry_its_fields(libraries, interface, source, tmp_path, capsys):
    from trtplug.runtime import Library

    library = libraries[interface]
    info = Library(library).info                       # what the .so itself reports through its C API
    assert info["tensorrt_interface"] == interface
    target = library if source == "so" else library.parent / f"every_{interface}.json"
    lib_option = []
    if source == "inspect":   # `trtplug inspect --json` output saved to a file
        assert cli_main(["inspect", "--json", str(library)]) == 0
        target = tmp_path / "inspected.json"
        target.write_text(capsys.readouterr().out)
        lib_option = ["--lib", str(library)]
    assert cli_main(["onnx", str(target), "-o", str(tmp_path), "--all-dtypes", "--json", *lib_option]) == 0
    written = json.loads(capsys.readouterr().out)
    assert sorted((w["plugin"], tuple(w["dtypes"])) for w in written) == sorted(
        (p["name"], tuple(c)) for p in info["plugins"] for c in p["dtype_combinations"])
    plugins = {p["name"]: p for p in info["plugins"]}
    for w in written:
        check_plugin_model(Path(w["model"]), plugins[w["plugin"]], "acme", w["dtypes"])
        assert all(f"{library}" in c for c in w["commands"])  # the .so beside <name>.json
    # The test shapes recorded in the library give the model's inputs.
    graph = onnx.load(str(tmp_path / "SigmoidDecode.onnx")).graph
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == [1, 7, 64]
    if source == "so":  # the library computed the output shape
        assert [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == [1, 7, 64]


@pytest.mark.trt_headers
def test_every_field_kind_from_the_library_matches_the_class(libraries, tmp_path):
    from trtplug.onnx import plugin_node, signatures_from

    from_library = {s.name: s for s in signatures_from([libraries["v3"]])}["EveryFieldKind"]
    from_class = signatures_from([str(ROOT / "tests" / "plugins" / "every_field_kind.py")], "acme")[0]
    values = {"count": 9, "scale": 0.25, "enabled": False, "mode": "nearest", "pads": [4, 5, 6], "weights": [],
              "empty": [1, 2]}
    a = plugin_node(from_library, ["x"], ["y"], values)
    b = plugin_node(from_class, ["x"], ["y"], values)
    assert a.SerializeToString() == b.SerializeToString()
