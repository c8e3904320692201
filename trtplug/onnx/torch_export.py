"""PyTorch ops for trtplug plugins, exported to ONNX as the plugin's node.

    import trtplug.onnx.torch_export as tpt
    mish = tpt.plugin_op("build/libmish_plugins.so", "Mish")   # or a TrtPlugin class, or <name>.json
    class Net(torch.nn.Module):
        def forward(self, x):
            return mish(self.conv(x))                       # or torch.ops.trtplug.Mish(x)
    torch.onnx.export(Net(), (x,), "net.onnx")              # the graph holds a node "Mish" (domain trtplug)

`plugin_op` defines `torch.ops.trtplug.<Name>` (torch.library) with one tensor argument per plugin
input and one keyword argument per attribute. Its kernel is CompositeImplicitAutograd, so while
`torch.onnx.export` traces the model (dynamo, the default since PyTorch 2.9) it becomes a
`torch.onnx.ops.symbolic` node carrying `plugin_version`, `plugin_namespace` and every field, typed as
TensorRT's parser expects (trtplug.onnx.fields); the output shapes come from the plugin's shape rule.
Run eagerly, it computes the plugin's numpy `reference` on the CPU (when built from a class that has
one); no Python plugin code runs in TensorRT. Needs PyTorch >= 2.8 (torch.onnx.ops).
"""
from __future__ import annotations

import numpy as np

from ..errors import DefinitionError
from .fields import NAMESPACE_ATTRIBUTE, VERSION_ATTRIBUTE
from .node import DOMAIN, DOMAIN_VERSION
from .signature import PluginSignature, signatures_from

TORCH_NAMESPACE = "trtplug"
SCHEMA_TYPES = {"int": "int", "bool": "bool", "float": "float", "string": "str", "int_list": "int[]",
                "float_list": "float[]"}

_libraries: dict = {}   # torch.library.Library per namespace, kept alive: dropping it removes the ops
_ops: dict[str, "PluginOp"] = {}


class PluginOp:
    """A plugin as a PyTorch op: call it with the plugin's input tensors and attribute keywords."""

    def __init__(self, signature: PluginSignature, reference=None):
        self.signature = signature
        self.reference = reference
        self.op_name = _op_name(signature)
        self.torch_op = _define(self)

    def __call__(self, *tensors, **attributes):
        return self.torch_op(*tensors, **self.attribute_values(attributes))

    def attribute_values(self, given: dict) -> dict:
        """Every attribute, `given` values (checked against the declaration) over the defaults."""
        sig = self.signature
        values = {}
        for attr in sig.attributes:
            value = given.pop(attr.name, attr.default)
            attr.check_value(value, f"{sig.name}.{attr.name}")
            values[attr.name] = list(value) if attr.is_list else value
        if given:
            raise DefinitionError(f"{sig.label}: no attribute {', '.join(map(repr, sorted(given)))} "
                                  f"(its attributes: {', '.join(a.name for a in sig.attributes) or 'none'})")
        return values

    # -- the kernel: ONNX node while exporting, the numpy reference otherwise ---------------------
    def _composite(self, *args):
        import torch

        sig = self.signature
        tensors = args[:len(sig.inputs)]
        values = dict(zip((a.name for a in sig.attributes), args[len(sig.inputs):]))
        if torch.onnx.is_in_onnx_export():
            return self._symbolic(tensors, values)
        return self._run_reference(tensors, values)

    def _symbolic(self, tensors, values):
        import torch

        sig = self.signature
        attrs = {VERSION_ATTRIBUTE: sig.version, NAMESPACE_ATTRIBUTE: sig.namespace}
        for attr in sig.attributes:
            value = values[attr.name]
            if attr.is_list and len(value) == 0:
                # torch.onnx.ops cannot type an empty list; leaving the attribute out lets the
                # creator's default apply, which is only right when that default is empty too.
                if len(attr.default):
                    raise DefinitionError(f"{sig.label}.{attr.name}: an empty list cannot be exported through "
                                          "torch.onnx.ops (its type is unknown); write the node with "
                                          "trtplug.onnx.plugin_node instead")
                continue
            if attr.kind == "bool":
                value = int(value)
            elif attr.kind == "float":
                value = float(value)
            elif attr.kind == "float_list":
                value = [float(v) for v in value]
            attrs[attr.name] = value
        dtypes, shapes = self._output_types(tensors, values)
        name = f"{DOMAIN}::{sig.name}"
        if len(sig.outputs) == 1:
            return torch.onnx.ops.symbolic(name, tensors, attrs, dtype=dtypes[0], shape=shapes[0],
                                           version=DOMAIN_VERSION)
        return tuple(torch.onnx.ops.symbolic_multi_out(name, tensors, attrs, dtypes=dtypes, shapes=shapes,
                                                       version=DOMAIN_VERSION))

    def _output_types(self, tensors, values):
        from .model import ONNX_DTYPES

        sig = self.signature
        in_dtypes = tuple(_dtype_name(t.dtype) for t in tensors)
        combo = next((c for c in sig.combinations if tuple(c[:len(sig.inputs)]) == in_dtypes), None)
        if combo is None:
            raise DefinitionError(f"{sig.label}: inputs of dtypes {list(in_dtypes)} are not a combination it "
                                  f"supports ({[list(c[:len(sig.inputs)]) for c in sig.combinations]})")
        shapes = [tuple(int(d) for d in t.shape) for t in tensors]
        out_shapes = sig.output_shapes(shapes, values) if sig.output_shapes else None
        if out_shapes is None:  # from <name>.json: no shape rule, but an output `like` an input has its shape
            by_name = {t.name: s for t, s in zip(sig.inputs, shapes)}
            if any(o.like is None for o in sig.outputs):
                raise DefinitionError(f"{sig.label}: its output shapes cannot be computed here; build the op from "
                                      "the plugin class or the built .so (<name>.json holds no shape rule)")
            out_shapes = [by_name[o.like] for o in sig.outputs]
        for o, s in zip(sig.outputs, out_shapes):
            if any(isinstance(d, str) for d in s):
                raise DefinitionError(f"{sig.label}: output {o.name!r} has a data-dependent shape, which "
                                      "torch.onnx.ops cannot state; write the node with trtplug.onnx.plugin_node")
        return [ONNX_DTYPES[d] for d in combo[len(sig.inputs):]], [list(s) for s in out_shapes]

    def _run_reference(self, tensors, values):
        import torch

        sig = self.signature
        if self.reference is None:
            raise DefinitionError(f"{sig.label}: torch.ops.{TORCH_NAMESPACE}.{self.op_name} runs only inside "
                                  "torch.onnx.export here: it was made without a numpy reference (build it from "
                                  "the plugin class to run it eagerly)")
        arrays = [t.detach().cpu().numpy() for t in tensors]
        outputs = self.reference(values, arrays)
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        device = tensors[0].device if tensors else "cpu"
        results = [torch.from_numpy(np.ascontiguousarray(o)).to(device) for o in outputs]
        return results[0] if len(results) == 1 else tuple(results)


def plugin_op(source, name: str | None = None, *, namespace: str = "") -> PluginOp:
    """`torch.ops.trtplug.<Name>` for a plugin of `source`: a TrtPlugin class, a plugin file or module,
    a built library (.so) or its info (<name>.json). `name` picks one plugin where the source
    holds several. Defining the same plugin twice returns the first op."""
    signature, reference = _find(source, name, namespace)
    key = _op_name(signature)
    if key in _ops:
        existing = _ops[key]
        if existing.signature.attributes != signature.attributes or existing.signature.version != signature.version:
            raise DefinitionError(f"{signature.label}: torch.ops.{TORCH_NAMESPACE}.{key} already exists for another "
                                  f"declaration ({existing.signature.origin})")
        return existing
    op = PluginOp(signature, reference)
    _ops[key] = op
    return op


def _find(source, name, namespace):
    from ..declare.plugin import TrtPlugin

    if isinstance(source, type) and issubclass(source, TrtPlugin):
        spec = source.spec()
        from .signature import from_spec

        return from_spec(spec, namespace), _reference_runner(source)
    signatures = signatures_from([source], namespace)
    chosen = [s for s in signatures if name is None or s.name == name]
    if len(chosen) != 1:
        names = ", ".join(s.name for s in signatures) or "none"
        raise DefinitionError(f"{source}: " + (f"holds no plugin {name!r}" if not chosen else "holds several plugins; "
                              "pass name=") + f" (its plugins: {names})")
    reference = None
    if not str(source).endswith((".so", ".json")):
        from ..loader import load_targets

        specs, _ = load_targets([source])
        cls = next((s.plugin_class for s in specs if s.name == chosen[0].name), None)
        reference = _reference_runner(cls) if cls is not None else None
    return chosen[0], reference


def _reference_runner(cls):
    spec = cls.spec()
    if spec.reference is None:
        return None

    def run(values: dict, arrays):
        return cls(**values).reference(*arrays)
    return run


def _op_name(signature: PluginSignature) -> str:
    return signature.name if signature.version == "1" else f"{signature.name}_v{signature.version}"


def _schema(op: PluginOp) -> str:
    sig = op.signature
    args = [f"Tensor {t.name}" for t in sig.inputs]
    if sig.attributes:
        args.append("*")
        args += [f"{SCHEMA_TYPES[a.kind]} {a.name}" for a in sig.attributes]
    outputs = "Tensor" if len(sig.outputs) == 1 else "(" + ", ".join("Tensor" for _ in sig.outputs) + ")"
    return f"{op.op_name}({', '.join(args)}) -> {outputs}"


def _define(op: PluginOp):
    import torch

    library = _libraries.get(TORCH_NAMESPACE)
    if library is None:
        library = _libraries[TORCH_NAMESPACE] = torch.library.Library(TORCH_NAMESPACE, "FRAGMENT")
    library.define(_schema(op))
    names = [a.name for a in op.signature.attributes]

    def composite(*tensors, **attributes):
        return op._composite(*tensors, *(attributes[n] for n in names))

    library.impl(op.op_name, composite, "CompositeImplicitAutograd")
    return getattr(getattr(torch.ops, TORCH_NAMESPACE), op.op_name)


def _dtype_name(dtype) -> str:
    import torch

    names = {torch.float32: "float32", torch.float16: "float16", torch.int32: "int32", torch.int8: "int8",
             torch.bool: "bool"}
    if dtype not in names:
        raise DefinitionError(f"tensor dtype {dtype} has no trtplug counterpart (float32, float16, int32, int8, bool)")
    return names[dtype]
