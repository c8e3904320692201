// Concrete evaluation of expression programs: eval_symbolic with int64 values and checked
// arithmetic.
#include <string>

#include "core_internal.h"
#include "trtplug_expr_symbolic.h"

namespace trtplug {
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
        bool overflow = false;
        switch (op) {
            case kOpAdd: overflow = __builtin_add_overflow(a, b, out); break;
            case kOpSub: overflow = __builtin_sub_overflow(a, b, out); break;
            case kOpMul: overflow = __builtin_mul_overflow(a, b, out); break;
            case kOpMin: *out = a < b ? a : b; break;
            case kOpMax: *out = a > b ? a : b; break;
            case kOpFloorDiv:
            case kOpCeilDiv: {
                if (b == 0) {
                    *error = detail::strf("%s of %lld by zero", op == kOpFloorDiv ? "floor division" : "cdiv",
                                          static_cast<long long>(a));
                    return false;
                }
                if (a == INT64_MIN && b == -1) {
                    overflow = true;
                    break;
                }
                int64_t q = a / b, r = a % b;
                if (r != 0 && ((r < 0) != (b < 0)) && op == kOpFloorDiv) --q;
                if (r != 0 && ((r < 0) == (b < 0)) && op == kOpCeilDiv) ++q;
                *out = q;
                break;
            }
            default:
                *error = detail::strf("unknown binary opcode %lld", static_cast<long long>(op));
                return false;
        }
        if (overflow) {
            *error = detail::strf("int64 overflow in op %lld on %lld and %lld", static_cast<long long>(op),
                                  static_cast<long long>(a), static_cast<long long>(b));
            return false;
        }
        return true;
    }
};

}  // namespace

Status eval_expr(const Expr& expr, const EvalEnv& env, int64_t* out, Error* err) {
    return detail::guarded(err, "eval_expr", [&]() -> Status {
        if (!out) return detail::fail(err, Status::kBadArgument, "eval_expr: null output pointer");
        if (env.n_inputs < 0 || (env.n_inputs > 0 && !env.inputs)) {
            return detail::fail(err, Status::kBadArgument, "eval_expr: input shapes missing");
        }
        for (int32_t i = 0; i < env.n_inputs; ++i) {
            if (env.inputs[i].rank < 0 || env.inputs[i].rank > kMaxRank) {
                return detail::fail(err, Status::kBadArgument,
                                    detail::strf("eval_expr: input %d has rank %d (allowed 0..%d)", i,
                                                 env.inputs[i].rank, kMaxRank));
            }
        }
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

}  // namespace trtplug
