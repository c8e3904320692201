// What every TensorRT adapter (IPluginV2DynamicExt, and IPluginExt for TensorRT 7) does with a
// plugin's kernel images when TensorRT initializes the plugin. Uses no TensorRT type: it compiles
// against any TensorRT major.
#pragma once

#include <cstdint>

#include "trtplug_core.h"
#include "trtplug_trt_log.h"

namespace trtplug {
namespace trt {

// initialize(): loads the plugin's kernel images now, so that a missing architecture is reported at
// engine creation, not at the first inference. 0, or 1 with one line "<head>initialize: <cause>"
// logged for plugin_namespace::desc.name.
inline int32_t initialize_modules(const PluginDesc& desc, const char* plugin_namespace, const char* head) noexcept {
    if (desc.n_modules == 0) return 0;
    Error err;
    if (prepare_modules(desc, &err) == Status::kOk) return 0;
    log_format(Severity::kError, plugin_namespace, desc.name, head, "initialize: %s", err.message.c_str());
    return 1;
}

}  // namespace trt
}  // namespace trtplug
