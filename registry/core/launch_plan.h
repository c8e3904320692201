// Launch plans: everything enqueue derives from a variant and the input shapes, computed once so
// that a launch with repeating shapes only checks the call's own arguments, writes its pointers
// and launches. Private to the core (tested directly).
#pragma once

#include <cstdint>
#include <vector>

#include "cuda_driver.h"
#include "launch_args.h"
#include "plan_functions.h"
#include "trtplug_core.h"

namespace trtplug {
namespace detail {

struct PlannedLaunch {
    const LaunchDesc* launch;
    LaunchDims dims;
    ArgTemplate args;
};

// Immutable once built (but for the functions found for it, which depend on no instance):
// plans are shared between threads and between a plugin and its clones.
struct LaunchPlan {
    const PluginDesc* desc = nullptr;
    int32_t variant = -1;
    int32_t tactic = 0;
    std::vector<Shape> inputs;   // the key, with desc, variant and tactic
    std::vector<Shape> outputs;  // computed from the inputs
    WorkspaceLayout workspace;
    std::vector<PlannedLaunch> launches;
    mutable PlanFunctions functions;  // launches[i]'s function per context (null for an empty launch)
};

// Whether `plan` was built for this plugin, variant, tactic and these input shapes (rank and every dim).
bool plan_matches(const LaunchPlan& plan, const PluginDesc& desc, int32_t variant, int32_t tactic, const Shape* inputs,
                  int32_t n_inputs);

// Checks what enqueue checks of the variant, the tactic and the input shapes (ranks and dims,
// constraints, output shapes, workspace, launch dimensions and argument views) and computes the plan.
Status build_plan(const PluginDesc& desc, const AttrValues& values, int32_t variant, int32_t tactic,
                  const Shape* inputs, LaunchPlan* plan, Error* err);

// Checks the call's own arguments against the plan (output shapes, workspace size, data
// pointers), finds the functions of every non-empty launch in the current context (kept in the
// plan after the first time), then launches them on `stream`. `api` null: the loaded driver
// (loaded only once the arguments passed, so that argument errors never need a driver).
Status run_plan(const PluginDesc& desc, const LaunchPlan& plan, const TensorArgs& tensors, void* stream,
                const cu::Api* api, Error* err);

}  // namespace detail
}  // namespace trtplug
