// The launch cache of one plugin instance: enqueue plans (output shapes, workspace layout, launch
// dimensions and packed arguments) kept per variant, tactic and input shapes, so that enqueue with shapes
// seen before evaluates no expression and repeats no check that the shapes alone decide.
//
// A cache belongs to one plugin instance (one PluginDesc and one set of attribute values) and
// must be cleared when the attribute values change. It is safe to use from several threads at
// once; a hit takes one short lock (a scan of at most kCapacity entries) and no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "trtplug_core.h"

namespace trtplug {

namespace detail {
struct LaunchPlan;
}
using LaunchPlanRef = std::shared_ptr<const detail::LaunchPlan>;

class LaunchCache {
public:
    // Plans kept per instance: TensorRT's shapes repeat (one per optimization profile and batch
    // size in use), and a few entries cover that; more distinct shapes evict the least recently used.
    static constexpr int32_t kCapacity = 4;

    struct Stats {
        uint64_t hits = 0;
        uint64_t misses = 0;
        int32_t entries = 0;
    };

    LaunchCache() = default;
    // A clone's cache starts with the plans of the original: plans are immutable and depend only
    // on the descriptor, the attribute values (copied with the clone) and the key.
    LaunchCache(const LaunchCache& other);
    LaunchCache& operator=(const LaunchCache&) = delete;

    // The cached plan for this variant and these input shapes, or null.
    LaunchPlanRef find(const PluginDesc& desc, int32_t variant, const Shape* inputs, int32_t n_inputs) noexcept;
    // The cached plan, or a new one built (with every check enqueue makes of the variant and the
    // input shapes) and kept. A failure is not kept: the next call checks again.
    Status plan(const PluginDesc& desc, const AttrValues& values, int32_t variant, const Shape* inputs,
                LaunchPlanRef* out, Error* err) noexcept;
    // The same for the launches of `tactic` (the two above: the default tactic, 0).
    LaunchPlanRef find(const PluginDesc& desc, int32_t variant, int32_t tactic, const Shape* inputs,
                       int32_t n_inputs) noexcept;
    Status plan(const PluginDesc& desc, const AttrValues& values, int32_t variant, int32_t tactic, const Shape* inputs,
                LaunchPlanRef* out, Error* err) noexcept;
    // Forgets every plan (the attribute values changed).
    void clear() noexcept;
    Stats stats() const noexcept;

private:
    struct Entry {
        LaunchPlanRef plan;
        uint64_t last_use = 0;
    };
    LaunchPlanRef find_locked(const PluginDesc& desc, int32_t variant, int32_t tactic, const Shape* inputs,
                              int32_t n_inputs) noexcept;
    void insert(LaunchPlanRef plan, uint64_t generation) noexcept;

    mutable std::mutex mutex_;
    Entry entries_[kCapacity];
    uint64_t clock_ = 0;  // advanced by every use: orders the entries for eviction
    uint64_t hits_ = 0;
    uint64_t misses_ = 0;
    uint64_t generation_ = 0;  // bumped by clear(): a plan built before it is not inserted after it
};

// The workspace bytes a plan's launches need (what workspace_size answers for its shapes).
size_t plan_workspace_bytes(const detail::LaunchPlan& plan) noexcept;

// enqueue with a plan from a LaunchCache of the same plugin instance: the same checks and launches
// as enqueue(desc, values, plan's variant, tensors, ...) for the plan's input shapes.
Status enqueue(const PluginDesc& desc, const detail::LaunchPlan& plan, const TensorArgs& tensors, void* stream,
               Error* err);
// enqueue through `cache`: finds or builds the plan for the variant and tensors.input_shapes.
Status enqueue(const PluginDesc& desc, const AttrValues& values, int32_t variant, const TensorArgs& tensors,
               void* stream, LaunchCache* cache, Error* err);

}  // namespace trtplug
