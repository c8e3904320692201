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
from pathlib import Path
from typing import Iterable, NamedTuple, Optional, Sequence

import jinja2

from ..errors import DefinitionError
from .input_layers import DTYPES, InputLayers
from .parsers import _layer, check_func_name
from .render import DEEPSTREAM_DIR, c_string
from .versions import parse_version

FACTORY_CPP = DEEPSTREAM_DIR / "trtplug_ds_factory.cpp"
INPUT_LAYERS_CPP = DEEPSTREAM_DIR / "trtplug_ds_input_layers.cpp"
ENGINE_CPP = DEEPSTREAM_DIR / "trtplug_ds_engine.cpp"
INPUTS_GENERATED = "trtplug_ds_input_layers_generated.cpp"
ENGINE_GENERATED = "trtplug_ds_engine_generated.cpp"

# nvinfer1::PluginFieldType values (the same in TensorRT 7.2 to 11.x)
FIELD_FLOAT32, FIELD_INT32, FIELD_CHAR = 1, 5, 6

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


# ----------------------------------------------------------------------------------------------
# Declarations


class RecipeStep:
    """Base of the recipe steps."""


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

    def __init__(self, plugin, *, inputs: Sequence[str], outputs: Sequence[str], version: Optional[str] = None,
                 attrs: Optional[dict] = None, namespace: Optional[str] = None):
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


class MarkOutput(RecipeStep):
    """Makes tensor `tensor` a network output (nvinfer then passes it to the parsers)."""

    def __init__(self, tensor: str):
        self.tensor = _tensor(f"MarkOutput({tensor!r})", "tensor", tensor)

    def __repr__(self) -> str:
        return f"MarkOutput({self.tensor!r})"


class UnmarkOutput(RecipeStep):
    """Stops tensor `tensor` being a network output (it must be one)."""

    def __init__(self, tensor: str):
        self.tensor = _tensor(f"UnmarkOutput({tensor!r})", "tensor", tensor)

    def __repr__(self) -> str:
        return f"UnmarkOutput({self.tensor!r})"


def _recipe(owner: str, recipe) -> tuple:
    if isinstance(recipe, RecipeStep) or not isinstance(recipe, Sequence) or not all(
            isinstance(s, RecipeStep) for s in recipe):
        raise DefinitionError(f"{owner}.recipe: expected a list of AppendPlugin, MarkOutput and UnmarkOutput "
                              f"steps, got {recipe!r}")
    return tuple(recipe)


def _model(owner: str, model) -> Optional[str]:
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


ENTRY_POINT_TYPES = (EngineCreate, ModelParser, InputLayers)


def is_entry_point_declaration(value) -> bool:
    """True for the declarations render_entry_point_sources takes (for the loader's module scan)."""
    return isinstance(value, ENTRY_POINT_TYPES)


# ----------------------------------------------------------------------------------------------
# Rendering


class EntryPointSources(NamedTuple):
    """What to add to a library build (see render_entry_point_sources)."""

    sources: list
    include_dirs: list
    defines: dict


_TERM = {"constant": "kConstant", "width": "kWidth", "height": "kHeight", "channels": "kChannels",
         "batch_size": "kBatchSize", "batch_index": "kBatchIndex"}
_DS_DTYPE = dict(zip(DTYPES, ("FLOAT", "HALF", "INT8", "INT32", "INT64", "UINT8")))


def _input_view(decl: InputLayers) -> list:
    layers = []
    for i, x in enumerate(decl.layers):
        layers.append({
            "comment": repr(x).replace("*/", "* /"),
            "values_name": f"kInputValues{i}", "dims_name": f"kInputDims{i}" if x.dims else "nullptr",
            "value_items": [f"{{trtplug::ds::InputTerm::{_TERM[v.term]}, {v.factor!r}}}" for v in x.values],
            "dims": list(x.dims or ()), "name_c": c_string(x.name), "dtype": _DS_DTYPE[x.dtype],
            "n_dims": len(x.dims) if x.dims else -1, "n_values": len(x.values), "fill": int(x.fill),
        })
    return layers


def _recipe_view(prefix: str, name: str, recipe: Sequence[RecipeStep], namespace: str) -> dict:
    arrays, steps = [], []
    for k, s in enumerate(recipe):
        base = f"{prefix}Step{k}"
        step = {"kind": "kAppendPlugin", "plugin": "nullptr", "version": "nullptr", "namespace": "nullptr",
                "inputs": "nullptr", "n_inputs": 0, "outputs": "nullptr", "n_outputs": 0, "fields": "nullptr",
                "n_fields": 0, "tensor": "nullptr", "comment": repr(s).replace("*/", "* /")}
        if isinstance(s, AppendPlugin):
            arrays.append(f"const char* const {base}Inputs[] = {{{', '.join(c_string(t) for t in s.inputs)}}};")
            arrays.append(f"const char* const {base}Outputs[] = {{{', '.join(c_string(t) for t in s.outputs)}}};")
            fields = []
            for f, (fname, ftype, value) in enumerate(s.fields):
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
            step.update(plugin=c_string(s.plugin), version=c_string(s.version),
                        namespace=c_string(s.namespace if s.namespace is not None else namespace),
                        inputs=f"{base}Inputs", n_inputs=len(s.inputs), outputs=f"{base}Outputs",
                        n_outputs=len(s.outputs), fields=f"{base}Fields" if fields else "nullptr",
                        n_fields=len(fields))
        else:
            step.update(kind="kMarkOutput" if isinstance(s, MarkOutput) else "kUnmarkOutput", tensor=c_string(s.tensor))
        steps.append(step)
    return {"arrays": arrays, "steps": steps, "steps_name": f"{prefix}Steps" if steps else "nullptr",
            "n_steps": len(steps), "name_c": c_string(name)}


def part2_library_info(declarations: Sequence) -> dict:
    """What the library's trtplug_deepstream_info() could report about these declarations."""
    return {"entry_points": [d.info() for d in declarations if isinstance(d, ENTRY_POINT_TYPES)]}


def _check(declarations: list) -> None:
    seen = {}
    for d in declarations:
        if not isinstance(d, ENTRY_POINT_TYPES):
            raise DefinitionError(f"render_entry_point_sources: expected EngineCreate, ModelParser or InputLayers "
                                  f"declarations, got {d!r}")
        if d.func_name in seen:
            what = "one InputLayers and one ModelParser per library" if not isinstance(d, EngineCreate) else \
                "each engine-create function name once"
            raise DefinitionError(f"{d.owner}: function name {d.func_name!r} is already used by {seen[d.func_name]} "
                                  f"({what})")
        seen[d.func_name] = d.owner


def render_entry_point_sources(declarations: Iterable, *, deepstream_version=None, tensorrt_major: int,
                         out_dir: Path, plugin_namespace: str = "", with_factory: bool = True,
                         with_tensorrt: bool = True, origin: str = "trtplug.deepstream declarations") -> EntryPointSources:
    """Writes the generated entry points into `out_dir` and returns the sources, include
    directories and defines to compile into the library (with the library's other sources).

    declarations: EngineCreate, ModelParser and InputLayers objects (others are an error).
    tensorrt_major: the TensorRT major the library is built for (7, 8, 10, 11). For 7, the
        plugin-factory source needs the core runtime and the library's plugins.cpp in the same
        build (it recreates plugins from trtplug::library()); the include dirs returned cover it.
    with_factory: add NvDsInferPluginFactoryRuntimeGet/Destroy (every DeepStream library should).
    with_tensorrt: False builds without TensorRT headers: the recipes and trtplug_ds_recipe_dry_run
        are compiled, the engine-create functions and NvDsInferCreateModelParser are not.
    Engine-create functions and the model parser need TensorRT's headers (and, for 8+, CUDA's) as
    system include dirs of the build; the ONNX parser step needs NvOnnxParser.h there too (without
    it the functions compile and report at run time that the library was built without it).
    """
    declarations = list(declarations)
    _check(declarations)
    version = parse_version(deepstream_version)
    if tensorrt_major not in (7, 8, 10, 11):
        raise DefinitionError(f"render_entry_point_sources: TensorRT major {tensorrt_major!r} is not supported "
                              f"(7 for DeepStream 5.x, 8, 10, 11)")
    if (tensorrt_major == 7) != (version.major == 5):
        raise DefinitionError(f"render_entry_point_sources: DeepStream {version} does not run on TensorRT {tensorrt_major} "
                              f"(DeepStream 5.x uses TensorRT 7; 6.0 and later use TensorRT 8 or newer)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from ..build.compiler import CORE_DIR

    sources: list = []
    inputs = [d for d in declarations if isinstance(d, InputLayers)]
    engines = [d for d in declarations if isinstance(d, EngineCreate)]
    parsers = [d for d in declarations if isinstance(d, ModelParser)]
    if inputs:
        text = _ENV.get_template("input_layers.cpp.j2").render(
            origin=origin, ds_version=str(version), layers=_input_view(inputs[0]))
        sources += [_write(out_dir / INPUTS_GENERATED, text), INPUT_LAYERS_CPP]
    if engines or parsers:
        views = [dict(func_name=e.func_name, model=c_string(e.model) if e.model else "nullptr",
                      comment=repr(e).replace("*/", "* /"),
                      recipe=_recipe_view(f"kEngine{i}", e.func_name, e.recipe, plugin_namespace))
                 for i, e in enumerate(engines)]
        parser = None
        if parsers:
            p = parsers[0]
            parser = dict(name=c_string(p.name), model=c_string(p.model) if p.model else "nullptr",
                          full_dims="true" if p.full_dims else "false", comment=repr(p).replace("*/", "* /"),
                          recipe=_recipe_view("kParser", "NvDsInferCreateModelParser", p.recipe, plugin_namespace))
        text = _ENV.get_template("engine.cpp.j2").render(origin=origin, ds_version=str(version), engines=views,
                                                         parser=parser, tensorrt_major=tensorrt_major)
        sources += [_write(out_dir / ENGINE_GENERATED, text), ENGINE_CPP]
    if with_factory:
        sources.append(FACTORY_CPP)
    include_dirs = [DEEPSTREAM_DIR] + ([CORE_DIR] if tensorrt_major == 7 and with_factory else [])
    defines = {"TRTPLUG_DS_VERSION": str(version.code), "_GLIBCXX_USE_CXX11_ABI": "1",
               "TRTPLUG_DS_TENSORRT_MAJOR": str(tensorrt_major)}
    if not with_tensorrt:
        if tensorrt_major == 7 and with_factory:
            raise DefinitionError("render_entry_point_sources: the TensorRT 7 plugin factory needs TensorRT 7 headers")
        defines["TRTPLUG_DS_ENGINE_NO_TENSORRT"] = "1"
    return EntryPointSources(sources, include_dirs, defines)


def _write(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


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
