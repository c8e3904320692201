// The TensorRT plugin registry, as the stress program (stress_main.cpp) sees it: built with
// stress_registry.cpp, the harness's stand-in for libnvinfer's registry (registry/harness/
// harness_nvinfer.cpp) is in the process and a library's static registrar fills it at dlopen; built
// with stress_registry_absent.cpp (no TensorRT headers), there is none and every count is -1.
#pragma once

#include <string>

namespace stress {
namespace registry {

bool available();
// Creators registered now, -1 without a registry.
long creators();
// Whether a creator of this name, version and namespace is registered.
bool has(const std::string& name, const std::string& version, const std::string& plugin_namespace);
// IPluginCreator::createPlugin with no fields (default attributes), clone, destroy both: what
// TensorRT does while it builds a network. False, with *why, when a step fails.
bool create_clone_destroy(const std::string& name, const std::string& version, const std::string& plugin_namespace,
                          std::string* why);

}  // namespace registry
}  // namespace stress
