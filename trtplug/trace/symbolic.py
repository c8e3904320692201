"""Symbolic stand-ins for tensors, workspace buffers, attributes and `self` during tracing."""
from __future__ import annotations

from dataclasses import dataclass

from ..dtypes import ITEMSIZE, SCALAR_TYPES, tensor_dtype
from ..errors import TraceError
from .expr import AttrItem, AttrRef, Const, Dim, Expr, Numel, as_expr, product


@dataclass(frozen=True)
class Buffer:
    """A scratch buffer returned by a plugin's `workspace` method: `tp.Buffer("float32", (n,))`."""

    dtype: str
    shape: tuple


@dataclass(frozen=True)
class Scalar:
    """A kernel scalar argument with an explicit type: `tp.scalar(n, "int32")`."""

    value: object
    dtype: str


def scalar(value, dtype: str) -> Scalar:
    """Passes `value` to a kernel as a scalar of `dtype` (int32, int64, float32, float64, float16, bool, uint8, int8)."""
    if dtype not in SCALAR_TYPES:
        raise TraceError(f"tp.scalar: unknown scalar dtype {dtype!r}; use one of {list(SCALAR_TYPES)}")
    return Scalar(value, dtype)


@dataclass(frozen=True, eq=False)  # eq=False: Expr's == builds an expression, so views compare by identity
class TensorView:
    """An N-d array view of a tensor or workspace buffer, passed to a kernel as a Numba array."""

    kind: str  # "tensor" | "workspace"
    index: int
    dtype: str
    shape: tuple[Expr, ...]
    label: str

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        return f"<view of {self.label} shape=({', '.join(map(str, self.shape))}) {self.dtype}>"


class SymTensor:
    """A tensor during tracing: its dtype is concrete (tracing runs once per dtype combination),
    its dims are symbolic expressions."""

    def __init__(self, name: str, kind: str, index: int, dtype: str, shape: tuple[Expr, ...] | None,
                 numel: Expr, owner: str):
        self.name = name
        self._kind = kind
        self._index = index
        self.dtype = dtype
        self._shape = shape
        self._numel = numel
        self._owner = owner

    @property
    def shape(self) -> tuple[Expr, ...]:
        if self._shape is None:
            raise TraceError(
                f"{self._owner}: '{self.name}'.shape is unknown because '{self.name}' has no declared rank. "
                f"Hint: declare tp.Input('{self.name}', rank=N), or use '{self.name}'.numel and '{self.name}'.flat")
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> Expr:
        return self._numel

    @property
    def itemsize(self) -> int:
        return ITEMSIZE[self.dtype]

    @property
    def flat(self) -> TensorView:
        """The tensor as a 1-D array of `numel` elements."""
        return TensorView(self._kind, self._index, self.dtype, (self._numel,), f"{self.name}.flat")

    def view(self, *shape) -> TensorView:
        """The tensor as an array of another shape with no more elements than the tensor holds."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if not 1 <= len(shape) <= 8:
            raise TraceError(f"{self._owner}: '{self.name}'.view() needs 1 to 8 dims, got {len(shape)}")
        dims = tuple(as_expr(d, f"{self._owner}: '{self.name}'.view() dim {i}") for i, d in enumerate(shape))
        return TensorView(self._kind, self._index, self.dtype, dims, f"{self.name}.view")

    def as_view(self) -> TensorView:
        return TensorView(self._kind, self._index, self.dtype, self.shape, self.name)

    def __repr__(self):
        dims = "?" if self._shape is None else ", ".join(map(str, self._shape))
        return f"<{self.name}: {self.dtype}[{dims}]>"

    def __getitem__(self, item):
        raise TraceError(
            f"{self._owner}: indexing '{self.name}' in enqueue is not possible: data lives on the GPU. "
            "Hint: pass the tensor to a kernel and index it there")


class _AttrKnownAtCreation:
    """An attribute whose value is only known when TensorRT creates the plugin: arithmetic,
    comparisons and conversions on it while tracing raise the TraceError of `_untraceable_message`."""

    def __init__(self, index: int, name: str, owner: str):
        self.index = index
        self.name = name
        self._owner = owner

    def _untraceable_message(self) -> str:
        raise NotImplementedError

    def _untraceable(self, *_):
        raise TraceError(self._untraceable_message())

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _untraceable
    __bool__ = __float__ = __int__ = __lt__ = __gt__ = __le__ = __ge__ = __neg__ = _untraceable
    __eq__ = __ne__ = _untraceable
    __hash__ = object.__hash__


class FloatAttrRef(_AttrKnownAtCreation):
    """A float attribute: only usable as a kernel scalar argument."""

    def _untraceable_message(self) -> str:
        return (f"{self._owner}: self.{self.name} is a float attribute; its value is only known when TensorRT "
                "creates the plugin, so it can be passed to a kernel but not computed with at trace time. "
                "Hint: compute with it inside the kernel")


class MetadataAttrRef(_AttrKnownAtCreation):
    """A string or float-list attribute: its value is only known when TensorRT creates the plugin,
    and no kernel argument, shape or condition can hold it."""

    KERNEL_HINTS = {
        "string": "choose the behaviour with an int or bool attribute (e.g. mode_index = "
                  "tp.Attr.int(0, min=0, max=1)) and pass that",
        "float_list": "declare one tp.Attr.float per value and pass each, or pass the values as an input tensor",
    }

    def __init__(self, index: int, name: str, kind: str, owner: str):
        super().__init__(index, name, owner)
        self.kind = kind

    @property
    def label(self) -> str:
        return self.kind.replace("_", "-")

    def kernel_error(self, where: str) -> TraceError:
        return TraceError(
            f"{where}: self.{self.name} is a {self.label} attribute; {self.label} attributes cannot be passed to "
            f"a kernel (kernels take tensors and int, bool or float scalars). Hint: {self.KERNEL_HINTS[self.kind]}")

    def _untraceable_message(self) -> str:
        return (f"{self._owner}: self.{self.name} is a {self.label} attribute and cannot be used while tracing (its "
                "value is only known when TensorRT creates the plugin). Hint: string and float-list attributes are "
                "for metadata; use int/bool attributes to change shapes or launches")

    # Metadata cannot be an index or a sequence either.
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _AttrKnownAtCreation._untraceable
    __index__ = __len__ = __iter__ = __getitem__ = _AttrKnownAtCreation._untraceable

    def __repr__(self):
        return f"<self.{self.name}: {self.label} attribute>"


class IntListAttrRef:
    """An int-list attribute: items are symbolic; the length is known when the declaration fixes it."""

    def __init__(self, index: int, name: str, length: int | None, owner: str):
        self.index = index
        self.name = name
        self._length = length
        self._owner = owner

    def __len__(self):
        if self._length is None:
            raise TraceError(
                f"{self._owner}: len(self.{self.name}) is unknown at trace time. Hint: declare "
                f"tp.Attr.int_list(..., length=N) to fix the length")
        return self._length

    def __getitem__(self, item):
        if not isinstance(item, int):
            raise TraceError(f"{self._owner}: self.{self.name}[{item!r}]: index with a constant int")
        n = len(self)
        if not -n <= item < n:
            raise TraceError(f"{self._owner}: self.{self.name}[{item}] is out of range (length {n})")
        return AttrItem(self.index, item % n, self.name)

    def __iter__(self):
        return (self[i] for i in range(len(self)))


class TracedTactic:
    """`self.tactic` while enqueue is traced: the tactic's parameters, and errors that name the plugin."""

    def __init__(self, tactic: Tactic, owner: str):
        object.__setattr__(self, "_tactic", tactic)
        object.__setattr__(self, "_owner", owner)

    @property
    def name(self) -> str:
        return object.__getattribute__(self, "_tactic").name

    def __getattr__(self, item):
        tactic = object.__getattribute__(self, "_tactic")
        if item in tactic.params:
            return tactic.params[item]
        raise TraceError(f"{object.__getattribute__(self, '_owner')}.enqueue: self.tactic.{item}: tactic "
                         f"{tactic.name!r} has no parameter {item!r}; its parameters are {sorted(tactic.params)}")

    def __setattr__(self, key, value):
        raise TraceError(f"{object.__getattribute__(self, '_owner')}.enqueue: cannot set self.tactic.{key}")

    def __repr__(self):
        return f"<self.tactic: {object.__getattribute__(self, '_tactic')!r}>"


class SymbolicSelf:
    """`self` inside traced methods: attributes become symbolic, other class members stay as they are.
    `tactic` (a tp.Tactic) is the tactic enqueue is traced for; None in the other methods."""

    def __init__(self, spec, owner: str, tactic=None):
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_tactic", None if tactic is None else TracedTactic(tactic, owner))

    def __getattr__(self, item):
        spec = object.__getattribute__(self, "_spec")
        owner = object.__getattribute__(self, "_owner")
        if item == "tactic":
            return _tactic_of(spec, owner, object.__getattribute__(self, "_tactic"))
        for index, attr in enumerate(spec.attrs):
            if attr.name != item:
                continue
            if attr.kind in ("int", "bool"):
                return AttrRef(index, attr.name)
            if attr.kind == "float":
                return FloatAttrRef(index, attr.name, owner)
            if attr.kind == "int_list":
                return IntListAttrRef(index, attr.name, attr.fixed_length, owner)
            return MetadataAttrRef(index, attr.name, attr.kind, owner)
        cls = spec.plugin_class
        if cls is not None and hasattr(cls, item):
            value = getattr(cls, item)
            if callable(value) and hasattr(value, "__get__") and not isinstance(value, type):
                return value.__get__(self, cls)
            return value
        raise AttributeError(f"{owner} has no attribute {item!r}")

    def __setattr__(self, key, value):
        raise TraceError(f"{object.__getattribute__(self, '_owner')}: cannot set self.{key} while tracing")


def _tactic_of(spec, owner: str, tactic):
    if tactic is not None:
        return tactic
    if not spec.tactics:
        raise TraceError(f"{owner}: self.tactic: the class declares no tactics. Hint: tactics = "
                         "[tp.Tactic(\"block256\", block=256), tp.Tactic(\"block512\", block=512)]")
    raise TraceError(f"{owner}: self.tactic is readable in enqueue only; output_shapes, workspace and constraints "
                     "must not depend on the tactic")


def make_input(spec, index: int, dtype: str, owner: str) -> SymTensor:
    t = spec.inputs[index]
    shape = None if t.rank is None else tuple(Dim(index, a, t.name) for a in range(t.rank))
    return SymTensor(t.name, "tensor", index, dtype, shape, Numel(index, t.name), owner)


def make_output(spec, index: int, dtype: str, shape: tuple[Expr, ...] | None, like_input: int | None,
                owner: str) -> SymTensor:
    t = spec.outputs[index]
    numel = Numel(like_input, spec.inputs[like_input].name) if like_input is not None else product(shape)
    return SymTensor(t.name, "tensor", spec.n_inputs + index, dtype, shape, numel, owner)


def make_workspace(index: int, name: str, buffer: Buffer, owner: str) -> SymTensor:
    return SymTensor(name, "workspace", index, buffer.dtype, buffer.shape, product(buffer.shape), owner)


def check_buffer(value, where: str) -> Buffer:
    if not isinstance(value, Buffer):
        raise TraceError(f"{where}: expected tp.Buffer(dtype, shape), got {type(value).__name__} {value!r}")
    dtype = tensor_dtype(value.dtype, where)
    if not isinstance(value.shape, (tuple, list)) or not 1 <= len(value.shape) <= 8:
        raise TraceError(f"{where}: the shape must be a tuple of 1 to 8 dims, got {value.shape!r}")
    shape = tuple(as_expr(d, f"{where} dim {i}") for i, d in enumerate(value.shape))
    for d in shape:
        if isinstance(d, Const) and d.value < 0:
            raise TraceError(f"{where}: negative dim {d.value}")
    return Buffer(dtype, shape)
