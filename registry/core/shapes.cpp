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

}  // namespace

Status check_inputs(const PluginDesc& desc, const Shape* inputs, int32_t n_inputs, Error* err) {
    return detail::guarded(err, "check_inputs", [&] { return check_inputs_impl(desc, inputs, n_inputs, err); });
}

Status output_shape(const PluginDesc& desc, const AttrValues& values, const Shape* inputs, int32_t output_index,
                    Shape* out, Error* err) {
    return detail::guarded(err, "output_shape", [&]() -> Status {
        Status s = check_inputs_impl(desc, inputs, desc.n_inputs, err);
        if (s != Status::kOk) return s;
        if (!out) return fail(err, Status::kBadArgument, "output_shape: null output");
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
            Error e;
            if (eval_expr(o.shape[a], env, &result.dims[a], &e) != Status::kOk) {
                return fail(err, e.status, strf("output '%s' dim %d: %s", name, a, e.message.c_str()));
            }
            if (result.dims[a] < 0) {
                return fail(err, Status::kExprError,
                            strf("output '%s' dim %d evaluates to %lld (must be >= 0)", name, a,
                                 static_cast<long long>(result.dims[a])));
            }
        }
        *out = result;
        return detail::ok(err);
    });
}

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

}  // namespace trtplug
