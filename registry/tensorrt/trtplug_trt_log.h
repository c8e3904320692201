// Log lines of the TensorRT adapters (IPluginV2DynamicExt for 8.6+, IPluginExt for 7.x), built in a
// fixed buffer: nothing here allocates, so the adapters' noexcept methods may log on any path,
// out-of-memory ones included. Uses no TensorRT type: it compiles against any TensorRT major.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdio>

#include "trtplug_core.h"

namespace trtplug {
namespace trt {

// Longest line an adapter logs, terminator included; longer ones are cut.
constexpr size_t kLogLineBytes = 1024;

// `head` followed by `fmt` formatted with `ap`, as one line of plugin_namespace::plugin_name.
inline void log_vformat(Severity severity, const char* plugin_namespace, const char* plugin_name, const char* head,
                        const char* fmt, va_list ap) noexcept {
    char line[kLogLineBytes];
    int used = std::snprintf(line, sizeof line, "%s", head);
    if (used < 0) used = 0;
    if (static_cast<size_t>(used) >= sizeof line) used = static_cast<int>(sizeof line) - 1;
    std::vsnprintf(line + used, sizeof line - static_cast<size_t>(used), fmt, ap);
    log_line(severity, plugin_namespace, plugin_name, line);
}

inline void log_format(Severity severity, const char* plugin_namespace, const char* plugin_name, const char* head,
                       const char* fmt, ...) noexcept __attribute__((format(printf, 5, 6)));
inline void log_format(Severity severity, const char* plugin_namespace, const char* plugin_name, const char* head,
                       const char* fmt, ...) noexcept {
    va_list ap;
    va_start(ap, fmt);
    log_vformat(severity, plugin_namespace, plugin_name, head, fmt, ap);
    va_end(ap);
}

}  // namespace trt
}  // namespace trtplug
