"""Input and output tensor declarations."""
from __future__ import annotations

from dataclasses import dataclass

from ..dtypes import tensor_dtype
from ..errors import DefinitionError

MAX_RANK = 8


@dataclass(frozen=True)
class Input:
    """An input tensor.

    Args:
        name: the tensor's name (a Python identifier).
        dtypes: the dtypes the plugin accepts, e.g. ("float32", "float16").
        rank: the number of dims, or None for any rank (then only `.numel`/`.flat` are usable).
    """

    name: str
    dtypes: tuple[str, ...] = ("float32",)
    rank: int | None = None

    def checked(self, owner: str, index: int) -> "Input":
        where = f"{owner}.inputs[{index}]"
        _check_name(self.name, where)
        where = f"{owner}.inputs[{index}] ('{self.name}')"
        dtypes = _dtype_tuple(self.dtypes, where)
        _check_rank(self.rank, where)
        return Input(self.name, dtypes, self.rank)


@dataclass(frozen=True)
class Output:
    """An output tensor.

    Args:
        name: the tensor's name.
        like: an input name: same shape and dtype as that input (no `output_shapes` needed).
        dtype: a fixed dtype, or
        dtype_like: an input name whose dtype this output takes.
        rank: the number of dims (required unless `like` is given).
        size_tensor: set by tp.size_output(name): a size tensor, not a plain output.
    """

    name: str
    like: str | None = None
    dtype: str | None = None
    dtype_like: str | None = None
    rank: int | None = None
    size_tensor: bool = False

    def checked(self, owner: str, index: int, input_names: list[str]) -> "Output":
        where = f"{owner}.outputs[{index}]"
        _check_name(self.name, where)
        where = f"{owner}.outputs[{index}] ('{self.name}')"
        for field_name in ("like", "dtype_like"):
            ref = getattr(self, field_name)
            if ref is not None and ref not in input_names:
                raise DefinitionError(
                    f"{where}: {field_name}={ref!r} names no input. Hint: inputs are {input_names}")
        rules = sum(x is not None for x in (self.like, self.dtype, self.dtype_like))
        if rules == 0:
            raise DefinitionError(
                f"{where}: the output's dtype is not declared. Hint: give like='<input>', "
                "dtype='float32' or dtype_like='<input>'")
        if rules > 1:
            raise DefinitionError(f"{where}: give only one of like=, dtype= and dtype_like=")
        dtype = tensor_dtype(self.dtype, where) if self.dtype is not None else None
        _check_rank(self.rank, where)
        if self.size_tensor and (dtype != SIZE_TENSOR_DTYPE or self.rank != 0):
            raise DefinitionError(f"{where}: a size tensor is a 0-d {SIZE_TENSOR_DTYPE} output. "
                                  f"Hint: declare it with tp.size_output({self.name!r})")
        return Output(self.name, self.like, dtype, self.dtype_like, self.rank, self.size_tensor)


# TensorRT requires size tensor outputs to be 0-d kINT32 (IPluginV3OneBuild::getOutputDataTypes).
SIZE_TENSOR_DTYPE = "int32"


def size_output(name: str) -> Output:
    """A size tensor: a 0-d int32 output into which the kernel writes how many entries a
    data-dependent output holds (see tp.data_dependent). enqueue gets it like any output;
    `count.flat` is an int32 array of one element. The reference returns the count (an int)."""
    return Output(name, dtype=SIZE_TENSOR_DTYPE, rank=0, size_tensor=True)


def _check_name(name, where):
    if not isinstance(name, str) or not name.isidentifier():
        raise DefinitionError(f"{where}: the name must be a Python identifier, got {name!r}")


def _dtype_tuple(dtypes, where) -> tuple[str, ...]:
    if isinstance(dtypes, str):
        dtypes = (dtypes,)
    if not isinstance(dtypes, (tuple, list)) or not dtypes:
        raise DefinitionError(f"{where}: dtypes must be a non-empty tuple of dtype names, got {dtypes!r}")
    result = tuple(tensor_dtype(d, where) for d in dtypes)
    if len(set(result)) != len(result):
        raise DefinitionError(f"{where}: dtypes lists a dtype twice: {list(result)}")
    return result


def _check_rank(rank, where):
    if rank is None:
        return
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= MAX_RANK:
        raise DefinitionError(f"{where}: rank must be an int in 0..{MAX_RANK} or None, got {rank!r}")
