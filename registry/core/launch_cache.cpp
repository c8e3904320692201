// LaunchCache: a few enqueue plans per plugin instance, found under one short lock.
#include "trtplug_launch_cache.h"

#include <utility>

#include "core_internal.h"
#include "launch_plan.h"

namespace trtplug {

LaunchCache::LaunchCache(const LaunchCache& other) {
    std::lock_guard<std::mutex> lock(other.mutex_);
    for (int32_t i = 0; i < kCapacity; ++i) entries_[i] = other.entries_[i];
    clock_ = other.clock_;
}

LaunchPlanRef LaunchCache::find_locked(const PluginDesc& desc, int32_t variant, int32_t tactic, const Shape* inputs,
                                       int32_t n_inputs) noexcept {
    if (n_inputs > 0 && !inputs) return nullptr;
    for (Entry& e : entries_) {
        if (e.plan && detail::plan_matches(*e.plan, desc, variant, tactic, inputs, n_inputs)) {
            e.last_use = ++clock_;
            ++hits_;
            return e.plan;
        }
    }
    return nullptr;
}

LaunchPlanRef LaunchCache::find(const PluginDesc& desc, int32_t variant, const Shape* inputs,
                                int32_t n_inputs) noexcept {
    return find(desc, variant, 0, inputs, n_inputs);
}

LaunchPlanRef LaunchCache::find(const PluginDesc& desc, int32_t variant, int32_t tactic, const Shape* inputs,
                                int32_t n_inputs) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return find_locked(desc, variant, tactic, inputs, n_inputs);
}

void LaunchCache::insert(LaunchPlanRef plan, uint64_t generation) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_) return;  // cleared while the plan was built: it may be stale
    Entry* victim = &entries_[0];
    for (Entry& e : entries_) {
        if (e.plan && detail::plan_matches(*e.plan, *plan->desc, plan->variant, plan->tactic, plan->inputs.data(),
                                           static_cast<int32_t>(plan->inputs.size()))) {
            victim = &e;  // another thread built the same plan meanwhile: keep one copy
            break;
        }
        if (!e.plan || (victim->plan && e.last_use < victim->last_use)) victim = &e;
    }
    victim->plan = std::move(plan);
    victim->last_use = ++clock_;
}

Status LaunchCache::plan(const PluginDesc& desc, const AttrValues& values, int32_t variant, const Shape* inputs,
                         LaunchPlanRef* out, Error* err) noexcept {
    return plan(desc, values, variant, 0, inputs, out, err);
}

Status LaunchCache::plan(const PluginDesc& desc, const AttrValues& values, int32_t variant, int32_t tactic,
                         const Shape* inputs, LaunchPlanRef* out, Error* err) noexcept {
    return detail::guarded(err, "launch cache", [&]() -> Status {
        uint64_t generation = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            *out = find_locked(desc, variant, tactic, inputs, desc.n_inputs);
            if (*out) return detail::ok(err);
            ++misses_;
            generation = generation_;
        }
        auto built = std::make_shared<detail::LaunchPlan>();
        const Status s = detail::build_plan(desc, values, variant, tactic, inputs, built.get(), err);
        if (s != Status::kOk) return s;
        *out = built;
        insert(std::move(built), generation);
        return detail::ok(err);
    });
}

void LaunchCache::clear() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Entry& e : entries_) e = Entry{};
    ++generation_;
}

LaunchCache::Stats LaunchCache::stats() const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    Stats s;
    s.hits = hits_;
    s.misses = misses_;
    for (const Entry& e : entries_) s.entries += e.plan ? 1 : 0;
    return s;
}

size_t plan_workspace_bytes(const detail::LaunchPlan& plan) noexcept { return plan.workspace.total; }

Status enqueue(const PluginDesc& desc, const detail::LaunchPlan& plan, const TensorArgs& tensors, void* stream,
               Error* err) {
    return detail::guarded(err, "enqueue", [&] { return detail::run_plan(desc, plan, tensors, stream, nullptr, err); });
}

Status enqueue(const PluginDesc& desc, const AttrValues& values, int32_t variant, const TensorArgs& tensors,
               void* stream, LaunchCache* cache, Error* err) {
    if (!cache) return enqueue(desc, values, variant, tensors, stream, err);
    LaunchPlanRef plan;
    const Status s = cache->plan(desc, values, variant, tensors.input_shapes, &plan, err);
    if (s != Status::kOk) return s;
    return enqueue(desc, *plan, tensors, stream, err);
}

}  // namespace trtplug
