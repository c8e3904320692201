"""Engine creation for Gst-nvinfer from a network recipe, and the rest of what nvinfer can ask of a
custom library (plugin-factory entry points, input-layer initialization), rendered into C++.

A recipe edits the network TensorRT's ONNX parser builds from ``onnx-file``: it appends plugins
(the library's own, or any in TensorRT's plugin registry) to named tensors, names their outputs,
and marks or unmarks network outputs::

    import trtplug.deepstream as tds

    recipe = [
        tds.AppendPlugin("YoloDecode", version="1", inputs=["output0"], outputs=["boxes", "scores"],
                         attrs={"num_classes": 80, "conf": 0.25}),
        tds.UnmarkOutput("output0"),
        tds.MarkOutput("boxes"), tds.MarkOutput("scores"),
    ]
    engine = tds.EngineCreate("NvDsInferYoloEngine", recipe)      # engine-create-func-name=...
    parser = tds.ModelParser(recipe, name="yolo")                  # opt-in: exports NvDsInferCreateModelParser

    srcs = tds.render_entry_point_sources([engine, inputs], deepstream_version="9.1", tensorrt_major=10,
                                    out_dir="build/ds")
    # srcs.sources, srcs.include_dirs, srcs.defines go into the library's compile job

Exporting ``NvDsInferCreateModelParser`` makes nvinfer use it even when ``onnx-file`` is set, so it
is generated only when a ModelParser is declared.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Sequence

from ..errors import DefinitionError
from ..native.literals import c_string
from .cpp import c_comment
from .input_layers import InputLayers
from .parsers import _layer, check_func_name

# nvinfer1::PluginFieldType values (the same in TensorRT 7.2 to 11.x)
FIELD_FLOAT32, FIELD_INT32, FIELD_CHAR = 1, 5, 6


# ----------------------------------------------------------------------------------------------
# Declarations


@dataclass
class StepRow:
    """One trtplug::ds::RecipeStep initializer (engine.cpp.j2)."""

    kind: str
    comment: str
    plugin: str = "nullptr"
    version: str = "nullptr"
    namespace: str = "nullptr"
    inputs: str = "nullptr"
    n_inputs: int = 0
    outputs: str = "nullptr"
    n_outputs: int = 0
    fields: str = "nullptr"
    n_fields: int = 0
    tensor: str = "nullptr"


@dataclass
class RecipeTable:
    """A recipe as C++ data: the arrays its steps point to, then the steps."""

    name_c: str
    steps_name: str
    steps: list[StepRow] = field(default_factory=list)
    arrays: list[str] = field(default_factory=list)

    @property
    def n_steps(self) -> int:
        return len(self.steps)


class RecipeStep:
    """Base of the recipe steps."""

    def cpp_step(self, base: str, namespace: str, arrays: list[str]) -> StepRow:
        """The step's row; arrays it points to (named from `base`) are appended to `arrays`."""
        raise NotImplementedError


def cpp_recipe(prefix: str, name: str, recipe: Sequence[RecipeStep], namespace: str) -> RecipeTable:
    """The C++ tables of `recipe`, named from `prefix` (`namespace`: the library's plugin namespace)."""
    arrays: list[str] = []
    steps = [s.cpp_step(f"{prefix}Step{k}", namespace, arrays) for k, s in enumerate(recipe)]
    return RecipeTable(name_c=c_string(name), steps_name=f"{prefix}Steps" if steps else "nullptr", steps=steps,
                       arrays=arrays)


def _tensor(owner: str, name: str, value) -> str:
    return _layer(owner, name, value)


def _tensor_list(owner: str, name: str, value) -> tuple:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise DefinitionError(f"{owner}.{name}: expected a non-empty list of tensor names, got {value!r}")
    return tuple(_tensor(owner, f"{name}[{i}]", v) for i, v in enumerate(value))


def _field(owner: str, name: str, value) -> tuple:
    """(PluginFieldType, values) for an attribute value, as TensorRT's ONNX importer would pass it."""
    where = f"{owner}.attrs[{name!r}]"
    if isinstance(value, str):
        if "\0" in value:
            raise DefinitionError(f"{where}: strings cannot hold NUL")
        return FIELD_CHAR, value
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise DefinitionError(f"{where}: an empty list has no PluginField type")
    if all(isinstance(v, (bool, int)) for v in items):
        if any(not -2**31 <= int(v) < 2**31 for v in items):
            raise DefinitionError(f"{where}: {value!r} does not fit 32-bit integers (kINT32)")
        return FIELD_INT32, [int(v) for v in items]
    if all(isinstance(v, (bool, int, float)) for v in items) and all(math.isfinite(v) for v in items):
        return FIELD_FLOAT32, [float(v) for v in items]
    raise DefinitionError(f"{where}: expected an int, float, bool, string or a list of numbers, got {value!r}")


class AppendPlugin(RecipeStep):
    """Appends plugin `plugin` (a name, or a TrtPlugin class) to the tensors `inputs`, and names
    its outputs `outputs`. `attrs` become its PluginFields (ints and bools: kINT32, floats:
    kFLOAT32, strings: kCHAR). `namespace` defaults to the library's plugin namespace."""

    def __init__(self, plugin, *, inputs: Sequence[str], outputs: Sequence[str], version: str | None = None,
                 attrs: dict | None = None, namespace: str | None = None):
        spec = plugin.spec() if isinstance(plugin, type) and hasattr(plugin, "spec") else None
        name = spec.name if spec else plugin
        owner = f"AppendPlugin({name!r})"
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"{owner}.plugin: expected a plugin name or a TrtPlugin class, got {plugin!r}")
        if spec is not None and version is not None and version != spec.version:
            raise DefinitionError(f"{owner}.version: {plugin.__name__} is version {spec.version!r}, not {version!r}")
        self.plugin = name
        self.version = str(spec.version if spec else (version if version is not None else "1"))
        self.namespace = namespace
        self.inputs = _tensor_list(owner, "inputs", inputs)
        self.outputs = _tensor_list(owner, "outputs", outputs)
        if len(set(self.outputs)) != len(self.outputs):
            raise DefinitionError(f"{owner}.outputs: names repeat: {list(self.outputs)}")
        if spec is not None and len(self.outputs) != len(spec.outputs):
            raise DefinitionError(f"{owner}.outputs: {name} has {len(spec.outputs)} outputs, "
                                  f"{len(self.outputs)} names were given")
        if spec is not None and len(self.inputs) != len(spec.inputs):
            raise DefinitionError(f"{owner}.inputs: {name} takes {len(spec.inputs)} inputs, got {len(self.inputs)}")
        attrs = dict(attrs or {})
        if spec is not None:
            known = [a.name for a in spec.attrs]
            unknown = [k for k in attrs if k not in known]
            if unknown:
                raise DefinitionError(f"{owner}.attrs: {name} has no attribute {unknown[0]!r} (it has: "
                                      f"{', '.join(known) or 'none'})")
        for k in attrs:
            if not isinstance(k, str) or not k:
                raise DefinitionError(f"{owner}.attrs: attribute names must be non-empty strings, got {k!r}")
        self.fields = tuple((k, *_field(owner, k, v)) for k, v in attrs.items())

    def __repr__(self) -> str:
        return (f"AppendPlugin({self.plugin!r}, version={self.version!r}, inputs={list(self.inputs)}, "
                f"outputs={list(self.outputs)}, attrs={ {k: v for k, _, v in self.fields} })")

    def cpp_step(self, base: str, namespace: str, arrays: list[str]) -> StepRow:
        arrays.append(f"const char* const {base}Inputs[] = {{{', '.join(c_string(t) for t in self.inputs)}}};")
        arrays.append(f"const char* const {base}Outputs[] = {{{', '.join(c_string(t) for t in self.outputs)}}};")
        fields = []
        for f, (fname, ftype, value) in enumerate(self.fields):
            data = f"{base}Field{f}"
            if ftype == FIELD_CHAR:
                arrays.append(f"const char {data}[] = {c_string(value)};")
                length = len(value.encode("utf-8"))
            elif ftype == FIELD_INT32:
                arrays.append(f"const int32_t {data}[] = {{{', '.join(str(v) for v in value)}}};")
                length = len(value)
            else:
                arrays.append(f"const float {data}[] = {{{', '.join(repr(v) + 'f' for v in value)}}};")
                length = len(value)
            fields.append(f"{{{c_string(fname)}, {ftype}, {data}, {length}}}")
        if fields:
            arrays.append(f"const trtplug::ds::RecipeField {base}Fields[] = {{{', '.join(fields)}}};")
        return StepRow(kind="kAppendPlugin", comment=c_comment(self), plugin=c_string(self.plugin),
                       version=c_string(self.version),
                       namespace=c_string(self.namespace if self.namespace is not None else namespace),
                       inputs=f"{base}Inputs", n_inputs=len(self.inputs), outputs=f"{base}Outputs",
                       n_outputs=len(self.outputs), fields=f"{base}Fields" if fields else "nullptr",
                       n_fields=len(fields))


class MarkOutput(RecipeStep):
    """Makes tensor `tensor` a network output (nvinfer then passes it to the parsers)."""

    def __init__(self, tensor: str):
        self.tensor = _tensor(f"MarkOutput({tensor!r})", "tensor", tensor)

    def __repr__(self) -> str:
        return f"MarkOutput({self.tensor!r})"

    def cpp_step(self, base: str, namespace: str, arrays: list[str]) -> StepRow:
        return StepRow(kind="kMarkOutput", comment=c_comment(self), tensor=c_string(self.tensor))


class UnmarkOutput(RecipeStep):
    """Stops tensor `tensor` being a network output (it must be one)."""

    def __init__(self, tensor: str):
        self.tensor = _tensor(f"UnmarkOutput({tensor!r})", "tensor", tensor)

    def __repr__(self) -> str:
        return f"UnmarkOutput({self.tensor!r})"

    def cpp_step(self, base: str, namespace: str, arrays: list[str]) -> StepRow:
        return StepRow(kind="kUnmarkOutput", comment=c_comment(self), tensor=c_string(self.tensor))


def _recipe(owner: str, recipe) -> tuple:
    if isinstance(recipe, RecipeStep) or not isinstance(recipe, Sequence) or not all(
            isinstance(s, RecipeStep) for s in recipe):
        raise DefinitionError(f"{owner}.recipe: expected a list of AppendPlugin, MarkOutput and UnmarkOutput "
                              f"steps, got {recipe!r}")
    return tuple(recipe)


def _model(owner: str, model) -> str | None:
    if model is None:
        return None
    if not isinstance(model, (str, Path)) or not str(model):
        raise DefinitionError(f"{owner}.model: expected an ONNX file path or None (nvinfer's onnx-file), got {model!r}")
    return str(model)


class EngineCreate:
    """An engine-create function (``engine-create-func-name=<func_name>``): parses the ONNX model
    (nvinfer's ``onnx-file``, or `model`), applies `recipe`, and builds the engine with the builder
    and builder config nvinfer configured (precision, DLA, calibrator) and its batch size."""

    kind = "engine_create"

    def __init__(self, func_name: str, recipe: Sequence[RecipeStep] = (), *, model=None):
        self.func_name = check_func_name(f"EngineCreate({func_name!r})", func_name)
        self.recipe = _recipe(self.owner, recipe)
        self.model = _model(self.owner, model)

    @property
    def owner(self) -> str:
        return f"EngineCreate({self.func_name!r})"

    def info(self) -> dict:
        return {"function": self.func_name, "kind": self.kind, "config_key": "engine-create-func-name",
                "model": self.model, "recipe": [repr(s) for s in self.recipe]}

    def __repr__(self) -> str:
        return f"EngineCreate({self.func_name!r}, {list(self.recipe)!r}, model={self.model!r})"

    def cpp_row(self, index: int, namespace: str) -> EngineRow:
        """The kEngine<index> descriptor of engine.cpp.j2."""
        return EngineRow(func_name=self.func_name, model=c_string(self.model) if self.model else "nullptr",
                         comment=c_comment(self),
                         recipe=cpp_recipe(f"kEngine{index}", self.func_name, self.recipe, namespace))


class ModelParser:
    """The library's IModelParser (``NvDsInferCreateModelParser``). Opt-in: nvinfer uses an
    exported NvDsInferCreateModelParser instead of onnx-file whenever the symbol exists.

    name: getModelName(), the stem of the engine file nvinfer writes (`<name>_b<batch>_gpu0_fp16.engine`).
    full_dims: hasFullDimsSupported(); True makes nvinfer create an explicit-batch network, which
    the ONNX parser needs."""

    kind = "model_parser"
    func_name = "NvDsInferCreateModelParser"
    owner = "ModelParser"

    def __init__(self, recipe: Sequence[RecipeStep] = (), *, name: str = "model", model=None, full_dims: bool = True):
        self.recipe = _recipe(self.owner, recipe)
        if not isinstance(name, str) or not name or any(c in name for c in "/\\\0\n"):
            raise DefinitionError(f"ModelParser.name: expected a file-name stem, got {name!r}")
        if not isinstance(full_dims, bool):
            raise DefinitionError(f"ModelParser.full_dims: expected True or False, got {full_dims!r}")
        self.name = name
        self.model = _model(self.owner, model)
        self.full_dims = full_dims

    def info(self) -> dict:
        return {"function": self.func_name, "kind": self.kind, "model_name": self.name, "model": self.model,
                "full_dims": self.full_dims, "recipe": [repr(s) for s in self.recipe]}

    def __repr__(self) -> str:
        return f"ModelParser({list(self.recipe)!r}, name={self.name!r}, model={self.model!r})"

    def cpp_row(self, namespace: str) -> ModelParserRow:
        """The kModelParser descriptor of engine.cpp.j2."""
        return ModelParserRow(name=c_string(self.name), model=c_string(self.model) if self.model else "nullptr",
                              full_dims="true" if self.full_dims else "false", comment=c_comment(self),
                              recipe=cpp_recipe("kParser", self.func_name, self.recipe, namespace))


@dataclass
class EngineRow:
    """An engine-create function's descriptor and recipe (engine.cpp.j2)."""

    func_name: str
    model: str
    comment: str
    recipe: RecipeTable


@dataclass
class ModelParserRow:
    """The model parser's descriptor and recipe (engine.cpp.j2)."""

    name: str
    model: str
    full_dims: str
    comment: str
    recipe: RecipeTable


ENTRY_POINT_TYPES = (EngineCreate, ModelParser, InputLayers)


def is_entry_point_declaration(value) -> bool:
    """True for the declarations render_entry_point_sources takes (for the loader's module scan)."""
    return isinstance(value, ENTRY_POINT_TYPES)


# ----------------------------------------------------------------------------------------------
# Checking a recipe without TensorRT


class DryRunResult(NamedTuple):
    ok: bool
    outputs: list   # the network outputs after the recipe
    trace: list     # what the recipe changed, in order
    error: str      # the cause when not ok


def onnx_network(onnx_file) -> str:
    """The tensor names of an ONNX model (inputs, every node output, outputs) in the form
    dry_run_recipe takes; TensorRT's ONNX parser keeps these names."""
    import onnx

    graph = onnx.load(str(onnx_file), load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    lines = [f"input {i.name}" for i in graph.input if i.name not in inits]
    outs = {o.name for o in graph.output}
    lines += [f"tensor {t}" for n in graph.node for t in n.output if t and t not in outs]
    lines += [f"output {o.name}" for o in graph.output]
    return "\n".join(lines)


def dry_run_recipe(library, function: str, *, onnx_file=None, inputs: Sequence[str] = (),
                   tensors: Sequence[str] = (), outputs: Sequence[str] = ()) -> DryRunResult:
    """Applies the recipe of `function` (an engine-create function name, or
    "NvDsInferCreateModelParser") from a built library to a network given by its tensor names
    (or read from `onnx_file`), without TensorRT."""
    import ctypes

    from ..errors import LoadError

    text = onnx_network(onnx_file) if onnx_file is not None else "\n".join(
        [f"input {n}" for n in inputs] + [f"tensor {n}" for n in tensors] + [f"output {n}" for n in outputs])
    try:
        lib = ctypes.CDLL(str(library), mode=ctypes.RTLD_LOCAL)
        fn = lib.trtplug_ds_recipe_dry_run
    except (OSError, AttributeError) as exc:
        raise LoadError(f"{library}: no trtplug recipe entry point ({exc})") from exc
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    buf = ctypes.create_string_buffer(1 << 16)
    status = fn(function.encode(), text.encode(), buf, len(buf))
    lines = buf.value.decode("utf-8", "replace").splitlines()
    error = next((ln[6:] for ln in lines if ln.startswith("error ")), "")
    if status == 2:
        raise LoadError(f"{library}: {error}")
    outs = next((ln[8:] for ln in lines if ln.startswith("outputs ")), "none")
    return DryRunResult(ok=status == 0, outputs=[] if outs == "none" else outs.split(", "),
                        trace=[ln[6:] for ln in lines if ln.startswith("trace ")], error=error)
