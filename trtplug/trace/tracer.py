"""Runs a plugin's output_shapes/workspace/enqueue once per dtype combination with symbolic inputs."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import TraceError, TrtPlugError
from ..declare.spec import PluginSpec
from . import constraints as constraint_trace
from .constraints import TracedConstraint
from .data_dependent import DataDependent
from .expr import Const, Expr, as_expr
from .launch import TracedLaunch, recording
from .symbolic import Buffer, SymbolicSelf, check_buffer, make_input, make_output, make_workspace


@dataclass(frozen=True)
class OutputShape:
    """An output's shape: `like_input` (same shape as that input, any rank) or explicit dims.

    A data-dependent output (tp.data_dependent) has the upper bound in dims[size_dim] and the
    output index of the size tensor holding the actual extent in `size_output`."""

    like_input: int | None
    dims: tuple[Expr, ...] | None
    size_output: int | None = None
    size_dim: int | None = None

    @property
    def data_dependent(self) -> bool:
        return self.size_output is not None


@dataclass(frozen=True)
class TracedVariant:
    io_types: tuple[str, ...]
    # Every launch traced for these dtypes, of every tactic in order: what gets compiled.
    launches: tuple[TracedLaunch, ...]
    workspace: tuple[tuple[str, Buffer], ...]
    # The launches of each declared tactic (spec.tactics order); () for a plugin without tactics,
    # whose one implicit tactic is `launches`.
    tactic_launches: tuple[tuple[TracedLaunch, ...], ...] = ()

    def launches_of(self, tactic: int) -> tuple[TracedLaunch, ...]:
        """The launches of tactic `tactic` (0 without tactics: `launches`)."""
        return self.tactic_launches[tactic] if self.tactic_launches else self.launches


@dataclass(frozen=True)
class TracedPlugin:
    spec: PluginSpec
    outputs: tuple[OutputShape, ...]
    variants: tuple[TracedVariant, ...]
    constraints: tuple[TracedConstraint, ...] = ()


def trace(spec: PluginSpec) -> TracedPlugin:
    """Traces every dtype combination of `spec`. Raises TraceError naming the plugin and method."""
    owner = spec.qualname.rsplit(".", 1)[-1]
    variants = []
    outputs = None
    rules = None
    for combo in spec.combinations:
        try:
            variant_rules = _constraints(spec, combo, owner)
            variant_outputs, variant = _trace_combination(spec, combo, owner)
        except TrtPlugError:
            raise
        except Exception as exc:  # user code failed in a way we did not anticipate
            raise TraceError(
                f"{owner}: tracing failed for dtypes {spec.combination_label(combo)}: "
                f"{type(exc).__name__}: {exc}") from exc
        if outputs is None:
            outputs = variant_outputs
        elif not _same_outputs(variant_outputs, outputs):
            raise TraceError(
                f"{owner}.output_shapes: the output shapes differ between dtype combinations "
                f"({spec.combination_label(spec.combinations[0])} vs {spec.combination_label(combo)}); "
                "output shapes must not depend on dtypes")
        if rules is None:
            rules = variant_rules
        elif [r.key() for r in rules] != [r.key() for r in variant_rules]:
            raise TraceError(
                f"{owner}.constraints: the constraints differ between dtype combinations "
                f"({spec.combination_label(spec.combinations[0])} vs {spec.combination_label(combo)}); "
                "constraints must not depend on dtypes")
        variants.append(variant)
    return TracedPlugin(spec, outputs, tuple(variants), rules or ())


def _constraints(spec: PluginSpec, combo, owner) -> tuple[TracedConstraint, ...]:
    if spec.constraints is None:
        return ()
    this = SymbolicSelf(spec, owner)
    inputs = [make_input(spec, i, combo[i], owner) for i in range(spec.n_inputs)]
    with constraint_trace.recording(owner) as found:
        result = spec.constraints(this, *inputs)
    if result is not None:
        raise TraceError(f"{owner}.constraints: must return None (state each rule with tp.require), "
                         f"returned {result!r}")
    return tuple(found)


def _same_outputs(a: tuple[OutputShape, ...], b: tuple[OutputShape, ...]) -> bool:
    def key(shape: OutputShape):
        dims = None if shape.dims is None else tuple(d.program() for d in shape.dims)
        return shape.like_input, dims, shape.size_output, shape.size_dim
    return [key(s) for s in a] == [key(s) for s in b]


def _trace_combination(spec: PluginSpec, combo, owner):
    this = SymbolicSelf(spec, owner)
    inputs = [make_input(spec, i, combo[i], owner) for i in range(spec.n_inputs)]
    outputs_shapes = _output_shapes(spec, this, inputs, owner)
    outputs = []
    for j, shape in enumerate(outputs_shapes):
        dims = shape.dims
        if dims is None and spec.inputs[shape.like_input].rank is not None:
            dims = inputs[shape.like_input].shape
        outputs.append(make_output(spec, j, combo[spec.n_inputs + j], dims, shape.like_input, owner))

    workspace = _workspace(spec, this, inputs, owner)
    buffers = [make_workspace(k, name, buf, owner) for k, (name, buf) in enumerate(workspace)]
    if not spec.tactics:
        launches = _trace_enqueue(spec, this, inputs, outputs, buffers, owner)
        return tuple(outputs_shapes), TracedVariant(tuple(combo), launches, tuple(workspace))
    per_tactic = []
    for tactic in spec.tactics:
        try:
            per_tactic.append(_trace_enqueue(spec, SymbolicSelf(spec, owner, tactic), inputs, outputs, buffers, owner))
        except TrtPlugError as exc:
            raise type(exc)(f"{exc} (tactic {tactic.name!r})") from exc
        except Exception as exc:  # user code failed in a way we did not anticipate
            raise TraceError(f"{owner}.enqueue: tracing failed for tactic {tactic.name!r}: "
                             f"{type(exc).__name__}: {exc}") from exc
    every = tuple(launch for launches in per_tactic for launch in launches)
    return tuple(outputs_shapes), TracedVariant(tuple(combo), every, tuple(workspace), tuple(per_tactic))


def _trace_enqueue(spec: PluginSpec, this, inputs, outputs, buffers, owner) -> tuple[TracedLaunch, ...]:
    with recording(owner) as recorder:
        result = spec.enqueue(this, *inputs, *outputs, *buffers)
    if result is not None:
        raise TraceError(f"{owner}.enqueue: must return None (launch kernels with tp.launch), returned {result!r}")
    if not recorder.launches:
        raise TraceError(
            f"{owner}.enqueue: launched no kernel. Hint: call tp.launch(kernel, grid=..., block=...)(args...)")
    for launch in recorder.launches:
        for arg in launch.args:
            if arg.kind == "workspace" and arg.index >= len(buffers):
                raise TraceError(f"{owner}.enqueue: uses workspace buffer {arg.index} that workspace() did not declare")
    return tuple(recorder.launches)


def _output_shapes(spec: PluginSpec, this, inputs, owner) -> list[OutputShape]:
    input_index = {t.name: i for i, t in enumerate(spec.inputs)}
    if spec.output_shapes is None:
        return [OutputShape(input_index[o.like], None) for o in spec.outputs]
    result = spec.output_shapes(this, *inputs)
    where = f"{owner}.output_shapes"
    if spec.n_outputs == 1 and isinstance(result, tuple) and all(_is_dim(d) for d in result):
        result = [result]
    if not isinstance(result, (list, tuple)) or len(result) != spec.n_outputs:
        raise TraceError(f"{where}: expected a list of {spec.n_outputs} shape tuple(s) (one per output), got {result!r}")
    output_index = {o.name: j for j, o in enumerate(spec.outputs)}
    shapes = []
    for j, (out, shape) in enumerate(zip(spec.outputs, result)):
        w = f"{where}: output '{out.name}'"
        if shape is None and out.like is not None:
            shapes.append(OutputShape(input_index[out.like], None))
            continue
        if shape is None and out.size_tensor:
            shape = ()
        if not isinstance(shape, (tuple, list)):
            raise TraceError(f"{w}: expected a tuple of dims, got {type(shape).__name__} {shape!r}")
        if not 0 <= len(shape) <= 8:
            raise TraceError(f"{w}: rank {len(shape)} exceeds TensorRT's maximum of 8")
        size_output, size_dim = _data_dependent_dim(spec, out, shape, output_index, w)
        if size_dim is not None:
            shape = list(shape)
            shape[size_dim] = shape[size_dim].upper
        dims = tuple(as_expr(d, f"{w} dim {k}") for k, d in enumerate(shape))
        for k, d in enumerate(dims):
            if isinstance(d, Const) and d.value < 0:
                raise TraceError(f"{w}: dim {k} is negative ({d.value})")
        if out.rank is not None and out.rank != len(dims):
            raise TraceError(f"{w}: declared rank {out.rank} but output_shapes returned {len(dims)} dims")
        shapes.append(OutputShape(None, dims, size_output, size_dim))
    _check_size_outputs_used(spec, shapes, where)
    return shapes


def _data_dependent_dim(spec: PluginSpec, out, shape, output_index: dict, w: str) -> tuple[int | None, int | None]:
    """(size tensor output index, dim) of the output's tp.data_dependent dim, or (None, None)."""
    marked = [k for k, d in enumerate(shape) if isinstance(d, DataDependent)]
    if not marked:
        return None, None
    if out.size_tensor:
        raise TraceError(f"{w}: a size tensor is 0-d; return () for it")
    if len(marked) > 1:
        raise TraceError(f"{w}: dims {marked} are data-dependent; trtplug supports one data-dependent dim per output")
    k = marked[0]
    mark = shape[k]
    size = output_index.get(mark.size)
    if size is None or not spec.outputs[size].size_tensor:
        sizes = [o.name for o in spec.outputs if o.size_tensor]
        raise TraceError(f"{w} dim {k}: tp.data_dependent({mark.size!r}, ...) names no size tensor output. Hint: "
                         + (f"size tensors are {sizes}" if sizes else
                            f"declare tp.size_output({mark.size!r}) among the outputs"))
    upper = as_expr(mark.upper, f"{w} dim {k}: the upper bound")
    if isinstance(upper, Const) and upper.value < 0:
        raise TraceError(f"{w} dim {k}: the upper bound is negative ({upper.value})")
    return size, k


def _check_size_outputs_used(spec: PluginSpec, shapes: list, where: str) -> None:
    counted = {s.size_output for s in shapes if s.data_dependent}
    uppers: dict[int, tuple] = {}
    for j, s in enumerate(shapes):
        if s.data_dependent:
            upper = uppers.setdefault(s.size_output, (j, s.dims[s.size_dim]))
            if upper[1].program() != s.dims[s.size_dim].program():
                raise TraceError(
                    f"{where}: outputs '{spec.outputs[upper[0]].name}' and '{spec.outputs[j].name}' are counted by "
                    f"size tensor '{spec.outputs[s.size_output].name}' with different upper bounds ({upper[1]} and "
                    f"{s.dims[s.size_dim]}); give them the same one")
    for j, out in enumerate(spec.outputs):
        if out.size_tensor and j not in counted:
            raise TraceError(f"{where}: size tensor '{out.name}' counts no output. Hint: give an output dim "
                             f"tp.data_dependent({out.name!r}, upper=...)")


def _is_dim(value) -> bool:
    return isinstance(value, (int, Expr)) and not isinstance(value, bool)


def _workspace(spec: PluginSpec, this, inputs, owner) -> list[tuple[str, Buffer]]:
    if spec.workspace is None:
        return []
    result = spec.workspace(this, *inputs)
    where = f"{owner}.workspace"
    if isinstance(result, Buffer):
        result = {"workspace": result}
    if isinstance(result, (list, tuple)):
        result = {f"buffer{k}": b for k, b in enumerate(result)}
    if not isinstance(result, dict):
        raise TraceError(f"{where}: expected a dict {{name: tp.Buffer(dtype, shape)}}, got {type(result).__name__}")
    for name in result:
        if not isinstance(name, str) or not name.isidentifier():
            raise TraceError(f"{where}: buffer names must be Python identifiers, got {name!r}")
    return [(name, check_buffer(buf, f"{where}: buffer {name!r}")) for name, buf in result.items()]
