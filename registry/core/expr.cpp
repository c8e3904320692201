// Concrete evaluation of expression programs (eval_symbolic with int64 values and checked
// arithmetic), evaluation with some dims unknown, and the printable form of a program.
#include <string>
#include <vector>

#include "core_internal.h"
#include "trtplug_expr_symbolic.h"

namespace trtplug {
namespace detail {

const char* op_symbol(int64_t op) {
    switch (op) {
        case kOpAdd: return "+";
        case kOpSub: return "-";
        case kOpMul: return "*";
        case kOpFloorDiv: return "//";
        case kOpCeilDiv: return "cdiv";
        case kOpMin: return "min";
        case kOpMax: return "max";
        case kOpMod: return "%";
        case kOpEq: return "==";
        case kOpNe: return "!=";
        case kOpLt: return "<";
        case kOpLe: return "<=";
        case kOpGt: return ">";
        case kOpGe: return ">=";
        case kOpAnd: return "&";
        case kOpOr: return "|";
        default: return "?";
    }
}

namespace {

bool divide(ExprOp op, int64_t a, int64_t b, int64_t* out, std::string* error) {
    if (b == 0) {
        *error = strf("%s of %lld by zero", op == kOpFloorDiv ? "floor division" : op == kOpMod ? "modulo" : "cdiv",
                      static_cast<long long>(a));
        return false;
    }
    if (a == INT64_MIN && b == -1) {
        if (op == kOpMod) {
            *out = 0;
            return true;
        }
        *error = strf("int64 overflow in %lld %s %lld", static_cast<long long>(a), op_symbol(op), static_cast<long long>(b));
        return false;
    }
    int64_t q = a / b, r = a % b;
    const bool signs_differ = (r < 0) != (b < 0);
    if (op == kOpMod) {
        *out = (r != 0 && signs_differ) ? r + b : r;
        return true;
    }
    if (r != 0 && signs_differ && op == kOpFloorDiv) --q;
    if (r != 0 && !signs_differ && op == kOpCeilDiv) ++q;
    *out = q;
    return true;
}

}  // namespace

bool int_binary(ExprOp op, int64_t a, int64_t b, int64_t* out, std::string* error) {
    bool overflow = false;
    switch (op) {
        case kOpAdd: overflow = __builtin_add_overflow(a, b, out); break;
        case kOpSub: overflow = __builtin_sub_overflow(a, b, out); break;
        case kOpMul: overflow = __builtin_mul_overflow(a, b, out); break;
        case kOpMin: *out = a < b ? a : b; break;
        case kOpMax: *out = a > b ? a : b; break;
        case kOpFloorDiv:
        case kOpCeilDiv:
        case kOpMod: return divide(op, a, b, out, error);
        case kOpEq: *out = a == b; break;
        case kOpNe: *out = a != b; break;
        case kOpLt: *out = a < b; break;
        case kOpLe: *out = a <= b; break;
        case kOpGt: *out = a > b; break;
        case kOpGe: *out = a >= b; break;
        case kOpAnd: *out = a != 0 && b != 0; break;
        case kOpOr: *out = a != 0 || b != 0; break;
        default:
            *error = strf("unknown binary opcode %lld", static_cast<long long>(op));
            return false;
    }
    if (overflow) {
        *error = strf("int64 overflow in %lld %s %lld", static_cast<long long>(a), op_symbol(op), static_cast<long long>(b));
        return false;
    }
    return true;
}

}  // namespace detail

namespace {

struct ConcreteBuilder {
    using Value = int64_t;
    const EvalEnv& env;

    int32_t n_inputs() const { return env.n_inputs; }
    int32_t rank(int32_t input) const { return env.inputs[input].rank; }
    bool constant(int64_t v, Value* out, std::string*) {
        *out = v;
        return true;
    }
    bool dim(int32_t input, int32_t axis, Value* out, std::string*) {
        *out = env.inputs[input].dims[axis];
        return true;
    }
    bool numel(int32_t input, Value* out, std::string* error) {
        if (!detail::checked_numel(env.inputs[input], out)) {
            *error = detail::strf("numel of input %d overflows int64 or has a negative dim", input);
            return false;
        }
        return true;
    }
    bool binary(ExprOp op, Value a, Value b, Value* out, std::string* error) {
        return detail::int_binary(op, a, b, out, error);
    }
};

// A value that may not be known yet: dims < 0 stand for TensorRT's symbolic dims.
struct MaybeValue {
    bool known = false;
    int64_t value = 0;
};

// ConcreteBuilder's answers where every value they need is known, unknown otherwise.
struct KnownDimsBuilder {
    using Value = MaybeValue;
    ConcreteBuilder concrete;

    int32_t n_inputs() const { return concrete.n_inputs(); }
    int32_t rank(int32_t input) const { return concrete.rank(input); }
    bool constant(int64_t v, Value* out, std::string* error) {
        out->known = true;
        return concrete.constant(v, &out->value, error);
    }
    bool dim(int32_t input, int32_t axis, Value* out, std::string* error) {
        if (!concrete.dim(input, axis, &out->value, error)) return false;
        out->known = out->value >= 0;
        return true;
    }
    bool numel(int32_t input, Value* out, std::string* error) {
        const Shape& s = concrete.env.inputs[input];
        for (int32_t a = 0; a < s.rank; ++a) {
            if (s.dims[a] < 0) {
                *out = {};
                return true;
            }
        }
        out->known = true;
        return concrete.numel(input, &out->value, error);
    }
    bool binary(ExprOp op, const Value& a, const Value& b, Value* out, std::string* error) {
        if (!a.known || !b.known) {
            *out = {};
            return true;
        }
        out->known = true;
        return concrete.binary(op, a.value, b.value, &out->value, error);
    }
};

Status check_env(const EvalEnv& env, Error* err) {
    if (env.n_inputs < 0 || (env.n_inputs > 0 && !env.inputs)) {
        return detail::fail(err, Status::kBadArgument, "eval_expr: input shapes missing");
    }
    for (int32_t i = 0; i < env.n_inputs; ++i) {
        if (env.inputs[i].rank < 0 || env.inputs[i].rank > kMaxRank) {
            return detail::fail(err, Status::kBadArgument,
                                detail::strf("eval_expr: input %d has rank %d (allowed 0..%d)", i, env.inputs[i].rank,
                                             kMaxRank));
        }
    }
    return Status::kOk;
}

}  // namespace

Status eval_expr(const Expr& expr, const EvalEnv& env, int64_t* out, Error* err) {
    return detail::guarded(err, "eval_expr", [&]() -> Status {
        if (!out) return detail::fail(err, Status::kBadArgument, "eval_expr: null output pointer");
        if (check_env(env, err) != Status::kOk) return err ? err->status : Status::kBadArgument;
        ConcreteBuilder builder{env};
        std::string error;
        int64_t value = 0;
        if (!eval_symbolic(expr, builder, env.desc, env.attrs, &value, &error)) {
            return detail::fail(err, Status::kExprError, std::move(error));
        }
        *out = value;
        return detail::ok(err);
    });
}

namespace detail {

Status eval_known(const Expr& expr, const EvalEnv& env, bool* known, int64_t* out, Error* err) {
    if (check_env(env, err) != Status::kOk) return err ? err->status : Status::kBadArgument;
    KnownDimsBuilder builder{ConcreteBuilder{env}};
    std::string error;
    MaybeValue value;
    if (!eval_symbolic(expr, builder, env.desc, env.attrs, &value, &error)) {
        return fail(err, Status::kExprError, std::move(error));
    }
    *known = value.known;
    *out = value.value;
    return ok(err);
}

namespace {

// Binding strength of an operator in the printed form (Python's, where & and | bind tighter than
// comparisons: their operands are printed in parentheses).
int precedence(int64_t op) {
    switch (op) {
        case kOpOr: return 1;
        case kOpAnd: return 2;
        case kOpAdd:
        case kOpSub: return 4;
        case kOpMul:
        case kOpFloorDiv:
        case kOpMod: return 5;
        case kOpCeilDiv:
        case kOpMin:
        case kOpMax: return 9;
        default: return 3;  // comparisons
    }
}

constexpr int kAtom = 10;

struct Printed {
    std::string text;
    int precedence;
};

std::string leaf_text(const PluginDesc& desc, int64_t op, int64_t a, int64_t b) {
    const bool input_ok = a >= 0 && a < desc.n_inputs && desc.io_names && desc.io_names[a];
    const bool attr_ok = a >= 0 && a < desc.n_attrs && desc.attrs && desc.attrs[a].name;
    const std::string input = input_ok ? desc.io_names[a] : strf("input%lld", static_cast<long long>(a));
    const std::string attr = "self." + (attr_ok ? std::string(desc.attrs[a].name) : strf("attr%lld", static_cast<long long>(a)));
    switch (op) {
        case kOpDim: return strf("%s.shape[%lld]", input.c_str(), static_cast<long long>(b));
        case kOpNumel: return input + ".numel";
        case kOpRank: return input + ".ndim";
        case kOpAttr: return attr;
        case kOpAttrItem: return strf("%s[%lld]", attr.c_str(), static_cast<long long>(b));
        default: return strf("%lld", static_cast<long long>(a));  // kOpConst
    }
}

int32_t operand_count(int64_t op) { return op == kOpDim || op == kOpAttrItem ? 2 : 1; }

bool is_leaf(int64_t op) {
    return op == kOpConst || op == kOpDim || op == kOpNumel || op == kOpRank || op == kOpAttr || op == kOpAttrItem;
}

std::string wrap(const Printed& p, int at_least) { return p.precedence < at_least ? "(" + p.text + ")" : p.text; }

}  // namespace

std::string expr_text(const Expr& expr, const PluginDesc& desc) {
    std::vector<Printed> stack;
    for (int32_t pc = 0; expr.code && pc < expr.length;) {
        const int64_t op = expr.code[pc++];
        if (is_binary_op(op)) {
            if (stack.size() < 2) return "<malformed expression>";
            Printed b = stack.back();
            stack.pop_back();
            Printed a = stack.back();
            const int p = precedence(op);
            if (p == kAtom - 1) {
                stack.back() = {strf("%s(%s, %s)", op_symbol(op), a.text.c_str(), b.text.c_str()), kAtom};
            } else {
                // & and | take comparisons as operands: parenthesize anything that is not an atom.
                const int left = (op == kOpAnd || op == kOpOr) ? kAtom : p;
                const int right = (op == kOpAnd || op == kOpOr) ? kAtom : p + 1;
                stack.back() = {wrap(a, left) + " " + op_symbol(op) + " " + wrap(b, right), p};
            }
            continue;
        }
        if (!is_leaf(op) || pc + operand_count(op) > expr.length) return "<malformed expression>";
        const int64_t a = expr.code[pc];
        const int64_t b = operand_count(op) == 2 ? expr.code[pc + 1] : 0;
        pc += operand_count(op);
        stack.push_back({leaf_text(desc, op, a, b), op == kOpConst && a < 0 ? 0 : kAtom});
    }
    return stack.size() == 1 ? stack[0].text : "<malformed expression>";
}

std::string expr_values(const Expr& expr, const EvalEnv& env) {
    std::string text;
    std::vector<std::string> seen;
    for (int32_t pc = 0; env.desc && expr.code && pc < expr.length;) {
        const int32_t at = pc;
        const int64_t op = expr.code[pc++];
        if (is_binary_op(op)) continue;
        if (!is_leaf(op) || pc + operand_count(op) > expr.length) break;
        pc += operand_count(op);
        if (op == kOpConst) continue;
        const Expr leaf{expr.code + at, 1 + operand_count(op)};
        std::string name = leaf_text(*env.desc, op, expr.code[at + 1], operand_count(op) == 2 ? expr.code[at + 2] : 0);
        bool repeated = false;
        for (const std::string& s : seen) repeated = repeated || s == name;
        if (repeated) continue;
        bool known = false;
        int64_t value = 0;
        Error e;
        if (eval_known(leaf, env, &known, &value, &e) != Status::kOk) continue;
        text += strf("%s%s = %s", text.empty() ? "" : ", ", name.c_str(),
                     known ? strf("%lld", static_cast<long long>(value)).c_str() : "?");
        seen.push_back(std::move(name));
    }
    return text;
}

}  // namespace detail
}  // namespace trtplug
