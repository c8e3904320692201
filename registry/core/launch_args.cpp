// Launch dimensions and Numba-convention argument packing (no GPU needed).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core_internal.h"
#include "launch_args.h"

namespace trtplug {
namespace detail {

namespace {

const char* scalar_type_name(ScalarType t) {
    switch (t) {
        case ScalarType::kInt32: return "int32";
        case ScalarType::kInt64: return "int64";
        case ScalarType::kFloat32: return "float32";
        case ScalarType::kFloat64: return "float64";
        case ScalarType::kFloat16: return "float16";
        case ScalarType::kBool: return "bool";
        case ScalarType::kUInt8: return "uint8";
        case ScalarType::kInt8: return "int8";
    }
    return "unknown scalar type";
}

template <class T>
uint64_t to_slot(T v) {
    uint64_t slot = 0;
    std::memcpy(&slot, &v, sizeof(T));
    return slot;
}

bool in_range(int64_t v, int64_t lo, int64_t hi, ScalarType t, std::string* why) {
    if (v < lo || v > hi) {
        *why = strf("value %lld does not fit %s", static_cast<long long>(v), scalar_type_name(t));
        return false;
    }
    return true;
}

// A finite double beyond the target's largest finite value has no defined conversion (and would
// silently become infinity on the GPU side); infinities and NaN pass through as themselves.
bool fits_float(double v, double max, ScalarType t, std::string* why) {
    if (std::isfinite(v) && std::fabs(v) > max) {
        *why = strf("value %.17g is outside the range of %s (largest finite value %g)", v, scalar_type_name(t), max);
        return false;
    }
    return true;
}

}  // namespace

const char* launch_name(const LaunchDesc& launch, const PluginDesc* desc) {
    if (desc && launch.module >= 0 && launch.module < desc->n_modules && desc->modules[launch.module].name &&
        desc->modules[launch.module].name[0]) {
        return desc->modules[launch.module].name;
    }
    return launch.entry ? launch.entry : "?";
}

Status scalar_from_int(ScalarType type, int64_t v, uint64_t* slot, std::string* why) {
    switch (type) {
        case ScalarType::kInt32:
            if (!in_range(v, INT32_MIN, INT32_MAX, type, why)) return Status::kExprError;
            *slot = to_slot(static_cast<int32_t>(v));
            return Status::kOk;
        case ScalarType::kInt64: *slot = to_slot(v); return Status::kOk;
        case ScalarType::kFloat32: *slot = to_slot(static_cast<float>(v)); return Status::kOk;
        case ScalarType::kFloat64: *slot = to_slot(static_cast<double>(v)); return Status::kOk;
        case ScalarType::kFloat16:
            if (!in_range(v, -65504, 65504, type, why)) return Status::kExprError;
            *slot = to_slot(float_to_half(static_cast<float>(v)));
            return Status::kOk;
        case ScalarType::kBool: *slot = to_slot(static_cast<uint8_t>(v != 0)); return Status::kOk;
        case ScalarType::kUInt8:
            if (!in_range(v, 0, 255, type, why)) return Status::kExprError;
            *slot = to_slot(static_cast<uint8_t>(v));
            return Status::kOk;
        case ScalarType::kInt8:
            if (!in_range(v, -128, 127, type, why)) return Status::kExprError;
            *slot = to_slot(static_cast<int8_t>(v));
            return Status::kOk;
    }
    *why = strf("unknown scalar type %d", static_cast<int>(type));
    return Status::kInternal;
}

Status scalar_from_double(ScalarType type, double v, uint64_t* slot, std::string* why) {
    switch (type) {
        case ScalarType::kFloat32:
            if (!fits_float(v, kFloat32Max, type, why)) return Status::kExprError;
            *slot = to_slot(static_cast<float>(v));
            return Status::kOk;
        case ScalarType::kFloat64: *slot = to_slot(v); return Status::kOk;
        case ScalarType::kFloat16:
            if (!fits_float(v, kFloat16Max, type, why)) return Status::kExprError;
            *slot = to_slot(float_to_half(static_cast<float>(v)));
            return Status::kOk;
        default: break;
    }
    // Integer and bool parameters take only integral values (2^63 is the first double past int64).
    if (!(v == std::floor(v)) || v < -9223372036854775808.0 || v >= 9223372036854775808.0) {
        *why = strf("value %.17g cannot be passed as %s", v, scalar_type_name(type));
        return Status::kExprError;
    }
    return scalar_from_int(type, static_cast<int64_t>(v), slot, why);
}

namespace {

// Evaluates one launch parameter and checks it lies in [lo, hi]; the message names the launch,
// the parameter, its expression (unless a constant) and the values it read.
Status launch_value(const char* launch, const char* what, const Expr& expr, const EvalEnv& env, int64_t lo, int64_t hi,
                    int64_t* out, Error* err) {
    Error e;
    const Status evaluated = eval_expr(expr, env, out, &e);
    if (evaluated == Status::kOk && *out >= lo && *out <= hi) return ok(err);
    // The texts only for the message: building them on every plan cost a first enqueue more than
    // the evaluation itself.
    const std::string text = env.desc ? expr_text(expr, *env.desc) : "?";
    const std::string values = expr_values(expr, env);
    if (evaluated != Status::kOk) {
        return fail(err, e.status, strf("launch '%s' %s = %s: %s%s%s%s", launch, what, text.c_str(), e.message.c_str(),
                                        values.empty() ? "" : " (", values.c_str(), values.empty() ? "" : ")"));
    }
    const std::string value = strf("%lld", static_cast<long long>(*out));
    return fail(err, Status::kExprError,
                strf("launch '%s' %s%s%s is %s (allowed %lld..%lld%s%s)", launch, what, text == value ? "" : " = ",
                     text == value ? "" : text.c_str(), value.c_str(), static_cast<long long>(lo),
                     static_cast<long long>(hi), values.empty() ? "" : "; ", values.c_str()));
}

}  // namespace

Status launch_dims(const LaunchDesc& launch, const EvalEnv& env, LaunchDims* dims, Error* err) {
    static const char* const grid_axis[3] = {"grid.x", "grid.y", "grid.z"};
    static const char* const block_axis[3] = {"block.x", "block.y", "block.z"};
    static const int64_t grid_limit[3] = {2147483647, 65535, 65535};
    static const int64_t block_limit[3] = {1024, 1024, 64};
    const char* name = launch_name(launch, env.desc);
    dims->empty = false;
    int64_t threads = 1;
    for (int i = 0; i < 3; ++i) {
        int64_t g = 0, b = 0;
        // A grid dimension of 0 (an empty tensor) launches nothing; a block needs at least one thread.
        Status s = launch_value(name, grid_axis[i], launch.grid[i], env, 0, grid_limit[i], &g, err);
        if (s != Status::kOk) return s;
        s = launch_value(name, block_axis[i], launch.block[i], env, 1, block_limit[i], &b, err);
        if (s != Status::kOk) return s;
        threads *= b;  // at most 1024^2 * 64: no overflow
        if (g == 0) dims->empty = true;
        dims->grid[i] = static_cast<uint32_t>(g);
        dims->block[i] = static_cast<uint32_t>(b);
    }
    if (threads > 1024) {
        return fail(err, Status::kExprError,
                    strf("launch '%s' block (%u, %u, %u) has %lld threads; CUDA allows at most 1024 per block", name,
                         dims->block[0], dims->block[1], dims->block[2], static_cast<long long>(threads)));
    }
    int64_t shared = 0;
    Status s = launch_value(name, "dynamic shared memory", launch.shared_bytes, env, 0, INT32_MAX, &shared, err);
    if (s != Status::kOk) return s;
    dims->shared_bytes = static_cast<uint32_t>(shared);
    return ok(err);
}

namespace {

std::string tensor_what(const PluginDesc& desc, int32_t io_index) {
    const bool is_input = io_index < desc.n_inputs;
    return strf("%s '%s'", is_input ? "input" : "output",
                desc.io_names && desc.io_names[io_index] ? desc.io_names[io_index] : "?");
}

}  // namespace

Status pack_template(const PluginDesc& desc, int32_t variant, const LaunchDesc& launch, const EvalEnv& env,
                     const Shape* input_shapes, const Shape* output_shapes, const WorkspaceLayout& workspace,
                     ArgTemplate* packed, Error* err) {
    if (variant < 0 || variant >= desc.n_variants) {
        return fail(err, Status::kBadArgument, strf("variant %d out of range (%d variants)", variant, desc.n_variants));
    }
    const VariantDesc& var = desc.variants[variant];
    const char* name = launch_name(launch, &desc);
    const int32_t n_io = desc.n_inputs + desc.n_outputs;
    std::vector<uint64_t>& slots = packed->slots;
    slots.clear();
    packed->pointers.clear();
    slots.reserve(launch.n_params > 0 ? static_cast<size_t>(launch.n_params) : 0);
    for (int32_t a = 0; a < launch.n_args; ++a) {
        const ArgDesc& arg = launch.args[a];
        std::string why;
        uint64_t slot = 0;
        switch (arg.kind) {
            case ArgKind::kTensor:
            case ArgKind::kWorkspace: {
                PointerSlot pointer{0, a, -1, -1, 0, false};
                int64_t itemsize = 0;
                size_t capacity = 0;
                std::string what;
                if (arg.kind == ArgKind::kTensor) {
                    if (arg.index < 0 || arg.index >= n_io) {
                        return fail(err, Status::kInternal,
                                    strf("launch '%s' argument %d: tensor index %d out of range", name, a, arg.index));
                    }
                    const bool is_input = arg.index < desc.n_inputs;
                    const Shape* shapes = is_input ? input_shapes : output_shapes;
                    const int32_t k = is_input ? arg.index : arg.index - desc.n_inputs;
                    if (!shapes) return fail(err, Status::kBadArgument, "tensor shapes missing (null pointer)");
                    int64_t numel = 0;
                    if (!checked_numel(shapes[k], &numel)) {
                        return fail(err, Status::kBadArgument, strf("tensor %d has an invalid shape", arg.index));
                    }
                    const DType dt = var.io_types[arg.index];
                    itemsize = dtype_size(dt);
                    if (__builtin_mul_overflow(static_cast<size_t>(numel), static_cast<size_t>(itemsize), &capacity)) {
                        return fail(err, Status::kBadArgument, strf("tensor %d: byte size overflows", arg.index));
                    }
                    pointer.tensor = arg.index;
                    what = tensor_what(desc, arg.index);
                } else {
                    if (arg.index < 0 || arg.index >= var.n_workspace ||
                        static_cast<size_t>(arg.index) >= workspace.sizes.size()) {
                        return fail(err, Status::kInternal,
                                    strf("launch '%s' argument %d: workspace index %d out of range", name, a,
                                         arg.index));
                    }
                    itemsize = dtype_size(var.workspace[arg.index].dtype);
                    capacity = workspace.sizes[static_cast<size_t>(arg.index)];
                    pointer.buffer = arg.index;
                    pointer.offset = workspace.offsets[static_cast<size_t>(arg.index)];
                    what = strf("workspace buffer %d", arg.index);
                }
                if (arg.view_rank < 0 || arg.view_rank > kMaxRank) {
                    return fail(err, Status::kInternal,
                                strf("launch '%s' argument %d: view rank %d", name, a, arg.view_rank));
                }
                int64_t shape[kMaxRank];
                int64_t nitems = 1;
                for (int32_t d = 0; d < arg.view_rank; ++d) {
                    Error e;
                    if (eval_expr(arg.view_shape[d], env, &shape[d], &e) != Status::kOk) {
                        return fail(err, e.status, strf("launch '%s' argument %d (%s) dim %d: %s", name, a,
                                                        what.c_str(), d, e.message.c_str()));
                    }
                    if (shape[d] < 0 || __builtin_mul_overflow(nitems, shape[d], &nitems)) {
                        return fail(err, Status::kExprError,
                                    strf("launch '%s' argument %d (%s): view dim %d is %lld", name, a,
                                         what.c_str(), d, static_cast<long long>(shape[d])));
                    }
                }
                int64_t view_bytes = 0;
                if (__builtin_mul_overflow(nitems, itemsize, &view_bytes) || static_cast<uint64_t>(view_bytes) > capacity) {
                    return fail(err, Status::kBadArgument,
                                strf("launch '%s' argument %d: a view of %lld elements (%lld bytes each) does not fit "
                                     "%s of %zu bytes", name, a, static_cast<long long>(nitems),
                                     static_cast<long long>(itemsize), what.c_str(), capacity));
                }
                pointer.has_elements = nitems > 0;
                slots.push_back(0);  // meminfo
                slots.push_back(0);  // parent
                slots.push_back(static_cast<uint64_t>(nitems));
                slots.push_back(static_cast<uint64_t>(itemsize));
                pointer.slot = static_cast<uint32_t>(slots.size());
                packed->pointers.push_back(pointer);
                slots.push_back(0);  // data: filled per call
                for (int32_t d = 0; d < arg.view_rank; ++d) slots.push_back(static_cast<uint64_t>(shape[d]));
                int64_t stride = itemsize;
                const size_t first_stride = slots.size();
                slots.resize(first_stride + static_cast<size_t>(arg.view_rank));
                for (int32_t d = arg.view_rank - 1; d >= 0; --d) {
                    slots[first_stride + static_cast<size_t>(d)] = static_cast<uint64_t>(stride);
                    __builtin_mul_overflow(stride, shape[d], &stride);  // wraps only past a zero dim
                }
                continue;
            }
            case ArgKind::kScalarExpr: {
                int64_t v = 0;
                Error e;
                if (eval_expr(arg.value, env, &v, &e) != Status::kOk) {
                    return fail(err, e.status, strf("launch '%s' argument %d: %s", name, a, e.message.c_str()));
                }
                Status s = scalar_from_int(arg.scalar_type, v, &slot, &why);
                if (s != Status::kOk) return fail(err, s, strf("launch '%s' argument %d: %s", name, a, why.c_str()));
                break;
            }
            case ArgKind::kScalarAttr: {
                if (!env.attrs || arg.index < 0 || arg.index >= desc.n_attrs ||
                    static_cast<size_t>(arg.index) >= env.attrs->size()) {
                    return fail(err, Status::kInternal,
                                strf("launch '%s' argument %d: attribute index %d out of range", name, a, arg.index));
                }
                const AttrDesc& ad = desc.attrs[arg.index];
                const AttrValue& av = (*env.attrs)[static_cast<size_t>(arg.index)];
                Status s;
                if ((ad.type == AttrType::kInt || ad.type == AttrType::kBool) && av.ints.size() == 1) {
                    s = scalar_from_int(arg.scalar_type, av.ints[0], &slot, &why);
                } else if (ad.type == AttrType::kFloat && av.floats.size() == 1) {
                    s = scalar_from_double(arg.scalar_type, static_cast<double>(av.floats[0]), &slot, &why);
                } else {
                    return fail(err, Status::kInternal,
                                strf("launch '%s' argument %d: attribute '%s' is not a scalar with one value",
                                     name, a, ad.name));
                }
                if (s != Status::kOk) {
                    return fail(err, s, strf("launch '%s' argument %d (attribute '%s'): %s", name, a, ad.name,
                                             why.c_str()));
                }
                break;
            }
            case ArgKind::kScalarConst: {
                Status s = scalar_from_double(arg.scalar_type, arg.const_value, &slot, &why);
                if (s != Status::kOk) return fail(err, s, strf("launch '%s' argument %d: %s", name, a, why.c_str()));
                break;
            }
            default:
                return fail(err, Status::kInternal,
                            strf("launch '%s' argument %d: unknown kind %d", name, a, static_cast<int>(arg.kind)));
        }
        slots.push_back(slot);
    }
    if (slots.size() != static_cast<size_t>(launch.n_params)) {
        return fail(err, Status::kInternal,
                    strf("launch '%s': arguments pack into %zu parameters, the kernel declares %d", name,
                         slots.size(), launch.n_params));
    }
    return ok(err);
}

Status fill_pointers(const PluginDesc& desc, const LaunchDesc& launch, const ArgTemplate& packed,
                     const TensorArgs& tensors, uint64_t* slots, Error* err) {
    std::copy(packed.slots.begin(), packed.slots.end(), slots);
    for (const PointerSlot& p : packed.pointers) {
        const void* data = nullptr;
        if (p.tensor < 0) {
            data = tensors.workspace ? static_cast<const char*>(tensors.workspace) + p.offset : nullptr;
        } else if (p.tensor < desc.n_inputs) {
            data = tensors.inputs ? tensors.inputs[p.tensor] : nullptr;
        } else {
            data = tensors.outputs ? tensors.outputs[p.tensor - desc.n_inputs] : nullptr;
        }
        if (!data && p.has_elements) {
            const std::string what = p.tensor < 0 ? strf("workspace buffer %d", p.buffer) : tensor_what(desc, p.tensor);
            return fail(err, Status::kBadArgument, strf("launch '%s' argument %d: %s has a null data pointer",
                                                        launch_name(launch, &desc), p.arg, what.c_str()));
        }
        slots[p.slot] = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data));
    }
    return ok(err);
}

Status pack_args(const PluginDesc& desc, int32_t variant, const LaunchDesc& launch, const EvalEnv& env,
                 const TensorArgs& tensors, const WorkspaceLayout& workspace, PackedArgs* packed, Error* err) {
    ArgTemplate tmpl;
    Status s = pack_template(desc, variant, launch, env, tensors.input_shapes, tensors.output_shapes, workspace, &tmpl,
                             err);
    if (s != Status::kOk) return s;
    packed->slots.resize(tmpl.slots.size());
    s = fill_pointers(desc, launch, tmpl, tensors, packed->slots.data(), err);
    if (s != Status::kOk) return s;
    packed->pointers.resize(packed->slots.size());
    for (size_t i = 0; i < packed->slots.size(); ++i) packed->pointers[i] = &packed->slots[i];
    return ok(err);
}

}  // namespace detail
}  // namespace trtplug
