"""Every code trtplug's Python shares with the native core, in one place.

Each table maps trtplug's Python name to the enumerator of registry/core/trtplug_core.h and its value:
code generation writes the enumerator names into the descriptors it renders, and the runtime,
serialization and expression encoder pass the values. tests/test_native_codes.py reads the header
and fails when a table and its enum disagree.
"""
from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    cpp: str      # the enumerator in trtplug_core.h
    value: int


def _codes(**pairs: tuple[str, int]) -> dict[str, Code]:
    return {name: Code(*pair) for name, pair in pairs.items()}


# trtplug::DType: tensor dtypes (their values equal TensorRT's nvinfer1::DataType).
TENSOR_DTYPE = _codes(float32=("kFloat32", 0), float16=("kFloat16", 1), int8=("kInt8", 2), int32=("kInt32", 3),
                      bool=("kBool", 4))

# trtplug::ScalarType: how a scalar kernel argument is passed.
SCALAR_TYPE = _codes(int32=("kInt32", 0), int64=("kInt64", 1), float32=("kFloat32", 2), float64=("kFloat64", 3),
                     float16=("kFloat16", 4), bool=("kBool", 5), uint8=("kUInt8", 6), int8=("kInt8", 7))

# trtplug::AttrType: attribute kinds, as declared with tp.Attr and stored in serialized plugins.
ATTR_TYPE = _codes(int=("kInt", 0), float=("kFloat", 1), bool=("kBool", 2), string=("kString", 3),
                   int_list=("kIntList", 4), float_list=("kFloatList", 5))

# trtplug::ArgKind: where a kernel argument comes from.
ARG_KIND = _codes(tensor=("kTensor", 0), workspace=("kWorkspace", 1), scalar_expr=("kScalarExpr", 2),
                  scalar_attr=("kScalarAttr", 3), scalar_const=("kScalarConst", 4))

# trtplug::ImageKind: the kinds of kernel image a library embeds.
IMAGE_KIND = _codes(cubin=("kCubin", 0), ptx=("kPtx", 1))

# trtplug::ExprOp: the opcodes of the postfix programs shapes, launches and constraints are traced into.
EXPR_OP = _codes(**{
    "const": ("kOpConst", 1), "dim": ("kOpDim", 2), "numel": ("kOpNumel", 3), "rank": ("kOpRank", 4),
    "attr": ("kOpAttr", 5), "attr_item": ("kOpAttrItem", 6),
    "+": ("kOpAdd", 10), "-": ("kOpSub", 11), "*": ("kOpMul", 12), "//": ("kOpFloorDiv", 13),
    "cdiv": ("kOpCeilDiv", 14), "min": ("kOpMin", 15), "max": ("kOpMax", 16), "%": ("kOpMod", 17),
    "==": ("kOpEq", 20), "!=": ("kOpNe", 21), "<": ("kOpLt", 22), "<=": ("kOpLe", 23), ">": ("kOpGt", 24),
    ">=": ("kOpGe", 25), "&": ("kOpAnd", 26), "|": ("kOpOr", 27),
})

# Which C++ enum each table mirrors, for the test that reads the header.
ENUMS = {"DType": TENSOR_DTYPE, "ScalarType": SCALAR_TYPE, "AttrType": ATTR_TYPE, "ArgKind": ARG_KIND,
         "ImageKind": IMAGE_KIND, "ExprOp": EXPR_OP}


def values(table: dict[str, Code]) -> dict[str, int]:
    """{python name: value} of one table."""
    return {name: code.value for name, code in table.items()}


def enumerators(table: dict[str, Code]) -> dict[str, str]:
    """{python name: C++ enumerator} of one table."""
    return {name: code.cpp for name, code in table.items()}
