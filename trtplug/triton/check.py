"""Checks a Triton model repository of TensorRT models that use trtplug plugins, as far as it can
be checked without Triton or a GPU:

* every model folder has a config.pbtxt that protobuf reads as a ModelConfig, naming the folder,
  with platform tensorrt_plan or backend tensorrt (other models are skipped);
* version folders are numbers not starting with 0, and each holds the plan file Triton will open
  (default_model_filename, model.plan, and every cc_model_filenames entry);
* inputs and outputs have names, data types and dims, and, where the plan's source model.onnx is
  beside it, match that graph's inputs and outputs (names, data types, dims with the batch dim);
* every plugin node of that graph is provided by one of the libraries the server loads (name,
  plugin_version, plugin_namespace), and its attributes are fields of the plugin with values the
  plugin accepts;
* each library exists, is a trtplug library built with a TensorRT adapter, and its plugins are listed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import TrtPlugError
from .layout import BACKEND, DEFAULT_PLAN, PLATFORM, PLUGINS_DIR, SOURCE_MODEL, is_version_dir
from .model_config import ConfigReadError, data_type_name, read_config


@dataclass
class Finding:
    level: str      # "error", "warning" or "note"
    where: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.level}: {self.message}"


@dataclass
class RepositoryReport:
    findings: list[Finding] = field(default_factory=list)
    models: list[str] = field(default_factory=list)          # TensorRT models checked
    plugins: dict[str, list[str]] = field(default_factory=dict)  # library -> "Name (version V)" it provides

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    def add(self, level, where, message):
        self.findings.append(Finding(level, str(where), message))


def check_repository(repository: Path | str, libraries: Sequence[Path | str] | None = None, *,
                     before_build: bool = False) -> RepositoryReport:
    """`libraries`: what the server loads (the `plugins=` list of --backend-config, or LD_PRELOAD);
    None takes every library in the models' plugins/ folders. `before_build`: a missing plan is a
    note (it is built on the GPU machine), not an error."""
    repo = Path(repository)
    report = RepositoryReport()
    if not repo.is_dir():
        report.add("error", repo, "no such folder")
        return report
    model_dirs = sorted(p for p in repo.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not model_dirs:
        report.add("error", repo, "no model folders")
    if libraries is None:
        libraries = sorted(p for m in model_dirs for p in (m / PLUGINS_DIR).glob("*.so*") if p.is_file())
    provided = _check_libraries([Path(p) for p in libraries], report)
    for model_dir in model_dirs:
        _check_model(model_dir, provided, report, before_build)
    return report


# ------------------------------------------------------------------------------------- libraries
def _check_libraries(libraries: list[Path], report: RepositoryReport) -> dict:
    from ..onnx.signature import from_library_info
    from ..runtime import Library

    provided: dict[tuple[str, str, str], object] = {}
    for path in libraries:
        if not path.is_file():
            report.add("error", path, "no such library (relative paths are taken from the current folder; the "
                                      "server takes them from its own)")
            continue
        try:
            library = Library(path)
        except TrtPlugError as exc:
            report.add("warning", path, f"not a trtplug library, so its plugins cannot be listed here ({exc})")
            continue
        if not library.info.get("tensorrt"):
            report.add("error", path, "built without a TensorRT adapter (--no-tensorrt): loading it registers no "
                                      "plugins with TensorRT")
            continue
        signatures = from_library_info(library.info, str(path))
        report.plugins[str(path)] = [f"{s.name} (version {s.version})" for s in signatures]
        for s in signatures:
            key = (s.name, s.version, s.namespace)
            if key in provided:
                report.add("warning", path, f"plugin {s.label} is also in {provided[key].origin}: TensorRT keeps the "
                                            "first library's creator")
                continue
            provided[key] = s
    return provided


# ----------------------------------------------------------------------------------------- models
def _check_model(model_dir: Path, provided: dict, report: RepositoryReport, before_build: bool) -> None:
    config_path = model_dir / "config.pbtxt"
    try:
        config = read_config(config_path)
    except ConfigReadError as exc:
        report.add("error", exc.path, exc.message)
        return
    where = config_path
    if config.name and config.name != model_dir.name:
        report.add("error", where, f"name {config.name!r} differs from the model folder {model_dir.name!r}; "
                                   "Triton requires them equal")
    tensorrt = config.platform == PLATFORM or config.backend == BACKEND
    if not tensorrt:
        what = config.platform or config.backend or "no platform or backend"
        report.add("note", where, f"not a TensorRT model ({what}): skipped")
        return
    if config.platform and config.backend and (config.platform, config.backend) != (PLATFORM, BACKEND):
        report.add("error", where, f"platform {config.platform!r} and backend {config.backend!r} disagree; a "
                                   f"TensorRT model has platform {PLATFORM!r} and/or backend {BACKEND!r}")
    report.models.append(model_dir.name)
    if config.max_batch_size < 0:
        report.add("error", where, f"max_batch_size {config.max_batch_size} is negative")
    _check_tensors(config, where, report)
    versions = sorted((p for p in model_dir.iterdir() if is_version_dir(p)), key=lambda p: int(p.name))
    for ignored in sorted(p.name for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit() and not is_version_dir(p)):
        report.add("warning", model_dir / ignored, "Triton ignores version folders whose names start with 0")
    if not versions:
        report.add("error", model_dir, "no version folder (1/, 2/, ...): Triton has nothing to load")
    if config.version_policy.HasField("specific"):
        for v in config.version_policy.specific.versions:
            if not (model_dir / str(v)).is_dir():
                report.add("error", where, f"version_policy names version {v}, which has no folder")
    plans = [config.default_model_filename or DEFAULT_PLAN] + list(config.cc_model_filenames.values())
    for version_dir in versions:
        for plan in dict.fromkeys(plans):
            if not (version_dir / plan).is_file():
                level = "note" if before_build else "error"
                report.add(level, version_dir / plan, "missing: build it on the GPU machine with the plugin library "
                                                      f"loaded (trtexec --onnx=... --staticPlugins=... --saveEngine=...)")
        source = version_dir / SOURCE_MODEL
        if source.is_file():
            _check_against_source(config, source, provided, report)


def _check_tensors(config, where, report) -> None:
    seen = set()
    for kind, tensors in (("input", config.input), ("output", config.output)):
        if not tensors:
            report.add("error", where, f"no {kind}s")
        for t in tensors:
            label = f"{kind} {t.name!r}" if t.name else f"an {kind}"
            if not t.name:
                report.add("error", where, f"{label} has no name")
            elif t.name in seen:
                report.add("error", where, f"two tensors are named {t.name!r}")
            seen.add(t.name)
            if t.data_type == 0:
                report.add("error", where, f"{label} has no data_type")
            if not t.dims:
                report.add("error", where, f"{label} has no dims")
            if any(d < -1 or d == 0 for d in t.dims):
                report.add("error", where, f"{label} dims {list(t.dims)}: each is a size or -1")


def _check_against_source(config, source: Path, provided: dict, report) -> None:
    from .onnx_tensors import graph_tensors, load_model

    try:
        model = load_model(source)
        inputs, outputs = graph_tensors(source, model)
    except TrtPlugError as exc:
        report.add("error", source, str(exc))
        return
    batch = config.max_batch_size
    for kind, declared, actual in (("input", config.input, inputs), ("output", config.output, outputs)):
        by_name = {t.name: t for t in actual}
        names = [t.name for t in declared]
        for missing in sorted(set(by_name) - set(names)):
            report.add("error", source, f"graph {kind} {missing!r} is not in config.pbtxt")
        for t in declared:
            graph = by_name.get(t.name)
            if graph is None:
                report.add("error", source, f"config.pbtxt {kind} {t.name!r} is not a graph {kind} "
                                            f"(the graph's: {', '.join(by_name) or 'none'})")
                continue
            if data_type_name(t.data_type) != graph.triton_type:
                report.add("error", source, f"{kind} {t.name!r}: config.pbtxt says {data_type_name(t.data_type)}, "
                                            f"the graph {graph.triton_type}")
            dims = list(graph.dims[1:] if batch else graph.dims) or [1]
            if not _dims_match(list(t.dims), dims):
                report.add("error", source, f"{kind} {t.name!r}: config.pbtxt dims {list(t.dims)}, the graph's "
                                            f"{dims}" + (" (after the batch dim)" if batch else ""))
    _check_plugin_nodes(model, source, provided, report)


def _dims_match(config_dims, graph_dims) -> bool:
    return len(config_dims) == len(graph_dims) and all(c == g or -1 in (c, g) for c, g in zip(config_dims, graph_dims))


def _check_plugin_nodes(model, source: Path, provided: dict, report) -> None:
    from onnx import defs, helper

    from ..errors import DefinitionError
    from ..onnx.fields import FIELD_TYPES, NAMESPACE_ATTRIBUTE, VERSION_ATTRIBUTE

    tensor_types = _tensor_types(model)
    for node in model.graph.node:
        if defs.has(node.op_type):
            continue   # the parser's own importer takes it
        attrs = {a.name: a for a in node.attribute}
        version = helper.get_attribute_value(attrs[VERSION_ATTRIBUTE]).decode() if VERSION_ATTRIBUTE in attrs else "1"
        namespace = (helper.get_attribute_value(attrs[NAMESPACE_ATTRIBUTE]).decode()
                     if NAMESPACE_ATTRIBUTE in attrs else "")
        where = f"{source}: node {node.name or node.op_type!r}"
        signature = provided.get((node.op_type, version, namespace))
        if signature is None:
            offered = sorted(f"{k[0]} v{k[1]}" + (f" ns {k[2]!r}" if k[2] else "") for k in provided)
            report.add("error", where, f"plugin {node.op_type} (version {version}, namespace {namespace!r}) is in no "
                                       f"library the server loads (they provide: {', '.join(offered) or 'nothing'})")
            continue
        _check_node_tensors(node, signature, tensor_types, where, report)
        fields = {a.name: a for a in signature.attributes}
        for name, attribute in attrs.items():
            if name in (VERSION_ATTRIBUTE, NAMESPACE_ATTRIBUTE):
                continue
            attr = fields.get(name)
            if attr is None:
                report.add("warning", where, f"attribute {name!r} is not a field of {signature.label}; the parser "
                                             "ignores it")
                continue
            wanted = FIELD_TYPES[attr.kind][0]
            if attribute.type != wanted:
                report.add("error", where, f"attribute {name!r} is ONNX type {attribute.type}, but {signature.label}'s "
                                           f"{attr.kind} field needs type {wanted} (see docs/onnx.md)")
                continue
            value = helper.get_attribute_value(attribute)
            value = value.decode() if isinstance(value, bytes) else value
            value = bool(value) if attr.kind == "bool" and value in (0, 1) else value
            try:
                attr.check_value(list(value) if attr.is_list else value, f"{signature.name}.{name}")
            except DefinitionError as exc:
                report.add("error", where, str(exc))
        for missing in sorted(set(fields) - set(attrs)):
            report.add("note", where, f"no attribute {missing!r}: the plugin's default applies")


def _tensor_types(model) -> dict[str, str]:
    """trtplug dtype of every tensor whose ONNX type is known (graph inputs and outputs, and what
    ONNX's shape inference finds for the standard nodes)."""
    from onnx import shape_inference

    from ..onnx.model import ONNX_DTYPES

    by_code = {code: name for name, code in ONNX_DTYPES.items()}
    try:
        model = shape_inference.infer_shapes(model)
    except Exception:  # a graph inference cannot follow: the declared graph inputs and outputs still count
        pass
    graph = model.graph
    return {v.name: by_code.get(v.type.tensor_type.elem_type, f"ONNX type {v.type.tensor_type.elem_type}")
            for v in (*graph.input, *graph.value_info, *graph.output) if v.type.tensor_type.elem_type}


def _check_node_tensors(node, signature, tensor_types: dict, where: str, report) -> None:
    """The node's tensors against the plugin's declaration: counts, and the dtypes ONNX knows."""
    for kind, names, declared in (("inputs", node.input, signature.inputs), ("outputs", node.output, signature.outputs)):
        if len(names) != len(declared):
            report.add("error", where, f"{len(names)} {kind}, but {signature.label} has {len(declared)} "
                                       f"({', '.join(t.name for t in declared)})")
            return
    known = [tensor_types.get(n) for n in (*node.input, *node.output)]
    if any(known) and not any(all(k is None or k == d for k, d in zip(known, combo)) for combo in signature.combinations):
        io = [t.name for t in (*signature.inputs, *signature.outputs)]
        got = ", ".join(f"{n}: {k}" for n, k in zip(io, known) if k)
        report.add("error", where, f"tensor dtypes ({got}) are no dtype combination of {signature.label} "
                                   f"(it supports {', '.join('(' + ', '.join(c) + ')' for c in signature.combinations)})")
