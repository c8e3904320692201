// IPluginCreator implemented once, by forwarding to the core runtime.
#include "trtplug_trt_creator.h"

#include <string>
#include <utility>

TRTPLUG_TRT_V2_BEGIN

namespace trtplug {
namespace trt {

PluginAdapter* CreatorAdapter::make(AttrValues values) const {
    return new PluginAdapter(*desc_, std::move(values), namespace_.c_str());
}

CreatorAdapter::CreatorAdapter(const PluginDesc& desc, const char* plugin_namespace) noexcept
    : desc_(&desc), field_names_(desc, plugin_namespace) {
    try {
        namespace_ = plugin_namespace ? plugin_namespace : "";
    } catch (...) {
        log_line(Severity::kError, plugin_namespace, desc.name, "out of memory while keeping the plugin namespace");
    }
}

template <class Fill>
nvinfer1::IPluginV2* CreatorAdapter::made(const char* method, const char* name, Fill fill) const noexcept {
    const char* layer = name ? name : "";
    try {
        AttrValues values;
        std::string error;
        if (!fill(&values, &error)) {
            log_pluginf(Severity::kError, namespace_, *desc_, "%s(layer '%s'): %s", method, layer, error.c_str());
            return nullptr;
        }
        return make(std::move(values));
    } catch (...) {
        log_pluginf(Severity::kError, namespace_, *desc_, "%s(layer '%s'): out of memory", method, layer);
        return nullptr;
    }
}

nvinfer1::AsciiChar const* CreatorAdapter::getPluginName() const TRTPLUG_TRT_NOEXCEPT { return desc_->name; }

nvinfer1::AsciiChar const* CreatorAdapter::getPluginVersion() const TRTPLUG_TRT_NOEXCEPT { return desc_->version; }

nvinfer1::PluginFieldCollection const* CreatorAdapter::getFieldNames() TRTPLUG_TRT_NOEXCEPT {
    return field_names_.collection();
}

nvinfer1::IPluginV2* CreatorAdapter::createPlugin(nvinfer1::AsciiChar const* name,
                                                  nvinfer1::PluginFieldCollection const* fields)
    TRTPLUG_TRT_NOEXCEPT {
    return made("createPlugin", name, [&](AttrValues* values, std::string* error) {
        return attrs_from_fields(*desc_, fields, values, error);
    });
}

nvinfer1::IPluginV2* CreatorAdapter::deserializePlugin(nvinfer1::AsciiChar const* name, void const* data,
                                                       size_t length) TRTPLUG_TRT_NOEXCEPT {
    return made("deserializePlugin", name, [&](AttrValues* values, std::string* error) {
        if (data == nullptr && length > 0) {
            *error = "no data";
            return false;
        }
        Error err;
        if (deserialize(*desc_, data, length, values, &err) != Status::kOk) {
            *error = err.message;
            return false;
        }
        return true;
    });
}

void CreatorAdapter::setPluginNamespace(nvinfer1::AsciiChar const* plugin_namespace) TRTPLUG_TRT_NOEXCEPT {
    try {
        namespace_ = plugin_namespace ? plugin_namespace : "";
    } catch (...) {
        log_plugin(Severity::kError, namespace_, *desc_, "setPluginNamespace: out of memory");
    }
}

nvinfer1::AsciiChar const* CreatorAdapter::getPluginNamespace() const TRTPLUG_TRT_NOEXCEPT {
    return namespace_.c_str();
}

}  // namespace trt
}  // namespace trtplug

TRTPLUG_TRT_V2_END
