// The library's C API (trtplug_library.h): plugins and instances without TensorRT.
#include <cstdio>
#include <cstring>
#include <new>

#include "core_internal.h"
#include "launch_args.h"
#include "module_cache.h"
#include "trtplug_launch_cache.h"
#include "trtplug_library.h"

namespace trtplug {
namespace {

struct Instance {
    const PluginDesc* desc;
    AttrValues values;
    LaunchCache launches;  // cleared whenever an attribute is set
    int32_t tactic = 0;    // what trtplug_enqueue runs
};

const PluginDesc* plugin_at(int32_t plugin_index) {
    const LibraryDesc& lib = library();
    return plugin_index >= 0 && plugin_index < lib.n_plugins ? lib.plugins[plugin_index] : nullptr;
}

const char* plugin_namespace() {
    const char* ns = library().plugin_namespace;
    return ns ? ns : "";
}

void write_err(char* err, size_t capacity, const std::string& message) {
    if (err && capacity > 0) std::snprintf(err, capacity, "%s", message.c_str());
}

// Reports a failure: fills the caller's buffer and logs one line.
int32_t report(const PluginDesc* desc, const Error& e, char* err, size_t capacity) {
    write_err(err, capacity, e.message);
    log_line(Severity::kError, plugin_namespace(), desc ? desc->name : library().name, e.message.c_str());
    return static_cast<int32_t>(e.status);
}

int32_t report(const PluginDesc* desc, Status s, const char* message, char* err, size_t capacity) {
    Error e;
    e.status = s;
    try {
        e.message = message;
    } catch (...) {
    }
    return report(desc, e, err, capacity);
}

// Wraps a C entry point: no exception crosses the C ABI.
template <class Body>
int32_t c_guard(const PluginDesc* desc, char* err, size_t capacity, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return report(desc, Status::kInternal, "out of memory", err, capacity);
    } catch (...) {
        return report(desc, Status::kInternal, "unexpected internal error", err, capacity);
    }
}

// Shapes converted from the C API's arrays; the usual tensor counts need no allocation. The inline
// storage is left uninitialized (to_shapes writes every field of the shapes it hands out): zeroing
// it was a fifth of an enqueue's instructions.
class ShapeList {
public:
    Shape* assign(size_t n) {
        if (n > kInline) {
            heap_.assign(n, Shape{});
            return heap_.data();
        }
        return inline_.shapes;
    }
    const Shape* data() const { return heap_.empty() ? inline_.shapes : heap_.data(); }

private:
    static constexpr size_t kInline = 8;
    union Inline {
        Inline() {}
        Shape shapes[kInline];
    } inline_;
    std::vector<Shape> heap_;
};

bool to_shapes(const PluginDesc& desc, int32_t n, const int32_t* ranks, const int64_t* dims, ShapeList* out, Error* e,
               const char* what) {
    if (n < 0 || (n > 0 && (!ranks || !dims))) {
        detail::fail(e, Status::kBadArgument, detail::strf("%s: null ranks or dims", what));
        return false;
    }
    Shape* shapes = out->assign(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) {
        Shape& s = shapes[i];
        s.rank = ranks[i];
        if (s.rank < 0 || s.rank > kMaxRank) {
            detail::fail(e, Status::kBadArgument,
                         detail::strf("%s %d of plugin '%s' has rank %d (allowed 0..%d)", what, i, desc.name, s.rank, kMaxRank));
            return false;
        }
        const int64_t* row = dims + static_cast<size_t>(i) * kMaxRank;
        for (int32_t a = 0; a < kMaxRank; ++a) s.dims[a] = a < s.rank ? row[a] : 0;
    }
    return true;
}

}  // namespace
}  // namespace trtplug

using namespace trtplug;

TRTPLUG_EXPORT int32_t trtplug_abi_version(void) { return kTrtplugAbiVersion; }

TRTPLUG_EXPORT const char* trtplug_library_info(void) {
    const char* info = library().info_json;
    return info ? info : "{}";
}

TRTPLUG_EXPORT int32_t trtplug_plugin_count(void) { return library().n_plugins; }

TRTPLUG_EXPORT int32_t trtplug_plugin_index(const char* name, const char* version) {
    if (!name) return -1;
    const LibraryDesc& lib = library();
    for (int32_t i = 0; i < lib.n_plugins; ++i) {
        const PluginDesc* p = lib.plugins[i];
        if (std::strcmp(p->name, name) == 0 && (!version || std::strcmp(p->version, version) == 0)) return i;
    }
    return -1;
}

TRTPLUG_EXPORT int32_t trtplug_plugin_tactic_count(int32_t plugin_index) {
    const PluginDesc* desc = plugin_at(plugin_index);
    return desc ? tactic_count(*desc) : -1;
}

TRTPLUG_EXPORT const char* trtplug_plugin_tactic_name(int32_t plugin_index, int32_t tactic) {
    const PluginDesc* desc = plugin_at(plugin_index);
    return desc ? tactic_name(*desc, tactic) : nullptr;
}

TRTPLUG_EXPORT int32_t trtplug_instance_set_tactic(void* instance, int32_t tactic, char* err, size_t err_capacity) {
    if (!instance) return report(nullptr, Status::kBadArgument, "null instance", err, err_capacity);
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        if (tactic < 0 || tactic >= tactic_count(*in->desc)) {
            return report(in->desc, Status::kBadArgument,
                          detail::strf("tactic %d out of range: plugin '%s' has %d tactic(s)", tactic, in->desc->name,
                                       tactic_count(*in->desc)).c_str(),
                          err, err_capacity);
        }
        in->tactic = tactic;  // plans are cached per tactic: nothing to forget
        return 0;
    });
}

TRTPLUG_EXPORT void* trtplug_instance_create(int32_t plugin_index, const void* serialized, size_t length, char* err,
                                             size_t err_capacity) {
    const LibraryDesc& lib = library();
    const PluginDesc* desc = plugin_index >= 0 && plugin_index < lib.n_plugins ? lib.plugins[plugin_index] : nullptr;
    Instance* instance = nullptr;
    c_guard(desc, err, err_capacity, [&]() -> int32_t {
        if (!desc) {
            return report(nullptr, Status::kBadArgument,
                          detail::strf("plugin index %d out of range (%d plugins)", plugin_index, lib.n_plugins).c_str(),
                          err, err_capacity);
        }
        auto* created = new Instance{desc, {}, {}};
        Error e;
        if (serialized) {
            if (deserialize(*desc, serialized, length, &created->values, &e) != Status::kOk) {
                delete created;
                return report(desc, e, err, err_capacity);
            }
        } else {
            attrs_default(*desc, &created->values);
        }
        instance = created;
        return 0;
    });
    return instance;
}

TRTPLUG_EXPORT void trtplug_instance_destroy(void* instance) { delete static_cast<Instance*>(instance); }

TRTPLUG_EXPORT int32_t trtplug_instance_set_field(void* instance, const char* name, int32_t field_type, const void* data,
                                                  int32_t length, char* err, size_t err_capacity) {
    if (!instance) return report(nullptr, Status::kBadArgument, "null instance", err, err_capacity);
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        Error e;
        in->launches.clear();  // the plans were computed with the old values
        if (attrs_set_field(*in->desc, &in->values, name, static_cast<FieldType>(field_type), data, length, &e) !=
            Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        return 0;
    });
}

TRTPLUG_EXPORT int32_t trtplug_instance_serialize(void* instance, void* buffer, size_t capacity, size_t* length, char* err,
                                                  size_t err_capacity) {
    if (!instance) return report(nullptr, Status::kBadArgument, "null instance", err, err_capacity);
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        Error e;
        if (attrs_validate(*in->desc, in->values, &e) != Status::kOk) return report(in->desc, e, err, err_capacity);
        const size_t size = serialized_size(*in->desc, in->values);
        if (length) *length = size;
        if (!buffer) return 0;
        if (serialize(*in->desc, in->values, buffer, capacity, &e) != Status::kOk) return report(in->desc, e, err, err_capacity);
        return 0;
    });
}

TRTPLUG_EXPORT int32_t trtplug_output_shape(void* instance, int32_t n_inputs, const int32_t* input_ranks,
                                            const int64_t* input_dims, int32_t output_index, int32_t* out_rank,
                                            int64_t* out_dims, char* err, size_t err_capacity) {
    if (!instance) return report(nullptr, Status::kBadArgument, "null instance", err, err_capacity);
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        Error e;
        ShapeList shapes;
        if (!out_rank || !out_dims) return report(in->desc, Status::kBadArgument, "null output rank or dims", err, err_capacity);
        if (attrs_validate(*in->desc, in->values, &e) != Status::kOk ||
            !to_shapes(*in->desc, n_inputs, input_ranks, input_dims, &shapes, &e, "input") ||
            check_inputs(*in->desc, shapes.data(), n_inputs, &e) != Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        Shape out;
        if (output_shape(*in->desc, in->values, shapes.data(), output_index, &out, &e) != Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        *out_rank = out.rank;
        for (int32_t a = 0; a < kMaxRank; ++a) out_dims[a] = a < out.rank ? out.dims[a] : 0;
        return 0;
    });
}

TRTPLUG_EXPORT int32_t trtplug_find_variant(void* instance, const int32_t* io_types) {
    if (!instance || !io_types) return -1;
    const PluginDesc& desc = *static_cast<Instance*>(instance)->desc;
    const int32_t n = desc.n_inputs + desc.n_outputs;
    DType types[2 * kMaxRank * 8];
    if (n < 0 || n > static_cast<int32_t>(sizeof types / sizeof types[0])) return -1;
    for (int32_t i = 0; i < n; ++i) types[i] = static_cast<DType>(io_types[i]);
    return find_variant(desc, types);
}

TRTPLUG_EXPORT int32_t trtplug_workspace_size(void* instance, int32_t variant, int32_t n_inputs, const int32_t* input_ranks,
                                              const int64_t* input_dims, size_t* bytes, char* err, size_t err_capacity) {
    if (!instance) return report(nullptr, Status::kBadArgument, "null instance", err, err_capacity);
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        Error e;
        ShapeList shapes;
        if (attrs_validate(*in->desc, in->values, &e) != Status::kOk ||
            !to_shapes(*in->desc, n_inputs, input_ranks, input_dims, &shapes, &e, "input") ||
            check_inputs(*in->desc, shapes.data(), n_inputs, &e) != Status::kOk ||
            workspace_size(*in->desc, in->values, variant, shapes.data(), bytes, &e) != Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        return 0;
    });
}

TRTPLUG_EXPORT int32_t trtplug_enqueue(void* instance, int32_t variant, int32_t n_inputs, const int32_t* input_ranks,
                                       const int64_t* input_dims, const void* const* inputs, int32_t n_outputs,
                                       const int32_t* output_ranks, const int64_t* output_dims, void* const* outputs,
                                       void* workspace, size_t workspace_bytes, void* stream, char* err,
                                       size_t err_capacity) {
    if (!instance) return report(nullptr, Status::kBadArgument, "null instance", err, err_capacity);
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        const PluginDesc& desc = *in->desc;
        Error e;
        if (n_outputs != desc.n_outputs) {
            return report(in->desc, Status::kBadArgument,
                          detail::strf("plugin '%s' has %d outputs, got %d", desc.name, desc.n_outputs, n_outputs).c_str(),
                          err, err_capacity);
        }
        ShapeList in_shapes, out_shapes;
        Error shapes_error;
        const bool shapes_ok = to_shapes(desc, n_inputs, input_ranks, input_dims, &in_shapes, &shapes_error, "input");
        // A cached plan means these attribute values and input shapes passed every check before.
        LaunchPlanRef plan = shapes_ok ? in->launches.find(desc, variant, in->tactic, in_shapes.data(), n_inputs)
                                       : nullptr;
        if (!plan) {
            if (attrs_validate(desc, in->values, &e) != Status::kOk) return report(in->desc, e, err, err_capacity);
            if (!shapes_ok) return report(in->desc, shapes_error, err, err_capacity);
            if (check_inputs(desc, in_shapes.data(), n_inputs, &e) != Status::kOk) {
                return report(in->desc, e, err, err_capacity);
            }
        }
        if (!to_shapes(desc, n_outputs, output_ranks, output_dims, &out_shapes, &e, "output")) {
            return report(in->desc, e, err, err_capacity);
        }
        if (!plan && in->launches.plan(desc, in->values, variant, in->tactic, in_shapes.data(), &plan, &e) != Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        TensorArgs t{in_shapes.data(), out_shapes.data(), inputs, outputs, workspace, workspace_bytes};
        if (enqueue(desc, *plan, t, stream, &e) != Status::kOk) return report(in->desc, e, err, err_capacity);
        return 0;
    });
}

TRTPLUG_EXPORT int32_t trtplug_prepare(char* err, size_t err_capacity) {
    return c_guard(nullptr, err, err_capacity, [&]() -> int32_t {
        const LibraryDesc& lib = library();
        for (int32_t i = 0; i < lib.n_plugins; ++i) {
            Error e;
            if (prepare_modules(*lib.plugins[i], &e) != Status::kOk) return report(lib.plugins[i], e, err, err_capacity);
        }
        return 0;
    });
}

TRTPLUG_EXPORT int32_t trtplug_device_info(int32_t* driver_loaded, int32_t* driver_version, int32_t* sm, char* err,
                                           size_t err_capacity) {
    return c_guard(nullptr, err, err_capacity, [&]() -> int32_t {
        DeviceInfo info;
        Error e;
        const Status s = device_info(&info, &e);
        if (driver_loaded) *driver_loaded = info.driver_loaded ? 1 : 0;
        if (driver_version) *driver_version = info.driver_version;
        if (sm) *sm = info.sm;
        if (s != Status::kOk) {
            write_err(err, err_capacity, e.message);  // a diagnostic query: no log line
            return static_cast<int32_t>(s);
        }
        return 0;
    });
}

// ---------------------------------------------------------------------------------------------
// For benchmarks (`trtplug bench`): what launch `index` of `variant` passes cuLaunchKernel for these
// tensors, so a tool can time the bare kernel with the same arguments. Not part of the stable C API
// of trtplug_library.h. dims[8]: grid x, y, z, block x, y, z, dynamic shared bytes, cooperative (0/1).
// slots: one 8-byte value per kernel .param (kernelParams[i] = &slots[i]), *n_slots of them (at most
// slot_capacity). *image/*image_size: the cubin a device of architecture `sm` loads (null when it
// would JIT-compile the PTX). *n_launches: how many launches the variant makes.
TRTPLUG_EXPORT int32_t trtplug_bench_describe_launch(
    void* instance, int32_t variant, int32_t index, int32_t n_inputs, const int32_t* input_ranks,
    const int64_t* input_dims, const void* const* inputs, const int32_t* output_ranks, const int64_t* output_dims,
    void* const* outputs, void* workspace, size_t workspace_bytes, int32_t sm, int32_t* n_launches, const char** entry,
    int64_t* dims, uint64_t* slots, int32_t slot_capacity, int32_t* n_slots, const void** image, size_t* image_size,
    char* err, size_t err_capacity) {
    if (!instance || !n_launches || !entry || !dims || !n_slots || !image || !image_size) {
        return report(nullptr, Status::kBadArgument, "null instance or output", err, err_capacity);
    }
    Instance* in = static_cast<Instance*>(instance);
    return c_guard(in->desc, err, err_capacity, [&]() -> int32_t {
        const PluginDesc& desc = *in->desc;
        Error e;
        ShapeList in_shapes, out_shapes;
        if (variant < 0 || variant >= desc.n_variants) {
            return report(in->desc, Status::kBadArgument, detail::strf("variant %d out of range", variant).c_str(), err,
                          err_capacity);
        }
        const VariantDesc& var = desc.variants[variant];
        *n_launches = var.n_launches;
        if (index < 0 || index >= var.n_launches) {
            return report(in->desc, Status::kBadArgument, detail::strf("launch %d out of range", index).c_str(), err,
                          err_capacity);
        }
        detail::WorkspaceLayout layout;
        if (attrs_validate(desc, in->values, &e) != Status::kOk ||
            !to_shapes(desc, n_inputs, input_ranks, input_dims, &in_shapes, &e, "input") ||
            check_inputs(desc, in_shapes.data(), n_inputs, &e) != Status::kOk ||
            check_constraints(desc, in->values, in_shapes.data(), &e) != Status::kOk ||
            !to_shapes(desc, desc.n_outputs, output_ranks, output_dims, &out_shapes, &e, "output") ||
            detail::workspace_layout(desc, in->values, variant, in_shapes.data(), &layout, &e) != Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        const LaunchDesc& l = var.launches[index];
        const EvalEnv env{desc.n_inputs, in_shapes.data(), &desc, &in->values};
        const TensorArgs t{in_shapes.data(), out_shapes.data(), inputs, outputs, workspace, workspace_bytes};
        detail::LaunchDims d;
        detail::PackedArgs packed;
        if (detail::launch_dims(l, env, &d, &e) != Status::kOk ||
            detail::pack_args(desc, variant, l, env, t, layout, &packed, &e) != Status::kOk) {
            return report(in->desc, e, err, err_capacity);
        }
        if (packed.slots.size() > static_cast<size_t>(slot_capacity > 0 ? slot_capacity : 0)) {
            return report(in->desc, Status::kBadArgument, "slot capacity too small", err, err_capacity);
        }
        for (int32_t a = 0; a < 3; ++a) {
            dims[a] = d.empty ? 0 : d.grid[a];
            dims[3 + a] = d.block[a];
        }
        dims[6] = d.shared_bytes;
        dims[7] = l.cooperative ? 1 : 0;
        for (size_t i = 0; i < packed.slots.size(); ++i) slots[i] = packed.slots[i];
        *n_slots = static_cast<int32_t>(packed.slots.size());
        *entry = l.entry;
        const ModuleDesc& module = desc.modules[l.module];
        const detail::ImageChoice choice = detail::choose_images(module, sm);
        *image = choice.cubin >= 0 ? module.images[choice.cubin].data : nullptr;
        *image_size = choice.cubin >= 0 ? module.images[choice.cubin].size : 0;
        return 0;
    });
}
