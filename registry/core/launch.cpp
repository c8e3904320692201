// enqueue, prepare_modules and device_info: the parts of the core that talk to the GPU.
#include "core_internal.h"
#include "cuda_driver.h"
#include "launch_args.h"
#include "module_cache.h"

namespace trtplug {

using detail::fail;
using detail::strf;

namespace {

Status check_outputs(const PluginDesc& desc, const AttrValues& values, const TensorArgs& t, Error* err) {
    if (desc.n_outputs > 0 && !t.output_shapes) return fail(err, Status::kBadArgument, "output shapes missing (null pointer)");
    for (int32_t o = 0; o < desc.n_outputs; ++o) {
        Shape want;
        Status s = detail::computed_output_shape(desc, values, t.input_shapes, o, &want, err);
        if (s != Status::kOk) return s;
        const Shape& got = t.output_shapes[o];
        bool same = got.rank == want.rank;
        for (int32_t a = 0; same && a < want.rank; ++a) same = got.dims[a] == want.dims[a];
        if (!same) {
            std::string g, w;
            for (int32_t a = 0; a < got.rank && a < kMaxRank && a >= 0; ++a) g += strf("%s%lld", a ? ", " : "", static_cast<long long>(got.dims[a]));
            for (int32_t a = 0; a < want.rank; ++a) w += strf("%s%lld", a ? ", " : "", static_cast<long long>(want.dims[a]));
            const char* name = desc.io_names ? desc.io_names[desc.n_inputs + o] : "?";
            return fail(err, Status::kBadArgument,
                        strf("output '%s' has shape (%s), the plugin computes (%s) from the inputs", name, g.c_str(), w.c_str()));
        }
    }
    return detail::ok(err);
}

struct PreparedLaunch {
    const LaunchDesc* launch;
    detail::LaunchDims dims;
    detail::PackedArgs args;
};

Status enqueue_impl(const PluginDesc& desc, const AttrValues& values, int32_t variant, const TensorArgs& t,
                    void* stream, Error* err) {
    if (variant < 0 || variant >= desc.n_variants) {
        return fail(err, Status::kBadArgument,
                    strf("variant %d out of range: plugin '%s' has %d variants", variant, desc.name, desc.n_variants));
    }
    Status s = check_constraints(desc, values, t.input_shapes, err);
    if (s != Status::kOk) return s;
    s = check_outputs(desc, values, t, err);
    if (s != Status::kOk) return s;
    detail::WorkspaceLayout layout;
    s = detail::workspace_layout(desc, values, variant, t.input_shapes, &layout, err);
    if (s != Status::kOk) return s;
    if (layout.total > 0 && (!t.workspace || t.workspace_bytes < layout.total)) {
        return fail(err, Status::kBadArgument,
                    strf("workspace of %zu bytes at %p given; plugin '%s' needs %zu bytes", t.workspace_bytes, t.workspace,
                         desc.name, layout.total));
    }
    const VariantDesc& var = desc.variants[variant];
    const EvalEnv env{desc.n_inputs, t.input_shapes, &desc, &values};
    std::vector<PreparedLaunch> prepared(static_cast<size_t>(var.n_launches > 0 ? var.n_launches : 0));
    for (int32_t i = 0; i < var.n_launches; ++i) {
        PreparedLaunch& p = prepared[static_cast<size_t>(i)];
        p.launch = &var.launches[i];
        if (p.launch->module < 0 || p.launch->module >= desc.n_modules) {
            return fail(err, Status::kInternal, strf("launch '%s' names module %d of %d", p.launch->entry,
                                                     p.launch->module, desc.n_modules));
        }
        s = detail::launch_dims(*p.launch, env, &p.dims, err);
        if (s != Status::kOk) return s;
        s = detail::pack_args(desc, variant, *p.launch, env, t, layout, &p.args, err);
        if (s != Status::kOk) return s;
    }
    const cu::Api* api = cu::driver(err);
    if (!api) return err ? err->status : Status::kDriverMissing;
    for (PreparedLaunch& p : prepared) {
        if (p.dims.empty) continue;
        const LaunchDesc& l = *p.launch;
        s = detail::launch_kernel(api, desc.modules[l.module], l, detail::launch_name(l, &desc), p.dims, stream,
                                  p.args.pointers.data(), err);
        if (s != Status::kOk) return s;
    }
    return detail::ok(err);
}

}  // namespace

Status enqueue(const PluginDesc& desc, const AttrValues& values, int32_t variant, const TensorArgs& tensors, void* stream,
               Error* err) {
    return detail::guarded(err, "enqueue", [&] { return enqueue_impl(desc, values, variant, tensors, stream, err); });
}

Status prepare_modules(const PluginDesc& desc, Error* err) {
    return detail::guarded(err, "prepare_modules", [&]() -> Status {
        const cu::Api* api = cu::driver(err);
        if (!api) return err ? err->status : Status::kDriverMissing;
        for (int32_t v = 0; v < desc.n_variants; ++v) {
            const VariantDesc& var = desc.variants[v];
            for (int32_t i = 0; i < var.n_launches; ++i) {
                const LaunchDesc& l = var.launches[i];
                if (l.module < 0 || l.module >= desc.n_modules) {
                    return fail(err, Status::kInternal, strf("launch '%s' names module %d of %d", l.entry, l.module,
                                                             desc.n_modules));
                }
                cu::Function f = nullptr;
                Status s = detail::get_function(api, desc.modules[l.module], l.entry, 0, &f, err);
                if (s != Status::kOk) return s;
            }
        }
        return detail::ok(err);
    });
}

Status device_info(DeviceInfo* info, Error* err) {
    return detail::guarded(err, "device_info", [&]() -> Status {
        if (!info) return fail(err, Status::kBadArgument, "device_info: null output");
        *info = DeviceInfo{false, 0, 0};
        Error e;
        const cu::Api* api = cu::driver(&e);
        int32_t version = 0;
        if (cu::driver_library_version(&version)) {
            info->driver_loaded = true;
            info->driver_version = version;
        }
        if (!api) return fail(err, e.status, e.message);
        cu::Context ctx = nullptr;
        if (api->cuCtxGetCurrent(&ctx) != cu::kSuccess || !ctx) return detail::ok(err);
        cu::Device device = 0;
        int major = 0, minor = 0;
        cu::Result r = api->cuCtxGetDevice(&device);
        if (r == cu::kSuccess) r = api->cuDeviceGetAttribute(&major, cu::kDevAttrComputeCapabilityMajor, device);
        if (r == cu::kSuccess) r = api->cuDeviceGetAttribute(&minor, cu::kDevAttrComputeCapabilityMinor, device);
        if (r != cu::kSuccess) return cu::cuda_fail(api, r, "reading the compute capability", err);
        info->sm = major * 10 + minor;
        return detail::ok(err);
    });
}

}  // namespace trtplug
