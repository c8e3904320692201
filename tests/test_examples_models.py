"""The model examples: a custom activation inside an ONNX network (examples/squareplus), the
classifier and instance-segmentation parsers (examples/classifier_parser, instance_segmentation)
and the Triton repository (examples/triton). Every step that runs without a GPU runs here: the
models are written, checked and run on the CPU with ONNX's reference evaluator; the libraries are
built against real TensorRT headers; configs are written and checked; the parsers run in the nvinfer
emulation on the models' own outputs; the Triton repository is written and checked."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the examples need the onnx package (pip install trtplug[onnx])")
from onnx import helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402
from onnx.reference.op_run import OpRun  # noqa: E402

from trtplug.cli import main as cli_main  # noqa: E402
from trtplug.native.tensorrt_headers import find_all_tensorrt_includes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HEADERS = {h.major: h for h in find_all_tensorrt_includes()}
needs_headers = [pytest.mark.trt_headers,
                 pytest.mark.skipif(10 not in HEADERS, reason="no TensorRT 10 headers (see docs/tensorrt.md)")]


def run_script(script: Path, *args) -> None:
    subprocess.run([sys.executable, str(script), *map(str, args)], check=True, capture_output=True, cwd=script.parent)


def compile_example(source: Path, out: Path) -> Path:
    assert cli_main(["compile", str(source), "-o", str(out), "--arch", "90", "-q",
                     "--tensorrt-include", str(HEADERS[10].include_dir)]) == 0
    (library,) = out.glob("lib*.so")
    return library


def rng_image(shape):
    return np.random.default_rng(7).random(shape).astype(np.float32)


# ------------------------------------------------------------------------- custom activation
def squareplus_op():
    from trtplug.loader import load_targets

    (spec,), _ = load_targets([str(EXAMPLES / "squareplus" / "squareplus.py")])

    class Squareplus(OpRun):
        op_domain = "trtplug"

        def _run(self, x, plugin_version=None, plugin_namespace=None, b=None):
            return (spec.plugin_class(b=float(b)).reference(x),)  # the plugin's own numpy reference

    return Squareplus


def with_standard_ops(model):
    """The same network with each Squareplus node spelled in standard ONNX operators."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    nodes = []
    for node in model.graph.node:
        if node.op_type != "Squareplus":
            nodes.append(node)
            continue
        b = next(a.f for a in node.attribute if a.name == "b")
        x, y, p = node.input[0], node.output[0], node.name
        model.graph.initializer.extend([onnx.numpy_helper.from_array(np.array(b, np.float32), f"{p}_b"),
                                        onnx.numpy_helper.from_array(np.array(0.5, np.float32), f"{p}_half")])
        nodes += [helper.make_node("Mul", [x, x], [f"{p}_sq"]), helper.make_node("Add", [f"{p}_sq", f"{p}_b"], [f"{p}_s"]),
                  helper.make_node("Sqrt", [f"{p}_s"], [f"{p}_r"]), helper.make_node("Add", [x, f"{p}_r"], [f"{p}_t"]),
                  helper.make_node("Mul", [f"{p}_t", f"{p}_half"], [y])]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def test_activation_network_runs_with_the_plugin_nodes_as_the_plugin_computes_them(tmp_path):
    run_script(EXAMPLES / "squareplus" / "make_model.py", tmp_path / "net.onnx")
    model = onnx.load(str(tmp_path / "net.onnx"))
    onnx.checker.check_model(model, full_check=True)
    plugin_nodes = [n for n in model.graph.node if n.op_type == "Squareplus"]
    assert [{a.name: helper.get_attribute_value(a) for a in n.attribute} for n in plugin_nodes] == [
        {"plugin_version": b"1", "plugin_namespace": b"", "b": 4.0}, {"plugin_version": b"1", "plugin_namespace": b"", "b": 1.0}]
    assert [n.op_type for n in model.graph.node].index("Conv") < [n.op_type for n in model.graph.node].index("Squareplus")
    image = rng_image((1, 3, 32, 32))
    (probs,) = ReferenceEvaluator(model, new_ops=[squareplus_op()]).run(None, {"image": image})
    (expected,) = ReferenceEvaluator(with_standard_ops(model)).run(None, {"image": image})
    assert probs.shape == (1, 4) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def squareplus_build(tmp_path_factory):
    if 10 not in HEADERS:
        pytest.skip("no TensorRT 10 headers (see docs/tensorrt.md)")
    out = tmp_path_factory.mktemp("squareplus")
    library = compile_example(EXAMPLES / "squareplus" / "squareplus.py", out / "build")
    run_script(EXAMPLES / "squareplus" / "make_model.py", out / "squareplus_net.onnx", "--plugin",
               out / "build" / "squareplus_plugins.json")
    return out, library


@pytest.mark.trt_headers
def test_activation_example_library_test_model_commands_and_nvinfer_config(squareplus_build, tmp_path, capsys):
    out, library = squareplus_build
    from_json = onnx.load(str(out / "squareplus_net.onnx"))
    run_script(EXAMPLES / "squareplus" / "make_model.py", tmp_path / "from_class.onnx")
    assert onnx.load(str(tmp_path / "from_class.onnx")).SerializeToString() == from_json.SerializeToString()

    assert cli_main(["onnx", str(library), "-o", str(tmp_path / "models")]) == 0
    printed = capsys.readouterr().out
    test_model = tmp_path / "models" / "Squareplus.onnx"
    onnx.checker.check_model(onnx.load(str(test_model)), full_check=True)
    assert f"trtexec --onnx={test_model} --staticPlugins={library}\n" in printed
    assert f"polygraphy run {test_model} --trt --plugins {library}\n" in printed
    assert "warning" not in printed   # a name of its own: the parser hands the node to the plugin

    config = tmp_path / "config_infer.txt"
    assert cli_main(["deepstream", "config", "-o", str(config), "--lib", str(library), "--onnx",
                     str(out / "squareplus_net.onnx"), "--network-type", "classifier", "--infer-dims", "3,32,32"]) == 0
    capsys.readouterr()
    assert cli_main(["deepstream", "check", str(config)]) == 0
    assert "Squareplus (version 1)" in capsys.readouterr().out


# ----------------------------------------------------------------------------------- Triton
@pytest.mark.trt_headers
def test_triton_repository_for_the_activation_network(squareplus_build, tmp_path, capsys):
    out, library = squareplus_build
    repo = tmp_path / "model_repository"
    assert cli_main(["triton", "repo", "-o", str(repo), "--name", "squareplus_net", "--onnx",
                     str(out / "squareplus_net.onnx"), "--lib", str(library)]) == 0
    printed = capsys.readouterr().out
    model = repo / "squareplus_net"
    copied = model / "plugins" / library.name
    assert (model / "1" / "model.onnx").is_file() and copied.is_file()
    assert (f'tritonserver --model-repository={repo} --backend-config=tensorrt,plugins="{copied}"') in printed
    assert f"--staticPlugins={copied} --saveEngine={model / '1' / 'model.plan'}" in printed
    config = (model / "config.pbtxt").read_text()
    assert 'platform: "tensorrt_plan"' in config and 'name: "probs"' in config and "TYPE_FP32" in config

    assert cli_main(["triton", "check", str(repo), "--before-build"]) == 0
    assert "1 TensorRT model(s) checked, 0 error(s)" in capsys.readouterr().out
    assert cli_main(["triton", "check", str(repo)]) == 1          # the plan is built on the GPU machine
    assert "model.plan: error: missing" in capsys.readouterr().out
    (model / "1" / "model.plan").write_bytes(b"stands in for the engine")
    assert cli_main(["triton", "check", str(repo), "--plugins", str(copied)]) == 0
    capsys.readouterr()

    # What the check catches.
    assert cli_main(["triton", "check", str(repo), "--plugins", str(tmp_path / "nowhere.so")]) == 1
    err = capsys.readouterr().out
    assert "nowhere.so: error: no such library" in err
    assert "plugin Squareplus (version 1, namespace '') is in no library the server loads" in err
    (model / "config.pbtxt").write_text(config.replace("TYPE_FP32", "TYPE_FP16", 1))
    assert cli_main(["triton", "check", str(repo), "-q"]) == 1
    assert "input 'image': config.pbtxt says TYPE_FP16, the graph TYPE_FP32" in capsys.readouterr().out
    (model / "config.pbtxt").write_text('name: "squareplus_net"\nmax_batch_size: "x"\n')
    assert cli_main(["triton", "check", str(repo), "-q"]) == 1
    assert "config.pbtxt: error: 2:17 : 'max_batch_size: \"x\"': Couldn't parse integer" in capsys.readouterr().out
    (model / "config.pbtxt").write_text(config)
    source = onnx.load(str(model / "1" / "model.onnx"))
    original = source.SerializeToString()
    source.graph.node.insert(1, helper.make_node("Cast", ["conv1"], ["conv1_int"], to=onnx.TensorProto.INT32))
    source.graph.node[2].input[0] = "conv1_int"        # the plugin takes float32 or float16 only
    onnx.save(source, str(model / "1" / "model.onnx"))
    assert cli_main(["triton", "check", str(repo), "-q"]) == 1
    assert "tensor dtypes (x: int32) are no dtype combination of Squareplus (version 1)" in capsys.readouterr().out
    source = onnx.ModelProto.FromString(original)
    next(a for a in source.graph.node[1].attribute if a.name == "b").f = -1.0
    onnx.save(source, str(model / "1" / "model.onnx"))
    assert cli_main(["triton", "check", str(repo), "-q"]) == 1
    assert "Squareplus.b: -1.0 is below the minimum" in capsys.readouterr().out


# ---------------------------------------------------------------------------- classifier parser
def test_classifier_example_model(tmp_path):
    run_script(EXAMPLES / "classifier_parser" / "make_model.py", tmp_path / "va.onnx")
    model = onnx.load(str(tmp_path / "va.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [o.name for o in model.graph.output] == ["color", "type"]


def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


@pytest.mark.trt_headers
@pytest.mark.skipif(10 not in HEADERS, reason="no TensorRT 10 headers (see docs/tensorrt.md)")
def test_classifier_example_parses_the_models_outputs_in_the_nvinfer_emulation(tmp_path, capsys):
    import trtplug.deepstream as tds

    example = EXAMPLES / "classifier_parser"
    run_script(example / "make_model.py", tmp_path / "vehicle_attributes.onnx")
    library = compile_example(example / "vehicle_attributes.py", tmp_path / "build")
    config = tmp_path / "build" / "config_infer.txt"
    assert cli_main(["deepstream", "config", "-o", str(config), "--lib", str(library), "--onnx",
                     str(tmp_path / "vehicle_attributes.onnx"), "--network-type", "classifier", "--process-mode",
                     "secondary", "--gie-unique-id", "2", "--classifier-func", "NvDsInferParseVehicleAttributes",
                     "--infer-dims", "3,64,64"]) == 0
    assert cli_main(["deepstream", "check", str(config)]) == 0
    capsys.readouterr()
    model = onnx.load(str(tmp_path / "vehicle_attributes.onnx"))
    sys.path.insert(0, str(example))
    try:
        from vehicle_attributes import COLORS, TYPES
    finally:
        sys.path.remove(str(example))
    seen = set()
    for seed in range(6):
        crop = np.random.default_rng(seed).random((1, 3, 64, 64)).astype(np.float32)
        color, kind = ReferenceEvaluator(model).run(None, {"crop": crop})
        result = tds.emulate_config(config, {"color": color[0], "type": kind[0]})
        assert result.ok, result.stderr
        expected = []
        for head, (logits, labels, threshold) in enumerate(((color[0], COLORS, 0.5), (kind[0], TYPES, 0.6))):
            p = softmax(logits.astype(np.float64))
            if p.max() >= threshold:
                expected.append((head, int(p.argmax()), labels[int(p.argmax())]))
        assert [(a["index"], a["value"], a["label"]) for a in result.attributes] == expected
        seen.add(len(expected))
    assert seen - {0}, "no crop gave an attribute: the check above compared nothing"


# ----------------------------------------------------------------------- instance segmentation
@pytest.mark.trt_headers
@pytest.mark.skipif(10 not in HEADERS, reason="no TensorRT 10 headers (see docs/tensorrt.md)")
def test_instance_segmentation_example_parses_the_models_outputs(tmp_path, capsys):
    import trtplug.deepstream as tds

    example = EXAMPLES / "instance_segmentation"
    run_script(example / "make_model.py", tmp_path / "mask_head.onnx")
    model = onnx.load(str(tmp_path / "mask_head.onnx"))
    onnx.checker.check_model(model, full_check=True)
    library = compile_example(example / "mask_head.py", tmp_path / "build")
    config = tmp_path / "build" / "config_infer.txt"
    assert cli_main(["deepstream", "config", "-o", str(config), "--lib", str(library), "--onnx",
                     str(tmp_path / "mask_head.onnx"), "--network-type", "instance-segmentation",
                     "--instance-mask-func", "NvDsInferParseMaskHead", "--num-classes", "2",
                     "--infer-dims", "3,64,64"]) == 0
    assert cli_main(["deepstream", "check", str(config)]) == 0
    capsys.readouterr()
    image = rng_image((1, 3, 64, 64))
    names = [o.name for o in model.graph.output]
    outputs = dict(zip(names, ReferenceEvaluator(model).run(None, {"image": image})))
    result = tds.emulate_config(config, outputs)
    assert result.ok and not result.problems, result.stderr
    keep = [k for k in range(4) if outputs["scores"][k] >= 0.25]   # the config's pre-cluster-threshold
    assert keep, "no detection above the threshold: the comparison below would be empty"
    assert [o["classId"] for o in result.objects] == [int(outputs["classes"][k]) for k in keep]
    for obj, k in zip(result.objects, keep):
        cx, cy, w, h = outputs["boxes"][k].astype(np.float64)
        left, top = max(cx - w / 2, 0.0), max(cy - h / 2, 0.0)
        right, bottom = min(cx + w / 2, 63.0), min(cy + h / 2, 63.0)
        assert (obj["left"], obj["top"]) == pytest.approx((left, top), abs=1e-3)
        assert (obj["width"], obj["height"]) == pytest.approx((right - left, bottom - top), abs=1e-3)
        assert (obj["mask_width"], obj["mask_height"]) == (16, 16)
        np.testing.assert_allclose(obj["mask"], 1 / (1 + np.exp(-outputs["masks"][k])), rtol=1e-5)
