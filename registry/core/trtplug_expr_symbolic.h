// Walks a trtplug expression program (see ExprOp in trtplug_core.h) with a caller-supplied
// builder. The concrete evaluator (eval_expr) and the TensorRT adapter (which builds
// IDimensionExpr trees) both use this walker, so the program is checked the same way for both.
//
// A Builder provides:
//   using Value = ...;                       // default-constructible, copyable
//   int32_t n_inputs() const;
//   int32_t rank(int32_t input) const;       // input in [0, n_inputs())
//   bool constant(int64_t v, Value* out, std::string* error);
//   bool dim(int32_t input, int32_t axis, Value* out, std::string* error);  // axis in [0, rank)
//   bool numel(int32_t input, Value* out, std::string* error);
//   bool binary(ExprOp op, const Value& a, const Value& b, Value* out, std::string* error);
// Each returns false with *error set to stop the walk. Attribute values are read from `attrs`
// and handed to constant().
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "trtplug_core.h"

namespace trtplug {

constexpr int32_t kMaxExprStack = 64;

namespace expr_detail {

inline bool expr_error(std::string* error, int32_t pos, const char* what, int64_t a = 0, int64_t b = 0) {
    if (error) {
        char buf[256];
        std::snprintf(buf, sizeof buf, what, static_cast<long long>(a), static_cast<long long>(b));
        *error = "expression word " + std::to_string(pos) + ": " + buf;
    }
    return false;
}

}  // namespace expr_detail

template <class Builder>
bool eval_symbolic(const Expr& expr, Builder& builder, const PluginDesc* desc, const AttrValues* attrs,
                   typename Builder::Value* out, std::string* error) {
    using expr_detail::expr_error;
    using Value = typename Builder::Value;
    if (expr.length <= 0 || expr.code == nullptr) {
        return expr_error(error, 0, "empty expression program");
    }
    Value stack[kMaxExprStack];
    int32_t depth = 0;
    int32_t pc = 0;
    auto operand = [&](int32_t at, int64_t* v) -> bool {
        if (at >= expr.length) return false;
        *v = expr.code[at];
        return true;
    };
    while (pc < expr.length) {
        const int32_t at = pc;
        const int64_t op = expr.code[pc++];
        if (is_binary_op(op)) {
            if (depth < 2) return expr_error(error, at, "binary op %lld needs 2 operands, stack holds %lld", op, depth);
            Value r;
            if (!builder.binary(static_cast<ExprOp>(op), stack[depth - 2], stack[depth - 1], &r, error)) {
                if (error) *error = "expression word " + std::to_string(at) + ": " + *error;
                return false;
            }
            --depth;
            stack[depth - 1] = r;
            continue;
        }
        int64_t a = 0, b = 0;
        int32_t n_operands = (op == kOpDim || op == kOpAttrItem) ? 2 : 1;
        if (op != kOpConst && op != kOpDim && op != kOpNumel && op != kOpRank && op != kOpAttr && op != kOpAttrItem) {
            return expr_error(error, at, "unknown opcode %lld", op);
        }
        if (!operand(pc, &a) || (n_operands == 2 && !operand(pc + 1, &b))) {
            return expr_error(error, at, "opcode %lld is missing its operand(s) at the end of the program", op);
        }
        pc += n_operands;
        if (depth >= kMaxExprStack) return expr_error(error, at, "stack overflow (more than %lld values)", kMaxExprStack);
        Value v;
        bool built = true;
        if (op == kOpConst) {
            built = builder.constant(a, &v, error);
        } else if (op == kOpDim || op == kOpNumel || op == kOpRank) {
            if (a < 0 || a >= builder.n_inputs()) {
                return expr_error(error, at, "input index %lld out of range (%lld inputs)", a, builder.n_inputs());
            }
            const int32_t input = static_cast<int32_t>(a);
            const int32_t rank = builder.rank(input);
            if (op == kOpDim) {
                int64_t axis = b < 0 ? b + rank : b;
                if (axis < 0 || axis >= rank) {
                    return expr_error(error, at, "axis %lld out of range for an input of rank %lld", b, rank);
                }
                built = builder.dim(input, static_cast<int32_t>(axis), &v, error);
            } else if (op == kOpNumel) {
                built = builder.numel(input, &v, error);
            } else {
                built = builder.constant(rank, &v, error);
            }
        } else {  // kOpAttr, kOpAttrItem
            if (!desc || !attrs) return expr_error(error, at, "attribute read without attribute values");
            if (a < 0 || a >= desc->n_attrs || a >= static_cast<int64_t>(attrs->size())) {
                return expr_error(error, at, "attribute index %lld out of range (%lld attributes)", a, desc->n_attrs);
            }
            const AttrDesc& ad = desc->attrs[a];
            const AttrValue& av = (*attrs)[static_cast<size_t>(a)];
            if (op == kOpAttr) {
                if (ad.type != AttrType::kInt && ad.type != AttrType::kBool) {
                    return expr_error(error, at, "attribute %lld is not an int or bool attribute", a);
                }
                if (av.ints.size() != 1) {
                    return expr_error(error, at, "attribute %lld holds %lld values, expected 1", a,
                                      static_cast<int64_t>(av.ints.size()));
                }
                built = builder.constant(av.ints[0], &v, error);
            } else {
                if (ad.type != AttrType::kIntList) {
                    return expr_error(error, at, "attribute %lld is not an int list attribute", a);
                }
                if (b < 0 || b >= static_cast<int64_t>(av.ints.size())) {
                    return expr_error(error, at, "item %lld out of range (the list holds %lld values)", b,
                                      static_cast<int64_t>(av.ints.size()));
                }
                built = builder.constant(av.ints[static_cast<size_t>(b)], &v, error);
            }
        }
        if (!built) {
            if (error) *error = "expression word " + std::to_string(at) + ": " + *error;
            return false;
        }
        stack[depth++] = v;
    }
    if (depth != 1) return expr_error(error, expr.length, "program leaves %lld values on the stack, expected 1", depth);
    *out = stack[0];
    return true;
}

}  // namespace trtplug
