"""Renders plugins.cpp: one trtplug::PluginDesc per plugin, the embedded kernel images and library().

The view-model classes below turn traced plugins and compiled kernels into plain values; the
template (templates/plugins.cpp.j2) only lays them out as C++ initializers.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..aot.signature import expected_param_types, param_count
from ..native.codes import ARG_KIND, ATTR_TYPE, IMAGE_KIND, SCALAR_TYPE, TENSOR_DTYPE, enumerators
from ..errors import KernelCompileError
from ..trace.expr import Condition, Expr
from ..trace.tracer import TracedPlugin
from ..native.assets import render_template
from ..native.literals import c_double, c_float, c_string, c_string_lines

DTYPE_ENUM = enumerators(TENSOR_DTYPE)
SCALAR_ENUM = enumerators(SCALAR_TYPE)
ATTR_ENUM = enumerators(ATTR_TYPE)
ARG_ENUM = enumerators(ARG_KIND)


class Table:
    """Deduplicated static arrays (expression programs, shape lists) with generated names."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.entries: dict[tuple, str] = {}

    def add(self, key: tuple) -> str:
        if key not in self.entries:
            self.entries[key] = f"{self.prefix}{len(self.entries)}"
        return self.entries[key]

    def items(self):
        return [(name, key) for key, name in self.entries.items()]


@dataclass
class Image:
    symbol: str
    kind: str  # "kCubin" | "kPtx"
    sm: int
    data: bytes
    comment: str

    @property
    def literal(self) -> str:
        """The image as string literals, one per line (joined here: a template loop over a
        megabyte of lines is slow)."""
        return "\n    ".join(c_string_lines(self.data))


@dataclass
class Module:
    name: str
    images: list[Image]


@dataclass
class Arg:
    kind: str
    index: int
    view_rank: int
    view_shape: str  # symbol of an Expr array or "nullptr"
    scalar_type: str
    value: str       # Expr initializer
    const: str
    comment: str


@dataclass
class Launch:
    module: int
    entry: str
    grid: list[str]
    block: list[str]
    shared: str
    args_symbol: str
    args: list[Arg]
    n_params: int
    cooperative: bool
    comment: str


@dataclass
class Workspace:
    dtype: str
    rank: int
    shape: str


@dataclass
class LaunchSet:
    """The launches of one tactic (the only set of a plugin without tactics)."""

    symbol: str    # of the LaunchDesc array
    launches: list[Launch]
    comment: str   # "" for the one implicit tactic


@dataclass
class Variant:
    io_types: list[str]
    launch_sets: list[LaunchSet]  # one per tactic; VariantDesc::launches is the first
    workspace: list[Workspace]
    comment: str
    tactics_symbol: str = ""      # of the TacticLaunchesDesc array; "" without tactics


@dataclass
class AttrView:
    name: str
    kind: str
    min_length: int
    max_length: int
    has_min: bool
    has_max: bool
    min_value: str
    max_value: str
    ints: list[str]
    floats: list[str]
    string: str
    default_length: int
    choices: list[str]  # C string literals


@dataclass
class OutputView:
    rank: int
    shape: str
    copy_input_shape: bool
    input: int
    size_output: int = -1  # data-dependent: the size tensor output counting dim size_dim
    size_dim: int = -1
    is_size_tensor: bool = False


@dataclass
class ConstraintView:
    condition: str  # Expr initializer
    message: str    # C string literal body
    comment: str


@dataclass
class PluginView:
    ident: str
    desc_symbol: str
    name: str
    version: str
    qualname: str
    io_names: list[str]
    input_ranks: list[int]
    outputs: list[OutputView]
    attrs: list[AttrView]
    variants: list[Variant]
    modules: list[Module]
    n_inputs: int
    n_outputs: int
    constraints: list[ConstraintView] = field(default_factory=list)
    tactic_names: list[str] = field(default_factory=list)  # empty: one implicit tactic


@dataclass
class LibraryView:
    name: str
    plugin_namespace: str
    plugins: list[PluginView]
    exprs: list[tuple[str, tuple]] = field(default_factory=list)
    shapes: list[tuple[str, tuple]] = field(default_factory=list)
    info_json: str = '""'  # string literals, one per line
    header: str = ""


def cxx_ident(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def build_view(traced: list[TracedPlugin], kernels: dict, *, library_name: str, plugin_namespace: str,
               info: dict, header: str) -> LibraryView:
    """`kernels` maps (id(kernel), signature) to the CompiledKernel for that launch."""
    exprs = Table("kExpr")
    shapes = Table("kShape")

    def expr(e: Expr | Condition | None) -> str:
        if e is None:
            return "{nullptr, 0}"
        words = e.program()
        return f"{{{exprs.add(words)}, {len(words)}}}"

    def shape(dims) -> str:
        if not dims:
            return "nullptr"
        return shapes.add(tuple(expr(d) for d in dims))

    plugins = []
    for p_index, tp in enumerate(traced):
        spec = tp.spec
        ident = f"p{p_index}_{cxx_ident(spec.name)}"
        modules: list[Module] = []
        module_index: dict[tuple, int] = {}
        variants = []
        for v_index, variant in enumerate(tp.variants):
            n_tactics = len(variant.tactic_launches) or 1
            launch_sets = []
            for t_index in range(n_tactics):
                prefix = f"kV{v_index}T{t_index}" if spec.tactics else f"kV{v_index}"
                launches = []
                for l_index, launch in enumerate(variant.launches_of(t_index)):
                    key = (id(launch.kernel), launch.signature)
                    compiled = kernels[key]
                    _check_params(spec.qualname, launch, compiled)
                    if key not in module_index:
                        module_index[key] = len(modules)
                        modules.append(_module(ident, len(modules), compiled))
                    args = [_arg_view(a, expr, shape) for a in launch.args]
                    launches.append(Launch(
                        module=module_index[key], entry=compiled.entry,
                        grid=[expr(e) for e in launch.grid], block=[expr(e) for e in launch.block],
                        shared=expr(launch.shared_bytes), args_symbol=f"{prefix}L{l_index}Args", args=args,
                        # a kernel that syncs its grid must be launched cooperatively, whatever enqueue said
                        n_params=param_count(launch.signature), cooperative=launch.cooperative or compiled.cooperative,
                        comment=f"{launch.kernel_name}{_sig_text(launch.signature)}"))
                comment = f"Tactic {t_index}: {spec.tactics[t_index]!r}" if spec.tactics else ""
                launch_sets.append(LaunchSet(f"{prefix}Launches", launches, comment))
            workspace = [Workspace(DTYPE_ENUM[b.dtype], len(b.shape), shape(b.shape)) for _, b in variant.workspace]
            variants.append(Variant([DTYPE_ENUM[t] for t in variant.io_types], launch_sets, workspace,
                                    spec.combination_label(variant.io_types),
                                    f"kV{v_index}Tactics" if spec.tactics else ""))
        outputs = [OutputView(len(o.dims) if o.dims is not None else -1, shape(o.dims) if o.dims else "nullptr",
                              o.dims is None, o.like_input if o.like_input is not None else 0,
                              _or_none(o.size_output), _or_none(o.size_dim), out.size_tensor)
                   for o, out in zip(tp.outputs, spec.outputs)]
        plugins.append(PluginView(
            ident=ident, desc_symbol=f"k{ident}_desc", name=spec.name, version=spec.version, qualname=spec.qualname,
            io_names=list(spec.io_names), input_ranks=[t.rank if t.rank is not None else -1 for t in spec.inputs],
            outputs=outputs, attrs=[_attr_view(a) for a in spec.attrs], variants=variants, modules=modules,
            n_inputs=spec.n_inputs, n_outputs=spec.n_outputs,
            constraints=[ConstraintView(expr(c.condition), c_string(c.message), str(c.condition))
                         for c in tp.constraints],
            tactic_names=list(spec.tactic_names)))

    view = LibraryView(library_name, plugin_namespace, plugins, header=header)
    view.exprs = exprs.items()
    view.shapes = shapes.items()
    view.info_json = "\n    ".join(c_string_lines(json.dumps(info, indent=1, sort_keys=True).encode()))
    return view


def _or_none(value: int | None) -> int:
    return -1 if value is None else value


def _sig_text(signature) -> str:
    return "(" + ", ".join(str(a) for a in signature) + ")"


def _check_params(owner, launch, compiled):
    """The packing the core will do must match the .param list numba emitted."""
    expected = expected_param_types(launch.signature)
    if tuple(compiled.params) != expected:
        raise KernelCompileError(
            f"{owner}: kernel {launch.kernel_name}{_sig_text(launch.signature)} declares .params "
            f"{list(compiled.params)} but trtplug packs {list(expected)}")


def _module(ident: str, index: int, compiled) -> Module:
    images = []
    for sm, cubin in sorted(compiled.cubins.items()):
        images.append(Image(f"k{ident}_m{index}_sm{sm}", IMAGE_KIND["cubin"].cpp, sm, cubin, f"cubin sm_{sm}, {len(cubin)} bytes"))
    for part, ptx in enumerate(compiled.ptx_parts):
        images.append(Image(f"k{ident}_m{index}_ptx{part}", IMAGE_KIND["ptx"].cpp, compiled.ptx_target, ptx,
                            f"PTX {compiled.ptx_version} part {part}, {len(ptx)} bytes"))
    return Module(compiled.name, images)


def _arg_view(arg, expr, shape) -> Arg:
    if arg.kind in ("tensor", "workspace"):
        return Arg(ARG_ENUM[arg.kind], arg.index, len(arg.view_shape), shape(arg.view_shape), "kInt64",
                   "{nullptr, 0}", "0.0", f"{arg.label or arg.kind} {arg.dtype}[{len(arg.view_shape)}d]")
    value = expr(arg.value) if arg.kind == "scalar_expr" else "{nullptr, 0}"
    const = c_double(arg.const) if arg.kind == "scalar_const" else "0.0"
    return Arg(ARG_ENUM[arg.kind], arg.index, 0, "nullptr", SCALAR_ENUM[arg.dtype], value, const,
               f"{arg.dtype} {arg.label or (str(arg.value) if arg.value is not None else arg.const)}")


def _attr_view(attr) -> AttrView:
    ints, floats, string = [], [], ""
    default = attr.default
    if attr.kind in ("int", "bool"):
        ints = [str(int(default))]
    elif attr.kind == "int_list":
        ints = [str(int(v)) for v in default]
    elif attr.kind == "float":
        floats = [c_float(default)]
    elif attr.kind == "float_list":
        floats = [c_float(v) for v in default]
    else:
        string = default
    length = len(ints) or len(floats) or len(string.encode())
    return AttrView(
        name=attr.name, kind=ATTR_ENUM[attr.kind], min_length=attr.min_length, max_length=attr.max_length,
        has_min=attr.min is not None, has_max=attr.max is not None,
        min_value=c_double(attr.min) if attr.min is not None else "0.0",
        max_value=c_double(attr.max) if attr.max is not None else "0.0",
        ints=ints, floats=floats, string=c_string(string),
        default_length=length, choices=[c_string(c) for c in attr.choices or ()])


def render_plugins_cpp(view: LibraryView, out_dir: Path) -> Path:
    path = Path(out_dir) / "plugins.cpp"
    path.write_text(render_template("plugins.cpp.j2", lib=view), encoding="utf-8")
    return path
