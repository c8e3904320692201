// ArgDesc builders for hand-written launch tables (fixture_plugins.cpp, gpu_e2e.cpp): one per kind
// of kernel argument, so that a table reads like the kernel's signature.
#pragma once

#include "trtplug_core.h"

namespace kernel_args {

using trtplug::ArgDesc;
using trtplug::ArgKind;
using trtplug::Expr;
using trtplug::ScalarType;

inline ArgDesc kernel_arg(ArgKind kind, int32_t index, ScalarType type) {
    ArgDesc a{};
    a.kind = kind;
    a.index = index;
    a.scalar_type = type;
    return a;
}

// Input, output or workspace `index` (by `kind`) passed as a `rank`-d array of `shape`.
inline ArgDesc tensor(ArgKind kind, int32_t index, int32_t rank, const Expr* shape) {
    ArgDesc a = kernel_arg(kind, index, ScalarType{});
    a.view_rank = rank;
    a.view_shape = shape;
    return a;
}

// Attribute `index` passed as a scalar of `type`.
inline ArgDesc scalar_attr(int32_t index, ScalarType type) { return kernel_arg(ArgKind::kScalarAttr, index, type); }

// The value of `e` passed as a scalar of `type`.
inline ArgDesc scalar_expr(Expr e, ScalarType type) {
    ArgDesc a = kernel_arg(ArgKind::kScalarExpr, 0, type);
    a.value = e;
    return a;
}

// The constant `v` passed as a scalar of `type`.
inline ArgDesc scalar_const(double v, ScalarType type) {
    ArgDesc a = kernel_arg(ArgKind::kScalarConst, 0, type);
    a.const_value = v;
    return a;
}

}  // namespace kernel_args
