"""What an ONNX graph needs to know of a plugin, from a declared class or from a built library.

A `PluginSignature` holds the plugin's TensorRT name, version and namespace, its inputs and outputs
with their dtypes, its attributes (as `tp.Attr` declarations, to check values) and, where known,
example input shapes and a way to compute output shapes. It is built either from a `PluginSpec`
(a TrtPlugin class, needs Numba to import the class) or from a library's info JSON (`<name>.json`
written by `trtplug compile`, the `trtplug inspect --json` output, or the built `.so` itself), which
needs neither Numba nor a GPU: the machine that exports a PyTorch model can use either.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..declare.attrs import Attr
from ..errors import DefinitionError

# Input shapes for a test model when the plugin declares none, by input rank (None: any rank).
DEFAULT_SHAPE_BY_RANK = {None: (2, 3, 8, 8), 0: (), 1: (64,), 2: (4, 64), 3: (2, 4, 64), 4: (1, 3, 16, 16)}


@dataclass(frozen=True)
class TensorSignature:
    name: str
    dtypes: tuple[str, ...]       # the dtypes it takes (inputs) or can have (outputs), over all combinations
    rank: int | None = None
    like: str | None = None       # outputs: the input whose shape and dtype it has


@dataclass(frozen=True)
class PluginSignature:
    name: str
    version: str
    namespace: str
    inputs: tuple[TensorSignature, ...]
    outputs: tuple[TensorSignature, ...]
    attributes: tuple[Attr, ...]
    combinations: tuple[tuple[str, ...], ...]   # dtypes of inputs then outputs, one per supported combination
    shape_sets: tuple[tuple[tuple[int, ...], ...], ...] = ()   # declared example input shapes (test_shapes)
    origin: str = ""              # where it came from, for messages ("kernels/mish.py", "build/libx.so")
    # (input shapes, attribute values) -> output shapes, or None where it cannot be computed here.
    output_shapes: Callable | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.name} (version {self.version}{', namespace ' + self.namespace if self.namespace else ''})"

    def example_shapes(self) -> tuple[tuple[int, ...], ...]:
        """The first declared test shapes, else one shape per input from its rank."""
        if self.shape_sets:
            return tuple(tuple(s) for s in self.shape_sets[0])
        return tuple(DEFAULT_SHAPE_BY_RANK.get(t.rank, (1,) * (t.rank or 0)) for t in self.inputs)


def from_spec(spec, namespace: str = "") -> PluginSignature:
    """The signature of a declared plugin (`PluginSpec`, e.g. `Mish.spec()`)."""
    combos = tuple(tuple(c) for c in spec.combinations)
    n_in = spec.n_inputs
    return PluginSignature(
        name=spec.name, version=spec.version, namespace=namespace,
        inputs=tuple(TensorSignature(t.name, _used(combos, i), t.rank) for i, t in enumerate(spec.inputs)),
        outputs=tuple(TensorSignature(o.name, _used(combos, n_in + i), o.rank, o.like)
                      for i, o in enumerate(spec.outputs)),
        attributes=tuple(spec.attrs), combinations=combos,
        shape_sets=tuple(spec.test_shapes or ()), origin=spec.source or spec.qualname,
        output_shapes=_traced_output_shapes(spec))


def _traced_output_shapes(spec) -> Callable:
    """(input shapes, attribute values) -> output shapes by the plugin's traced rules, after checking
    its constraints (a shape they refuse raises DefinitionError with the plugin's message)."""
    from ..errors import TrtPlugError
    from ..testing.cases import expected_output_shapes
    from ..trace.tracer import trace

    traced: list = []

    def output_shapes(input_shapes, attributes: dict):
        if not traced:
            try:
                traced.append(trace(spec))
            except TrtPlugError:
                traced.append(None)   # `trtplug compile` reports why; the model states no output shapes
        if traced[0] is None:
            return None
        values = {a.name: a.default for a in spec.attrs}
        values.update(attributes)
        by_index = {spec.attr_index(k): v for k, v in values.items()}
        dims = [tuple(s) for s in input_shapes]
        for constraint in traced[0].constraints:
            if not constraint.condition.evaluate(dims, by_index):
                raise DefinitionError(f"{spec.name}: input shapes {[list(s) for s in dims]}: {constraint.message}")
        rule = traced[0].outputs
        shapes = expected_output_shapes(spec, rule, input_shapes, attributes)
        if shapes is None:
            return None
        # A data-dependent extent is known only when the engine runs: a named dim, not its upper bound.
        return [tuple(f"{o.name}_{axis}" if r.data_dependent and axis == r.size_dim else d for axis, d in enumerate(s))
                for o, r, s in zip(spec.outputs, rule, shapes)]

    return output_shapes


def from_info(plugin: dict, namespace: str = "", origin: str = "", output_shapes: Callable | None = None
              ) -> PluginSignature:
    """The signature of one entry of a library's info JSON ("plugins" of <name>.json)."""
    where = f"{origin or 'library info'}: plugin {plugin.get('name', '?')!r}"
    try:
        combos = tuple(tuple(c) for c in plugin["dtype_combinations"])
        n_in = len(plugin["inputs"])
        attributes = tuple(_attr_from_info(a, where) for a in plugin["attributes"])
        return PluginSignature(
            name=plugin["name"], version=plugin["version"], namespace=namespace,
            inputs=tuple(TensorSignature(t["name"], tuple(t["dtypes"]), t.get("rank")) for t in plugin["inputs"]),
            outputs=tuple(TensorSignature(o["name"], _used(combos, n_in + i), o.get("rank"), o.get("like"))
                          for i, o in enumerate(plugin["outputs"])),
            attributes=attributes, combinations=combos,
            shape_sets=tuple(tuple(tuple(s) for s in case) for case in plugin.get("test_shapes") or ()),
            origin=origin, output_shapes=output_shapes)
    except (KeyError, TypeError, IndexError) as exc:
        raise DefinitionError(f"{where}: not a trtplug plugin description (missing or malformed {exc})") from None


def from_library_info(info: dict, origin: str = "", output_shapes_for: Callable | None = None
                      ) -> list[PluginSignature]:
    """Every plugin of a library's info JSON; `output_shapes_for(name, version)` gives each its
    output-shape function (a loaded library can compute them)."""
    if not isinstance(info, dict) or not isinstance(info.get("plugins"), list):
        raise DefinitionError(f"{origin or 'library info'}: not a trtplug library description (no \"plugins\" list); "
                              "expected <name>.json from `trtplug compile` or `trtplug inspect --json` output")
    namespace = info.get("plugin_namespace") or ""
    return [from_info(p, namespace, origin, output_shapes_for(p["name"], p["version"]) if output_shapes_for else None)
            for p in info["plugins"]]


def signatures_from(targets: Sequence, namespace: str = "") -> list[PluginSignature]:
    """Plugin signatures from built libraries (`.so`), their info JSON (`.json`), or plugin files,
    modules and classes (anything `trtplug compile` takes; `namespace` applies to these)."""
    found: list[PluginSignature] = []
    sources: list = []
    for target in targets:
        text = str(target) if isinstance(target, (str, Path)) else ""
        if text.endswith(".json"):
            found += _from_json_file(Path(text))
        elif text.endswith(".so") or ".so." in Path(text).name:
            found += _from_shared_library(Path(text))
        else:
            sources.append(target)
    if sources:
        from ..loader import load_targets

        specs, _ = load_targets(sources)
        found += [from_spec(s, namespace) for s in specs]
    return found


def _from_json_file(path: Path) -> list[PluginSignature]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DefinitionError(f"{path}: no such file") from None
    except ValueError as exc:
        raise DefinitionError(f"{path}: not valid JSON ({exc})") from None
    return from_library_info(info, str(path))


def _from_shared_library(path: Path) -> list[PluginSignature]:
    from ..runtime import Library

    library = Library(path)

    def output_shapes_for(name: str, version: str):
        def output_shapes(input_shapes, attributes: dict):
            return library.instance(name, version, **attributes).output_shapes([tuple(s) for s in input_shapes])
        return output_shapes

    return from_library_info(library.info, str(path), output_shapes_for)


def _attr_from_info(a: dict, where: str) -> Attr:
    kind = a["kind"]
    if kind not in ("int", "float", "bool", "string", "int_list", "float_list"):
        raise DefinitionError(f"{where}: attribute {a.get('name')!r} has unknown kind {kind!r}")
    default = tuple(a["default"]) if kind.endswith("_list") else a["default"]
    choices = tuple(a["choices"]) if a.get("choices") is not None else None
    lo = a.get("min_length", 0 if kind == "string" else 1)
    hi = a.get("max_length", lo)
    return Attr(kind, default, a.get("min"), a.get("max"), lo, hi, choices, "", a["name"])


def _used(combos: tuple[tuple[str, ...], ...], index: int) -> tuple[str, ...]:
    seen: list[str] = []
    for c in combos:
        if c[index] not in seen:
            seen.append(c[index])
    return tuple(seen)
