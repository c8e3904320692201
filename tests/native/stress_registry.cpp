// The stress program's view of the plugin registry: the lifecycle harness's stand-in for
// libnvinfer's (harness_nvinfer.cpp, linked into the program, exports getPluginRegistry).
#include "stress_registry.h"

#include "harness_nvinfer.h"

namespace stress {
namespace registry {

TRTPLUG_TRT_V2_BEGIN

bool available() { return true; }

long creators() { return static_cast<long>(harness::registry().entries().size()); }

bool has(const std::string& name, const std::string& version, const std::string& plugin_namespace) {
    return harness::registry().find(name, version, plugin_namespace) != nullptr;
}

bool create_clone_destroy(const std::string& name, const std::string& version, const std::string& plugin_namespace,
                          std::string* why) {
    nvinfer1::IPluginCreator* creator = harness::registry().find(name, version, plugin_namespace);
    if (!creator) {
        *why = "no creator " + name + " version " + version + " in namespace '" + plugin_namespace + "'";
        return false;
    }
    const nvinfer1::PluginFieldCollection fields{0, nullptr};
    nvinfer1::IPluginV2* plugin = creator->createPlugin(name.c_str(), &fields);
    if (!plugin) {
        *why = "createPlugin of " + name + " returned null";
        return false;
    }
    nvinfer1::IPluginV2* copy = plugin->clone();
    plugin->destroy();
    if (!copy) {
        *why = "clone of " + name + " returned null";
        return false;
    }
    copy->destroy();
    return true;
}

TRTPLUG_TRT_V2_END

}  // namespace registry
}  // namespace stress
