"""TrtPlugin: the base class users subclass to declare a TensorRT plugin.

    import numpy as np, math
    from numba import cuda
    import trtplug as tp

    @cuda.jit
    def scale_kernel(x, y, alpha, n):
        i = cuda.grid(1)
        if i < n:
            y[i] = x[i] * alpha

    class Scale(tp.TrtPlugin):
        inputs = [tp.Input("x", dtypes=("float32", "float16"))]
        outputs = [tp.Output("y", like="x")]
        alpha = tp.Attr.float(2.0)

        def enqueue(self, x, y):
            n = x.numel
            tp.launch(scale_kernel, grid=tp.cdiv(n, 256), block=256)(x.flat, y.flat, self.alpha, n)

        def reference(self, x):
            return x * self.alpha

Declaration mistakes raise DefinitionError when the class is created, naming the class and member.
Instances (`Scale(alpha=3.0)`) hold concrete attribute values, used by `reference` and `trtplug test`.
"""
from __future__ import annotations

import inspect
import itertools
import re
from pathlib import Path

from ..dtypes import tensor_dtype
from ..errors import DefinitionError
from .spec import PluginSpec
from .attrs import Attr
from .tactics import checked_tactics
from .tensors import Input, Output

RESERVED = {"name", "version", "inputs", "outputs", "dtype_combinations", "enqueue", "output_shapes",
            "workspace", "reference", "spec", "test_shapes", "tolerance", "test_cases", "test_ranges", "constraints",
            "tactics", "tactic"}
PLUGIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
VERSION = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class TrtPlugin:
    """Subclass to declare a plugin; see the module docstring for an example."""

    name: str | None = None
    version: str = "1"
    inputs: list = []
    outputs: list = []
    dtype_combinations: list | None = None
    test_shapes: list | None = None   # input shapes `trtplug test` runs: [{"x": (2, 3)}, ...]
    tolerance: dict | None = None     # {"float16": (rtol, atol), ...} overrides for `trtplug test`
    test_cases: list | None = None    # more `trtplug test` cases: [{"attrs": {"alpha": 0.5}, "shapes": [...]}, ...]
    test_ranges: dict | None = None   # value ranges of random test inputs: {"batch_index": (0, 2)}, high excluded
    tactics: list | None = None       # launch configurations TensorRT times: [tp.Tactic("block512", block=512), ...]
    __trtplug_spec__: PluginSpec | None = None

    def __init_subclass__(cls, abstract: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        cls.__trtplug_spec__ = build_spec(cls)

    @classmethod
    def spec(cls) -> PluginSpec:
        if cls.__trtplug_spec__ is None:
            raise DefinitionError(f"{cls.__name__} is abstract: subclass it to declare a plugin")
        return cls.__trtplug_spec__

    def __init__(self, **attrs):
        spec = type(self).spec()
        known = {a.name: a for a in spec.attrs}
        for key, value in attrs.items():
            if key not in known:
                raise DefinitionError(
                    f"{type(self).__name__}: no attribute named {key!r}. Hint: attributes are {sorted(known)}")
            known[key].check_value(value, f"{type(self).__name__}.{key}")
        values = {a.name: a.default for a in spec.attrs}
        values.update(attrs)
        self.__dict__["_attr_values"] = values

    def __getattribute__(self, item):
        values = object.__getattribute__(self, "__dict__").get("_attr_values")
        if values is not None and item in values:
            v = values[item]
            return list(v) if isinstance(v, tuple) else v
        return object.__getattribute__(self, item)

    @property
    def tactic(self):
        raise DefinitionError(
            f"{type(self).__name__}.tactic: the tactic is known only while enqueue is traced; reference, "
            "output_shapes, workspace and constraints must give the same results for every tactic")

    @property
    def attribute_values(self) -> dict:
        return dict(self.__dict__["_attr_values"])

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.__dict__["_attr_values"].items())
        return f"{type(self).__name__}({args})"


def build_spec(cls) -> PluginSpec:
    owner = cls.__name__
    for member in RESERVED:
        if isinstance(cls.__dict__.get(member), Attr):
            raise DefinitionError(f"{owner}.{member}: '{member}' is reserved and cannot be an attribute name")
    name = cls.__dict__.get("name") or cls.__name__
    if not isinstance(name, str) or not PLUGIN_NAME.match(name):
        raise DefinitionError(f"{owner}.name: expected a plugin name made of letters, digits and '_', got {name!r}")
    version = cls.version
    if not isinstance(version, str) or not VERSION.match(version):
        raise DefinitionError(
            f"{owner}.version: expected a short string such as \"1\", got {version!r}")

    inputs = _checked_list(cls, "inputs", Input)
    inputs = tuple(t.checked(owner, i) for i, t in enumerate(inputs))
    input_names = [t.name for t in inputs]
    outputs = _checked_list(cls, "outputs", Output)
    outputs = tuple(t.checked(owner, i, input_names) for i, t in enumerate(outputs))
    seen = set()
    for t in (*inputs, *outputs):
        if t.name in seen:
            raise DefinitionError(f"{owner}: two tensors are named {t.name!r}; tensor names must be unique")
        seen.add(t.name)

    attrs = _collect_attrs(cls, owner, seen)
    enqueue = _method(cls, "enqueue", owner, required=True)
    output_shapes = _method(cls, "output_shapes", owner)
    workspace = _method(cls, "workspace", owner)
    reference = _method(cls, "reference", owner)
    constraints = _method(cls, "constraints", owner)

    n_io = len(inputs) + len(outputs)
    _check_arity(enqueue, owner, "enqueue", 1 + n_io, "self, then every input and output" +
                 (", then the workspace buffers" if workspace else ""), allow_more=workspace is not None)
    if output_shapes is not None:
        _check_arity(output_shapes, owner, "output_shapes", 1 + len(inputs), "self, then every input")
    elif any(o.like is None for o in outputs):
        missing = [o.name for o in outputs if o.like is None]
        raise DefinitionError(
            f"{owner}: output(s) {missing} have no like= and the class defines no output_shapes(self, "
            + ", ".join(input_names) + "). Hint: return one shape tuple per output")
    if workspace is not None:
        _check_arity(workspace, owner, "workspace", 1 + len(inputs), "self, then every input")
    if reference is not None:
        _check_arity(reference, owner, "reference", 1 + len(inputs), "self, then every input")
    if constraints is not None:
        _check_arity(constraints, owner, "constraints", 1 + len(inputs), "self, then every input")

    combos = _combinations(cls, owner, inputs, outputs)
    test_shapes = _test_shapes(cls, owner, inputs)
    tolerance = _tolerance(cls, owner)
    test_cases = _test_cases(cls, owner, inputs, attrs)
    test_ranges = _test_ranges(cls, owner, inputs)
    tactics = checked_tactics(cls.tactics, owner)
    return PluginSpec(
        name=name, version=version, qualname=f"{_module_label(cls)}.{owner}",
        source=_source_file(cls) or "<unknown>", doc=inspect.getdoc(cls) or "",
        inputs=inputs, outputs=outputs, attrs=attrs, combinations=combos,
        enqueue=enqueue, output_shapes=output_shapes, workspace=workspace, reference=reference,
        constraints=constraints,
        test_shapes=test_shapes, tolerance=tolerance, test_cases=test_cases, test_ranges=test_ranges, tactics=tactics, plugin_class=cls)


def _module_label(cls) -> str:
    # Files loaded by path get a private module name (see loader.py); show the file's stem instead.
    module = cls.__module__
    if module.startswith("trtplug_user_"):
        source = _source_file(cls)
        return Path(source).stem if source else module
    return module


def _source_file(cls) -> str | None:
    """The file declaring `cls`, or None where there is none (`python -c`, the REPL, a notebook, exec)."""
    try:
        return inspect.getsourcefile(cls)
    except (OSError, TypeError):
        return None


def _checked_list(cls, member, item_type):
    owner = cls.__name__
    value = getattr(cls, member)
    if not isinstance(value, (list, tuple)):
        raise DefinitionError(f"{owner}.{member}: expected a list of tp.{item_type.__name__}, got {type(value).__name__}")
    if not value:
        raise DefinitionError(f"{owner}.{member}: a plugin needs at least one {item_type.__name__.lower()}")
    for i, item in enumerate(value):
        if not isinstance(item, item_type):
            raise DefinitionError(
                f"{owner}.{member}[{i}]: expected tp.{item_type.__name__}(...), got {type(item).__name__} {item!r}")
    return value


def _collect_attrs(cls, owner, tensor_names) -> tuple[Attr, ...]:
    attrs = []
    for klass in reversed(cls.__mro__):
        for key, value in vars(klass).items():
            if isinstance(value, Attr):
                if key in RESERVED:
                    raise DefinitionError(f"{owner}.{key}: '{key}' is reserved and cannot be an attribute name")
                if key in tensor_names:
                    raise DefinitionError(f"{owner}.{key}: an attribute has the same name as a tensor")
                attrs = [a for a in attrs if a.name != key]
                attrs.append(value.bound(owner, key))
    return tuple(attrs)


def _method(cls, member, owner, required=False):
    fn = getattr(cls, member, None)
    if fn is None:
        if required:
            raise DefinitionError(
                f"{owner}: no {member}() method. Hint: define def {member}(self, <inputs>, <outputs>) that "
                "calls tp.launch(kernel, grid=..., block=...)(args...)")
        return None
    if not callable(fn):
        raise DefinitionError(f"{owner}.{member}: expected a method, got {type(fn).__name__}")
    return fn


def _check_arity(fn, owner, member, count, expected, allow_more=False):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < count or (len(positional) > count and not allow_more):
        names = ", ".join(p.name for p in positional)
        raise DefinitionError(
            f"{owner}.{member}({names}): expected {count} parameters ({expected}), got {len(positional)}")


def _combinations(cls, owner, inputs, outputs) -> tuple[tuple[str, ...], ...]:
    declared = cls.dtype_combinations
    input_names = [t.name for t in inputs]
    if declared is None:
        # Inputs that accept the same dtypes vary together; distinct dtype lists vary independently.
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, t in enumerate(inputs):
            groups.setdefault(t.dtypes, []).append(i)
        per_input = []
        for choice in itertools.product(*groups.keys()):
            dtypes = [None] * len(inputs)
            for group_dtype, members in zip(choice, groups.values()):
                for i in members:
                    dtypes[i] = group_dtype
            per_input.append(tuple(dtypes))
    else:
        where = f"{owner}.dtype_combinations"
        if not isinstance(declared, (list, tuple)) or not declared:
            raise DefinitionError(f"{where}: expected a non-empty list of dicts {{input name: dtype}}")
        per_input = []
        for k, entry in enumerate(declared):
            if not isinstance(entry, dict):
                raise DefinitionError(f"{where}[{k}]: expected a dict {{input name: dtype}}, got {entry!r}")
            unknown = set(entry) - set(input_names) - {o.name for o in outputs}
            if unknown:
                raise DefinitionError(f"{where}[{k}]: unknown tensor(s) {sorted(unknown)}; inputs are {input_names}")
            missing = [n for n in input_names if n not in entry]
            if missing:
                raise DefinitionError(f"{where}[{k}]: no dtype given for input(s) {missing}")
            dtypes = []
            for t in inputs:
                d = tensor_dtype(entry[t.name], f"{where}[{k}]['{t.name}']")
                if d not in t.dtypes:
                    raise DefinitionError(
                        f"{where}[{k}]['{t.name}']: {d} is not among the input's dtypes {list(t.dtypes)}")
                dtypes.append(d)
            per_input.append((tuple(dtypes), entry))
        combos_seen = set()
        checked = []
        for k, (dtypes, entry) in enumerate(per_input):
            if dtypes in combos_seen:
                raise DefinitionError(f"{where}[{k}]: the combination {dict(zip(input_names, dtypes))} is listed twice")
            combos_seen.add(dtypes)
            for o in outputs:
                if o.name in entry:
                    want = tensor_dtype(entry[o.name], f"{where}[{k}]['{o.name}']")
                    got = _output_dtype(o, dict(zip(input_names, dtypes)))
                    if want != got:
                        raise DefinitionError(
                            f"{where}[{k}]['{o.name}']: {want} contradicts the output's declaration, which gives {got}")
            checked.append(dtypes)
        per_input = checked

    combos = []
    for dtypes in per_input:
        by_name = dict(zip(input_names, dtypes))
        combos.append(tuple(dtypes) + tuple(_output_dtype(o, by_name) for o in outputs))
    return tuple(combos)


def _output_dtype(output: Output, input_dtypes: dict) -> str:
    if output.dtype is not None:
        return output.dtype
    return input_dtypes[output.like or output.dtype_like]


def _test_shapes(cls, owner, inputs) -> tuple | None:
    declared = cls.test_shapes
    if declared is None:
        return None
    return _shape_sets(declared, f"{owner}.test_shapes", inputs)


def _shape_sets(declared, where, inputs) -> tuple:
    names = [t.name for t in inputs]
    if not isinstance(declared, (list, tuple)) or not declared:
        raise DefinitionError(f"{where}: expected a non-empty list of {{input name: shape}} dicts")
    result = []
    for k, entry in enumerate(declared):
        if isinstance(entry, (list, tuple)) and len(names) == 1 and all(isinstance(d, int) for d in entry):
            entry = {names[0]: entry}
        if not isinstance(entry, dict) or set(entry) != set(names):
            raise DefinitionError(f"{where}[{k}]: expected a dict with one shape per input {names}, got {entry!r}")
        shapes = []
        for t in inputs:
            shape = entry[t.name]
            if (not isinstance(shape, (list, tuple)) or not all(isinstance(d, int) and d >= 0 for d in shape)
                    or len(shape) > 8):
                raise DefinitionError(f"{where}[{k}]['{t.name}']: expected a tuple of non-negative ints, got {shape!r}")
            if t.rank is not None and len(shape) != t.rank:
                raise DefinitionError(f"{where}[{k}]['{t.name}']: rank {len(shape)} but the input is declared rank {t.rank}")
            shapes.append(tuple(shape))
        result.append(tuple(shapes))
    return tuple(result)


def _tolerance(cls, owner) -> dict:
    declared = cls.tolerance or {}
    if not isinstance(declared, dict):
        raise DefinitionError(f"{owner}.tolerance: expected a dict {{dtype: (rtol, atol)}}, got {declared!r}")
    result = {}
    for key, value in declared.items():
        dtype = tensor_dtype(key, f"{owner}.tolerance")
        if (not isinstance(value, (tuple, list)) or len(value) != 2
                or not all(isinstance(v, (int, float)) and v >= 0 for v in value)):
            raise DefinitionError(f"{owner}.tolerance[{key!r}]: expected (rtol, atol) non-negative numbers, got {value!r}")
        result[dtype] = (float(value[0]), float(value[1]))
    return result


def _test_ranges(cls, owner, inputs) -> dict:
    """test_ranges: {input name: (low, high)}: `trtplug test` draws that input's values from [low, high)
    (an index input, say, whose values must address another input)."""
    declared = cls.test_ranges
    if declared is None:
        return {}
    where = f"{owner}.test_ranges"
    if not isinstance(declared, dict):
        raise DefinitionError(f"{where}: expected a dict {{input name: (low, high)}}, got {declared!r}")
    names = [t.name for t in inputs]
    result = {}
    for name, bounds in declared.items():
        if name not in names:
            raise DefinitionError(f"{where}: no input named {name!r}. Hint: inputs are {names}")
        if (not isinstance(bounds, (tuple, list)) or len(bounds) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bounds)
                or not bounds[0] < bounds[1]):
            raise DefinitionError(f"{where}[{name!r}]: expected (low, high) numbers with low < high, got {bounds!r}")
        result[name] = (bounds[0], bounds[1])
    return result


def _test_cases(cls, owner, inputs, attrs) -> tuple:
    """test_cases: [{"attrs": {name: value}, "shapes": [{input: shape}, ...]}, ...]; "shapes" is optional
    (default: the test_shapes) and may be one {input: shape} dict."""
    declared = cls.test_cases
    if declared is None:
        return ()
    where = f"{owner}.test_cases"
    if not isinstance(declared, (list, tuple)) or not declared:
        raise DefinitionError(f"{where}: expected a non-empty list of {{'attrs': {{...}}, 'shapes': [...]}} dicts")
    known = {a.name: a for a in attrs}
    result = []
    for k, entry in enumerate(declared):
        at = f"{where}[{k}]"
        if not isinstance(entry, dict) or not entry or set(entry) - {"attrs", "shapes"}:
            raise DefinitionError(f"{at}: expected a dict with 'attrs' and/or 'shapes', got {entry!r}. "
                                  "Hint: {'attrs': {'alpha': 0.5}}")
        values = entry.get("attrs", {})
        if not isinstance(values, dict):
            raise DefinitionError(f"{at}['attrs']: expected a dict {{attribute name: value}}, got {values!r}")
        for name, value in values.items():
            if name not in known:
                raise DefinitionError(f"{at}['attrs']: no attribute named {name!r}. Hint: attributes are "
                                      f"{sorted(known)}")
            known[name].check_value(value, f"{at}['attrs'][{name!r}]")
        shapes = entry.get("shapes")
        if isinstance(shapes, dict):
            shapes = [shapes]
        result.append((dict(values), None if shapes is None else _shape_sets(shapes, f"{at}['shapes']", inputs)))
    return tuple(result)
