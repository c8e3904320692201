"""The PyTorch export path (trtplug.onnx.torch_export): a model calling a plugin op exports, with
plain torch.onnx.export, to a graph whose plugin node carries the plugin's exact fields. Needs torch
(>= 2.8, for torch.onnx.ops) and onnxscript (torch's ONNX exporter); skips without them.

On the GPU machine (torch installed there):
    python -m pytest tests/test_onnx_torch.py tests/test_onnx.py -p no:xdist
"""
import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="needs the onnx package")
torch = pytest.importorskip("torch", reason="the PyTorch export path needs torch (not part of the test extra)")
pytest.importorskip("onnxscript", reason="torch.onnx.export needs onnxscript")
if not hasattr(torch.onnx, "ops"):
    pytest.skip(f"torch {torch.__version__} has no torch.onnx.ops (needs >= 2.8)", allow_module_level=True)

from onnx import AttributeProto, helper  # noqa: E402

from trtplug.errors import DefinitionError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def export(model, args, path: Path) -> onnx.ModelProto:
    model.eval()
    torch.onnx.export(model, args, str(path))
    exported = onnx.load(str(path))
    onnx.checker.check_model(exported)
    return exported


def plugin_nodes(model, op_type):
    return [n for n in model.graph.node if n.op_type == op_type]


def test_a_model_using_a_plugin_op_exports_the_plugin_node_between_real_layers(tmp_path):
    from trtplug.onnx.torch_export import plugin_op

    scaled_add = plugin_op(str(ROOT / "kernels" / "scaled_add.py"))

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x, bias):
            return torch.relu(scaled_add(self.conv(x), bias, alpha=-2.5))

    x, bias = torch.randn(1, 3, 8, 8), torch.randn(1, 4, 1, 1)
    net = Net()
    with torch.no_grad():  # eager: the plugin's numpy reference
        expected = torch.relu(net.conv(x) - 2.5 * bias)
        assert torch.allclose(net(x, bias), expected, atol=1e-5)
    model = export(net, (x, bias), tmp_path / "net.onnx")
    (node,) = plugin_nodes(model, "ScaledAdd")
    assert node.domain == "trtplug"
    attributes = {a.name: a for a in node.attribute}
    assert sorted(attributes) == ["alpha", "plugin_namespace", "plugin_version"]
    assert attributes["alpha"].type == AttributeProto.FLOAT and attributes["alpha"].f == -2.5
    assert attributes["plugin_version"].s == b"1" and attributes["plugin_namespace"].s == b""
    assert [n.op_type for n in model.graph.node].index("Conv") < [n.op_type for n in model.graph.node].index("ScaledAdd")


def test_every_field_kind_exports_with_the_type_the_parser_expects(tmp_path):
    from trtplug.onnx.torch_export import plugin_op

    op = plugin_op(str(ROOT / "tests" / "plugins" / "every_field_kind.py"), namespace="acme")

    class Net(torch.nn.Module):
        def forward(self, x):
            return op(x * 2, count=9, enabled=False, mode="nearest", weights=[3.0, 4.0], empty=[7]) + 1

    model = export(Net(), (torch.randn(3, 5),), tmp_path / "every.onnx")
    (node,) = plugin_nodes(model, "EveryFieldKind")
    got = {a.name: (a.type, helper.get_attribute_value(a)) for a in node.attribute}
    assert got == {
        "plugin_version": (AttributeProto.STRING, b"1"), "plugin_namespace": (AttributeProto.STRING, b"acme"),
        "count": (AttributeProto.INT, 9), "scale": (AttributeProto.FLOAT, pytest.approx(0.1)),
        "enabled": (AttributeProto.INT, 0), "mode": (AttributeProto.STRING, b"nearest"),
        "pads": (AttributeProto.INTS, [1, -2, 3]), "weights": (AttributeProto.FLOATS, [3.0, 4.0]),
        "empty": (AttributeProto.INTS, [7])}


def test_an_op_from_a_plugin_class_object(tmp_path):
    from trtplug.loader import load_targets
    from trtplug.onnx.torch_export import plugin_op

    (spec,), _ = load_targets([str(ROOT / "examples" / "yolo_deepstream" / "yolo_deepstream.py")])
    decode = plugin_op(spec.plugin_class)

    class Net(torch.nn.Module):
        def forward(self, raw):
            return decode(raw, stride=16.0)

    model = export(Net(), (torch.randn(1, 7, 64),), tmp_path / "decode.onnx")
    (node,) = plugin_nodes(model, "SigmoidDecode")
    assert {a.name: helper.get_attribute_value(a) for a in node.attribute}["stride"] == 16.0


def test_an_op_from_library_info_exports_without_the_plugin_class(tmp_path):
    """<name>.json is all the exporting machine needs (no Numba): made here the way `trtplug
    compile` makes it, without building."""
    from trtplug.loader import load_targets
    from trtplug.onnx.torch_export import plugin_op
    from trtplug.pipeline import library_info
    from trtplug.trace.tracer import trace

    specs, _ = load_targets([str(ROOT / "examples" / "l2norm" / "l2norm.py")])
    info = library_info([trace(s) for s in specs], {}, "l2norm_plugins", "", None)
    path = tmp_path / "l2norm_plugins.json"
    path.write_text(json.dumps(info))
    l2norm = plugin_op(str(path), "L2Normalize")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(16, 32)

        def forward(self, x):
            return l2norm(self.linear(x))

    model = export(Net(), (torch.randn(4, 16),), tmp_path / "l2.onnx")
    (node,) = plugin_nodes(model, "L2Normalize")
    assert [a.name for a in node.attribute][:2] == ["plugin_version", "plugin_namespace"]
    with pytest.raises(DefinitionError, match="without a numpy reference"):
        l2norm(torch.randn(4, 32))  # eager needs the class's reference


def test_bad_attributes_and_dtypes_are_reported():
    from trtplug.onnx.torch_export import plugin_op

    op = plugin_op(str(ROOT / "tests" / "plugins" / "every_field_kind.py"), namespace="acme")
    with pytest.raises(DefinitionError, match=r"EveryFieldKind.count: 101 is above the maximum 100"):
        op(torch.zeros(2, 2), count=101)
    with pytest.raises(DefinitionError, match=r"no attribute 'colour'"):
        op(torch.zeros(2, 2), colour=1)
    x = torch.zeros(2, 2)
    assert np.allclose(op(x + 1).numpy(), 0.1)


def test_a_plugin_with_two_outputs_exports_one_node_with_both(tmp_path):
    import trtplug as tp
    from fake_kernel import FakeKernel
    from trtplug.onnx.torch_export import plugin_op

    class MinMaxPool(tp.TrtPlugin):
        """Per row: the minimum and the maximum (int32 rows stay int32)."""
        inputs = [tp.Input("x", dtypes=("float32", "int32"), rank=2)]
        outputs = [tp.Output("low", dtype_like="x", rank=1), tp.Output("high", dtype_like="x", rank=1)]
        scale = tp.Attr.int(1, min=1)

        def output_shapes(self, x):
            return [(x.shape[0],), (x.shape[0],)]

        def enqueue(self, x, low, high):
            tp.launch(FakeKernel(), grid=1, block=1)(x, low, high)

        def reference(self, x):
            return x.min(axis=1) * self.scale, x.max(axis=1) * self.scale

    op = plugin_op(MinMaxPool)

    class Net(torch.nn.Module):
        def forward(self, x):
            low, high = op(x.to(torch.int32), scale=3)
            return high - low

    x = torch.tensor([[1.0, 5.0, 2.0], [-4.0, 0.0, 4.0]])
    assert Net()(x).tolist() == [12, 24]           # eager: the class's numpy reference
    model = export(Net(), (x,), tmp_path / "minmax.onnx")
    (node,) = plugin_nodes(model, "MinMaxPool")
    assert len(node.output) == 2 and node.input[0] != "x"
    assert {a.name: helper.get_attribute_value(a) for a in node.attribute}["scale"] == 3
    class Half(torch.nn.Module):
        def forward(self, x):
            return op(x.half())[0]

    with pytest.raises(Exception) as failed:   # the exporter wraps the plugin's error in its own
        torch.onnx.export(Half().eval(), (x,), str(tmp_path / "half.onnx"))
    chain, error = [], failed.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert any("MinMaxPool (version 1): inputs of dtypes ['float16'] are not a combination it supports" in text
               for text in chain), chain
