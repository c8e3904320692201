"""Test plans for the lifecycle harness: the cases to run, written as one record file.

write_plan puts into a folder the plan (plan.txt, records.py's format) plus one .bin per input and
one .npy per reference. The harness reads the plan's library, case, field, input and output records
and skips the notes it does not need (labels, tolerances, reference files); results.py reads them
back to judge what the harness wrote. Nothing here imports Numba.

Example::

    x = np.random.rand(2, 3).astype(np.float32)
    case = PlanCase("mish_f32", plugin="Mish", version="1", fields=[PluginField.from_value("beta", 1.0)],
                    inputs=[x], references=[x * np.tanh(np.log1p(np.exp(x)))])
    write_plan("build/plan", [case])          # build/plan/plan.txt
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..errors import TrtPlugError
from ..native.records import Record, RecordError, read_records, record, write_records

PLAN_FORMAT = 2
PLAN_FILE = "plan.txt"
DEFAULT_LIBRARY_ID = "lib"

# numpy dtype name -> nvinfer1::DataType value
TRT_DTYPES = {"float32": 0, "float16": 1, "int8": 2, "int32": 3, "bool": 4, "uint8": 5, "int64": 8}
NUMPY_OF_TRT = {v: k for k, v in TRT_DTYPES.items()}

EXPECTATIONS = ("lookup-fail", "create-fail", "deserialize-fail", "types-rejected")


class FieldType(enum.IntEnum):
    """nvinfer1::PluginFieldType values."""

    FLOAT16 = 0
    FLOAT32 = 1
    FLOAT64 = 2
    INT8 = 3
    INT16 = 4
    INT32 = 5
    CHAR = 6
    DIMS = 7
    UNKNOWN = 8
    BF16 = 9
    INT64 = 10


_FIELD_NUMPY = {FieldType.FLOAT16: np.float16, FieldType.FLOAT32: np.float32, FieldType.FLOAT64: np.float64,
                FieldType.INT8: np.int8, FieldType.INT16: np.int16, FieldType.INT32: np.int32,
                FieldType.INT64: np.int64}


@dataclass(frozen=True)
class PluginField:
    """One nvinfer1::PluginField as createPlugin receives it: raw bytes, a type and an element count."""

    name: str
    type: int
    data: bytes
    length: int

    @classmethod
    def from_value(cls, name: str, value, kind: str | None = None) -> "PluginField":
        """The field TensorRT's ONNX importer would pass for `value`.

        kind (a trtplug attribute kind) picks the type when the value alone is ambiguous:
        "int", "bool", "int_list" -> kINT32; "float", "float_list" -> kFLOAT32; "string" -> kCHAR.
        """
        if kind is None:
            if isinstance(value, str):
                kind = "string"
            elif isinstance(value, (bool, int, np.integer)):
                kind = "int"
            elif isinstance(value, (float, np.floating)):
                kind = "float"
            elif isinstance(value, (list, tuple, np.ndarray)):
                items = list(np.asarray(value).ravel())
                kind = "float_list" if any(isinstance(v, (float, np.floating)) for v in items) else "int_list"
            else:
                raise TypeError(f"field {name!r}: no PluginField type for a {type(value).__name__}")
        if kind == "string":
            data = str(value).encode("utf-8")
            return cls(name, FieldType.CHAR, data, len(data))
        if kind in ("int", "bool", "int_list"):
            return cls.typed(name, FieldType.INT32, value)
        if kind in ("float", "float_list"):
            return cls.typed(name, FieldType.FLOAT32, value)
        raise ValueError(f"field {name!r}: unknown attribute kind {kind!r}")

    @classmethod
    def typed(cls, name: str, field_type: int, values) -> "PluginField":
        """A field of an explicit numeric PluginFieldType (values converted with numpy)."""
        ftype = FieldType(field_type)
        if ftype not in _FIELD_NUMPY:
            raise ValueError(f"field {name!r}: PluginFieldType {ftype.name} needs raw bytes (use PluginField(...))")
        arr = np.asarray(values, dtype=_FIELD_NUMPY[ftype]).ravel()
        return cls(name, int(ftype), arr.astype(arr.dtype.newbyteorder("<")).tobytes(), int(arr.size))


@dataclass
class PlanCase:
    """One plugin run: how to make the plugin, its inputs, and what its outputs must be.

    outputs: (dtype, shape) per output; taken from `references` when not given.
    references: expected output values, compared after a GPU enqueue (atol + rtol * |ref|).
    fields: None passes a null PluginFieldCollection to createPlugin.
    deserialize_from: make the plugin with deserializePlugin(blob file) instead of createPlugin.
    save_blob: file (relative to the plan folder) the plugin's serialization is written to.
    expect: one of EXPECTATIONS, with `expect_message` a text the plugin's error must contain.
    phase: "runtime" passes `fields` to an IPluginV3 creator in TensorRT's runtime phase (as an
        engine being deserialized would); ignored for IPluginV2 libraries.
    counted_by: per output, None or (size tensor output index, dim) for a data-dependent output:
        `outputs` gives its upper bound (what the harness allocates), its reference holds the
        count the size tensor must report in that dim, and only that many are compared.
    tactic: a TensorRT tactic id the IPluginV3 builder chooses (it must be 0 or one getValidTactics
        offers) and the runtime sets; None runs the default (0). IPluginV2 libraries ignore it.
    """

    case_id: str
    plugin: str
    version: str
    namespace: str = ""
    library: str = DEFAULT_LIBRARY_ID
    fields: Sequence[PluginField] | None = ()
    inputs: Sequence[np.ndarray] = ()
    outputs: Sequence[tuple[str, tuple[int, ...]]] | None = None
    references: Sequence[np.ndarray] | None = None
    atol: float | Sequence[float] = 1e-5
    rtol: float | Sequence[float] = 1e-5
    deserialize_from: str | Path | None = None
    save_blob: str | None = None
    expect: str | None = None
    expect_message: str = ""
    label: str = ""
    phase: str | None = None
    counted_by: Sequence[tuple[int, int] | None] | None = None
    tactic: int | None = None


def _as_list(value, n: int) -> list[float]:
    if isinstance(value, (int, float)):
        return [float(value)] * n
    values = [float(v) for v in value]
    if len(values) != n:
        raise ValueError(f"expected {n} tolerance values, got {len(values)}")
    return values


def write_plan(plan_dir: str | Path, cases: Sequence[PlanCase], *, libraries: Mapping[str, str | Path] | None = None,
               mode: str = "auto", load: str = "loader") -> Path:
    """Writes the plan of `cases` into `plan_dir`: plan.txt plus one .bin per input and one .npy per
    reference. Returns the plan's path.

    mode: "auto" (enqueue when a GPU is there), "cpu" (never enqueue) or "gpu" (a GPU is required).
    load: "loader" (IPluginRegistry::loadLibrary, as --dynamicPlugins) or "static" (plain dlopen and
    the library's static registration, as --plugins or DeepStream).
    libraries: library id -> path, when known now (run_plan may give them instead).
    """
    if mode not in ("auto", "cpu", "gpu"):
        raise ValueError(f"mode must be 'auto', 'cpu' or 'gpu', not {mode!r}")
    if load not in ("loader", "static"):
        raise ValueError(f"load must be 'loader' or 'static', not {load!r}")
    plan_dir = Path(plan_dir)
    plan_dir.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    case_records: list[Record] = []
    for case in cases:
        case_records += _case_records(case, plan_dir, seen)
    lib_ids = dict.fromkeys([*(libraries or {}), *(c.library for c in cases)])
    paths = {k: str(Path(v).resolve()) for k, v in (libraries or {}).items()}
    head = [record("trtplug-plan", format=PLAN_FORMAT, mode=mode)]
    head += [record("library", id=k, load=load, path=paths.get(k, "")) for k in lib_ids]
    return write_records(plan_dir / PLAN_FILE, head + case_records)


def _case_records(case: PlanCase, plan_dir: Path, seen: set) -> list[Record]:
    cid = case.case_id
    if not cid or any(c.isspace() for c in cid) or "/" in cid:
        raise ValueError(f"case id {cid!r}: use a non-empty name without spaces or '/'")
    if cid in seen:
        raise ValueError(f"case id {cid!r} is used twice")
    seen.add(cid)
    if case.expect is not None and case.expect not in EXPECTATIONS:
        raise ValueError(f"case {cid}: expect must be one of {', '.join(EXPECTATIONS)}")
    inputs = []
    for k, arr in enumerate(case.inputs):
        arr = np.ascontiguousarray(arr)
        if arr.dtype.name not in TRT_DTYPES:
            raise ValueError(f"case {cid}: input {k} has dtype {arr.dtype.name}, which has no TensorRT DataType")
        name = f"{cid}.in{k}.bin"
        (plan_dir / name).write_bytes(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
        inputs.append(record("input", dtype=TRT_DTYPES[arr.dtype.name], dims=list(arr.shape), file=name))
    refs = list(case.references) if case.references is not None else None
    if case.outputs is not None:
        outs = [(np.dtype(d).name, tuple(int(s) for s in shape)) for d, shape in case.outputs]
    elif refs is not None:
        outs = [(np.asarray(r).dtype.name, tuple(np.asarray(r).shape)) for r in refs]
    else:
        outs = []
    if not outs and case.expect is None:
        raise ValueError(f"case {cid}: give the expected outputs (references, or outputs as (dtype, shape))")
    if refs is not None and len(refs) != len(outs):
        raise ValueError(f"case {cid}: {len(refs)} references for {len(outs)} outputs")
    counted_by = list(case.counted_by) if case.counted_by is not None else [None] * len(outs)
    if len(counted_by) != len(outs):
        raise ValueError(f"case {cid}: counted_by has {len(counted_by)} entries for {len(outs)} outputs")
    outputs = []
    for k, (dtype, shape) in enumerate(outs):
        if dtype not in TRT_DTYPES:
            raise ValueError(f"case {cid}: output {k} has dtype {dtype}, which has no TensorRT DataType")
        ref_name = None
        if refs is not None:
            ref_name = f"{cid}.ref{k}.npy"
            np.save(plan_dir / ref_name, np.asarray(refs[k]), allow_pickle=False)
        size_output, size_dim = counted_by[k] if counted_by[k] is not None else (None, None)
        outputs.append(record("output", dtype=TRT_DTYPES[dtype], dims=list(shape), file=f"{cid}.out{k}.bin",
                              reference=ref_name, size_output=size_output, size_dim=size_dim))
    n_out = len(outputs)
    label = case.label or _label(inputs, outputs)
    head = record("case", id=cid, library=case.library, plugin=case.plugin, version=case.version,
                  namespace=case.namespace, fields="null" if case.fields is None else None,
                  deserialize=None if case.deserialize_from is None else str(case.deserialize_from),
                  save_blob=case.save_blob, phase=case.phase, tactic=case.tactic, expect=case.expect,
                  expect_message=case.expect_message if case.expect else None, label=label,
                  atol=_as_list(case.atol, n_out), rtol=_as_list(case.rtol, n_out))
    fields = [record("field", name=f.name, type=int(f.type), length=int(f.length), data=f.data)
              for f in case.fields or ()]
    return [head, *fields, *inputs, *outputs, Record("end")]


def _label(inputs: Sequence[Record], outputs: Sequence[Record]) -> str:
    def one(t: Record) -> str:
        return f"{NUMPY_OF_TRT[t.int('dtype')]}[{','.join(map(str, t.ints('dims')))}]"
    return ", ".join(one(t) for t in inputs) + " -> " + ", ".join(one(t) for t in outputs)


def read_plan(plan_dir: str | Path) -> dict:
    """The plan in `plan_dir` as plain data: {"mode", "libraries": {id: path}, "load", "cases": [{"id",
    "plugin", "version", "namespace", "library", "fields" (None or [{"name", "type", "length", "data"
    (hex)}]), "inputs"/"outputs" ([{"dtype", "shape", "file"[, "reference"]}]), "atol", "rtol",
    "deserialize", "save_blob", "expect", "expect_message", "label"}]}."""
    path = Path(plan_dir) / PLAN_FILE
    try:
        recs = read_records(path)
        return _plan_data(recs)
    except (OSError, RecordError) as exc:
        raise TrtPlugError(f"cannot read the test plan {path}: {exc}") from exc


def _plan_data(recs: list[Record]) -> dict:
    if not recs or recs[0].kind != "trtplug-plan":
        raise RecordError("not a trtplug test plan")
    if recs[0].int("format") != PLAN_FORMAT:
        raise RecordError(f"plan format {recs[0].text('format')}, expected {PLAN_FORMAT}")
    plan = {"format": PLAN_FORMAT, "mode": recs[0].text("mode", "auto"), "load": "loader", "libraries": {},
            "cases": []}
    case = None
    for r in recs[1:]:
        if r.kind == "library":
            plan["libraries"][r.text("id")] = r.text("path", "")
            plan["load"] = r.text("load", "loader")
        elif r.kind == "case":
            case = {"id": r.text("id"), "plugin": r.text("plugin"), "version": r.text("version"),
                    "namespace": r.text("namespace", ""), "library": r.text("library"),
                    "fields": None if r.text("fields", "") == "null" else [], "inputs": [], "outputs": [],
                    "atol": r.floats("atol") if "atol" in r else [], "rtol": r.floats("rtol") if "rtol" in r else [],
                    "deserialize": r.fields.get("deserialize"), "save_blob": r.fields.get("save_blob"),
                    "expect": r.fields.get("expect"), "expect_message": r.text("expect_message", ""),
                    "label": r.text("label", ""), "tactic": r.int("tactic") if "tactic" in r else None}
            plan["cases"].append(case)
        elif r.kind == "field" and case is not None and case["fields"] is not None:
            case["fields"].append({"name": r.text("name"), "type": r.int("type"), "length": r.int("length"),
                                   "data": r.text("data")})
        elif r.kind in ("input", "output") and case is not None:
            tensor = {"dtype": NUMPY_OF_TRT[r.int("dtype")], "shape": r.ints("dims"), "file": r.text("file", "")}
            if "reference" in r:
                tensor["reference"] = r.text("reference")
            if "size_output" in r:
                tensor["size_output"], tensor["size_dim"] = r.int("size_output"), r.int("size_dim")
            case[r.kind + "s"].append(tensor)
        elif r.kind == "end":
            case = None
    return plan


def set_plan_libraries(plan_dir: str | Path, libraries: Mapping[str, str | Path], *, mode: str | None = None,
                       load: str | None = None) -> Path:
    """Points the plan's library records (and, when given, its mode and load) at these paths; relative
    paths are kept as they are, to be found from the folder the harness is started in. Returns the plan
    path, ready for ``trtplug_harness plan.txt result.txt``."""
    path = Path(plan_dir) / PLAN_FILE
    try:
        recs = read_records(path)
        _plan_data(recs)
    except (OSError, RecordError) as exc:
        raise TrtPlugError(f"cannot read the test plan {path}: {exc}") from exc
    if mode is not None:
        recs[0].fields["mode"] = mode
    old = {r.text("id"): r for r in recs if r.kind == "library"}
    rest = [r for r in recs[1:] if r.kind != "library"]
    libs = []
    for lib_id in dict.fromkeys([*old, *libraries]):
        prior = old.get(lib_id)
        lib_path = str(libraries[lib_id]) if lib_id in libraries else (prior.text("path", "") if prior else "")
        lib_load = load or (prior.text("load", "loader") if prior else "loader")
        libs.append(record("library", id=lib_id, load=lib_load, path=lib_path))
    return write_records(path, [recs[0], *libs, *rest])


def plan_cases(spec, cases, *, prefix: str | None = None, tactics: bool = False) -> list[PlanCase]:
    """PlanCases for a plugin's test cases (trtplug.testing.cases.Case: inputs, references, attributes,
    tolerance per output), with every attribute passed as the PluginField its kind calls for.
    Data-dependent outputs are allocated at their upper bound and compared up to the count.

    tactics: one PlanCase per case and declared tactic (id `_t<name>`, tactic id = index + 1, the
    IPluginV3 adapter's numbering); without it, or without tactics, each case runs the default."""
    from .cases import expected_output_shapes, output_shape_rule

    rule = None
    result = []
    chosen = [(f"_t{t.name}", k + 1, f" tactic={t.name}") for k, t in enumerate(spec.tactics)] if tactics else []
    for i, case in enumerate(cases):
        fields = [PluginField.from_value(name, value, spec.attr(name).kind) for name, value in case.attributes.items()]
        outputs = None
        if getattr(case, "counted_by", None) and case.references is not None:
            rule = rule or output_shape_rule(spec)
            uppers = expected_output_shapes(spec, rule, case.input_shapes, case.attributes)
            if uppers is not None:
                outputs = [(np.asarray(r).dtype.name, upper) for r, upper in zip(case.references, uppers)]
        for suffix, tactic, label in chosen or [("", None, "")]:
            result.append(PlanCase(f"{prefix or spec.name}_{i}{suffix}", spec.name, spec.version, fields=fields,
                                   inputs=case.inputs, references=case.references, outputs=outputs,
                                   rtol=[t[0] for t in case.tolerance], atol=[t[1] for t in case.tolerance],
                                   label=case.label + label,
                                   counted_by=getattr(case, "counted_by", None) if outputs else None, tactic=tactic))
    return result


__all__ = ["DEFAULT_LIBRARY_ID", "EXPECTATIONS", "FieldType", "NUMPY_OF_TRT", "PLAN_FILE", "PLAN_FORMAT", "PlanCase",
           "PluginField", "TRT_DTYPES", "plan_cases", "read_plan", "set_plan_libraries", "write_plan"]
