// The TensorRT plugin creator every generated trtplug creator derives from.
//
// CreatorAdapter implements IPluginCreator once: the PluginField list comes from the plugin's
// attribute descriptors, createPlugin checks every field through the core (type, length, range),
// deserializePlugin checks the blob through the core. The library makes one creator per row of its
// plugin table when it is loaded (trtplug_trt_library.cpp).
#pragma once

#include <string>
#include <vector>

#include "trtplug_core.h"
#include "trtplug_trt_compat.h"
#include "trtplug_trt_plugin.h"

namespace trtplug {
namespace trt {

TRTPLUG_TRT_V2_BEGIN

class CreatorAdapter final : public nvinfer1::IPluginCreator {
public:
    CreatorAdapter(const PluginDesc& desc, const char* plugin_namespace) noexcept;
    ~CreatorAdapter() override = default;

    nvinfer1::AsciiChar const* getPluginName() const TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::AsciiChar const* getPluginVersion() const TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::PluginFieldCollection const* getFieldNames() TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::IPluginV2* createPlugin(nvinfer1::AsciiChar const* name,
                                      nvinfer1::PluginFieldCollection const* fields) TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::IPluginV2* deserializePlugin(nvinfer1::AsciiChar const* name, void const* data,
                                           size_t length) TRTPLUG_TRT_NOEXCEPT override;
    void setPluginNamespace(nvinfer1::AsciiChar const* plugin_namespace) TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::AsciiChar const* getPluginNamespace() const TRTPLUG_TRT_NOEXCEPT override;

    const PluginDesc& desc() const { return *desc_; }

    CreatorAdapter(const CreatorAdapter&) = delete;
    CreatorAdapter& operator=(const CreatorAdapter&) = delete;

private:
    // A new plugin with these (validated) values. May throw std::bad_alloc; callers catch it.
    PluginAdapter* make(AttrValues values) const;

    // The plugin `fill` gives values for (false with *error saying why), made and returned; null
    // otherwise, with one line "<method>(layer '<name>'): <cause>" logged.
    template <class Fill>
    nvinfer1::IPluginV2* made(const char* method, const char* name, Fill fill) const noexcept;

    const PluginDesc* desc_;
    std::string namespace_;
    FieldNames field_names_;
};

TRTPLUG_TRT_V2_END

}  // namespace trt
}  // namespace trtplug
