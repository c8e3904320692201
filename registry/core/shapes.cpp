// Input checks, output shapes, variant selection and workspace sizes.
#include <cstring>

#include "core_internal.h"
#include "launch_args.h"

namespace trtplug {

using detail::fail;
using detail::strf;

namespace {

const char* io_name(const PluginDesc& desc, int32_t index) {
    return desc.io_names && desc.io_names[index] ? desc.io_names[index] : "?";
}

Status check_inputs_impl(const PluginDesc& desc, const Shape* inputs, int32_t n_inputs, Error* err) {
    if (n_inputs != desc.n_inputs) {
        return fail(err, Status::kBadArgument,
                    strf("plugin '%s' takes %d inputs, got %d", desc.name, desc.n_inputs, n_inputs));
    }
    if (n_inputs > 0 && !inputs) return fail(err, Status::kBadArgument, "input shapes missing (null pointer)");
    for (int32_t i = 0; i < n_inputs; ++i) {
        const Shape& s = inputs[i];
        if (s.rank < 0 || s.rank > kMaxRank) {
            return fail(err, Status::kBadArgument,
                        strf("input '%s' has rank %d; trtplug supports ranks 0..%d", io_name(desc, i), s.rank, kMaxRank));
        }
        const int32_t want = desc.input_ranks ? desc.input_ranks[i] : -1;
        if (want >= 0 && s.rank != want) {
            return fail(err, Status::kBadArgument,
                        strf("input '%s' has rank %d, plugin '%s' expects rank %d", io_name(desc, i), s.rank, desc.name, want));
        }
        for (int32_t a = 0; a < s.rank; ++a) {
            if (s.dims[a] < 0) {
                return fail(err, Status::kBadArgument,
                            strf("input '%s' dim %d is %lld (must be >= 0)", io_name(desc, i), a,
                                 static_cast<long long>(s.dims[a])));
            }
        }
        int64_t numel = 0;
        if (!detail::checked_numel(s, &numel)) {
            return fail(err, Status::kBadArgument, strf("input '%s': element count overflows int64", io_name(desc, i)));
        }
    }
    return detail::ok(err);
}

// `head` followed by the values the expression read: "... (x.shape[0] = 12, self.group = -3)".
std::string with_values(const std::string& head, const Expr& e, const EvalEnv& env) {
    const std::string values = detail::expr_values(e, env);
    return values.empty() ? head : head + " (" + values + ")";
}

// Evaluates constraint `c`; *decided is false when it depends on an unknown dim (known_only).
Status check_constraint(const PluginDesc& desc, const ConstraintDesc& c, const EvalEnv& env, bool known_only,
                        Error* err) {
    const char* message = c.message ? c.message : "(no message)";
    const std::string text = detail::expr_text(c.condition, desc);
    int64_t holds = 0;
    bool known = true;
    Error e;
    const Status s = known_only ? detail::eval_known(c.condition, env, &known, &holds, &e)
                                : eval_expr(c.condition, env, &holds, &e);
    if (s != Status::kOk) {
        return fail(err, s, with_values(strf("constraint '%s': %s: %s", message, text.c_str(), e.message.c_str()),
                                        c.condition, env));
    }
    if (known && holds == 0) {
        return fail(err, Status::kBadArgument,
                    with_values(strf("constraint failed: %s (%s does not hold)", message, text.c_str()), c.condition, env));
    }
    return detail::ok(err);
}

Status check_constraints_impl(const PluginDesc& desc, const AttrValues& values, const Shape* inputs, bool known_only,
                              Error* err) {
    const EvalEnv env{desc.n_inputs, inputs, &desc, &values};
    for (int32_t i = 0; i < desc.n_constraints; ++i) {
        const Status s = check_constraint(desc, desc.constraints[i], env, known_only, err);
        if (s != Status::kOk) return s;
    }
    return detail::ok(err);
}

// Output dim `a` of `o`: evaluated, and checked to be >= 0 when known.
Status output_dim(const PluginDesc& desc, const OutputDesc& o, const char* name, int32_t a, const EvalEnv& env,
                  bool known_only, int64_t* out, Error* err) {
    const std::string head = strf("output '%s' dim %d = %s", name, a, detail::expr_text(o.shape[a], desc).c_str());
    bool known = true;
    Error e;
    const Status s = known_only ? detail::eval_known(o.shape[a], env, &known, out, &e) : eval_expr(o.shape[a], env, out, &e);
    if (s != Status::kOk) return fail(err, s, with_values(head + ": " + e.message, o.shape[a], env));
    if (known && *out < 0) {
        return fail(err, Status::kExprError,
                    with_values(strf("%s = %lld: negative", head.c_str(), static_cast<long long>(*out)), o.shape[a], env));
    }
    return detail::ok(err);
}

Status output_shape_impl(const PluginDesc& desc, const AttrValues& values, const Shape* inputs, int32_t output_index,
                         bool known_only, Shape* out, Error* err) {
    if (output_index < 0 || output_index >= desc.n_outputs) {
        return fail(err, Status::kBadArgument,
                    strf("output index %d out of range: plugin '%s' has %d outputs", output_index, desc.name,
                         desc.n_outputs));
    }
    const OutputDesc& o = desc.outputs[output_index];
    const char* name = io_name(desc, desc.n_inputs + output_index);
    if (o.copy_input_shape) {
        if (o.input < 0 || o.input >= desc.n_inputs) {
            return fail(err, Status::kInternal, strf("output '%s' copies the shape of input %d, which does not exist",
                                                     name, o.input));
        }
        *out = inputs[o.input];
        return detail::ok(err);
    }
    if (o.rank < 0 || o.rank > kMaxRank) {
        return fail(err, Status::kInternal, strf("output '%s' declares rank %d", name, o.rank));
    }
    EvalEnv env{desc.n_inputs, inputs, &desc, &values};
    Shape result;
    result.rank = o.rank;
    for (int32_t a = 0; a < o.rank; ++a) {
        const Status s = output_dim(desc, o, name, a, env, known_only, &result.dims[a], err);
        if (s != Status::kOk) return s;
    }
    int64_t numel = 0;
    if (!known_only && !detail::checked_numel(result, &numel)) {
        return fail(err, Status::kExprError, strf("output '%s': element count overflows int64", name));
    }
    *out = result;
    return detail::ok(err);
}

}  // namespace

Status check_inputs(const PluginDesc& desc, const Shape* inputs, int32_t n_inputs, Error* err) {
    return detail::guarded(err, "check_inputs", [&] { return check_inputs_impl(desc, inputs, n_inputs, err); });
}

Status check_constraints(const PluginDesc& desc, const AttrValues& values, const Shape* inputs, Error* err) {
    return detail::guarded(err, "check_constraints", [&]() -> Status {
        Status s = check_inputs_impl(desc, inputs, desc.n_inputs, err);
        if (s != Status::kOk) return s;
        return check_constraints_impl(desc, values, inputs, false, err);
    });
}

Status check_known_shapes(const PluginDesc& desc, const AttrValues& values, const Shape* inputs, int32_t output_index,
                          Error* err) {
    return detail::guarded(err, "check_known_shapes", [&]() -> Status {
        if (!inputs && desc.n_inputs > 0) return fail(err, Status::kBadArgument, "input shapes missing (null pointer)");
        Status s = check_constraints_impl(desc, values, inputs, true, err);
        if (s != Status::kOk) return s;
        Shape ignored;
        return output_shape_impl(desc, values, inputs, output_index, true, &ignored, err);
    });
}

Status output_shape(const PluginDesc& desc, const AttrValues& values, const Shape* inputs, int32_t output_index,
                    Shape* out, Error* err) {
    return detail::guarded(err, "output_shape", [&]() -> Status {
        Status s = check_inputs_impl(desc, inputs, desc.n_inputs, err);
        if (s != Status::kOk) return s;
        if (!out) return fail(err, Status::kBadArgument, "output_shape: null output");
        s = check_constraints_impl(desc, values, inputs, false, err);
        if (s != Status::kOk) return s;
        return output_shape_impl(desc, values, inputs, output_index, false, out, err);
    });
}

namespace detail {

Status computed_output_shape(const PluginDesc& desc, const AttrValues& values, const Shape* inputs,
                             int32_t output_index, Shape* out, Error* err) {
    return output_shape_impl(desc, values, inputs, output_index, false, out, err);
}

}  // namespace detail

int32_t find_variant(const PluginDesc& desc, const DType* io_types) {
    if (!io_types) return -1;
    const int32_t n = desc.n_inputs + desc.n_outputs;
    for (int32_t v = 0; v < desc.n_variants; ++v) {
        bool same = true;
        for (int32_t k = 0; k < n && same; ++k) same = desc.variants[v].io_types[k] == io_types[k];
        if (same) return v;
    }
    return -1;
}

bool variant_prefix_supported(const PluginDesc& desc, const DType* io_types, int32_t pos) {
    if (!io_types || pos < 0 || pos >= desc.n_inputs + desc.n_outputs) return false;
    for (int32_t v = 0; v < desc.n_variants; ++v) {
        bool same = true;
        for (int32_t k = 0; k <= pos && same; ++k) same = desc.variants[v].io_types[k] == io_types[k];
        if (same) return true;
    }
    return false;
}

namespace detail {

Status workspace_layout(const PluginDesc& desc, const AttrValues& values, int32_t variant, const Shape* inputs,
                        WorkspaceLayout* layout, Error* err) {
    Status s = check_inputs_impl(desc, inputs, desc.n_inputs, err);
    if (s != Status::kOk) return s;
    if (variant < 0 || variant >= desc.n_variants) {
        return fail(err, Status::kBadArgument,
                    strf("variant %d out of range: plugin '%s' has %d variants", variant, desc.name, desc.n_variants));
    }
    const VariantDesc& v = desc.variants[variant];
    EvalEnv env{desc.n_inputs, inputs, &desc, &values};
    layout->offsets.assign(static_cast<size_t>(v.n_workspace), 0);
    layout->sizes.assign(static_cast<size_t>(v.n_workspace), 0);
    size_t total = 0;
    for (int32_t w = 0; w < v.n_workspace; ++w) {
        const WorkspaceDesc& wd = v.workspace[w];
        int64_t numel = 1;
        for (int32_t a = 0; a < wd.rank; ++a) {
            int64_t d = 0;
            Error e;
            if (eval_expr(wd.shape[a], env, &d, &e) != Status::kOk) {
                return fail(err, e.status, strf("workspace buffer %d dim %d: %s", w, a, e.message.c_str()));
            }
            if (d < 0) {
                return fail(err, Status::kExprError,
                            strf("workspace buffer %d dim %d evaluates to %lld (must be >= 0)", w, a,
                                 static_cast<long long>(d)));
            }
            if (__builtin_mul_overflow(numel, d, &numel)) {
                return fail(err, Status::kExprError, strf("workspace buffer %d: element count overflows int64", w));
            }
        }
        int64_t bytes = 0;
        size_t aligned_total = 0;
        if (__builtin_mul_overflow(numel, dtype_size(wd.dtype), &bytes) ||
            __builtin_add_overflow(total, kWorkspaceAlignment - 1, &aligned_total)) {
            return fail(err, Status::kExprError, strf("workspace buffer %d: size overflows", w));
        }
        aligned_total -= aligned_total % kWorkspaceAlignment;
        layout->offsets[static_cast<size_t>(w)] = aligned_total;
        layout->sizes[static_cast<size_t>(w)] = static_cast<size_t>(bytes);
        if (__builtin_add_overflow(aligned_total, static_cast<size_t>(bytes), &total)) {
            return fail(err, Status::kExprError, strf("workspace buffer %d: size overflows", w));
        }
    }
    layout->total = total;
    return ok(err);
}

}  // namespace detail

Status workspace_size(const PluginDesc& desc, const AttrValues& values, int32_t variant, const Shape* inputs,
                      size_t* bytes, Error* err) {
    return detail::guarded(err, "workspace_size", [&]() -> Status {
        if (!bytes) return fail(err, Status::kBadArgument, "workspace_size: null output");
        detail::WorkspaceLayout layout;
        Status s = detail::workspace_layout(desc, values, variant, inputs, &layout, err);
        if (s != Status::kOk) return s;
        *bytes = layout.total;
        return detail::ok(err);
    });
}

// ---------------------------------------------------------------------------------------------
// Tactics.
int32_t tactic_count(const PluginDesc& desc) { return desc.n_tactics > 0 ? desc.n_tactics : 1; }

const char* tactic_name(const PluginDesc& desc, int32_t tactic) {
    if (tactic < 0 || tactic >= tactic_count(desc)) return nullptr;
    return desc.n_tactics > 0 && desc.tactic_names ? desc.tactic_names[tactic] : "default";
}

Status tactic_launches(const PluginDesc& desc, int32_t variant, int32_t tactic, const LaunchDesc** launches,
                       int32_t* n_launches, Error* err) {
    if (variant < 0 || variant >= desc.n_variants) {
        return fail(err, Status::kBadArgument,
                    strf("variant %d out of range: plugin '%s' has %d variants", variant, desc.name, desc.n_variants));
    }
    if (tactic < 0 || tactic >= tactic_count(desc)) {
        return fail(err, Status::kBadArgument,
                    strf("tactic %d out of range: plugin '%s' has %d tactic(s)", tactic, desc.name, tactic_count(desc)));
    }
    const VariantDesc& var = desc.variants[variant];
    if (desc.n_tactics > 0) {
        if (var.tactics == nullptr) {
            return fail(err, Status::kInternal, strf("plugin '%s' declares %d tactics, but variant %d has no launches for "
                                                     "them", desc.name, desc.n_tactics, variant));
        }
        *launches = var.tactics[tactic].launches;
        *n_launches = var.tactics[tactic].n_launches;
    } else {
        *launches = var.launches;
        *n_launches = var.n_launches;
    }
    return detail::ok(err);
}

}  // namespace trtplug
