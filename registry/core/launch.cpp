// enqueue, prepare_modules and device_info: the parts of the core that talk to the GPU.
#include "core_internal.h"
#include "cuda_driver.h"
#include "launch_args.h"
#include "launch_plan.h"
#include "module_cache.h"

namespace trtplug {

using detail::fail;
using detail::strf;

namespace {

// The output shapes the caller gave must be those the plugin computes from the inputs. A
// data-dependent output is not checked: its buffer holds the upper bound the plugin declared
// (TensorRT allocates that), whatever extent the caller describes it with.
Status check_outputs(const PluginDesc& desc, const detail::LaunchPlan& plan, const TensorArgs& t, Error* err) {
    if (desc.n_outputs > 0 && !t.output_shapes) return fail(err, Status::kBadArgument, "output shapes missing (null pointer)");
    for (int32_t o = 0; o < desc.n_outputs; ++o) {
        if (desc.outputs[o].size_output >= 0) continue;
        const Shape& want = plan.outputs[static_cast<size_t>(o)];
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

Status check_workspace(const PluginDesc& desc, const detail::LaunchPlan& plan, const TensorArgs& t, Error* err) {
    const size_t needed = plan.workspace.total;
    if (needed > 0 && (!t.workspace || t.workspace_bytes < needed)) {
        return fail(err, Status::kBadArgument,
                    strf("workspace of %zu bytes at %p given; plugin '%s' needs %zu bytes", t.workspace_bytes, t.workspace,
                         desc.name, needed));
    }
    return detail::ok(err);
}

// Kernel parameter slots and the functions of one call: on the stack for the usual sizes, so that
// a launch with cached shapes allocates nothing; the driver copies the parameters when the launch
// is enqueued.
class ParamBuffer {
public:
    ParamBuffer(size_t n_slots, size_t n_launches) {
        if (n_slots > kInline) {
            heap_slots_.resize(n_slots);
            heap_pointers_.resize(n_slots);
        }
        if (n_launches > kInlineLaunches) heap_functions_.resize(n_launches);
    }
    uint64_t* slots() { return heap_slots_.empty() ? inline_slots_ : heap_slots_.data(); }
    void** pointers() { return heap_pointers_.empty() ? inline_pointers_ : heap_pointers_.data(); }
    cu::Function* functions() { return heap_functions_.empty() ? inline_functions_ : heap_functions_.data(); }

private:
    static constexpr size_t kInline = 256;
    static constexpr size_t kInlineLaunches = detail::PlanFunctions::kLaunches;
    uint64_t inline_slots_[kInline];
    void* inline_pointers_[kInline];
    cu::Function inline_functions_[kInlineLaunches];
    std::vector<uint64_t> heap_slots_;
    std::vector<void*> heap_pointers_;
    std::vector<cu::Function> heap_functions_;
};

// The function of every non-empty launch of `plan` in the context `key` (null for an empty one):
// kept in the plan after the first enqueue in that context, found through the module cache (which
// loads the module on first use) before.
Status find_plan_functions(const cu::Api* api, const PluginDesc& desc, const detail::LaunchPlan& plan,
                           const detail::ContextKey& key, cu::Function* out, Error* err) {
    const size_t n = plan.launches.size();
    if (plan.functions.find(key, out, n)) return detail::ok(err);
    for (size_t i = 0; i < n; ++i) {
        const detail::PlannedLaunch& p = plan.launches[i];
        out[i] = nullptr;
        if (p.dims.empty) continue;  // launches nothing: its module need not load
        const LaunchDesc& l = *p.launch;
        const Status s = detail::find_function(api, desc.modules[l.module], l.entry, p.dims.shared_bytes, key, &out[i], err);
        if (s != Status::kOk) return s;
    }
    plan.functions.store(key, out, n);
    return detail::ok(err);
}

Status enqueue_impl(const PluginDesc& desc, const AttrValues& values, int32_t variant, int32_t tactic,
                    const TensorArgs& t, void* stream, Error* err) {
    detail::LaunchPlan plan;
    const Status s = detail::build_plan(desc, values, variant, tactic, t.input_shapes, &plan, err);
    if (s != Status::kOk) return s;
    return detail::run_plan(desc, plan, t, stream, nullptr, err);
}

}  // namespace

namespace detail {

bool plan_matches(const LaunchPlan& plan, const PluginDesc& desc, int32_t variant, int32_t tactic, const Shape* inputs,
                  int32_t n_inputs) {
    if (plan.desc != &desc || plan.variant != variant || plan.tactic != tactic ||
        static_cast<size_t>(n_inputs) != plan.inputs.size()) {
        return false;
    }
    for (int32_t i = 0; i < n_inputs; ++i) {
        const Shape& want = plan.inputs[static_cast<size_t>(i)];
        if (inputs[i].rank != want.rank) return false;
        for (int32_t a = 0; a < want.rank; ++a) {
            if (inputs[i].dims[a] != want.dims[a]) return false;
        }
    }
    return true;
}

Status build_plan(const PluginDesc& desc, const AttrValues& values, int32_t variant, int32_t tactic,
                  const Shape* inputs, LaunchPlan* plan, Error* err) {
    const LaunchDesc* launches = nullptr;
    int32_t n_launches = 0;
    Status s = tactic_launches(desc, variant, tactic, &launches, &n_launches, err);
    if (s != Status::kOk) return s;
    s = check_constraints(desc, values, inputs, err);  // checks the input shapes first
    if (s != Status::kOk) return s;
    plan->desc = &desc;
    plan->variant = variant;
    plan->tactic = tactic;
    plan->inputs.assign(inputs, inputs + desc.n_inputs);
    plan->outputs.assign(static_cast<size_t>(desc.n_outputs), Shape{});
    for (int32_t o = 0; o < desc.n_outputs; ++o) {
        s = computed_output_shape(desc, values, inputs, o, &plan->outputs[static_cast<size_t>(o)], err);
        if (s != Status::kOk) return s;
    }
    s = workspace_layout(desc, values, variant, inputs, &plan->workspace, err);
    if (s != Status::kOk) return s;
    const EvalEnv env{desc.n_inputs, inputs, &desc, &values};
    plan->launches.assign(static_cast<size_t>(n_launches > 0 ? n_launches : 0), PlannedLaunch{});
    for (int32_t i = 0; i < n_launches; ++i) {
        PlannedLaunch& p = plan->launches[static_cast<size_t>(i)];
        p.launch = &launches[i];
        if (p.launch->module < 0 || p.launch->module >= desc.n_modules) {
            return fail(err, Status::kInternal, strf("launch '%s' names module %d of %d", p.launch->entry,
                                                     p.launch->module, desc.n_modules));
        }
        s = launch_dims(*p.launch, env, &p.dims, err);
        if (s != Status::kOk) return s;
        s = pack_template(desc, variant, *p.launch, env, inputs, plan->outputs.data(), plan->workspace, &p.args, err);
        if (s != Status::kOk) return s;
    }
    return ok(err);
}

Status run_plan(const PluginDesc& desc, const LaunchPlan& plan, const TensorArgs& t, void* stream, const cu::Api* api,
                Error* err) {
    Status s = check_outputs(desc, plan, t, err);
    if (s != Status::kOk) return s;
    s = check_workspace(desc, plan, t, err);
    if (s != Status::kOk) return s;
    size_t n_slots = 0;
    for (const PlannedLaunch& p : plan.launches) n_slots += p.args.slots.size();
    ParamBuffer params(n_slots, plan.launches.size());
    uint64_t* slots = params.slots();
    for (const PlannedLaunch& p : plan.launches) {  // every pointer is checked before anything launches
        s = fill_pointers(desc, *p.launch, p.args, t, slots, err);
        if (s != Status::kOk) return s;
        slots += p.args.slots.size();
    }
    if (!api) api = cu::driver(err);
    if (!api) return err ? err->status : Status::kDriverMissing;
    ContextKey context;
    s = current_context(api, &context, err);
    if (s != Status::kOk) return s;
    cu::Function* functions = params.functions();
    s = find_plan_functions(api, desc, plan, context, functions, err);
    if (s != Status::kOk) return s;
    slots = params.slots();
    void** pointers = params.pointers();
    bool reloaded = false;
    for (size_t i = 0; i < plan.launches.size(); ++i) {
        const PlannedLaunch& p = plan.launches[i];
        const size_t n = p.args.slots.size();
        for (size_t k = 0; k < n; ++k) pointers[k] = &slots[k];
        while (!p.dims.empty) {
            const cu::Result r = launch_function(api, functions[i], *p.launch, p.dims, stream, pointers);
            if (r == cu::kSuccess) break;
            const char* name = launch_name(*p.launch, &desc);
            if (reloaded || !is_stale_handle(r)) return launch_failed(api, r, *p.launch, name, p.dims, err);
            // A function of a destroyed context (a new one has its address): load again, once.
            reloaded = true;
            plan.functions.forget(context.context);
            forget_context(context.context);
            s = find_plan_functions(api, desc, plan, context, functions, err);
            if (s != Status::kOk) return s;
        }
        slots += n;
        pointers += n;
    }
    return ok(err);
}

}  // namespace detail

Status enqueue(const PluginDesc& desc, const AttrValues& values, int32_t variant, const TensorArgs& tensors, void* stream,
               Error* err) {
    return enqueue(desc, values, variant, 0, tensors, stream, err);
}

Status enqueue(const PluginDesc& desc, const AttrValues& values, int32_t variant, int32_t tactic,
               const TensorArgs& tensors, void* stream, Error* err) {
    return detail::guarded(err, "enqueue",
                           [&] { return enqueue_impl(desc, values, variant, tactic, tensors, stream, err); });
}

Status prepare_modules(const PluginDesc& desc, Error* err) {
    return detail::guarded(err, "prepare_modules", [&]() -> Status {
        const cu::Api* api = cu::driver(err);
        if (!api) return err ? err->status : Status::kDriverMissing;
        for (int32_t v = 0; v < desc.n_variants; ++v) {
            for (int32_t t = 0; t < tactic_count(desc); ++t) {
                const LaunchDesc* launches = nullptr;
                int32_t n_launches = 0;
                Status s = tactic_launches(desc, v, t, &launches, &n_launches, err);
                for (int32_t i = 0; s == Status::kOk && i < n_launches; ++i) {
                    const LaunchDesc& l = launches[i];
                    if (l.module < 0 || l.module >= desc.n_modules) {
                        return fail(err, Status::kInternal, strf("launch '%s' names module %d of %d", l.entry, l.module,
                                                                 desc.n_modules));
                    }
                    cu::Function f = nullptr;
                    s = detail::get_function(api, desc.modules[l.module], l.entry, 0, &f, err);
                }
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
